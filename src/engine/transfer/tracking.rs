//! What each key group has changed since the checkpoint that last confirmed it: the
//! version counter a snapshot captures, the confirmed chunk, and the bytes and records
//! written since. The shipping decisions of the policies read it.

use crate::engine::transfer::store::ChunkId;

/// The chunk that holds a key group in the latest completed checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Confirmed {
    pub chunk: ChunkId,
    /// The key group's version the chunk captured.
    pub version: u64,
    /// The source offset the chunk's state is valid at.
    pub offset: u64,
    pub captured_at_us: u64,
}

/// Change tracking of one key group since its last confirmed (completed) upload.
#[derive(Clone, Debug, Default)]
pub struct KeyGroupTracking {
    /// Counts every update; a snapshot records the version it captured.
    pub version: u64,
    pub confirmed: Option<Confirmed>,
    /// Snapshot bytes of the entries written since the confirmed chunk was captured.
    pub changed_bytes: u64,
    pub changed_records: u64,
}

impl KeyGroupTracking {
    pub fn dirty(&self) -> bool {
        self.confirmed.is_none_or(|c| c.version != self.version)
    }
}
