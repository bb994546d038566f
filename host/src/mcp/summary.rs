//! A tool result as text for people: text content in full, everything else in one line each.

use serde_json::Value;

/// `result` is a serialised `CallToolResult`. Text content in full; images, audio and embedded resources as one line each.
pub fn summarize(result: &Value) -> String {
    let mut out = String::new();
    let blocks = result["content"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for block in blocks {
        let kind = block["type"].as_str().unwrap_or("?");
        match kind {
            "text" => {
                out.push_str(block["text"].as_str().unwrap_or(""));
                out.push('\n');
            }
            "image" | "audio" => {
                let mime = block["mimeType"].as_str().unwrap_or("?");
                let bytes = block["data"].as_str().map_or(0, |d| d.len() * 3 / 4);
                out.push_str(&format!("[{kind}: {mime}, ~{bytes} bytes]\n"));
            }
            "resource" => {
                let uri = block["resource"]["uri"].as_str().unwrap_or("?");
                out.push_str(&format!("[resource: {uri}]\n"));
            }
            "resource_link" => {
                let uri = block["uri"].as_str().unwrap_or("?");
                out.push_str(&format!("[resource link: {uri}]\n"));
            }
            other => out.push_str(&format!("[{other} content]\n")),
        }
    }
    let structured = result.get("structuredContent").filter(|v| !v.is_null());
    if let Some(structured) = structured.filter(|_| blocks.is_empty()) {
        out.push_str(&structured.to_string());
        out.push('\n');
    }
    if result["isError"] == Value::Bool(true) {
        out.insert_str(0, "tool reported an error:\n");
    }
    out
}
