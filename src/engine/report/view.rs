//! The read-only picture of a simulation that the UI draws: plain data, no references
//! into the engine, cheap enough to build every animation frame.

use crate::engine::partitioning::keygroups::KeyGroupRange;
use crate::engine::report::events::LogEntry;
use crate::engine::report::stats::{
    CheckpointCounts, Direction, JobStatus, RecoveryStats, TransferCounts,
};
use crate::engine::sim::{ChannelItem, Simulation};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::link::Transfer;
use crate::engine::transfer::policy::{IntervalDecision, ShipDecision, ShipReason};
use crate::engine::transfer::store::{CheckpointId, ChunkId, ChunkRef};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimView {
    pub now_us: u64,
    pub status: JobStatus,
    pub source: SourceView,
    pub subtasks: Vec<SubtaskView>,
    pub key_groups: Vec<KeyGroupView>,
    pub uploads: Vec<TransferView>,
    /// Snapshots captured in the sync phase, waiting to be encoded and sent (in order).
    pub upload_backlog: Vec<QueuedSnapshotView>,
    pub downloads: Vec<TransferView>,
    pub store: StoreView,
    pub counts: CheckpointCounts,
    pub latest_recovery: Option<RecoveryStats>,
    pub policy: PolicyView,
    pub link: LinkView,
    /// The state change rate D over the sliding window, in bytes and in keys per second.
    pub change_bytes_per_s: f64,
    pub changed_keys_per_s: f64,
}

impl SimView {
    /// The seed document's three formulas with these numbers. `target_partition_bytes` is
    /// Z, the partition size a person aims for.
    pub fn seed_model(&self, target_partition_bytes: u64) -> SeedModel {
        let state_bytes: u64 = self.key_groups.iter().map(|k| k.raw_bytes).sum();
        let (raw, encoded) = self.store.checkpoints.last().map_or((0, 0), |c| {
            c.chunks
                .iter()
                .filter(|ch| ch.present)
                .fold((0, 0), |(r, e), ch| {
                    (r + ch.raw_bytes, e + ch.encoded_bytes)
                })
        });
        let z = target_partition_bytes.max(1);
        SeedModel {
            state_bytes,
            target_partition_bytes: z,
            partitions: state_bytes.div_ceil(z).max(1),
            checkpoint_raw_bytes: raw,
            checkpoint_encoded_bytes: encoded,
            compression_ratio: (encoded > 0).then(|| raw as f64 / encoded as f64),
            change_bytes_per_s: self.change_bytes_per_s,
            interval_ms: self
                .policy
                .decision
                .as_ref()
                .map(|d| d.interval_us as f64 / 1000.0),
        }
    }
}

