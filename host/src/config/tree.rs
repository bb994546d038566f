//! The untyped configuration tree: every value carries its origin (file, line and column, a
//! `-c` override, or the built-in default), tiers merge into one tree, and the typed `Config`
//! is read from the result.

use std::{collections::BTreeMap, fmt, path::Path, sync::Arc};

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// Which configuration tier a value came from, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Default,
    /// Claude Code's `.mcp.json` in the project root: below all of cchost's own files.
    McpJson,
    Global,
    Project,
    Session,
    CommandLine,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Default => "default",
            Tier::McpJson => ".mcp.json",
            Tier::Global => "global",
            Tier::Project => "project",
            Tier::Session => "session",
            Tier::CommandLine => "command line",
        }
    }
}

/// Where a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File {
        tier: Tier,
        path: Arc<Path>,
        /// 1-based; 0 when the format gives no position (JSON).
        line: u32,
        column: u32,
    },
    /// `-c KEY=VALUE`, as given.
    CommandLine(Arc<str>),
}

impl Origin {
    pub fn tier(&self) -> Tier {
        match self {
            Origin::Default => Tier::Default,
            Origin::File { tier, .. } => *tier,
            Origin::CommandLine(_) => Tier::CommandLine,
        }
    }

    pub fn file(&self) -> Option<&Path> {
        match self {
            Origin::File { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line: 0, .. } => write!(f, "{}", path.display()),
            Origin::File {
                path, line, column, ..
            } => write!(f, "{}:{line}:{column}", path.display()),
            Origin::CommandLine(arg) => write!(f, "-c {arg}"),
        }
    }
}

/// A value and where it came from. Tables and arrays have the origin of the header or key that
/// opened them; each of their entries has its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub node: Node,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Table(BTreeMap<String, Entry>),
    Array(Vec<Entry>),
    /// A string, number, boolean or datetime.
    Leaf(toml::Value),
}

/// One segment of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Renders a key path as TOML would write it: `plugins.guard-commands.limits`, `hooks.PreToolUse[0]`.
pub fn display_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    out.push_str(key);
                } else {
                    out.push_str(&format!("{key:?}"));
                }
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Keys whose arrays concatenate across tiers (in tier order) instead of replacing.
/// `*` matches any one key.
const ADDITIVE: &[&[&str]] = &[&["hooks", "*"], &["plugin_dirs"], &["trust", "projects"]];

fn is_additive(path: &[Segment]) -> bool {
    ADDITIVE.iter().any(|pattern| {
        pattern.len() == path.len()
            && pattern.iter().zip(path).all(|(want, have)| match have {
                Segment::Key(key) => *want == "*" || want == key,
                Segment::Index(_) => false,
            })
    })
}

/// Maps byte offsets of one file to 1-based lines and columns.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// Line and column (in characters) of `offset`.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }
}

impl Entry {
    pub fn empty_table(origin: Origin) -> Entry {
        Entry {
            node: Node::Table(BTreeMap::new()),
            origin,
        }
    }

    /// The tree of one parsed TOML document, each value stamped with its position in `path`.
    pub fn from_toml(
        document: &toml::Spanned<DeTable<'_>>,
        tier: Tier,
        path: &Arc<Path>,
        lines: &LineIndex<'_>,
    ) -> Entry {
        let origin_at = |offset: usize| {
            let (line, column) = lines.position(offset);
            Origin::File {
                tier,
                path: path.clone(),
                line,
                column,
            }
        };
        Entry {
            node: table_node(document.get_ref(), &origin_at),
            origin: origin_at(0),
        }
    }

    /// A whole tree from a plain value (defaults, JSON) with one origin for everything.
    pub fn from_value(value: toml::Value, origin: &Origin) -> Entry {
        let node = match value {
            toml::Value::Table(table) => Node::Table(
                table
                    .into_iter()
                    .map(|(key, value)| (key, Entry::from_value(value, origin)))
                    .collect(),
            ),
            toml::Value::Array(items) => Node::Array(
                items
                    .into_iter()
                    .map(|value| Entry::from_value(value, origin))
                    .collect(),
            ),
            leaf => Node::Leaf(leaf),
        };
        Entry {
            node,
            origin: origin.clone(),
        }
    }

    /// Merges a higher tier into this one: tables merge key by key, additive arrays
    /// concatenate, anything else is replaced by the higher tier's value.
    pub fn merge(&mut self, higher: Entry) {
        let mut path = Vec::new();
        self.merge_at(higher, &mut path);
    }

