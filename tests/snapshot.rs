//! Key group snapshots: exact sizes, lossless round trips, and no panic on any bytes.

use proptest::prelude::*;
use statelab::engine::partitioning::keygroups::Key;
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel, Workload, WorkloadConfig,
};
use statelab::engine::state::codec::Codec;
use statelab::engine::state::keyed::{Event, KeyGroupState};
use statelab::engine::state::snapshot::{deserialize, encode, serialize};

fn workload(model: ValueModel, kind: KeyKind, seed: u64) -> Workload {
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn snapshots_round_trip_with_exact_sizes(model in models(), long in any::<bool>(), seed in any::<u64>(), n in 0u64..3000) {
        let kind = if long { KeyKind::Integer } else { KeyKind::String };
        let w = workload(model, kind, seed);
        for st in filled(&w, n, seed) {
            let bytes = serialize(&st, model, w.keys());
            prop_assert_eq!(bytes.len() as u64, st.raw_bytes());
            let back = deserialize(&bytes, st.key_group(), model, w.keys()).unwrap();
            prop_assert_eq!(&back, &st);
            prop_assert_eq!(serialize(&back, model, w.keys()), bytes);
        }
    }

    #[test]
    fn any_damage_is_an_error_or_a_valid_state(flip in any::<usize>(), bit in 0u8..8, cut in proptest::option::of(any::<usize>()), model in models()) {
        let w = workload(model, KeyKind::String, 3);
        let st = filled(&w, 2000, 3).swap_remove(5);
        let mut bytes = serialize(&st, model, w.keys());
        let i = flip % bytes.len();
        bytes[i] ^= 1 << bit;
        if let Some(c) = cut {
            bytes.truncate(c % (bytes.len() + 1));
        }
        if let Ok(back) = deserialize(&bytes, 5, model, w.keys()) {
            // A flip inside a value (a count, a random byte) still parses: that is what
            // the chunk checksum is for. The result must still be well-formed.
            prop_assert_eq!(serialize(&back, model, w.keys()).len() as u64, back.raw_bytes());
        }
    }
}

/// A chunk encoded straight from the state, block by block, is the one encoded from the
/// whole serialised snapshot, for every value model and codec, across many blocks.
#[test]
fn streamed_chunks_equal_chunks_of_whole_snapshots() {
    for model in [
        ValueModel::Counter,
        ValueModel::Events { keep: 4 },
        ValueModel::RandomBytes { len: 300 },
    ] {
        let config = WorkloadConfig {
            source: SourceConfig::Generated {
                key_space: 6_000,
                distribution: KeyDistribution::Uniform,
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant {
                records_per_s: 1000.0,
            },
            value_model: model,
            limit: None,
        };
        let w = Workload::new(&config, 9, 2, None);
        let keys = w.keys();
        let mut state: Vec<KeyGroupState> =
            (0..2).map(|kg| KeyGroupState::empty(kg, keys)).collect();
        for i in 0..30_000 {
            let r = w.record(i);
            state[keys.key_group(r.key) as usize].apply(&r, model, keys, 9);
        }
        for st in &state {
            let raw = serialize(st, model, keys);
            assert!(raw.len() > 65_536, "several blocks: {}", raw.len());
            for codec in Codec::ALL {
                assert_eq!(
                    encode(st, model, keys, codec),
                    codec.encode(&raw),
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
fn foreign_snapshots_are_refused_with_a_reason() {
    let model = ValueModel::Counter;
    let w = workload(model, KeyKind::String, 1);
    let state = filled(&w, 500, 1);
    let bytes = serialize(&state[3], model, w.keys());
    let err = deserialize(&bytes, 4, model, w.keys()).unwrap_err();
    assert_eq!(err.to_string(), "snapshot is of key group 3, expected 4");
    let err = deserialize(&bytes, 3, ValueModel::Events { keep: 2 }, w.keys()).unwrap_err();
    assert!(err.to_string().contains("counter"), "{err}");
    let other = workload(model, KeyKind::Integer, 1);
    assert!(deserialize(&bytes, 3, model, other.keys()).is_err());
    assert!(deserialize(b"nope", 3, model, w.keys()).is_err());
    let _ = Key::Long(0);
}
