//! JUnit XML reports, as pytest (`--junitxml`), cargo-nextest, jest-junit, go-junit-report and
//! most CI tools write them: every `<testcase>` with a `<failure>` or `<error>` is a failure, at
//! its `file`/`line` attributes when present, else at the last place its text names.

use crate::location::{Location, python_location};
use crate::{Failure, FailureKind};

/// Characters of a failure's text kept in a finding when it has no `message` attribute.
const TEXT_CHARS: usize = 500;

pub fn failures(xml: &str) -> Result<Vec<Failure>, String> {
    let document = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for case in document
        .descendants()
        .filter(|node| node.has_tag_name("testcase"))
    {
        let Some(problem) = case
            .children()
            .find(|node| node.has_tag_name("failure") || node.has_tag_name("error"))
        else {
            continue;
        };
        let name = case.attribute("name").unwrap_or("?");
        let full_name = match case.attribute("classname").filter(|c| !c.is_empty()) {
            Some(class) => format!("{class}.{name}"),
            None => name.to_string(),
        };
        let text = problem.text().unwrap_or("").trim();
        let message = problem
            .attribute("message")
            .filter(|m| !m.trim().is_empty())
            .map(|m| m.trim().to_string())
            .unwrap_or_else(|| text.chars().take(TEXT_CHARS).collect());
        let location = attribute_location(case).or_else(|| text_location(text));
        // pytest reports a module that failed to import as an `<error>` of a pseudo test.
        let kind = if problem.has_tag_name("error") && message == "collection failure" {
            FailureKind::Collection
        } else {
            FailureKind::Test
        };
        found.push(Failure {
            kind,
            name: Some(full_name),
            message: if message.is_empty() {
                problem.tag_name().name().to_string()
            } else {
                message
            },
            location,
        });
    }
    Ok(found)
}

fn attribute_location(case: roxmltree::Node) -> Option<Location> {
    Some(Location {
        file: case.attribute("file")?.to_string(),
        line: case.attribute("line")?.parse().ok()?,
        column: None,
    })
}

/// The last `path.py:LINE: …` or Rust `panicked at path:LINE:COL` place in a failure's text.
fn text_location(text: &str) -> Option<Location> {
    text.lines().rev().find_map(|line| {
        let line = line.trim();
        match line.split_once(" panicked at ") {
            Some((_, place)) => Location::parse(place.trim_end_matches(':')),
            None => python_location(line),
        }
    })
}
