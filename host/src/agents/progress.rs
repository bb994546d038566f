//! Progress while a workflow runs: a spinner per agent on a terminal (indicatif), plain lines on
//! stderr otherwise, nothing with `--quiet` or `--json`.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::AgentStatus;

pub enum Progress {
    Bars {
        bars: MultiProgress,
        agents: Mutex<HashMap<String, ProgressBar>>,
    },
    Lines,
    Silent,
}

impl Progress {
    /// Bars when stderr is a terminal, lines otherwise; nothing when `quiet`.
    pub fn for_stderr(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        if quiet {
            Progress::Silent
        } else if std::io::stderr().is_terminal() {
            Progress::Bars {
                bars: MultiProgress::new(),
                agents: Mutex::default(),
            }
        } else {
            Progress::Lines
        }
    }

    pub fn wave_started(&self, wave: &str, agents: usize) {
        match self {
            Progress::Bars { bars, .. } => {
                let _ = bars.println(format!("wave {wave}: {agents} agent(s)"));
            }
            Progress::Lines => eprintln!("wave {wave}: {agents} agent(s)"),
            Progress::Silent => {}
        }
    }

    pub fn agent_started(&self, agent: &str, attempt: u32) {
        let retry = if attempt > 1 {
            format!(" (attempt {attempt})")
        } else {
            String::new()
        };
        match self {
            Progress::Bars { bars, agents } => {
                let bar = bars.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:.bold} {elapsed} {msg}")
                        .expect("a valid template"),
                );
                bar.set_prefix(agent.to_string());
                bar.set_message(format!("running{retry}"));
                bar.enable_steady_tick(Duration::from_millis(120));
                agents
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(agent.to_string(), bar);
            }
            Progress::Lines => eprintln!("  {agent}: started{retry}"),
            Progress::Silent => {}
        }
    }

    pub fn agent_finished(&self, agent: &str, status: &AgentStatus, duration: Duration) {
        let text = match status {
            AgentStatus::Failed(cause) => format!("failed after {duration:.2?}: {cause}"),
            other => format!("{} in {duration:.2?}", other.label()),
        };
        match self {
            Progress::Bars { agents, .. } => {
                let bar = agents
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(agent);
                if let Some(bar) = bar {
                    bar.finish_with_message(text);
                }
            }
            Progress::Lines => eprintln!("  {agent}: {text}"),
            Progress::Silent => {}
        }
    }

    pub fn checkpoint(&self, checkpoint: &str, status: &str) {
        let line = format!("checkpoint {checkpoint}: {status}");
        match self {
            Progress::Bars { bars, .. } => {
                let _ = bars.println(line);
            }
            Progress::Lines => eprintln!("{line}"),
            Progress::Silent => {}
        }
    }
}
