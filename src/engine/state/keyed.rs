//! Keyed state, organised by key group as Flink's heap backend organises it.
//!
//! Each key group is its own value so it can be snapshotted, shipped, restored and moved
//! to another subtask alone. Key groups live behind `Arc` and their entries in pages that
//! are copied on write: taking a snapshot is a pointer copy, like the heap backend's
//! copy-on-write snapshots, and the first write after it copies one page.
//!
//! The values are what a Flink job would keep for the lab's value models (see
//! `flink_heap.rs`): a counter is a `ValueState<Long>` holding the sum of its records'
//! values, events a `ListState<String>` of the last events' texts, random bytes a
//! `ValueState<byte[]>`; sizes are the bytes Flink's heap backend writes for them.
//!
//! Memory is linear in the state and smaller than its snapshot: values are kept as
//! numbers, in pages typed by the value model (a counter is 8 bytes, an event 16 bytes,
//! random bytes their length), and rendered as text only when a snapshot is written. A page is allocated on the first write to one of its keys, at its size; a
//! page's event lists share one allocation ([`Lists`]), so a page is a handful of
//! allocations whatever the model, and copying it on write is a few `memcpy`s.

use crate::engine::decimal;
use crate::engine::partitioning::workload::{KeyRef, KeySpace, Record, ValueModel};
use crate::engine::rng::{draw, SeqRng, Stream};
use crate::engine::state::flink_heap::{
    ascii_string_len, string_len, KEY_GROUP_ID_LEN, NAMESPACE_LEN, SECTION_HEADER_LEN,
};
use crate::engine::state::lists::Lists;
use std::sync::{Arc, OnceLock};

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

    /// Appends the rendering without allocating (given the capacity): this runs for every
    /// event of every snapshot, so it must keep pace with the compressor.
    pub fn render_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"offset\":");
        decimal::push_u64(out, self.offset);
        out.extend_from_slice(b",\"value\":");
        decimal::push_i64(out, self.value);
        out.extend_from_slice(b",\"kind\":\"");
        out.extend_from_slice(self.kind().as_bytes());
        out.extend_from_slice(b"\"}");
    }

    /// Appends the event as a snapshot holds it: its text's length (u16), then the text,
    /// assembled on the stack and appended with one copy.
    #[inline]
    pub fn write_prefixed(&self, out: &mut Vec<u8>) {
        #[inline(always)]
        fn put(buf: &mut [u8], at: &mut usize, bytes: &[u8]) {
            buf[*at..*at + bytes.len()].copy_from_slice(bytes);
            *at += bytes.len();
        }
        #[inline(always)]
        fn digits(buf: &mut [u8], at: &mut usize, v: u64) {
            let n = decimal::len_u64(v);
            decimal::write_exact(&mut buf[*at..*at + n], v);
            *at += n;
        }
        // The length, 30 bytes of fixed text, two numbers of up to 20 digits, a sign and
        // a kind of up to 5 letters.
        let mut buf = [0u8; 80];
        let mut at = 2;
        put(&mut buf, &mut at, b"{\"offset\":");
        digits(&mut buf, &mut at, self.offset);
        put(&mut buf, &mut at, b",\"value\":");
        if self.value < 0 {
            put(&mut buf, &mut at, b"-");
        }
        digits(&mut buf, &mut at, self.value.unsigned_abs());
        put(&mut buf, &mut at, b",\"kind\":\"");
        put(&mut buf, &mut at, self.kind().as_bytes());
        put(&mut buf, &mut at, b"\"}");
        buf[..2].copy_from_slice(&((at - 2) as u16).to_le_bytes());
        // The whole fixed-size buffer, then cut back: a copy of known size compiles to a
        // few vector moves, one of varying size to a call.
        let end = out.len() + at;
        out.extend_from_slice(&buf);
        out.truncate(end);
    }

    /// Length of [`Event::render`]'s text.
    pub fn rendered_len(&self) -> usize {
        // `{"offset":` + `,"value":` + `,"kind":"` + `"}` = 30 bytes of fixed text.
        30 + decimal::len_u64(self.offset) + decimal::len_i64(self.value) + self.kind().len()
    }
}

