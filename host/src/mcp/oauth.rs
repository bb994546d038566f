//! OAuth for streamable HTTP servers, on rmcp's `auth` module: the credentials file of each
//! server, the login (authorization code with PKCE through a loopback redirect, or client
//! credentials), the authorizer a connection sends its requests through (bearer token, refresh
//! when it expires or is rejected), and noticing the server's 401/403 challenge so a connection
//! fails with an error that says what to do instead of hanging or retrying.
//!
//! Tokens and secrets are never printed or logged: reports carry scopes, expiry and whether a
//! refresh token exists, nothing more.

use std::{
    collections::HashMap,
    io::Write,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use futures::stream::BoxStream;
use http::{HeaderName, HeaderValue};
use oauth2::TokenResponse;
use rmcp::{
    model::ClientJsonRpcMessage,
    transport::{
        AuthError, AuthorizationManager, AuthorizationRequest, AuthorizationSession,
        ClientCredentialsConfig, CredentialRefreshGuard, CredentialStore, StoredCredentials,
        auth::OAuthClientConfig,
        streamable_http_client::{
            StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
            StreamableHttpResponseLimits,
        },
    },
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sse_stream::{Error as SseError, Sse};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use super::McpError;
use crate::config::{McpOAuth, McpServer, McpTransport, OAuthGrant};

/// How long `login` waits for the browser to come back to the loopback redirect.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(300);
/// The client name cchost registers under (dynamic client registration).
const CLIENT_NAME: &str = "cchost";
/// The longest callback request the loopback listener reads: a request line with a code and a
/// state, and a browser's headers.
const MAX_CALLBACK_REQUEST: usize = 16 * 1024;

/// Where credentials live unless the hub is told otherwise:
/// `$XDG_DATA_HOME/cchost/mcp-credentials`, else `~/.local/share/cchost/mcp-credentials`.
pub fn default_credentials_dir() -> Option<PathBuf> {
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .map(|home| home.join(".local/share"))
        })?;
    Some(data_home.join("cchost/mcp-credentials"))
}

/// The credentials file of one server: its name plus a short hash of its URL, so pointing a
/// name at another server never sends it the first one's token.
pub fn credentials_path(dir: &Path, name: &str, url: &str) -> PathBuf {
    let hash = hex::encode(Sha256::digest(url.as_bytes()));
    dir.join(format!("{name}-{}.json", &hash[..12]))
}

/// What a credentials file holds.
#[derive(Serialize, Deserialize)]
struct SavedLogin {
    url: String,
    /// The secret the authorization server issued when cchost registered itself; a configured
    /// client's secret stays in its environment variable and is never written here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    credentials: Option<StoredCredentials>,
}

/// rmcp's credential store over one server's credentials file: created 0600 in a 0700
/// directory, replaced atomically (a temporary file renamed over it), so a crash mid-write
/// leaves the old credentials, never half of the new ones.
pub struct CredentialFile {
    path: PathBuf,
    url: String,
    client_secret: Option<String>,
}

impl CredentialFile {
    fn new(path: PathBuf, url: &str, client_secret: Option<String>) -> CredentialFile {
        CredentialFile {
            path,
            url: url.to_string(),
            client_secret,
        }
    }

    fn read(path: &Path) -> Result<Option<SavedLogin>, String> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{} is not a credentials file: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn write(&self, credentials: Option<StoredCredentials>) -> Result<(), String> {
        let dir = self
            .path
            .parent()
            .expect("a credentials path has a directory");
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .and_then(|()| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let saved = SavedLogin {
            url: self.url.clone(),
            client_secret: self.client_secret.clone(),
            credentials,
        };
        let json = serde_json::to_vec_pretty(&saved).map_err(|e| e.to_string())?;
        // tempfile creates the file 0600.
        let mut file = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        file.write_all(&json)
            .and_then(|()| file.as_file().sync_all())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        file.persist(&self.path)
            .map_err(|e| format!("cannot write {}: {}", self.path.display(), e.error))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl CredentialStore for CredentialFile {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        CredentialFile::read(&self.path)
            .map(|saved| saved.and_then(|saved| saved.credentials))
            .map_err(AuthError::CredentialStoreError)
    }

    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        self.write(Some(credentials))
            .map_err(AuthError::CredentialStoreError)
    }

    /// Serialises refreshes across cchost processes sharing the file (an exclusive `flock` on
    /// `<file>.lock`): servers that rotate refresh tokens accept each one once, so two processes
    /// refreshing with the same token at once would log one of them out. rmcp loads the
    /// credentials again under the lock, so the second process refreshes with the token the
    /// first one stored.
    async fn acquire_refresh_guard(&self) -> Result<Option<CredentialRefreshGuard>, AuthError> {
        let mut lock_path = self.path.clone().into_os_string();
        lock_path.push(".lock");
        let lock = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .mode(0o600)
                .open(&lock_path)?;
            rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
            Ok(file)
        })
        .await
        .map_err(|e| AuthError::CredentialStoreError(e.to_string()))?
        .map_err(|e| {
            AuthError::CredentialStoreError(format!("cannot lock {}: {e}", self.path.display()))
        })?;
        Ok(Some(CredentialRefreshGuard::new(lock)))
    }

    async fn clear(&self) -> Result<(), AuthError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AuthError::CredentialStoreError(format!(
                "cannot remove {}: {e}",
                self.path.display()
            ))),
        }
    }
}

