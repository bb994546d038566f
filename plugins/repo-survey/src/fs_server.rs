//! The filesystem MCP server (`@modelcontextprotocol/server-filesystem`) as these agents use it:
//! calling its tools, parsing its human-readable results, walking a directory tree and reading
//! files in batches.
//!
//! This file is shared: `knowledge-graph` includes it by path, so it depends on nothing but
//! `cchost_sdk` and keeps the host calls behind the [`Server`] trait (the walk and the batch
//! reader run natively in the tests against [`fake::FakeFs`]).
//!
//! Every tool of that server returns one text block and the same text as structured content
//! `{"content": "<text>"}` (structured content is preferred here). Formats of version
//! 2026.8.31, observed by running it:
//!
//! - `list_allowed_directories`: `Allowed directories:\n/a\n/b`.
//! - `list_directory_with_sizes`: one line per entry, sorted by name:
//!   `[FILE] <name padded to 30> <size padded to 10>` or `[DIR] <name padded to 30> `; then a
//!   blank line, `Total: 3 files, 2 directories` and `Combined size: 1.43 MB`. A size is `N B`
//!   below 1 KiB and `x.yy KB|MB|GB|TB` (powers of 1024, two decimals) from there on. Symbolic
//!   links are listed as files with their target's size (a link to a directory too).
//! - `read_multiple_files`: for each requested path, in order, `<path>:\n<content>\n` or
//!   `<path>: Error - <message>`, joined by `\n---\n`. Content is decoded as UTF-8 (invalid bytes
//!   become U+FFFD).
//! - `read_text_file`: the content as is.
//! - `get_file_info`: `key: value` lines, starting with `size: <bytes>`.
//!
//! A failing tool answers `isError` with its message as the text, e.g.
//! `ENOENT: no such file or directory, scandir '/x/nope'`.

use std::collections::VecDeque;

use cchost_sdk::{
    log, mcp,
    serde_json::{self, Value, json},
};

/// Files larger than this are never read.
pub const MAX_READ_BYTES: u64 = 1 << 20;
/// Files per `read_multiple_files` call.
const BATCH_FILES: usize = 32;
/// Listed bytes per `read_multiple_files` call (a single larger file still goes alone).
const BATCH_BYTES: u64 = 4 << 20;
/// Refused calls in a row after which the server is taken to be unusable.
const MAX_REFUSED_IN_A_ROW: usize = 10;

/// Why a tool call gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The call never reached the tool: the grant, a hook or the connection refused it.
    pub refused: bool,
    /// What went wrong, naming the server and the tool.
    pub message: String,
}

/// A filesystem server: the host's MCP connection, or a fake in the tests.
pub trait Server {
    /// Whether this agent may call `tool`.
    fn has_tool(&self, tool: &str) -> bool;
    /// Calls `tool` with `args`; the result's text (its structured `content` when present).
    fn call(&mut self, tool: &str, args: &Value) -> Result<String, Failure>;
    /// Reports progress (the host log).
    fn progress(&mut self, _message: &str) {}
    /// Reports a problem that does not stop the run (the host log).
    fn warn(&mut self, _message: &str) {}
}

/// A server reached through the host's `mcp` interface.
pub struct McpServer {
    name: String,
    tools: Vec<String>,
}

