//! What travels between the page and a sweep's Web Workers, and what a worker does with
//! it. Each worker runs its own copy of the single-threaded wasm engine; the page sends it
//! one [`Job`] at a time as JSON text and it answers with [`Reply`]s: progress while the
//! cell runs, then the cell's result (or why it could not run).
//!
//! A job is a cell of the grid forked from the page's run: the worker rebuilds that run
//! from its configuration and seed up to the fork's moment (runs are deterministic, so
//! it is the same run when nobody acted on it by hand; the digest it reports lets the
//! page check that), then forks it, applies the cell's setting as Flink would under a
//! running job and measures the horizon. The rebuilt run is kept for the worker's next
//! cell of the same sweep. Nothing here touches the DOM, so `cargo test` runs a worker.

use serde::{Deserialize, Serialize};

use crate::engine::config::Config;
use crate::engine::report::exposure::CrashTimes;
use crate::engine::report::flink_config::flink_yaml;
use crate::engine::report::sweep::{run_cell_from_keeping, Cell, CellPhase, CellResult};
use crate::engine::scale::{factor, rescaled};
use crate::engine::sim::Simulation;

/// One cell for a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Which sweep it belongs to: replies of a cancelled sweep are ignored.
    pub sweep: u64,
    pub cell: Cell,
    /// The page's run: its configuration (seed included) …
    pub base: Config,
    /// … and the moment the cells fork from it.
    pub fork_at_us: u64,
    pub horizon_us: u64,
    pub crash_times: CrashTimes,
    /// The scale model the cells run as (the cell's config already is it): the worker
    /// rebuilds the page's run as this model.
    #[serde(default = "real_job")]
    pub scale: u32,
}

fn real_job() -> u32 {
    1
}

/// Where a worker is with its cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Rebuilding the page's run up to the fork's moment.
    RebuildRun,
    /// A setting Flink cannot change under a running job: a new run brought to the
    /// fork's moment.
    CatchUpToFork,
    /// Measuring the horizon.
    Horizon,
}

/// A worker's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// The worker's engine is loaded and it takes jobs.
    Ready,
    Progress {
        sweep: u64,
        cell: usize,
        phase: Phase,
        /// Of the phase, 0 to 1.
        fraction: f64,
    },
    Done {
        sweep: u64,
        cell: usize,
        result: Box<CellResult>,
        /// The rebuilt run's digest at the fork, to compare with the page's.
        base_digest: u64,
        /// The cell's settings as Flink YAML, with the cell's measured comments.
        flink_yaml: String,
    },
    Failed {
        sweep: u64,
        cell: usize,
        error: String,
    },
}

impl Reply {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"kind":"failed","sweep":0,"cell":0,"error":"the reply could not be written: {e}"}}"#)
        })
    }
}

/// Progress is reported at most this often per phase (in hundredths), so a cell sends
/// about a hundred messages, not thousands.
const STEPS: f64 = 100.0;

/// A worker's state between jobs: the page's run rebuilt to the fork, kept for the next
/// cell of the same sweep.
#[derive(Default)]
pub struct Worker {
    base: Option<(Config, u64, Simulation, u64)>,
}

impl Worker {
    /// Handles one message from the page; `post` sends progress as it goes. Returns the
    /// final reply: the cell's result, or why it failed (a message that was no job
    /// included).
    pub fn handle(&mut self, text: &str, mut post: impl FnMut(&Reply)) -> Reply {
        let job: Job = match serde_json::from_str(text) {
            Ok(job) => job,
            Err(e) => {
                return Reply::Failed {
                    sweep: 0,
                    cell: 0,
                    error: format!("the worker could not read its job: {e}"),
                }
            }
        };
        let (sweep, cell) = (job.sweep, job.cell.index);
        let failed = |error: String| Reply::Failed { sweep, cell, error };
        let reusable =
            matches!(&self.base, Some((c, at, _, _)) if *c == job.base && *at == job.fork_at_us);
        if !reusable {
            self.base = None;
            let rebuilt = if factor(&job.base) == job.scale {
                Ok(job.base.clone())
            } else {
                rescaled(&job.base, job.scale)
            };
            let mut sim = match rebuilt.and_then(|config| Simulation::new(config, None)) {
                Ok(sim) => sim,
                Err(e) => return failed(format!("the run could not be rebuilt: {e}")),
            };
            let at = job.fork_at_us;
            let step = (at / 50).max(100_000);
            let mut shown = -1.0;
            while sim.now_us() < at {
                sim.advance_to((sim.now_us() + step).min(at));
                let fraction = sim.now_us() as f64 / at as f64;
                if (fraction * STEPS).floor() > shown {
                    shown = (fraction * STEPS).floor();
                    post(&Reply::Progress {
                        sweep,
                        cell,
                        phase: Phase::RebuildRun,
                        fraction,
                    });
                }
            }
            let digest = sim.digest();
            self.base = Some((job.base.clone(), at, sim, digest));
        }
        let Some((_, _, base, base_digest)) = &self.base else {
            return failed("the run could not be rebuilt".into());
        };
        let mut shown = (Phase::Horizon, -1.0);
        let outcome = run_cell_from_keeping(
            &job.cell,
            base,
            None,
            job.horizon_us,
            job.crash_times,
            |phase, fraction| {
                let phase = match phase {
                    CellPhase::CatchUpToFork => Phase::CatchUpToFork,
                    CellPhase::Horizon => Phase::Horizon,
                };
                let step = (fraction * STEPS).floor();
                if phase != shown.0 || step > shown.1 {
                    shown = (phase, step);
                    post(&Reply::Progress {
                        sweep,
                        cell,
                        phase,
                        fraction,
                    });
                }
            },
        );
        match outcome {
            Ok((result, sim)) => Reply::Done {
                sweep,
                cell,
                result: Box::new(result),
                base_digest: *base_digest,
                flink_yaml: flink_yaml(&sim),
            },
            Err(e) => failed(e.to_string()),
        }
    }
}