/// What is stored for a server, for `cchost mcp list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "login")]
pub enum StoredLogin {
    /// Nothing stored.
    None,
    /// A token is stored; `expires_in_secs` is negative once it has expired (a refresh token
    /// then gets a new one without a login).
    Stored {
        expires_in_secs: Option<i64>,
        refreshable: bool,
        scopes: Vec<String>,
    },
}

/// The server's stored login, without reading any secret out of the file.
pub fn stored_login(dir: &Path, name: &str, server: &McpServer) -> Result<StoredLogin, McpError> {
    let Some(url) = server.url.as_deref() else {
        return Ok(StoredLogin::None);
    };
    let path = credentials_path(dir, name, url);
    let saved = CredentialFile::read(&path).map_err(|e| McpError::auth(name, e))?;
    let Some(credentials) = saved.and_then(|saved| saved.credentials) else {
        return Ok(StoredLogin::None);
    };
    let Some(token) = credentials.token_response.as_ref() else {
        return Ok(StoredLogin::None);
    };
    let expires_in_secs =
        token
            .expires_in()
            .zip(credentials.token_received_at)
            .map(|(lifetime, received)| {
                (received + lifetime.as_secs()) as i64 - now_epoch_secs() as i64
            });
    Ok(StoredLogin::Stored {
        expires_in_secs,
        refreshable: token.refresh_token().is_some(),
        scopes: credentials.granted_scopes.clone(),
    })
}

/// Deletes the server's stored credentials; whether there were any.
pub fn logout(dir: &Path, name: &str, server: &McpServer) -> Result<bool, McpError> {
    let url = http_url(name, server)?;
    let path = credentials_path(dir, name, url);
    let mut lock = path.clone().into_os_string();
    lock.push(".lock");
    let _ = std::fs::remove_file(lock);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(McpError::auth(
            name,
            format!("cannot remove {}: {e}", path.display()),
        )),
    }
}

/// The authorization manager a connection to `name` sends its requests through, or `None`
/// when there is nothing to authorize with (no stored login, no client credentials): then the
/// requests go out bare and a 401 becomes [`McpError::AuthRequired`].
pub(super) async fn authorizer(
    name: &str,
    server: &McpServer,
    dir: Option<&Path>,
) -> Result<Option<AuthorizationManager>, McpError> {
    let settings = server.oauth.clone().unwrap_or_default();
    let (Some(dir), Some(url)) = (dir, server.url.as_deref()) else {
        return Ok(None);
    };
    let path = credentials_path(dir, name, url);
    let saved = CredentialFile::read(&path).map_err(|e| McpError::auth(name, e))?;
    if settings.grant == OAuthGrant::ClientCredentials {
        let manager = client_credentials(name, url, &settings, path, false).await?;
        return Ok(Some(manager));
    }
    let Some(saved) = saved else {
        return Ok(None);
    };
    let Some(stored) = saved.credentials.as_ref() else {
        return Ok(None);
    };
    let client_secret = if settings.client_id.as_deref() == Some(&stored.client_id) {
        configured_secret(name, &settings)?
    } else {
        saved.client_secret.clone()
    };
    let mut manager = manager_for(name, url).await?;
    manager.set_credential_store(CredentialFile::new(path, url, saved.client_secret.clone()));
    let resolution = manager
        .resolve_metadata()
        .await
        .map_err(|e| McpError::auth(name, format!("discovery: {e}")))?;
    manager.set_metadata(resolution.metadata);
    // The redirect URI only matters for an authorization request, which a connection never
    // makes; refreshing needs the client and its secret.
    let mut client = OAuthClientConfig::new(stored.client_id.clone(), "http://127.0.0.1/callback");
    if let Some(secret) = client_secret {
        client = client.with_client_secret(secret);
    }
    manager
        .configure_client(client)
        .map_err(|e| McpError::auth(name, e))?;
    Ok(Some(manager))
}

