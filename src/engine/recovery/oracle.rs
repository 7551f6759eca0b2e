//! The oracle: the same workload with no failure. Applying records `0..n` in order to
//! empty state is what any exactly-once run must hold once it has processed `n` records.
//!
//! It does not keep a second copy of the state. Every value is a pure function of the
//! records applied to its key, and every record a function of its offset, so per key it
//! keeps only what decides the value:
//! - counter: the sum, and one bit saying whether the key has state;
//! - events: the offsets of the key's last `keep` records (an event's value is the
//!   record's at that offset);
//! - random bytes: the offset of the last record (the bytes are drawn from it) and one bit
//!   saying whether the key has state.
//!
//! The check rebuilds each expected value from that and compares it with the real state
//! exactly, byte for byte in effect: a hash per key would be smaller but could, however
//! rarely, call two different states equal, and this verdict is what the lab teaches
//! exactly-once with. The memory is allocated on the first check, so a run that never
//! recovers never pays for it: 8 bytes and a bit per key, or for events 8 per kept event and 2 per
//! key (the lists of 64 keys share an allocation, as a page of state does).

use crate::engine::partitioning::workload::{ValueModel, Workload};
use crate::engine::rng::{draw, Stream};
use crate::engine::state::keyed::{fill_random, Event, KeyGroupState, KeyValue, PAGE};
use crate::engine::state::lists::Lists;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Oracle {
    workload: Arc<Workload>,
    seed: u64,
    applied: u64,
    /// Shared with clones of the run (what-if forks) until one of them moves on.
    expected: Arc<Expected>,
}

/// Per key index, what decides its value after the records applied so far.
#[derive(Clone, Debug)]
enum Expected {
    /// Nothing applied yet: every key is without state.
    Nothing,
    /// Which keys have state, and each key's sum.
    Counter { seen: Seen, sums: Vec<i64> },
    /// Offsets of the last records, oldest first, for keys `PAGE * b..PAGE * (b + 1)` in
    /// block `b`; an empty list: no state.
    Events { keep: usize, last: Vec<Lists<u64>> },
    /// Which keys have state, and the offset of each key's last record.
    Bytes {
        len: usize,
        seen: Seen,
        last: Vec<u64>,
    },
}

/// One bit per key: whether any record reached it (a key without state writes nothing,
/// one with a zero sum writes its zero).
#[derive(Clone, Debug)]
struct Seen(Vec<u64>);

impl Seen {
    fn new(keys: usize) -> Self {
        Seen(vec![0; keys.div_ceil(64)])
    }

    fn set(&mut self, key: usize) {
        self.0[key / 64] |= 1 << (key % 64);
    }

    fn get(&self, key: usize) -> bool {
        self.0[key / 64] & (1 << (key % 64)) != 0
    }

    fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&self.0[..])
    }
}

impl Expected {
    fn new(model: ValueModel, keys: usize) -> Self {
        match model {
            ValueModel::Counter => Expected::Counter {
                seen: Seen::new(keys),
                sums: vec![0; keys],
            },
            ValueModel::Events { keep } => Expected::Events {
                keep: usize::from(keep).max(1),
                last: (0..keys.div_ceil(PAGE))
                    .map(|b| Lists::new((keys - b * PAGE).min(PAGE)))
                    .collect(),
            },
            ValueModel::RandomBytes { len } => Expected::Bytes {
                len: usize::from(len),
                seen: Seen::new(keys),
                last: vec![0; keys],
            },
        }
    }

    fn heap_bytes(&self) -> u64 {
        (match self {
            Expected::Nothing => 0,
            Expected::Counter { seen, sums } => {
                seen.heap_bytes() + std::mem::size_of_val(&sums[..])
            }
            Expected::Events { last, .. } => {
                std::mem::size_of_val(&last[..]) + last.iter().map(Lists::heap_bytes).sum::<usize>()
            }
            Expected::Bytes { seen, last, .. } => {
                seen.heap_bytes() + std::mem::size_of_val(&last[..])
            }
        }) as u64
    }
}

impl Oracle {
    pub fn new(workload: &Arc<Workload>) -> Self {
        Self {
            workload: workload.clone(),
            seed: 0,
            applied: 0,
            expected: Arc::new(Expected::Nothing),
        }
    }

