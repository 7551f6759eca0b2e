//! Run-until conditions: when a step's run stops, as typed data matched against the
//! engine's typed [`Event`]s (or the virtual clock), and the watch that plays a run in
//! pieces of any size.
//!
//! A run is played by [`RunWatch::advance`] with a budget of virtual time, so the UI can
//! call it once per animation frame and the tests once for the whole run; both end at the
//! same boundary because the engine's runs do not depend on how their advances are cut.
//! Only events logged after the step's setup count: a crash done by the setup does not
//! satisfy "job failed".

use crate::engine::report::events::Event;
use crate::engine::report::stats::CheckpointFailure;
use crate::engine::sim::Simulation;
use crate::engine::transfer::store::CheckpointId;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Names a checkpoint: by number, or relative to the run.
///
/// In JSON a number (`3`) or one of `"latest"` (the latest triggered), `"latest_completed"`
/// and `"next"` (the first checkpoint triggered after the step's setup). Each place that
/// takes one says which words it accepts; the lesson reader refuses the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointRef {
    Id(CheckpointId),
    Latest,
    LatestCompleted,
    Next,
}

impl<'de> Deserialize<'de> for CheckpointRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) if n.as_u64().is_some_and(|id| id >= 1) => {
                Ok(CheckpointRef::Id(n.as_u64().unwrap_or(1)))
            }
            Value::String(s) if s == "latest" => Ok(CheckpointRef::Latest),
            Value::String(s) if s == "latest_completed" => Ok(CheckpointRef::LatestCompleted),
            Value::String(s) if s == "next" => Ok(CheckpointRef::Next),
            other => Err(D::Error::custom(format!(
                "a checkpoint is a number from 1 or one of \"latest\", \"latest_completed\", \"next\"; found {other}"
            ))),
        }
    }
}

impl CheckpointRef {
    pub fn word(self) -> &'static str {
        match self {
            CheckpointRef::Id(_) => "a number",
            CheckpointRef::Latest => "\"latest\"",
            CheckpointRef::LatestCompleted => "\"latest_completed\"",
            CheckpointRef::Next => "\"next\"",
        }
    }

    /// The checkpoint it names now. `next_at_step` is the id the next checkpoint had when
    /// the step's setup ended.
    pub fn resolve(self, sim: &Simulation, next_at_step: CheckpointId) -> Option<CheckpointId> {
        match self {
            CheckpointRef::Id(id) => Some(id),
            CheckpointRef::Latest => sim.history().last().map(|h| h.id),
            CheckpointRef::LatestCompleted => sim.store().latest().map(|c| c.id),
            CheckpointRef::Next => Some(next_at_step),
        }
    }
}

/// The id the next triggered checkpoint will get (ids never repeat, even across restores).
pub fn next_checkpoint_id(sim: &Simulation) -> CheckpointId {
    sim.history().last().map_or(1, |h| h.id + 1)
}

/// Why a checkpoint failed, as a lesson names it (the kinds of [`CheckpointFailure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Expired,
    Subsumed,
    StoreUnavailable,
    UploadFailed,
    JobFailed,
}

impl FailureKind {
    pub fn of(failure: &CheckpointFailure) -> Self {
        match failure {
            CheckpointFailure::Expired { .. } => FailureKind::Expired,
            CheckpointFailure::Subsumed { .. } => FailureKind::Subsumed,
            CheckpointFailure::StoreUnavailable { .. } => FailureKind::StoreUnavailable,
            CheckpointFailure::UploadFailed(_) => FailureKind::UploadFailed,
            CheckpointFailure::JobFailed => FailureKind::JobFailed,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Expired => "expired",
            FailureKind::Subsumed => "subsumed",
            FailureKind::StoreUnavailable => "store_unavailable",
            FailureKind::UploadFailed => "upload_failed",
            FailureKind::JobFailed => "job_failed",
        }
    }
}

