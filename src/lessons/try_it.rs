//! "Try it": the step hands the lab's controls to the learner with a goal the engine
//! checks, a hint after a while (the UI counts wall time; the lesson stores the delay) and
//! a scripted solution ("show me") made of the same actions the controls perform.
//!
//! Goals are typed predicates on the simulation. They look only at what happened since the
//! learner got the controls (a checkpoint that completed before does not count), so the
//! tests can check both that the goal is not met when the controls are handed over and
//! that the scripted solution meets it.

use super::action::Action;
use super::condition::FailureKind;
use super::prediction::Choice;
use super::probe::Probe;
use crate::engine::report::stats::CheckpointStatus;
use crate::engine::report::stats::JobStatus;
use crate::engine::sim::Simulation;
use crate::engine::transfer::store::CheckpointId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryIt {
    /// What to achieve, in a sentence.
    pub task: String,
    pub goal: Goal,
    pub hint: Hint,
    /// "Show me": actions that reach the goal from where the step hands over.
    pub solution: Vec<Action>,
    /// A question answered with a choice, for an `answered` goal ("where did `user-42`
    /// go?"); the engine's probe decides which choices are right.
    #[serde(default)]
    pub question: Option<Question>,
    /// Shown once the goal is met.
    pub success: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// Wall-clock seconds the learner has tried before the hint shows.
    pub after_s: f64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub text: String,
    pub probe: Probe,
    pub choices: Vec<Choice>,
}

/// JSON: `"checkpoint_completed"`, `{"checkpoint_size_below": 200000}`,
/// `{"checkpoint_failed": {"failure": "expired"}}`, `"exactly_once_holds"`,
/// `{"recovered_with_replay_below": 2000}`, `{"parallelism": 3}`, `"answered"`,
/// `{"all": [ … ]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Goal {
    /// Every goal in the list.
    All(Vec<Goal>),
    /// A checkpoint completed.
    CheckpointCompleted,
    /// A checkpoint completed with a checkpointed data size below this many bytes.
    CheckpointSizeBelow(u64),
    /// A checkpoint failed (for this reason, if given).
    CheckpointFailed {
        #[serde(default)]
        failure: Option<FailureKind>,
    },
    /// Every recovery since the handover caught up and passed the exactly-once check (none
    /// still running; vacuously true without a recovery, so combine it with another goal).
    ExactlyOnceHolds,
    /// A recovery caught up, exactly once, having replayed fewer records than this.
    RecoveredWithReplayBelow(u64),
    /// The job runs with this parallelism.
    Parallelism(u32),
    /// The learner answered the step's question with a choice the engine says is right.
    Answered,
}

impl Goal {
    /// Whether it (or a part of it) needs the step's question.
    pub fn needs_answer(&self) -> bool {
        match self {
            Goal::All(goals) => goals.iter().any(Goal::needs_answer),
            Goal::Answered => true,
            _ => false,
        }
    }

    /// Whether it is met, looking at what happened since `since`. `answer_right` says
    /// whether the learner's answer to the question is right.
    pub fn met(&self, sim: &Simulation, since: &Handover, answer_right: bool) -> bool {
        let finished = || since.finished_checkpoints(sim);
        let new_recoveries = || sim.recoveries().iter().skip(since.recoveries);
        match self {
            Goal::All(goals) => goals.iter().all(|g| g.met(sim, since, answer_right)),
            Goal::CheckpointCompleted => {
                finished().any(|h| h.status == CheckpointStatus::Completed)
            }
            Goal::CheckpointSizeBelow(bytes) => finished().any(|h| {
                h.status == CheckpointStatus::Completed && h.checkpointed_data_size < *bytes
            }),
            Goal::CheckpointFailed { failure } => finished().any(|h| match &h.status {
                CheckpointStatus::Failed(f) => {
                    failure.is_none_or(|want| FailureKind::of(f) == want)
                }
                _ => false,
            }),
            Goal::ExactlyOnceHolds => {
                new_recoveries().all(|r| r.exactly_once.as_ref().is_some_and(|report| report.ok()))
            }
            Goal::RecoveredWithReplayBelow(records) => new_recoveries().any(|r| {
                r.exactly_once.as_ref().is_some_and(|report| report.ok())
                    && r.replayed_records < *records
            }),
            Goal::Parallelism(p) => {
                sim.partitioning().parallelism() == *p && *sim.status() == JobStatus::Running
            }
            Goal::Answered => answer_right,
        }
    }
}

/// The run as the learner got it: what a goal compares against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handover {
    history_len: usize,
    running: Vec<CheckpointId>,
    recoveries: usize,
}

impl Handover {
    pub fn now(sim: &Simulation) -> Self {
        Self {
            history_len: sim.history().len(),
            running: sim
                .history()
                .iter()
                .filter(|h| h.status == CheckpointStatus::InProgress)
                .map(|h| h.id)
                .collect(),
            recoveries: sim.recoveries().len(),
        }
    }

    /// Checkpoints that completed or failed since the handover.
    fn finished_checkpoints<'a>(
        &'a self,
        sim: &'a Simulation,
    ) -> impl Iterator<Item = &'a crate::engine::report::stats::CheckpointStats> + 'a {
        let history = sim.history();
        let triggered_before = history[..self.history_len.min(history.len())]
            .iter()
            .filter(|h| self.running.contains(&h.id));
        triggered_before
            .chain(history.iter().skip(self.history_len))
            .filter(|h| h.status != CheckpointStatus::InProgress)
    }
}
