//! How many keys a Flink checkpoint of a given size holds: the one place the calibration
//! turns checkpoint bytes into keys.
//!
//! The heap (hashmap) sizes come from the engine's own writer of Flink's format
//! (`engine::state::flink_heap`): an entry of a `String` key of 9 ASCII characters with a
//! `Long` value is 1 (namespace) + 1 + 9 (the key) + 8 bytes, and a keyed subtask adds its
//! header and 22 bytes for each of its key groups (a `KeyedProcessFunction` with one
//! `ValueState<Long>` named `counter`, as the recorded jobs are). REST shows bytes, not keys
//! or their length, so the 9-character key is an assumption, said in the estimate. With
//! Snappy the ratio measured on the recorded counter state (2.49) is used; RocksDB right
//! after a level-0 compaction held about 10.9 bytes per key.

use crate::engine::state::flink_heap::{
    entry_len, HeapLayout, KeyRef, KeySerializer, StateType, ValueRef,
};
use serde::Serialize;

/// The assumed key: a 9-character `String`, as in the recorded jobs (`key-00042`).
const ASSUMED_KEY: &str = "key-00000";

/// Heap snapshot bytes per key: namespace 1, the assumed `String` key 1 + 9, a `Long` 8.
pub fn heap_bytes_per_key() -> f64 {
    entry_len(KeyRef::Str(ASSUMED_KEY), ValueRef::Long(0)) as f64
}

/// Heap snapshot bytes per keyed subtask besides its entries: its header and its key
/// groups' fixed part.
pub fn heap_fixed_per_subtask(max_parallelism: u32, parallelism: u32) -> f64 {
    let layout =
        HeapLayout::keyed_process_function(KeySerializer::String, "counter", StateType::LongValue);
    layout.header_len() as f64
        + f64::from(max_parallelism) / f64::from(parallelism.max(1))
            * layout.key_group_fixed_len() as f64
}

/// Uncompressed over Snappy-compressed heap snapshot size on the measured counter state.
pub const HEAP_SNAPPY_RATIO: f64 = 2.49;
/// RocksDB bytes per key right after a level-0 compaction (1.04–1.14 MB for 100k keys).
pub const ROCKSDB_COMPACTED_BYTES_PER_KEY: f64 = 10.9;

/// How the checkpointed state is laid out, as far as the calibration could tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Heap { compressed: bool },
    RocksDb,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyEstimate {
    pub keys: u64,
    /// The formula, with its numbers.
    pub how: String,
}

/// Keys held by a keyed vertex whose checkpoint is `state_size` bytes over `parallelism`
/// subtasks. For RocksDB pass the smallest full size after the key set stopped growing
/// (a checkpoint right after a compaction), since between compactions the full size
/// counts every key several times.
pub fn estimate_keys(
    layout: Layout,
    state_size: u64,
    parallelism: u32,
    max_parallelism: u32,
) -> KeyEstimate {
    let per_subtask = heap_fixed_per_subtask(max_parallelism, parallelism);
    let per_key = heap_bytes_per_key();
    let fixed = per_subtask * f64::from(parallelism);
    let size = state_size as f64;
    let (keys, how) = match layout {
        Layout::Heap { compressed: false } => (
            (size - fixed) / per_key,
            format!(
                "({state_size} B − {parallelism} × {per_subtask:.0} B) / {per_key} B per key (Flink's heap layout, assuming 9-char String keys and Long values)"
            ),
        ),
        Layout::Heap { compressed: true } => (
            (size * HEAP_SNAPPY_RATIO - fixed) / per_key,
            format!(
                "({state_size} B × {HEAP_SNAPPY_RATIO} Snappy ratio − {parallelism} × {per_subtask:.0} B) / {per_key} B per key (ratio measured on a counter state)"
            ),
        ),
        Layout::RocksDb => (
            size / ROCKSDB_COMPACTED_BYTES_PER_KEY,
            format!(
                "{state_size} B / {ROCKSDB_COMPACTED_BYTES_PER_KEY} B per key (RocksDB right after a level-0 compaction, measured on a counter state)"
            ),
        ),
    };
    KeyEstimate {
        keys: keys.round().max(1.0) as u64,
        how,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_count_job_gives_its_key_count() {
        // count-hashmap-nocomp: 100,000 keys in 1,904,924 B over 2 subtasks.
        let e = estimate_keys(Layout::Heap { compressed: false }, 1_904_924, 2, 128);
        assert_eq!(e.keys, 100_000);
        // count-hashmap-comp: median 765,740 B.
        let e = estimate_keys(Layout::Heap { compressed: true }, 765_740, 2, 128);
        assert!((99_000..101_000).contains(&e.keys), "{}", e.keys);
    }
}
