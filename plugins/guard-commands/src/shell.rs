//! A shell-word tokeniser and light parser for Bash command lines.
//!
//! It owns turning command text into [`Script`]s: lists of pipelines of simple commands, with
//! quote removal (single, double, `$'…'` ANSI-C and `$"…"` quotes, backslash escapes, line
//! continuations), redirections, here-documents and here-strings, and the scripts inside command
//! substitutions (`$(…)`, backticks) and process substitutions (`<(…)`, `>(…)`). Nothing is
//! expanded: a `$VAR`, `${…}` or substitution stays in the word's text as written and marks the
//! word as dynamic. The parser is deliberately lenient (unterminated quotes run to the end) and
//! bounded: nesting deeper than [`MAX_DEPTH`] is skipped and reported via [`Script::too_deep`].

/// Deepest nesting of substitutions (and, in the analyser, of `sh -c` payloads) inspected.
pub const MAX_DEPTH: usize = 10;

/// A parsed command line: pipelines joined by `;`, `&&`, `||`, `&` or newlines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    pub pipelines: Vec<Pipeline>,
    /// Some nesting was deeper than [`MAX_DEPTH`] and was not parsed.
    pub too_deep: bool,
}

/// Simple commands joined by `|` or `|&`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pipeline {
    pub commands: Vec<Command>,
    /// The operator that ends the pipeline (and so decides whether the next one runs).
    pub then: Then,
}

/// What follows a pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Then {
    /// `;`, a newline, or the end: the next pipeline runs regardless.
    #[default]
    Seq,
    /// `&&`: the next pipeline runs if this one succeeded.
    And,
    /// `||`: the next pipeline runs if this one failed.
    Or,
    /// `&`: this pipeline runs in the background; the next one runs at once.
    Background,
}

/// One simple command: its words (program and arguments) and its redirections; or a
/// `( … )` subshell, whose script is in `subshell` (and whose words are empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Command {
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    pub subshell: Option<Box<Script>>,
    /// Text fed to the command's standard input by a here-document or here-string.
    pub stdin_text: Option<String>,
    heredoc_slot: Option<usize>,
}

/// One shell word.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Word {
    /// The word after quote removal; expansions and substitutions stay as written.
    pub text: String,
    /// The word exactly as it appears in the source.
    pub raw: String,
    /// The word contains an unquoted or double-quoted expansion (`$x`, `${…}`, `$(…)`, backticks,
    /// process substitution), so its runtime value is not known.
    pub dynamic: bool,
    /// The scripts of the substitutions inside this word.
    pub substs: Vec<Subst>,
}

/// A redirection such as `> file`, `2>&1`, `<<EOF` or `<<< text`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Redirect {
    /// The operator without its file-descriptor number: `>`, `>>`, `<`, `<<`, `<<<`, `&>`, …
    pub op: String,
    pub target: Word,
}

impl Redirect {
    /// The redirection writes to its target.
    pub fn writes(&self) -> bool {
        match self.op.as_str() {
            ">" | ">>" | ">|" | "&>" | "&>>" | "<>" => true,
            ">&" => {
                !(self.target.text == "-" || self.target.text.bytes().all(|b| b.is_ascii_digit()))
            }
            _ => false,
        }
    }

    /// The redirection reads its target as a file.
    pub fn reads(&self) -> bool {
        matches!(self.op.as_str(), "<" | "<>")
    }
}

/// The kind of a substitution inside a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubstKind {
    /// `$(…)` or backticks: replaced by the script's output.
    Command,
    /// `<(…)`: replaced by a path from which the script's output can be read.
    ProcessIn,
    /// `>(…)`: replaced by a path whose contents the script reads.
    ProcessOut,
}

/// A substitution and the script it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Subst {
    pub kind: SubstKind,
    pub script: Script,
}