impl McpServer {
    /// Lists the tools of server `name` this agent may call.
    pub fn connect(name: &str) -> Result<McpServer, String> {
        let tools = mcp::tools(name)
            .map_err(|e| format!("MCP server `{name}`: cannot list its tools: {e}"))?;
        Ok(McpServer {
            name: name.to_string(),
            tools: tools.into_iter().map(|tool| tool.name).collect(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Server for McpServer {
    fn has_tool(&self, tool: &str) -> bool {
        self.tools.iter().any(|t| t == tool)
    }

    fn call(&mut self, tool: &str, args: &Value) -> Result<String, Failure> {
        let result = mcp::call(&self.name, tool, args).map_err(|e| Failure {
            refused: true,
            message: format!("MCP server `{}`, tool `{tool}`: {e}", self.name),
        })?;
        if let Some(feedback) = &result.feedback {
            log::info(&format!("feedback on `{tool}`: {feedback}"));
        }
        let text = result_text(result.structured.as_deref(), &result.text);
        if result.is_error {
            return Err(Failure {
                refused: false,
                message: format!(
                    "MCP server `{}`, tool `{tool}` failed: {}",
                    self.name,
                    text.trim()
                ),
            });
        }
        Ok(text)
    }

    fn progress(&mut self, message: &str) {
        log::info(message);
    }

    fn warn(&mut self, message: &str) {
        log::warn(message);
    }
}

/// The text of a result: the structured `{"content": "…"}` when present, else the text blocks.
pub fn result_text(structured: Option<&str>, text: &str) -> String {
    structured
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.get("content").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| text.to_string())
}

/// The directories of a `list_allowed_directories` result.
pub fn parse_allowed_directories(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("Allowed directories"))
        .map(str::to_owned)
        .collect()
}

/// The first directory the server allows.
pub fn first_allowed_directory(server: &mut impl Server) -> Result<String, String> {
    const TOOL: &str = "list_allowed_directories";
    if !server.has_tool(TOOL) {
        return Err(format!(
            "no `root` given and the filesystem server offers no tool `{TOOL}` to this agent"
        ));
    }
    let text = server.call(TOOL, &json!({})).map_err(|f| f.message)?;
    parse_allowed_directories(&text)
        .into_iter()
        .next()
        .ok_or_else(|| format!("tool `{TOOL}` returned no directory: {text:?}"))
}

/// `root` checked to be absolute, without a trailing separator (except `/` itself).
pub fn normalize_root(root: &str) -> Result<String, String> {
    let trimmed = root.trim();
    let bytes = trimmed.as_bytes();
    let windows_drive = bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'/' | b'\\');
    if !(trimmed.starts_with('/') || trimmed.starts_with('\\') || windows_drive) {
        return Err(format!("`root` must be an absolute path, got {root:?}"));
    }
    let without = trimmed.trim_end_matches(['/', '\\']);
    Ok(if without.is_empty() || without.ends_with(':') {
        // `/`, or a drive root such as `C:\`.
        trimmed[..without.len() + 1].to_string()
    } else {
        without.to_string()
    })
}

/// A size from a directory listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub bytes: u64,
    /// `N B` is exact; `x.yy KB` and larger are rounded to two decimals.
    pub exact: bool,
}

/// Parses `74 B`, `2.93 KB`, `1.43 MB`, … (powers of 1024).
pub fn parse_size(text: &str) -> Option<Size> {
    let (number, unit) = text.trim().split_once(' ')?;
    let power = match unit {
        "B" => 0,
        "KB" => 1,
        "MB" => 2,
        "GB" => 3,
        "TB" => 4,
        _ => return None,
    };
    if power == 0 {
        return Some(Size {
            bytes: number.parse().ok()?,
            exact: true,
        });
    }
    let value: f64 = number.parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    Some(Size {
        bytes: (value * 1024f64.powi(power)).round() as u64,
        exact: false,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    /// Files only, when the line carried a size.
    pub size: Option<Size>,
}

/// The entries of a `list_directory_with_sizes` result (also accepts `list_directory`'s
/// `[FILE] name` lines, without sizes). Trailing spaces of names are lost to the padding.
pub fn parse_listing(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("[DIR] ") {
            let name = rest.trim_end();
            if !name.is_empty() {
                entries.push(Entry {
                    name: name.to_string(),
                    kind: Kind::Dir,
                    size: None,
                });
            }
        } else if let Some(rest) = line.strip_prefix("[FILE] ") {
            let rest = rest.trim_end();
            // `<name padded to 30> <size padded to 10>`, the size being `<number> <unit>`.
            let sized = rest.rsplit_once(' ').and_then(|(before, unit)| {
                let (name, number) = before.trim_end().rsplit_once(' ')?;
                let size = parse_size(&format!("{number} {unit}"))?;
                let name = name.trim_end();
                (!name.is_empty()).then_some((name, size))
            });
            let (name, size) = match sized {
                Some((name, size)) => (name, Some(size)),
                None => (rest, None),
            };
            if !name.is_empty() {
                entries.push(Entry {
                    name: name.to_string(),
                    kind: Kind::File,
                    size,
                });
            }
        }
    }
    entries
}

/// The `size:` of a `get_file_info` result.
pub fn parse_file_info_size(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("size:"))
        .and_then(|size| size.trim().parse().ok())
}

/// `dir/name`.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') || dir.ends_with('\\') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// `path` relative to `root`, with `/` separators; `path` itself when it is not below `root`.
pub fn relative(root: &str, path: &str) -> String {
    match path.strip_prefix(root) {
        Some(rest) if root.ends_with(['/', '\\']) => rest.replace('\\', "/"),
        Some(rest) if rest.starts_with(['/', '\\']) => rest[1..].replace('\\', "/"),
        _ => path.to_string(),
    }
}

/// How far to walk.
pub struct WalkOptions<'a> {
    /// Directory names not entered, at any depth.
    pub exclude: &'a [String],
    /// Accepted files after which the walk stops.
    pub max_files: usize,
    /// Directories listed after which the walk stops.
    pub max_dirs: usize,
}

/// A file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Absolute, as the server takes it.
    pub path: String,
    /// Relative to the root, `/`-separated.
    pub rel: String,
    /// As listed.
    pub size: Option<Size>,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Accepted files, breadth first, each directory's entries in the server's order (by name).
    pub files: Vec<FileEntry>,
    /// Directories listed, the root included.
    pub dirs: usize,
    /// Directories not entered because their name is excluded.
    pub excluded_dirs: usize,
    /// Directories whose listing failed, relative to the root.
    pub unreadable_dirs: Vec<String>,
    /// The walk stopped at `max_files` or `max_dirs` with more left.
    pub truncated: bool,
}