    fn merge_at(&mut self, higher: Entry, path: &mut Vec<Segment>) {
        match (&mut self.node, higher.node) {
            (Node::Table(mine), Node::Table(theirs)) => {
                for (key, value) in theirs {
                    path.push(Segment::Key(key.clone()));
                    match mine.get_mut(&key) {
                        Some(existing) => existing.merge_at(value, path),
                        None => {
                            mine.insert(key, value);
                        }
                    }
                    path.pop();
                }
            }
            (Node::Array(mine), Node::Array(theirs)) if is_additive(path) => mine.extend(theirs),
            (_, node) => {
                self.node = node;
                self.origin = higher.origin;
            }
        }
    }

    pub fn get(&self, path: &[Segment]) -> Option<&Entry> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        let child = match (&self.node, first) {
            (Node::Table(table), Segment::Key(key)) => table.get(key)?,
            (Node::Array(items), Segment::Index(i)) => items.get(*i)?,
            _ => return None,
        };
        child.get(rest)
    }

    /// The entry at `path`, or the deepest existing ancestor of it.
    pub fn nearest(&self, path: &[Segment]) -> &Entry {
        (0..=path.len())
            .rev()
            .find_map(|len| self.get(&path[..len]))
            .unwrap_or(self)
    }

    pub fn table_mut(&mut self) -> Option<&mut BTreeMap<String, Entry>> {
        match &mut self.node {
            Node::Table(table) => Some(table),
            _ => None,
        }
    }

    pub fn table(&self) -> Option<&BTreeMap<String, Entry>> {
        match &self.node {
            Node::Table(table) => Some(table),
            _ => None,
        }
    }

    /// Removes the entry at `path` and returns it.
    pub fn remove(&mut self, path: &[&str]) -> Option<Entry> {
        let (last, parents) = path.split_last()?;
        let mut table = self.table_mut()?;
        for key in parents {
            table = table.get_mut(*key)?.table_mut()?;
        }
        table.remove(*last)
    }

    /// Visits every string leaf (in tables and arrays) with its key path.
    pub fn for_each_string_mut(&mut self, visit: &mut dyn FnMut(&[Segment], &Origin, &mut String)) {
        let mut path = Vec::new();
        self.walk_strings(&mut path, visit);
    }

    fn walk_strings(
        &mut self,
        path: &mut Vec<Segment>,
        visit: &mut dyn FnMut(&[Segment], &Origin, &mut String),
    ) {
        match &mut self.node {
            Node::Leaf(toml::Value::String(text)) => visit(path, &self.origin, text),
            Node::Leaf(_) => {}
            Node::Table(table) => {
                for (key, entry) in table {
                    path.push(Segment::Key(key.clone()));
                    entry.walk_strings(path, visit);
                    path.pop();
                }
            }
            Node::Array(items) => {
                for (i, entry) in items.iter_mut().enumerate() {
                    path.push(Segment::Index(i));
                    entry.walk_strings(path, visit);
                    path.pop();
                }
            }
        }
    }

    /// The plain value, without origins, for deserialisation and display.
    pub fn to_value(&self) -> toml::Value {
        match &self.node {
            Node::Leaf(value) => value.clone(),
            Node::Array(items) => toml::Value::Array(items.iter().map(Entry::to_value).collect()),
            Node::Table(table) => toml::Value::Table(
                table
                    .iter()
                    .map(|(key, entry)| (key.clone(), entry.to_value()))
                    .collect(),
            ),
        }
    }

    /// Every leaf with its path, in key order; arrays of plain values count as one leaf.
    pub fn leaves(&self) -> Vec<(Vec<Segment>, &Entry)> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.collect_leaves(&mut path, &mut out);
        out
    }

    fn collect_leaves<'a>(
        &'a self,
        path: &mut Vec<Segment>,
        out: &mut Vec<(Vec<Segment>, &'a Entry)>,
    ) {
        match &self.node {
            Node::Table(table) => {
                for (key, entry) in table {
                    path.push(Segment::Key(key.clone()));
                    entry.collect_leaves(path, out);
                    path.pop();
                }
            }
            Node::Array(items) if items.iter().any(|item| !matches!(item.node, Node::Leaf(_))) => {
                for (i, entry) in items.iter().enumerate() {
                    path.push(Segment::Index(i));
                    entry.collect_leaves(path, out);
                    path.pop();
                }
            }
            Node::Array(_) | Node::Leaf(_) => out.push((path.clone(), self)),
        }
    }
}

fn table_node(table: &DeTable<'_>, origin_at: &dyn Fn(usize) -> Origin) -> Node {
    Node::Table(
        table
            .iter()
            .map(|(key, value)| {
                let entry = value_entry(value, origin_at, key.span().start);
                (key.get_ref().to_string(), entry)
            })
            .collect(),
    )
}