/// What a step runs until. Event conditions match one kind of [`Event`], narrowed by the
/// ids given (an omitted id matches any); `time_s` and `elapsed_s` watch the clock.
///
/// JSON: `"caught_up"`, `{"checkpoint_completed": {"checkpoint": 3}}`,
/// `{"barrier_reached": {"checkpoint": 2, "subtask": 1}}`, `{"chunk_acknowledged":
/// {"key_group": 17}}` ("key group 17 shipped"), `{"time_s": 12}`, `{"elapsed_s": 3}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    CheckpointTriggered {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
    },
    BarrierReached {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
        #[serde(default)]
        subtask: Option<u32>,
    },
    SnapshotTaken {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
        #[serde(default)]
        subtask: Option<u32>,
    },
    ChunkAcknowledged {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
        #[serde(default)]
        key_group: Option<u32>,
    },
    SubtaskAcknowledged {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
        #[serde(default)]
        subtask: Option<u32>,
    },
    CheckpointCompleted {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
    },
    CheckpointFailed {
        #[serde(default)]
        checkpoint: Option<CheckpointRef>,
        #[serde(default)]
        failure: Option<FailureKind>,
    },
    ChunksDeleted,
    JobFailed,
    RestoreStarted,
    ChunkRestored {
        #[serde(default)]
        key_group: Option<u32>,
    },
    RestoreFellBack,
    /// "Restore finished": state installed, the source rewound, replay begins.
    RestoreDone,
    /// Replayed past the failure point; the exactly-once check ran.
    CaughtUp,
    /// Virtual time since the run started, in seconds.
    TimeS(f64),
    /// Virtual time since the step's setup, in seconds.
    ElapsedS(f64),
}

impl Condition {
    /// Whether it watches the clock rather than the event log.
    pub fn is_time(&self) -> bool {
        matches!(self, Condition::TimeS(_) | Condition::ElapsedS(_))
    }

    /// The checkpoint reference it names, if any (the reader checks which words it uses).
    pub fn checkpoint_ref(&self) -> Option<CheckpointRef> {
        use Condition::*;
        match self {
            CheckpointTriggered { checkpoint }
            | BarrierReached { checkpoint, .. }
            | SnapshotTaken { checkpoint, .. }
            | ChunkAcknowledged { checkpoint, .. }
            | SubtaskAcknowledged { checkpoint, .. }
            | CheckpointCompleted { checkpoint }
            | CheckpointFailed { checkpoint, .. } => *checkpoint,
            _ => None,
        }
    }

    /// Whether `event` is one this condition waits for. `next` resolves `"next"`.
    pub fn matches(&self, event: &Event, next: CheckpointId) -> bool {
        use Condition as C;
        let checkpoint_is = |want: &Option<CheckpointRef>| match want {
            None => true,
            Some(CheckpointRef::Id(id)) => event.checkpoint() == Some(*id),
            Some(CheckpointRef::Next) => event.checkpoint() == Some(next),
            // Refused by the reader: a condition cannot wait for "the latest".
            Some(_) => false,
        };
        let subtask_is = |want: &Option<u32>| want.is_none() || event.subtask() == *want;
        let key_group_is = |want: &Option<u32>| want.is_none() || event.key_group() == *want;
        match (self, event) {
            (C::CheckpointTriggered { checkpoint }, Event::CheckpointTriggered { .. })
            | (C::CheckpointCompleted { checkpoint }, Event::CheckpointCompleted { .. }) => {
                checkpoint_is(checkpoint)
            }
            (
                C::BarrierReached {
                    checkpoint,
                    subtask,
                },
                Event::BarrierReached { .. },
            )
            | (
                C::SnapshotTaken {
                    checkpoint,
                    subtask,
                },
                Event::SnapshotTaken { .. },
            )
            | (
                C::SubtaskAcknowledged {
                    checkpoint,
                    subtask,
                },
                Event::SubtaskAcknowledged { .. },
            ) => checkpoint_is(checkpoint) && subtask_is(subtask),
            (
                C::ChunkAcknowledged {
                    checkpoint,
                    key_group,
                },
                Event::ChunkAcknowledged { .. },
            ) => checkpoint_is(checkpoint) && key_group_is(key_group),
            (
                C::CheckpointFailed {
                    checkpoint,
                    failure,
                },
                Event::CheckpointFailed { failure: f, .. },
            ) => checkpoint_is(checkpoint) && failure.is_none_or(|want| FailureKind::of(f) == want),
            (C::ChunkRestored { key_group }, Event::ChunkRestored { .. }) => {
                key_group_is(key_group)
            }
            (C::ChunksDeleted, Event::ChunksDeleted { .. })
            | (C::JobFailed, Event::JobFailed { .. })
            | (C::RestoreStarted, Event::RestoreStarted { .. })
            | (C::RestoreFellBack, Event::RestoreFellBack(_))
            | (C::RestoreDone, Event::RestoreDone { .. })
            | (C::CaughtUp, Event::CaughtUp { .. }) => true,
            _ => false,
        }
    }
}

