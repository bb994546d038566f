//! Running a workflow: waves in order, the agents of a wave concurrently (up to its concurrency),
//! retries, fail-fast, checkpoint gates between waves, cancellation, and the session records
//! that tell the story.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use serde_json::{Value, json};
use tokio::{
    sync::{Semaphore, watch},
    task::JoinSet,
};

use super::{AgentReport, AgentStatus, Progress, RunReport, WaveReport, records};
use crate::{
    config::{AgentConfig, Config, WaveConfig, WavePolicy, WorkflowConfig},
    gates::{self, scope::ScopeSpec},
    hooks::HookSet,
    mcp::{McpBroker, McpHub, ToolHooks},
    model::ModelClient,
    plugins::{AgentContext, PluginRegistry, PluginSpec, bindings::GateStatus, bindings::Task},
    runtime::{Allocation, ComponentCache},
    session::{SessionHandle, SessionOptions, SessionStore, SessionWriter},
};

/// Everything a run needs, built from the configuration.
pub struct WorkflowSetup {
    pub name: String,
    pub workflow: WorkflowConfig,
    pub checkpoints: BTreeMap<String, Vec<String>>,
    pub root: PathBuf,
    pub registry: Arc<PluginRegistry>,
    pub hub: Arc<McpHub>,
    pub broker: Arc<McpBroker>,
    pub model: Option<Arc<ModelClient>>,
    pub session: SessionWriter,
}

impl WorkflowSetup {
    /// The registry (hook plugins, checkpoint gates, one entry per agent), the MCP servers, the
    /// hooks tool calls pass through, and a new session.
    pub fn new(config: &Config, root: &Path, cache: ComponentCache) -> Result<WorkflowSetup> {
        let workflow = config
            .workflow
            .clone()
            .context("the configuration has no [workflow] (agents and waves to run)")?;
        let name = workflow.name.clone().unwrap_or_else(|| {
            root.file_name()
                .map_or("workflow".into(), |n| n.to_string_lossy().into_owned())
        });

        let mut specs: BTreeMap<String, PluginSpec> = BTreeMap::new();
        for spec in config.plugin_specs()? {
            specs.insert(spec.name.clone(), spec);
        }
        let hook_set = HookSet::from_config(config)?;
        for binding in config.hooks.values().flatten() {
            if !specs.contains_key(&binding.plugin) {
                specs.insert(binding.plugin.clone(), config.spec_of(&binding.plugin)?);
            }
        }
        let mut checkpoints = BTreeMap::new();
        for wave in &workflow.waves {
            if let Some(checkpoint) = &wave.checkpoint {
                let gates = config
                    .checkpoints
                    .get(checkpoint)
                    .with_context(|| format!("checkpoint `{checkpoint}` is not defined"))?
                    .gates
                    .clone();
                for spec in gates::gate_specs(config, &gates, root)? {
                    specs.insert(spec.name.clone(), spec);
                }
                checkpoints.insert(checkpoint.clone(), gates);
            }
        }
        for (agent, agent_config) in &workflow.agents {
            specs.insert(agent.clone(), config.agent_spec(agent, agent_config)?);
        }
        let registry = Arc::new(PluginRegistry::new(
            // A run instantiates many components over its life: the pooling allocator pays off.
            Allocation::Pooling,
            cache,
            specs.into_values().collect::<Vec<_>>(),
            crate::plugins::grants::PathContext::from_env(Some(root.to_path_buf())),
        )?);

        let hub = Arc::new(McpHub::new(&config.mcp.servers, vec![root.to_path_buf()]));
        let hooks = (!hook_set.is_empty()).then(|| ToolHooks {
            registry: registry.clone(),
            set: Arc::new(hook_set),
        });
        let broker = Arc::new(McpBroker::new(hub.clone(), hooks, root.to_path_buf()));

        // A configured model whose key is missing is a setup error, not a surprise mid-run.
        let model = config
            .model
            .as_ref()
            .map(|model| ModelClient::new(model).map(Arc::new))
            .transpose()?;

        let session_config = &config.session;
        let options = SessionOptions {
            dir: root.join(&session_config.dir),
            durability: session_config.durability,
            batch_interval: Duration::from_millis(session_config.batch_interval_ms),
            batch_records: usize::try_from(session_config.batch_records).unwrap_or(usize::MAX),
            ..SessionOptions::default()
        };
        let session = SessionStore::new(options)
            .create()
            .context("create the session log")?;
        Ok(WorkflowSetup {
            name,
            workflow,
            checkpoints,
            root: root.to_path_buf(),
            registry,
            hub,
            broker,
            model,
            session,
        })
    }
}

