//! Actions: what a step's setup does to the run when the step begins, and what a "try it"
//! solution does step by step — the same things the lab's controls do (crash, rescale,
//! inject a fault, trigger a checkpoint, change a setting live, let time pass), so the UI
//! can replay a solution through the very calls a learner makes.
//!
//! Settings are partial JSON merged onto the run's current config (`{"checkpointing":
//! {"codec": "lz4"}}`), the same way a lesson's run config is merged onto the defaults.

use crate::engine::config::{Config, ConfigErrors};
use crate::engine::faults::{Fault, FaultError};
use crate::engine::sim::{Reconfigured, Simulation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// JSON: `"crash_job"`, `{"crash_subtask": 1}`, `{"rescale": 3}`, `{"inject": {"kind":
/// "lose_chunk", "key_group": 4}}`, `"trigger_checkpoint"`, `{"set": {"checkpointing":
/// {"timeout_ms": 5000}}}`, `{"advance_s": 3}`, `{"answer": 2}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    CrashJob,
    CrashSubtask(u32),
    Rescale(u32),
    /// Any fault, as the config's fault schedule writes it.
    Inject(Fault),
    TriggerCheckpoint,
    /// Change settings under the running job (refused if they need a new run).
    Set(Value),
    /// Let virtual time pass (solutions only: a setup acts in an instant).
    AdvanceS(f64),
    /// Answer a "try it" question with the choice at this index (solutions only).
    Answer(usize),
}

impl Action {
    /// Whether it takes no virtual time and needs no learner, so a setup may use it.
    pub fn is_instant(&self) -> bool {
        !matches!(self, Action::AdvanceS(_) | Action::Answer(_))
    }
}

/// Why an action could not be applied; nothing changed then.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionError {
    Fault(FaultError),
    Config(ConfigErrors),
    /// These settings cannot change under a running job.
    NeedsNewRun(Vec<&'static str>),
    /// The coordinator did not trigger (job not running, or at the concurrency limit).
    TriggerRefused,
    /// `answer` is for the session, which knows the question.
    NotASimulationAction,
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::Fault(e) => write!(f, "{e}"),
            ActionError::Config(e) => write!(f, "{e}"),
            ActionError::NeedsNewRun(fields) => write!(
                f,
                "{} cannot change under a running job; start a new run",
                fields.join(", ")
            ),
            ActionError::TriggerRefused => write!(
                f,
                "no checkpoint was triggered: the job is not running or max-concurrent-checkpoints is reached"
            ),
            ActionError::NotASimulationAction => {
                write!(f, "an answer is given to the lesson, not to the simulation")
            }
        }
    }
}

impl std::error::Error for ActionError {}

/// Applies one action to the simulation, at the next tick boundary (see [`to_tick`]).
pub fn apply(sim: &mut Simulation, action: &Action) -> Result<(), ActionError> {
    to_tick(sim);
    match action {
        Action::CrashJob => {
            sim.crash_job();
            Ok(())
        }
        Action::CrashSubtask(s) => sim.crash_subtask(*s).map_err(ActionError::Fault),
        Action::Rescale(p) => sim.rescale(*p).map_err(ActionError::Fault),
        Action::Inject(fault) => sim.inject(fault).map_err(ActionError::Fault),
        Action::TriggerCheckpoint => {
            if sim.trigger_checkpoint() {
                Ok(())
            } else {
                Err(ActionError::TriggerRefused)
            }
        }
        Action::Set(partial) => {
            let mut config =
                serde_json::to_value(sim.config()).expect("a config always serialises");
            merge(&mut config, partial);
            let new = Config::from_value_unvalidated(&config).map_err(ActionError::Config)?;
            match sim.reconfigure(new).map_err(ActionError::Config)? {
                Reconfigured::Live(_) | Reconfigured::Rescaled { .. } => Ok(()),
                Reconfigured::NeedsNewRun(fields) => Err(ActionError::NeedsNewRun(fields)),
            }
        }
        Action::AdvanceS(s) => {
            sim.advance_by(super::condition::seconds_to_us(*s));
            Ok(())
        }
        Action::Answer(_) => Err(ActionError::NotASimulationAction),
    }
}

/// Lets the clock reach the next multiple of `tick_us` (at most one tick, 1 ms by default),
/// so the data plane stands where the clock does.
///
/// Between two boundaries the engine's clock moves on while its data plane waits at the
/// last one. A checkpoint triggered there (directly, or by a settings change that re-arms
/// an overdue trigger) gets its barrier processed at a data-plane time before its own
/// trigger time, and the start delay underflows (a panic in debug builds). Acting on the
/// grid avoids that; the lesson path stays deterministic because every path acts the same
/// way.
pub fn to_tick(sim: &mut Simulation) {
    let tick = sim.config().tick_us.max(1);
    sim.advance_to(sim.now_us().div_ceil(tick) * tick);
}

/// Deep-merges `partial` onto `base`: objects merge key by key, anything else replaces.
/// A tagged object (`{"kind": …}`) that names another kind replaces the old one whole, so
/// the config reader gives it that kind's defaults instead of the old kind's fields.
pub fn merge(base: &mut Value, partial: &Value) {
    match (base, partial) {
        (Value::Object(b), Value::Object(p)) => {
            let other_kind = |b: &Map<String, Value>| {
                p.get("kind")
                    .is_some_and(|k| b.get("kind").is_some_and(|bk| bk != k))
            };
            if other_kind(b) {
                *b = p.clone();
                return;
            }
            for (key, value) in p {
                match b.get_mut(key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        b.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_keeps_what_the_partial_omits_and_replaces_another_kind() {
        let mut base = json!({"a": {"x": 1, "y": 2}, "p": {"kind": "fixed"}, "q": {"kind": "zipf", "exponent": 1.0}});
        merge(
            &mut base,
            &json!({"a": {"y": 3}, "p": {"kind": "adaptive", "window_ms": 5}, "q": {"exponent": 2.0}}),
        );
        assert_eq!(
            base,
            json!({"a": {"x": 1, "y": 3}, "p": {"kind": "adaptive", "window_ms": 5}, "q": {"kind": "zipf", "exponent": 2.0}})
        );
    }
}