/// How `login` gets the user's browser to the authorization URL.
pub enum UserAgent<'a> {
    /// Hand the URL to someone (print it, open a browser); the loopback listener waits for the
    /// browser to come back.
    Person(&'a (dyn Fn(&str) + Sync)),
    /// Fetch the URL with an HTTP client that follows the redirect back to the loopback
    /// listener: for authorization servers that approve without asking anyone (test servers,
    /// the conformance suite).
    Unattended,
}

/// How to log in.
pub struct LoginOptions<'a> {
    pub user_agent: UserAgent<'a>,
    /// The server's `WWW-Authenticate` challenge, when a request already got one (a step-up to
    /// more scopes); otherwise `login` asks the server for it.
    pub challenge: Option<String>,
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
}

/// What a login did (never the tokens).
#[derive(Debug, Clone, Serialize)]
pub struct LoginReport {
    pub server: String,
    pub grant: OAuthGrant,
    pub client_id: String,
    /// The client was registered just now (dynamic client registration).
    pub registered: bool,
    pub scopes: Vec<String>,
    pub expires_in_secs: Option<u64>,
    pub refreshable: bool,
    pub credentials_file: PathBuf,
}

/// Logs in to `name` and stores the credentials in `dir`: client credentials when configured,
/// otherwise the authorization code flow — discovery (protected resource metadata, then the
/// authorization server's), registration when no client is configured, PKCE, a loopback
/// redirect on 127.0.0.1, the code exchanged for tokens.
pub async fn login(
    name: &str,
    server: &McpServer,
    dir: &Path,
    options: LoginOptions<'_>,
) -> Result<LoginReport, McpError> {
    let url = http_url(name, server)?;
    let settings = server.oauth.clone().unwrap_or_default();
    let path = credentials_path(dir, name, url);
    if settings.grant == OAuthGrant::ClientCredentials {
        let manager = client_credentials(name, url, &settings, path.clone(), true).await?;
        let stored = manager
            .get_credentials()
            .await
            .map_err(|e| McpError::auth(name, e))?;
        return Ok(report(name, &settings, stored, false, &path));
    }
    let previous_scopes = CredentialFile::read(&path)
        .ok()
        .flatten()
        .and_then(|saved| saved.credentials)
        .map(|stored| stored.granted_scopes)
        .unwrap_or_default();
    let challenge = match options.challenge {
        Some(challenge) => Some(challenge),
        None => challenge_of(name, server, url).await?,
    };

    let mut manager = manager_for(name, url).await?;
    let resolution = manager
        .resolve_metadata_from_challenge(challenge.as_deref())
        .await
        .map_err(|e| McpError::auth(name, format!("discovery: {e}")))?;
    if !resolution.source.is_discovered() && challenge.is_none() {
        return Err(McpError::auth(
            name,
            "the server neither asks for authorization nor publishes OAuth metadata",
        ));
    }
    let supports_client_metadata_documents = resolution
        .metadata
        .additional_fields
        .get("client_id_metadata_document_supported")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    manager.set_metadata(resolution.metadata);

    let listener = RedirectListener::bind(settings.redirect_port.unwrap_or(0))
        .await
        .map_err(|e| McpError::auth(name, e))?;
    let redirect_uri = listener.redirect_uri();

    let mut scopes = if settings.scopes.is_empty() {
        manager.select_scopes(None, &[])
    } else {
        settings.scopes.clone()
    };
    for scope in previous_scopes {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }

    let mut request = AuthorizationRequest::new(&redirect_uri)
        .with_client_name(CLIENT_NAME)
        .with_scopes(scopes.clone());
    let mut registered_secret = None;
    let mut registered = false;
    if let Some(client_id) = &settings.client_id {
        request = request.with_preregistered_client(client_id);
        if let Some(secret) = configured_secret(name, &settings)? {
            request = request.with_client_secret(secret);
        }
    } else if let Some(document) = settings
        .client_metadata_url
        .as_deref()
        .filter(|_| supports_client_metadata_documents)
    {
        request = request.with_client_metadata_url(document);
    } else {
        // Registered here rather than inside rmcp's session so that the secret the server
        // issues can be stored: refreshing later needs it.
        let scope_refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
        let client = manager
            .register_client(CLIENT_NAME, &redirect_uri, &scope_refs)
            .await
            .map_err(|e| McpError::auth(name, e))?;
        request = request.with_preregistered_client(client.client_id);
        if let Some(secret) = client.client_secret {
            request = request.with_client_secret(secret.clone());
            registered_secret = Some(secret);
        }
        registered = true;
    }
    manager.set_credential_store(CredentialFile::new(path.clone(), url, registered_secret));

    let session = AuthorizationSession::new(manager, request)
        .await
        .map_err(|(_, e)| McpError::auth(name, e))?;
    let authorization_url = session.get_authorization_url().to_string();
    let callback = listener.accept_callback(options.timeout);
    let callback = match options.user_agent {
        UserAgent::Person(open) => {
            open(&authorization_url);
            callback.await
        }
        UserAgent::Unattended => {
            tokio::try_join!(callback, fetch(&authorization_url)).map(|(callback, ())| callback)
        }
    }
    .map_err(|e| McpError::auth(name, e))?;
    session
        .handle_callback_url(&callback)
        .await
        .map_err(|e| McpError::auth(name, e))?;
    let stored = session
        .get_credentials()
        .await
        .map_err(|e| McpError::auth(name, e))?;
    Ok(report(name, &settings, stored, registered, &path))
}