/// The scheduling policy explaining itself: its inputs, its interval, when the next
/// checkpoint is due and why the last barrier shipped what it shipped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyView {
    pub name: &'static str,
    /// False for policies Flink does not have (the UI says statelab goes beyond Flink).
    pub in_flink: bool,
    pub decision: Option<IntervalDecision>,
    pub next_trigger_at_us: Option<u64>,
    /// How many key groups the latest barrier shipped or skipped, by reason.
    pub ship_counts: Vec<(ShipReason, u32)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkView {
    pub bandwidth_mbit_s: f64,
    pub latency_ms: f64,
    pub outage_until_us: Option<u64>,
    pub store_unavailable_until_us: Option<u64>,
    pub transfers: TransferCounts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceView {
    /// Next offset the source emits.
    pub offset: u64,
    /// Records that have arrived at the source (its backlog is `available - offset`).
    pub available: u64,
    pub rate_per_s: f64,
    pub ended: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubtaskView {
    pub index: u32,
    pub key_groups: KeyGroupRange,
    pub queued_records: u32,
    pub channel_capacity: u32,
    /// Positions (0 = next to be processed) and ids of barriers in the channel.
    pub barriers: Vec<(u32, CheckpointId)>,
    pub processed: u64,
    pub busy_in_sync_phase: bool,
    pub last_snapshot_at_us: Option<u64>,
    pub state_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyGroupView {
    pub key_group: u32,
    pub subtask: u32,
    pub keys: u32,
    pub raw_bytes: u64,
    /// Changed since the latest completed checkpoint captured it.
    pub dirty: bool,
    pub changed_bytes: u64,
    pub changed_records: u64,
    /// The chunk holding it in the latest completed checkpoint.
    pub chunk: Option<ChunkId>,
    /// Why the latest barrier shipped it or not, with the numbers it was decided on.
    pub ship: Option<ShipDecision>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransferView {
    pub key_group: u32,
    pub checkpoint: Option<CheckpointId>,
    pub subtask: Option<u32>,
    pub encoded_bytes: u64,
    pub raw_bytes: u64,
    pub sent_fraction: f64,
    pub arrives_at_us: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueuedSnapshotView {
    pub key_group: u32,
    pub checkpoint: CheckpointId,
    pub subtask: u32,
    pub raw_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreView {
    pub checkpoints: Vec<StoredCheckpointView>,
    /// Checkpoints still running: the chunks the store has acknowledged so far, and the
    /// older chunks they reference.
    pub in_progress: Vec<InProgressCheckpointView>,
    pub chunk_count: u32,
    pub stored_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredCheckpointView {
    pub id: CheckpointId,
    pub offset: u64,
    pub completed_at_us: u64,
    pub parallelism: u32,
    pub chunks: Vec<StoredChunkView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InProgressCheckpointView {
    pub id: CheckpointId,
    pub chunks: Vec<StoredChunkView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredChunkView {
    pub key_group: u32,
    pub chunk: ChunkId,
    /// Uploaded by an earlier checkpoint and shared (incremental).
    pub shared_from: Option<CheckpointId>,
    pub encoded_bytes: u64,
    pub raw_bytes: u64,
    pub codec: Codec,
    pub present: bool,
}

impl Simulation {
    pub fn view(&self) -> SimView {
        let job = self.job();
        let coordinator = self.coordinator();
        let store = self.store();
        let p = job.partitioning();
        let now = self.now_us();
        let capacity = self.config().job.channel_capacity;
        let subtasks = job
            .subtasks
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let range = p.key_group_range(i as u32);
                let mut barriers = Vec::new();
                let mut queued = 0u32;
                for item in &s.channel {
                    match item {
                        ChannelItem::Record(_) => queued += 1,
                        ChannelItem::Barrier(id) => barriers.push((queued, *id)),
                    }
                }
                SubtaskView {
                    index: i as u32,
                    key_groups: range,
                    queued_records: queued,
                    channel_capacity: capacity,
                    barriers,
                    processed: s.processed,
                    busy_in_sync_phase: s.blocked_until > now,
                    last_snapshot_at_us: s.last_snapshot_at,
                    state_bytes: range.iter().map(|kg| job.key_group(kg).raw_bytes()).sum(),
                }
            })
            .collect();
        let ship = coordinator.ship_decisions();
        let key_groups = (0..p.max_parallelism())
            .map(|kg| {
                let st = job.key_group(kg);
                let t = job.tracking(kg);
                KeyGroupView {
                    key_group: kg,
                    subtask: p.subtask_of_key_group(kg),
                    keys: st.len(),
                    raw_bytes: st.raw_bytes(),
                    dirty: t.dirty(),
                    changed_bytes: t.changed_bytes,
                    changed_records: t.changed_records,
                    chunk: t.confirmed.map(|c| c.chunk),
                    ship: ship[kg as usize],
                }
            })
            .collect();
        let transfer_view =
            |item: &Transfer, size: u64, sent_fraction: f64, arrives_at_us| match item {
                Transfer::Upload {
                    checkpoint,
                    subtask,
                    key_group,
                    raw_len,
                    ..
                } => TransferView {
                    key_group: *key_group,
                    checkpoint: Some(*checkpoint),
                    subtask: Some(*subtask),
                    encoded_bytes: size,
                    raw_bytes: *raw_len,
                    sent_fraction,
                    arrives_at_us,
                },
                Transfer::Download {
                    key_group, chunk, ..
                } => TransferView {
                    key_group: *key_group,
                    checkpoint: store.chunk(*chunk).map(|c| c.checkpoint),
                    subtask: Some(p.subtask_of_key_group(*key_group)),
                    encoded_bytes: size,
                    raw_bytes: store.chunk(*chunk).map_or(0, |c| c.raw_len),
                    sent_fraction,
                    arrives_at_us,
                },
            };
        let in_flight = |d: Direction| -> Vec<TransferView> {
            self.link()
                .in_flight(d)
                .into_iter()
                .map(|f| transfer_view(f.item, f.size, f.sent_fraction, f.arrives_at_us))
                .collect()
        };
        let checkpoints = store
            .completed()
            .map(|c| StoredCheckpointView {
                id: c.id,
                offset: c.offset,
                completed_at_us: c.completed_at_us,
                parallelism: c.parallelism,
                chunks: c
                    .manifest
                    .iter()
                    .map(|r| self.chunk_view(c.id, r))
                    .collect(),
            })
            .collect();
        let workload = self.workload();
        let (change_bytes_per_s, changed_keys_per_s) = self.change_rate();
        let policy = &self.config().checkpointing.policy;
        SimView {
            now_us: now,
            status: self.status().clone(),
            source: SourceView {
                offset: job.source_offset(),
                available: workload.available(now),
                rate_per_s: workload.config().rate.rate_at(now),
                ended: workload
                    .length()
                    .is_some_and(|len| job.source_offset() >= len),
            },
            subtasks,
            key_groups,
            uploads: in_flight(Direction::Upload),
            upload_backlog: coordinator
                .upload_backlog()
                .iter()
                .map(|q| QueuedSnapshotView {
                    key_group: q.key_group(),
                    checkpoint: q.checkpoint,
                    subtask: q.subtask,
                    raw_bytes: q.raw_bytes(),
                })
                .collect(),
            downloads: in_flight(Direction::Download),
            store: StoreView {
                checkpoints,
                in_progress: self.in_progress_chunks(),
                chunk_count: store.chunks().count() as u32,
                stored_bytes: store.stored_bytes(),
            },
            counts: self.counts().clone(),
            latest_recovery: self.recoveries().last().cloned(),
            policy: PolicyView {
                name: policy.name(),
                in_flink: policy.in_flink(),
                decision: self.interval_decision(),
                next_trigger_at_us: self.next_trigger_at_us(),
                ship_counts: ShipReason::ALL
                    .iter()
                    .map(|r| {
                        let n = ship
                            .iter()
                            .filter(|s| s.is_some_and(|s| s.reason == *r))
                            .count();
                        (*r, n as u32)
                    })
                    .filter(|(_, n)| *n > 0)
                    .collect(),
            },
            link: self.link_view(),
            change_bytes_per_s,
            changed_keys_per_s,
        }
    }

    /// The link's settings and faults as they stand now.
    pub fn link_view(&self) -> LinkView {
        let now = self.now_us();
        let link = self.link();
        LinkView {
            bandwidth_mbit_s: self.config().link.bandwidth_mbit_s,
            latency_ms: link.latency_ms(),
            outage_until_us: (link.outage_until() > now).then_some(link.outage_until()),
            store_unavailable_until_us: self.store().unavailable_until(now),
            transfers: link.counts(),
        }
    }

    /// What running checkpoints hold in the store so far.
    fn in_progress_chunks(&self) -> Vec<InProgressCheckpointView> {
        let store = self.store();
        self.coordinator()
            .pending()
            .map(|(id, p)| InProgressCheckpointView {
                id: *id,
                chunks: p
                    .manifest
                    .iter()
                    .filter_map(|(kg, e)| {
                        let c = store.chunk(e.chunk?)?;
                        Some(StoredChunkView {
                            key_group: *kg,
                            chunk: c.id,
                            shared_from: (c.checkpoint != *id).then_some(c.checkpoint),
                            encoded_bytes: c.bytes.len() as u64,
                            raw_bytes: c.raw_len,
                            codec: c.codec,
                            present: true,
                        })
                    })
                    .collect(),
            })
            .collect()
    }

    fn chunk_view(&self, checkpoint: CheckpointId, r: &ChunkRef) -> StoredChunkView {
        match self.store().chunk(r.chunk) {
            Some(c) => StoredChunkView {
                key_group: r.key_group,
                chunk: r.chunk,
                shared_from: (c.checkpoint != checkpoint).then_some(c.checkpoint),
                encoded_bytes: c.bytes.len() as u64,
                raw_bytes: c.raw_len,
                codec: c.codec,
                present: true,
            },
            None => StoredChunkView {
                key_group: r.key_group,
                chunk: r.chunk,
                shared_from: None,
                encoded_bytes: 0,
                raw_bytes: 0,
                codec: self.config().checkpointing.codec,
                present: false,
            },
        }
    }

    /// The seed document's three formulas with this run's numbers (see `SimView::seed_model`).
    pub fn seed_model(&self, target_partition_bytes: u64) -> SeedModel {
        self.view().seed_model(target_partition_bytes)
    }

    /// Main log entries at or after `t_us`, oldest first.
    pub fn events_since(&self, t_us: u64) -> Vec<LogEntry> {
        self.log().since(t_us).cloned().collect()
    }
}

/// One key group opened up for the inspector: its keys and values as text, its size raw
/// and as each codec would encode it right now (really encoded, not estimated).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyGroupInspection {
    pub key_group: u32,
    pub subtask: u32,
    pub keys: u32,
    pub entries: Vec<(String, String)>,
    pub raw_bytes: u64,
    pub encoded_bytes: Vec<(Codec, u64)>,
    pub chunk: Option<ChunkId>,
}

impl Simulation {
    /// Opens a key group: up to `limit` entries as text, and its snapshot really encoded by
    /// every codec.
    pub fn inspect_key_group(&self, key_group: u32, limit: usize) -> Option<KeyGroupInspection> {
        use crate::engine::state::keyed::KeyValue;
        if key_group >= self.partitioning().max_parallelism() {
            return None;
        }
        let st = self.key_group_state(key_group);
        let keys = self.workload().keys();
        let members = keys.members(key_group);
        let entries = st
            .iter()
            .take(limit)
            .map(|(slot, v)| {
                let value = match v {
                    KeyValue::Counter { sum } => format!("sum {sum}"),
                    KeyValue::Events(e) => {
                        e.iter().map(|e| e.render()).collect::<Vec<_>>().join(" ")
                    }
                    KeyValue::Bytes { bytes } => format!(
                        "{} random bytes: {}…",
                        bytes.len(),
                        bytes
                            .iter()
                            .take(8)
                            .map(|b| format!("{b:02x}"))
                            .collect::<String>()
                    ),
                };
                (keys.key(members[slot]).to_string(), value)
            })
            .collect();
        let layout = self.heap_layout();
        Some(KeyGroupInspection {
            key_group,
            subtask: self.partitioning().subtask_of_key_group(key_group),
            keys: st.len(),
            entries,
            raw_bytes: st.raw_bytes(),
            // Each written through its compression: a key group of a huge job is never held
            // raw.
            encoded_bytes: Codec::ALL
                .iter()
                .map(|c| {
                    let encoded =
                        crate::engine::state::snapshot::encode(st, keys, layout, *c, false);
                    (*c, encoded.len() as u64)
                })
                .collect(),
            chunk: self.job().tracking(key_group).confirmed.map(|c| c.chunk),
        })
    }
}

/// The seed document's model, live: `P = S / Z`, `C = S / T`, `T = D / F`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedModel {
    /// S: serialised state size now.
    pub state_bytes: u64,
    /// Z: the target partition size.
    pub target_partition_bytes: u64,
    /// P = ⌈S / Z⌉: partitions the state would need.
    pub partitions: u64,
    /// Raw and encoded size of the latest completed checkpoint (C = raw / encoded).
    pub checkpoint_raw_bytes: u64,
    pub checkpoint_encoded_bytes: u64,
    pub compression_ratio: Option<f64>,
    /// D: state change rate over the sliding window.
    pub change_bytes_per_s: f64,
    /// T: the interval the policy chose.
    pub interval_ms: Option<f64>,
}
