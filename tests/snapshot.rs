//! Key group snapshots: exact sizes, lossless round trips, and no panic on any bytes.

use proptest::prelude::*;
use statelab::engine::partitioning::keygroups::Key;
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyFormat, KeyKind, RateProfile, SourceConfig, ValueModel, Workload,
    WorkloadConfig,
};
use statelab::engine::state::codec::Codec;
use statelab::engine::state::flink_heap::{self, HeapLayout, KeyRef as FlinkKeyRef, Value};
use statelab::engine::state::keyed::{Event, KeyGroupState, KeyValue};
use statelab::engine::state::snapshot::{self, SnapshotError};

fn workload(model: ValueModel, kind: KeyKind, seed: u64) -> Workload {
    spelled(model, kind, seed, KeyFormat::default())
}

/// A workload whose `String` keys are spelled by `key_format`.
fn spelled(model: ValueModel, kind: KeyKind, seed: u64, key_format: KeyFormat) -> Workload {
    let config = WorkloadConfig {
        source: SourceConfig::Generated {
            key_space: 300,
            distribution: KeyDistribution::Zipf { exponent: 0.8 },
            key_kind: kind,
        },
        rate: RateProfile::Constant {
            records_per_s: 1000.0,
        },
        value_model: model,
        limit: None,
        key_format,
        values: Default::default(),
        sample_every: 1,
    };
    Workload::new(&config, seed, 16, None)
}

fn filled(w: &Workload, records: u64, seed: u64) -> Vec<KeyGroupState> {
    let keys = w.keys();
    let mut state: Vec<KeyGroupState> = (0..16).map(|kg| KeyGroupState::empty(kg, keys)).collect();
    for i in 0..records {
        let r = w.record(i);
        state[keys.key_group(r.key) as usize].apply(&r, w.config().value_model, keys, seed);
    }
    state
}

fn models() -> impl Strategy<Value = ValueModel> {
    prop_oneof![
        Just(ValueModel::Counter),
        (1u8..8).prop_map(|keep| ValueModel::Events { keep }),
        (1u16..100).prop_map(|len| ValueModel::RandomBytes { len }),
    ]
}

fn layout_of(w: &Workload) -> HeapLayout {
    snapshot::layout(w)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Every chunk reads back to the state it was written from, its uncompressed size is
    /// the size the state keeps, with and without the subtask's header, in every codec.
    #[test]
    fn chunks_round_trip_with_exact_sizes(model in models(), long in any::<bool>(), seed in any::<u64>(), n in 0u64..3000, header in any::<bool>(), digits in 0u8..=4) {
        let kind = if long { KeyKind::Integer } else { KeyKind::String };
        // Padded or not, and padded narrower than some keys (300 keys need 3 digits).
        let format = if long { KeyFormat::default() } else { KeyFormat { prefix: "key-".into(), digits } };
        let w = spelled(model, kind, seed, format);
        let layout = layout_of(&w);
        for st in filled(&w, n, seed) {
            let raw = snapshot::serialize(&st, w.keys(), &layout);
            prop_assert_eq!(raw.len() as u64, st.raw_bytes());
            for codec in Codec::ALL {
                let chunk = snapshot::encode(&st, w.keys(), &layout, codec, header);
                if codec == Codec::None {
                    let skip = if header { layout.header_len() } else { 0 };
                    prop_assert_eq!(&chunk[skip..], &raw[..]);
                }
                let back = snapshot::decode(&chunk, st.key_group(), &layout, codec, header, model, w.keys()).unwrap();
                prop_assert_eq!(&back, &st);
            }
        }
    }

    #[test]
    fn any_damage_is_an_error_or_a_valid_state(flip in any::<usize>(), bit in 0u8..8, cut in proptest::option::of(any::<usize>()), model in models(), codec in prop::sample::select(Codec::ALL.to_vec())) {
        let w = workload(model, KeyKind::String, 3);
        let layout = layout_of(&w);
        let st = filled(&w, 2000, 3).swap_remove(5);
        let mut bytes = snapshot::encode(&st, w.keys(), &layout, codec, true);
        let i = flip % bytes.len();
        bytes[i] ^= 1 << bit;
        if let Some(c) = cut {
            bytes.truncate(c % (bytes.len() + 1));
        }
        if let Ok(back) = snapshot::decode(&bytes, 5, &layout, codec, true, model, w.keys()) {
            // A flip inside a value (a sum, a random byte) of an uncompressed chunk still
            // parses: that is what the store's checksum is for. It must be well-formed.
            prop_assert_eq!(snapshot::serialize(&back, w.keys(), &layout).len() as u64, back.raw_bytes());
        }
    }
}

