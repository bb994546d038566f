//! The Anthropic Messages API over reqwest: the key comes from the environment variable the
//! configuration names (never from the configuration itself), the base URL may point at a
//! compatible gateway, and every failure comes back as a message naming the provider and cause.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::ModelConfig;

/// The API version cchost speaks.
const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Most bytes of a provider's error body shown in a message.
const ERROR_BODY_CHARS: usize = 500;

pub struct ModelClient {
    config: ModelConfig,
    api_key: String,
    http: reqwest::Client,
}

#[derive(Debug, Clone)]
pub struct ModelRequest {
    pub system: Option<String>,
    pub messages: Value,
    pub tools: Value,
    pub max_tokens: u32,
}

#[derive(Debug, Clone)]
pub struct ToolUse {
    pub id: String,
    pub name: String,
    pub input: Value,
}

#[derive(Debug, Clone)]
pub struct ModelResponse {
    pub text: String,
    pub tool_uses: Vec<ToolUse>,
    pub content: Value,
    pub stop_reason: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
}

impl ModelClient {
    /// A client for `config`; fails when the key's environment variable is unset or empty.
    pub fn new(config: &ModelConfig) -> anyhow::Result<ModelClient> {
        let api_key = std::env::var(&config.api_key_env)
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "[model]: the API key variable `{}` is not set",
                    config.api_key_env
                )
            })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()?;
        Ok(ModelClient {
            config: config.clone(),
            api_key,
            http,
        })
    }

    pub fn model(&self) -> &str {
        &self.config.model
    }

    pub async fn complete(&self, request: &ModelRequest) -> Result<ModelResponse, String> {
        let url = format!("{}/v1/messages", self.config.base_url.trim_end_matches('/'));
        let mut body = json!({
            "model": self.config.model,
            "max_tokens": request.max_tokens.clamp(1, self.config.max_tokens),
            "messages": request.messages,
        });
        if let Some(system) = &request.system {
            body["system"] = json!(system);
        }
        if request
            .tools
            .as_array()
            .is_some_and(|tools| !tools.is_empty())
        {
            body["tools"] = request.tools.clone();
        }
        let response = self
            .http
            .post(&url)
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", ANTHROPIC_VERSION)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("model provider at {url}: {e}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("model provider at {url}: reading the answer: {e}"))?;
        if !status.is_success() {
            let detail = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| text.chars().take(ERROR_BODY_CHARS).collect());
            return Err(format!(
                "model provider at {url} answered {status}: {detail}"
            ));
        }
        let answer: Value = serde_json::from_str(&text)
            .map_err(|e| format!("model provider at {url}: the answer is not JSON: {e}"))?;
        parse_response(answer).map_err(|e| format!("model provider at {url}: {e}"))
    }
}

fn parse_response(answer: Value) -> Result<ModelResponse, String> {
    let content = answer
        .get("content")
        .filter(|c| c.is_array())
        .cloned()
        .ok_or("the answer has no `content` array")?;
    let blocks = content.as_array().map(Vec::as_slice).unwrap_or_default();
    let text = blocks
        .iter()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect::<Vec<_>>()
        .join("");
    let tool_uses = blocks
        .iter()
        .filter(|b| b["type"] == "tool_use")
        .map(|b| ToolUse {
            id: b["id"].as_str().unwrap_or_default().to_string(),
            name: b["name"].as_str().unwrap_or_default().to_string(),
            input: b.get("input").cloned().unwrap_or_else(|| json!({})),
        })
        .collect();
    let tokens = |key: &str| {
        answer["usage"][key]
            .as_u64()
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    Ok(ModelResponse {
        text,
        tool_uses,
        stop_reason: answer["stop_reason"].as_str().unwrap_or("").to_string(),
        input_tokens: tokens("input_tokens"),
        output_tokens: tokens("output_tokens"),
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_and_tool_use_blocks() {
        let answer = json!({
            "content": [
                {"type": "text", "text": "Let me add "},
                {"type": "text", "text": "them."},
                {"type": "tool_use", "id": "toolu_1", "name": "mcp__py__add", "input": {"a": 2, "b": 3}}
            ],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 12, "output_tokens": 7}
        });
        let response = parse_response(answer).unwrap();
        assert_eq!(response.text, "Let me add them.");
        assert_eq!(response.tool_uses.len(), 1);
        assert_eq!(response.tool_uses[0].input, json!({"a": 2, "b": 3}));
        assert_eq!(response.stop_reason, "tool_use");
        assert_eq!((response.input_tokens, response.output_tokens), (12, 7));
        assert!(parse_response(json!({"error": "x"})).is_err());
    }
}
