//! `cchost hook`: the drop-in Claude Code hook command, `cchost hook install`, and the whole of
//! `cchost-hook`, the slim executable that answers from the compiled-component cache and hands
//! whatever it cannot answer that way to `cchost hook`.

use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::{
    hooks::{self, ClaudeReply, HookInput, HookSet, wire},
    plugins::{PluginRegistry, grants::PathContext},
    runtime::{Allocation, Compilation, ComponentCache, Failure},
};

/// Names the `cchost` executable `cchost-hook` hands cache misses to; default: `cchost` beside
/// `cchost-hook`, else on `PATH`.
pub const HANDOFF_ENV: &str = "CCHOST_EXE";

/// Largest hook payload read from stdin.
const MAX_PAYLOAD_BYTES: u64 = 64 << 20;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HookArgs {
    /// Event name (e.g. PreToolUse); default: the payload's `hook_event_name`.
    event: Option<String>,
    #[command(subcommand)]
    command: Option<HookCommand>,
}

#[derive(Debug, Subcommand)]
enum HookCommand {
    /// Add `cchost hook` to Claude Code's settings.json, keeping everything already there.
    Install(InstallArgs),
}

#[derive(Debug, Args)]
struct InstallArgs {
    /// The project's shared settings: `<project>/.claude/settings.json` (default).
    #[arg(long, group = "scope")]
    project: bool,
    /// The project's personal settings: `<project>/.claude/settings.local.json`.
    #[arg(long, group = "scope")]
    local: bool,
    /// Your user settings: `~/.claude/settings.json`.
    #[arg(long, group = "scope")]
    user: bool,
    /// Events to hook (repeatable); default: the events bound in cchost's configuration.
    #[arg(long = "event", value_name = "EVENT")]
    events: Vec<String>,
    /// The command Claude Code should run; default: `cchost-hook` beside this executable when it
    /// is installed (the fast path), else this executable's absolute path + ` hook`.
    #[arg(long)]
    command: Option<String>,
    /// Print the resulting settings instead of writing them.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: HookArgs, config: &super::ConfigArgs) -> ExitCode {
    if let Some(HookCommand::Install(install_args)) = args.command {
        return match install(install_args, config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(super::exit::USAGE)
            }
        };
    }
    let reply = match read_payload(args.event.as_deref()) {
        Ok(payload) => match handle_event(&payload, args.event.as_deref(), config, Mode::Full) {
            Answer::Reply(reply) => reply,
            // A full run compiles what is missing; it cannot get here, but it would fail closed.
            Answer::NotCompiled { .. } => wire::render_error(
                args.event.as_deref(),
                "cchost hook: a hook could not be compiled",
            ),
        },
        Err(reply) => reply,
    };
    print_reply(&reply)
}

/// `cchost-hook [EVENT]`: `cchost hook` without `install` or options, for the fast path. It
/// never compiles: when a bound hook is not in the cache yet, it passes the payload to `cchost
/// hook`, which compiles it (and caches it for next time), and answers with what that says.
pub fn run_cached_only() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let event = args.next();
    if args.next().is_some() || event.as_deref().is_some_and(|e| e.starts_with('-')) {
        let help = matches!(event.as_deref(), Some("-h" | "--help"));
        let usage = "usage: cchost-hook [EVENT] < payload.json\n\n\
             The fast Claude Code hook command: runs the WASM hooks configured for the project \
             of the payload's `cwd` from the compiled-component cache, and hands the event to \
             `cchost hook` ($CCHOST_EXE, else the `cchost` beside this executable, else on PATH) \
             when a hook is not compiled yet. For options, use `cchost hook`.";
        return if help {
            println!("{usage}");
            ExitCode::SUCCESS
        } else {
            eprintln!("{usage}");
            ExitCode::from(super::exit::USAGE)
        };
    }
    let reply = match read_payload(event.as_deref()) {
        Ok(payload) => {
            let config = super::ConfigArgs::default();
            match handle_event(&payload, event.as_deref(), &config, Mode::CachedOnly) {
                Answer::Reply(reply) => reply,
                Answer::NotCompiled { event_name } => {
                    hand_over(&payload, event.as_deref(), &event_name)
                }
            }
        }
        Err(reply) => reply,
    };
    print_reply(&reply)
}

/// Whether this process may compile components.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    CachedOnly,
}

enum Answer {
    Reply(ClaudeReply),
    /// A bound hook is not in the cache and this process may not compile it.
    NotCompiled {
        event_name: String,
    },
}

fn print_reply(reply: &ClaudeReply) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(reply.stdout.as_bytes());
    let _ = stdout.flush();
    if !reply.stderr.is_empty() {
        eprintln!("{}", reply.stderr);
    }
    ExitCode::from(reply.exit_code.clamp(0, 255) as u8)
}

/// The payload on stdin; an unreadable one is an error that fails closed when `event_arg` is a
/// permission event.
fn read_payload(event_arg: Option<&str>) -> Result<Vec<u8>, ClaudeReply> {
    let mut payload = Vec::new();
    match std::io::stdin()
        .take(MAX_PAYLOAD_BYTES)
        .read_to_end(&mut payload)
    {
        Ok(_) => Ok(payload),
        Err(e) => Err(wire::render_error(
            event_arg,
            &format!("cchost hook: cannot read stdin: {e}"),
        )),
    }
}