/// The state of one key, as read from a key group (borrowed, nothing copied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyValue<'a> {
    /// `ValueState<Long>`: the sum of the key's record values (its count, when every
    /// record counts one).
    Counter { sum: i64 },
    /// `ListState<String>`: the last events of the key, oldest first.
    Events(&'a [Event]),
    /// `ValueState<byte[]>`: the bytes the key's latest record left.
    Bytes { bytes: &'a [u8] },
}

impl KeyValue<'_> {
    /// Bytes Flink's serializer writes for this value (`LongSerializer`, `ListSerializer` of
    /// `StringSerializer`, `BytePrimitiveArraySerializer`).
    pub fn encoded_len(&self) -> usize {
        match self {
            KeyValue::Counter { .. } => 8,
            KeyValue::Events(events) => events_encoded_len(events),
            KeyValue::Bytes { bytes } => 4 + bytes.len(),
        }
    }
}

/// A list's `i32` size, then each event's text as a `String`.
fn events_encoded_len(events: &[Event]) -> usize {
    4 + events
        .iter()
        .map(|e| ascii_string_len(e.rendered_len()))
        .sum::<usize>()
}

/// Bytes `StringSerializer` or `LongSerializer` writes for a key.
pub fn encoded_key_len(key: KeyRef<'_>) -> usize {
    match key {
        KeyRef::Str(s) => string_len(s),
        KeyRef::Generated { format, n } => ascii_string_len(format.text_len(n)),
        KeyRef::Long(_) => 8,
    }
}

/// Bytes one entry takes in a key group: the namespace, the key and the value.
pub fn entry_len(key: KeyRef<'_>, value: &KeyValue<'_>) -> usize {
    NAMESPACE_LEN + encoded_key_len(key) + value.encoded_len()
}

/// Bytes every key group takes besides its entries: its id, and the id and count of each of
/// its three state sections (the value state and the two timer queues a
/// `KeyedProcessFunction` registers; see `flink_heap.rs`). Written for empty key groups too.
pub const KEY_GROUP_FIXED_LEN: u64 = (KEY_GROUP_ID_LEN + 3 * SECTION_HEADER_LEN) as u64;

/// Entries per copy-on-write page. A snapshot shares every page; the first write after it
/// copies only the page it lands in, so taking a snapshot never costs a copy of the whole
/// key group (Flink's heap backend copies per entry; a page of 64 is close to that).
/// 64 also lets one `u64` say which entries of a page hold state.
pub const PAGE: usize = 64;

/// All keys of one key group that have state, in key order (by slot).
#[derive(Clone, Debug)]
pub struct KeyGroupState {
    key_group: u32,
    /// Keys of the key group, with state or not.
    slots: u32,
    /// `None` until one of the page's keys is written.
    pages: Vec<Option<Arc<Page>>>,
    live: u32,
    raw_bytes: u64,
    /// The slots with state in the order Flink's heap backend writes them (by hash bucket),
    /// worked out when a snapshot first needs it after the set of keys changed.
    heap_order: OnceLock<HeapOrder>,
}

/// A key group's slots with state, in the order Flink's heap backend writes them: two
/// bytes a slot where the key group's slots fit (4M keys over 128 key groups is 31k a key
/// group), four otherwise. Kept for as long as the set of keys does not change, so it
/// is part of what the state costs per key (`cargo bench --bench memory`).
#[derive(Clone, Debug)]
pub enum HeapOrder {
    Narrow(Arc<[u16]>),
    Wide(Arc<[u32]>),
}

