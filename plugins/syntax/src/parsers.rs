//! One parser per language, each adapted to the same answer: the syntax errors of a text as
//! byte offsets and messages. Offsets become lines and columns in `lib`, once, for all of them.
//!
//! Recursive-descent parsers can exhaust the stack on hostile nesting, and in the sandbox that
//! is a trap, not an error. serde_json, toml and saphyr bound their own recursion. syn has no
//! bound, so Rust sources are lexed first and measured (`rust_nesting`) before syn sees them;
//! ruff's parser grows its own stack but its syntax tree drops recursively, so Python tokens
//! are measured (`python_nesting`) before the tree is dropped.

use std::str::FromStr;

use proc_macro2::{Span, TokenStream, TokenTree};
use ruff_python_ast::token::TokenKind;
use ruff_python_parser::{Mode, ParseOptions};
use ruff_text_size::Ranged;

use crate::lang::Language;
use crate::position::LineIndex;

/// Deepest delimiter nesting a Rust file may have before syn is trusted with it; real code
/// stays far below, and syn stays inside a 1 MiB stack.
pub const MAX_RUST_NESTING: usize = 64;

/// One syntax error: where (a byte offset into the text) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// The syntax errors of `text` in `language`, in the order the parser met them.
pub fn errors(language: Language, text: &str) -> Vec<SyntaxError> {
    match language {
        Language::Rust => rust(text),
        Language::Python => python(text),
        Language::Json => json(text),
        Language::Toml => toml_errors(text),
        Language::Yaml => yaml(text),
    }
}

fn rust(text: &str) -> Vec<SyntaxError> {
    // What `syn::parse_file` strips, done here so the tokens can be measured before syn parses.
    // Both keep every line in place; the BOM is invisible, so columns stay as an editor shows.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut body = &text[bom..];
    let mut base = bom;
    if body.starts_with("#!") && !body[2..].trim_start().starts_with('[') {
        let end = body.find('\n').unwrap_or(body.len());
        body = &body[end..];
        base += end;
    }
    let index = LineIndex::new(body);
    let at = |span: Span, message: String| {
        let start = span.start();
        // syn gives errors at the end of the input the call-site span, which proc-macro2 puts
        // at the start of the file; the place that is meant is the end of the code.
        let offset = if start.line == 0 || message.starts_with("unexpected end of input") {
            body.trim_end().len()
        } else {
            let line_start = index.offset_of_byte_column(start.line, 1);
            let line = &body[line_start..];
            line_start
                + line
                    .char_indices()
                    .nth(start.column)
                    .map_or(line.len(), |(i, _)| i)
        };
        SyntaxError {
            offset: base + offset,
            message,
        }
    };
    let errors = match TokenStream::from_str(body) {
        Err(e) => {
            let mut error = at(e.span(), String::new());
            error.message = lex_message(text, error.offset);
            vec![error]
        }
        Ok(tokens) => match rust_nesting(&tokens) {
            Some((span, message)) => vec![at(span, message)],
            None => match syn::parse2::<syn::File>(tokens) {
                Ok(_) => Vec::new(),
                Err(e) => e.into_iter().map(|e| at(e.span(), e.to_string())).collect(),
            },
        },
    };
    // proc-macro2 keeps every parsed text in a thread-local source map for span lookups; without
    // this a long-lived instance checking many files would keep all of them in memory. No span
    // outlives this point.
    proc_macro2::extra::invalidate_current_thread_spans();
    errors
}

/// proc-macro2's lexer only says "cannot parse string into token stream"; what is at the
/// place it stopped tells which of the usual causes it was.
fn lex_message(text: &str, offset: usize) -> String {
    match text.get(offset..).and_then(|rest| rest.chars().next()) {
        Some(c @ (')' | ']' | '}')) => format!("mismatched closing delimiter `{c}`"),
        Some('"' | '\'') => "unterminated or invalid literal".to_string(),
        Some('/') => "unterminated block comment".to_string(),
        None => "unclosed delimiter at the end of the file".to_string(),
        Some(c) => format!("unexpected character `{}`", c.escape_debug()),
    }
}

/// Where a token stream nests too deeply for syn to parse (and drop) safely: delimiters more
/// than [`MAX_RUST_NESTING`] deep, or an expression whose operators could nest its syntax tree
/// more than [`MAX_CHAIN`] deep (see [`Chain`]).
fn rust_nesting(tokens: &TokenStream) -> Option<(Span, String)> {
    let mut stack = vec![tokens.clone().into_iter()];
    let mut chain = Chain::default();
    loop {
        let iter = stack.last_mut()?;
        let Some(tree) = iter.next() else {
            stack.pop();
            chain.close();
            continue;
        };
        match tree {
            TokenTree::Punct(p) => {
                if matches!(p.as_char(), ',' | ';') {
                    chain.separator();
                } else if chain.operator() {
                    return Some((p.span(), chain_message()));
                }
            }
            TokenTree::Group(g) => {
                if stack.len() > MAX_RUST_NESTING {
                    return Some((
                        g.span_open(),
                        format!("delimiters nested more than {MAX_RUST_NESTING} deep; not parsed"),
                    ));
                }
                if chain.open() {
                    return Some((g.span_open(), chain_message()));
                }
                stack.push(g.stream().into_iter());
            }
            // Keywords that chain without punctuation: `else if` ladders, `x as A as B`,
            // `return return x`.
            TokenTree::Ident(i) => {
                if ["else", "as", "return", "break", "yield", "move"]
                    .iter()
                    .any(|k| i == k)
                    && chain.operator()
                {
                    return Some((i.span(), chain_message()));
                }
            }
            TokenTree::Literal(_) => {}
        }
    }
}

