//! What a Markdown document holds for the graph: its title, headings, word count, and links to
//! other documents. A line-based reading of CommonMark that is good enough for documentation:
//!
//! - front matter (`---` … `---`/`...` YAML, `+++` … `+++` TOML) at the very top is skipped; its
//!   `title` is the document's title;
//! - fenced code blocks (```` ``` ```` and `~~~`) and code spans are not looked into;
//! - headings are ATX (`## Text`, optional closing `#`s) and setext (a paragraph underlined with
//!   `===` or `---`);
//! - links are inline (`[text](target "title")`, `[text](<target>)`), reference definitions
//!   (`[id]: target`) and wiki links (`[[target]]`, `[[target|label]]`, `[[target#heading]]`);
//!   images (`![alt](x)`) are not links.

/// A heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Inline markup removed: code backticks, emphasis stars, links reduced to their text.
    pub text: String,
    /// 1-based line number.
    pub line: usize,
}

/// What the graph needs of one document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Document {
    /// The front matter's `title`, else the first level-1 heading, else the first heading.
    pub title: Option<String>,
    pub headings: Vec<Heading>,
    /// Whitespace-separated words after the front matter, code included.
    pub words: usize,
    /// Link destinations as written (inline links and reference definitions), in order.
    pub links: Vec<String>,
    /// Wiki link targets as written (before `|` and `#`), in order.
    pub wiki_links: Vec<String>,
}

/// Reads `text`.
pub fn parse(text: &str) -> Document {
    let lines: Vec<&str> = text.lines().collect();
    let (front_title, body_start) = front_matter(&lines);
    let mut doc = Document::default();
    let mut fence: Option<(char, usize)> = None;
    // The open paragraph's lines: a setext underline turns them into a heading.
    let mut paragraph: Vec<&str> = Vec::new();
    for (index, &line) in lines.iter().enumerate().skip(body_start) {
        doc.words += line.split_whitespace().count();
        if let Some((ch, len)) = fence {
            if closes_fence(line, ch, len) {
                fence = None;
            }
            continue;
        }
        if let Some(opened) = opens_fence(line) {
            fence = Some(opened);
            paragraph.clear();
            continue;
        }
        if line.trim().is_empty() {
            paragraph.clear();
            continue;
        }
        if let Some(level) = setext_underline(line).filter(|_| !paragraph.is_empty()) {
            let text = paragraph
                .iter()
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ");
            doc.words -= line.split_whitespace().count();
            push_heading(&mut doc, level, &text, index + 1 - paragraph.len());
            paragraph.clear();
            continue;
        }
        let code_free = strip_code_spans(line);
        if let Some(target) = reference_definition(&code_free) {
            doc.links.push(target);
            paragraph.clear();
            continue;
        }
        doc.links.extend(inline_links(&code_free));
        doc.wiki_links.extend(wiki_links(&code_free));
        if let Some((level, text)) = atx_heading(line) {
            push_heading(&mut doc, level, text, index + 1);
            paragraph.clear();
        } else if starts_block(line) {
            paragraph.clear();
        } else if indent(line) < 4 || !paragraph.is_empty() {
            paragraph.push(line);
        }
    }
    doc.title = front_title
        .or_else(|| {
            doc.headings
                .iter()
                .find(|h| h.level == 1)
                .map(|h| h.text.clone())
        })
        .or_else(|| doc.headings.first().map(|h| h.text.clone()));
    doc
}

fn push_heading(doc: &mut Document, level: u8, raw: &str, line: usize) {
    let text = clean_inline(raw);
    if !text.is_empty() {
        doc.headings.push(Heading { level, text, line });
    }
}

/// The front matter's title and the index of the first body line.
fn front_matter(lines: &[&str]) -> (Option<String>, usize) {
    let Some(first) = lines.first().map(|l| l.trim_end()) else {
        return (None, 0);
    };
    let (closers, separator): (&[&str], char) = match first {
        "---" => (&["---", "..."], ':'),
        "+++" => (&["+++"], '='),
        _ => return (None, 0),
    };
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|l| closers.contains(&l.trim_end()))
    else {
        return (None, 0);
    };
    let title = lines[1..=end].iter().find_map(|line| {
        let (key, value) = line.split_once(separator)?;
        if key.trim() != "title" {
            return None;
        }
        let value = value.trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value)
            .trim();
        (!unquoted.is_empty()).then(|| unquoted.to_string())
    });
    (title, end + 2)
}