impl Script {
    /// Every simple command of the script in order, those of `( … )` subshells included (not
    /// those inside substitutions).
    pub fn commands(&self) -> Vec<&Command> {
        let mut out = Vec::new();
        for command in self.pipelines.iter().flat_map(|p| p.commands.iter()) {
            match &command.subshell {
                Some(inner) => out.extend(inner.commands()),
                None => out.push(command),
            }
        }
        out
    }
}

impl Command {
    /// A command with these words and nothing else (for argv given inline, like `find -exec`).
    pub fn from_words(words: Vec<Word>) -> Command {
        Command {
            words,
            ..Command::default()
        }
    }
}

impl Word {
    /// A plain literal word (used by tests and for synthetic argv).
    pub fn literal(text: &str) -> Word {
        Word {
            text: text.to_string(),
            raw: text.to_string(),
            dynamic: false,
            substs: Vec::new(),
        }
    }
}

/// Parses `src` as a top-level command line.
pub fn parse(src: &str) -> Script {
    parse_at_depth(src, 0)
}

/// Parses `src` as if nested `depth` levels deep (for `sh -c` payloads and the like).
pub fn parse_at_depth(src: &str, depth: usize) -> Script {
    let mut parser = Parser {
        chars: src.chars().collect(),
        pos: 0,
        pending_heredocs: Vec::new(),
        bodies: Vec::new(),
        too_deep: depth > MAX_DEPTH,
    };
    if parser.too_deep {
        return Script {
            pipelines: Vec::new(),
            too_deep: true,
        };
    }
    let mut script = parser.script(depth, false);
    fill_heredocs(&mut script, &parser.bodies);
    script.too_deep |= parser.too_deep;
    script
}

/// Splits `src` into the words of its first simple command (for settings such as argv prefixes).
pub fn split_words(src: &str) -> Vec<String> {
    parse(src)
        .commands()
        .first()
        .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
        .unwrap_or_default()
}

struct PendingHeredoc {
    delimiter: String,
    strip_tabs: bool,
    slot: usize,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    pending_heredocs: Vec<PendingHeredoc>,
    bodies: Vec<String>,
    too_deep: bool,
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn slice(&self, from: usize) -> String {
        self.chars[from..self.pos].iter().collect()
    }

