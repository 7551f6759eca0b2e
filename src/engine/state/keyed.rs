//! Keyed state, organised by key group as Flink's heap backend organises it.
//!
//! Each key group is its own value so it can be snapshotted, shipped, restored and moved
//! to another subtask alone. Key groups live behind `Arc` and are copied on write: taking
//! a snapshot is a pointer copy, like the heap backend's copy-on-write snapshots.

use crate::engine::partitioning::workload::{KeySpace, Record, ValueModel};
use crate::engine::rng::{draw, SeqRng, Stream};
use std::sync::Arc;

/// One event kept by the `Events` value model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub offset: u64,
    pub value: i64,
}

pub const EVENT_KINDS: [&str; 4] = ["view", "click", "cart", "buy"];

impl Event {
    pub fn kind(&self) -> &'static str {
        EVENT_KINDS[self.value.rem_euclid(4) as usize]
    }

    /// The event as it is written into snapshots: short, JSON-like, repetitive text.
    pub fn render(&self) -> String {
        let mut out = Vec::with_capacity(self.rendered_len());
        self.render_into(&mut out);
        String::from_utf8(out).expect("ASCII")
    }

    /// Appends the rendering without allocating: this runs for every event of every
    /// snapshot, so it must keep pace with the compressor.
    pub fn render_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"offset\":");
        push_decimal(out, self.offset);
        out.extend_from_slice(b",\"value\":");
        if self.value < 0 {
            out.push(b'-');
        }
        push_decimal(out, self.value.unsigned_abs());
        out.extend_from_slice(b",\"kind\":\"");
        out.extend_from_slice(self.kind().as_bytes());
        out.extend_from_slice(b"\"}");
    }

    fn rendered_len(&self) -> usize {
        // `{"offset":` + `,"value":` + `,"kind":"` + `"}` = 30 bytes of fixed text.
        30 + decimal_len_u64(self.offset) + decimal_len_i64(self.value) + self.kind().len()
    }
}

fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn decimal_len_u64(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |d| d as usize + 1)
}

fn decimal_len_i64(v: i64) -> usize {
    usize::from(v < 0) + decimal_len_u64(v.unsigned_abs())
}

/// The last events of one key, held as the text a snapshot writes: a count byte, then
/// each event as a u16 length and its JSON-like text. The value model *is* that text, so
/// it is rendered once when the record arrives, not again at every checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RecentEvents {
    encoded: Vec<u8>,
}

impl RecentEvents {
    /// Wraps bytes already checked to be in the layout above.
    pub(crate) fn from_encoded(encoded: Vec<u8>) -> Self {
        Self { encoded }
    }

    pub fn encoded(&self) -> &[u8] {
        if self.encoded.is_empty() {
            &[0]
        } else {
            &self.encoded
        }
    }

    pub fn len(&self) -> usize {
        self.encoded.first().map_or(0, |n| usize::from(*n))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&mut self, event: Event, keep: usize) {
        if self.encoded.is_empty() {
            self.encoded.push(0);
        }
        let mut n = self.len();
        while n >= keep.max(1) {
            let first = 3 + usize::from(u16::from_le_bytes([self.encoded[1], self.encoded[2]]));
            self.encoded.drain(1..first);
            n -= 1;
        }
        let len_at = self.encoded.len();
        self.encoded.extend_from_slice(&[0, 0]);
        event.render_into(&mut self.encoded);
        let len = (self.encoded.len() - len_at - 2) as u16;
        self.encoded[len_at..len_at + 2].copy_from_slice(&len.to_le_bytes());
        self.encoded[0] = (n + 1) as u8;
    }

    /// The texts, oldest first.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let mut rest = self.encoded.get(1..).unwrap_or(&[]);
        std::iter::from_fn(move || {
            let (len, tail) = rest.split_first_chunk::<2>()?;
            let len = usize::from(u16::from_le_bytes(*len));
            let (text, tail) = tail.split_at_checked(len)?;
            rest = tail;
            std::str::from_utf8(text).ok()
        })
    }
}

/// The state of one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValue {
    Counter { count: u64, sum: i64 },
    Events(RecentEvents),
    Bytes { count: u64, bytes: Box<[u8]> },
}

impl KeyValue {
    /// Bytes this value takes in a snapshot (see `snapshot.rs` for the layout).
    pub fn encoded_len(&self) -> usize {
        match self {
            KeyValue::Counter { .. } => 16,
            KeyValue::Events(events) => events.encoded().len(),
            KeyValue::Bytes { bytes, .. } => 8 + 2 + bytes.len(),
        }
    }
}

/// Bytes a key takes in a snapshot: a tag, then a length-prefixed string or an i64.
pub fn encoded_key_len(key: &crate::engine::partitioning::keygroups::Key) -> usize {
    match key {
        crate::engine::partitioning::keygroups::Key::Str(s) => 1 + 4 + s.len(),
        crate::engine::partitioning::keygroups::Key::Long(_) => 1 + 8,
    }
}

/// Size of a key group snapshot's header: magic, version, model, key group, entry count.
pub const SNAPSHOT_HEADER_LEN: u64 = 4 + 1 + 1 + 2 + 4 + 4;

/// Entries per copy-on-write page. A snapshot shares every page; the first write after it
/// copies only the page it lands in, so taking a snapshot never costs a copy of the whole
/// key group (Flink's heap backend copies per entry; a page of 64 is close to that).
const PAGE: usize = 64;

/// All keys of one key group that have state, in key order (by slot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGroupState {
    key_group: u32,
    pages: Vec<Arc<Vec<Option<KeyValue>>>>,
    live: u32,
    raw_bytes: u64,
}