    /// Applies records up to (excluding) `offset`; the oracle only moves forward.
    pub fn advance_to(&mut self, workload: &Workload, seed: u64, offset: u64) {
        if self.applied >= offset {
            return;
        }
        self.seed = seed;
        let expected = Arc::make_mut(&mut self.expected);
        if matches!(expected, Expected::Nothing) {
            *expected = Expected::new(workload.config().value_model, workload.keys().len());
        }
        while self.applied < offset {
            let record = workload.record(self.applied);
            let key = record.key as usize;
            match expected {
                Expected::Nothing => {}
                Expected::Counter { seen, sums } => {
                    seen.set(key);
                    sums[key] = sums[key].wrapping_add(record.value);
                }
                Expected::Events { keep, last } => {
                    last[key / PAGE].push_keeping(key % PAGE, record.offset, *keep);
                }
                Expected::Bytes { seen, last, .. } => {
                    seen.set(key);
                    last[key] = record.offset;
                }
            }
            self.applied += 1;
        }
    }

    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// Heap bytes the oracle holds (0 until the first check).
    pub fn heap_bytes(&self) -> u64 {
        self.expected.heap_bytes()
    }

    /// Whether key `index` holds exactly what the records so far give it. `scratch` is a
    /// buffer for drawing random bytes.
    fn matches(&self, index: u32, actual: Option<KeyValue<'_>>, scratch: &mut Vec<u8>) -> bool {
        let key = index as usize;
        match (&*self.expected, actual) {
            (Expected::Nothing, actual) => actual.is_none(),
            (Expected::Counter { seen, sums }, actual) => match (seen.get(key), actual) {
                (false, None) => true,
                (true, Some(KeyValue::Counter { sum })) => sums[key] == sum,
                _ => false,
            },
            (Expected::Events { last, .. }, actual) => {
                match (last[key / PAGE].get(key % PAGE), actual) {
                    ([], None) => true,
                    (offsets, Some(KeyValue::Events(events))) => {
                        !offsets.is_empty()
                            && offsets.len() == events.len()
                            && offsets
                                .iter()
                                .zip(events)
                                .all(|(o, e)| *e == self.event(*o))
                    }
                    _ => false,
                }
            }
            (Expected::Bytes { len, seen, last }, actual) => match (seen.get(key), actual) {
                (false, None) => true,
                (true, Some(KeyValue::Bytes { bytes })) => {
                    scratch.clear();
                    scratch.resize(*len, 0);
                    fill_random(scratch, draw(self.seed, Stream::Payload, last[key]));
                    bytes == &scratch[..]
                }
                _ => false,
            },
        }
    }

    fn event(&self, offset: u64) -> Event {
        Event {
            // As the state writes it (a scale model's offsets are the real job's).
            offset: self.workload.keys().real_offset(offset, self.seed),
            value: self.workload.record(offset).value,
        }
    }

    /// Key groups whose state differs from the no-failure run's, key by key.
    pub fn differing(&self, state: &[Arc<KeyGroupState>]) -> Vec<u32> {
        let keys = self.workload.keys();
        let mut scratch = Vec::new();
        state
            .iter()
            .enumerate()
            .filter(|(kg, st)| {
                let members = keys.members(*kg as u32);
                st.key_group() != *kg as u32
                    || st.len() as usize > members.len()
                    || members
                        .iter()
                        .enumerate()
                        .any(|(slot, k)| !self.matches(*k, st.get(slot), &mut scratch))
            })
            .map(|(kg, _)| kg as u32)
            .collect()
    }