impl HeapOrder {
    pub fn len(&self) -> usize {
        match self {
            HeapOrder::Narrow(s) => s.len(),
            HeapOrder::Wide(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slots, in heap order.
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(move |i| match self {
            HeapOrder::Narrow(s) => usize::from(s[i]),
            HeapOrder::Wide(s) => s[i] as usize,
        })
    }
}

/// Up to [`PAGE`] consecutive slots; bit `i` of `present` says whether slot `i` has state.
#[derive(Clone, Debug)]
enum Page {
    Counter {
        present: u64,
        /// Each key's sum.
        cells: Box<[i64]>,
    },
    Events {
        present: u64,
        /// Each key's events, oldest first, back to back in one allocation.
        lists: Lists<Event>,
        /// Each key's value size in a snapshot, kept so a write costs O(1) to account.
        lens: Box<[u32]>,
    },
    Bytes {
        present: u64,
        len: usize,
        /// `len` bytes per slot.
        cells: Box<[u8]>,
    },
}

impl Page {
    fn new(model: ValueModel, slots: usize) -> Self {
        match model {
            ValueModel::Counter => Page::Counter {
                present: 0,
                cells: vec![0; slots].into_boxed_slice(),
            },
            ValueModel::Events { .. } => Page::Events {
                present: 0,
                lists: Lists::new(slots),
                lens: vec![0; slots].into_boxed_slice(),
            },
            ValueModel::RandomBytes { len } => {
                let len = usize::from(len);
                Page::Bytes {
                    present: 0,
                    len,
                    cells: vec![0; slots * len].into_boxed_slice(),
                }
            }
        }
    }

    /// A page for `value`'s model (restore knows the value, not the model parameters).
    fn for_value(value: &KeyValue<'_>, slots: usize) -> Self {
        Page::new(
            match value {
                KeyValue::Counter { .. } => ValueModel::Counter,
                KeyValue::Events(_) => ValueModel::Events { keep: 1 },
                KeyValue::Bytes { bytes } => ValueModel::RandomBytes {
                    len: bytes.len() as u16,
                },
            },
            slots,
        )
    }

    fn present(&self) -> u64 {
        match self {
            Page::Counter { present, .. }
            | Page::Events { present, .. }
            | Page::Bytes { present, .. } => *present,
        }
    }

    fn present_mut(&mut self) -> &mut u64 {
        match self {
            Page::Counter { present, .. }
            | Page::Events { present, .. }
            | Page::Bytes { present, .. } => present,
        }
    }

    /// The value in slot `i`, which must be present.
    fn value(&self, i: usize) -> KeyValue<'_> {
        match self {
            Page::Counter { cells, .. } => KeyValue::Counter { sum: cells[i] },
            Page::Events { lists, .. } => KeyValue::Events(lists.get(i)),
            Page::Bytes { len, cells, .. } => KeyValue::Bytes {
                bytes: &cells[i * len..(i + 1) * len],
            },
        }
    }

    fn get(&self, i: usize) -> Option<KeyValue<'_>> {
        (self.present() & (1 << i) != 0).then(|| self.value(i))
    }

    /// (slot in page, value) of every present entry, in slot order.
    fn iter(&self) -> impl Iterator<Item = (usize, KeyValue<'_>)> {
        let mut bits = self.present();
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                (i, self.value(i))
            })
        })
    }

    /// Applies `record` to slot `i`; returns the value's snapshot size before (if it had
    /// state) and after.
    fn apply(
        &mut self,
        i: usize,
        record: &Record,
        model: ValueModel,
        seed: u64,
        real_offset: u64,
    ) -> (Option<usize>, usize) {
        let bit = 1u64 << i;
        let had = self.present() & bit != 0;
        *self.present_mut() |= bit;
        match self {
            Page::Counter { cells, .. } => {
                cells[i] = cells[i].wrapping_add(record.value);
                (had.then_some(8), 8)
            }
            Page::Events { lists, lens, .. } => {
                let keep = match model {
                    ValueModel::Events { keep } => usize::from(keep).max(1),
                    _ => 1,
                };
                let event = Event {
                    offset: real_offset,
                    value: record.value,
                };
                let before = lens[i] as usize;
                let mut len = if had { before } else { 4 };
                let events = lists.get(i);
                let drop = (events.len() + 1).saturating_sub(keep);
                len -= events[..drop]
                    .iter()
                    .map(|e| ascii_string_len(e.rendered_len()))
                    .sum::<usize>();
                len += ascii_string_len(event.rendered_len());
                lists.push_keeping(i, event, keep);
                lens[i] = len as u32;
                (had.then_some(before), len)
            }
            Page::Bytes { len, cells, .. } => {
                let cell = &mut cells[i * *len..(i + 1) * *len];
                fill_random(cell, draw(seed, Stream::Payload, record.offset));
                (had.then_some(4 + *len), 4 + *len)
            }
        }
    }

    /// Puts `value` in slot `i`; returns the size of the value it replaced, if any. A value
    /// of another model than the page's is refused (`Err`).
    fn set(&mut self, i: usize, value: &KeyValue<'_>) -> Result<Option<usize>, ()> {
        let bit = 1u64 << i;
        let had = self.present() & bit != 0;
        let before = had.then(|| self.value(i).encoded_len());
        match (&mut *self, value) {
            (Page::Counter { cells, .. }, KeyValue::Counter { sum }) => {
                cells[i] = *sum;
            }
            (Page::Events { lists, lens, .. }, KeyValue::Events(events)) => {
                lists.set(i, events);
                lens[i] = value.encoded_len() as u32;
            }
            (Page::Bytes { len, cells, .. }, KeyValue::Bytes { bytes }) if bytes.len() == *len => {
                cells[i * *len..(i + 1) * *len].copy_from_slice(bytes);
            }
            _ => return Err(()),
        }
        *self.present_mut() |= bit;
        Ok(before)
    }

    /// Heap bytes of this page's own allocations (not counting who shares it).
    fn heap_bytes(&self) -> usize {
        match self {
            Page::Counter { cells, .. } => std::mem::size_of_val(&**cells),
            Page::Events { lists, lens, .. } => lists.heap_bytes() + std::mem::size_of_val(&**lens),
            Page::Bytes { cells, .. } => cells.len(),
        }
    }
}

