//! Seeing through command wrappers: which program a simple command really runs.
//!
//! It owns the knowledge of prefixes that run another command (`env`, `sudo`, `doas`, `nice`,
//! `nohup`, `time`, `command`, `builtin`, `exec`, `xargs`, `timeout`, `stdbuf`, `ionice`,
//! `setsid`), of leading `VAR=value` assignments and reserved words, and of commands that run
//! shell source given as an argument (`sh -c`, `bash -c`, `zsh -c`, `eval`, `su -c`, `env -S`,
//! `watch`) or argv given inline (`find -exec`). It also knows which programs are shells and
//! interpreters, and whether one reads its script from standard input.

use crate::shell::Word;

/// Shells whose `-c` payload is shell source.
pub const SHELLS: [&str; 8] = ["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"];

/// The file name of a program path: `/bin/rm` → `rm`.
pub fn basename(text: &str) -> &str {
    let trimmed = text.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// The program a word names, unless the word is dynamic (then it cannot be known).
pub fn program(word: &Word) -> Option<&str> {
    (!word.dynamic).then(|| basename(&word.text))
}

pub fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}

/// Script interpreters other than shells: `python3.12`, `perl`, `node`, …
pub fn is_interpreter(name: &str) -> bool {
    const NAMES: [&str; 12] = [
        "python",
        "perl",
        "ruby",
        "node",
        "nodejs",
        "php",
        "lua",
        "tclsh",
        "pwsh",
        "bun",
        "deno",
        "osascript",
    ];
    NAMES.iter().any(|n| {
        name.strip_prefix(n)
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

/// One step of unwrapping a simple command.
#[derive(Debug, PartialEq)]
pub enum Step<'a> {
    /// `argv[0]` is a wrapper; the wrapped command starts at this index.
    Wrapped(usize),
    /// `argv` runs this shell source; `words` are the arguments that carried it.
    Source { text: String, words: &'a [Word] },
    /// `argv` runs these argvs itself (`find -exec …`), besides being a command of its own.
    Exec(Vec<&'a [Word]>),
    /// `argv[0]` is the program itself (or a wrapper with nothing to run).
    Program,
}

const RESERVED: [&str; 14] = [
    "!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "[[", "]]",
];

/// A `NAME=value` assignment word (unquoted name).
pub fn is_assignment(word: &Word) -> bool {
    let Some(eq) = word.raw.find('=') else {
        return false;
    };
    let name = &word.raw[..eq];
    let name = name.strip_suffix('+').unwrap_or(name);
    !name.is_empty()
        && name
            .chars()
            .enumerate()
            .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()))
}

/// Skips leading reserved words and `VAR=value` assignments.
pub fn skip_leading(words: &[Word]) -> &[Word] {
    let mut i = 0;
    while i < words.len() && (RESERVED.contains(&words[i].raw.as_str()) || is_assignment(&words[i]))
    {
        i += 1;
    }
    &words[i..]
}

/// The successive views of a command: the whole argv, then each wrapped command, ending at the
/// argv of the program that really runs.
pub fn stages(words: &[Word]) -> Vec<&[Word]> {
    let mut out = Vec::new();
    let mut argv = skip_leading(words);
    while !argv.is_empty() && out.len() < 32 {
        out.push(argv);
        match step(argv) {
            Step::Wrapped(i) => argv = skip_leading(&argv[i..]),
            _ => break,
        }
    }
    out
}

/// The argv of the program a command finally runs (empty when it has none).
pub fn final_argv(words: &[Word]) -> &[Word] {
    stages(words).last().copied().unwrap_or(&[])
}

/// Options of a wrapper: which take a separate argument, and which end option parsing by
/// themselves (the rest of the cluster is their argument).
struct Opts<'o> {
    /// Short options that take an argument (`-u root`, `-uroot`).
    short_arg: &'o str,
    /// Long options that take an argument (`--user root`, `--user=root`).
    long_arg: &'o [&'o str],
}

/// Index of the first operand after the options of `argv[1..]`, per `opts`.
fn skip_options(argv: &[Word], opts: &Opts) -> usize {
    let mut i = 1;
    while i < argv.len() {
        let w = argv[i].text.as_str();
        if w == "--" {
            return i + 1;
        }
        if let Some(long) = w.strip_prefix("--") {
            if !long.contains('=') && opts.long_arg.contains(&long) {
                i += 1;
            }
            i += 1;
            continue;
        }
        if w.len() > 1 && w.starts_with('-') {
            let cluster = &w[1..];
            if let Some(pos) = cluster.find(|c| opts.short_arg.contains(c))
                && pos == cluster.len() - 1
            {
                i += 1;
            }
            i += 1;
            continue;
        }
        return i;
    }
    i
}

