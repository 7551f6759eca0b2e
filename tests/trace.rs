//! Traces as people save them: a byte-order mark or a header row must not change where
//! a key goes (the JVM vectors in tests/data say where Flink puts it).

use statelab::engine::config::Config;
use statelab::engine::partitioning::keygroups::{Key, KeyKind, Partitioning};
use statelab::engine::partitioning::trace::Trace;
use statelab::engine::partitioning::workload::SourceConfig;
use statelab::engine::sim::Simulation;

/// The key group of `key` for max parallelism 128, parallelism 4, from the JVM vectors.
fn flink_key_group(key: &str) -> u32 {
    let vectors = include_str!("data/keygroup-vectors.tsv");
    vectors
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f[..4] == ["128", "4", "s", key])
        .map(|f| f[5].parse().unwrap())
        .unwrap_or_else(|| panic!("no JVM vector for `{key}`"))
}

#[test]
fn a_byte_order_mark_does_not_move_the_first_key() {
    let part = Partitioning::new(4, 128).unwrap();
    assert_eq!(flink_key_group("a"), 81);
    // Without stripping, the key would be "\u{feff}a", in key group 92.
    assert_eq!(part.key_group_of(&Key::Str("\u{feff}a".into())), 92);
    for text in [
        "\u{feff}a,1\n",
        "\u{feff}key,value\na,1\n",
        "\u{feff}Key,Value\r\na,1\r\n",
    ] {
        let trace = Trace::parse_csv(text, KeyKind::String).unwrap();
        assert_eq!(trace.keys(), &[Key::Str("a".into())], "{text:?}");
        assert_eq!(part.key_group_of(&trace.keys()[0]), 81, "{text:?}");
    }
}

#[test]
fn a_trace_runs_with_its_keys_in_flinks_key_groups() {
    let trace = Trace::parse_csv("\u{feff}key,value\na,1\nb,2\na,3\n", KeyKind::String).unwrap();
    let mut config = Config::default();
    config.workload.source = SourceConfig::Trace;
    let mut sim = Simulation::new(config, Some(&trace)).unwrap();
    sim.advance_to(2_000_000);
    assert_eq!(sim.records_processed(), 3);
    for (key, kg) in [("a", flink_key_group("a")), ("b", flink_key_group("b"))] {
        assert!(
            sim.key_group_state(kg).raw_bytes() > 0,
            "key `{key}` must have state in key group {kg}"
        );
    }
}