pub struct Runner {
    setup: Arc<WorkflowSetup>,
    progress: Arc<Progress>,
}

impl Runner {
    pub fn new(setup: WorkflowSetup, progress: Progress) -> Runner {
        Runner {
            setup: Arc::new(setup),
            progress: Arc::new(progress),
        }
    }

    pub fn session(&self) -> &SessionWriter {
        &self.setup.session
    }

    pub fn hub(&self) -> &McpHub {
        &self.setup.hub
    }

    /// Runs every wave; `cancel` turning true (Ctrl-C) stops the running agents, records the
    /// interruption and returns what happened so far.
    pub async fn run(&self, mut cancel: watch::Receiver<bool>) -> RunReport {
        let setup = &self.setup;
        let started = Instant::now();
        let session = &setup.session;
        let waves = &setup.workflow.waves;
        let wave_names: Vec<String> = waves
            .iter()
            .enumerate()
            .map(|(i, w)| wave_name(i, w))
            .collect();
        self.record(
            None,
            records::WORKFLOW_START,
            &json!({
                "workflow": setup.name,
                "root": setup.root,
                "waves": waves.iter().zip(&wave_names).map(|(w, name)| json!({"name": name, "agents": w.agents})).collect::<Vec<_>>(),
            }),
        );

        let mut reports = Vec::new();
        let mut stopped = false;
        let mut interrupted = false;
        for (index, wave) in waves.iter().enumerate() {
            let name = &wave_names[index];
            if stopped || interrupted {
                reports.push(self.skipped_wave(name, wave));
                continue;
            }
            self.progress.wave_started(name, wave.agents.len());
            let (agents, wave_interrupted, fail_fast_stop) =
                self.run_wave(name, wave, &mut cancel).await;
            interrupted = wave_interrupted;
            let agents_passed = agents.iter().all(|a| a.status == AgentStatus::Passed);
            stopped = fail_fast_stop;
            let mut checkpoint = None;
            let mut checkpoint_passed = true;
            if let Some(checkpoint_name) = wave
                .checkpoint
                .as_ref()
                .filter(|_| !interrupted && !stopped)
            {
                let (value, status) = self.judge(checkpoint_name).await;
                checkpoint_passed = status != GateStatus::Fail;
                stopped |= !checkpoint_passed;
                checkpoint = Some(value);
            }
            reports.push(WaveReport {
                name: name.clone(),
                agents,
                checkpoint,
                passed: agents_passed && checkpoint_passed && !interrupted,
            });
        }

        let passed = !interrupted && reports.iter().all(|w| w.passed);
        if interrupted {
            self.record(
                None,
                records::INTERRUPTED,
                &json!({"reason": "interrupted (Ctrl-C)"}),
            );
        }
        self.record(
            None,
            records::WORKFLOW_END,
            &json!({
                "workflow": setup.name,
                "passed": passed,
                "interrupted": interrupted,
                "duration_ms": started.elapsed().as_millis() as u64,
            }),
        );
        if let Err(error) = session.flush() {
            tracing::error!("session log {}: {error:#}", session.path().display());
        }
        RunReport {
            workflow: setup.name.clone(),
            session_id: session.session_id().to_string(),
            session_file: session.path().display().to_string(),
            passed,
            interrupted,
            duration: started.elapsed(),
            waves: reports,
        }
    }