impl KeyGroupState {
    pub fn empty(key_group: u32, keys: &KeySpace) -> Self {
        let slots = keys.members(key_group).len();
        Self {
            key_group,
            slots: slots as u32,
            pages: vec![None; slots.div_ceil(PAGE)],
            live: 0,
            raw_bytes: KEY_GROUP_FIXED_LEN,
            heap_order: OnceLock::new(),
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

    /// Exact size of this key group in Flink's heap format, uncompressed (its id, its
    /// state sections and its entries), kept up to date on every write.
    pub fn raw_bytes(&self) -> u64 {
        self.raw_bytes
    }

    /// The slots with state in the order Flink's heap backend writes them: by the bucket
    /// of a table sized for them (`CopyOnWriteStateMap`), ties in key order. `hash(slot)`
    /// gives the key's Java `hashCode`. Worked out once per set of keys.
    pub fn heap_order(&self, hash: impl Fn(usize) -> i32) -> HeapOrder {
        self.heap_order
            .get_or_init(|| {
                let capacity =
                    crate::engine::state::flink_heap::heap_table_capacity(self.live as usize);
                let mut order: Vec<(u32, u32)> = self
                    .iter()
                    .map(|(slot, _)| {
                        let bucket = crate::engine::state::flink_heap::heap_bucket_of_hash(
                            hash(slot),
                            capacity,
                        );
                        (bucket as u32, slot as u32)
                    })
                    .collect();
                order.sort_unstable();
                if self.slots <= u32::from(u16::MAX) + 1 {
                    HeapOrder::Narrow(order.into_iter().map(|(_, slot)| slot as u16).collect())
                } else {
                    HeapOrder::Wide(order.into_iter().map(|(_, slot)| slot).collect())
                }
            })
            .clone()
    }

    /// (slot, value) of every key with state, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, KeyValue<'_>)> {
        self.pages.iter().enumerate().flat_map(|(p, page)| {
            page.iter()
                .flat_map(|page| page.iter())
                .map(move |(i, v)| (p * PAGE + i, v))
        })
    }

    /// Calls `f(slot, value)` for every key with state, in key order: what [`Self::iter`]
    /// yields, as one loop per page type, for the snapshot writer's hot loop.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(usize, KeyValue<'_>)) {
        for (p, page) in self.pages.iter().enumerate() {
            let Some(page) = page.as_deref() else {
                continue;
            };
            let base = p * PAGE;
            let mut bits = page.present();
            match page {
                Page::Counter { cells, .. } => {
                    while bits != 0 {
                        let i = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        f(base + i, KeyValue::Counter { sum: cells[i] });
                    }
                }
                Page::Events { lists, .. } => {
                    while bits != 0 {
                        let i = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        f(base + i, KeyValue::Events(lists.get(i)));
                    }
                }
                Page::Bytes { .. } => {
                    while bits != 0 {
                        let i = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        f(base + i, page.value(i));
                    }
                }
            }
        }
    }

