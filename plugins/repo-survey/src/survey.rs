//! The survey itself: walk the tree, read what is text, count, and sum up per language.
//!
//! Sizes come from the server's listing, which is exact below 1 KiB and rounded to two decimals
//! of KB/MB/GB above; a file read as text gets its exact size from its content (when it decoded
//! without replacement characters), and the largest files still rounded are asked for with
//! `get_file_info`. `approximate_sizes` counts the files whose size stayed rounded.

use std::collections::BTreeMap;

use cchost_sdk::serde_json;
use serde::Serialize;

use crate::fs_server::{
    self, MAX_READ_BYTES, Server, WalkOptions, parse_file_info_size, read_files, walk,
};
use crate::languages::{OTHER, is_binary_name, language};
use crate::scan::{Scan, looks_binary, scan};

/// Directories listed at most.
const MAX_DIRS: usize = 20_000;
/// Entries of `largest`.
const LARGEST: usize = 5;
/// `get_file_info` calls to make the largest sizes exact.
const EXACT_CANDIDATES: usize = 10;

/// What to survey.
pub struct Options {
    /// Absolute, normalised.
    pub root: String,
    pub max_files: usize,
    pub exclude: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageStats {
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Largest {
    /// Relative to the root.
    pub path: String,
    pub bytes: u64,
}

/// The survey's result: the agent's `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub root: String,
    pub files: u64,
    pub bytes: u64,
    /// Lines of the files read as text.
    pub lines: u64,
    pub languages: BTreeMap<String, LanguageStats>,
    pub todo: u64,
    pub fixme: u64,
    pub largest: Vec<Largest>,
    /// Files counted but not read: binary, over 1 MiB, or unreadable.
    pub skipped: u64,
    /// The walk stopped at `max_files` (or the directory cap) with files left.
    pub truncated: bool,
    /// Directories not entered because their name is in `exclude`.
    pub excluded_dirs: u64,
    /// Directories the server could not or would not list.
    pub unreadable_dirs: u64,
    /// Files whose byte count is the listing's rounded one.
    pub approximate_sizes: u64,
}

struct FileState {
    rel: String,
    path: String,
    language: &'static str,
    bytes: u64,
    exact: bool,
    scan: Option<Scan>,
    /// A symbolic link to a directory (listed as a file; reading it fails with EISDIR).
    directory_link: bool,
}

/// Surveys `options.root` through `server`.
pub fn survey(server: &mut impl Server, options: &Options) -> Result<Report, String> {
    let root = options.root.as_str();
    let walk_options = WalkOptions {
        exclude: &options.exclude,
        max_files: options.max_files,
        max_dirs: MAX_DIRS,
    };
    let walked = walk(server, root, &walk_options, |_| true)?;
    let message = format!(
        "found {} files in {} directories{}",
        walked.files.len(),
        walked.dirs,
        if walked.truncated {
            " (stopped at the limit)"
        } else {
            ""
        }
    );
    server.progress(&message);

    let mut files: Vec<FileState> = walked
        .files
        .into_iter()
        .map(|file| {
            let name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
            FileState {
                language: language(name),
                bytes: file.size.map_or(0, |s| s.bytes),
                exact: file.size.is_some_and(|s| s.exact),
                scan: None,
                directory_link: false,
                rel: file.rel,
                path: file.path,
            }
        })
        .collect();

    let to_read: Vec<usize> = (0..files.len())
        .filter(|&i| {
            let name = files[i].rel.rsplit('/').next().unwrap_or_default();
            !is_binary_name(name) && files[i].bytes <= MAX_READ_BYTES
        })
        .collect();
    if !to_read.is_empty() && !fs_server::can_read(server) {
        server.warn("the filesystem server offers no read tool to this agent: no file is scanned");
    } else {
        let batch: Vec<(String, u64)> = to_read
            .iter()
            .map(|&i| (files[i].path.clone(), files[i].bytes))
            .collect();
        read_files(server, &batch, |k, result| {
            let file = &mut files[to_read[k]];
            match result {
                Ok(content) if looks_binary(&content) => {}
                Ok(content) => {
                    if !file.exact && !content.contains('\u{fffd}') {
                        file.bytes = content.len() as u64;
                        file.exact = true;
                    }
                    file.scan = Some(scan(&content));
                }
                Err(message) => file.directory_link = message.contains("EISDIR"),
            }
        })?;
    }
    files.retain(|file| !file.directory_link);
    refine_largest(server, &mut files);

    let mut report = Report {
        root: root.to_string(),
        files: files.len() as u64,
        bytes: 0,
        lines: 0,
        languages: BTreeMap::new(),
        todo: 0,
        fixme: 0,
        largest: Vec::new(),
        skipped: 0,
        truncated: walked.truncated,
        excluded_dirs: walked.excluded_dirs as u64,
        unreadable_dirs: walked.unreadable_dirs.len() as u64,
        approximate_sizes: 0,
    };
    for file in &files {
        let scanned = file.scan.unwrap_or_default();
        let stats = report
            .languages
            .entry(file.language.to_string())
            .or_default();
        stats.files += 1;
        stats.bytes += file.bytes;
        stats.lines += scanned.lines;
        report.bytes += file.bytes;
        report.lines += scanned.lines;
        report.todo += scanned.todo;
        report.fixme += scanned.fixme;
        report.skipped += u64::from(file.scan.is_none());
        report.approximate_sizes += u64::from(!file.exact);
    }
    report.largest = largest(&files)
        .take(LARGEST)
        .map(|file| Largest {
            path: file.rel.clone(),
            bytes: file.bytes,
        })
        .collect();
    Ok(report)
}

/// Files by size, largest first (ties by path).
fn largest(files: &[FileState]) -> impl Iterator<Item = &FileState> {
    let mut sorted: Vec<&FileState> = files.iter().collect();
    sorted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.rel.cmp(&b.rel)));
    sorted.into_iter()
}

