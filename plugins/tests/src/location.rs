//! Source locations as test runners print them (`src/lib.rs:9:18`, `tests/test_x.py:8:`), and
//! turning them into project-relative paths a finding can point at.

use std::path::{Component, Path};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// As printed: relative to where the command ran, or absolute.
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
}

impl Location {
    /// `file:line` or `file:line:column`, with nothing after it.
    pub fn parse(text: &str) -> Option<Location> {
        let text = text.trim();
        let mut parts = text.rsplitn(3, ':');
        let last = parts.next()?;
        let middle = parts.next()?;
        match (parts.next(), middle.parse::<u32>(), last.parse::<u32>()) {
            (Some(file), Ok(line), Ok(column)) if !file.is_empty() => Some(Location {
                file: file.to_string(),
                line,
                column: Some(column),
            }),
            (_, _, Ok(line)) if !middle.is_empty() => {
                // `file:line` only: the file may itself hold a colon (rare), so rejoin.
                let file = text.rsplit_once(':')?.0;
                Some(Location {
                    file: file.to_string(),
                    line,
                    column: None,
                })
            }
            _ => None,
        }
    }

    /// The location's path relative to the project root, when it names a file inside it.
    pub fn project_relative(&self, root: &Path, cwd: &str) -> Option<String> {
        let printed = Path::new(&self.file);
        let relative = if printed.is_absolute() {
            printed.strip_prefix(root).ok()?.to_path_buf()
        } else {
            Path::new(cwd).join(printed)
        };
        let mut clean = std::path::PathBuf::new();
        for part in relative.components() {
            match part {
                Component::Normal(name) => clean.push(name),
                Component::CurDir => {}
                // A path climbing out of the project is not one a finding can point at.
                _ => return None,
            }
        }
        root.join(&clean)
            .is_file()
            .then(|| clean.to_string_lossy().into_owned())
    }
}

/// A Python traceback line `path.py:LINE: …` (the place a pytest failure happened).
pub fn python_location(line: &str) -> Option<Location> {
    let (place, _rest) = line.split_once(": ")?;
    let (file, number) = place.rsplit_once(':')?;
    if !file.ends_with(".py") || file.contains(' ') {
        return None;
    }
    Some(Location {
        file: file.to_string(),
        line: number.parse().ok()?,
        column: None,
    })
}