/// Walks `root` breadth first with `list_directory_with_sizes`, keeping the files `accept`
/// (given the file name) takes. A root that cannot be listed is an error; a subdirectory that
/// cannot be is noted and skipped, unless the server keeps refusing calls.
pub fn walk(
    server: &mut impl Server,
    root: &str,
    options: &WalkOptions<'_>,
    mut accept: impl FnMut(&str) -> bool,
) -> Result<Walk, String> {
    const TOOL: &str = "list_directory_with_sizes";
    if !server.has_tool(TOOL) {
        return Err(format!(
            "the filesystem server offers no tool `{TOOL}` to this agent (check its `mcp` grant)"
        ));
    }
    let mut walk = Walk::default();
    let mut queue = VecDeque::from([root.to_string()]);
    let mut refused_in_a_row = 0;
    while let Some(dir) = queue.pop_front() {
        if walk.dirs >= options.max_dirs {
            walk.truncated = true;
            break;
        }
        let listing = match server.call(TOOL, &json!({ "path": dir })) {
            Ok(text) => {
                refused_in_a_row = 0;
                text
            }
            Err(failure) if dir == root => return Err(failure.message),
            Err(failure) => {
                if failure.refused {
                    refused_in_a_row += 1;
                    if refused_in_a_row >= MAX_REFUSED_IN_A_ROW {
                        return Err(format!(
                            "{} ({refused_in_a_row} calls refused in a row; giving up)",
                            failure.message
                        ));
                    }
                }
                server.warn(&format!("skipping directory: {}", failure.message));
                walk.unreadable_dirs.push(relative(root, &dir));
                continue;
            }
        };
        walk.dirs += 1;
        for entry in parse_listing(&listing) {
            let path = join(&dir, &entry.name);
            match entry.kind {
                Kind::Dir if options.exclude.contains(&entry.name) => walk.excluded_dirs += 1,
                Kind::Dir => queue.push_back(path),
                Kind::File if !accept(&entry.name) => {}
                Kind::File if walk.files.len() >= options.max_files => {
                    walk.truncated = true;
                    return Ok(walk);
                }
                Kind::File => walk.files.push(FileEntry {
                    rel: relative(root, &path),
                    path,
                    size: entry.size,
                }),
            }
        }
        if walk.dirs % 50 == 0 {
            let message = format!(
                "listed {} directories, {} files so far",
                walk.dirs,
                walk.files.len()
            );
            server.progress(&message);
        }
    }
    Ok(walk)
}

/// The per-file results of a `read_multiple_files` call for `paths`, in order: the content, or
/// the server's error message. `None` when the text does not have the expected shape.
pub fn parse_read_multiple(text: &str, paths: &[String]) -> Option<Vec<Result<String, String>>> {
    const SEPARATOR: &str = "\n---\n";
    let mut results = Vec::with_capacity(paths.len());
    let mut rest = text;
    for (i, path) in paths.iter().enumerate() {
        rest = rest.strip_prefix(path.as_str())?;
        let next = paths.get(i + 1);
        let end = match next {
            Some(next) => find_header(rest, SEPARATOR, next)?,
            None => rest.len(),
        };
        let segment = &rest[..end];
        if let Some(content) = segment.strip_prefix(":\n") {
            // Each content is followed by one `\n` of the server's.
            let content = match next {
                Some(_) => content.strip_suffix('\n')?,
                None => content.strip_suffix('\n').unwrap_or(content),
            };
            results.push(Ok(content.to_string()));
        } else if let Some(message) = segment.strip_prefix(": Error - ") {
            results.push(Err(message.trim_end().to_string()));
        } else {
            return None;
        }
        rest = &rest[end..];
        if next.is_some() {
            rest = rest.strip_prefix(SEPARATOR)?;
        }
    }
    rest.is_empty().then_some(results)
}

/// Where the header of `next` starts: the first `<separator><next>:` followed by a newline
/// (content) or ` Error - ` (a failed read). Content containing exactly that is misread.
fn find_header(rest: &str, separator: &str, next: &str) -> Option<usize> {
    let needle = format!("{separator}{next}:");
    let mut from = 0;
    while let Some(found) = rest[from..].find(&needle) {
        let at = from + found;
        let after = &rest[at + needle.len()..];
        if after.starts_with('\n') || after.starts_with(" Error - ") {
            return Some(at);
        }
        // `at` is the separator's leading `\n`, so `at + 1` is a character boundary.
        from = at + 1;
    }
    None
}

/// Whether the server lets this agent read files at all.
pub fn can_read(server: &impl Server) -> bool {
    server.has_tool("read_multiple_files") || server.has_tool("read_text_file")
}

