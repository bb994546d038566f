//! OAuth against a real protected server: the Python SDK's own authorization server
//! (`py_oauth_server.py`, approving every request at once). Without credentials a call fails
//! at once, naming the server and `cchost mcp login`; after a login calls work, an expired access
//! token is refreshed, another hub reuses the stored credentials, and a logout forgets them —
//! through the hub and through the `cchost mcp` commands.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    os::unix::fs::PermissionsExt,
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use cchost::{
    config::{McpServer, McpTransport},
    mcp::{
        McpError, McpHub,
        oauth::{self, LoginOptions, StoredLogin, UserAgent},
    },
};
use serde_json::{Map, Value, json};

use crate::{
    hub::{http, text_of},
    servers::{self, HttpServer},
};

const SERVER: &str = "guarded";

/// The protected server, its access tokens living `token_seconds`.
fn oauth_server(token_seconds: u32) -> HttpServer {
    let script = servers::dir().join("py_oauth_server.py");
    HttpServer::start(
        &servers::python(),
        &[script.to_str().unwrap(), &token_seconds.to_string()],
        true,
    )
}

fn hub(config: &McpServer, credentials: &Path) -> McpHub {
    McpHub::new(
        &BTreeMap::from([(SERVER.to_string(), config.clone())]),
        Vec::new(),
    )
    .with_credentials_dir(credentials.to_path_buf())
}

fn no_args() -> Map<String, Value> {
    Map::new()
}

async fn token_number(hub: &McpHub) -> String {
    let result = hub
        .call_tool(SERVER, "token_number", no_args())
        .await
        .unwrap();
    text_of(&result)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_then_calls_refresh_and_logout() {
    let server = oauth_server(3);
    let config = http(McpTransport::Http, server.url("/mcp"));
    let credentials = tempfile::tempdir().unwrap();
    let dir = credentials.path().join("mcp-credentials");

    // No credentials: refused at once, with the way out in the message.
    let first = hub(&config, &dir);
    let refused = tokio::time::timeout(
        Duration::from_secs(20),
        first.call_tool(SERVER, "echo", no_args()),
    )
    .await
    .expect("a 401 must not hang")
    .unwrap_err();
    assert!(
        matches!(&refused, McpError::AuthRequired { challenge: Some(c), insufficient_scope: false, .. } if c.contains("resource_metadata")),
        "{refused:?}"
    );
    let message = refused.to_string();
    assert!(
        message.contains("`guarded`") && message.contains("cchost mcp login guarded"),
        "{message}"
    );

    // Log in: discovery, dynamic registration, PKCE, the loopback redirect, the exchange.
    let options = LoginOptions {
        user_agent: UserAgent::Unattended,
        challenge: None,
        timeout: Duration::from_secs(30),
    };
    let report = oauth::login(SERVER, &config, &dir, options).await.unwrap();
    assert!(report.registered, "{report:?}");
    assert!(report.refreshable, "{report:?}");
    assert_eq!(report.scopes, ["mcp:tools"]);
    assert_eq!(report.expires_in_secs, Some(3));
    let file = &report.credentials_file;
    assert!(file.starts_with(&dir), "{}", file.display());
    let mode = |path: &Path| path.metadata().unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(file), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let stored: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let first_token = stored["credentials"]["token_response"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(first_token.starts_with("at-1-"));
    // The report shows no token.
    let shown = serde_json::to_string(&report).unwrap();
    assert!(!shown.contains(&first_token), "{shown}");

    // The same hub now gets through.
    let echoed = first
        .call_tool(SERVER, "echo", args(json!({"text": "hi"})))
        .await
        .unwrap();
    assert_eq!(text_of(&echoed), "Echo: hi");
    assert_eq!(token_number(&first).await, "token 1");

    // Once the access token has expired the next call refreshes it (and stores the new one).
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(token_number(&first).await, "token 2");
    match oauth::stored_login(&dir, SERVER, &config).unwrap() {
        StoredLogin::Stored {
            expires_in_secs: Some(secs),
            refreshable: true,
            ..
        } => assert!(secs > 0, "the stored token expired already: {secs} s"),
        other => panic!("{other:?}"),
    }
    first.shutdown().await;

    // Another hub (another cchost process) uses the stored credentials.
    let second = hub(&config, &dir);
    assert_eq!(token_number(&second).await, "token 2");
    second.shutdown().await;

    // After a logout a new hub is refused again.
    assert!(oauth::logout(&dir, SERVER, &config).unwrap());
    assert!(!file.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "logout left files"
    );
    assert!(!oauth::logout(&dir, SERVER, &config).unwrap());
    let third = hub(&config, &dir);
    let refused = third
        .call_tool(SERVER, "echo", no_args())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, McpError::AuthRequired { .. }),
        "{refused:?}"
    );
    third.shutdown().await;
}

