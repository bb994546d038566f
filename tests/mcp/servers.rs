//! The real MCP servers the tests talk to: the npm reference servers (and a Node 22 for the
//! conformance suite) plus a server on the official Python SDK, installed on first use from the
//! pinned `tests/mcp/servers/package-lock.json` and `requirements.txt`, and started on free
//! ports when a test needs an HTTP one. The same installation brings the published report
//! schemas and their Python validators that `tests/e2e/reports.rs` uses (it includes this file).

use std::{
    fs::File,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

/// The installed servers; installing them once per machine (`npm ci`, a Python venv).
pub fn dir() -> &'static Path {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/mcp/servers");
        let dir = dir.canonicalize().expect("tests/mcp/servers exists");
        // Test binaries may run concurrently (cargo test runs them one after the other, but a
        // developer may not): the installation happens under an exclusive file lock.
        let lock = File::create(dir.join(".install.lock")).expect("create install lock");
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).expect("lock");
        install_npm(&dir);
        install_python(&dir);
        dir
    })
}

fn install_npm(dir: &Path) {
    let stamp = dir.join("node_modules/.package-lock.json");
    if is_newer(&stamp, &dir.join("package-lock.json")) {
        return;
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir));
}

fn install_python(dir: &Path) {
    let stamp = dir.join(".venv/installed");
    if is_newer(&stamp, &dir.join("requirements.txt")) {
        return;
    }
    run(Command::new("python3")
        .args(["-m", "venv", "--clear", ".venv"])
        .current_dir(dir));
    run(Command::new(dir.join(".venv/bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ])
        .current_dir(dir));
    std::fs::write(stamp, b"").expect("write venv stamp");
}

fn is_newer(stamp: &Path, source: &Path) -> bool {
    let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
    matches!((modified(stamp), modified(source)), (Some(s), Some(src)) if s >= src)
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

/// An npm server's executable, e.g. `mcp-server-everything`.
pub fn npm_bin(name: &str) -> PathBuf {
    dir().join("node_modules/.bin").join(name)
}

/// The Python interpreter of the venv that has the `mcp` SDK (and `jsonschema`, `xmlschema`).
pub fn python() -> PathBuf {
    dir().join(".venv/bin/python")
}

/// The Python test server script (`py_server.py stdio | sse PORT | streamable-http PORT`).
pub fn python_server() -> PathBuf {
    dir().join("py_server.py")
}

/// An HTTP server process, killed on drop.
pub struct HttpServer {
    child: Child,
    pub port: u16,
}

impl HttpServer {
    /// Starts `program args…` with `PORT` (and the port appended where `port_arg`), then waits
    /// until it accepts connections.
    pub fn start(program: &Path, args: &[&str], port_arg: bool) -> HttpServer {
        let port = free_port();
        let mut command = Command::new(program);
        command.args(args).env("PORT", port.to_string());
        if port_arg {
            command.arg(port.to_string());
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
        let mut server = HttpServer { child, port };
        server.wait_until_listening();
        server
    }

    /// server-everything in `sse` or `streamableHttp` mode.
    pub fn everything(mode: &str) -> HttpServer {
        HttpServer::start(&npm_bin("mcp-server-everything"), &[mode], false)
    }

    /// The Python SDK server in `sse` or `streamable-http` mode.
    pub fn python(mode: &str) -> HttpServer {
        let script = python_server();
        HttpServer::start(&python(), &[script.to_str().unwrap(), mode], true)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server exited before listening: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not listen on port {} within 30 s", self.port);
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("find a free port")
}
