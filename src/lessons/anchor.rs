//! Anchors: the things in the picture a callout points at. An anchor names a thing the way
//! a lesson thinks of it ("the key group of `user-42`", "the latest completed checkpoint");
//! [`Anchor::resolve`] turns it into the concrete [`Target`] it is right now, or `None`
//! while the thing does not exist (a barrier that has not been injected or has already
//! reached its subtask, a chunk not on the link). The UI computes where a target is drawn
//! each frame, so a callout follows it as it moves.

use super::condition::CheckpointRef;
use crate::engine::partitioning::keygroups::Key;
use crate::engine::report::stats::Direction;
use crate::engine::report::view::SimView;
use crate::engine::sim::Simulation;
use crate::engine::transfer::store::CheckpointId;
use serde::{Deserialize, Serialize};

/// A formula of the model panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Formula {
    /// `key group = murmur(hashCode(key)) % maxParallelism`.
    KeyGroup,
    /// `subtask = keyGroup × parallelism / maxParallelism`.
    OperatorIndex,
    /// `P = S / Z`: partitions from state size and partition size.
    Partitions,
    /// `C = S / T`: raw size over encoded size.
    CompressionRatio,
    /// `T = B / D`: the change-rate policy's interval.
    ChangeInterval,
    /// `T = sqrt(2·C·M)` and Daly's refinement.
    YoungDaly,
}

/// Something in the picture, as a lesson names it.
///
/// JSON: `{"subtask": 1}`, `{"key_group": 5}`, `{"key_group_of_key": "user-42"}`,
/// `{"subtask_of_key": "user-42"}`, `{"barrier": {"checkpoint": 2, "subtask": 1}}`,
/// `{"chunk_on_link": 5}` (key group 5's chunk, uploading or downloading),
/// `{"stored_checkpoint": "latest_completed"}`, `{"history_row": 3}`,
/// `{"formula": "partitions"}`, `"source"`, `"link"`, `"store"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Anchor {
    Subtask(u32),
    KeyGroup(u32),
    KeyGroupOfKey(String),
    SubtaskOfKey(String),
    /// The barrier of a checkpoint (a number or `"latest"`) in a subtask's input channel.
    Barrier {
        checkpoint: CheckpointRef,
        subtask: u32,
    },
    ChunkOnLink(u32),
    /// A completed checkpoint the store retains (a number or `"latest_completed"`).
    StoredCheckpoint(CheckpointRef),
    /// A row of the checkpoint history (a number, `"latest"` or `"latest_completed"`).
    HistoryRow(CheckpointRef),
    Formula(Formula),
    Source,
    Link,
    Store,
}

/// What an anchor points at right now, by the ids the UI draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Subtask(u32),
    KeyGroup(u32),
    Barrier {
        checkpoint: CheckpointId,
        subtask: u32,
    },
    ChunkOnLink {
        key_group: u32,
        direction: Direction,
    },
    StoredCheckpoint(CheckpointId),
    HistoryRow(CheckpointId),
    Formula(Formula),
    Source,
    Link,
    Store,
}

impl Anchor {
    /// The checkpoint words each kind of anchor accepts (the reader refuses others).
    pub fn allowed_checkpoint_words(&self) -> &'static [CheckpointRef] {
        match self {
            Anchor::Barrier { .. } => &[CheckpointRef::Latest],
            Anchor::StoredCheckpoint(_) => &[CheckpointRef::LatestCompleted],
            Anchor::HistoryRow(_) => &[CheckpointRef::Latest, CheckpointRef::LatestCompleted],
            _ => &[],
        }
    }

    pub fn checkpoint_ref(&self) -> Option<CheckpointRef> {
        match self {
            Anchor::Barrier { checkpoint, .. } => Some(*checkpoint),
            Anchor::StoredCheckpoint(c) | Anchor::HistoryRow(c) => Some(*c),
            _ => None,
        }
    }

    /// Whether the thing exists now.
    pub fn present(&self, sim: &Simulation) -> bool {
        self.resolve(sim).is_some()
    }

    /// What it points at now; builds a view only for the anchors that need one.
    pub fn resolve(&self, sim: &Simulation) -> Option<Target> {
        if matches!(self, Anchor::Barrier { .. } | Anchor::ChunkOnLink(_)) {
            self.resolve_in(sim, &sim.view())
        } else {
            self.resolve_without_view(sim)
        }
    }

    /// [`Self::resolve`] with a view the caller built for this frame.
    pub fn resolve_in(&self, sim: &Simulation, view: &SimView) -> Option<Target> {
        match self {
            Anchor::Barrier {
                checkpoint,
                subtask,
            } => {
                let id = checkpoint.resolve(sim, 0)?;
                let channel = view.subtasks.get(*subtask as usize)?;
                channel
                    .barriers
                    .iter()
                    .any(|(_, b)| *b == id)
                    .then_some(Target::Barrier {
                        checkpoint: id,
                        subtask: *subtask,
                    })
            }
            Anchor::ChunkOnLink(key_group) => {
                let on = |list: &[crate::engine::report::view::TransferView]| {
                    list.iter().any(|t| t.key_group == *key_group)
                };
                let direction = if on(&view.uploads) {
                    Direction::Upload
                } else if on(&view.downloads) {
                    Direction::Download
                } else {
                    return None;
                };
                Some(Target::ChunkOnLink {
                    key_group: *key_group,
                    direction,
                })
            }
            _ => self.resolve_without_view(sim),
        }
    }

    fn resolve_without_view(&self, sim: &Simulation) -> Option<Target> {
        let partitioning = sim.partitioning();
        let key_group_of = |key: &str| Some(partitioning.key_group_of(&find_key(sim, key)?));
        match self {
            Anchor::Subtask(i) => (*i < partitioning.parallelism()).then_some(Target::Subtask(*i)),
            Anchor::KeyGroup(k) => {
                (*k < partitioning.max_parallelism()).then_some(Target::KeyGroup(*k))
            }
            Anchor::KeyGroupOfKey(key) => key_group_of(key).map(Target::KeyGroup),
            Anchor::SubtaskOfKey(key) => {
                key_group_of(key).map(|kg| Target::Subtask(partitioning.subtask_of_key_group(kg)))
            }
            Anchor::StoredCheckpoint(c) => {
                let id = c.resolve(sim, 0)?;
                sim.store()
                    .checkpoint(id)
                    .map(|c| Target::StoredCheckpoint(c.id))
            }
            Anchor::HistoryRow(c) => {
                let id = c.resolve(sim, 0)?;
                sim.history()
                    .iter()
                    .any(|h| h.id == id)
                    .then_some(Target::HistoryRow(id))
            }
            Anchor::Formula(f) => Some(Target::Formula(*f)),
            Anchor::Source => Some(Target::Source),
            Anchor::Link => Some(Target::Link),
            Anchor::Store => Some(Target::Store),
            Anchor::Barrier { .. } | Anchor::ChunkOnLink(_) => None,
        }
    }
}

/// The run's key written `text`: a string key (`user-42`), or an integer key (`42`) in a run
/// keyed by integers. `None` when the run has no such key, so a lesson cannot point at a
/// key its run never sees.
pub fn find_key(sim: &Simulation, text: &str) -> Option<Key> {
    let keys = sim.workload().keys();
    let as_string = Key::Str(text.to_string());
    if keys.index_of(&as_string).is_some() {
        return Some(as_string);
    }
    let as_long = Key::Long(text.parse().ok()?);
    keys.index_of(&as_long).map(|_| as_long)
}
