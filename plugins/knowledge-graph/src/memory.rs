//! The memory MCP server (`@modelcontextprotocol/server-memory`): writing the graph in batches.
//!
//! `create_entities` and `create_relations` (version 2026.8.31) add only what is new — an
//! entity whose name exists, or a relation equal to an existing one, is left as it is — and
//! return what they added, as structured content `{"entities": […]}` / `{"relations": […]}` and
//! as the same array in JSON text. Those arrays are what is counted as created.

use cchost_sdk::{
    log, mcp,
    serde_json::{self, Value, json},
};
use serde::Serialize;

use crate::graph::Graph;

/// Entities per `create_entities` call.
const ENTITY_BATCH: usize = 200;
/// Relations per `create_relations` call.
const RELATION_BATCH: usize = 500;

/// What a memory-server call answered.
pub struct Reply {
    /// Structured content, JSON text.
    pub structured: Option<String>,
    pub text: String,
}

/// A memory server: the host's MCP connection, or a fake in the tests.
pub trait Memory {
    /// Calls `tool`; an error (refused, or the tool failed) names the server and the tool.
    fn call(&mut self, tool: &str, args: &Value) -> Result<Reply, String>;
    /// Reports progress (the host log).
    fn progress(&mut self, _message: &str) {}
    /// Reports a problem that does not stop the run (the host log).
    fn warn(&mut self, _message: &str) {}
}

/// The memory server reached through the host's `mcp` interface.
pub struct McpMemory {
    name: String,
}

impl McpMemory {
    /// Checks that server `name` lets this agent create entities and relations.
    pub fn connect(name: &str) -> Result<McpMemory, String> {
        let tools = mcp::tools(name)
            .map_err(|e| format!("MCP server `{name}`: cannot list its tools: {e}"))?;
        for needed in ["create_entities", "create_relations"] {
            if !tools.iter().any(|t| t.name == needed) {
                return Err(format!(
                    "MCP server `{name}` offers no tool `{needed}` to this agent (is it the memory server, and does the grant cover it?)"
                ));
            }
        }
        Ok(McpMemory {
            name: name.to_string(),
        })
    }
}

impl Memory for McpMemory {
    fn call(&mut self, tool: &str, args: &Value) -> Result<Reply, String> {
        let name = &self.name;
        let result = mcp::call(name, tool, args)
            .map_err(|e| format!("MCP server `{name}`, tool `{tool}`: {e}"))?;
        if let Some(feedback) = &result.feedback {
            log::info(&format!("feedback on `{tool}`: {feedback}"));
        }
        if result.is_error {
            return Err(format!(
                "MCP server `{name}`, tool `{tool}` failed: {}",
                result.text.trim()
            ));
        }
        Ok(Reply {
            structured: result.structured,
            text: result.text,
        })
    }

    fn progress(&mut self, message: &str) {
        log::info(message);
    }

    fn warn(&mut self, message: &str) {
        log::warn(message);
    }
}

/// How many items a reply says were created: the length of structured `key`, else of the JSON
/// array in the text.
pub fn created_count(reply: &Reply, key: &str) -> Option<usize> {
    let structured = reply
        .structured
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.get(key).and_then(Value::as_array).map(Vec::len));
    structured.or_else(|| {
        serde_json::from_str::<Value>(&reply.text)
            .ok()?
            .as_array()
            .map(Vec::len)
    })
}

/// Writes the graph: entities first, then relations. Returns how many of each the server
/// created.
pub fn store(memory: &mut impl Memory, graph: &Graph) -> Result<(usize, usize), String> {
    let entities = write(
        memory,
        "create_entities",
        "entities",
        &graph.entities,
        ENTITY_BATCH,
    )?;
    let relations = write(
        memory,
        "create_relations",
        "relations",
        &graph.relations,
        RELATION_BATCH,
    )?;
    Ok((entities, relations))
}

fn write<T: Serialize>(
    memory: &mut impl Memory,
    tool: &str,
    key: &str,
    items: &[T],
    batch: usize,
) -> Result<usize, String> {
    let mut created = 0;
    for (number, chunk) in items.chunks(batch).enumerate() {
        let reply = memory.call(tool, &json!({ key: chunk }))?;
        match created_count(&reply, key) {
            Some(count) => created += count,
            None => memory.warn(&format!(
                "`{tool}` answered in an unexpected shape; its batch is not counted"
            )),
        }
        let done = (number * batch + chunk.len()).min(items.len());
        memory.progress(&format!("{tool}: {done} of {} sent", items.len()));
    }
    Ok(created)
}