/// Reads `files` (absolute paths with their listed size; callers leave out what is too large):
/// `read_multiple_files` in batches, falling back to `read_text_file` one by one for a batch
/// that fails (for instance because a hook refuses one path) or cannot be parsed. `on_file`
/// gets each file's index in `files` and its content or why it could not be read.
pub fn read_files(
    server: &mut impl Server,
    files: &[(String, u64)],
    mut on_file: impl FnMut(usize, Result<String, String>),
) -> Result<(), String> {
    let batched = server.has_tool("read_multiple_files");
    let single = server.has_tool("read_text_file");
    if !batched && !single {
        for i in 0..files.len() {
            on_file(
                i,
                Err("the server offers no `read_multiple_files` or `read_text_file`".into()),
            );
        }
        return Ok(());
    }
    let mut refused_in_a_row = 0;
    let mut start = 0;
    let mut batch_number = 0;
    while start < files.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < files.len()
            && end - start < BATCH_FILES
            && (end == start || bytes + files[end].1 <= BATCH_BYTES)
        {
            bytes += files[end].1;
            end += 1;
        }
        batch_number += 1;
        let paths: Vec<String> = files[start..end].iter().map(|f| f.0.clone()).collect();
        let mut parsed = None;
        if batched {
            match server.call("read_multiple_files", &json!({ "paths": paths })) {
                Ok(text) => {
                    parsed = parse_read_multiple(&text, &paths);
                    if parsed.is_none() {
                        server.warn(
                            "unexpected `read_multiple_files` output; reading the batch file by file",
                        );
                    }
                }
                Err(failure) => server.warn(&format!(
                    "{}; reading the batch file by file",
                    failure.message
                )),
            }
        }
        match parsed {
            Some(results) => {
                refused_in_a_row = 0;
                for (offset, result) in results.into_iter().enumerate() {
                    on_file(start + offset, result);
                }
            }
            None if !single => {
                for i in start..end {
                    on_file(i, Err("`read_multiple_files` failed".into()));
                }
            }
            None => {
                for (offset, path) in paths.iter().enumerate() {
                    match server.call("read_text_file", &json!({ "path": path })) {
                        Ok(content) => {
                            refused_in_a_row = 0;
                            on_file(start + offset, Ok(content));
                        }
                        Err(failure) => {
                            if failure.refused {
                                refused_in_a_row += 1;
                                if refused_in_a_row >= MAX_REFUSED_IN_A_ROW {
                                    return Err(format!(
                                        "{} ({refused_in_a_row} calls refused in a row; giving up)",
                                        failure.message
                                    ));
                                }
                            }
                            on_file(start + offset, Err(failure.message));
                        }
                    }
                }
            }
        }
        if batch_number % 10 == 0 || end == files.len() {
            let message = format!("read {end} of {} files", files.len());
            server.progress(&message);
        }
        start = end;
    }
    Ok(())
}

/// An in-memory filesystem server answering in the real server's formats, for the tests.
#[cfg(test)]
pub mod fake {
    use std::collections::BTreeMap;

    use super::{Failure, Server};
    use cchost_sdk::serde_json::Value;

    pub enum Node {
        Dir,
        File(Vec<u8>),
        /// A symbolic link to a directory: listed as a file of 4 KiB, unreadable.
        DirLink,
    }

    /// Paths are absolute, `/`-separated, without a trailing `/`.
    pub struct FakeFs {
        pub root: String,
        pub nodes: BTreeMap<String, Node>,
        /// Tools the agent may not call.
        pub missing_tools: Vec<String>,
        /// Paths whose calls a "hook" refuses (the whole call fails, as a hook deny does).
        pub refused_paths: Vec<String>,
        /// Every call made: `(tool, arguments)`.
        pub calls: Vec<(String, Value)>,
    }

    /// The server's `formatSize`.
    pub fn format_size(bytes: u64) -> String {
        const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
        if bytes < 1024 {
            return format!("{bytes} B");
        }
        let mut unit = 0;
        let mut value = bytes as f64;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        format!("{value:.2} {}", UNITS[unit])
    }

    impl FakeFs {
        pub fn new(root: &str) -> FakeFs {
            let mut nodes = BTreeMap::new();
            nodes.insert(root.to_string(), Node::Dir);
            FakeFs {
                root: root.to_string(),
                nodes,
                missing_tools: Vec::new(),
                refused_paths: Vec::new(),
                calls: Vec::new(),
            }
        }

        /// Adds a file (and its parent directories) at `rel` below the root.
        pub fn file(&mut self, rel: &str, content: impl Into<Vec<u8>>) -> &mut FakeFs {
            let path = format!("{}/{rel}", self.root);
            let mut parent = path.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                if up.len() <= self.root.len() {
                    break;
                }
                self.nodes.insert(up.to_string(), Node::Dir);
                parent = up;
            }
            self.nodes.insert(path, Node::File(content.into()));
            self
        }

        pub fn dir(&mut self, rel: &str) -> &mut FakeFs {
            self.nodes.insert(format!("{}/{rel}", self.root), Node::Dir);
            self
        }

        fn children(&self, dir: &str) -> Vec<(String, &Node)> {
            let prefix = format!("{dir}/");
            self.nodes
                .iter()
                .filter_map(|(path, node)| {
                    let name = path.strip_prefix(&prefix)?;
                    (!name.contains('/')).then(|| (name.to_string(), node))
                })
                .collect()
        }

