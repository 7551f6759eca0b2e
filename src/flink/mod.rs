//! Bring your own Flink job: read a real job's REST answers, derive a lab config that
//! matches it, compare real and simulated figures, and export the lab's workload as a job
//! to run on a real cluster (issue 17, parts 2 and 4).
//!
//! - [`rest`]: typed models of Flink 2.x REST answers and the loader (`(name, text)` pairs,
//!   a directory); errors name the file and the JSON path ([`json`]).
//! - [`http`] (native only): a minimal HTTP/1.1 GET to fetch the answers from a JobManager.
//! - [`calibrate`]: answers → `Calibration { config, provenance, not_inferred, real }`.
//! - [`format`]: the one place that turns checkpoint bytes into keys (Flink's layout).
//! - [`compare`]: real vs simulated, with each figure's error and the ±2 % size aim.
//! - [`export`]: the Flink job for a lab config, and the run's history as CSV / JSON.
//!
//! Depends only on `crate::engine`; compiled on every target.

pub mod calibrate;
pub mod checkpoint;
pub mod compare;
pub mod export;
pub mod fetch;
pub mod format;
#[cfg(not(target_arch = "wasm32"))]
pub mod http;
pub mod json;
pub mod known;
pub mod rest;

pub use calibrate::{calibrate, Calibration};
pub use compare::{compare, size_aims, Comparison};
pub use json::LoadError;
pub use rest::{load, FlinkAnswers};

use std::fmt;

impl Calibration {
    /// One line on the job the answers describe (the CLI's first line, the tab's heading).
    pub fn headline(&self) -> String {
        format!(
            "calibrated from job {} ({}, {:.1} s running, {} completed / {} failed checkpoints; keyed vertex `{}`, {} backend)",
            self.real.job_state,
            if self.real.checkpoints.iter().all(|c| c.keyed_only) {
                "keyed sizes from details"
            } else {
                "some sizes are the whole job's"
            },
            self.real.running_s,
            self.real.completed,
            self.real.failed,
            self.real.keyed_vertex,
            self.backend
        )
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        writeln!(f, "where each value comes from:")?;
        for p in &self.provenance {
            writeln!(f, "  {} = {}  ← {}", p.setting, p.value, p.source)?;
        }
        writeln!(f, "what the answers could not tell:")?;
        for n in &self.not_inferred {
            writeln!(f, "  {}: {}", n.what, n.why)?;
        }
        Ok(())
    }
}