    pub fn get(&self, slot: usize) -> Option<KeyValue<'_>> {
        self.pages
            .get(slot / PAGE)?
            .as_ref()
            .and_then(|page| page.get(slot % PAGE))
    }

    fn page_slots(&self, page: usize) -> usize {
        (self.slots as usize - page * PAGE).min(PAGE)
    }

    /// Applies one record and returns the snapshot bytes of the entry it wrote, which is
    /// what the change-rate measurements count.
    pub fn apply(&mut self, record: &Record, model: ValueModel, keys: &KeySpace, seed: u64) -> u64 {
        let slot = keys.slot(record.key);
        // Everything of the entry but its value: the namespace and the key.
        let key_len = (NAMESPACE_LEN + encoded_key_len(keys.key_ref(record.key))) as u64;
        let (p, i) = (slot / PAGE, slot % PAGE);
        let slots = self.page_slots(p);
        let page = self.pages[p].get_or_insert_with(|| Arc::new(Page::new(model, slots)));
        let (before, after) = Arc::make_mut(page).apply(
            i,
            record,
            model,
            seed,
            keys.real_offset(record.offset, seed),
        );
        let after = key_len + after as u64;
        match before {
            Some(before) => self.raw_bytes = self.raw_bytes - (key_len + before as u64) + after,
            None => {
                self.live += 1;
                self.raw_bytes += after;
                self.heap_order = OnceLock::new();
            }
        }
        after
    }

    /// Puts a value read from a snapshot into `slot` (restore). `Err` when the slot is
    /// outside the key group or the value is of another model than the key group holds.
    pub(crate) fn insert(
        &mut self,
        slot: usize,
        value: KeyValue<'_>,
        key: KeyRef<'_>,
    ) -> Result<(), ()> {
        if slot >= self.slots as usize {
            return Err(());
        }
        let (p, i) = (slot / PAGE, slot % PAGE);
        let slots = self.page_slots(p);
        let page = self.pages[p].get_or_insert_with(|| Arc::new(Page::for_value(&value, slots)));
        let key_len = (NAMESPACE_LEN + encoded_key_len(key)) as u64;
        match Arc::make_mut(page).set(i, &value)? {
            Some(before) => self.raw_bytes -= key_len + before as u64,
            None => {
                self.live += 1;
                self.heap_order = OnceLock::new();
            }
        }
        self.raw_bytes += key_len + value.encoded_len() as u64;
        Ok(())
    }

    /// Heap bytes of this key group's pages, counting shared pages as if they were its own.
    pub fn heap_bytes(&self) -> u64 {
        let pages = self.pages.capacity() * std::mem::size_of::<Option<Arc<Page>>>();
        let cells: usize = self
            .pages
            .iter()
            .flatten()
            .map(|p| {
                2 * std::mem::size_of::<usize>() + std::mem::size_of::<Page>() + p.heap_bytes()
            })
            .sum();
        (pages + cells) as u64
    }
}

/// Equal when the same keys hold the same values (how they are paged does not matter).
impl PartialEq for KeyGroupState {
    fn eq(&self, other: &Self) -> bool {
        self.key_group == other.key_group
            && self.slots == other.slots
            && self.live == other.live
            && self.raw_bytes == other.raw_bytes
            && self.iter().eq(other.iter())
    }
}

impl Eq for KeyGroupState {}