        fn read(&self, path: &str) -> Result<String, String> {
            match self.nodes.get(path) {
                Some(Node::File(bytes)) => Ok(String::from_utf8_lossy(bytes).into_owned()),
                Some(Node::Dir | Node::DirLink) => {
                    Err("EISDIR: illegal operation on a directory, read".into())
                }
                None => Err(format!("ENOENT: no such file or directory, open '{path}'")),
            }
        }

        fn answer(&self, tool: &str, args: &Value) -> Result<String, String> {
            let path = args["path"].as_str().unwrap_or_default();
            match tool {
                "list_allowed_directories" => Ok(format!("Allowed directories:\n{}", self.root)),
                "list_directory_with_sizes" => {
                    if !matches!(self.nodes.get(path), Some(Node::Dir)) {
                        return Err(format!(
                            "ENOENT: no such file or directory, scandir '{path}'"
                        ));
                    }
                    let children = self.children(path);
                    let mut lines: Vec<String> = children
                        .iter()
                        .map(|(name, node)| match node {
                            Node::Dir => format!("[DIR] {name:<30} "),
                            Node::File(bytes) => {
                                format!("[FILE] {name:<30} {:>10}", format_size(bytes.len() as u64))
                            }
                            Node::DirLink => format!("[FILE] {name:<30} {:>10}", "4.00 KB"),
                        })
                        .collect();
                    let files: Vec<u64> = children
                        .iter()
                        .filter_map(|(_, node)| match node {
                            Node::File(bytes) => Some(bytes.len() as u64),
                            Node::DirLink => Some(4096),
                            Node::Dir => None,
                        })
                        .collect();
                    lines.push(String::new());
                    lines.push(format!(
                        "Total: {} files, {} directories",
                        files.len(),
                        children.len() - files.len()
                    ));
                    lines.push(format!(
                        "Combined size: {}",
                        format_size(files.iter().sum())
                    ));
                    Ok(lines.join("\n"))
                }
                "read_text_file" => self.read(path),
                "read_multiple_files" => {
                    let paths: Vec<&str> = args["paths"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    Ok(paths
                        .iter()
                        .map(|p| match self.read(p) {
                            Ok(content) => format!("{p}:\n{content}\n"),
                            Err(e) => format!("{p}: Error - {e}"),
                        })
                        .collect::<Vec<_>>()
                        .join("\n---\n"))
                }
                "get_file_info" => match self.nodes.get(path) {
                    Some(Node::File(bytes)) => Ok(format!(
                        "size: {}\ncreated: Wed Nov 25 2026 22:59:55 GMT+0000 (Coordinated Universal Time)\nisDirectory: false\nisFile: true\npermissions: 644",
                        bytes.len()
                    )),
                    _ => Err(format!("ENOENT: no such file or directory, stat '{path}'")),
                },
                _ => Err(format!("MCP error -32602: Tool {tool} not found")),
            }
        }
    }

    impl Server for FakeFs {
        fn has_tool(&self, tool: &str) -> bool {
            !self.missing_tools.iter().any(|t| t == tool)
        }