/// Parses the payload, runs the matching hooks and renders Claude Code's answer. Anything that
/// stops cchost itself from deciding fails closed on permission events (see `wire::render_error`).
fn handle_event(
    payload: &[u8],
    event_arg: Option<&str>,
    config: &super::ConfigArgs,
    mode: Mode,
) -> Answer {
    let input = match HookInput::parse(payload, event_arg) {
        Ok(input) => input,
        Err(e) => {
            return Answer::Reply(wire::render_error(
                event_arg,
                &format!("cchost hook: {e:#}"),
            ));
        }
    };
    match decide(&input, config, mode) {
        Ok(answer) => answer,
        Err(e) => Answer::Reply(wire::render_error(
            Some(&input.event_name),
            &format!("cchost hook: {e:#}"),
        )),
    }
}

fn decide(input: &HookInput, config_args: &super::ConfigArgs, mode: Mode) -> Result<Answer> {
    // Claude Code sends an absolute `cwd`; a relative one (hand-written payloads) is taken
    // from where cchost runs.
    let process_cwd = std::env::current_dir().context("determine the working directory")?;
    let cwd = input
        .cwd()
        .map_or(process_cwd.clone(), |cwd| process_cwd.join(cwd));
    let loaded = config_args.load(&cwd)?;
    let hook_set = HookSet::from_config(&loaded.config)?;
    let bindings = hook_set.matching(input);
    if bindings.is_empty() {
        // The common case for most events: answer without creating an engine at all.
        return Ok(Answer::Reply(ClaudeReply {
            exit_code: 0,
            stdout: String::new(),
            stderr: String::new(),
        }));
    }
    let mut specs = loaded.config.plugin_specs()?;
    // A bound plugin without a `[plugins]` table: a built-in, or a `.wasm` of `plugin_dirs`.
    for binding in &bindings {
        if !specs.iter().any(|spec| spec.name == binding.plugin) {
            specs.push(loaded.config.spec_of(&binding.plugin)?);
        }
    }
    let registry = PluginRegistry::for_hooks(
        Allocation::OnDemand,
        ComponentCache::from_env(),
        specs,
        PathContext::from_env(loaded.project_root.clone()),
    )?;
    let registry = Arc::new(match mode {
        Mode::Full => registry.with_tiering(super::one_shot_tiering()),
        Mode::CachedOnly => {
            let registry = registry.with_compilation(Compilation::CachedOnly);
            for binding in &bindings {
                // Other load failures are the hook's own, and its `on_error` decides.
                if let Err(e) = registry.get(&binding.plugin)
                    && e.failure == Failure::NotCompiled
                {
                    return Ok(Answer::NotCompiled {
                        event_name: input.event_name.clone(),
                    });
                }
            }
            registry
        }
    });
    // One hook runs on this thread; several get a worker each (up to the cores there are).
    let runtime = if bindings.len() > 1 {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(bindings.len().min(cores))
            .enable_time()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
    }
    .context("start the async runtime")?;
    let merged = runtime.block_on(hooks::dispatch(&registry, &bindings, input));
    // The process ends right after printing: tearing down the engine and its mappings would
    // only add to the latency Claude Code waits for.
    std::mem::forget(runtime);
    std::mem::forget(registry);
    Ok(Answer::Reply(wire::render(&input.event_name, &merged)))
}

/// Runs `cchost hook [EVENT]` on `payload` and answers with its answer. If it cannot be run,
/// the answer is an error, which fails closed on permission events like any other.
fn hand_over(payload: &[u8], event_arg: Option<&str>, event_name: &str) -> ClaudeReply {
    let fail = |message: String| wire::render_error(Some(event_name), &message);
    let exe = handoff_executable();
    let mut command = std::process::Command::new(&exe);
    command.arg("hook").args(event_arg);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return fail(format!(
                "cchost-hook: a hook is not compiled yet and `{}` cannot be started to compile \
                 it ({e}); install cchost beside cchost-hook or set {HANDOFF_ENV}",
                exe.display()
            ));
        }
    };
    // The payload is at most 64 MiB: writing it before reading could fill the pipe while
    // the child writes its answer, so it is written from a thread.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let payload = payload.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&payload));
    let output = match child.wait_with_output() {
        Ok(output) => output,
        Err(e) => return fail(format!("cchost-hook: waiting for `cchost hook`: {e}")),
    };
    let _ = writer.join();
    match output.status.code() {
        Some(code) => ClaudeReply {
            exit_code: code,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        },
        None => fail(format!(
            "cchost-hook: `cchost hook` ended without an answer ({})",
            output.status
        )),
    }
}

/// `$CCHOST_EXE`, else `cchost` beside this executable, else `cchost` on `PATH`.
fn handoff_executable() -> PathBuf {
    if let Some(exe) = std::env::var_os(HANDOFF_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(exe);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("cchost")))
        .filter(|beside| beside.is_file())
        .unwrap_or_else(|| PathBuf::from("cchost"))
}

