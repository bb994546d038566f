//! {{name}}: a cchost validation gate. Every line that starts with a merge-conflict marker
//! (`<<<<<<< `, `=======`, `>>>>>>> `) in a file in scope is an error.

use cchost_sdk::{Finding, Gate, GateInput, GateReport, Severity, export_gate};

struct Plugin;

impl Gate for Plugin {
    fn check(input: GateInput) -> Result<GateReport, String> {
        let mut findings = Vec::new();
        for file in &input.files {
            // The host preopens the project at its own path, read-only.
            let path = std::path::Path::new(&input.root).join(file);
            let bytes = std::fs::read(&path).map_err(|e| format!("read {file}: {e}"))?;
            if bytes.iter().take(8000).any(|&b| b == 0) {
                continue; // binary (as git decides): no conflict markers worth reporting
            }
            let text = String::from_utf8_lossy(&bytes);
            findings.extend(conflict_markers(&text).map(|line| {
                Finding::new(
                    "conflict-marker",
                    Severity::Error,
                    "merge-conflict marker left in the file",
                )
                .at(file.as_str(), line, 1)
                .with_fix_hint("finish the merge and remove the markers")
            }));
        }
        Ok(GateReport::from_findings(findings))
    }
}

/// The 1-based numbers of the lines of `text` that start with a conflict marker.
fn conflict_markers(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.lines().zip(1..).filter_map(|(line, number)| {
        let marker = line.starts_with("<<<<<<< ")
            || line.starts_with(">>>>>>> ")
            || line.trim_end() == "=======";
        marker.then_some(number)
    })
}

export_gate!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_marker_of_a_conflict() {
        let text = "a\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> feature\n";
        assert_eq!(conflict_markers(text).collect::<Vec<_>>(), [2, 4, 6]);
    }

    #[test]
    fn ignores_markers_inside_lines() {
        assert_eq!(conflict_markers("let s = \"<<<<<<< x\";\n").count(), 0);
    }
}
