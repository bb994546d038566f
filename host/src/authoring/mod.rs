//! Tools for plugin authors: scaffolding a plugin project in Rust, Python or JavaScript
//! ([`scaffold`]) and building one into a component with its manifest ([`build`]). Both embed
//! what they need (templates, the `wit/` contract, the JavaScript build driver), so an installed
//! `cchost` binary works without this repository.

pub mod build;
pub mod contract;
pub mod scaffold;

use std::fmt;

use clap::ValueEnum;
use serde::Serialize;

/// A language cchost can scaffold and build plugins in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    Js,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Js => "js",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