/// Cuts entries into pages, each its own allocation of exactly its length. (Splitting the
/// tail off with `split_off` instead would leave every page holding the capacity of all
/// the entries after it: memory and time quadratic in the keys of a key group.)
fn paged(entries: Vec<Option<KeyValue>>) -> Vec<Arc<Vec<Option<KeyValue>>>> {
    let mut pages = Vec::with_capacity(entries.len().div_ceil(PAGE));
    let mut rest = entries.into_iter();
    while rest.len() > 0 {
        let mut page = Vec::with_capacity(rest.len().min(PAGE));
        page.extend(rest.by_ref().take(PAGE));
        pages.push(Arc::new(page));
    }
    pages
}

impl KeyGroupState {
    pub fn empty(key_group: u32, keys: &KeySpace) -> Self {
        Self {
            key_group,
            pages: paged(vec![None; keys.members(key_group).len()]),
            live: 0,
            raw_bytes: SNAPSHOT_HEADER_LEN,
        }
    }

    pub(crate) fn from_entries(
        key_group: u32,
        entries: Vec<Option<KeyValue>>,
        keys: &KeySpace,
    ) -> Self {
        let members = keys.members(key_group);
        let mut live = 0;
        let mut raw_bytes = SNAPSHOT_HEADER_LEN;
        for (slot, entry) in entries.iter().enumerate() {
            if let Some(v) = entry {
                live += 1;
                raw_bytes += (encoded_key_len(keys.key(members[slot])) + v.encoded_len()) as u64;
            }
        }
        Self {
            key_group,
            pages: paged(entries),
            live,
            raw_bytes,
        }
    }

    pub fn key_group(&self) -> u32 {
        self.key_group
    }

    /// Keys with state in this key group.
    pub fn len(&self) -> u32 {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Exact size of this key group's serialised snapshot, kept up to date on every write.
    pub fn raw_bytes(&self) -> u64 {
        self.raw_bytes
    }

    /// (slot, value) of every key with state, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &KeyValue)> {
        self.pages.iter().enumerate().flat_map(|(p, page)| {
            page.iter()
                .enumerate()
                .filter_map(move |(i, v)| v.as_ref().map(|v| (p * PAGE + i, v)))
        })
    }

    pub fn get(&self, slot: usize) -> Option<&KeyValue> {
        self.pages
            .get(slot / PAGE)
            .and_then(|page| page.get(slot % PAGE))
            .and_then(Option::as_ref)
    }

    /// Applies one record and returns the snapshot bytes of the entry it wrote, which is
    /// what the change-rate measurements count.
    pub fn apply(&mut self, record: &Record, model: ValueModel, keys: &KeySpace, seed: u64) -> u64 {
        let slot = keys.slot(record.key);
        let key_len = encoded_key_len(keys.key(record.key)) as u64;
        let entry = &mut Arc::make_mut(&mut self.pages[slot / PAGE])[slot % PAGE];
        let before = match entry {
            Some(v) => key_len + v.encoded_len() as u64,
            None => {
                self.live += 1;
                0
            }
        };
        let value = entry.get_or_insert_with(|| match model {
            ValueModel::Counter => KeyValue::Counter { count: 0, sum: 0 },
            ValueModel::Events { .. } => KeyValue::Events(RecentEvents::default()),
            ValueModel::RandomBytes { len } => KeyValue::Bytes {
                count: 0,
                bytes: vec![0; usize::from(len)].into_boxed_slice(),
            },
        });
        match value {
            KeyValue::Counter { count, sum } => {
                *count += 1;
                *sum = sum.wrapping_add(record.value);
            }
            KeyValue::Events(events) => {
                let keep = match model {
                    ValueModel::Events { keep } => usize::from(keep),
                    _ => 1,
                };
                events.push(
                    Event {
                        offset: record.offset,
                        value: record.value,
                    },
                    keep,
                );
            }
            KeyValue::Bytes { count, bytes } => {
                *count += 1;
                fill_random(bytes, draw(seed, Stream::Payload, record.offset));
            }
        }
        let after = key_len + entry.as_ref().map_or(0, |v| v.encoded_len() as u64);
        self.raw_bytes = self.raw_bytes + after - before;
        after
    }
}

fn fill_random(bytes: &mut [u8], seed: u64) {
    let mut rng = SeqRng::new(seed);
    for chunk in bytes.chunks_mut(8) {
        let word = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn allocated_entries(state: &KeyGroupState) -> usize {
        state.pages.iter().map(|p| p.capacity()).sum()
    }

    proptest! {
        /// Memory is linear in the entries: the pages together hold exactly one slot per
        /// key, each page at most `PAGE`, whatever the size of the key group.
        #[test]
        fn pages_hold_exactly_the_entries(n in 0usize..3_000, filled in proptest::collection::vec(any::<bool>(), 0..3_000)) {
            let entries: Vec<Option<KeyValue>> = (0..n)
                .map(|i| filled.get(i).copied().unwrap_or(false).then_some(KeyValue::Counter { count: 1, sum: i as i64 }))
                .collect();
            let pages = paged(entries.clone());
            prop_assert_eq!(pages.len(), n.div_ceil(PAGE));
            prop_assert!(pages.iter().all(|p| p.capacity() == p.len() && p.len() <= PAGE));
            prop_assert_eq!(pages.iter().map(|p| p.capacity()).sum::<usize>(), n);
            let back: Vec<Option<KeyValue>> = pages.iter().flat_map(|p| p.iter().cloned()).collect();
            prop_assert_eq!(back, entries);
        }
    }

    #[test]
    fn an_empty_key_group_allocates_one_slot_per_member() {
        let keys = KeySpace::generated(
            10_000,
            crate::engine::partitioning::keygroups::KeyKind::String,
            1,
        );
        let state = KeyGroupState::empty(0, &keys);
        assert_eq!(allocated_entries(&state), 10_000);
    }
}
