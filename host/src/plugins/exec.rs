//! The host side of `exec`, the one sanctioned way out of the sandbox: which commands a plugin
//! may run (an argv starting with a granted prefix, in a granted directory), and running them
//! with no shell, a clean environment, stdin closed, a timeout that kills the whole process
//! group, and output capped to its tail. Every attempt — run, refused or failed to start — is
//! kept as an [`ExecAttempt`] so the caller can log it and report refusals.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rustix::process::{Pid, Signal, kill_process_group};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::grants::EffectiveRights;

/// A command's wall time when the plugin does not ask for one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// The longest a plugin may ask for.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// How much of each of stdout and stderr is kept (the end of it).
pub const OUTPUT_CAP_BYTES: usize = 1 << 20;
/// How long output is still collected after the program ended or was killed: a descendant that
/// left the process group may hold the pipes open forever.
const DRAIN_GRACE: Duration = Duration::from_secs(1);

/// A command a plugin asked to run.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    pub argv: Vec<String>,
    pub cwd: String,
    pub timeout: Option<Duration>,
}

/// What a command that ran produced.
#[derive(Debug, Clone, Default)]
pub struct ExecOutput {
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
    pub timed_out: bool,
    pub duration: Duration,
}

/// Why a command did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "refusal", content = "reason", rename_all = "kebab-case")]
pub enum ExecRefusal {
    /// Not granted.
    Denied(String),
    /// Granted, but it could not be started.
    Failed(String),
}

/// One attempt to run a command, for the log and the gate report.
#[derive(Debug, Clone, Serialize)]
pub struct ExecAttempt {
    pub argv: Vec<String>,
    pub cwd: String,
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum AttemptOutcome {
    Ran {
        exit_code: Option<i32>,
        timed_out: bool,
        duration_ms: u64,
    },
    Denied {
        reason: String,
    },
    Failed {
        reason: String,
    },
}

impl ExecAttempt {
    pub fn is_denied(&self) -> bool {
        matches!(self.outcome, AttemptOutcome::Denied { .. })
    }

    /// One line for people: the command and what became of it.
    pub fn describe(&self) -> String {
        let command = shell_words(&self.argv);
        match &self.outcome {
            AttemptOutcome::Ran {
                timed_out: true,
                duration_ms,
                ..
            } => format!("ran `{command}`: killed after the {duration_ms} ms timeout"),
            AttemptOutcome::Ran {
                exit_code,
                duration_ms,
                ..
            } => {
                let status = exit_code.map_or("ended by a signal".to_string(), |code| {
                    format!("exit code {code}")
                });
                format!("ran `{command}`: {status} after {duration_ms} ms")
            }
            AttemptOutcome::Denied { reason } => format!("refused `{command}`: {reason}"),
            AttemptOutcome::Failed { reason } => format!("could not start `{command}`: {reason}"),
        }
    }
}

/// argv as one line, quoted where a word needs it (for messages only; never executed).
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A command that passed the grant check, ready to run.
#[derive(Debug)]
struct Authorized {
    program: PathBuf,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    timeout: Duration,
}

/// Checks `request` against the plugin's rights: an argv starting with a granted prefix, a
/// working directory inside a granted directory, and a program that exists.
fn authorize(
    plugin: &str,
    rights: &EffectiveRights,
    request: &ExecRequest,
) -> Result<Authorized, ExecRefusal> {
    let denied = |why: String| Err(ExecRefusal::Denied(why));
    if rights.exec.is_empty() {
        return denied(format!(
            "plugin `{plugin}` has no `exec` grant: its manifest must declare the command \
             (exec = [[\"program\", …]]) and the configuration grant it under \
             [plugins.{plugin}.grant]"
        ));
    }
    if !rights
        .exec
        .iter()
        .any(|prefix| request.argv.starts_with(prefix))
    {
        let granted: Vec<String> = rights.exec.iter().map(|p| shell_words(p)).collect();
        return denied(format!(
            "plugin `{plugin}` may run only commands starting with `{}`",
            granted.join("`, `")
        ));
    }
    let cwd = Path::new(&request.cwd);
    let real_cwd = cwd
        .is_absolute()
        .then(|| cwd.canonicalize().ok())
        .flatten()
        .filter(|real| real.is_dir());
    let Some(cwd) = real_cwd else {
        return denied(format!(
            "working directory `{}` is not an existing absolute directory",
            request.cwd
        ));
    };
    if !rights.files.iter().any(|(dir, _)| cwd.starts_with(dir)) {
        return denied(format!(
            "working directory `{}` is outside the directories granted to plugin `{plugin}`",
            request.cwd
        ));
    }
    let program = find_program(&request.argv[0]).map_err(ExecRefusal::Failed)?;
    let env = rights
        .env
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|value| (name.clone(), value)))
        .collect();
    Ok(Authorized {
        program,
        cwd,
        env,
        timeout: request.timeout.unwrap_or(DEFAULT_TIMEOUT).min(MAX_TIMEOUT),
    })
}