/// An in-memory memory server with the real one's semantics, for the tests.
#[cfg(test)]
pub mod fake {
    use super::{Memory, Reply};
    use cchost_sdk::serde_json::{Value, json};

    #[derive(Default)]
    pub struct FakeMemory {
        pub entities: Vec<Value>,
        pub relations: Vec<Value>,
        pub calls: Vec<String>,
        /// Answer in plain text only (no structured content).
        pub text_only: bool,
        /// Fail every call with this message.
        pub fail: Option<String>,
    }

    impl Memory for FakeMemory {
        fn call(&mut self, tool: &str, args: &Value) -> Result<Reply, String> {
            self.calls.push(tool.to_string());
            if let Some(message) = &self.fail {
                return Err(format!(
                    "MCP server `memory`, tool `{tool}` failed: {message}"
                ));
            }
            let (key, store) = match tool {
                "create_entities" => ("entities", &mut self.entities),
                "create_relations" => ("relations", &mut self.relations),
                _ => return Err(format!("unknown tool {tool}")),
            };
            let mut added = Vec::new();
            for item in args[key].as_array().cloned().unwrap_or_default() {
                let exists = store.iter().any(|existing| {
                    if key == "entities" {
                        existing["name"] == item["name"]
                    } else {
                        *existing == item
                    }
                });
                if !exists {
                    added.push(item);
                }
            }
            store.extend(added.iter().cloned());
            let text = cchost_sdk::serde_json::to_string_pretty(&added).unwrap_or_default();
            Ok(Reply {
                structured: (!self.text_only).then(|| json!({ key: added }).to_string()),
                text,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeMemory;
    use super::*;
    use crate::graph::build;
    use crate::markdown::parse;

    fn graph(sections: usize) -> Graph {
        let text: String = (0..sections).map(|i| format!("## S{i}\n")).collect();
        build(&[
            ("a.md".to_string(), parse(&text)),
            ("b.md".to_string(), parse("[a](a.md)")),
        ])
    }

    #[test]
    fn stores_in_batches_and_counts_what_is_new() {
        let graph = graph(450);
        let mut memory = FakeMemory::default();
        assert_eq!(store(&mut memory, &graph).unwrap(), (452, 451));
        assert_eq!(
            memory.calls,
            [
                "create_entities",
                "create_entities",
                "create_entities",
                "create_relations"
            ]
        );
        // A second run creates nothing.
        assert_eq!(store(&mut memory, &graph).unwrap(), (0, 0));
        assert_eq!(memory.entities.len(), 452);
        assert_eq!(memory.entities[0]["entityType"], "document");
        assert_eq!(memory.relations[450]["relationType"], "links_to");
    }

    #[test]
    fn counts_from_text_without_structured_content() {
        let mut memory = FakeMemory {
            text_only: true,
            ..FakeMemory::default()
        };
        assert_eq!(store(&mut memory, &graph(2)).unwrap(), (4, 3));
    }

    #[test]
    fn reply_shapes() {
        let reply = |structured: Option<&str>, text: &str| Reply {
            structured: structured.map(str::to_owned),
            text: text.to_string(),
        };
        assert_eq!(
            created_count(&reply(Some(r#"{"entities":[{},{}]}"#), "[]"), "entities"),
            Some(2)
        );
        // The real server's text: the created items, pretty-printed.
        let text = "[\n  {\n    \"name\": \"a.md\",\n    \"entityType\": \"document\",\n    \"observations\": []\n  }\n]";
        assert_eq!(created_count(&reply(None, text), "entities"), Some(1));
        assert_eq!(created_count(&reply(None, "Done"), "entities"), None);
    }

    #[test]
    fn failures_stop_the_run() {
        let mut memory = FakeMemory {
            fail: Some("ENOSPC".into()),
            ..FakeMemory::default()
        };
        let error = store(&mut memory, &graph(1)).unwrap_err();
        assert_eq!(
            error,
            "MCP server `memory`, tool `create_entities` failed: ENOSPC"
        );
    }
}