        fn call(&mut self, tool: &str, args: &Value) -> Result<String, Failure> {
            self.calls.push((tool.to_string(), args.clone()));
            let text = args.to_string();
            if let Some(path) = self
                .refused_paths
                .iter()
                .find(|p| text.contains(p.as_str()))
            {
                return Err(Failure {
                    refused: true,
                    message: format!(
                        "MCP server `fs`, tool `{tool}`: denied by hook protect-paths: {path}"
                    ),
                });
            }
            self.answer(tool, args).map_err(|message| Failure {
                refused: false,
                message: format!("MCP server `fs`, tool `{tool}` failed: {message}"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::{FakeFs, format_size};
    use super::*;

    /// Captured from `mcp-server-filesystem` 2026.8.31 (`list_directory_with_sizes`).
    const LISTING: &str = "[DIR] .git                           \n[FILE] a-very-long-file-name-that-exceeds-thirty-characters.txt        3 B\n[FILE] big.txt                           1.43 MB\n[FILE] blob.bin                          2.93 KB\n[DIR] docs                           \n[DIR] empty                          \n[FILE] emptyfile.txt                         0 B\n[FILE] latin1.txt                            5 B\n[FILE] linkdir                           4.00 KB\n[FILE] linkfile                             74 B\n[DIR] node_modules                   \n[FILE] nul.dat                               3 B\n[FILE] outside                           1.19 KB\n[FILE] README.md                            74 B\n[DIR] src                            \n[DIR] with space                     \n\nTotal: 10 files, 6 directories\nCombined size: 1.44 MB";

    /// Captured from the same server (`read_multiple_files`): a Markdown file containing `---`,
    /// a missing file, Latin-1 text, a NUL byte, an empty file, a symlink out of bounds and YAML
    /// front matter.
    const READ_MULTIPLE: &str = "/tmp/agents-probe/tree/README.md:\n# Title\n\nSee [other](docs/other.md) and [[sub/deep]].\n\n---\n\n## Sec A\ntext\n\n\n---\n/tmp/agents-probe/tree/nope.md: Error - ENOENT: no such file or directory, open '/tmp/agents-probe/tree/nope.md'\n---\n/tmp/agents-probe/tree/latin1.txt:\ncaf\u{fffd}\n\n\n---\n/tmp/agents-probe/tree/nul.dat:\na\u{0}b\n\n---\n/tmp/agents-probe/tree/emptyfile.txt:\n\n\n---\n/tmp/agents-probe/tree/outside: Error - Access denied - symlink target outside allowed directories: /etc/passwd not in /tmp/agents-probe/tree\n---\n/tmp/agents-probe/tree/docs/other.md:\n---\ntitle: x\n---\n# Other\n\n## B\n\n";

    fn size(bytes: u64, exact: bool) -> Option<Size> {
        Some(Size { bytes, exact })
    }

    #[test]
    fn structured_content_is_preferred() {
        let structured = r#"{"content":"Allowed directories:\n/a"}"#;
        assert_eq!(
            result_text(Some(structured), "other"),
            "Allowed directories:\n/a"
        );
        assert_eq!(result_text(None, "plain"), "plain");
        assert_eq!(result_text(Some(r#"{"entities":[]}"#), "text"), "text");
        assert_eq!(result_text(Some("not json"), "text"), "text");
    }

    #[test]
    fn allowed_directories() {
        let text = "Allowed directories:\n/tmp/agents-probe/tree\n/home/u/p";
        assert_eq!(
            parse_allowed_directories(text),
            ["/tmp/agents-probe/tree", "/home/u/p"]
        );
        assert!(parse_allowed_directories("Allowed directories:\n").is_empty());
    }

    #[test]
    fn roots() {
        assert_eq!(normalize_root("/work/p/").unwrap(), "/work/p");
        assert_eq!(normalize_root(" /work/p ").unwrap(), "/work/p");
        assert_eq!(normalize_root("/").unwrap(), "/");
        assert_eq!(normalize_root("C:\\src\\").unwrap(), "C:\\src");
        assert_eq!(normalize_root("C:\\").unwrap(), "C:\\");
        assert!(normalize_root("src").unwrap_err().contains("absolute"));
        assert!(normalize_root("").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0 B"), size(0, true));
        assert_eq!(parse_size("   74 B"), size(74, true));
        assert_eq!(parse_size("2.93 KB"), size(3000, false));
        assert_eq!(parse_size("1.43 MB"), size(1_499_464, false));
        assert_eq!(parse_size("1.00 GB"), size(1 << 30, false));
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(parse_size("x B"), None);
        assert_eq!(parse_size("-1.0 KB"), None);
        for bytes in [0, 1, 1023, 1024, 1500, 1_500_000, 5 << 30] {
            let parsed = parse_size(&format_size(bytes)).unwrap();
            let error = parsed.bytes.abs_diff(bytes) as f64;
            assert!(error <= bytes as f64 * 0.005, "{bytes} -> {parsed:?}");
        }
    }

    #[test]
    fn listing_of_the_real_server() {
        let entries = parse_listing(LISTING);
        let files: Vec<(&str, Option<Size>)> = entries
            .iter()
            .filter(|e| e.kind == Kind::File)
            .map(|e| (e.name.as_str(), e.size))
            .collect();
        assert_eq!(
            files,
            [
                (
                    "a-very-long-file-name-that-exceeds-thirty-characters.txt",
                    size(3, true)
                ),
                ("big.txt", size(1_499_464, false)),
                ("blob.bin", size(3000, false)),
                ("emptyfile.txt", size(0, true)),
                ("latin1.txt", size(5, true)),
                ("linkdir", size(4096, false)),
                ("linkfile", size(74, true)),
                ("nul.dat", size(3, true)),
                ("outside", size(1219, false)),
                ("README.md", size(74, true)),
            ]
        );
        let dirs: Vec<&str> = entries
            .iter()
            .filter(|e| e.kind == Kind::Dir)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            dirs,
            [".git", "docs", "empty", "node_modules", "src", "with space"]
        );
    }

    #[test]
    fn listing_edge_cases() {
        // An empty directory, as the server lists it.
        assert!(parse_listing("\nTotal: 0 files, 0 directories\nCombined size: 0 B").is_empty());
        // Names with spaces, and names that look like sizes.
        let text = format!(
            "[FILE] {:<30} {:>10}\n[FILE] {:<30} {:>10}\n[DIR] {:<30} ",
            "my file.txt", "12 B", "report 2 B", "1.50 KB", "a dir"
        );
        let entries = parse_listing(&text);
        assert_eq!(entries[0].name, "my file.txt");
        assert_eq!(entries[0].size, size(12, true));
        assert_eq!(entries[1].name, "report 2 B");
        assert_eq!(entries[1].size, size(1536, false));
        assert_eq!(entries[2].name, "a dir");
        // `list_directory` lines carry no size.
        let plain = parse_listing("[DIR] .git\n[FILE] README.md\n[FILE] with space");
        assert_eq!(plain[1].name, "README.md");
        assert_eq!(plain[1].size, None);
        assert_eq!(plain[2].name, "with space");
    }

    #[test]
    fn file_info() {
        let text = "size: 1500000\ncreated: Wed Nov 25 2026 22:59:55 GMT+0000 (Coordinated Universal Time)\nmodified: Wed Nov 25 2026 22:59:55 GMT+0000 (Coordinated Universal Time)\naccessed: Wed Nov 25 2026 22:59:55 GMT+0000 (Coordinated Universal Time)\nisDirectory: false\nisFile: true\npermissions: 644";
        assert_eq!(parse_file_info_size(text), Some(1_500_000));
        assert_eq!(parse_file_info_size("isFile: true"), None);
    }

    #[test]
    fn paths() {
        assert_eq!(join("/r", "a"), "/r/a");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(relative("/r", "/r/a/b.md"), "a/b.md");
        assert_eq!(relative("/", "/a/b.md"), "a/b.md");
        assert_eq!(relative("/r", "/rx/a"), "/rx/a");
        assert_eq!(relative("C:\\r", "C:\\r/a"), "a");
    }

    #[test]
    fn read_multiple_of_the_real_server() {
        let paths: Vec<String> = [
            "README.md",
            "nope.md",
            "latin1.txt",
            "nul.dat",
            "emptyfile.txt",
            "outside",
            "docs/other.md",
        ]
        .iter()
        .map(|p| format!("/tmp/agents-probe/tree/{p}"))
        .collect();
        let results = parse_read_multiple(READ_MULTIPLE, &paths).unwrap();
        assert_eq!(
            results[0].as_deref(),
            Ok(
                "# Title\n\nSee [other](docs/other.md) and [[sub/deep]].\n\n---\n\n## Sec A\ntext\n"
            )
        );
        assert!(results[1].as_ref().unwrap_err().starts_with("ENOENT"));
        assert_eq!(results[2].as_deref(), Ok("caf\u{fffd}\n"));
        assert_eq!(results[3].as_deref(), Ok("a\u{0}b"));
        assert_eq!(results[4].as_deref(), Ok(""));
        assert!(
            results[5]
                .as_ref()
                .unwrap_err()
                .starts_with("Access denied")
        );
        assert_eq!(
            results[6].as_deref(),
            Ok("---\ntitle: x\n---\n# Other\n\n## B\n")
        );
    }

    #[test]
    fn read_multiple_rejects_other_shapes() {
        let paths = vec!["/r/a".to_string(), "/r/b".to_string()];
        assert!(parse_read_multiple("something else", &paths).is_none());
        assert!(parse_read_multiple("/r/a:\nx\n", &paths).is_none());
        // A content line that looks like the next header but is not followed by one.
        let tricky = "/r/a:\nx\n---\n/r/b: nope\n\n---\n/r/b:\ny\n";
        let results = parse_read_multiple(tricky, &paths).unwrap();
        assert_eq!(results[0].as_deref(), Ok("x\n---\n/r/b: nope"));
        assert_eq!(results[1].as_deref(), Ok("y"));
    }

    fn tree() -> FakeFs {
        let mut fs = FakeFs::new("/p");
        fs.file("README.md", "# P\n")
            .file("src/main.rs", "fn main() {}\n")
            .file("src/deep/x.rs", "")
            .file("node_modules/m/index.js", "x")
            .file(".git/HEAD", "ref")
            .dir("empty");
        fs
    }

    fn exclude() -> Vec<String> {
        vec![".git".into(), "node_modules".into()]
    }

    #[test]
    fn walks_breadth_first_and_skips_excluded_directories() {
        let mut fs = tree();
        let exclude = exclude();
        let options = WalkOptions {
            exclude: &exclude,
            max_files: 100,
            max_dirs: 100,
        };
        let walk = walk(&mut fs, "/p", &options, |_| true).unwrap();
        let rels: Vec<&str> = walk.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["README.md", "src/main.rs", "src/deep/x.rs"]);
        assert_eq!(walk.files[0].path, "/p/README.md");
        assert_eq!(walk.files[0].size, size(4, true));
        assert_eq!(walk.dirs, 4);
        assert_eq!(walk.excluded_dirs, 2);
        assert!(!walk.truncated);
    }

    #[test]
    fn walk_stops_at_max_files_and_filters() {
        let mut fs = tree();
        let exclude = exclude();
        let options = WalkOptions {
            exclude: &exclude,
            max_files: 2,
            max_dirs: 100,
        };
        let all = walk(&mut fs, "/p", &options, |_| true).unwrap();
        assert_eq!(all.files.len(), 2);
        assert!(all.truncated);
        let exact = WalkOptions {
            max_files: 3,
            ..options
        };
        assert!(!walk(&mut fs, "/p", &exact, |_| true).unwrap().truncated);
        let rust = walk(&mut fs, "/p", &exact, |name| name.ends_with(".rs")).unwrap();
        assert_eq!(rust.files.len(), 2);
        let dirs = WalkOptions {
            max_dirs: 1,
            ..exact
        };
        let shallow = walk(&mut fs, "/p", &dirs, |_| true).unwrap();
        assert_eq!(shallow.files.len(), 1);
        assert!(shallow.truncated);
    }

    #[test]
    fn walk_errors() {
        let exclude = exclude();
        let options = WalkOptions {
            exclude: &exclude,
            max_files: 100,
            max_dirs: 100,
        };
        // A root that is not there names the server and the tool.
        let mut fs = tree();
        let error = walk(&mut fs, "/nope", &options, |_| true).unwrap_err();
        assert!(
            error.contains("MCP server `fs`, tool `list_directory_with_sizes` failed: ENOENT"),
            "{error}"
        );
        // A refused subdirectory is skipped.
        let mut fs = tree();
        fs.refused_paths.push("/p/src".into());
        let walk_result = walk(&mut fs, "/p", &options, |_| true).unwrap();
        assert_eq!(walk_result.unreadable_dirs, ["src"]);
        assert_eq!(walk_result.files.len(), 1);
        // Without the tool.
        let mut fs = tree();
        fs.missing_tools.push("list_directory_with_sizes".into());
        assert!(
            walk(&mut fs, "/p", &options, |_| true)
                .unwrap_err()
                .contains("no tool `list_directory_with_sizes`")
        );
    }

    #[test]
    fn walk_gives_up_when_every_call_is_refused() {
        let mut fs = FakeFs::new("/p");
        for i in 0..20 {
            fs.file(&format!("d{i:02}/f"), "x");
        }
        fs.refused_paths.push("/p/d".into());
        let options = WalkOptions {
            exclude: &[],
            max_files: 100,
            max_dirs: 100,
        };
        let error = walk(&mut fs, "/p", &options, |_| true).unwrap_err();
        assert!(error.contains("10 calls refused in a row"), "{error}");
    }

    #[test]
    fn first_allowed() {
        let mut fs = tree();
        assert_eq!(first_allowed_directory(&mut fs).unwrap(), "/p");
        fs.missing_tools.push("list_allowed_directories".into());
        assert!(first_allowed_directory(&mut fs).is_err());
    }

    fn read_all(fs: &mut FakeFs, files: &[(String, u64)]) -> Vec<Result<String, String>> {
        let mut results = vec![Err("not reported".to_string()); files.len()];
        read_files(fs, files, |i, result| results[i] = result).unwrap();
        results
    }

    #[test]
    fn reads_in_batches() {
        let mut fs = FakeFs::new("/p");
        let mut files = Vec::new();
        for i in 0..70 {
            fs.file(&format!("f{i}.md"), format!("# {i}\n---\n"));
            files.push((format!("/p/f{i}.md"), 8));
        }
        files.push(("/p/missing.md".to_string(), 0));
        let results = read_all(&mut fs, &files);
        assert_eq!(results[0].as_deref(), Ok("# 0\n---\n"));
        assert_eq!(results[69].as_deref(), Ok("# 69\n---\n"));
        assert!(results[70].as_ref().unwrap_err().starts_with("ENOENT"));
        let tools: Vec<&str> = fs.calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(tools, ["read_multiple_files"; 3]);
    }

    #[test]
    fn batches_respect_the_byte_budget() {
        let mut fs = FakeFs::new("/p");
        let files: Vec<(String, u64)> = (0..5)
            .map(|i| {
                fs.file(&format!("f{i}"), "x");
                (format!("/p/f{i}"), 1 << 20)
            })
            .collect();
        read_all(&mut fs, &files);
        assert_eq!(fs.calls.len(), 2, "4 MiB per call");
    }

    #[test]
    fn a_refused_batch_is_read_file_by_file() {
        let mut fs = FakeFs::new("/p");
        fs.file("a.md", "a")
            .file(".env", "SECRET=1")
            .file("b.md", "b");
        fs.refused_paths.push("/p/.env".into());
        let files: Vec<(String, u64)> = ["a.md", ".env", "b.md"]
            .iter()
            .map(|n| (format!("/p/{n}"), 1))
            .collect();
        let results = read_all(&mut fs, &files);
        assert_eq!(results[0].as_deref(), Ok("a"));
        assert!(results[1].as_ref().unwrap_err().contains("denied by hook"));
        assert_eq!(results[2].as_deref(), Ok("b"));
        let tools: Vec<&str> = fs.calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            tools,
            [
                "read_multiple_files",
                "read_text_file",
                "read_text_file",
                "read_text_file"
            ]
        );
    }

    #[test]
    fn reads_one_by_one_without_read_multiple_files() {
        let mut fs = FakeFs::new("/p");
        fs.file("a", "1").file("b", "2");
        fs.missing_tools.push("read_multiple_files".into());
        let files = vec![("/p/a".to_string(), 1), ("/p/b".to_string(), 1)];
        let results = read_all(&mut fs, &files);
        assert_eq!(results, [Ok("1".to_string()), Ok("2".to_string())]);
        fs.missing_tools.push("read_text_file".into());
        assert!(!can_read(&fs));
        assert!(read_all(&mut fs, &files)[0].is_err());
    }
}