    /// The state the no-failure run holds in key group `kg`, rebuilt from the compact
    /// records (for tests and inspection; the check itself compares in place).
    pub fn expected_key_group(&self, kg: u32) -> KeyGroupState {
        let keys = self.workload.keys();
        let mut st = KeyGroupState::empty(kg, keys);
        let mut bytes = Vec::new();
        for (slot, k) in keys.members(kg).iter().enumerate() {
            let key = *k as usize;
            let events: Vec<Event>;
            let value = match &*self.expected {
                Expected::Nothing => None,
                Expected::Counter { seen, sums } => seen
                    .get(key)
                    .then_some(KeyValue::Counter { sum: sums[key] }),
                Expected::Events { last, .. } => {
                    events = last[key / PAGE]
                        .get(key % PAGE)
                        .iter()
                        .map(|o| self.event(*o))
                        .collect();
                    (!events.is_empty()).then_some(KeyValue::Events(&events))
                }
                Expected::Bytes { len, seen, last } => {
                    bytes.clear();
                    bytes.resize(*len, 0);
                    fill_random(&mut bytes, draw(self.seed, Stream::Payload, last[key]));
                    seen.get(key).then_some(KeyValue::Bytes { bytes: &bytes })
                }
            };
            if let Some(v) = value {
                st.insert(slot, v, keys.key_ref(*k))
                    .expect("a value of the run's own model");
            }
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::partitioning::keygroups::KeyKind;
    use crate::engine::partitioning::workload::{
        KeyDistribution, RateProfile, SourceConfig, WorkloadConfig,
    };

    const MAX_P: u32 = 16;

    fn workload(model: ValueModel) -> Arc<Workload> {
        let config = WorkloadConfig {
            source: SourceConfig::Generated {
                key_space: 400,
                distribution: KeyDistribution::Zipf { exponent: 0.9 },
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant {
                records_per_s: 1000.0,
            },
            value_model: model,
            ..Default::default()
        };
        Arc::new(Workload::new(&config, 11, MAX_P, None))
    }

    /// The real state after applying `offsets`, one key group per entry.
    fn state(w: &Workload, offsets: impl Iterator<Item = u64>) -> Vec<Arc<KeyGroupState>> {
        let keys = w.keys();
        let mut state: Vec<KeyGroupState> = (0..MAX_P)
            .map(|kg| KeyGroupState::empty(kg, keys))
            .collect();
        for o in offsets {
            let r = w.record(o);
            state[keys.key_group(r.key) as usize].apply(&r, w.config().value_model, keys, 3);
        }
        state.into_iter().map(Arc::new).collect()
    }

    const MODELS: [ValueModel; 3] = [
        ValueModel::Counter,
        ValueModel::Events { keep: 3 },
        ValueModel::RandomBytes { len: 24 },
    ];

    #[test]
    fn accepts_the_same_state_and_rebuilds_it() {
        for model in MODELS {
            let w = workload(model);
            let mut oracle = Oracle::new(&w);
            assert!(oracle.differing(&state(&w, 0..0)).is_empty());
            assert_eq!(oracle.heap_bytes(), 0, "nothing allocated before a check");
            oracle.advance_to(&w, 3, 5_000);
            let real = state(&w, 0..5_000);
            assert_eq!(oracle.differing(&real), Vec::<u32>::new(), "{model:?}");
            for kg in 0..MAX_P {
                assert_eq!(oracle.expected_key_group(kg), *real[kg as usize]);
            }
        }
    }

    #[test]
    fn flags_the_key_group_of_a_single_differing_key() {
        for model in MODELS {
            let w = workload(model);
            let mut oracle = Oracle::new(&w);
            oracle.advance_to(&w, 3, 5_000);
            // A record applied twice (a duplicate after replay). Not a key's last record:
            // random bytes are replaced by each update, so repeating the last one changes
            // nothing (and is no harm).
            let keys = w.keys();
            let last_of = |key: u32| (0..5_000u64).rev().find(|o| w.record(*o).key == key);
            let dup = (0..5_000u64)
                .map(|o| w.record(o))
                .find(|r| last_of(r.key) != Some(r.offset))
                .expect("a key written twice");
            let mut twice = state(&w, 0..5_000);
            let kg = keys.key_group(dup.key);
            Arc::make_mut(&mut twice[kg as usize]).apply(&dup, model, keys, 3);
            assert_eq!(oracle.differing(&twice), vec![kg], "{model:?}: duplicate");
            // A record lost: the key's only record, so the key has no state at all.
            let mut seen = vec![0u32; keys.len()];
            (0..5_000).for_each(|o| seen[w.record(o).key as usize] += 1);
            let lonely = (0..5_000u64)
                .find(|o| seen[w.record(*o).key as usize] == 1)
                .expect("a key seen once");
            let lost = state(&w, (0..5_000).filter(|o| *o != lonely));
            let kg = keys.key_group(w.record(lonely).key);
            assert_eq!(oracle.differing(&lost), vec![kg], "{model:?}: lost key");
            // The same records with another seed: only random bytes depend on it.
            if let ValueModel::RandomBytes { .. } = model {
                let mut other = Oracle::new(&w);
                other.advance_to(&w, 4, 5_000);
                assert_eq!(other.differing(&state(&w, 0..5_000)).len(), MAX_P as usize);
            }
        }
    }

    #[test]
    fn a_clone_shares_until_it_moves_on() {
        let w = workload(ValueModel::Counter);
        let mut a = Oracle::new(&w);
        a.advance_to(&w, 3, 1_000);
        let mut b = a.clone();
        assert!(Arc::ptr_eq(&a.expected, &b.expected));
        b.advance_to(&w, 3, 2_000);
        assert!(!Arc::ptr_eq(&a.expected, &b.expected));
        assert!(a.differing(&state(&w, 0..1_000)).is_empty());
        assert!(b.differing(&state(&w, 0..2_000)).is_empty());
    }
}