    /// Runs one wave; returns its agents' reports, whether it was interrupted, and whether a
    /// fail-fast failure stops the run.
    async fn run_wave(
        &self,
        wave_name: &str,
        wave: &WaveConfig,
        cancel: &mut watch::Receiver<bool>,
    ) -> (Vec<AgentReport>, bool, bool) {
        let concurrency = wave.concurrency.unwrap_or(wave.agents.len()).max(1);
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut tasks = JoinSet::new();
        let mut names = HashMap::new();
        for agent in &wave.agents {
            let Some(agent_config) = self.setup.workflow.agents.get(agent) else {
                continue; // the loader refuses unknown agents; nothing to run
            };
            let job = AgentJob {
                setup: self.setup.clone(),
                progress: self.progress.clone(),
                agent: agent.clone(),
                config: agent_config.clone(),
                wave: wave_name.to_string(),
                retries: wave.retries,
            };
            let permits = permits.clone();
            let handle = tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                job.run().await
            });
            names.insert(handle.id(), agent.clone());
        }

        let mut finished: HashMap<String, AgentReport> = HashMap::new();
        let mut interrupted = false;
        let mut fail_fast_stop = false;
        loop {
            tokio::select! {
                joined = tasks.join_next_with_id() => match joined {
                    None => break,
                    Some(Ok((_, report))) => {
                        if matches!(report.status, AgentStatus::Failed(_)) && wave.policy == WavePolicy::FailFast && !fail_fast_stop {
                            fail_fast_stop = true;
                            tasks.abort_all();
                        }
                        finished.insert(report.agent.clone(), report);
                    }
                    Some(Err(error)) => {
                        let agent = names.get(&error.id()).cloned().unwrap_or_default();
                        let status = if error.is_cancelled() {
                            AgentStatus::Cancelled
                        } else {
                            AgentStatus::Failed(format!("the host task running the agent panicked: {error}"))
                        };
                        self.progress.agent_finished(&agent, &status, Duration::ZERO);
                        self.record(Some(&agent), records::AGENT_END, &json!({"wave": wave_name, "status": status.label()}));
                        finished.insert(agent.clone(), self.unfinished(&agent, wave_name, status));
                    }
                },
                _ = cancel.wait_for(|cancelled| *cancelled), if !interrupted => {
                    interrupted = true;
                    tasks.abort_all();
                }
            }
        }
        let reports = wave
            .agents
            .iter()
            .filter_map(|agent| finished.remove(agent))
            .collect();
        (reports, interrupted, fail_fast_stop)
    }

    /// Judges the project with the checkpoint's gates; records and returns the result.
    async fn judge(&self, checkpoint: &str) -> (Value, GateStatus) {
        let gates = self
            .setup
            .checkpoints
            .get(checkpoint)
            .cloned()
            .unwrap_or_default();
        let value = match gates::scope::resolve(&self.setup.root, &ScopeSpec::All) {
            Ok(scope) => {
                let run =
                    gates::run_checkpoint(&self.setup.registry, checkpoint, &gates, &scope).await;
                let status = run.status();
                let report = gates::report::json(std::slice::from_ref(&run), &[]);
                (report["checkpoints"][0].clone(), status)
            }
            Err(error) => (
                json!({"checkpoint": checkpoint, "status": "fail", "error": format!("{error:#}"), "gates": []}),
                GateStatus::Fail,
            ),
        };
        self.progress
            .checkpoint(checkpoint, value.0["status"].as_str().unwrap_or("?"));
        self.record(None, records::GATE, &value.0);
        value
    }

    fn skipped_wave(&self, name: &str, wave: &WaveConfig) -> WaveReport {
        WaveReport {
            name: name.to_string(),
            agents: wave
                .agents
                .iter()
                .map(|agent| self.unfinished(agent, name, AgentStatus::Skipped))
                .collect(),
            checkpoint: None,
            passed: false,
        }
    }

    fn unfinished(&self, agent: &str, wave: &str, status: AgentStatus) -> AgentReport {
        let stats = self.setup.broker.stats(agent);
        AgentReport {
            agent: agent.to_string(),
            plugin: self
                .setup
                .workflow
                .agents
                .get(agent)
                .map(|a| a.plugin.clone())
                .unwrap_or_default(),
            wave: wave.to_string(),
            status,
            attempts: 0,
            duration: Duration::ZERO,
            tool_calls: stats.calls,
            denials: stats.denials,
            summary: None,
            data: None,
        }
    }

    fn record(&self, agent: Option<&str>, kind: &str, data: &Value) {
        record(&self.setup.session, agent, kind, data);
    }
}

