//! Which language a file is, decided by its extension, and the names settings use for them.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    Json,
    Toml,
    Yaml,
}

impl Language {
    pub const ALL: [Language; 5] = [
        Language::Rust,
        Language::Python,
        Language::Json,
        Language::Toml,
        Language::Yaml,
    ];

    /// The language of `path` by its extension (case-insensitive), or `None` to skip it.
    pub fn of_path(path: &str) -> Option<Language> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "rs" => Some(Language::Rust),
            "py" | "pyi" => Some(Language::Python),
            "json" => Some(Language::Json),
            "toml" => Some(Language::Toml),
            "yaml" | "yml" => Some(Language::Yaml),
            _ => None,
        }
    }

    /// The rule id of this language's syntax errors.
    pub fn rule(self) -> &'static str {
        match self {
            Language::Rust => "syntax/rust",
            Language::Python => "syntax/python",
            Language::Json => "syntax/json",
            Language::Toml => "syntax/toml",
            Language::Yaml => "syntax/yaml",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Language;

    #[test]
    fn languages_by_extension() {
        assert_eq!(Language::of_path("src/main.rs"), Some(Language::Rust));
        assert_eq!(Language::of_path("a/b.PY"), Some(Language::Python));
        assert_eq!(Language::of_path("typings/x.pyi"), Some(Language::Python));
        assert_eq!(Language::of_path("package.json"), Some(Language::Json));
        assert_eq!(Language::of_path("Cargo.toml"), Some(Language::Toml));
        assert_eq!(Language::of_path(".github/ci.yml"), Some(Language::Yaml));
        assert_eq!(Language::of_path("x.yaml"), Some(Language::Yaml));
        assert_eq!(Language::of_path("README.md"), None);
        assert_eq!(Language::of_path("Makefile"), None);
        assert_eq!(Language::of_path("dir.rs/file"), None);
        assert_eq!(Language::of_path(".json"), Some(Language::Json));
    }
}
