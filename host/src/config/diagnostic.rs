//! Configuration errors as the user sees them: what is wrong, where (file:line:column and the
//! offending line), and how to fix it. All errors of a load are reported together.

use std::fmt;

use super::tree::Origin;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub origin: Option<Origin>,
    /// The text of the offending line, when the origin is a line of a file.
    pub source_line: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            origin: None,
            source_line: None,
            help: None,
        }
    }

    pub fn at(mut self, origin: &Origin, file_text: Option<&str>) -> Self {
        if let (Origin::File { line, .. }, Some(text)) = (origin, file_text)
            && *line > 0
        {
            self.source_line = text.lines().nth(*line as usize - 1).map(str::to_string);
        }
        self.origin = Some(origin.clone());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(origin) = &self.origin {
            write!(f, "\n  --> {origin}")?;
            if let (Origin::File { line, column, .. }, Some(text)) = (origin, &self.source_line) {
                let gutter = " ".repeat(line.to_string().len());
                let text = text.trim_end();
                let pad: String = text
                    .chars()
                    .take(column.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n {gutter} |\n {line} | {text}\n {gutter} | {pad}^")?;
            }
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found while loading the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            if self.diagnostics.len() > 1 {
                write!(
                    f,
                    "configuration error {} of {}: ",
                    i + 1,
                    self.diagnostics.len()
                )?;
            } else {
                f.write_str("configuration error: ")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The closest of `candidates` to `wrong`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(wrong, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// The names serde quotes in backticks: for "unknown field `x`, expected one of `a`, `b`"
/// that is `["x", "a", "b"]`.
pub fn quoted_names(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use std::{path::Path, sync::Arc};

    use super::*;
    use crate::config::tree::Tier;

    #[test]
    fn renders_file_line_column_and_a_caret_under_the_column() {
        let origin = Origin::File {
            tier: Tier::Project,
            path: Arc::from(Path::new("/p/.cchost/config.toml")),
            line: 2,
            column: 14,
        };
        let text = "[plugins.p.limits]\ntimeout_ms = \"soon\"\n";
        let diagnostic = Diagnostic::new("invalid type: string \"soon\", expected u64")
            .at(&origin, Some(text))
            .help("write a number of milliseconds");
        let rendered = diagnostic.to_string();
        assert!(
            rendered.contains("--> /p/.cchost/config.toml:2:14"),
            "{rendered}"
        );
        assert!(rendered.contains("2 | timeout_ms = \"soon\""), "{rendered}");
        assert!(
            rendered.contains(&format!("| {}^", " ".repeat(13))),
            "{rendered}"
        );
        assert!(rendered.ends_with("= help: write a number of milliseconds"));
    }

    #[test]
    fn suggestions_only_for_plausible_typos() {
        assert_eq!(
            did_you_mean("plugns", ["plugins", "hooks"]),
            Some("plugins")
        );
        assert_eq!(
            did_you_mean("timeout", ["timeout_ms", "memory_mib"]),
            Some("timeout_ms")
        );
        assert_eq!(did_you_mean("zzz", ["plugins", "hooks"]), None);
    }

    #[test]
    fn serde_messages_yield_their_names() {
        assert_eq!(
            quoted_names("unknown field `plugns`, expected one of `plugins`, `hooks`"),
            ["plugns", "plugins", "hooks"]
        );
        assert_eq!(
            quoted_names("unknown variant `alow`, expected `deny` or `allow`"),
            ["alow", "deny", "allow"]
        );
    }
}