fn record(session: &SessionWriter, agent: Option<&str>, kind: &str, data: &Value) {
    // A failed write surfaces when the session is flushed at the end of the run.
    let _ = session.append_nowait(kind, agent, data);
}

fn wave_name(index: usize, wave: &WaveConfig) -> String {
    wave.name
        .clone()
        .unwrap_or_else(|| format!("wave-{}", index + 1))
}

/// One agent of a wave, with its retries.
struct AgentJob {
    setup: Arc<WorkflowSetup>,
    progress: Arc<Progress>,
    agent: String,
    config: AgentConfig,
    wave: String,
    retries: u32,
}

impl AgentJob {
    async fn run(self) -> AgentReport {
        let setup = &self.setup;
        let parameters = serde_json::to_value(&self.config.parameters).unwrap_or(Value::Null);
        let task = Task {
            agent: self.agent.clone(),
            text: self.config.task.clone(),
            parameters: parameters.to_string(),
        };
        let started = Instant::now();
        let mut attempt = 0;
        let (status, output) = loop {
            attempt += 1;
            self.progress.agent_started(&self.agent, attempt);
            record(
                &setup.session,
                Some(&self.agent),
                records::AGENT_START,
                &json!({
                    "wave": self.wave,
                    "plugin": self.config.plugin,
                    "task": self.config.task,
                    "parameters": parameters,
                    "attempt": attempt,
                }),
            );
            let attempt_started = Instant::now();
            let context = AgentContext {
                session: Some(SessionHandle::new(setup.session.clone())),
                tools: Some(setup.broker.clone()),
                model: setup.model.clone(),
            };
            let outcome = setup
                .registry
                .call_agent_with(&self.agent, &task, context)
                .await;
            let (status, output) = match outcome {
                Ok(output) => (AgentStatus::Passed, Some(output)),
                Err(error) => (AgentStatus::Failed(error.to_string()), None),
            };
            let elapsed = attempt_started.elapsed();
            record(
                &setup.session,
                Some(&self.agent),
                records::AGENT_END,
                &json!({
                    "wave": self.wave,
                    "attempt": attempt,
                    "status": status.label(),
                    "cause": match &status { AgentStatus::Failed(cause) => Some(cause), _ => None },
                    "duration_ms": elapsed.as_millis() as u64,
                    "summary": output.as_ref().map(|o| &o.summary),
                    "data": output.as_ref().map(|o| parse_data(&o.data)),
                }),
            );
            self.progress.agent_finished(&self.agent, &status, elapsed);
            if status == AgentStatus::Passed || attempt > self.retries {
                break (status, output);
            }
        };
        let stats = setup.broker.stats(&self.agent);
        AgentReport {
            agent: self.agent.clone(),
            plugin: self.config.plugin.clone(),
            wave: self.wave.clone(),
            status,
            attempts: attempt,
            duration: started.elapsed(),
            tool_calls: stats.calls,
            denials: stats.denials,
            summary: output.as_ref().map(|o| o.summary.clone()),
            data: output.as_ref().map(|o| parse_data(&o.data)),
        }
    }
}

/// An agent's `data` as JSON when it is JSON, else as a string.
fn parse_data(data: &str) -> Value {
    serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.to_string()))
}
