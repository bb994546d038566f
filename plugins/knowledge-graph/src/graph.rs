//! The knowledge graph of a set of parsed documents, in the memory server's shapes:
//! entities `{name, entityType, observations}` and relations `{from, to, relationType}`.
//!
//! - a `document` entity per file, named by its path relative to the root, observing its
//!   title, word count and number of sections;
//! - a `section` entity per heading, named `<document>#<heading>` (a repeated heading gets
//!   ` (2)`, ` (3)`, … so names stay unique), observing its level and line;
//! - `document --contains--> section` for each heading;
//! - `document --links_to--> document` for each link to another document of the set: Markdown
//!   links by path (relative to the linking file, or to the root with a leading `/`), and wiki
//!   links (`[[name]]`: `name.md` next to the linking file, at the root, or the one document of
//!   that name anywhere). Links to files outside the set are left out.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::markdown::{Document, is_markdown_name, markdown_target, resolve};

pub const DOCUMENT: &str = "document";
pub const SECTION: &str = "section";
pub const CONTAINS: &str = "contains";
pub const LINKS_TO: &str = "links_to";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    pub name: String,
    #[serde(rename = "entityType")]
    pub entity_type: String,
    pub observations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relation {
    pub from: String,
    pub to: String,
    #[serde(rename = "relationType")]
    pub relation_type: String,
}

/// Entities and relations, in document order (each document before its sections).
#[derive(Debug, Default)]
pub struct Graph {
    pub entities: Vec<Entity>,
    pub relations: Vec<Relation>,
    pub documents: usize,
    pub sections: usize,
    /// Distinct `links_to` relations.
    pub links: usize,
}

/// The graph of `docs`: `(path relative to the root, parsed document)`.
pub fn build(docs: &[(String, Document)]) -> Graph {
    let names: BTreeSet<&str> = docs.iter().map(|(rel, _)| rel.as_str()).collect();
    let mut used: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    let mut linked: BTreeSet<(String, String)> = BTreeSet::new();
    let mut graph = Graph {
        documents: docs.len(),
        ..Graph::default()
    };
    for (rel, doc) in docs {
        let mut observations = Vec::new();
        if let Some(title) = &doc.title {
            observations.push(format!("title: {title}"));
        }
        observations.push(format!("words: {}", doc.words));
        observations.push(format!("sections: {}", doc.headings.len()));
        graph.entities.push(Entity {
            name: rel.clone(),
            entity_type: DOCUMENT.into(),
            observations,
        });

        for heading in &doc.headings {
            let base = format!("{rel}#{}", heading.text);
            let mut name = base.clone();
            let mut n = 1;
            while used.contains(&name) {
                n += 1;
                name = format!("{base} ({n})");
            }
            used.insert(name.clone());
            graph.entities.push(Entity {
                name: name.clone(),
                entity_type: SECTION.into(),
                observations: vec![
                    format!("heading level {}", heading.level),
                    format!("line {}", heading.line),
                ],
            });
            graph.relations.push(Relation {
                from: rel.clone(),
                to: name,
                relation_type: CONTAINS.into(),
            });
            graph.sections += 1;
        }

        let by_path = doc.links.iter().filter_map(|destination| {
            let target = resolve(rel, &markdown_target(destination)?)?;
            names.contains(target.as_str()).then_some(target)
        });
        let by_wiki = doc
            .wiki_links
            .iter()
            .filter_map(|target| resolve_wiki(rel, target, &names));
        let targets: Vec<String> = by_path.chain(by_wiki).collect();
        for target in targets {
            if target != *rel && linked.insert((rel.clone(), target.clone())) {
                graph.relations.push(Relation {
                    from: rel.clone(),
                    to: target,
                    relation_type: LINKS_TO.into(),
                });
                graph.links += 1;
            }
        }
    }
    graph
}

