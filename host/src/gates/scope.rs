//! Which files a gate judges: those changed since a git revision (with their line counts), or
//! every file of the project. Git runs as a plain child process of the host (never through a
//! shell, never reachable by a plugin).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use crate::plugins::bindings::{ChangeKind, FileChange};

/// What to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeSpec {
    /// Every file (git-tracked and untracked-but-not-ignored in a repository).
    All,
    /// Files changed between the revision and the working tree, untracked files included.
    Since(String),
}

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub root: PathBuf,
    /// Relative to `root`, sorted; deleted files are not in scope (there is nothing to read).
    pub files: Vec<String>,
    /// Empty for [`ScopeSpec::All`].
    pub changes: Vec<FileChange>,
}

/// Whether `dir` is inside a git work tree.
pub fn is_git_repo(dir: &Path) -> bool {
    git(dir, &["rev-parse", "--is-inside-work-tree"]).is_ok_and(|out| out.trim() == "true")
}

pub fn resolve(root: &Path, spec: &ScopeSpec) -> Result<Scope> {
    let in_git = is_git_repo(root);
    match spec {
        ScopeSpec::All if in_git => {
            let listed = git(
                root,
                &[
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                ],
            )?;
            let mut files: Vec<String> = listed
                .split('\0')
                .filter(|f| !f.is_empty() && root.join(f).is_file())
                .map(str::to_string)
                .collect();
            files.sort();
            files.dedup();
            Ok(Scope {
                root: root.to_path_buf(),
                files,
                changes: Vec::new(),
            })
        }
        ScopeSpec::All => Ok(Scope {
            root: root.to_path_buf(),
            files: walk(root)?,
            changes: Vec::new(),
        }),
        ScopeSpec::Since(_) if !in_git => bail!(
            "{} is not a git repository, so there are no changes to judge; use --all",
            root.display()
        ),
        ScopeSpec::Since(base) => changes_since(root, base),
    }
}

fn changes_since(root: &Path, base: &str) -> Result<Scope> {
    if base.starts_with('-') {
        bail!("`{base}` is not a revision");
    }
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base}^{{commit}}"),
        ],
    )
    .with_context(|| {
        format!(
            "`{base}` is not a revision of the repository at {}",
            root.display()
        )
    })?;
    // `--relative` keeps paths relative to `root` even when it is a subdirectory of the repo.
    let status = git(
        root,
        &[
            "diff",
            "--relative",
            "--name-status",
            "-z",
            "-M",
            base,
            "--",
        ],
    )?;
    let numstat = git(
        root,
        &["diff", "--relative", "--numstat", "-z", "-M", base, "--"],
    )?;
    let mut changes: BTreeMap<String, FileChange> = BTreeMap::new();

    let mut fields = status.split('\0').filter(|f| !f.is_empty());
    while let Some(code) = fields.next() {
        let kind = match code.chars().next() {
            Some('A') => ChangeKind::Added,
            Some('D') => ChangeKind::Deleted,
            Some('R') => ChangeKind::Renamed,
            _ => ChangeKind::Modified,
        };
        // Renames and copies name the old path, then the new one.
        if matches!(code.chars().next(), Some('R' | 'C')) {
            fields.next();
        }
        let Some(path) = fields.next() else { break };
        changes.insert(
            path.to_string(),
            FileChange {
                path: path.to_string(),
                kind,
                lines_added: 0,
                lines_removed: 0,
            },
        );
    }

    // numstat -z: `added\tremoved\tpath\0`, or for a rename `added\tremoved\t\0old\0new\0`.
    let mut fields = numstat.split('\0');
    while let Some(record) = fields.next() {
        let mut parts = record.splitn(3, '\t');
        let (Some(added), Some(removed), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let path = if path.is_empty() {
            fields.next();
            fields.next().unwrap_or_default()
        } else {
            path
        };
        if let Some(change) = changes.get_mut(path) {
            // Binary files show `-`: no line counts.
            change.lines_added = added.parse().unwrap_or(0);
            change.lines_removed = removed.parse().unwrap_or(0);
        }
    }

    let untracked = git(root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    for path in untracked.split('\0').filter(|p| !p.is_empty()) {
        let lines = std::fs::read(root.join(path))
            .map(|bytes| bytecount_lines(&bytes))
            .unwrap_or(0);
        changes.insert(
            path.to_string(),
            FileChange {
                path: path.to_string(),
                kind: ChangeKind::Added,
                lines_added: lines,
                lines_removed: 0,
            },
        );
    }

    let files = changes
        .values()
        .filter(|c| c.kind != ChangeKind::Deleted && root.join(&c.path).is_file())
        .map(|c| c.path.clone())
        .collect();
    Ok(Scope {
        root: root.to_path_buf(),
        files,
        changes: changes.into_values().collect(),
    })
}

fn bytecount_lines(bytes: &[u8]) -> u32 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let unterminated = usize::from(bytes.last().is_some_and(|&b| b != b'\n'));
    u32::try_from(newlines + unterminated).unwrap_or(u32::MAX)
}

