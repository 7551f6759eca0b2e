//! The checkpoint store: chunks by id, completed checkpoints, and the shared state
//! registry's reference counts that decide when a chunk may be deleted.

use crate::engine::state::codec::Codec;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

pub type ChunkId = u64;
pub type CheckpointId = u64;

/// One key group snapshot as stored: its bytes in Flink's heap format under its codec's
/// compression, after the subtask's header when it is the first key group of a subtask's
/// range (see `state/snapshot.rs`).
#[derive(Clone, Debug)]
pub struct StoredChunk {
    pub id: ChunkId,
    /// The checkpoint that uploaded it; incremental checkpoints may reference it later.
    pub checkpoint: CheckpointId,
    pub key_group: u32,
    pub codec: Codec,
    /// Its bytes uncompressed (the header's included).
    pub raw_len: u64,
    pub bytes: Arc<Vec<u8>>,
    /// It starts with the subtask's state-file header.
    pub with_header: bool,
    /// The store's CRC-32 of an uncompressed chunk, which has no checksum of its own
    /// (compressed ones carry theirs: CRC-32C per Snappy block, LZ4's content checksum).
    pub crc32: Option<u32>,
    /// Completed, retained checkpoints that reference this chunk.
    pub refs: u32,
    /// Checkpoints still in progress that reference it; it must outlive them too.
    pub pins: u32,
}

/// A key group's entry in a checkpoint's manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChunkRef {
    pub key_group: u32,
    pub chunk: ChunkId,
    /// The source offset the chunk's state is valid at: every record before it is in the
    /// chunk, none after. Usually the checkpoint's own offset; older for a key group the
    /// adaptive policy left waiting, which recovery must replay from.
    pub offset: u64,
    /// When the chunk's state was captured; a restore counts staleness from here.
    pub captured_at_us: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompletedCheckpoint {
    pub id: CheckpointId,
    /// Source offset recorded with the barrier: replay starts here.
    pub offset: u64,
    pub triggered_at_us: u64,
    pub completed_at_us: u64,
    pub parallelism: u32,
    /// Every key group, in key group order.
    pub manifest: Vec<ChunkRef>,
}