fn report(
    name: &str,
    settings: &McpOAuth,
    (client_id, token): (String, Option<rmcp::transport::auth::OAuthTokenResponse>),
    registered: bool,
    path: &Path,
) -> LoginReport {
    let granted = CredentialFile::read(path)
        .ok()
        .flatten()
        .and_then(|saved| saved.credentials)
        .map(|stored| stored.granted_scopes)
        .unwrap_or_default();
    LoginReport {
        server: name.to_string(),
        grant: settings.grant,
        client_id,
        registered,
        scopes: granted,
        expires_in_secs: token
            .as_ref()
            .and_then(|t| t.expires_in())
            .map(|d| d.as_secs()),
        refreshable: token.as_ref().is_some_and(|t| t.refresh_token().is_some()),
        credentials_file: path.to_path_buf(),
    }
}

/// A manager for the client credentials grant, holding a valid token: the stored one while it
/// lasts (unless `fresh`), otherwise a new one bought with the configured client's secret.
async fn client_credentials(
    name: &str,
    url: &str,
    settings: &McpOAuth,
    path: PathBuf,
    fresh: bool,
) -> Result<AuthorizationManager, McpError> {
    let client_id = settings.client_id.clone().ok_or_else(|| {
        McpError::config(
            name,
            "oauth.grant `client_credentials` needs oauth.client_id",
        )
    })?;
    let client_secret = configured_secret(name, settings)?.ok_or_else(|| {
        McpError::config(
            name,
            "oauth.grant `client_credentials` needs oauth.client_secret_env",
        )
    })?;
    let mut manager = manager_for(name, url).await?;
    manager.set_credential_store(CredentialFile::new(path, url, None));
    let resolution = manager
        .resolve_metadata()
        .await
        .map_err(|e| McpError::auth(name, format!("discovery: {e}")))?;
    manager.set_metadata(resolution.metadata);
    let config = ClientCredentialsConfig::ClientSecret {
        client_id,
        client_secret,
        scopes: settings.scopes.clone(),
        resource: Some(url.to_string()),
    };
    let auth = |e: AuthError| McpError::auth(name, e);
    manager
        .validate_client_credentials_metadata(&config)
        .map_err(auth)?;
    manager
        .configure_client_credentials(&config)
        .map_err(auth)?;
    if fresh || manager.get_access_token().await.is_err() {
        manager
            .exchange_client_credentials(&config)
            .await
            .map_err(auth)?;
    }
    Ok(manager)
}