/// Longest operator chain either parser is given: an estimate of how deep operators could
/// nest the syntax tree, which recursive parsers and `Drop` follow on the stack.
pub const MAX_CHAIN: usize = 1000;

/// A cheap upper bound of expression depth from tokens alone: each operator (or `.`) may nest
/// one level, a delimited group nests what it contains below where it opens and counts one
/// level itself (`f()()()` nests calls), and a `,` or `;` starts a sibling, so a long flat list
/// stays shallow.
#[derive(Default)]
struct Chain {
    depth: usize,
    opened_at: Vec<usize>,
}

impl Chain {
    /// An operator; `true` when the chain is now too long.
    fn operator(&mut self) -> bool {
        self.depth += 1;
        self.depth > MAX_CHAIN
    }
    fn separator(&mut self) {
        self.depth = self.opened_at.last().copied().unwrap_or(0);
    }
    /// An opening delimiter; `true` when the chain is already too long.
    fn open(&mut self) -> bool {
        self.opened_at.push(self.depth);
        self.depth > MAX_CHAIN
    }
    fn close(&mut self) {
        self.depth = self.opened_at.pop().map_or(0, |d| d + 1);
    }
}

fn chain_message() -> String {
    format!("an expression chains more than {MAX_CHAIN} operators; not parsed")
}

/// Deepest bracket nesting CPython accepts ("too many nested parentheses").
pub const MAX_PYTHON_BRACKETS: usize = 200;
/// Deepest indentation CPython accepts ("too many levels of indentation").
pub const MAX_PYTHON_INDENT: usize = 100;

fn python(text: &str) -> Vec<SyntaxError> {
    // ruff's parser grows its own stack, so parsing is safe; dropping a very deep syntax tree
    // is not (it recurses on the plain stack). The tokens tell first whether the tree can be
    // deep; a hostile one is leaked instead of dropped, which costs memory only for such input.
    let parsed = ruff_python_parser::parse_unchecked(text, ParseOptions::from(Mode::Module));
    if let Some(error) = python_nesting(parsed.tokens()) {
        std::mem::forget(parsed);
        return vec![error];
    }
    parsed
        .errors()
        .iter()
        .map(|e| SyntaxError {
            offset: u32::from(e.location.start()) as usize,
            message: e.error.to_string(),
        })
        .collect()
}

fn python_nesting(tokens: &[ruff_python_ast::token::Token]) -> Option<SyntaxError> {
    let mut chain = Chain::default();
    let mut indent = 0usize;
    for token in tokens {
        let offset = u32::from(token.start()) as usize;
        let refuse = |message: String| Some(SyntaxError { offset, message });
        match token.kind() {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                if chain.opened_at.len() >= MAX_PYTHON_BRACKETS {
                    return refuse(format!(
                        "too many nested parentheses (more than {MAX_PYTHON_BRACKETS})"
                    ));
                }
                if chain.open() {
                    return refuse(chain_message());
                }
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => chain.close(),
            TokenKind::Comma | TokenKind::Semi | TokenKind::Newline => chain.separator(),
            TokenKind::Indent => {
                indent += 1;
                if indent > MAX_PYTHON_INDENT {
                    return refuse(format!(
                        "too many levels of indentation (more than {MAX_PYTHON_INDENT})"
                    ));
                }
            }
            TokenKind::Dedent => indent = indent.saturating_sub(1),
            kind if chains(kind) && chain.operator() => return refuse(chain_message()),
            _ => {}
        }
    }
    None
}

/// Python tokens that can nest the expression they are part of one level deeper.
fn chains(kind: TokenKind) -> bool {
    match kind {
        TokenKind::Colon | TokenKind::Equal => false,
        TokenKind::If | TokenKind::Else | TokenKind::Lambda | TokenKind::Await | TokenKind::Not => {
            true
        }
        // Brackets, commas and semicolons are operators to ruff but are handled above.
        kind => kind.is_operator(),
    }
}

fn json(text: &str) -> Vec<SyntaxError> {
    // `IgnoredAny` checks the syntax without building a value; serde_json stops at depth 128.
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Vec::new(),
        Err(e) => {
            let message = e.to_string();
            // serde_json appends the place to its message; the finding carries it already.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            let offset = if e.line() == 0 {
                text.len()
            } else {
                LineIndex::new(text).offset_of_byte_column(e.line(), e.column())
            };
            vec![SyntaxError { offset, message }]
        }
    }
}

fn toml_errors(text: &str) -> Vec<SyntaxError> {
    // A whole table, not `IgnoredAny`: duplicate keys and tables are only caught building it.
    match toml::from_str::<toml::Table>(text) {
        Ok(_) => Vec::new(),
        Err(e) => vec![SyntaxError {
            offset: e.span().map_or(0, |s| s.start),
            message: e.message().trim_end().to_string(),
        }],
    }
}

fn yaml(text: &str) -> Vec<SyntaxError> {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    for event in &mut parser {
        if let Err(e) = event {
            // saphyr counts characters, not bytes.
            let offset = text
                .char_indices()
                .nth(e.marker().index())
                .map_or(text.len(), |(i, _)| i);
            return vec![SyntaxError {
                offset,
                message: e.info().to_string(),
            }];
        }
    }
    Vec::new()
}
