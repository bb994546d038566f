//! knowledge-graph: an agent that reads the Markdown documents of a directory through the
//! filesystem MCP server and records them in the memory MCP server as a knowledge graph:
//! documents, their sections, and the links between documents.
//!
//! This module owns the agent glue: parameters, connections, collecting the documents, the
//! session record and the output. `fs_server` (shared with `repo-survey`, included from there)
//! walks and reads, `markdown` parses, `graph` turns documents into entities and relations, and
//! `memory` writes them.

#[path = "../../repo-survey/src/fs_server.rs"]
pub mod fs_server;
pub mod graph;
pub mod markdown;
pub mod memory;

use cchost_sdk::{
    Agent, AgentOutput, Task, export_agent, log,
    serde_json::{self, Value, json},
    session,
};
use serde::Deserialize;

use crate::fs_server::{
    MAX_READ_BYTES, McpServer, Server, WalkOptions, first_allowed_directory, normalize_root,
    read_files, walk,
};
use crate::markdown::{Document, is_markdown_name};
use crate::memory::McpMemory;

/// Directories listed at most.
const MAX_DIRS: usize = 20_000;

/// The task's parameters (a JSON object; every field optional).
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// The filesystem MCP server's name.
    pub fs: String,
    /// The memory MCP server's name.
    pub memory: String,
    /// Absolute directory to read; the filesystem server's first allowed directory when absent.
    pub root: Option<String>,
    /// Markdown files read at most.
    pub max_files: usize,
    /// Directory names not entered, at any depth.
    pub exclude: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            fs: "fs".into(),
            memory: "memory".into(),
            root: None,
            max_files: 500,
            exclude: [".git", ".cchost", "node_modules", "target", ".venv"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Parses the task's parameters: empty text or `null` means all defaults.
pub fn parse_params(text: &str) -> Result<Params, String> {
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return Ok(Params::default());
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("parameters are not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("parameters must be a JSON object".into());
    }
    let params: Params = serde_json::from_value(value).map_err(|e| format!("parameters: {e}"))?;
    if params.max_files == 0 {
        return Err("parameters: `max_files` must be at least 1".into());
    }
    if params.fs.is_empty() || params.memory.is_empty() {
        return Err("parameters: `fs` and `memory` must name MCP servers".into());
    }
    Ok(params)
}

/// The documents found and parsed.
#[derive(Debug, Default)]
pub struct Collected {
    /// `(path relative to the root, document)`, in walk order.
    pub documents: Vec<(String, Document)>,
    /// Markdown files found but not read: over 1 MiB or unreadable.
    pub skipped: usize,
    /// The walk stopped at `max_files` with files left.
    pub truncated: bool,
}

/// Finds the Markdown files below `root` (`.md`, `.markdown`) and parses them.
pub fn collect(
    server: &mut impl Server,
    root: &str,
    max_files: usize,
    exclude: &[String],
) -> Result<Collected, String> {
    let options = WalkOptions {
        exclude,
        max_files,
        max_dirs: MAX_DIRS,
    };
    let walked = walk(server, root, &options, is_markdown_name)?;
    let mut collected = Collected {
        truncated: walked.truncated,
        ..Collected::default()
    };
    let readable: Vec<_> = walked
        .files
        .into_iter()
        .filter(|file| {
            let small = file.size.is_none_or(|s| s.bytes <= MAX_READ_BYTES);
            collected.skipped += usize::from(!small);
            small
        })
        .collect();
    let message = format!("found {} Markdown files", readable.len());
    server.progress(&message);
    let batch: Vec<(String, u64)> = readable
        .iter()
        .map(|f| (f.path.clone(), f.size.map_or(0, |s| s.bytes)))
        .collect();
    let mut texts: Vec<Option<String>> = vec![None; readable.len()];
    read_files(server, &batch, |i, result| texts[i] = result.ok())?;
    for (file, text) in readable.into_iter().zip(texts) {
        match text {
            Some(text) => collected.documents.push((file.rel, markdown::parse(&text))),
            None => collected.skipped += 1,
        }
    }
    Ok(collected)
}

struct KnowledgeGraph;

impl Agent for KnowledgeGraph {
    fn run(task: Task) -> Result<AgentOutput, String> {
        let params = parse_params(&task.parameters)?;
        let mut fs = McpServer::connect(&params.fs)?;
        if !fs_server::can_read(&fs) {
            return Err(format!(
                "MCP server `{}` offers neither `read_multiple_files` nor `read_text_file` to this agent",
                params.fs
            ));
        }
        let mut memory = McpMemory::connect(&params.memory)?;
        let root = match &params.root {
            Some(root) => normalize_root(root)?,
            None => normalize_root(&first_allowed_directory(&mut fs)?)?,
        };
        log::info(&format!(
            "reading the Markdown files of {root} through MCP server `{}`",
            params.fs
        ));
        let collected = collect(&mut fs, &root, params.max_files, &params.exclude)?;
        let graph = graph::build(&collected.documents);
        log::info(&format!(
            "writing {} entities and {} relations to MCP server `{}`",
            graph.entities.len(),
            graph.relations.len(),
            params.memory
        ));
        let (entities_created, relations_created) = memory::store(&mut memory, &graph)?;
        let data = json!({
            "root": root,
            "documents": graph.documents,
            "sections": graph.sections,
            "links": graph.links,
            "entities_created": entities_created,
            "relations_created": relations_created,
            "skipped": collected.skipped,
            "truncated": collected.truncated,
        });
        if let Err(e) = session::append("knowledge-graph", &data) {
            log::debug(&format!("no `knowledge-graph` session record: {e}"));
        }
        let summary = summary(&data);
        log::info(&summary);
        Ok(AgentOutput {
            summary,
            data: data.to_string(),
        })
    }
}

export_agent!(KnowledgeGraph);

/// One paragraph for people, from the output data.
pub fn summary(data: &Value) -> String {
    let n = |key: &str| data[key].as_u64().unwrap_or(0);
    let mut text = format!(
        "Read {} Markdown documents under {}: {} sections and {} links between documents. Created {} entities and {} relations in the memory server",
        n("documents"),
        data["root"].as_str().unwrap_or("?"),
        n("sections"),
        n("links"),
        n("entities_created"),
        n("relations_created"),
    );
    let existing = (n("documents") + n("sections")).saturating_sub(n("entities_created"));
    if existing > 0 {
        text.push_str(&format!(
            " ({existing} entities already existed and were left as they are)"
        ));
    }
    text.push('.');
    if n("skipped") > 0 {
        text.push_str(&format!(
            " {} files not read (over 1 MiB or unreadable).",
            n("skipped")
        ));
    }
    if data["truncated"].as_bool() == Some(true) {
        text.push_str(" Stopped at max_files; there are more Markdown files.");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs_server::fake::FakeFs;
    use crate::memory::{fake::FakeMemory, store};

    fn exclude() -> Vec<String> {
        Params::default().exclude
    }

    fn docs_tree() -> FakeFs {
        let mut fs = FakeFs::new("/p");
        fs.file(
            "README.md",
            "# Title\n\nSee [other](docs/other.md) and [[sub/deep]].\n\n---\n\n## Sec A\ntext\n",
        )
        .file("docs/other.md", "---\ntitle: x\n---\n# Other\n\n## B\n")
        .file("docs/sub/deep.md", "# Deep\n")
        .file("with space/a file.md", "x")
        .file("src/main.rs", "fn main() {}")
        .file("node_modules/pkg/README.md", "# vendored")
        .file("huge.md", "word ".repeat(300_000));
        fs
    }

    #[test]
    fn collects_and_records_a_tree() {
        let mut fs = docs_tree();
        let collected = collect(&mut fs, "/p", 500, &exclude()).unwrap();
        let rels: Vec<&str> = collected.documents.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(
            rels,
            [
                "README.md",
                "docs/other.md",
                "with space/a file.md",
                "docs/sub/deep.md"
            ]
        );
        assert_eq!(collected.skipped, 1, "huge.md");
        assert!(!collected.truncated);
        let graph = graph::build(&collected.documents);
        assert_eq!((graph.documents, graph.sections, graph.links), (4, 5, 2));
        let mut memory = FakeMemory::default();
        assert_eq!(store(&mut memory, &graph).unwrap(), (9, 7));
        assert!(
            memory
                .relations
                .iter()
                .any(|r| r["from"] == "README.md" && r["to"] == "docs/sub/deep.md")
        );
    }

    #[test]
    fn max_files_counts_markdown_only() {
        let mut fs = docs_tree();
        let collected = collect(&mut fs, "/p", 2, &exclude()).unwrap();
        // README.md and huge.md (which is too large to read) are the two files walked.
        assert_eq!(collected.documents.len(), 1);
        assert_eq!(collected.skipped, 1);
        assert!(collected.truncated);
    }

    #[test]
    fn unreadable_files_are_skipped() {
        let mut fs = docs_tree();
        fs.refused_paths.push("/p/docs/other.md".into());
        let collected = collect(&mut fs, "/p", 500, &exclude()).unwrap();
        assert_eq!(collected.documents.len(), 3);
        assert_eq!(collected.skipped, 2);
    }

    #[test]
    fn params() {
        assert_eq!(parse_params("").unwrap(), Params::default());
        assert_eq!(parse_params("{}").unwrap().max_files, 500);
        let p = parse_params(r#"{"fs": "files", "memory": "kg", "root": "/d", "max_files": 3}"#)
            .unwrap();
        assert_eq!(
            (p.fs.as_str(), p.memory.as_str(), p.max_files),
            ("files", "kg", 3)
        );
        assert_eq!(p.root.as_deref(), Some("/d"));
        assert!(
            parse_params(r#"{"server": "fs"}"#)
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(parse_params(r#"{"max_files": 0}"#).is_err());
        assert!(parse_params("42").is_err());
    }

    #[test]
    fn summary_paragraph() {
        let data = json!({
            "root": "/p", "documents": 4, "sections": 5, "links": 2,
            "entities_created": 7, "relations_created": 7, "skipped": 1, "truncated": false
        });
        assert_eq!(
            summary(&data),
            "Read 4 Markdown documents under /p: 5 sections and 2 links between documents. Created 7 entities and 7 relations in the memory server (2 entities already existed and were left as they are). 1 files not read (over 1 MiB or unreadable)."
        );
    }
}