    /// Skips spaces, tabs, carriage returns and backslash-newline continuations.
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                _ => return,
            }
        }
    }

    /// Parses pipelines until the end of input or, when `in_parens`, an unmatched `)`.
    fn script(&mut self, depth: usize, in_parens: bool) -> Script {
        let mut script = Script::default();
        let mut pipeline = Pipeline::default();
        let mut command = Command::default();

        fn end_command(pipeline: &mut Pipeline, command: &mut Command) {
            let done = std::mem::take(command);
            if !done.words.is_empty() || !done.redirects.is_empty() || done.subshell.is_some() {
                pipeline.commands.push(done);
            }
        }
        fn end_pipeline(
            script: &mut Script,
            pipeline: &mut Pipeline,
            command: &mut Command,
            then: Then,
        ) {
            end_command(pipeline, command);
            let mut done = std::mem::take(pipeline);
            if !done.commands.is_empty() {
                done.then = then;
                script.pipelines.push(done);
            }
        }

        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            match c {
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                '\n' => {
                    self.pos += 1;
                    end_pipeline(&mut script, &mut pipeline, &mut command, Then::Seq);
                    self.read_heredoc_bodies();
                }
                ';' => {
                    self.pos += 1;
                    if matches!(self.peek(), Some(';' | '&')) {
                        self.pos += 1;
                    }
                    end_pipeline(&mut script, &mut pipeline, &mut command, Then::Seq);
                }
                '&' if self.peek_at(1) == Some('>') => self.redirect(&mut command, depth),
                '&' => {
                    let then = if self.peek_at(1) == Some('&') {
                        self.pos += 2;
                        Then::And
                    } else {
                        self.pos += 1;
                        Then::Background
                    };
                    end_pipeline(&mut script, &mut pipeline, &mut command, then);
                }
                '|' => {
                    if self.peek_at(1) == Some('|') {
                        self.pos += 2;
                        end_pipeline(&mut script, &mut pipeline, &mut command, Then::Or);
                    } else {
                        self.pos += if self.peek_at(1) == Some('&') { 2 } else { 1 };
                        end_command(&mut pipeline, &mut command);
                    }
                }
                '(' => {
                    // A subshell (or the `()` of a function definition): its own script.
                    self.pos += 1;
                    end_command(&mut pipeline, &mut command);
                    if depth >= MAX_DEPTH {
                        self.too_deep = true;
                        self.skip_balanced('(', ')', 1);
                    } else {
                        let inner = self.script(depth + 1, true);
                        if !inner.pipelines.is_empty() {
                            command.subshell = Some(Box::new(inner));
                        }
                    }
                }
                ')' => {
                    self.pos += 1;
                    if in_parens {
                        break;
                    }
                    end_pipeline(&mut script, &mut pipeline, &mut command, Then::Seq);
                }
                '<' | '>' if self.peek_at(1) == Some('(') => {
                    let word = self.word(depth);
                    command.words.push(word);
                }
                '<' | '>' => self.redirect(&mut command, depth),
                c if c.is_ascii_digit() && self.fd_redirect_ahead() => {
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    self.redirect(&mut command, depth);
                }
                _ => {
                    let word = self.word(depth);
                    command.words.push(word);
                }
            }
        }
        end_pipeline(&mut script, &mut pipeline, &mut command, Then::Seq);
        script
    }

    /// At digits directly followed by `<` or `>` (e.g. `2>`), not a process substitution.
    fn fd_redirect_ahead(&self) -> bool {
        let mut i = 0;
        while self.peek_at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        matches!(self.peek_at(i), Some('<' | '>')) && self.peek_at(i + 1) != Some('(')
    }

    fn redirect(&mut self, command: &mut Command, depth: usize) {
        const OPS: [&str; 13] = [
            "&>>", "<<<", "<<-", "&>", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">", "&",
        ];
        let op = OPS
            .iter()
            .find(|op| self.starts_with(op))
            .copied()
            .unwrap_or(">");
        self.pos += op.len();
        self.skip_blanks();
        let target = match self.peek() {
            Some(c) if !is_meta(c) || (matches!(c, '<' | '>') && self.peek_at(1) == Some('(')) => {
                self.word(depth)
            }
            _ => Word::default(),
        };
        match op {
            "<<" | "<<-" => {
                let slot = self.bodies.len();
                self.bodies.push(String::new());
                self.pending_heredocs.push(PendingHeredoc {
                    delimiter: target.text.clone(),
                    strip_tabs: op == "<<-",
                    slot,
                });
                command.heredoc_slot = Some(slot);
            }
            "<<<" => command.stdin_text = Some(target.text.clone()),
            _ => {}
        }
        let op = if op == "<<-" { "<<" } else { op };
        command.redirects.push(Redirect {
            op: op.to_string(),
            target,
        });
    }

    /// Reads the bodies of the here-documents started on the line just ended.
    fn read_heredoc_bodies(&mut self) {
        for pending in std::mem::take(&mut self.pending_heredocs) {
            let mut body = String::new();
            while self.pos < self.chars.len() {
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
                let line = self.slice(start);
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                let compared = if pending.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if compared.trim_end_matches('\r') == pending.delimiter {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            self.bodies[pending.slot] = body;
        }
    }

    /// Reads one word starting at the current position.
    fn word(&mut self, depth: usize) -> Word {
        let start = self.pos;
        let mut word = Word::default();
        if matches!(self.peek(), Some('<' | '>')) && self.peek_at(1) == Some('(') {
            let kind = if self.peek() == Some('<') {
                SubstKind::ProcessIn
            } else {
                SubstKind::ProcessOut
            };
            self.pos += 2;
            self.paren_subst(&mut word, kind, depth);
        }
        while let Some(c) = self.peek() {
            if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') => self.pos += 1,
                        Some(c) => {
                            word.text.push(c);
                            self.pos += 1;
                        }
                        None => {}
                    }
                }
                '\'' => {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == '\'' {
                            break;
                        }
                        word.text.push(c);
                    }
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut word, depth);
                }
                '$' if self.peek_at(1) == Some('\'') => {
                    self.pos += 2;
                    self.ansi_c_quoted(&mut word);
                }
                '$' if self.peek_at(1) == Some('"') => {
                    self.pos += 2;
                    self.double_quoted(&mut word, depth);
                }
                '$' => self.dollar(&mut word, depth),
                '`' => self.backticks(&mut word, depth),
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
        word.raw = self.slice(start);
        word
    }

    /// Inside `"…"` (the opening quote consumed); stops after the closing quote.
    fn double_quoted(&mut self, word: &mut Word, depth: usize) {
        while let Some(c) = self.peek() {
            match c {
                '"' => {
                    self.pos += 1;
                    return;
                }
                '\\' => {
                    match self.peek_at(1) {
                        Some('\n') => {}
                        Some(e @ ('$' | '`' | '"' | '\\')) => word.text.push(e),
                        Some(other) => {
                            word.text.push('\\');
                            word.text.push(other);
                        }
                        None => word.text.push('\\'),
                    }
                    self.pos = (self.pos + 2).min(self.chars.len());
                }
                '$' => self.dollar(word, depth),
                '`' => self.backticks(word, depth),
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Inside `$'…'` (the opening consumed): ANSI-C escapes.
    fn ansi_c_quoted(&mut self, word: &mut Word) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '\'' => return,
                '\\' => {
                    let Some(e) = self.peek() else { return };
                    self.pos += 1;
                    match e {
                        'n' => word.text.push('\n'),
                        't' => word.text.push('\t'),
                        'r' => word.text.push('\r'),
                        'a' => word.text.push('\x07'),
                        'b' => word.text.push('\x08'),
                        'e' | 'E' => word.text.push('\x1b'),
                        'f' => word.text.push('\x0c'),
                        'v' => word.text.push('\x0b'),
                        'x' => {
                            let value = self.radix_digits(16, 2);
                            push_code(&mut word.text, value);
                        }
                        'u' => {
                            let value = self.radix_digits(16, 4);
                            push_code(&mut word.text, value);
                        }
                        'U' => {
                            let value = self.radix_digits(16, 8);
                            push_code(&mut word.text, value);
                        }
                        '0'..='7' => {
                            self.pos -= 1;
                            let value = self.radix_digits(8, 3);
                            push_code(&mut word.text, value);
                        }
                        'c' => {
                            if let Some(ctl) = self.peek() {
                                self.pos += 1;
                                push_code(&mut word.text, Some(u32::from(ctl) & 0x1f));
                            }
                        }
                        other => word.text.push(other),
                    }
                }
                other => word.text.push(other),
            }
        }
    }

    fn radix_digits(&mut self, radix: u32, max: usize) -> Option<u32> {
        let mut value: Option<u32> = None;
        for _ in 0..max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(radix)) else {
                break;
            };
            value = Some(value.unwrap_or(0) * radix + d);
            self.pos += 1;
        }
        value
    }

    /// At a `$` outside single quotes.
    fn dollar(&mut self, word: &mut Word, depth: usize) {
        let start = self.pos;
        match self.peek_at(1) {
            Some('(') if self.peek_at(2) == Some('(') => {
                self.pos += 3;
                self.skip_balanced('(', ')', 2);
                word.dynamic = true;
            }
            Some('(') => {
                self.pos += 2;
                self.paren_subst(word, SubstKind::Command, depth);
                return;
            }
            Some('{') => {
                self.pos += 2;
                self.skip_balanced('{', '}', 1);
                word.dynamic = true;
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                self.pos += 1;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.pos += 1;
                }
                word.dynamic = true;
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.pos += 2;
                word.dynamic = true;
            }
            _ => self.pos += 1,
        }
        let text = self.slice(start);
        word.text.push_str(&text);
    }

    /// After `$(`, `<(` or `>(`: parses the script up to the matching `)`.
    fn paren_subst(&mut self, word: &mut Word, kind: SubstKind, depth: usize) {
        let open = self.pos - 2;
        word.dynamic = true;
        if depth >= MAX_DEPTH {
            self.too_deep = true;
            self.skip_balanced('(', ')', 1);
        } else {
            let script = self.script(depth + 1, true);
            word.substs.push(Subst { kind, script });
        }
        let text = self.slice(open);
        word.text.push_str(&text);
    }

    /// At a backtick: the old-style command substitution.
    fn backticks(&mut self, word: &mut Word, depth: usize) {
        let start = self.pos;
        self.pos += 1;
        let mut inner = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '`' => break,
                '\\' => match self.peek() {
                    Some(e @ ('`' | '$' | '\\')) => {
                        inner.push(e);
                        self.pos += 1;
                    }
                    _ => inner.push('\\'),
                },
                other => inner.push(other),
            }
        }
        word.dynamic = true;
        let script = parse_at_depth(&inner, depth + 1);
        self.too_deep |= script.too_deep;
        word.substs.push(Subst {
            kind: SubstKind::Command,
            script,
        });
        let text = self.slice(start);
        word.text.push_str(&text);
    }

    /// Skips to just after the `close` that brings `level` open brackets back to zero, minding
    /// quotes and escapes; iterative so hostile nesting cannot exhaust the stack.
    fn skip_balanced(&mut self, open: char, close: char, mut level: usize) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '\\' => self.pos = (self.pos + 1).min(self.chars.len()),
                '\'' => {
                    while self.peek().is_some_and(|c| c != '\'') {
                        self.pos += 1;
                    }
                    self.pos = (self.pos + 1).min(self.chars.len());
                }
                '"' => {
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        match c {
                            '\\' => self.pos = (self.pos + 1).min(self.chars.len()),
                            '"' => break,
                            _ => {}
                        }
                    }
                }
                c if c == open => level += 1,
                c if c == close => {
                    level -= 1;
                    if level == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

fn push_code(text: &mut String, code: Option<u32>) {
    if let Some(c) = code.and_then(char::from_u32) {
        text.push(c);
    }
}

fn fill_heredocs(script: &mut Script, bodies: &[String]) {
    for pipeline in &mut script.pipelines {
        for command in &mut pipeline.commands {
            if let Some(inner) = &mut command.subshell {
                fill_heredocs(inner, bodies);
            }
            if let Some(slot) = command.heredoc_slot.take() {
                command.stdin_text = bodies.get(slot).cloned();
            }
            for word in command
                .words
                .iter_mut()
                .chain(command.redirects.iter_mut().map(|r| &mut r.target))
            {
                for subst in &mut word.substs {
                    fill_heredocs(&mut subst.script, bodies);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Vec<Vec<String>>> {
        parse(src)
            .pipelines
            .iter()
            .map(|p| {
                p.commands
                    .iter()
                    .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
                    .collect()
            })
            .collect()
    }

    fn flat_all(src: &str) -> Vec<String> {
        parse(src)
            .commands()
            .iter()
            .flat_map(|c| c.words.iter().map(|w| w.text.clone()))
            .collect()
    }

    fn flat(src: &str) -> Vec<String> {
        words(src).into_iter().flatten().flatten().collect()
    }

    #[test]
    fn splits_plain_words() {
        assert_eq!(flat("rm -rf  ./build\t x"), ["rm", "-rf", "./build", "x"]);
    }

    #[test]
    fn removes_quotes_and_escapes() {
        assert_eq!(
            flat(r#"echo 'a b' "c d" e\ f"#),
            ["echo", "a b", "c d", "e f"]
        );
        assert_eq!(flat(r#"echo "a\"b" 'it'\''s'"#), ["echo", "a\"b", "it's"]);
        assert_eq!(flat(r#"echo "keep\n""#), ["echo", "keep\\n"]);
        assert_eq!(flat(r"\rm -rf /"), ["rm", "-rf", "/"]);
    }

    #[test]
    fn ansi_c_quotes() {
        assert_eq!(
            flat(r"echo $'a\tb' $'\x72\x6d' $'\162m' $'it\'s'"),
            ["echo", "a\tb", "rm", "rm", "it's"]
        );
    }

    #[test]
    fn line_continuation_joins() {
        assert_eq!(flat("rm -r\\\nf /"), ["rm", "-rf", "/"]);
    }

    #[test]
    fn splits_on_operators() {
        assert_eq!(
            words("ls && rm -rf / ; echo hi || true & wait\nfoo | bar |& baz"),
            vec![
                vec![vec!["ls"]],
                vec![vec!["rm", "-rf", "/"]],
                vec![vec!["echo", "hi"]],
                vec![vec!["true"]],
                vec![vec!["wait"]],
                vec![vec!["foo"], vec!["bar"], vec!["baz"]],
            ]
        );
    }

    #[test]
    fn operators_inside_quotes_are_text() {
        assert_eq!(
            words("echo 'a; b | c && d'"),
            vec![vec![vec!["echo", "a; b | c && d"]]]
        );
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            words("ls # rm -rf /\necho x#y"),
            vec![vec![vec!["ls"]], vec![vec!["echo", "x#y"]]]
        );
    }

    #[test]
    fn command_substitution_is_parsed() {
        let script = parse("echo $(rm -rf / && ls) done");
        let cmd = &script.pipelines[0].commands[0];
        assert_eq!(cmd.words[1].text, "$(rm -rf / && ls)");
        assert!(cmd.words[1].dynamic);
        let inner = &cmd.words[1].substs[0].script;
        assert_eq!(inner.pipelines.len(), 2);
        assert_eq!(inner.pipelines[0].commands[0].words[0].text, "rm");
        assert_eq!(cmd.words[2].text, "done");
    }

    #[test]
    fn nested_substitution_with_quotes_and_parens() {
        let script = parse(r#"a "$(b "$(c ')')" (d))" e"#);
        let cmd = &script.pipelines[0].commands[0];
        assert_eq!(cmd.words.len(), 3);
        let b = &cmd.words[1].substs[0].script;
        let b_cmd = b.commands()[0];
        assert_eq!(b_cmd.words[0].text, "b");
        let c = &b_cmd.words[1].substs[0].script;
        assert_eq!(c.commands()[0].words[1].text, ")");
    }

    #[test]
    fn backticks_are_parsed() {
        let script = parse("echo `rm -rf ~` x");
        let cmd = &script.pipelines[0].commands[0];
        let inner = &cmd.words[1].substs[0].script;
        assert_eq!(flat_cmd(inner), ["rm", "-rf", "~"]);
        assert_eq!(cmd.words[2].text, "x");
    }

    fn flat_cmd(script: &Script) -> Vec<String> {
        script
            .commands()
            .iter()
            .flat_map(|c| c.words.iter().map(|w| w.text.clone()))
            .collect()
    }

    #[test]
    fn process_substitution_is_a_word() {
        let script = parse("bash <(curl -s https://x)");
        let cmd = &script.pipelines[0].commands[0];
        assert_eq!(cmd.words.len(), 2);
        assert_eq!(cmd.words[1].substs[0].kind, SubstKind::ProcessIn);
        assert_eq!(
            flat_cmd(&cmd.words[1].substs[0].script),
            ["curl", "-s", "https://x"]
        );
    }

    #[test]
    fn redirections_are_separated() {
        let script = parse("echo hi > /dev/sda 2>&1 >>log &>all <in");
        let cmd = &script.pipelines[0].commands[0];
        assert_eq!(cmd.words.len(), 2);
        let ops: Vec<_> = cmd
            .redirects
            .iter()
            .map(|r| (r.op.as_str(), r.target.text.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                (">", "/dev/sda"),
                (">&", "1"),
                (">>", "log"),
                ("&>", "all"),
                ("<", "in")
            ]
        );
        assert!(cmd.redirects[0].writes());
        assert!(!cmd.redirects[1].writes());
        assert!(cmd.redirects[4].reads());
    }

    #[test]
    fn bare_redirection_is_a_command() {
        let script = parse("> /dev/sda");
        let cmd = &script.pipelines[0].commands[0];
        assert!(cmd.words.is_empty());
        assert_eq!(cmd.redirects[0].target.text, "/dev/sda");
    }

    #[test]
    fn heredoc_body_is_not_commands() {
        let script = parse("cat <<EOF > f\nrm -rf /\nEOF\nls");
        assert_eq!(script.pipelines.len(), 2);
        let cat = &script.pipelines[0].commands[0];
        assert_eq!(cat.stdin_text.as_deref(), Some("rm -rf /\n"));
        assert_eq!(script.pipelines[1].commands[0].words[0].text, "ls");
    }

    #[test]
    fn heredoc_with_quoted_delimiter_and_tabs() {
        let script = parse("bash <<-'END'\n\techo hi\n\tEND\n");
        let cmd = &script.pipelines[0].commands[0];
        assert_eq!(cmd.stdin_text.as_deref(), Some("\techo hi\n"));
    }

    #[test]
    fn here_string_is_stdin() {
        let script = parse("sh <<< 'rm -rf /'");
        assert_eq!(
            script.pipelines[0].commands[0].stdin_text.as_deref(),
            Some("rm -rf /")
        );
    }

    #[test]
    fn variables_are_kept_and_marked_dynamic() {
        let script = parse(r#"rm -rf "$HOME" ${X}/ '$HOME' $((1+2))"#);
        let w = &script.pipelines[0].commands[0].words;
        assert_eq!((w[2].text.as_str(), w[2].dynamic), ("$HOME", true));
        assert_eq!((w[3].text.as_str(), w[3].dynamic), ("${X}/", true));
        assert_eq!((w[4].text.as_str(), w[4].dynamic), ("$HOME", false));
        assert_eq!(w[5].text, "$((1+2))");
    }

    #[test]
    fn unterminated_quotes_run_to_end() {
        assert_eq!(flat("echo 'abc"), ["echo", "abc"]);
        assert_eq!(flat("echo \"abc"), ["echo", "abc"]);
        assert_eq!(flat("echo $(ls"), ["echo", "$(ls"]);
    }

    #[test]
    fn subshells_and_groups() {
        let script = parse("(cd x && rm -rf y); ls");
        assert_eq!(script.pipelines.len(), 2);
        let sub = script.pipelines[0].commands[0].subshell.as_ref().unwrap();
        assert_eq!(sub.pipelines[0].then, Then::And);
        assert_eq!(
            flat_all("(cd x && rm -rf y); ls"),
            ["cd", "x", "rm", "-rf", "y", "ls"]
        );
        assert_eq!(words("{ rm -rf /; }").len(), 2);
        assert_eq!(flat_all("f() { :; }"), ["f", "{", ":", "}"]);
    }

    #[test]
    fn connectors_are_recorded() {
        let thens: Vec<Then> = parse("a && b || c & d; e\nf")
            .pipelines
            .iter()
            .map(|p| p.then)
            .collect();
        assert_eq!(
            thens,
            [
                Then::And,
                Then::Or,
                Then::Background,
                Then::Seq,
                Then::Seq,
                Then::Seq
            ]
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "$(".repeat(5000) + &")".repeat(5000);
        let script = parse(&format!("echo {deep}"));
        assert!(script.too_deep);
        let shallow = parse("echo $(echo $(echo hi))");
        assert!(!shallow.too_deep);
    }

    #[test]
    fn split_words_for_settings() {
        assert_eq!(split_words("terraform destroy"), ["terraform", "destroy"]);
        assert_eq!(split_words("git  push 'a b'"), ["git", "push", "a b"]);
        assert!(split_words("  ").is_empty());
    }
}