/// An absolute program path as is, a bare name through the absolute directories of the host's
/// PATH.
fn find_program(program: &str) -> Result<PathBuf, String> {
    let is_executable = |path: &Path| {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if Path::new(program).is_absolute() {
        return if is_executable(Path::new(program)) {
            Ok(PathBuf::from(program))
        } else {
            Err(format!("`{program}` is not an executable file"))
        };
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        // A relative entry (`.`, empty) would let the project being judged supply the program.
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| format!("program `{program}` was not found on PATH"))
}

/// Runs `request` for `plugin` if its rights allow it, logging the attempt.
pub async fn run(
    plugin: &str,
    rights: &EffectiveRights,
    request: &ExecRequest,
) -> (ExecAttempt, Result<ExecOutput, ExecRefusal>) {
    let result = match authorize(plugin, rights, request) {
        Ok(authorized) => spawn_and_wait(&request.argv, authorized)
            .await
            .map_err(ExecRefusal::Failed),
        Err(refusal) => Err(refusal),
    };
    let outcome = match &result {
        Ok(output) => AttemptOutcome::Ran {
            exit_code: output.exit_code,
            timed_out: output.timed_out,
            duration_ms: output.duration.as_millis() as u64,
        },
        Err(ExecRefusal::Denied(reason)) => AttemptOutcome::Denied {
            reason: reason.clone(),
        },
        Err(ExecRefusal::Failed(reason)) => AttemptOutcome::Failed {
            reason: reason.clone(),
        },
    };
    let attempt = ExecAttempt {
        argv: request.argv.clone(),
        cwd: request.cwd.clone(),
        outcome,
    };
    if attempt.is_denied() {
        tracing::warn!(plugin, "exec: {}", attempt.describe());
    } else {
        tracing::info!(plugin, cwd = %attempt.cwd, "exec: {}", attempt.describe());
    }
    (attempt, result)
}

async fn spawn_and_wait(argv: &[String], authorized: Authorized) -> Result<ExecOutput, String> {
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&authorized.program)
        .arg0(&argv[0])
        .args(&argv[1..])
        .current_dir(&authorized.cwd)
        .env_clear()
        .envs(authorized.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout (or the plugin's end) reaches every descendant.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("start {}: {e}", authorized.program.display()))?;
    let group = GroupKiller(child.id().and_then(|id| Pid::from_raw(id as i32)));
    let stdout = Tail::collect(child.stdout.take());
    let stderr = Tail::collect(child.stderr.take());

    let (status, timed_out) = match tokio::time::timeout(authorized.timeout, child.wait()).await {
        Ok(status) => (
            Some(status.map_err(|e| format!("wait for the program: {e}"))?),
            false,
        ),
        Err(_elapsed) => {
            group.kill();
            let _ = child.wait().await;
            (None, true)
        }
    };
    // Whatever the program left running in its group goes with it.
    group.kill();
    let (stdout, stdout_cut) = stdout.finish().await;
    let (stderr, stderr_cut) = stderr.finish().await;
    Ok(ExecOutput {
        exit_code: status.and_then(|s| s.code()),
        stdout,
        stderr,
        truncated: stdout_cut || stderr_cut,
        timed_out,
        duration: started.elapsed(),
    })
}

/// Kills a process group when asked and when dropped (the plugin's call was abandoned).
struct GroupKiller(Option<Pid>);

impl GroupKiller {
    fn kill(&self) {
        if let Some(group) = self.0 {
            let _ = kill_process_group(group, Signal::KILL);
        }
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last [`OUTPUT_CAP_BYTES`] of a pipe, read by a task of its own so a full pipe never
/// stalls the program.
struct Tail {
    buffer: Arc<Mutex<TailBuffer>>,
    reader: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Default)]
struct TailBuffer {
    bytes: std::collections::VecDeque<u8>,
    dropped: bool,
}

impl Tail {
    fn collect(pipe: Option<impl AsyncRead + Unpin + Send + 'static>) -> Tail {
        let buffer = Arc::new(Mutex::new(TailBuffer::default()));
        let reader = pipe.map(|mut pipe| {
            let buffer = buffer.clone();
            tokio::spawn(async move {
                let mut chunk = vec![0u8; 64 << 10];
                while let Ok(n @ 1..) = pipe.read(&mut chunk).await {
                    let mut tail = buffer.lock().unwrap_or_else(|p| p.into_inner());
                    tail.bytes.extend(&chunk[..n]);
                    let excess = tail.bytes.len().saturating_sub(OUTPUT_CAP_BYTES);
                    if excess > 0 {
                        tail.bytes.drain(..excess);
                        tail.dropped = true;
                    }
                }
            })
        });
        Tail { buffer, reader }
    }

    /// The text read so far, once the pipe closes or the grace period ends.
    async fn finish(mut self) -> (String, bool) {
        if let Some(reader) = self.reader.take() {
            let abort = reader.abort_handle();
            if tokio::time::timeout(DRAIN_GRACE, reader).await.is_err() {
                abort.abort();
            }
        }
        let tail = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        let bytes: Vec<u8> = tail.bytes.iter().copied().collect();
        (String::from_utf8_lossy(&bytes).into_owned(), tail.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::grants::Access;

    fn rights(prefixes: &[&[&str]], dir: &Path, env: &[&str]) -> EffectiveRights {
        EffectiveRights {
            files: vec![(dir.canonicalize().unwrap(), Access::Read)],
            env: env.iter().map(|s| s.to_string()).collect(),
            exec: prefixes
                .iter()
                .map(|p| p.iter().map(|s| s.to_string()).collect())
                .collect(),
            ..EffectiveRights::default()
        }
    }

    fn request(argv: &[&str], cwd: &Path) -> ExecRequest {
        ExecRequest {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: cwd.display().to_string(),
            timeout: None,
        }
    }

    #[tokio::test]
    async fn a_granted_prefix_runs_with_a_clean_environment() {
        let dir = tempfile::tempdir().unwrap();
        let rights = rights(&[&["env"]], dir.path(), &["PATH"]);
        let (attempt, output) = run("p", &rights, &request(&["env"], dir.path())).await;
        let output = output.unwrap();
        assert_eq!(output.exit_code, Some(0));
        let names: Vec<&str> = output
            .stdout
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k))
            .collect();
        assert_eq!(names, ["PATH"], "only granted variables: {}", output.stdout);
        assert!(attempt.describe().contains("exit code 0"), "{attempt:?}");
    }

    #[tokio::test]
    async fn commands_outside_the_grant_are_denied_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let rights = rights(&[&["touch", "harmless"]], dir.path(), &[]);
        for argv in [
            vec!["touch", marker.to_str().unwrap()],
            vec!["touc", "harmless"],
            vec!["sh", "-c", "touch harmless"],
            vec![],
        ] {
            let (attempt, result) = run("p", &rights, &request(&argv, dir.path())).await;
            assert!(attempt.is_denied(), "{argv:?}: {attempt:?}");
            assert!(
                matches!(result, Err(ExecRefusal::Denied(ref why)) if why.contains("touch harmless")),
                "{result:?}"
            );
        }
        assert!(!marker.exists());
        let (attempt, _) = run(
            "p",
            &EffectiveRights::default(),
            &request(&["touch"], dir.path()),
        )
        .await;
        assert!(
            attempt.describe().contains("no `exec` grant"),
            "{attempt:?}"
        );
    }

    #[tokio::test]
    async fn the_working_directory_must_be_granted() {
        let granted = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let rights = rights(&[&["true"]], granted.path(), &[]);
        for cwd in [
            other.path().to_path_buf(),
            granted.path().join(".."),
            PathBuf::from("relative"),
        ] {
            let (attempt, _) = run("p", &rights, &request(&["true"], &cwd)).await;
            assert!(attempt.is_denied(), "{cwd:?}: {attempt:?}");
        }
        let sub = granted.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let (_, result) = run("p", &rights, &request(&["true"], &sub)).await;
        assert_eq!(result.unwrap().exit_code, Some(0));
    }

    #[tokio::test]
    async fn a_missing_program_fails_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let rights = rights(&[&["no-such-program-cchost"]], dir.path(), &["PATH"]);
        let (_, result) = run(
            "p",
            &rights,
            &request(&["no-such-program-cchost"], dir.path()),
        )
        .await;
        assert!(
            matches!(result, Err(ExecRefusal::Failed(ref why)) if why.contains("no-such-program-cchost")),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        // A child that starts a grandchild which would outlive it, then waits.
        let script = dir.path().join("spawn.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\nsleep 30 &\necho $! > grandchild.pid\necho started\nwait\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let rights = rights(&[&[script.to_str().unwrap()]], dir.path(), &["PATH"]);
        let mut request = request(&[script.to_str().unwrap()], dir.path());
        request.timeout = Some(Duration::from_millis(500));
        let (_, result) = run("p", &rights, &request).await;
        let output = result.unwrap();
        assert!(output.timed_out && output.exit_code.is_none(), "{output:?}");
        assert_eq!(output.stdout, "started\n");
        let grandchild: i32 = std::fs::read_to_string(dir.path().join("grandchild.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        // Reaped by init or a zombie at most: either way no longer running.
        let state = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        let running = state
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|s| s != "Z" && s != "X");
        assert!(!running, "grandchild {grandchild} survived: {state}");
    }

    #[tokio::test]
    async fn output_keeps_the_tail_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let rights = rights(&[&["head"]], dir.path(), &[]);
        let size = (OUTPUT_CAP_BYTES * 3).to_string();
        let (_, result) = run(
            "p",
            &rights,
            &request(&["head", "-c", &size, "/dev/zero"], dir.path()),
        )
        .await;
        let output = result.unwrap();
        assert_eq!(output.exit_code, Some(0));
        assert!(output.truncated);
        assert_eq!(output.stdout.len(), OUTPUT_CAP_BYTES);
    }
}