/// Leading spaces (a tab counts as 4).
fn indent(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4,
            _ => break,
        }
    }
    width
}

/// An opening code fence: its character and length.
fn opens_fence(line: &str) -> Option<(char, usize)> {
    if indent(line) > 3 {
        return None;
    }
    let trimmed = line.trim_start();
    let ch = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|c| *c == ch).count();
    if len < 3 || (ch == '`' && trimmed[len..].contains('`')) {
        return None;
    }
    Some((ch, len))
}

fn closes_fence(line: &str, ch: char, len: usize) -> bool {
    if indent(line) > 3 {
        return false;
    }
    let trimmed = line.trim();
    trimmed.chars().count() >= len && trimmed.chars().all(|c| c == ch)
}

/// `===` underlines a level-1 heading, `---` a level-2 one.
fn setext_underline(line: &str) -> Option<u8> {
    if indent(line) > 3 {
        return None;
    }
    let trimmed = line.trim();
    let first = trimmed.chars().next()?;
    if !trimmed.chars().all(|c| c == first) {
        return None;
    }
    match first {
        '=' => Some(1),
        '-' => Some(2),
        _ => None,
    }
}

/// `## Text ##` → (2, "Text").
fn atx_heading(line: &str) -> Option<(u8, &str)> {
    if indent(line) > 3 {
        return None;
    }
    let rest = line.trim_start();
    let hashes = rest.bytes().take_while(|b| *b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let after = &rest[hashes..];
    if !after.is_empty() && !after.starts_with([' ', '\t']) {
        return None;
    }
    let text = after.trim();
    let without_closing = text.trim_end_matches('#');
    let text = if without_closing.is_empty() {
        ""
    } else if without_closing.ends_with([' ', '\t']) {
        without_closing.trim_end()
    } else {
        text
    };
    Some((hashes as u8, text))
}

/// Block starts that end a paragraph and cannot be underlined into a heading: block quotes,
/// list items, thematic breaks, HTML blocks.
fn starts_block(line: &str) -> bool {
    if indent(line) > 3 {
        return false;
    }
    let trimmed = line.trim_start();
    let list_item = |marker: &str| {
        trimmed
            .strip_prefix(marker)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    };
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let ordered = (1..=9).contains(&digits)
        && trimmed[digits..].starts_with(['.', ')'])
        && trimmed[digits + 1..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t');
    trimmed.starts_with('>')
        || trimmed.starts_with('<')
        || list_item("-")
        || list_item("*")
        || list_item("+")
        || ordered
        || is_thematic_break(trimmed)
}

fn is_thematic_break(trimmed: &str) -> bool {
    let mut marks = trimmed.chars().filter(|c| !c.is_whitespace());
    let Some(first) = marks.next() else {
        return false;
    };
    let mut count = 1;
    for mark in marks {
        if mark != first {
            return false;
        }
        count += 1;
    }
    matches!(first, '*' | '-' | '_') && count >= 3
}

/// `line` with code spans blanked out (same length, so positions still match).
pub fn strip_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let run = rest[start..].bytes().take_while(|b| *b == b'`').count();
        let after = &rest[start + run..];
        // The closing run: exactly as many backticks.
        let mut search = 0;
        let mut close = None;
        while let Some(found) = after[search..].find('`') {
            let at = search + found;
            let len = after[at..].bytes().take_while(|b| *b == b'`').count();
            if len == run {
                close = Some(at);
                break;
            }
            search = at + len;
        }
        match close {
            Some(at) => {
                out.extend(std::iter::repeat_n(' ', run + at + run));
                rest = &after[at + run..];
            }
            None => {
                out.push_str(&rest[start..start + run]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Destinations of the inline links of `line` (images excluded), in order.
pub fn inline_links(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let mut links = Vec::new();
    let mut search = 0;
    while let Some(found) = line[search..].find("](") {
        let close = search + found;
        search = close + 2;
        let Some(open) = matching_open(bytes, close) else {
            continue;
        };
        if open > 0 && bytes[open - 1] == b'!' {
            continue;
        }
        if let Some(destination) = destination(&line[close + 2..]) {
            links.push(destination);
        }
    }
    links
}

/// The `[` matching the `]` at `close`.
fn matching_open(bytes: &[u8], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..close).rev() {
        let escaped = i > 0 && bytes[i - 1] == b'\\';
        match bytes[i] {
            b']' if !escaped => depth += 1,
            b'[' if !escaped => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// The destination at the start of `rest` (just after `](`), up to whitespace or the closing
/// parenthesis; `<…>` when bracketed.
fn destination(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    if let Some(bracketed) = rest.strip_prefix('<') {
        let end = bracketed.find('>')?;
        return Some(bracketed[..end].to_string()).filter(|d| !d.is_empty());
    }
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(rest[..i].to_string()).filter(|d| !d.is_empty()),
            ')' => depth -= 1,
            c if c.is_whitespace() => return Some(rest[..i].to_string()).filter(|d| !d.is_empty()),
            _ => {}
        }
    }
    None
}

/// `[label]: target` (not a footnote `[^1]: …`).
fn reference_definition(line: &str) -> Option<String> {
    if indent(line) > 3 {
        return None;
    }
    let rest = line.trim_start().strip_prefix('[')?;
    if rest.starts_with('^') {
        return None;
    }
    let end = rest.find("]:")?;
    if end == 0 || rest[..end].contains(['[', ']']) {
        return None;
    }
    let target = rest[end + 2..].trim_start();
    if let Some(bracketed) = target.strip_prefix('<') {
        return bracketed
            .find('>')
            .map(|e| bracketed[..e].to_string())
            .filter(|d| !d.is_empty());
    }
    target.split_whitespace().next().map(str::to_owned)
}

/// Targets of `[[target]]`, `[[target|label]]`, `[[target#heading]]` (an empty target, a link
/// within the page, is left out).
pub fn wiki_links(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("[[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("]]") else {
            break;
        };
        let inner = &after[..end];
        rest = &after[end + 2..];
        if inner.contains(['[', ']']) {
            continue;
        }
        let target = inner.split('|').next().unwrap_or_default();
        let target = target.split('#').next().unwrap_or_default().trim();
        if !target.is_empty() {
            targets.push(target.to_string());
        }
    }
    targets
}

/// Heading text without inline markup: links reduced to their text, code backticks and
/// emphasis stars dropped, spaces collapsed.
pub fn clean_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let reduced = after.find("](").and_then(|close| {
            let tail = &after[close + 2..];
            let end = tail.find(')')?;
            Some((&after[..close], &tail[end + 1..]))
        });
        match reduced {
            Some((label, tail)) if !label.contains('[') => {
                let before = rest[..open].strip_suffix('!').unwrap_or(&rest[..open]);
                out.push_str(before);
                out.push_str(label);
                rest = tail;
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let out = out.replace(['`', '*'], "");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path part of a link destination when it points to a Markdown file (`.md`,
/// `.markdown`) by a relative or root-relative path: fragment and query removed, `%XX`
/// decoded. `None` for URLs with a scheme, `//host` links, fragments alone and other files.
pub fn markdown_target(destination: &str) -> Option<String> {
    let destination = destination.trim();
    if destination.starts_with('#') || destination.starts_with("//") || has_scheme(destination) {
        return None;
    }
    let path = destination.split(['#', '?']).next().unwrap_or_default();
    let path = percent_decode(path)?;
    is_markdown_name(&path).then_some(path)
}

/// Whether `name` ends in `.md` or `.markdown`, in any case.
pub fn is_markdown_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".md") && lower.len() > 3) || (lower.ends_with(".markdown") && lower.len() > 9)
}

fn has_scheme(destination: &str) -> bool {
    let Some((scheme, _)) = destination.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_string());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(value) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `target` (a `/`-separated path) resolved against the document `from` (relative to the root):
/// relative to `from`'s directory, or to the root when it starts with `/`. `None` when it leaves
/// the root.
pub fn resolve(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let target = match target.strip_prefix('/') {
        Some(from_root) => from_root,
        None => {
            parts.extend(from.split('/'));
            parts.pop();
            target
        }
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str =
        "# Title\n\nSee [other](docs/other.md) and [[sub/deep]].\n\n---\n\n## Sec A\ntext\n";

    #[test]
    fn the_probe_readme() {
        let doc = parse(README);
        assert_eq!(doc.title.as_deref(), Some("Title"));
        let headings: Vec<(u8, &str, usize)> = doc
            .headings
            .iter()
            .map(|h| (h.level, h.text.as_str(), h.line))
            .collect();
        assert_eq!(headings, [(1, "Title", 1), (2, "Sec A", 7)]);
        assert_eq!(doc.links, ["docs/other.md"]);
        assert_eq!(doc.wiki_links, ["sub/deep"]);
        assert_eq!(doc.words, 2 + 4 + 1 + 3 + 1);
    }

    #[test]
    fn front_matter_title_and_body() {
        let doc = parse("---\ntitle: \"The Other\"\ntags: [a]\n---\n# Other\n\n## B\n");
        assert_eq!(doc.title.as_deref(), Some("The Other"));
        assert_eq!(doc.headings.len(), 2);
        assert_eq!(doc.headings[0].line, 5);
        assert_eq!(doc.words, 4);
        let toml = parse("+++\ntitle = 'Hugo'\n+++\nbody\n");
        assert_eq!(toml.title.as_deref(), Some("Hugo"));
        assert_eq!(toml.words, 1);
        // Not closed: not front matter; the `---` line is a thematic break.
        let open = parse("---\n# Heading\n");
        assert_eq!(open.title.as_deref(), Some("Heading"));
    }

    #[test]
    fn title_falls_back_to_the_first_heading() {
        assert_eq!(parse("## Setup\n# Main\n").title.as_deref(), Some("Main"));
        assert_eq!(parse("### Only\n").title.as_deref(), Some("Only"));
        assert_eq!(parse("no headings\n").title, None);
    }

    #[test]
    fn atx_headings() {
        assert_eq!(atx_heading("# A"), Some((1, "A")));
        assert_eq!(atx_heading("###### Six ###"), Some((6, "Six")));
        assert_eq!(atx_heading("   ## Indented"), Some((2, "Indented")));
        assert_eq!(atx_heading("## C# ##"), Some((2, "C#")));
        assert_eq!(atx_heading("## C#"), Some((2, "C#")));
        assert_eq!(atx_heading("#"), Some((1, "")));
        assert_eq!(atx_heading("#hashtag"), None);
        assert_eq!(atx_heading("####### seven"), None);
        assert_eq!(atx_heading("    # code"), None);
        // Empty headings are not kept.
        assert!(parse("#\n## \n").headings.is_empty());
    }

    #[test]
    fn setext_headings() {
        let doc =
            parse("Main Title\n==========\n\nA section\nover two lines\n---\n\ntext\n\n---\n");
        let headings: Vec<(u8, &str, usize)> = doc
            .headings
            .iter()
            .map(|h| (h.level, h.text.as_str(), h.line))
            .collect();
        assert_eq!(
            headings,
            [(1, "Main Title", 1), (2, "A section over two lines", 4)]
        );
        // A list item or a thematic break is not underlined into a heading.
        assert!(parse("- item\n---\n").headings.is_empty());
        assert!(parse("***\n---\n").headings.is_empty());
        assert!(parse("> quote\n===\n").headings.is_empty());
    }

    #[test]
    fn code_is_not_read() {
        let text = "# Real\n\n```markdown\n# Not a heading\n[x](not.md)\n```\n\n~~~~\n## nor this\n~~~\n## still code\n~~~~\n\nUse `[y](code.md)` or [z](real.md).\n";
        let doc = parse(text);
        let names: Vec<&str> = doc.headings.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(names, ["Real"]);
        assert_eq!(doc.links, ["real.md"]);
    }

    #[test]
    fn links() {
        assert_eq!(
            inline_links("[a](one.md) and [b](<two words.md>) and [c](three.md \"Title\")"),
            ["one.md", "two words.md", "three.md"]
        );
        assert_eq!(
            inline_links("[![badge](https://img/x.svg)](docs/ci.md) ![img](pic.png)"),
            ["docs/ci.md"]
        );
        assert_eq!(
            inline_links("[p](wiki/Foo_(bar).md)"),
            ["wiki/Foo_(bar).md"]
        );
        assert_eq!(inline_links("[unclosed](x.md"), Vec::<String>::new());
        assert_eq!(
            inline_links("just [brackets] (and parens)"),
            Vec::<String>::new()
        );
        assert_eq!(
            reference_definition("[guide]: ./guide.md \"Guide\""),
            Some("./guide.md".into())
        );
        assert_eq!(
            reference_definition("  [g]: <a b.md>"),
            Some("a b.md".into())
        );
        assert_eq!(reference_definition("[^1]: a footnote"), None);
        assert_eq!(reference_definition("[x] not: a definition"), None);
        let doc = parse("Read [the guide][g].\n\n[g]: guide.md\n");
        assert_eq!(doc.links, ["guide.md"]);
    }

    #[test]
    fn wiki() {
        assert_eq!(
            wiki_links("[[Page]] [[dir/Other|label]] [[Third#Part]] [[#local]] [[]]"),
            ["Page", "dir/Other", "Third"]
        );
        assert_eq!(wiki_links("[[unclosed"), Vec::<String>::new());
    }

    #[test]
    fn code_spans() {
        assert_eq!(strip_code_spans("a `b` c"), "a     c");
        assert_eq!(strip_code_spans("``x ` y`` z"), "          z");
        assert_eq!(strip_code_spans("lone ` tick"), "lone ` tick");
        assert_eq!(strip_code_spans("é `ü` é"), "é      é");
    }

    #[test]
    fn heading_text() {
        assert_eq!(clean_inline("The `run` **command**"), "The run command");
        assert_eq!(clean_inline("See [the docs](x.md) now"), "See the docs now");
        assert_eq!(clean_inline("![logo](l.png) Name"), "logo Name");
        assert_eq!(clean_inline("[not a link] here"), "[not a link] here");
        assert_eq!(clean_inline("snake_case  name"), "snake_case name");
    }

    #[test]
    fn markdown_targets() {
        assert_eq!(markdown_target("docs/a.md"), Some("docs/a.md".into()));
        assert_eq!(markdown_target("./a.MD#section"), Some("./a.MD".into()));
        assert_eq!(
            markdown_target("a.markdown?plain=1"),
            Some("a.markdown".into())
        );
        assert_eq!(markdown_target("my%20notes.md"), Some("my notes.md".into()));
        assert_eq!(markdown_target("/root.md"), Some("/root.md".into()));
        assert_eq!(markdown_target("https://x.org/a.md"), None);
        assert_eq!(markdown_target("mailto:a@b.md"), None);
        assert_eq!(markdown_target("//cdn/a.md"), None);
        assert_eq!(markdown_target("#local"), None);
        assert_eq!(markdown_target("image.png"), None);
        assert_eq!(markdown_target(".md"), None);
    }

    #[test]
    fn resolution() {
        assert_eq!(resolve("README.md", "docs/a.md"), Some("docs/a.md".into()));
        assert_eq!(resolve("docs/a.md", "b.md"), Some("docs/b.md".into()));
        assert_eq!(
            resolve("docs/a.md", "./sub/../b.md"),
            Some("docs/b.md".into())
        );
        assert_eq!(
            resolve("docs/a.md", "../README.md"),
            Some("README.md".into())
        );
        assert_eq!(
            resolve("docs/a.md", "/guide/x.md"),
            Some("guide/x.md".into())
        );
        assert_eq!(resolve("docs/a.md", "../../out.md"), None);
        assert_eq!(resolve("a.md", "/"), None);
    }
}