/// `cchost mcp login` prints the authorization URL and waits on the loopback redirect; a
/// browser (here: a plain HTTP client) following the URL completes it. `mcp list` then shows
/// the login, `mcp call` works, `mcp logout` forgets it.
#[test]
fn the_login_command() {
    let server = oauth_server(3600);
    let project = tempfile::tempdir().unwrap();
    let data_home = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join(".cchost")).unwrap();
    std::fs::write(
        project.path().join(".cchost/config.toml"),
        format!(
            "[mcp.servers.{SERVER}]\ntype = \"http\"\nurl = \"{}\"\n\n\
             [mcp.servers.{SERVER}.oauth]\nscopes = [\"mcp:tools\"]\n",
            server.url("/mcp")
        ),
    )
    .unwrap();
    let cchost = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cchost"));
        command
            .args(["--trust-project"])
            .args(args)
            .current_dir(project.path())
            .env("HOME", project.path().join("home"))
            .env("XDG_CONFIG_HOME", project.path().join("home/.config"))
            .env("XDG_CACHE_HOME", project.path().join("home/.cache"))
            .env("XDG_DATA_HOME", data_home.path())
            .env_remove("CCHOST_LOG")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null());
        command
    };
    let run = |args: &[&str]| {
        let output = cchost(args).output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    let (code, stdout, stderr) = run(&["mcp", "call", SERVER, "echo", "--args", r#"{"text":"x"}"#]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("run `cchost mcp login guarded`"),
        "{stderr}"
    );
    let (_, stdout, _) = run(&["mcp", "list", "--no-connect"]);
    assert!(stdout.contains("[oauth: not logged in]"), "{stdout}");

    let mut login = cchost(&["mcp", "login", SERVER, "--no-browser", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read on a thread to the end: a closed pipe would kill cchost at its next message.
    let stderr = BufReader::new(login.stderr.take().unwrap());
    let (lines, shown_lines) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stderr.lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    let mut shown = Vec::new();
    let mut url = None;
    for line in shown_lines.iter() {
        if let Some(found) = line.trim().strip_prefix("http") {
            url = Some(format!("http{found}"));
            break;
        }
        shown.push(line);
    }
    let url = url.unwrap_or_else(|| panic!("no authorization URL in:\n{}", shown.join("\n")));
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    // The browser: follows the authorization server's redirect to cchost's listener.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let page = runtime.block_on(async { reqwest::get(&url).await?.text().await });
    assert!(page.unwrap().contains("cchost is authorized"));
    let output = login.wait_with_output().unwrap();
    reader.join().unwrap();
    let rest: Vec<String> = shown_lines.try_iter().collect();
    assert!(output.status.success(), "{}", rest.join("\n"));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["server"], SERVER);
    assert_eq!(report["registered"], true);
    assert_eq!(report["scopes"], json!(["mcp:tools"]));
    let file = report["credentials_file"].as_str().unwrap();
    assert!(
        file.starts_with(
            data_home
                .path()
                .join("cchost/mcp-credentials")
                .to_str()
                .unwrap()
        ),
        "{file}"
    );

    let (_, stdout, _) = run(&["mcp", "list", "--no-connect"]);
    assert!(
        stdout.contains("[oauth: logged in, token expires in 59 min, refreshable]")
            || stdout.contains("[oauth: logged in, token expires in 60 min, refreshable]"),
        "{stdout}"
    );
    let (code, stdout, stderr) = run(&["mcp", "call", SERVER, "echo", "--args", r#"{"text":"x"}"#]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.trim(), "Echo: x");

    let (code, stdout, _) = run(&["mcp", "logout", SERVER]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("Removed"), "{stdout}");
    assert!(!Path::new(file).exists());
}

fn args(value: Value) -> Map<String, Value> {
    let Value::Object(map) = value else {
        panic!("arguments must be an object")
    };
    map
}
