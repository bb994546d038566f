//! diff-policy: a validation gate that judges the shape of a change — how many files and lines
//! it touches, which paths it must not touch, and which files must change together.
//!
//! This module owns the gate glue; the settings and every rule live in `policy`, which is plain
//! Rust over the gate input's `changes` and never reads a file.

pub mod policy;

use cchost_sdk::{Gate, GateInput, GateReport, export_gate, settings};

use crate::policy::Settings;

struct DiffPolicy;

impl Gate for DiffPolicy {
    fn check(input: GateInput) -> Result<GateReport, String> {
        let settings: Settings = settings::all()?;
        Ok(GateReport::from_findings(policy::evaluate(
            &input.changes,
            &settings,
        )))
    }
}

export_gate!(DiffPolicy);