/// The document a wiki link `[[target]]` in `from` means: `target` (with `.md` added unless it
/// has a Markdown extension) next to `from`, then from the root, then the only document whose
/// path ends with it (exactly, then ignoring case).
pub fn resolve_wiki(from: &str, target: &str, names: &BTreeSet<&str>) -> Option<String> {
    let file = if is_markdown_name(target) {
        target.to_string()
    } else {
        format!("{target}.md")
    };
    let from_root = format!("/{}", file.trim_start_matches('/'));
    for candidate in [resolve(from, &file), resolve(from, &from_root)]
        .into_iter()
        .flatten()
    {
        if names.contains(candidate.as_str()) {
            return Some(candidate);
        }
    }
    let tail = file.trim_start_matches('/');
    let suffix = format!("/{tail}");
    let exact: Vec<&&str> = names
        .iter()
        .filter(|n| **n == tail || n.ends_with(&suffix))
        .collect();
    if let [only] = exact.as_slice() {
        return Some(only.to_string());
    }
    if !exact.is_empty() {
        return None;
    }
    let (tail, suffix) = (tail.to_lowercase(), suffix.to_lowercase());
    let folded: Vec<&&str> = names
        .iter()
        .filter(|n| {
            let lower = n.to_lowercase();
            lower == tail || lower.ends_with(&suffix)
        })
        .collect();
    match folded.as_slice() {
        [only] => Some(only.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::parse;

    fn docs(files: &[(&str, &str)]) -> Vec<(String, Document)> {
        files
            .iter()
            .map(|(rel, text)| (rel.to_string(), parse(text)))
            .collect()
    }

    #[test]
    fn the_probe_tree() {
        let docs = docs(&[
            (
                "README.md",
                "# Title\n\nSee [other](docs/other.md) and [[sub/deep]].\n\n---\n\n## Sec A\ntext\n",
            ),
            ("docs/other.md", "---\ntitle: x\n---\n# Other\n\n## B\n"),
            ("docs/sub/deep.md", "# Deep\n"),
            ("with space/a file.md", "x"),
        ]);
        let graph = build(&docs);
        assert_eq!(graph.documents, 4);
        assert_eq!(graph.sections, 5);
        assert_eq!(graph.links, 2);
        assert_eq!(graph.entities.len(), 9);
        assert_eq!(
            graph.entities[0],
            Entity {
                name: "README.md".into(),
                entity_type: "document".into(),
                observations: vec![
                    "title: Title".into(),
                    "words: 11".into(),
                    "sections: 2".into()
                ],
            }
        );
        assert_eq!(graph.entities[1].name, "README.md#Title");
        assert_eq!(
            graph.entities[1].observations,
            ["heading level 1", "line 1"]
        );
        assert_eq!(graph.entities[3].observations[0], "title: x");
        let last = graph.entities.last().unwrap();
        assert_eq!(last.name, "with space/a file.md");
        assert_eq!(last.observations, ["words: 1", "sections: 0"]);
        let relations: Vec<(&str, &str, &str)> = graph
            .relations
            .iter()
            .map(|r| (r.from.as_str(), r.relation_type.as_str(), r.to.as_str()))
            .collect();
        assert_eq!(
            relations,
            [
                ("README.md", "contains", "README.md#Title"),
                ("README.md", "contains", "README.md#Sec A"),
                ("README.md", "links_to", "docs/other.md"),
                ("README.md", "links_to", "docs/sub/deep.md"),
                ("docs/other.md", "contains", "docs/other.md#Other"),
                ("docs/other.md", "contains", "docs/other.md#B"),
                ("docs/sub/deep.md", "contains", "docs/sub/deep.md#Deep"),
            ]
        );
    }

    #[test]
    fn serialises_in_the_memory_servers_shape() {
        let graph = build(&docs(&[("a.md", "# A\n")]));
        let json = cchost_sdk::serde_json::to_value(&graph.relations[0]).unwrap();
        assert_eq!(
            json,
            cchost_sdk::serde_json::json!({"from": "a.md", "to": "a.md#A", "relationType": "contains"})
        );
        let json = cchost_sdk::serde_json::to_value(&graph.entities[0]).unwrap();
        assert_eq!(json["entityType"], "document");
    }

    #[test]
    fn repeated_headings_get_numbered() {
        let graph = build(&docs(&[(
            "a.md",
            "# A\n## Example\n## Example\n## Example (2)\n## Example\n",
        )]));
        let names: Vec<&str> = graph.entities.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a.md",
                "a.md#A",
                "a.md#Example",
                "a.md#Example (2)",
                "a.md#Example (2) (2)",
                "a.md#Example (3)",
            ]
        );
    }

    #[test]
    fn links_are_deduplicated_and_stay_in_the_set() {
        let graph = build(&docs(&[
            (
                "docs/a.md",
                "[b](b.md) [b again](./b.md#x) [self](a.md) [root](/README.md) [up](../README.md)\n[gone](missing.md) [web](https://x.org/b.md) [[b]] [[README]]\n",
            ),
            ("docs/b.md", "[a](a.md)\n"),
            ("README.md", "[[a]] [[docs/b|B]]\n"),
        ]));
        let links: Vec<(&str, &str)> = graph
            .relations
            .iter()
            .filter(|r| r.relation_type == LINKS_TO)
            .map(|r| (r.from.as_str(), r.to.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("docs/a.md", "docs/b.md"),
                ("docs/a.md", "README.md"),
                ("docs/b.md", "docs/a.md"),
                ("README.md", "docs/a.md"),
                ("README.md", "docs/b.md"),
            ]
        );
        assert_eq!(graph.links, 5);
    }

    #[test]
    fn wiki_resolution() {
        let names: BTreeSet<&str> = ["README.md", "notes/Ideas.md", "a/Log.md", "b/Log.md"]
            .into_iter()
            .collect();
        assert_eq!(
            resolve_wiki("x.md", "README", &names).as_deref(),
            Some("README.md")
        );
        assert_eq!(
            resolve_wiki("x.md", "Ideas", &names).as_deref(),
            Some("notes/Ideas.md")
        );
        assert_eq!(
            resolve_wiki("x.md", "ideas", &names).as_deref(),
            Some("notes/Ideas.md")
        );
        assert_eq!(
            resolve_wiki("a/x.md", "Log", &names).as_deref(),
            Some("a/Log.md")
        );
        assert_eq!(resolve_wiki("x.md", "Log", &names), None, "ambiguous");
        assert_eq!(
            resolve_wiki("x.md", "b/Log.md", &names).as_deref(),
            Some("b/Log.md")
        );
        assert_eq!(resolve_wiki("x.md", "Nothing", &names), None);
    }
}