/// Asks `get_file_info` for the exact size of the largest files whose size is still rounded.
fn refine_largest(server: &mut impl Server, files: &mut [FileState]) {
    if !server.has_tool("get_file_info") {
        return;
    }
    let candidates: Vec<String> = largest(files)
        .take(LARGEST + EXACT_CANDIDATES)
        .filter(|file| !file.exact)
        .take(EXACT_CANDIDATES)
        .map(|file| file.path.clone())
        .collect();
    for path in candidates {
        match server.call("get_file_info", &serde_json::json!({ "path": path })) {
            Ok(text) => {
                if let (Some(bytes), Some(file)) = (
                    parse_file_info_size(&text),
                    files.iter_mut().find(|f| f.path == path),
                ) {
                    file.bytes = bytes;
                    file.exact = true;
                }
            }
            Err(failure) => server.warn(&failure.message),
        }
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// One paragraph for people.
pub fn summary(report: &Report) -> String {
    let mut parts = Vec::new();
    let known: Vec<(&String, &LanguageStats)> = report
        .languages
        .iter()
        .filter(|(name, _)| name.as_str() != OTHER)
        .collect();
    let mut head = format!(
        "Surveyed {}: {} files, {}, {} lines of text",
        report.root,
        report.files,
        human_bytes(report.bytes),
        report.lines
    );
    if !known.is_empty() {
        let by_lines = report.lines > 0;
        let mut ranked = known.clone();
        ranked.sort_by_key(|(name, stats)| {
            (
                std::cmp::Reverse(if by_lines { stats.lines } else { stats.files }),
                name.as_str(),
            )
        });
        let total = if by_lines { report.lines } else { report.files }.max(1);
        let top: Vec<String> = ranked
            .iter()
            .take(3)
            .map(|(name, stats)| {
                let part = if by_lines { stats.lines } else { stats.files };
                format!("{name} {}%", part * 100 / total)
            })
            .collect();
        head.push_str(&format!(
            " in {} languages (mostly {} of {})",
            known.len(),
            top.join(", "),
            if by_lines { "lines" } else { "files" }
        ));
    }
    parts.push(format!("{head}."));
    parts.push(format!(
        "{} TODO and {} FIXME markers.",
        report.todo, report.fixme
    ));
    if let Some(first) = report.largest.first() {
        parts.push(format!(
            "Largest file: {} ({}).",
            first.path,
            human_bytes(first.bytes)
        ));
    }
    if report.skipped > 0 {
        parts.push(format!(
            "{} files not scanned (binary, over 1 MiB or unreadable).",
            report.skipped
        ));
    }
    if report.truncated {
        parts.push("The walk stopped at the file limit; there are more files.".to_string());
    }
    if report.unreadable_dirs > 0 {
        parts.push(format!(
            "{} directories could not be listed.",
            report.unreadable_dirs
        ));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs_server::fake::{FakeFs, Node};

    fn options(max_files: usize) -> Options {
        Options {
            root: "/p".into(),
            max_files,
            exclude: vec![".git".into(), "node_modules".into(), "target".into()],
        }
    }

    fn project() -> FakeFs {
        let mut fs = FakeFs::new("/p");
        fs.file("README.md", "# Project\n\nTODO: write docs\n")
            .file("src/main.rs", "fn main() {}\n// TODO: x\n// FIXME y TODO\n")
            .file("src/lib.rs", "pub mod a;\n".repeat(200))
            .file("scripts/build.sh", "#!/bin/sh\necho FIXME\n")
            .file("assets/logo.png", vec![0x89, b'P', b'N', b'G', 0, 1, 2])
            .file("data/blob", vec![0u8, 159, 146, 150, 0, 0])
            .file("big.log", "TODO\n".repeat(300_000))
            .file("latin1.txt", b"caf\xe9\n".to_vec())
            .file("target/debug/app", "TODO")
            .file(".git/config", "TODO");
        fs
    }

    #[test]
    fn surveys_a_project() {
        let mut fs = project();
        let report = survey(&mut fs, &options(100)).unwrap();
        assert_eq!(report.files, 8);
        assert_eq!(
            report.todo, 3,
            "big.log is not read, target and .git not entered"
        );
        assert_eq!(report.fixme, 2);
        assert_eq!(report.lines, 3 + 3 + 200 + 2 + 1);
        assert_eq!(report.skipped, 3, "logo.png, data/blob, big.log");
        assert_eq!(report.excluded_dirs, 2);
        assert!(!report.truncated);
        assert_eq!(report.approximate_sizes, 0, "{report:?}");
        let rust = &report.languages["Rust"];
        assert_eq!((rust.files, rust.lines, rust.bytes), (2, 203, 2200 + 40));
        assert_eq!(report.languages["Markdown"].files, 1);
        assert_eq!(report.languages["Shell"].files, 1);
        assert_eq!(report.languages["Text"].lines, 1);
        assert_eq!(report.languages[OTHER].files, 3);
        assert_eq!(
            report.largest[0],
            Largest {
                path: "big.log".into(),
                bytes: 1_500_000
            }
        );
        assert_eq!(report.largest[1].path, "src/lib.rs");
        assert_eq!(report.largest.len(), 5);
        let total: u64 = report.languages.values().map(|l| l.bytes).sum();
        assert_eq!(report.bytes, total);
        assert_eq!(
            report.bytes,
            1_500_000 + 2200 + 40 + 28 + 21 + 7 + 6 + 5,
            "every size exact"
        );
        // One listing per directory entered, one batch, one `get_file_info` (big.log).
        let tools: Vec<&str> = fs.calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            tools
                .iter()
                .filter(|t| **t == "list_directory_with_sizes")
                .count(),
            5
        );
        assert_eq!(
            tools
                .iter()
                .filter(|t| **t == "read_multiple_files")
                .count(),
            1
        );
        assert_eq!(tools.last(), Some(&"get_file_info"));
    }

    #[test]
    fn summary_paragraph() {
        let mut fs = project();
        let report = survey(&mut fs, &options(100)).unwrap();
        let text = summary(&report);
        assert!(text.starts_with("Surveyed /p: 8 files, 1.4 MiB, 209 lines of text in 4 languages (mostly Rust 97%, Markdown 1%, Shell 0% of lines)."), "{text}");
        assert!(text.contains("3 TODO and 2 FIXME markers."));
        assert!(text.contains("Largest file: big.log (1.4 MiB)."));
        assert!(text.contains("3 files not scanned"));
        assert!(!text.contains("stopped"));
    }

    #[test]
    fn stops_at_max_files() {
        let mut fs = project();
        let report = survey(&mut fs, &options(2)).unwrap();
        assert_eq!(report.files, 2);
        assert!(report.truncated);
        assert!(summary(&report).contains("stopped at the file limit"));
    }

    #[test]
    fn without_read_tools_sizes_stay_rounded() {
        let mut fs = project();
        fs.missing_tools = vec![
            "read_multiple_files".into(),
            "read_text_file".into(),
            "get_file_info".into(),
        ];
        let report = survey(&mut fs, &options(100)).unwrap();
        assert_eq!(report.files, 8);
        assert_eq!(report.skipped, 8);
        assert_eq!(report.lines, 0);
        assert_eq!(report.approximate_sizes, 2, "big.log and src/lib.rs");
        assert_eq!(report.largest[0].bytes, 1_499_464, "1.43 MB");
        let text = summary(&report);
        assert!(
            text.contains("(mostly Rust 25%, Markdown 12%, Shell 12% of files)"),
            "{text}"
        );
    }

    #[test]
    fn directory_links_are_not_files() {
        let mut fs = project();
        fs.nodes.insert("/p/linkdir".into(), Node::DirLink);
        let report = survey(&mut fs, &options(100)).unwrap();
        assert_eq!(report.files, 8);
        assert_eq!(report.skipped, 3);
    }

    #[test]
    fn server_errors_name_server_and_tool() {
        let mut fs = project();
        let error = survey(
            &mut fs,
            &Options {
                root: "/elsewhere".into(),
                ..options(10)
            },
        )
        .unwrap_err();
        assert!(
            error.starts_with("MCP server `fs`, tool `list_directory_with_sizes` failed: ENOENT"),
            "{error}"
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(0), "0 bytes");
        assert_eq!(human_bytes(1023), "1023 bytes");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }
}