/// Every regular file under `root`, skipping hidden directories and build output.
fn walk(root: &Path) -> Result<Vec<String>> {
    const SKIPPED: &[&str] = &["target", "node_modules", "__pycache__"];
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).with_context(|| format!("list {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("list {}", dir.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                if !name.starts_with('.') && !SKIPPED.contains(&name.as_ref()) {
                    pending.push(entry.path());
                }
            } else if file_type.is_file()
                && let Ok(relative) = entry.path().strip_prefix(root)
                && let Some(relative) = relative.to_str()
            {
                files.push(relative.to_string());
            }
        }
    }
    files.sort();
    Ok(files)
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .context("run git (is it installed?)")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("git printed a path that is not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn changes_since_a_revision_with_line_counts_renames_deletions_and_untracked_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        run(root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join("keep.rs"), "fn a() {}\n").unwrap();
        std::fs::write(root.join("edit.rs"), "one\ntwo\nthree\n").unwrap();
        std::fs::write(root.join("gone.rs"), "x\n").unwrap();
        std::fs::write(root.join("old_name.rs"), "a\nb\nc\nd\ne\nf\n").unwrap();
        std::fs::write(root.join(".gitignore"), "ignored.log\n").unwrap();
        run(root, &["add", "."]);
        run(root, &["commit", "-qm", "base"]);

        std::fs::write(root.join("edit.rs"), "one\n2\nthree\nfour\n").unwrap();
        std::fs::remove_file(root.join("gone.rs")).unwrap();
        run(root, &["mv", "old_name.rs", "new_name.rs"]);
        std::fs::write(root.join("new file.rs"), "a\nb").unwrap();
        std::fs::write(root.join("ignored.log"), "noise\n").unwrap();

        let scope = resolve(root, &ScopeSpec::Since("HEAD".into())).unwrap();
        assert_eq!(scope.files, ["edit.rs", "new file.rs", "new_name.rs"]);
        let change = |path: &str| scope.changes.iter().find(|c| c.path == path).unwrap();
        assert_eq!(change("edit.rs").kind, ChangeKind::Modified);
        assert_eq!(
            (
                change("edit.rs").lines_added,
                change("edit.rs").lines_removed
            ),
            (2, 1)
        );
        assert_eq!(change("gone.rs").kind, ChangeKind::Deleted);
        assert_eq!(change("new_name.rs").kind, ChangeKind::Renamed);
        assert_eq!(change("new file.rs").kind, ChangeKind::Added);
        assert_eq!(change("new file.rs").lines_added, 2);
        assert_eq!(scope.changes.len(), 4);

        let all = resolve(root, &ScopeSpec::All).unwrap();
        assert_eq!(
            all.files,
            [
                ".gitignore",
                "edit.rs",
                "keep.rs",
                "new file.rs",
                "new_name.rs"
            ]
        );
        assert!(all.changes.is_empty());

        let error = resolve(root, &ScopeSpec::Since("no-such-rev".into())).unwrap_err();
        assert!(format!("{error:#}").contains("`no-such-rev` is not a revision"));
        assert!(resolve(root, &ScopeSpec::Since("--output=/tmp/x".into())).is_err());
    }

    #[test]
    fn outside_git_all_files_are_walked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::create_dir_all(dir.path().join(".hidden")).unwrap();
        std::fs::create_dir_all(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("src/a.rs"), "").unwrap();
        std::fs::write(dir.path().join(".hidden/b"), "").unwrap();
        std::fs::write(dir.path().join("target/c"), "").unwrap();
        if is_git_repo(dir.path()) {
            return; // the temp dir lives inside some repository on this machine
        }
        let scope = resolve(dir.path(), &ScopeSpec::All).unwrap();
        assert_eq!(scope.files, ["src/a.rs"]);
        assert!(resolve(dir.path(), &ScopeSpec::Since("HEAD".into())).is_err());
    }
}
