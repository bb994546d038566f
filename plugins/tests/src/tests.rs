//! The parsers on real output of real runs (`fixtures/`).

use super::*;
use crate::location::Location;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn at(file: &str, line: u32, column: Option<u32>) -> Option<Location> {
    Some(Location {
        file: file.into(),
        line,
        column,
    })
}

fn names(found: &[Failure]) -> Vec<&str> {
    found.iter().filter_map(|f| f.name.as_deref()).collect()
}

#[test]
fn libtest_failures_carry_their_panic_location_and_message() {
    for fixture_name in ["libtest-backtrace.stdout", "libtest-quiet.stdout"] {
        let found = libtest::failures(&fixture(fixture_name));
        assert_eq!(
            names(&found),
            ["tests::fails", "tests::panics"],
            "{fixture_name}"
        );
        assert_eq!(found[0].location, at("src/lib.rs", 9, Some(18)));
        assert_eq!(
            found[0].message,
            "assertion `left == right` failed: one and one\n  left: 2\n right: 3"
        );
        assert_eq!(found[1].location, at("src/lib.rs", 11, Some(19)));
        assert_eq!(found[1].message, "boom\nsecond line");
        assert!(found.iter().all(|f| f.kind == FailureKind::Test));
    }
}

#[test]
fn old_style_panics_and_panicless_failures_are_understood() {
    let stdout = "test a ... FAILED\ntest b ... FAILED\n\nfailures:\n\n---- a stdout ----\n\
                  thread 'a' panicked at 'nope', src/x.rs:3:5\n\n---- b stdout ----\n\
                  note: test did not panic as expected\n\nfailures:\n    a\n    b\n";
    let found = libtest::failures(stdout);
    assert_eq!(found[0].location, at("src/x.rs", 3, Some(5)));
    assert_eq!(found[0].message, "nope");
    assert_eq!(found[1].location, None);
    assert_eq!(found[1].message, "note: test did not panic as expected");
}

#[test]
fn passing_output_has_no_failures() {
    let stdout = "running 2 tests\ntest a ... ok\ntest b ... ok\n\ntest result: ok. 2 passed\n";
    assert!(libtest::failures(stdout).is_empty());
    assert!(libtest::compile_errors("   Compiling x v0.1.0\n    Finished `test`\n").is_empty());
}

#[test]
fn rustc_errors_are_found_once_at_their_primary_location() {
    let found = libtest::compile_errors(&fixture("cargo-compile-error.stderr"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, FailureKind::Compile);
    assert_eq!(found[0].message, "cannot add `&str` to `i32`");
    assert_eq!(found[0].location, at("src/lib.rs", 1, Some(39)));
}

#[test]
fn pytest_failures_are_located_in_the_test_file() {
    let found = pytest::failures(&fixture("pytest-failures.stdout"));
    assert_eq!(
        names(&found),
        [
            "tests/test_calc.py::test_fails",
            "tests/test_calc.py::TestGroup::test_raises"
        ]
    );
    assert_eq!(found[0].message, "assert 2 == 3");
    assert_eq!(found[0].location, at("tests/test_calc.py", 8, None));
    assert_eq!(found[1].message, "ValueError: bad value");
    assert_eq!(found[1].location, at("tests/test_calc.py", 12, None));

    let found = pytest::failures(&fixture("pytest-parametrized.stdout"));
    assert_eq!(names(&found), ["tests/test_more.py::test_param[2]"]);
    assert_eq!(found[0].location, at("tests/test_more.py", 8, None));
}

#[test]
fn pytest_collection_errors_point_at_the_broken_module() {
    let found = pytest::failures(&fixture("pytest-collection-error.stdout"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, FailureKind::Collection);
    assert_eq!(found[0].name, None);
    assert_eq!(found[0].location, at("tests/test_broken.py", 1, None));
}

#[test]
fn junit_failures_and_errors_are_found_with_their_places() {
    let found = junit::failures(&fixture("pytest-failures.junit.xml")).unwrap();
    assert_eq!(
        names(&found),
        [
            "tests.test_calc.test_fails",
            "tests.test_calc.TestGroup.test_raises"
        ]
    );
    assert_eq!(found[0].message, "assert 2 == 3\n +  where 2 = add(1, 1)");
    assert_eq!(found[0].location, at("tests/test_calc.py", 8, None));
    assert_eq!(found[1].location, at("tests/test_calc.py", 12, None));

    let found = junit::failures(&fixture("pytest-collection-error.junit.xml")).unwrap();
    assert_eq!(found[0].kind, FailureKind::Collection);
    assert_eq!(found[0].location, at("tests/test_broken.py", 1, None));

    let with_attributes = r#"<testsuite><testcase name="t" file="src/a.rs" line="7">
        <failure>thread 't' panicked at src/b.rs:1:2:</failure></testcase></testsuite>"#;
    let found = junit::failures(with_attributes).unwrap();
    assert_eq!(found[0].location, at("src/a.rs", 7, None));
    assert!(junit::failures("<testsuite><testcase").is_err());
}

#[test]
fn the_format_follows_the_command_unless_set() {
    let settings = |command: &[&str], junit: Option<&str>| Settings {
        command: command.iter().map(|s| s.to_string()).collect(),
        junit: junit.map(str::to_string),
        ..Settings::default()
    };
    assert_eq!(settings(&["cargo", "test"], None).format(), Format::Libtest);
    assert_eq!(settings(&["pytest", "-q"], None).format(), Format::Pytest);
    assert_eq!(
        settings(&["/venv/bin/python", "-m", "pytest"], None).format(),
        Format::Pytest
    );
    assert_eq!(
        settings(&["pytest"], Some("report.xml")).format(),
        Format::Junit
    );
}

#[test]
fn findings_point_only_at_files_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("crate/src")).unwrap();
    std::fs::write(dir.path().join("crate/src/lib.rs"), "").unwrap();
    let failure = |file: &str| Failure {
        kind: FailureKind::Test,
        name: Some("t".into()),
        message: "m".into(),
        location: at(file, 3, Some(4)),
    };
    let finding = failure("src/lib.rs").finding(dir.path(), "crate");
    assert_eq!(finding.file.as_deref(), Some("crate/src/lib.rs"));
    assert_eq!((finding.line, finding.column), (Some(3), Some(4)));
    let absolute = dir.path().join("crate/src/lib.rs");
    let finding = failure(absolute.to_str().unwrap()).finding(dir.path(), "");
    assert_eq!(finding.file.as_deref(), Some("crate/src/lib.rs"));
    for outside in [
        "/rustc/abc/library/core/src/panicking.rs",
        "../x.rs",
        "src/missing.rs",
    ] {
        assert_eq!(
            failure(outside).finding(dir.path(), "crate").file,
            None,
            "{outside}"
        );
    }
}
