//! Which projects the user trusts: recorded as `trust.projects` in the global configuration, and
//! edited there by `cchost trust` without disturbing the rest of the file.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};

/// Whether `project_root` is one of `trusted` (both compared as canonical paths, so a symlink or
/// a `..` cannot make an untrusted directory look trusted, nor a trusted one look untrusted).
pub fn is_trusted(project_root: &Path, trusted: &[PathBuf]) -> bool {
    let Ok(root) = project_root.canonicalize() else {
        return false;
    };
    trusted
        .iter()
        .any(|dir| dir.canonicalize().is_ok_and(|dir| dir == root))
}

/// Adds (`trust = true`) or removes `dir` in the global file's `trust.projects`. Returns whether
/// the file changed. The file is rewritten atomically, comments and layout kept.
pub fn record(global_file: &Path, dir: &Path, trust: bool) -> Result<bool> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("{} cannot be trusted: it does not exist", dir.display()))?;
    let Some(dir_text) = dir.to_str() else {
        bail!(
            "{} is not valid UTF-8 and cannot be written to TOML",
            dir.display()
        );
    };
    let text = match std::fs::read_to_string(global_file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("read {}", global_file.display())),
    };
    let mut document: toml_edit::DocumentMut = text.parse().with_context(|| {
        format!(
            "{} is not valid TOML; fix it first (nothing was changed)",
            global_file.display()
        )
    })?;
    let trust_table = document
        .entry("trust")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .with_context(|| format!("{}: `trust` is not a table", global_file.display()))?;
    let projects = trust_table
        .entry("projects")
        .or_insert(toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .with_context(|| {
            format!(
                "{}: `trust.projects` is not an array",
                global_file.display()
            )
        })?;
    let position = projects.iter().position(|item| {
        item.as_str().is_some_and(|entry| {
            Path::new(entry).canonicalize().is_ok_and(|e| e == dir) || entry == dir_text
        })
    });
    match (trust, position) {
        (true, Some(_)) | (false, None) => return Ok(false),
        (true, None) => projects.push(dir_text),
        (false, Some(i)) => {
            projects.remove(i);
        }
    }
    write_atomically(global_file, document.to_string().as_bytes())?;
    Ok(true)
}

fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let parent = path
        .parent()
        .with_context(|| format!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(parent).with_context(|| format!("create {}", parent.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("create a temporary file in {}", parent.display()))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("write {}", temp.path().display()))?;
    temp.persist(path)
        .with_context(|| format!("replace {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusting_keeps_the_rest_of_the_file_and_is_idempotent() {
        let home = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let global = home.path().join("cchost/config.toml");
        std::fs::create_dir_all(global.parent().unwrap()).unwrap();
        std::fs::write(
            &global,
            "# my settings\n[plugins.guard-commands]\nsettings = { a = 1 }\n",
        )
        .unwrap();

        assert!(record(&global, project.path(), true).unwrap());
        assert!(!record(&global, project.path(), true).unwrap());
        let text = std::fs::read_to_string(&global).unwrap();
        assert!(
            text.starts_with("# my settings\n[plugins.guard-commands]"),
            "{text}"
        );
        let value: toml::Table = toml::from_str(&text).unwrap();
        let canonical = project.path().canonicalize().unwrap();
        assert_eq!(value["trust"]["projects"][0].as_str(), canonical.to_str());
        assert!(is_trusted(project.path(), std::slice::from_ref(&canonical)));

        assert!(record(&global, project.path(), false).unwrap());
        assert!(!record(&global, project.path(), false).unwrap());
        let value: toml::Table =
            toml::from_str(&std::fs::read_to_string(&global).unwrap()).unwrap();
        assert!(value["trust"]["projects"].as_array().unwrap().is_empty());
    }

    #[test]
    fn a_symlink_to_a_trusted_project_is_the_same_project() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(is_trusted(&link, std::slice::from_ref(&real)));
        assert!(!is_trusted(dir.path(), &[real]));
    }

    #[test]
    fn a_broken_global_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let global = dir.path().join("config.toml");
        std::fs::write(&global, "[trust\n").unwrap();
        let error = record(&global, dir.path(), true).unwrap_err();
        assert!(format!("{error:#}").contains("not valid TOML"));
        assert_eq!(std::fs::read_to_string(&global).unwrap(), "[trust\n");
    }
}