async fn manager_for(name: &str, url: &str) -> Result<AuthorizationManager, McpError> {
    AuthorizationManager::new(url)
        .await
        .map_err(|e| McpError::auth(name, e))
}

/// The secret of the configured client, read from the environment variable the configuration
/// names.
fn configured_secret(name: &str, settings: &McpOAuth) -> Result<Option<String>, McpError> {
    let Some(variable) = &settings.client_secret_env else {
        return Ok(None);
    };
    match std::env::var(variable) {
        Ok(secret) if !secret.is_empty() => Ok(Some(secret)),
        _ => Err(McpError::config(
            name,
            format!("oauth.client_secret_env: the environment variable `{variable}` is not set"),
        )),
    }
}

fn http_url<'a>(name: &str, server: &'a McpServer) -> Result<&'a str, McpError> {
    if server.transport != McpTransport::Http {
        return Err(McpError::config(
            name,
            "OAuth is for http (streamable HTTP) servers only",
        ));
    }
    server
        .url
        .as_deref()
        .ok_or_else(|| McpError::config(name, "an http server needs `url`"))
}

/// The server's `WWW-Authenticate` challenge to an unauthenticated `initialize`, if it sends
/// one: its `resource_metadata` and `scope` steer discovery and the scopes asked for.
async fn challenge_of(
    name: &str,
    server: &McpServer,
    url: &str,
) -> Result<Option<String>, McpError> {
    let initialize = serde_json::json!({
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": super::PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": CLIENT_NAME, "version": env!("CARGO_PKG_VERSION")},
        },
    });
    let mut request = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&initialize)
        .timeout(Duration::from_secs(30));
    for (key, value) in &server.headers {
        request = request.header(key, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| McpError::connect(name, e))?;
    Ok(response
        .headers()
        .get(http::header::WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string))
}

/// Follows the authorization URL's redirects, which end at the loopback listener.
async fn fetch(url: &str) -> Result<(), String> {
    let response = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("fetching the authorization URL: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "the authorization URL answered {}",
            response.status()
        ))
    }
}

/// The loopback redirect target of the authorization code flow (RFC 8252 §7.3).
struct RedirectListener {
    listener: TcpListener,
    port: u16,
}

impl RedirectListener {
    async fn bind(port: u16) -> Result<RedirectListener, String> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port} for the redirect: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        Ok(RedirectListener { listener, port })
    }

    fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Waits for the browser's `GET /callback?code=…&state=…` (other requests, such as a
    /// favicon, get a 404) and returns its full URL; an `error` the authorization server sent
    /// back fails the login.
    async fn accept_callback(&self, timeout: Duration) -> Result<String, String> {
        let wait = async {
            loop {
                let (mut stream, _) = self
                    .listener
                    .accept()
                    .await
                    .map_err(|e| format!("redirect listener: {e}"))?;
                let Some(target) = read_request_target(&mut stream).await else {
                    continue;
                };
                let url = format!("http://127.0.0.1:{}{target}", self.port);
                let Some(query) = url::Url::parse(&url)
                    .ok()
                    .filter(|u| u.path() == "/callback")
                    .map(|u| u.query_pairs().into_owned().collect::<HashMap<_, _>>())
                else {
                    respond(&mut stream, "404 Not Found", "Not found.").await;
                    continue;
                };
                if let Some(error) = query.get("error") {
                    respond(&mut stream, "400 Bad Request", "Authorization failed.").await;
                    let description = query
                        .get("error_description")
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default();
                    return Err(format!(
                        "the authorization server answered `{error}`{description}"
                    ));
                }
                if !query.contains_key("code") {
                    respond(&mut stream, "400 Bad Request", "No authorization code.").await;
                    continue;
                }
                respond(
                    &mut stream,
                    "200 OK",
                    "cchost is authorized. You can close this window.",
                )
                .await;
                return Ok(url);
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| {
            format!(
                "the browser did not come back to {} within {} s",
                self.redirect_uri(),
                timeout.as_secs()
            )
        })?
    }
}

/// The target of an HTTP GET request line (`/callback?…`), reading up to the end of the
/// headers.
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        if request.len() > MAX_CALLBACK_REQUEST {
            return None;
        }
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let line = request.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    (parts.next()? == "GET").then_some(())?;
    parts.next().map(str::to_string)
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, text: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn now_epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The last authorization challenge a connection's requests got: a 401 (`insufficient_scope`
/// false) or a 403 asking for more scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub www_authenticate: String,
    pub insufficient_scope: bool,
}

