//! How many keys a Flink checkpoint of a given size holds: the one place the calibration
//! needs Flink's state layout.
//!
//! Until the engine writes Flink's own heap snapshot format (`state/flink_heap.rs`, in
//! progress), this estimates from what was measured on real Flink 2.3.0
//! (`tests/data/flink-real/`): a heap (hashmap) snapshot of `String` keys of 9 ASCII
//! characters with a `Long` value takes exactly 19 bytes per key (key 1 + 9, VoidNamespace
//! 1, value 8) plus 2,462 bytes per keyed subtask; Snappy (`snapshot-compression`) made it
//! 2.49 times smaller; RocksDB right after a level-0 compaction held about 10.9 bytes per
//! key. Each estimate says which of these it used. When the format lands, this function
//! should ask it instead, and the numbers below go.

use serde::Serialize;

/// Heap snapshot bytes per key: `String` key of 9 chars (1 + 9), VoidNamespace (1), `Long` (8).
pub const HEAP_BYTES_PER_KEY: f64 = 19.0;
/// Heap snapshot bytes per keyed subtask besides the keys (meta data, key-group offsets).
pub const HEAP_FIXED_PER_SUBTASK: f64 = 2_462.0;
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
pub fn estimate_keys(layout: Layout, state_size: u64, parallelism: u32) -> KeyEstimate {
    let fixed = HEAP_FIXED_PER_SUBTASK * f64::from(parallelism);
    let size = state_size as f64;
    let (keys, how) = match layout {
        Layout::Heap { compressed: false } => (
            (size - fixed) / HEAP_BYTES_PER_KEY,
            format!(
                "({state_size} B − {parallelism} × {HEAP_FIXED_PER_SUBTASK} B) / {HEAP_BYTES_PER_KEY} B per key (Flink's heap layout for 9-char String keys and Long values)"
            ),
        ),
        Layout::Heap { compressed: true } => (
            (size * HEAP_SNAPPY_RATIO - fixed) / HEAP_BYTES_PER_KEY,
            format!(
                "({state_size} B × {HEAP_SNAPPY_RATIO} Snappy ratio − {parallelism} × {HEAP_FIXED_PER_SUBTASK} B) / {HEAP_BYTES_PER_KEY} B per key (ratio measured on a counter state)"
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
        let e = estimate_keys(Layout::Heap { compressed: false }, 1_904_924, 2);
        assert_eq!(e.keys, 100_000);
        // count-hashmap-comp: median 765,740 B.
        let e = estimate_keys(Layout::Heap { compressed: true }, 765_740, 2);
        assert!((99_000..101_000).contains(&e.keys), "{}", e.keys);
    }
}