fn wrapped_at(argv: &[Word], i: usize) -> Step<'_> {
    if i < argv.len() {
        Step::Wrapped(i)
    } else {
        Step::Program
    }
}

/// What `argv[0]` does with the rest of `argv`.
pub fn step(argv: &[Word]) -> Step<'_> {
    let Some(name) = argv.first().and_then(program) else {
        return Step::Program;
    };
    match name {
        "env" => env(argv),
        "sudo" => {
            let opts = Opts {
                short_arg: "ughpCDrtUTR",
                long_arg: &[
                    "user",
                    "group",
                    "host",
                    "prompt",
                    "close-from",
                    "chdir",
                    "role",
                    "type",
                    "other-user",
                    "command-timeout",
                    "chroot",
                ],
            };
            wrapped_at(argv, skip_options(argv, &opts))
        }
        "doas" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "uC",
                    long_arg: &[],
                },
            ),
        ),
        "nice" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "n",
                    long_arg: &["adjustment"],
                },
            ),
        ),
        "nohup" | "builtin" | "setsid" | "caffeinate" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "",
                    long_arg: &[],
                },
            ),
        ),
        "time" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "fo",
                    long_arg: &["format", "output"],
                },
            ),
        ),
        "command" => {
            let i = skip_options(
                argv,
                &Opts {
                    short_arg: "",
                    long_arg: &[],
                },
            );
            let lookup = argv[1..i.min(argv.len())]
                .iter()
                .any(|w| w.text.starts_with('-') && w.text.contains(['v', 'V']));
            if lookup {
                Step::Program
            } else {
                wrapped_at(argv, i)
            }
        }
        "exec" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "a",
                    long_arg: &[],
                },
            ),
        ),
        "xargs" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "InLPdEsa",
                    long_arg: &[
                        "arg-file",
                        "delimiter",
                        "max-args",
                        "max-procs",
                        "max-lines",
                        "max-chars",
                        "process-slot-var",
                    ],
                },
            ),
        ),
        "timeout" => {
            let i = skip_options(
                argv,
                &Opts {
                    short_arg: "sk",
                    long_arg: &["signal", "kill-after"],
                },
            );
            wrapped_at(argv, i + 1)
        }
        "stdbuf" => wrapped_at(
            argv,
            skip_options(
                argv,
                &Opts {
                    short_arg: "ioe",
                    long_arg: &["input", "output", "error"],
                },
            ),
        ),
        "ionice" => {
            let i = skip_options(
                argv,
                &Opts {
                    short_arg: "cnp",
                    long_arg: &["class", "classdata", "pid"],
                },
            );
            wrapped_at(argv, i)
        }
        "watch" => {
            let i = skip_options(
                argv,
                &Opts {
                    short_arg: "nqd",
                    long_arg: &["interval", "differences", "equexit"],
                },
            );
            let exec = argv[1..i.min(argv.len())]
                .iter()
                .any(|w| w.text == "-x" || w.text == "--exec");
            if exec {
                wrapped_at(argv, i)
            } else {
                source_of(&argv[i.min(argv.len())..])
            }
        }
        "eval" => source_of(&argv[1..]),
        "su" => su(argv),
        "find" => find(argv),
        shell if is_shell(shell) => shell_c(argv),
        _ => Step::Program,
    }
}

/// The words joined as one line of shell source, or `Program` when there are none.
fn source_of(words: &[Word]) -> Step<'_> {
    if words.is_empty() {
        return Step::Program;
    }
    let text = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Step::Source { text, words }
}

fn env(argv: &[Word]) -> Step<'_> {
    let mut i = 1;
    while i < argv.len() {
        let w = argv[i].text.as_str();
        match w {
            "--" => {
                i += 1;
                break;
            }
            "-S" | "--split-string" => {
                // The string is split into words and run; the rest are its arguments.
                return source_of(&argv[(i + 1).min(argv.len())..]);
            }
            "-u" | "-C" | "--unset" | "--chdir" => i += 2,
            _ if w.starts_with("-S") || w.starts_with("--split-string=") => {
                let payload = w
                    .strip_prefix("--split-string=")
                    .or_else(|| w.strip_prefix("-S"))
                    .unwrap_or_default();
                let mut text = payload.to_string();
                for rest in &argv[i + 1..] {
                    text.push(' ');
                    text.push_str(&rest.text);
                }
                return Step::Source {
                    text,
                    words: &argv[i..],
                };
            }
            _ if w.starts_with('-') && w.len() > 1 => i += 1,
            _ if is_assignment(&argv[i]) => i += 1,
            _ => break,
        }
    }
    wrapped_at(argv, i)
}