/// An HTTP client that remembers the server's authorization challenges, so that the request
/// that failed with one can be reported as "log in", not as a dropped connection.
#[derive(Clone)]
pub(super) struct ChallengeWatch<C> {
    inner: C,
    seen: Arc<Mutex<Option<Challenge>>>,
}

/// The remembering side of [`ChallengeWatch`].
#[derive(Clone, Default)]
pub(super) struct ChallengeSeen(Arc<Mutex<Option<Challenge>>>);

impl ChallengeSeen {
    pub fn take(&self) -> Option<Challenge> {
        self.0.lock().expect("challenge lock").take()
    }
}

impl<C> ChallengeWatch<C> {
    pub fn new(inner: C) -> (ChallengeWatch<C>, ChallengeSeen) {
        let seen = ChallengeSeen::default();
        let watch = ChallengeWatch {
            inner,
            seen: seen.0.clone(),
        };
        (watch, seen)
    }

    fn note<T, E>(
        &self,
        result: Result<T, StreamableHttpError<E>>,
    ) -> Result<T, StreamableHttpError<E>>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        if let Err(error) = &result {
            let challenge = match error {
                StreamableHttpError::AuthRequired(e) => Some(Challenge {
                    www_authenticate: e.www_authenticate_header.clone(),
                    insufficient_scope: false,
                }),
                StreamableHttpError::InsufficientScope(e) => Some(Challenge {
                    www_authenticate: e.www_authenticate_header.clone(),
                    insufficient_scope: true,
                }),
                _ => None,
            };
            if let Some(challenge) = challenge {
                *self.seen.lock().expect("challenge lock") = Some(challenge);
            }
        }
        result
    }
}

