//! Helpers: running `cchost session …` and reading a session file back.

use std::{
    collections::HashMap,
    ops::ControlFlow,
    path::Path,
    process::{Command, Output},
};

use cchost::session::{Entry, SessionReader};

pub fn cchost() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cchost"));
    command
        .env_remove("CCHOST_SESSIONS_DIR")
        .env("NO_COLOR", "1");
    command
}

/// Runs `cchost session --dir <dir> <args>`.
pub fn session_cli(dir: &Path, args: &[&str]) -> Output {
    cchost()
        .arg("session")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run cchost")
}

/// What a file holds: good records as (seq, token) in file order, and the bad lines.
pub struct Contents {
    pub records: Vec<(u64, String)>,
    pub bad: Vec<String>,
}

impl Contents {
    pub fn tokens(&self) -> HashMap<&str, u64> {
        self.records
            .iter()
            .map(|(seq, token)| (token.as_str(), *seq))
            .collect()
    }
}

pub fn read_all(path: &Path) -> Contents {
    let mut reader = SessionReader::open(path).unwrap();
    let mut contents = Contents {
        records: Vec::new(),
        bad: Vec::new(),
    };
    reader
        .for_each(|entry| {
            match entry {
                Entry::Record(record, _) => {
                    let data: serde_json::Value = record.data_as().unwrap();
                    let token = data["token"].as_str().unwrap_or("").to_string();
                    contents.records.push((record.seq, token));
                }
                Entry::Bad(bad) => contents.bad.push(bad.to_string()),
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    contents
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