/// How a step's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// The condition was met; the simulation stands at the boundary where it happened.
    Reached,
    /// The bound passed first; the simulation stands at the bound.
    TimedOut,
}

/// A run in progress: what it waits for, how many matches it has seen, its bound.
#[derive(Clone, Debug)]
pub struct RunWatch {
    condition: Condition,
    times: u32,
    /// `"next"` as it was when the run started.
    next: CheckpointId,
    /// For clock conditions: when the run is over.
    target_us: Option<u64>,
    /// For event conditions: when it ends anyway.
    deadline_us: u64,
    /// Events with a lower sequence number have been looked at.
    scanned_seq: u64,
    seen: u32,
    outcome: Option<RunOutcome>,
}

impl RunWatch {
    /// Starts watching now. `within_us` bounds an event condition (ignored for clock ones).
    pub fn start(sim: &Simulation, condition: &Condition, times: u32, within_us: u64) -> Self {
        let now = sim.now_us();
        let target_us = match condition {
            Condition::TimeS(s) => Some(seconds_to_us(*s)),
            Condition::ElapsedS(s) => Some(now.saturating_add(seconds_to_us(*s))),
            _ => None,
        };
        Self {
            condition: condition.clone(),
            times: times.max(1),
            next: next_checkpoint_id(sim),
            target_us,
            deadline_us: target_us.unwrap_or(now.saturating_add(within_us)),
            scanned_seq: sim.log().next_seq(),
            seen: 0,
            outcome: None,
        }
    }

    pub fn outcome(&self) -> Option<RunOutcome> {
        self.outcome
    }

    /// Matches seen so far (of `times` wanted).
    pub fn seen(&self) -> u32 {
        self.seen
    }

    /// Plays the run for at most `budget_us` of virtual time; returns its outcome once it
    /// has one. With `at_every_event` it stops at every boundary where any event was
    /// logged and calls `observe` there (the session checks its callouts' anchors so);
    /// otherwise `observe` runs once per call. Where the run ends does not depend on either.
    pub fn advance(
        &mut self,
        sim: &mut Simulation,
        budget_us: u64,
        at_every_event: bool,
        mut observe: impl FnMut(&Simulation),
    ) -> Option<RunOutcome> {
        let slice_end = sim.now_us().saturating_add(budget_us);
        while self.outcome.is_none() {
            let end = slice_end.min(self.deadline_us);
            let now = sim.now_us();
            if now < end {
                let condition = &self.condition;
                let next = self.next;
                sim.step_until(end - now, |e| at_every_event || condition.matches(e, next));
            }
            self.scan(sim);
            observe(sim);
            if self.outcome.is_none() {
                if self.target_us.is_some_and(|t| sim.now_us() >= t) {
                    self.outcome = Some(RunOutcome::Reached);
                } else if sim.now_us() >= self.deadline_us {
                    self.outcome = Some(RunOutcome::TimedOut);
                } else if sim.now_us() >= slice_end {
                    break;
                }
            }
        }
        self.outcome
    }

    /// Counts the matching events logged since the last look.
    fn scan(&mut self, sim: &Simulation) {
        if self.condition.is_time() {
            self.scanned_seq = sim.log().next_seq();
            return;
        }
        for entry in sim.log().since_seq(self.scanned_seq) {
            if self.outcome.is_none() && self.condition.matches(&entry.event, self.next) {
                self.seen += 1;
                if self.seen >= self.times {
                    self.outcome = Some(RunOutcome::Reached);
                }
            }
        }
        self.scanned_seq = sim.log().next_seq();
    }
}

pub(crate) fn seconds_to_us(s: f64) -> u64 {
    if s.is_finite() && s > 0.0 {
        (s * 1e6).round() as u64
    } else {
        0
    }
}