/// The lab's own writer (keys and events rendered straight into the bytes, entries in the
/// heap table's order, sections compressed as they fill) writes what the Flink format
/// module writes from the same entries, across several 64 KiB Snappy blocks.
#[test]
fn chunks_are_the_bytes_of_the_flink_format_module() {
    for model in [
        ValueModel::Counter,
        ValueModel::Events { keep: 4 },
        ValueModel::RandomBytes { len: 300 },
    ] {
        let config = WorkloadConfig {
            source: SourceConfig::Generated {
                key_space: 12_000,
                distribution: KeyDistribution::Uniform,
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant {
                records_per_s: 1000.0,
            },
            value_model: model,
            ..Default::default()
        };
        let w = Workload::new(&config, 9, 2, None);
        let keys = w.keys();
        let layout = layout_of(&w);
        let mut state: Vec<KeyGroupState> =
            (0..2).map(|kg| KeyGroupState::empty(kg, keys)).collect();
        for i in 0..60_000 {
            let r = w.record(i);
            state[keys.key_group(r.key) as usize].apply(&r, model, keys, 9);
        }
        for st in &state {
            assert!(
                st.raw_bytes() > 65_536,
                "several blocks: {}",
                st.raw_bytes()
            );
            // The entries as the format module takes them, in the heap backend's order.
            let members = keys.members(st.key_group());
            let mut entries: Vec<(Key, Value)> = st
                .iter()
                .map(|(slot, v)| {
                    let key = keys.key_ref(members[slot]).to_key();
                    let value = match v {
                        KeyValue::Counter { sum } => Value::Long(sum),
                        KeyValue::Events(events) => {
                            Value::Strings(events.iter().map(|e| e.render()).collect())
                        }
                        KeyValue::Bytes { bytes } => Value::Bytes(bytes.to_vec()),
                    };
                    (key, value)
                })
                .collect();
            flink_heap::sort_in_heap_order(&mut entries, |(k, _)| FlinkKeyRef::from(k));
            for codec in Codec::ALL {
                let mut expected = Vec::new();
                layout.write_header(snapshot::compression(codec), &mut expected);
                flink_heap::write_key_group(
                    &layout,
                    snapshot::compression(codec),
                    st.key_group(),
                    entries
                        .iter()
                        .map(|(k, v)| (FlinkKeyRef::from(k), v.as_value_ref())),
                    &mut expected,
                )
                .unwrap();
                assert!(
                    snapshot::encode(st, keys, &layout, codec, true) == expected,
                    "{model:?} {codec}"
                );
            }
        }
    }
}

#[test]
fn events_render_as_json_like_text() {
    let e = Event {
        offset: 1234,
        value: -7,
    };
    assert_eq!(e.render(), r#"{"offset":1234,"value":-7,"kind":"click"}"#);
    let e = Event {
        offset: 0,
        value: 42,
    };
    assert_eq!(e.render(), r#"{"offset":0,"value":42,"kind":"cart"}"#);
}

#[test]
fn foreign_chunks_are_refused_with_a_reason() {
    let model = ValueModel::Counter;
    let w = workload(model, KeyKind::String, 1);
    let layout = layout_of(&w);
    let state = filled(&w, 500, 1);
    let bytes = snapshot::encode(&state[3], w.keys(), &layout, Codec::None, true);
    let decode = |bytes: &[u8], kg, layout: &HeapLayout, model, keys| {
        snapshot::decode(bytes, kg, layout, Codec::None, true, model, keys)
    };
    let err = decode(&bytes, 4, &layout, model, w.keys()).unwrap_err();
    assert!(
        err.to_string().contains("key group 3") && err.to_string().contains("expected 4"),
        "{err}"
    );
    // Another job's state: events, not a counter.
    let events = workload(ValueModel::Events { keep: 2 }, KeyKind::String, 1);
    let err = decode(
        &bytes,
        3,
        &layout_of(&events),
        ValueModel::Events { keep: 2 },
        events.keys(),
    )
    .unwrap_err();
    assert!(matches!(err, SnapshotError::OtherJob { .. }), "{err}");
    assert!(err.to_string().contains("counter"), "{err}");
    // Long keys where the job has strings.
    let other = workload(model, KeyKind::Integer, 1);
    assert!(decode(&bytes, 3, &layout_of(&other), model, other.keys()).is_err());
    assert!(decode(b"nope", 3, &layout, model, w.keys()).is_err());
    // A compressed chunk read as uncompressed says so.
    let snappy = snapshot::encode(&state[3], w.keys(), &layout, Codec::Snappy, true);
    let err = decode(&snappy, 3, &layout, model, w.keys()).unwrap_err();
    assert!(err.to_string().contains("compress"), "{err}");
}

/// The recorded job's shape: `user-N` keys with a `Long` counter take 1 + (1 + len) + 8
/// bytes a key, and a subtask's header is the recorded 1,054 bytes for a state named
/// `counter` (see tests/flink_heap.rs for the recorded totals).
#[test]
fn a_counter_key_takes_what_flink_writes() {
    let w = workload(ValueModel::Counter, KeyKind::String, 1);
    let layout = layout_of(&w);
    assert_eq!(layout.state_name(), "counter");
    assert_eq!(layout.header_len(), 1_054);
    let st = filled(&w, 5_000, 1).swap_remove(0);
    let expected: u64 = 22
        + st.iter()
            .map(|(slot, _)| {
                let key = w.keys().key_ref(w.keys().members(0)[slot]).to_key();
                1 + (1 + key.to_string().len() as u64) + 8
            })
            .sum::<u64>();
    assert_eq!(st.raw_bytes(), expected);
}