/// The bytes a `RandomBytes` value holds after a record: a function of the record's offset.
pub fn fill_random(bytes: &mut [u8], seed: u64) {
    let mut rng = SeqRng::new(seed);
    for chunk in bytes.chunks_mut(8) {
        let word = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::partitioning::keygroups::KeyKind;
    use crate::engine::partitioning::workload::{
        KeyDistribution, RateProfile, SourceConfig, Workload, WorkloadConfig,
    };
    use proptest::prelude::*;

    fn workload(keys: u32, max_p: u32, model: ValueModel) -> Workload {
        let config = WorkloadConfig {
            source: SourceConfig::Generated {
                key_space: keys,
                distribution: KeyDistribution::Uniform,
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant {
                records_per_s: 1000.0,
            },
            value_model: model,
            ..Default::default()
        };
        Workload::new(&config, 5, max_p, None)
    }

    fn allocated_slots(state: &KeyGroupState) -> usize {
        state
            .pages
            .iter()
            .flatten()
            .map(|p| match &**p {
                Page::Counter { cells, .. } => cells.len(),
                Page::Events { lens, .. } => lens.len(),
                Page::Bytes { len, cells, .. } => cells.len() / len.max(&1),
            })
            .sum()
    }

    proptest! {
        /// Memory is linear in the keys: a key group allocates one slot per key of the
        /// pages it has written, never more (each page is its own exact-size allocation),
        /// and nothing for pages nobody wrote.
        #[test]
        fn pages_hold_at_most_one_slot_per_key(keys in 1u32..3_000, max_p in 1u32..4, records in 0u64..4_000) {
            let w = workload(keys, max_p, ValueModel::Counter);
            let ks = w.keys();
            let mut state: Vec<KeyGroupState> = (0..max_p).map(|kg| KeyGroupState::empty(kg, ks)).collect();
            for o in 0..records {
                let r = w.record(o);
                state[ks.key_group(r.key) as usize].apply(&r, ValueModel::Counter, ks, 5);
            }
            for st in &state {
                let members = ks.members(st.key_group()).len();
                prop_assert_eq!(st.pages.len(), members.div_ceil(PAGE));
                let written_pages = st.pages.iter().flatten().count();
                let touched: std::collections::BTreeSet<usize> = st.iter().map(|(s, _)| s / PAGE).collect();
                prop_assert_eq!(written_pages, touched.len());
                let slots = allocated_slots(st);
                prop_assert!(slots <= members);
                let expected: usize = touched.iter().map(|p| st.page_slots(*p)).sum();
                prop_assert_eq!(slots, expected);
            }
        }
    }

    proptest! {
        /// The snapshot writer's stack-assembled event is the text `render` gives,
        /// after its length.
        #[test]
        fn prefixed_events_are_their_rendering(offset in any::<u64>(), value in any::<i64>()) {
            let e = Event { offset, value };
            let mut out = vec![7];
            e.write_prefixed(&mut out);
            let text = e.render();
            prop_assert_eq!(&out[1..3], &(text.len() as u16).to_le_bytes());
            prop_assert_eq!(&out[3..], text.as_bytes());
            prop_assert_eq!(text.len(), e.rendered_len());
        }
    }

    #[test]
    fn a_full_key_group_allocates_one_slot_per_member() {
        let w = workload(10_000, 1, ValueModel::Counter);
        let ks = w.keys();
        let mut st = KeyGroupState::empty(0, ks);
        for o in 0..200_000 {
            st.apply(&w.record(o), ValueModel::Counter, ks, 5);
        }
        assert_eq!(st.len(), 10_000);
        assert_eq!(allocated_slots(&st), 10_000);
        // 16 bytes a counter, plus the page table and page headers.
        assert!(
            st.heap_bytes() < 10_000 * 17 + 157 * 64,
            "{}",
            st.heap_bytes()
        );
    }

    #[test]
    fn events_keep_the_last_ones_with_exact_sizes() {
        let model = ValueModel::Events { keep: 3 };
        let w = workload(5, 1, model);
        let ks = w.keys();
        let mut st = KeyGroupState::empty(0, ks);
        for o in 0..40 {
            let r = w.record(o);
            let written = st.apply(&r, model, ks, 5);
            let slot = ks.slot(r.key);
            let Some(KeyValue::Events(events)) = st.get(slot) else {
                panic!("no events after a write");
            };
            assert_eq!(events.last().map(|e| e.offset), Some(o));
            assert!(events.len() <= 3);
            let exact = entry_len(ks.key_ref(r.key), &KeyValue::Events(events));
            assert_eq!(written, exact as u64);
        }
        let total: u64 = st
            .iter()
            .map(|(slot, v)| entry_len(ks.key_ref(ks.members(0)[slot]), &v) as u64)
            .sum();
        assert_eq!(st.raw_bytes(), KEY_GROUP_FIXED_LEN + total);
    }

    #[test]
    fn the_fixed_part_of_a_key_group_is_the_layouts() {
        use crate::engine::state::flink_heap::{HeapLayout, KeySerializer, StateType};
        for state in [
            StateType::LongValue,
            StateType::StringList,
            StateType::BytesValue,
        ] {
            let layout =
                HeapLayout::keyed_process_function(KeySerializer::String, "counter", state);
            assert_eq!(layout.key_group_fixed_len() as u64, KEY_GROUP_FIXED_LEN);
        }
    }

    #[test]
    fn a_snapshot_shares_pages_and_a_write_copies_one() {
        let w = workload(1_000, 1, ValueModel::Counter);
        let ks = w.keys();
        let mut st = Arc::new(KeyGroupState::empty(0, ks));
        for o in 0..20_000 {
            Arc::make_mut(&mut st).apply(&w.record(o), ValueModel::Counter, ks, 5);
        }
        let snapshot = st.clone();
        Arc::make_mut(&mut st).apply(&w.record(20_000), ValueModel::Counter, ks, 5);
        let shared = st
            .pages
            .iter()
            .zip(&snapshot.pages)
            .filter(|(a, b)| match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            })
            .count();
        assert_eq!(shared, st.pages.len() - 1);
        assert_ne!(*st, *snapshot);
    }
}