fn install(args: InstallArgs, config_args: &super::ConfigArgs) -> Result<()> {
    let cwd = std::env::current_dir().context("determine the working directory")?;
    let settings_path = if args.user {
        let home = std::env::var_os("HOME").context("HOME is not set")?;
        PathBuf::from(home).join(".claude/settings.json")
    } else {
        let root = crate::config::find_project_root(&cwd).unwrap_or_else(|| cwd.clone());
        let file = if args.local {
            "settings.local.json"
        } else {
            "settings.json"
        };
        root.join(".claude").join(file)
    };
    let command = match args.command {
        Some(command) => command,
        None => default_hook_command()?,
    };
    let mut events = args.events;
    if events.is_empty() {
        let loaded = config_args.load(&cwd)?;
        events = HookSet::from_config(&loaded.config)?
            .events()
            .map(String::from)
            .collect();
        events.dedup();
    }
    if events.is_empty() {
        bail!(
            "no events to install: bind hooks under [[hooks.<Event>]] in .cchost/config.toml, \
             or pass --event PreToolUse"
        );
    }

    let existing = match std::fs::read_to_string(&settings_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("read {}", settings_path.display())),
    };
    let mut settings: Value = match &existing {
        Some(text) if !text.trim().is_empty() => serde_json::from_str(text).with_context(|| {
            format!(
                "{} is not valid JSON; fix it first (nothing was changed)",
                settings_path.display()
            )
        })?,
        _ => json!({}),
    };
    let added = add_hook_entries(&mut settings, &events, &command)
        .with_context(|| format!("update {}", settings_path.display()))?;
    let text = serde_json::to_string_pretty(&settings)? + "\n";
    if args.dry_run {
        print!("{text}");
        return Ok(());
    }
    if added.is_empty() {
        println!(
            "{} already runs `{command}` on every requested event",
            settings_path.display()
        );
        return Ok(());
    }
    if let Some(parent) = settings_path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("create {}", parent.display()))?;
    }
    if let Some(old) = &existing {
        let backup = settings_path.with_extension("json.bak");
        std::fs::write(&backup, old)
            .with_context(|| format!("write backup {}", backup.display()))?;
        println!("backup: {}", backup.display());
    }
    write_atomically(&settings_path, text.as_bytes())?;
    println!(
        "{}: added `{command}` for {}",
        settings_path.display(),
        added.join(", ")
    );
    Ok(())
}

/// `cchost-hook` when it is installed beside this executable, else `cchost hook`, by absolute
/// path: Claude Code runs hooks with its own `PATH`.
fn default_hook_command() -> Result<String> {
    let exe = std::env::current_exe().context("locate the cchost executable")?;
    let slim = exe.with_file_name("cchost-hook");
    Ok(if slim.is_file() {
        shell_quote(&slim)
    } else {
        format!("{} hook", shell_quote(&exe))
    })
}

/// Adds a `{matcher: "", hooks: [{type: command, command}]}` group for each event that does not
/// already run `command`; returns the events it added.
fn add_hook_entries(settings: &mut Value, events: &[String], command: &str) -> Result<Vec<String>> {
    let root = settings
        .as_object_mut()
        .context("the settings file must hold a JSON object")?;
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .context("`hooks` must be an object")?;
    let mut added = Vec::new();
    for event in events {
        let groups = hooks
            .entry(event.clone())
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .with_context(|| format!("`hooks.{event}` must be an array"))?;
        let present = groups.iter().any(|group| {
            group["hooks"]
                .as_array()
                .is_some_and(|hs| hs.iter().any(|h| h["command"] == command))
        });
        if !present {
            groups.push(json!({
                "matcher": "",
                "hooks": [{"type": "command", "command": command, "timeout": 30}]
            }));
            added.push(event.clone());
        }
    }
    Ok(added)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("create a temporary file in {}", dir.display()))?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path)
        .with_context(|| format!("replace {}", path.display()))?;
    Ok(())
}

/// Quotes a path for the shell command line Claude Code runs (it passes hooks to `sh -c`).
fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_keeps_existing_hooks_and_is_idempotent() {
        let mut settings = json!({
            "model": "opus",
            "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "other"}]}]}
        });
        let events = vec!["PreToolUse".to_string(), "Stop".to_string()];
        let added = add_hook_entries(&mut settings, &events, "cchost hook").unwrap();
        assert_eq!(added, events);
        assert_eq!(settings["model"], "opus");
        assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(
            settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            "other"
        );
        let again = add_hook_entries(&mut settings, &events, "cchost hook").unwrap();
        assert!(again.is_empty());
    }

    #[test]
    fn install_refuses_settings_of_the_wrong_shape() {
        let mut settings = json!({"hooks": []});
        assert!(add_hook_entries(&mut settings, &["Stop".into()], "x").is_err());
    }

    #[test]
    fn paths_with_spaces_are_quoted() {
        assert_eq!(shell_quote(Path::new("/usr/bin/cchost")), "/usr/bin/cchost");
        assert_eq!(shell_quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