impl CompletedCheckpoint {
    /// Where replay starts for this checkpoint: its oldest key group's offset (the
    /// checkpoint's own offset unless the adaptive policy left some key groups waiting).
    pub fn replay_offset(&self) -> u64 {
        self.manifest
            .iter()
            .map(|m| m.offset)
            .min()
            .unwrap_or(self.offset)
            .min(self.offset)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Store {
    chunks: BTreeMap<ChunkId, StoredChunk>,
    completed: VecDeque<CompletedCheckpoint>,
    next_chunk: ChunkId,
    /// Reads and writes are refused before this time.
    unavailable_until: u64,
}

impl Store {
    /// The store refuses reads and writes until `until`.
    pub fn make_unavailable(&mut self, until: u64) {
        self.unavailable_until = self.unavailable_until.max(until);
    }

    pub fn is_available(&self, now: u64) -> bool {
        now >= self.unavailable_until
    }

    /// When the store comes back, if it is unavailable at `now`.
    pub fn unavailable_until(&self, now: u64) -> Option<u64> {
        (self.unavailable_until > now).then_some(self.unavailable_until)
    }

    /// Stores an uploaded chunk. It is referenced by nothing until its checkpoint completes.
    pub fn put(
        &mut self,
        checkpoint: CheckpointId,
        key_group: u32,
        codec: Codec,
        raw_len: u64,
        bytes: Arc<Vec<u8>>,
        with_header: bool,
    ) -> ChunkId {
        let id = self.next_chunk;
        self.next_chunk += 1;
        let crc32 = (codec == Codec::None).then(|| crc32fast::hash(&bytes));
        self.chunks.insert(
            id,
            StoredChunk {
                id,
                checkpoint,
                key_group,
                codec,
                raw_len,
                bytes,
                with_header,
                crc32,
                refs: 0,
                pins: 0,
            },
        );
        id
    }

    /// Registers a completed checkpoint, then drops the oldest beyond `num_retained` and
    /// deletes chunks no retained checkpoint references. Returns the deleted chunk ids.
    pub fn complete(&mut self, checkpoint: CompletedCheckpoint, num_retained: u32) -> Vec<ChunkId> {
        for r in &checkpoint.manifest {
            if let Some(c) = self.chunks.get_mut(&r.chunk) {
                c.refs += 1;
            }
        }
        self.completed.push_back(checkpoint);
        let mut deleted = Vec::new();
        while self.completed.len() > num_retained.max(1) as usize {
            let old = self.completed.pop_front().expect("longer than one");
            for r in &old.manifest {
                if let Some(c) = self.chunks.get_mut(&r.chunk) {
                    c.refs = c.refs.saturating_sub(1);
                    if c.refs == 0 && c.pins == 0 {
                        self.chunks.remove(&r.chunk);
                        deleted.push(r.chunk);
                    }
                }
            }
        }
        deleted
    }

    /// Deletes the unreferenced chunks an aborted checkpoint left behind.
    pub fn discard(&mut self, checkpoint: CheckpointId) -> Vec<ChunkId> {
        let doomed: Vec<ChunkId> = self
            .chunks
            .values()
            .filter(|c| c.checkpoint == checkpoint && c.refs == 0 && c.pins == 0)
            .map(|c| c.id)
            .collect();
        for id in &doomed {
            self.chunks.remove(id);
        }
        doomed
    }

    /// A checkpoint in progress references the chunk: keep it even if every completed
    /// checkpoint that referenced it is dropped meanwhile.
    pub fn pin(&mut self, id: ChunkId) {
        if let Some(c) = self.chunks.get_mut(&id) {
            c.pins += 1;
        }
    }

    /// Releases a pin; returns whether that deleted the chunk.
    pub fn unpin(&mut self, id: ChunkId) -> bool {
        match self.chunks.get_mut(&id) {
            Some(c) => {
                c.pins = c.pins.saturating_sub(1);
                if c.pins == 0 && c.refs == 0 {
                    self.chunks.remove(&id);
                    return true;
                }
                false
            }
            None => false,
        }
    }

    pub fn latest(&self) -> Option<&CompletedCheckpoint> {
        self.completed.back()
    }

    /// Retained completed checkpoints, oldest first.
    pub fn completed(&self) -> impl DoubleEndedIterator<Item = &CompletedCheckpoint> {
        self.completed.iter()
    }

    pub fn checkpoint(&self, id: CheckpointId) -> Option<&CompletedCheckpoint> {
        self.completed.iter().find(|c| c.id == id)
    }

    pub fn chunk(&self, id: ChunkId) -> Option<&StoredChunk> {
        self.chunks.get(&id)
    }

    pub fn chunks(&self) -> impl Iterator<Item = &StoredChunk> {
        self.chunks.values()
    }

    /// Flips one bit of a stored chunk, as a failing disk or a bad copy would.
    pub fn flip_bit(&mut self, id: ChunkId, bit: u64) -> bool {
        match self.chunks.get_mut(&id) {
            Some(c) if !c.bytes.is_empty() => {
                let bytes = Arc::make_mut(&mut c.bytes);
                let i = (bit / 8) as usize % bytes.len();
                bytes[i] ^= 1 << (bit % 8);
                true
            }
            _ => false,
        }
    }

    /// Loses a chunk outright (its checkpoint still names it).
    pub fn lose(&mut self, id: ChunkId) -> bool {
        self.chunks.remove(&id).is_some()
    }

    /// Bytes the store holds, encoded.
    pub fn stored_bytes(&self) -> u64 {
        self.chunks.values().map(|c| c.bytes.len() as u64).sum()
    }

    /// Encoded bytes a checkpoint needs in total, its own and shared.
    pub fn full_size(&self, checkpoint: &CompletedCheckpoint) -> u64 {
        checkpoint
            .manifest
            .iter()
            .filter_map(|r| self.chunks.get(&r.chunk))
            .map(|c| c.bytes.len() as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(id: u64, manifest: &[(u32, ChunkId)]) -> CompletedCheckpoint {
        CompletedCheckpoint {
            id,
            offset: id * 10,
            triggered_at_us: 0,
            completed_at_us: 0,
            parallelism: 1,
            manifest: manifest
                .iter()
                .map(|&(key_group, chunk)| ChunkRef {
                    key_group,
                    chunk,
                    offset: id * 10,
                    captured_at_us: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn shared_chunks_live_until_no_retained_checkpoint_needs_them() {
        let mut s = Store::default();
        let bytes = Arc::new(vec![1, 2, 3]);
        let a0 = s.put(1, 0, Codec::None, 3, bytes.clone(), false);
        let a1 = s.put(1, 1, Codec::None, 3, bytes.clone(), false);
        assert!(s.complete(cp(1, &[(0, a0), (1, a1)]), 2).is_empty());
        // Checkpoint 2 re-uploads key group 1 only and shares key group 0.
        let b1 = s.put(2, 1, Codec::None, 3, bytes.clone(), false);
        assert!(s.complete(cp(2, &[(0, a0), (1, b1)]), 2).is_empty());
        assert_eq!(s.chunk(a0).unwrap().refs, 2);
        // Checkpoint 3 subsumes 1: a1 goes, a0 is still shared.
        let c1 = s.put(3, 1, Codec::None, 3, bytes.clone(), false);
        assert_eq!(s.complete(cp(3, &[(0, a0), (1, c1)]), 2), vec![a1]);
        assert_eq!(s.chunk(a0).unwrap().refs, 2);
        let d0 = s.put(4, 0, Codec::None, 3, bytes.clone(), false);
        let d1 = s.put(4, 1, Codec::None, 3, bytes, false);
        let mut deleted = s.complete(cp(4, &[(0, d0), (1, d1)]), 2);
        deleted.sort();
        assert_eq!(deleted, vec![b1]);
        let deleted = s.complete(cp(5, &[(0, d0), (1, d1)]), 2);
        assert_eq!(deleted, vec![a0, c1]);
        assert_eq!(s.completed().map(|c| c.id).collect::<Vec<_>>(), vec![4, 5]);
    }

    #[test]
    fn a_pinned_chunk_survives_its_last_checkpoint_until_unpinned() {
        let mut s = Store::default();
        let a = s.put(1, 0, Codec::None, 1, Arc::new(vec![0]), false);
        s.complete(cp(1, &[(0, a)]), 1);
        s.pin(a); // checkpoint 3, still running, references it
        let b = s.put(2, 0, Codec::None, 1, Arc::new(vec![1]), false);
        assert!(s.complete(cp(2, &[(0, b)]), 1).is_empty());
        assert!(s.chunk(a).is_some());
        assert!(s.unpin(a));
        assert!(s.chunk(a).is_none());
    }

    #[test]
    fn aborted_uploads_are_discarded_but_shared_ones_kept() {
        let mut s = Store::default();
        let a = s.put(1, 0, Codec::None, 1, Arc::new(vec![0]), false);
        s.complete(cp(1, &[(0, a)]), 1);
        let b = s.put(2, 0, Codec::None, 1, Arc::new(vec![0]), false);
        assert_eq!(s.discard(2), vec![b]);
        assert!(s.chunk(a).is_some());
    }
}