/// A table's origin is where its key is written; a leaf's is where its value is.
fn value_entry(
    value: &toml::Spanned<DeValue<'_>>,
    origin_at: &dyn Fn(usize) -> Origin,
    key_offset: usize,
) -> Entry {
    match value.get_ref() {
        DeValue::Table(table) => Entry {
            node: table_node(table, origin_at),
            origin: origin_at(key_offset),
        },
        DeValue::Array(items) => Entry {
            node: Node::Array(
                items
                    .iter()
                    .map(|item| value_entry(item, origin_at, item.span().start))
                    .collect(),
            ),
            origin: origin_at(key_offset),
        },
        _ => Entry {
            node: Node::Leaf(leaf_value(value)),
            origin: origin_at(value.span().start),
        },
    }
}

fn leaf_value(value: &toml::Spanned<DeValue<'_>>) -> toml::Value {
    // The parser has already validated the literal, so converting it back cannot fail in
    // practice; an integer beyond i64 (which `toml::Value` cannot hold) becomes its text.
    let fallback = || match value.get_ref() {
        DeValue::Integer(integer) => toml::Value::String(integer.to_string()),
        DeValue::Float(float) => toml::Value::String(float.to_string()),
        other => toml::Value::String(other.as_str().unwrap_or_default().to_string()),
    };
    toml::Value::deserialize(ValueDeserializer::from(value.clone())).unwrap_or_else(|_| fallback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, tier: Tier) -> Entry {
        let path: Arc<Path> = Arc::from(Path::new(&format!("/{}.toml", tier.label())));
        let document = DeTable::parse(text).unwrap();
        Entry::from_toml(&document, tier, &path, &LineIndex::new(text))
    }

    fn key(path: &str) -> Vec<Segment> {
        path.split('.').map(|k| Segment::Key(k.into())).collect()
    }

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let lines = LineIndex::new("a = 1\nbé = \"x\"\n");
        assert_eq!(lines.position(0), (1, 1));
        assert_eq!(lines.position(6), (2, 1));
        // "bé = " is 6 bytes but 5 characters.
        assert_eq!(lines.position(12), (2, 6));
    }

    #[test]
    fn every_value_knows_its_line() {
        let tree = parse(
            "[plugins.p]\npath = \"x.wasm\"\n\n[plugins.p.limits]\ntimeout_ms = 5\n",
            Tier::Project,
        );
        let Origin::File { line, column, .. } = tree
            .get(&key("plugins.p.limits.timeout_ms"))
            .unwrap()
            .origin
        else {
            panic!()
        };
        assert_eq!((line, column), (5, 14));
        let Origin::File { line, .. } = tree.get(&key("plugins.p.path")).unwrap().origin else {
            panic!()
        };
        assert_eq!(line, 2);
    }

    #[test]
    fn tables_merge_scalars_override_arrays_replace_additive_arrays_concatenate() {
        let mut tree = parse(
            "plugin_dirs = [\"g\"]\n[plugins.p]\npath = \"g.wasm\"\n[plugins.p.grant]\nenv = [\"A\"]\n[[hooks.PreToolUse]]\nplugin = \"g\"\n",
            Tier::Global,
        );
        tree.merge(parse(
            "plugin_dirs = [\"p\"]\n[plugins.p.grant]\nenv = [\"B\"]\n[[hooks.PreToolUse]]\nplugin = \"p\"\n",
            Tier::Project,
        ));
        let value = tree.to_value();
        assert_eq!(value["plugins"]["p"]["path"].as_str(), Some("g.wasm"));
        assert_eq!(
            value["plugins"]["p"]["grant"]["env"],
            toml::Value::Array(vec!["B".into()])
        );
        assert_eq!(
            value["plugin_dirs"],
            toml::Value::Array(vec!["g".into(), "p".into()])
        );
        let hooks = value["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(hooks.len(), 2);
        assert_eq!(hooks[0]["plugin"].as_str(), Some("g"));
        // Each concatenated binding keeps its own file.
        let second = tree
            .get(&[
                Segment::Key("hooks".into()),
                Segment::Key("PreToolUse".into()),
                Segment::Index(1),
            ])
            .unwrap();
        assert_eq!(second.origin.tier(), Tier::Project);
        assert_eq!(
            tree.get(&key("plugins.p.path")).unwrap().origin.tier(),
            Tier::Global
        );
    }

    #[test]
    fn a_scalar_replacing_a_table_takes_the_new_origin() {
        let mut tree = parse("[session]\ndir = \"a\"\n", Tier::Global);
        tree.merge(parse("session = 3\n", Tier::Session));
        assert_eq!(
            tree.get(&key("session")).unwrap().origin.tier(),
            Tier::Session
        );
        assert_eq!(tree.to_value()["session"].as_integer(), Some(3));
    }

    #[test]
    fn paths_render_like_toml_keys() {
        let path = vec![
            Segment::Key("plugins".into()),
            Segment::Key("a.b".into()),
            Segment::Key("grant".into()),
            Segment::Index(2),
        ];
        assert_eq!(display_path(&path), "plugins.\"a.b\".grant[2]");
    }
}