fn su(argv: &[Word]) -> Step<'_> {
    let mut i = 1;
    while i < argv.len() {
        let w = argv[i].text.as_str();
        if w == "-c" || w == "--command" {
            return source_of(&argv[(i + 1).min(argv.len())..(i + 2).min(argv.len())]);
        }
        if let Some(cmd) = w.strip_prefix("--command=") {
            return Step::Source {
                text: cmd.to_string(),
                words: &argv[i..=i],
            };
        }
        i += 1;
    }
    Step::Program
}

/// `sh -c 'source'`, `bash -lc …`, `zsh -x -c …`: the payload after the options.
fn shell_c(argv: &[Word]) -> Step<'_> {
    let mut has_c = false;
    let mut i = 1;
    while i < argv.len() {
        let w = argv[i].text.as_str();
        if w == "--" || w == "-" {
            i += 1;
            break;
        }
        if let Some(long) = w.strip_prefix("--") {
            if long == "command" {
                has_c = true;
            }
            if matches!(long, "rcfile" | "init-file") {
                i += 1;
            }
            i += 1;
            continue;
        }
        if (w.starts_with('-') || w.starts_with('+')) && w.len() > 1 {
            let cluster = &w[1..];
            if cluster.contains('c') {
                has_c = true;
            }
            if cluster.ends_with('o') || cluster.ends_with('O') {
                i += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    if has_c && i < argv.len() {
        Step::Source {
            text: argv[i].text.clone(),
            words: &argv[i..=i],
        }
    } else {
        Step::Program
    }
}

/// `find … -exec cmd … ;` / `-execdir` / `-ok` / `-okdir`: the inline commands.
fn find(argv: &[Word]) -> Step<'_> {
    let mut execs = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        if matches!(
            argv[i].text.as_str(),
            "-exec" | "-execdir" | "-ok" | "-okdir"
        ) {
            let start = i + 1;
            let mut end = start;
            while end < argv.len() && !matches!(argv[end].text.as_str(), ";" | "+") {
                end += 1;
            }
            if end > start {
                execs.push(&argv[start..end]);
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    if execs.is_empty() {
        Step::Program
    } else {
        Step::Exec(execs)
    }
}

/// The program (argv after unwrapping) runs a script it reads from standard input:
/// `sh`, `bash -s`, `python3 -`, `perl`, `source /dev/stdin`, …
pub fn reads_script_from_stdin(argv: &[Word]) -> bool {
    let Some(name) = argv.first().and_then(program) else {
        return false;
    };
    let args = &argv[1..];
    let stdin_path = |w: &Word| w.text == "-" || w.text == "/dev/stdin";
    if name == "source" || name == "." {
        return args.first().is_some_and(stdin_path);
    }
    let shell = is_shell(name);
    if !shell && !is_interpreter(name) {
        return false;
    }
    // Options that mean "the script is an argument": -c (shells, python), -e/-E (perl, ruby,
    // node), -m (python module), -r (php), -p/--print (node).
    let inline = |w: &str| {
        if let Some(long) = w.strip_prefix("--") {
            return matches!(long.split('=').next(), Some("command" | "eval" | "print"));
        }
        let Some(cluster) = w.strip_prefix('-') else {
            return false;
        };
        if shell {
            cluster.contains('c')
        } else {
            cluster.starts_with(['c', 'e', 'E', 'm', 'r', 'p'])
        }
    };
    let mut i = 0;
    while i < args.len() {
        let w = args[i].text.as_str();
        if stdin_path(&args[i]) {
            return true;
        }
        if w == "--" {
            return args.get(i + 1).is_none_or(stdin_path);
        }
        if inline(w) {
            return false;
        }
        if shell && w.starts_with('-') && w.contains('s') && !w.starts_with("--") {
            return true;
        }
        if w.starts_with('-') || (shell && w.starts_with('+')) {
            // Options with a separate value.
            if matches!(
                w,
                "-W" | "-X" | "-o" | "-O" | "-I" | "--rcfile" | "--init-file"
            ) {
                i += 1;
            }
            i += 1;
            continue;
        }
        // A script file operand.
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::parse;

    fn argv(src: &str) -> Vec<Word> {
        parse(src).pipelines[0].commands[0].words.clone()
    }

    fn final_program(src: &str) -> Vec<String> {
        let words = argv(src);
        final_argv(&words).iter().map(|w| w.text.clone()).collect()
    }

    #[test]
    fn basenames() {
        assert_eq!(basename("/bin/rm"), "rm");
        assert_eq!(basename("rm"), "rm");
        assert_eq!(basename("/usr/bin/"), "bin");
    }

    #[test]
    fn unwraps_prefixes() {
        assert_eq!(final_program("sudo rm -rf /"), ["rm", "-rf", "/"]);
        assert_eq!(final_program("sudo -u root -E rm x"), ["rm", "x"]);
        assert_eq!(final_program("sudo --user=root -- rm x"), ["rm", "x"]);
        assert_eq!(final_program("env -i A=1 B=2 /bin/rm x"), ["/bin/rm", "x"]);
        assert_eq!(final_program("env -u HOME rm x"), ["rm", "x"]);
        assert_eq!(final_program("FOO=1 BAR='x y' rm x"), ["rm", "x"]);
        assert_eq!(final_program("nice -n 10 nohup time -p rm x"), ["rm", "x"]);
        assert_eq!(final_program("command rm x"), ["rm", "x"]);
        assert_eq!(final_program("exec -a name rm x"), ["rm", "x"]);
        assert_eq!(final_program("xargs -0 -n 1 rm -rf"), ["rm", "-rf"]);
        assert_eq!(final_program("timeout -s KILL 10 rm x"), ["rm", "x"]);
        assert_eq!(final_program("stdbuf -o0 ionice -c3 rm x"), ["rm", "x"]);
        assert_eq!(final_program("sudo env A=1 nice rm x"), ["rm", "x"]);
        assert_eq!(final_program("doas -u root rm x"), ["rm", "x"]);
        assert_eq!(final_program("! rm x"), ["rm", "x"]);
    }

    #[test]
    fn wrappers_without_a_command() {
        assert_eq!(final_program("sudo -l"), ["sudo", "-l"]);
        assert_eq!(final_program("env"), ["env"]);
        assert_eq!(final_program("command -v rm"), ["command", "-v", "rm"]);
        assert_eq!(final_program("A=1"), Vec::<String>::new());
    }

    #[test]
    fn quoted_assignment_is_a_program() {
        assert_eq!(final_program("'A=1' x"), ["A=1", "x"]);
    }

    #[test]
    fn shell_c_payloads() {
        let w = argv("bash -c 'rm -rf ~'");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "rm -rf ~"));
        let w = argv("sh -xec 'ls' arg0");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "ls"));
        let w = argv("zsh -o pipefail -c x");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "x"));
        let w = argv("bash script.sh");
        assert_eq!(step(&w), Step::Program);
    }

    #[test]
    fn eval_su_env_s_watch() {
        let w = argv("eval rm -rf '/'");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "rm -rf /"));
        let w = argv("su root -c 'rm -rf /'");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "rm -rf /"));
        let w = argv("env -S 'rm -rf' /");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "rm -rf /"));
        let w = argv("watch -n 5 'rm -rf /'");
        assert!(matches!(step(&w), Step::Source { ref text, .. } if text == "rm -rf /"));
    }

    #[test]
    fn find_exec() {
        let w = argv("find . -name x -exec rm -rf {} ; -print");
        let Step::Exec(execs) = step(&w) else {
            panic!()
        };
        let texts: Vec<_> = execs[0].iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["rm", "-rf", "{}"]);
    }

    #[test]
    fn stdin_script_readers() {
        let reads = |s: &str| reads_script_from_stdin(&argv(s));
        assert!(reads("sh"));
        assert!(reads("bash -s -- --flag"));
        assert!(reads("bash -"));
        assert!(reads("python3"));
        assert!(reads("python3 -"));
        assert!(reads("perl"));
        assert!(reads("node"));
        assert!(reads("source /dev/stdin"));
        assert!(!reads("python3 -c 'import sys'"));
        assert!(!reads("python -m json.tool"));
        assert!(!reads("bash install.sh"));
        assert!(!reads("sh -c 'cat > x'"));
        assert!(!reads("node -e 1"));
        assert!(!reads("jq ."));
        assert!(!reads("source ./env.sh"));
    }

    #[test]
    fn interpreters() {
        assert!(is_interpreter("python3.12"));
        assert!(is_interpreter("ruby"));
        assert!(!is_interpreter("pythonista"));
        assert!(!is_interpreter("rm"));
    }
}