impl<C: StreamableHttpClient + Sync> StreamableHttpClient for ChallengeWatch<C> {
    type Error = C::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        self.note(
            self.inner
                .post_message(uri, message, session_id, auth_header, custom_headers)
                .await,
        )
    }

    async fn post_message_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        self.note(
            self.inner
                .post_message_with_max_sse_event_size(
                    uri,
                    message,
                    session_id,
                    auth_header,
                    custom_headers,
                    max_sse_event_size,
                )
                .await,
        )
    }

    async fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        self.note(
            self.inner
                .post_message_with_response_limits(
                    uri,
                    message,
                    session_id,
                    auth_header,
                    custom_headers,
                    limits,
                )
                .await,
        )
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), StreamableHttpError<Self::Error>> {
        // A refused DELETE at the end of a session is no reason to ask for a login.
        self.inner
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<BoxStream<'static, Result<Sse, SseError>>, StreamableHttpError<Self::Error>> {
        self.note(
            self.inner
                .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
                .await,
        )
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<BoxStream<'static, Result<Sse, SseError>>, StreamableHttpError<Self::Error>> {
        self.note(
            self.inner
                .get_stream_with_max_sse_event_size(
                    uri,
                    session_id,
                    last_event_id,
                    auth_header,
                    custom_headers,
                    max_sse_event_size,
                )
                .await,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(port: u16, target: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn the_credentials_file_is_private_and_replaced_whole() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("cchost/mcp-credentials");
        let path = credentials_path(&dir, "remote", "https://mcp.example.com/mcp");
        let store = CredentialFile::new(
            path.clone(),
            "https://mcp.example.com/mcp",
            Some("issued-secret".into()),
        );
        assert!(store.load().await.unwrap().is_none());
        let credentials =
            StoredCredentials::new("client-1".into(), None, vec!["mcp:tools".into()], Some(1));
        store.save(credentials).await.unwrap();
        let mode = |path: &Path| path.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
        let loaded = store.load().await.unwrap().unwrap();
        assert_eq!(loaded.client_id, "client-1");
        assert_eq!(loaded.granted_scopes, ["mcp:tools"]);
        let saved = CredentialFile::read(&path).unwrap().unwrap();
        assert_eq!(saved.client_secret.as_deref(), Some("issued-secret"));
        // Only the credentials file is left: the temporary file was renamed over it.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        store.clear().await.unwrap();
        assert!(!path.exists());
        store.clear().await.unwrap();
    }

    #[tokio::test]
    async fn refreshes_of_one_file_take_turns() {
        let home = tempfile::tempdir().unwrap();
        let path = credentials_path(home.path(), "remote", "https://mcp.example.com/mcp");
        let store = CredentialFile::new(path.clone(), "https://mcp.example.com/mcp", None);
        let other = CredentialFile::new(path, "https://mcp.example.com/mcp", None);
        let held = store.acquire_refresh_guard().await.unwrap();
        assert!(held.is_some());
        let waiting = tokio::spawn(async move { other.acquire_refresh_guard().await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "the second refresh did not wait");
        drop(held);
        let second = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the second refresh goes ahead once the first is done");
        assert!(second.unwrap().unwrap().is_some());
    }

    #[test]
    fn a_credentials_file_belongs_to_one_name_and_url() {
        let dir = Path::new("/data");
        let a = credentials_path(dir, "remote", "https://a.example/mcp");
        let b = credentials_path(dir, "remote", "https://b.example/mcp");
        assert_ne!(a, b);
        let file = a.file_name().unwrap().to_str().unwrap();
        assert!(
            file.starts_with("remote-") && file.ends_with(".json"),
            "{file}"
        );
        assert_eq!(file.len(), "remote-".len() + 12 + ".json".len());
    }

    #[tokio::test]
    async fn the_redirect_listener_returns_the_callback_and_ignores_other_paths() {
        let listener = RedirectListener::bind(0).await.unwrap();
        let port = listener.port;
        assert_eq!(
            listener.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback")
        );
        let browser = tokio::spawn(async move {
            let favicon = get(port, "/favicon.ico").await;
            let callback = get(port, "/callback?code=abc&state=xyz").await;
            (favicon, callback)
        });
        let url = listener
            .accept_callback(Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            url,
            format!("http://127.0.0.1:{port}/callback?code=abc&state=xyz")
        );
        let (favicon, callback) = browser.await.unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(callback.starts_with("HTTP/1.1 200"), "{callback}");
        assert!(callback.contains("cchost is authorized"), "{callback}");
    }

    #[tokio::test]
    async fn the_redirect_listener_reports_a_refusal_and_gives_up_in_time() {
        let listener = RedirectListener::bind(0).await.unwrap();
        let port = listener.port;
        let browser = tokio::spawn(async move {
            get(
                port,
                "/callback?error=access_denied&error_description=user%20said%20no",
            )
            .await
        });
        let error = listener
            .accept_callback(Duration::from_secs(10))
            .await
            .unwrap_err();
        assert_eq!(
            error,
            "the authorization server answered `access_denied`: user said no"
        );
        assert!(browser.await.unwrap().starts_with("HTTP/1.1 400"));

        let error = listener
            .accept_callback(Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(error.contains("did not come back"), "{error}");
    }

    #[test]
    fn the_oauth_table_parses_and_rejects_unknown_keys() {
        let server: McpServer = toml::from_str(
            "type = \"http\"\nurl = \"https://mcp.example.com/mcp\"\n[oauth]\n\
             grant = \"client_credentials\"\nclient_id = \"ci\"\n\
             client_secret_env = \"CI_SECRET\"\nscopes = [\"a\", \"b\"]\nredirect_port = 8976\n",
        )
        .unwrap();
        let oauth = server.oauth.unwrap();
        assert_eq!(oauth.grant, OAuthGrant::ClientCredentials);
        assert_eq!(oauth.client_secret_env.as_deref(), Some("CI_SECRET"));
        assert_eq!(oauth.scopes, ["a", "b"]);
        assert_eq!(oauth.redirect_port, Some(8976));
        let error = toml::from_str::<McpServer>("[oauth]\nclient_secret = \"oops\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `client_secret`"), "{error}");
    }

    #[test]
    fn a_missing_secret_variable_names_the_server_and_the_key() {
        let settings = McpOAuth {
            client_id: Some("ci".into()),
            client_secret_env: Some("CCHOST_TEST_SURELY_UNSET_SECRET".into()),
            ..McpOAuth::default()
        };
        let error = configured_secret("remote", &settings)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "MCP server `remote`: oauth.client_secret_env: the environment variable \
             `CCHOST_TEST_SURELY_UNSET_SECRET` is not set"
        );
    }
}
