//! The gate on real good and broken files of every language, hostile inputs, and a whole run
//! over a project directory.

use super::*;

/// (rule, line, column) of every finding, for compact assertions.
fn places(findings: &[Finding]) -> Vec<(String, u32, u32)> {
    findings
        .iter()
        .map(|f| (f.rule.clone(), f.line.unwrap_or(0), f.column.unwrap_or(0)))
        .collect()
}

fn one(path: &str, text: &str) -> (String, u32, u32, String) {
    let findings = check_source(path, text);
    assert_eq!(findings.len(), 1, "{path}: {findings:#?}");
    let f = &findings[0];
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.file.as_deref(), Some(path));
    (
        f.rule.clone(),
        f.line.unwrap(),
        f.column.unwrap(),
        f.message.clone(),
    )
}

const GOOD_PYTHON: &str = r#"#!/usr/bin/env python3
"""A module with the syntax of recent Python versions."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class Point[T]:
    x: T
    y: T

    def norm(self) -> float:
        return (self.x**2 + self.y**2) ** 0.5


type Pair[T] = tuple[T, T]


async def main(points: list[Point[int]]) -> None:
    async with asyncio.timeout(1):
        for p in points:
            match p:
                case Point(x=0, y=0):
                    print(f"origin {p!r:>10} {'nested ' + f'{p.x}'}")
                case Point(x=x) if x > 0:
                    print(f"{x=}")
                case _:
                    pass
    if (n := len(points)) > 2:
        print(n, *points, sep="\n")
    lam = lambda *a, **k: (a, k)
    try:
        raise ExceptionGroup("g", [ValueError()])
    except* ValueError as e:
        print(e)


if __name__ == "__main__":
    asyncio.run(main([Point(0, 0)]))
"#;

const GOOD_YAML: &str = r#"# A GitHub Actions workflow
name: ci
on:
  push:
    branches: [main]
  pull_request: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Test
        run: |
          cargo test --workspace
          echo "done: ${{ github.sha }}"
      - &anchor
        name: "quoted: colon"
        env: { A: 1, B: 'two' }
      - *anchor
---
second: document
"#;

#[test]
fn real_rust_sources_parse() {
    for (path, text) in [
        ("src/lib.rs", include_str!("lib.rs")),
        ("src/parsers.rs", include_str!("parsers.rs")),
        ("src/tests.rs", include_str!("tests.rs")),
    ] {
        let findings = check_source(path, text);
        assert!(findings.is_empty(), "{path}: {findings:#?}");
    }
    assert!(check_source("bin.rs", "#!/usr/bin/env run-cargo-script\nfn main() {}\n").is_empty());
    assert!(check_source("attr.rs", "#![allow(unused)]\nfn main() {}\n").is_empty());
    assert!(check_source("bom.rs", "\u{feff}fn main() {}\n").is_empty());
    assert!(check_source("empty.rs", "").is_empty());
}

#[test]
fn rust_errors_point_at_the_offending_token() {
    let (rule, line, column, message) = one(
        "src/main.rs",
        "fn main() {\n    let x = 1\n    let y = 2;\n}\n",
    );
    assert_eq!((rule.as_str(), line, column), ("syntax/rust", 3, 5));
    assert!(message.contains("expected `;`"), "{message}");

    // A lexer error: the unclosed delimiter.
    // Lexer errors: a mismatched delimiter, an unterminated string.
    let (_, line, column, message) = one("a.rs", "fn main() {\n    foo(1, 2;\n}\n");
    assert_eq!((line, column), (3, 1));
    assert_eq!(message, "mismatched closing delimiter `}`");
    let (_, line, column, message) = one("a.rs", "fn main() {\n    let s = \"abc;\n}\n");
    assert_eq!(
        (line, column, message.as_str()),
        (2, 13, "unterminated or invalid literal")
    );

    // syn reports the end of input at the call site: the finding goes to the end of the code.
    let (_, line, column, message) = one("b.rs", "fn main()\n\n");
    assert_eq!((line, column), (1, 10), "{message}");

    // Columns count characters, and a shebang line keeps the lines in place.
    let (_, line, column, _) = one("c.rs", "#!/bin/x\nconst É: &str = \"é\" 3;\n");
    assert_eq!((line, column), (2, 21));
}

#[test]
fn python_good_and_broken() {
    let findings = check_source("app/main.py", GOOD_PYTHON);
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(check_source("stub.pyi", "def f(x: int) -> str: ...\n").is_empty());

    let (rule, line, column, message) = one("a.py", "import os\n\ndef f(:\n    pass\n");
    assert_eq!(
        (rule.as_str(), line, column),
        ("syntax/python", 3, 7),
        "{message}"
    );

    let (_, line, column, _) = one("b.py", "if True:\nprint('not indented')\n");
    assert_eq!((line, column), (2, 1));

    // The parser recovers, so several errors come back, capped per file.
    let many = "x = (\n".to_string() + &"def f(:\n".repeat(40);
    let findings = check_source("c.py", &many);
    assert_eq!(findings.len(), Settings::default().max_errors_per_file);
}

#[test]
fn json_good_and_broken() {
    assert!(
        check_source(
            "package.json",
            r#"{"a": [1, 2.5e3, null, true], "b": {"c": "é"}}"#
        )
        .is_empty()
    );

    let (rule, line, column, message) = one("config/x.json", "{\n  \"a\": [1,\n  2,\n]}\n");
    assert_eq!((rule.as_str(), line, column), ("syntax/json", 4, 1));
    assert_eq!(message, "expected value");
    let (_, line, column, message) = one("config/y.json", "{\"a\": 1,\n}");
    assert_eq!(
        (line, column, message.as_str()),
        (2, 1, "key must be a string")
    );

    let (_, line, column, message) = one("e.json", "");
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("EOF"), "{message}");

    let (_, line, column, _) = one("u.json", "{\"é\": tru}");
    assert_eq!((line, column), (1, 10));

    let findings = check_source("c.json", "{\n  // a comment\n  \"a\": 1\n}\n");
    assert_eq!(places(&findings), [("syntax/json".to_string(), 2, 3)]);
    assert!(findings[0].fix_hint.as_deref().unwrap().contains("exclude"));

    // JSONC by convention is not checked as JSON.
    assert!(check_source("web/tsconfig.json", "{ // comment\n}").is_empty());
    assert!(check_source(".vscode/settings.json", "{ // comment\n}").is_empty());
}

#[test]
fn toml_good_and_broken() {
    assert!(check_source("Cargo.toml", include_str!("../Cargo.toml")).is_empty());
    assert!(check_source("plugin.toml", include_str!("../plugin.toml")).is_empty());

    let (rule, line, column, message) = one("a.toml", "[package]\nname = \"x\"\nname = \"y\"\n");
    assert_eq!(
        (rule.as_str(), line, column),
        ("syntax/toml", 3, 1),
        "{message}"
    );
    assert!(message.contains("duplicate"), "{message}");

    let (_, line, column, _) = one("b.toml", "[a]\nkey \"value\"\n");
    assert_eq!((line, column), (2, 5));

    let (_, line, _, _) = one("c.toml", "a = [1, 2\n\n");
    assert!(line >= 1);
}

#[test]
fn yaml_good_and_broken() {
    assert!(check_source(".github/workflows/ci.yml", GOOD_YAML).is_empty());
    assert!(check_source("empty.yaml", "").is_empty());

    let (rule, line, column, message) = one("a.yaml", "key: value\n  bad: indent\n");
    assert_eq!(
        (rule.as_str(), line),
        ("syntax/yaml", 2),
        "{message} {column}"
    );

    let (_, line, _, _) = one("b.yml", "list: [1, 2\nother: x\n");
    assert!(line >= 2);

    let (_, line, column, _) = one("c.yaml", "a: 1\nb: *missing\n");
    assert_eq!((line, column), (2, 4));
}

#[test]
fn invalid_utf8_is_a_finding_at_the_first_bad_byte() {
    let findings = check_bytes("a.py", Language::Python, b"x = 1\ny = '\xff'\n", 10);
    assert_eq!(places(&findings), [("syntax/python".to_string(), 2, 6)]);
    assert!(findings[0].message.contains("0xff"));
}

/// Runs `f` on a thread with the stack a wasm32 component gets (1 MiB), so a parser that
/// recursed without bound would crash this test the way it would trap in the sandbox.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn hostile_inputs_give_findings_not_crashes() {
    let n = 50_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "a.rs",
            format!("fn f() {{ {}1{} }}", "(".repeat(n), ")".repeat(n)),
        ),
        ("b.rs", format!("fn f() {{ {}x }}", "!".repeat(n))),
        (
            "c.rs",
            format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n)),
        ),
        ("d.rs", format!("fn f() {{ {}", "{".repeat(n))),
        ("e.rs", format!("fn f() {{ {}a }}", "a + ".repeat(n))),
        ("f.rs", format!("fn f() {{ x{} }}", ".f()".repeat(n))),
        (
            "g.rs",
            format!("fn f() {{ {} }}", "if a {} else ".repeat(n) + "{}"),
        ),
        ("h.rs", format!("fn f() {{ x{} }}", " as u8".repeat(n))),
        ("i.rs", format!("fn f() {{ x{} }}", "()".repeat(n))),
        ("a.py", format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n))),
        ("j.py", format!("x = f{}\n", "()".repeat(n))),
        ("e.py", format!("x = {}a\n", "a + ".repeat(n))),
        ("f.py", format!("x = {}a\n", "a ** ".repeat(n))),
        ("g.py", format!("x = a{}\n", ".b".repeat(n))),
        ("h.py", format!("x = {}a\n", "a if b else ".repeat(n))),
        (
            "i.py",
            (0..200)
                .map(|i| format!("{}if x:\n", " ".repeat(i)))
                .collect::<String>()
                + &" ".repeat(200)
                + "pass\n",
        ),
        ("b.py", format!("x = {}1\n", "-".repeat(n))),
        ("c.py", format!("x = {}1\n", "not ".repeat(n))),
        ("d.py", format!("x = {}\n", "[".repeat(n))),
        ("a.json", format!("{}1{}", "[".repeat(n), "]".repeat(n - 1))),
        ("a.toml", format!("a = {}1{}", "[".repeat(n), "]".repeat(n))),
        ("b.toml", format!("a = {}", "{ b = ".repeat(n))),
        ("a.yaml", format!("{}1{}", "[".repeat(n), "]".repeat(n))),
        ("c.yaml", format!("{}x", "{a: ".repeat(n))),
    ];
    for (path, text) in cases {
        let findings = on_small_stack(move || check_source(path, &text));
        assert!(!findings.is_empty(), "{path} gave no finding");
    }
}

#[test]
fn deep_but_plausible_nesting_still_parses() {
    let python = format!("x = {}1{}\n", "(".repeat(190), ")".repeat(190));
    assert!(on_small_stack(move || check_source("a.py", &python)).is_empty());
    let python = format!(
        "x = {}a\ny = [{}]\n",
        "a + ".repeat(990),
        "-1, ".repeat(5000)
    );
    assert!(on_small_stack(move || check_source("b.py", &python)).is_empty());
    let python = format!("x = {}a{}\n", "(a + ".repeat(99), ")".repeat(99));
    assert!(on_small_stack(move || check_source("c.py", &python)).is_empty());
    let rust = format!("fn f() {{ {}a; }}", "a + ".repeat(990));
    assert!(on_small_stack(move || check_source("a.rs", &rust)).is_empty());
    let rust = format!("fn f() {{ {}{{}} }}", "if a {} else ".repeat(450));
    assert!(on_small_stack(move || check_source("c.rs", &rust)).is_empty());
    let rust = format!("fn f() {{ {}1{}; }}", "(".repeat(60), ")".repeat(60));
    assert!(on_small_stack(move || check_source("b.rs", &rust)).is_empty());
    // saphyr refuses nesting beyond 256 levels.
    let depth = 200;
    let yaml = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    assert!(on_small_stack(move || check_source("a.yaml", &yaml)).is_empty());
    // Block sequences nest without a limit; the event parser needs no stack for them.
    let yaml = format!("{}x", "- ".repeat(50_000));
    assert!(on_small_stack(move || check_source("a.yaml", &yaml)).is_empty());
}

#[test]
fn many_rust_files_do_not_accumulate_spans() {
    // invalidate_current_thread_spans keeps the source map from growing: no panic and no
    // offset drift after many files.
    for _ in 0..2000 {
        assert!(check_source("a.rs", include_str!("parsers.rs")).is_empty());
    }
    let (_, line, column, _) = one("b.rs", "fn main() {\n    let x = 1\n    let y = 2;\n}\n");
    assert_eq!((line, column), (3, 5));
}

fn input(root: &Path, files: &[&str], changes: Vec<cchost_sdk::FileChange>) -> GateInput {
    GateInput {
        checkpoint: "pre-implementation".into(),
        root: root.to_string_lossy().into_owned(),
        files: files.iter().map(|s| s.to_string()).collect(),
        changes,
    }
}

#[test]
fn a_gate_run_over_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &[u8]| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write("src/lib.rs", b"pub fn ok() {}\n");
    write("src/bad.rs", b"pub fn bad( {}\n");
    write("cfg/a.json", b"{\"a\": 1}");
    write("cfg/b.json", b"{\"a\": }");
    write("README.md", b"# not parsed (((");
    write("big.toml", &vec![b'#'; 3 * 1024]);
    write("tsconfig.json", b"{ /* jsonc */ }");
    std::fs::create_dir_all(root.join("dir.yaml")).unwrap();

    let files = [
        "src/lib.rs",
        "src/bad.rs",
        "cfg/a.json",
        "cfg/b.json",
        "README.md",
        "big.toml",
        "tsconfig.json",
        "missing.py",
        "gone.py",
        "dir.yaml",
    ];
    let changes = vec![cchost_sdk::FileChange {
        path: "gone.py".into(),
        kind: ChangeKind::Deleted,
        lines_added: 0,
        lines_removed: 3,
    }];
    let settings = Settings {
        max_file_kib: 2,
        ..Settings::default()
    };
    let findings = run(&input(root, &files, changes), &settings);
    let got: Vec<(&str, &str, Severity)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.file.as_deref().unwrap(), f.severity))
        .collect();
    assert_eq!(
        got,
        [
            ("syntax/rust", "src/bad.rs", Severity::Error),
            ("syntax/json", "cfg/b.json", Severity::Error),
            ("syntax/too-large", "big.toml", Severity::Warning),
            ("syntax/unreadable", "missing.py", Severity::Warning),
            ("syntax/unreadable", "dir.yaml", Severity::Warning),
        ]
    );
    let report = GateReport::from_findings(findings);
    assert_eq!(report.status, cchost_sdk::GateStatus::Fail);

    // Restricted to some languages, the others are skipped.
    let settings = Settings {
        languages: vec![Language::Toml, Language::Yaml],
        ..Settings::default()
    };
    let findings = run(&input(root, &files, Vec::new()), &settings);
    assert_eq!(
        places(&findings),
        [("syntax/unreadable".to_string(), 1, 1),]
    );
}

#[test]
fn settings_parse_with_defaults_and_reject_unknown_keys() {
    let s: Settings = serde_json::from_str(r#"{"languages": ["rust", "yaml"]}"#).unwrap();
    assert_eq!(s.languages, [Language::Rust, Language::Yaml]);
    assert_eq!(s.max_file_kib, 1024);
    assert_eq!(s.language_of("x.py"), None);
    assert_eq!(s.language_of("x.rs"), Some(Language::Rust));
    assert!(serde_json::from_str::<Settings>(r#"{"language": ["rust"]}"#).is_err());
    assert!(serde_json::from_str::<Settings>(r#"{"languages": ["cobol"]}"#).is_err());
    let s: Settings = serde_json::from_str(r#"{"exclude": ["gen/**"]}"#).unwrap();
    assert_eq!(s.language_of("gen/x.rs"), None);
    assert_eq!(s.language_of("tsconfig.json"), Some(Language::Json));
}
