//! Every field the panels offer, read, written and checked against the engine's rules.

use super::edit::try_edit;
use super::spec::{Kind, Spec};
use super::specs::*;
use crate::engine::config::Config;
use crate::engine::partitioning::workload::{
    KeyDistribution, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;

/// The default configuration with `edits` applied through the fields themselves.
fn with(edits: &[(&Spec, &str)]) -> Config {
    edits.iter().fold(Config::default(), |c, (spec, text)| {
        try_edit(spec, &c, text).unwrap_or_else(|e| panic!("{} = {text:?}: {e}", spec.path))
    })
}

/// One configuration for every variant a field can belong to: each field's value shows
/// in at least one of them.
fn every_variant() -> Vec<Config> {
    vec![
        Config::default(),
        with(&[(&DISTRIBUTION, "zipf")]),
        with(&[(&DISTRIBUTION, "hot_set"), (&KEY_KIND, "integer")]),
        with(&[(&DISTRIBUTION, "uniform"), (&VALUE_MODEL, "random_bytes")]),
        with(&[(&RATE_KIND, "ramp"), (&VALUE_MODEL, "counter")]),
        with(&[(&RATE_KIND, "bursts"), (&LIMIT, "5000")]),
        with(&[(&POLICY, "adaptive")]),
        with(&[(&POLICY, "young_daly"), (&MAX_PARALLELISM, "256")]),
        with(&[(&INTERVAL, "1000"), (&SOURCE, "seed_example")]),
    ]
}

#[test]
fn every_field_has_its_own_path_and_is_named_by_it() {
    let mut paths: Vec<&str> = ALL.iter().map(|s| s.path).collect();
    paths.sort_unstable();
    let before = paths.len();
    paths.dedup();
    assert_eq!(paths.len(), before, "two fields share a path");
    for spec in ALL {
        assert_eq!(label_of(spec.path), Some(spec.label), "{}", spec.path);
        assert!(!spec.label.is_empty(), "{} has a label", spec.path);
    }
    assert_eq!(
        label_of("job.channel_capacity"),
        None,
        "not offered by a panel"
    );
}

#[test]
fn every_field_reads_back_what_it_shows() {
    for spec in ALL {
        let shown_somewhere = every_variant().iter().any(|config| {
            let text = (spec.get)(config);
            let applies = !text.is_empty() || matches!(spec.kind, Kind::Optional { .. });
            if applies {
                let again = try_edit(spec, config, &text)
                    .unwrap_or_else(|e| panic!("{} = {text:?} refused: {e}", spec.path));
                assert_eq!(&again, config, "{} = {text:?} changes nothing", spec.path);
            }
            applies
        });
        assert!(shown_somewhere, "{} shows in some configuration", spec.path);
    }
}

#[test]
fn every_choice_either_applies_or_says_why_not() {
    for spec in ALL {
        let Kind::Choice(options) = spec.kind else {
            continue;
        };
        for (value, label) in options {
            assert!(!label.is_empty(), "{} = {value} has a label", spec.path);
            match try_edit(spec, &Config::default(), value) {
                Ok(config) => assert_eq!((spec.get)(&config), *value, "{}", spec.path),
                Err(why) => assert!(
                    spec.path == "workload.source" && *value == "trace",
                    "{} = {value} refused: {why}",
                    spec.path
                ),
            }
        }
        let refused = try_edit(spec, &Config::default(), "no-such-choice");
        assert!(refused.is_err(), "{} refuses an unknown choice", spec.path);
    }
}

#[test]
fn an_optional_field_accepts_its_own_fallback_and_absence() {
    for spec in ALL {
        let Kind::Optional { fallback, .. } = spec.kind else {
            continue;
        };
        for config in every_variant() {
            let text = fallback(&config);
            try_edit(spec, &config, &text)
                .unwrap_or_else(|e| panic!("{} fallback {text:?} refused: {e}", spec.path));
            let absent = try_edit(spec, &config, "")
                .unwrap_or_else(|e| panic!("{} absent refused: {e}", spec.path));
            assert_eq!((spec.get)(&absent), "", "{}", spec.path);
        }
    }
}

/// What an edit should do: the value it leaves, or words its refusal must contain.
enum Want {
    Sets(fn(&Config) -> bool),
    Refused(&'static str),
}

/// A field, the configuration it is edited in, the text typed, what should happen.
type Case = (&'static Spec, fn() -> Config, &'static str, Want);

#[test]
fn edits_are_parsed_and_validated_field_by_field() {
    use Want::*;
    let default = Config::default;
    let seed_example = || with(&[(&SOURCE, "seed_example")]);
    let zipf = || with(&[(&DISTRIBUTION, "zipf")]);
    let uniform = || with(&[(&DISTRIBUTION, "uniform")]);
    let cases: Vec<Case> = vec![
        (&PARALLELISM, default, "8", Sets(|c| c.job.parallelism == 8)),
        (
            &PARALLELISM,
            default,
            " 16 ",
            Sets(|c| c.job.parallelism == 16),
        ),
        (&PARALLELISM, default, "0", Refused("between 1 and 256")),
        (&PARALLELISM, default, "257", Refused("between 1 and 256")),
        (
            &PARALLELISM,
            default,
            "four",
            Refused("`four` is not a number"),
        ),
        (&PARALLELISM, default, "2.5", Refused("not a whole number")),
        (&PARALLELISM, default, "", Refused("enter a whole number")),
        (
            &MAX_PARALLELISM,
            default,
            "",
            Sets(|c| c.job.max_parallelism.is_none()),
        ),
        (
            &MAX_PARALLELISM,
            default,
            "512",
            Sets(|c| c.job.max_parallelism == Some(512)),
        ),
        // A rule between fields names the other field by its label.
        (&MAX_PARALLELISM, default, "2", Refused("Parallelism")),
        (
            &SUBTASK_RATE,
            default,
            "2500.5",
            Sets(|c| c.job.records_per_s_per_subtask == 2500.5),
        ),
        (&SUBTASK_RATE, default, "0", Refused("between")),
        (
            &CODEC,
            default,
            "lz4",
            Sets(|c| c.checkpointing.codec == Codec::Lz4),
        ),
        (
            &CODEC,
            default,
            "snappy",
            Sets(|c| c.checkpointing.codec == Codec::Snappy),
        ),
        (&CODEC, default, "zstd", Refused("zstd")),
        (&SOURCE, default, "trace", Refused("CSV file")),
        (
            &SOURCE,
            seed_example,
            "generated",
            Sets(|c| {
                matches!(
                    c.workload.source,
                    SourceConfig::Generated {
                        key_space: 10_000,
                        ..
                    }
                )
            }),
        ),
        (
            &KEY_SPACE,
            default,
            "500",
            Sets(|c| (KEY_SPACE.get)(c) == "500"),
        ),
        (
            &KEY_SPACE,
            seed_example,
            "500",
            Refused("not used by the current choice"),
        ),
        (
            &DISTRIBUTION,
            uniform,
            "hot_set",
            Sets(|c| {
                matches!(
                    c.workload.source,
                    SourceConfig::Generated {
                        distribution: KeyDistribution::HotSet { hot_keys: 50, .. },
                        ..
                    }
                )
            }),
        ),
        // Choosing the kind already chosen keeps its numbers.
        (
            &DISTRIBUTION,
            || with(&[(&HOT_KEYS, "7")]),
            "hot_set",
            Sets(|c| {
                matches!(
                    c.workload.source,
                    SourceConfig::Generated {
                        distribution: KeyDistribution::HotSet { hot_keys: 7, .. },
                        ..
                    }
                )
            }),
        ),
        (
            &ZIPF_EXPONENT,
            zipf,
            "1.2",
            Sets(|c| (ZIPF_EXPONENT.get)(c) == "1.2"),
        ),
        (
            &HOT_KEYS,
            zipf,
            "10",
            Refused("not used by the current choice"),
        ),
        (
            &HOT_KEYS,
            default,
            "10",
            Sets(|c| (HOT_KEYS.get)(c) == "10"),
        ),
        (
            &RATE_KIND,
            default,
            "ramp",
            Sets(|c| {
                c.workload.rate
                    == RateProfile::Ramp {
                        from_per_s: 100.0,
                        to_per_s: 300.0,
                        over_s: 30.0,
                    }
            }),
        ),
        (&RATE_CONSTANT, default, "-1", Refused("between")),
        (
            &VALUE_MODEL,
            default,
            "counter",
            Sets(|c| c.workload.value_model == ValueModel::Counter),
        ),
        (
            &EVENTS_KEEP,
            default,
            "64",
            Sets(|c| c.workload.value_model == ValueModel::Events { keep: 64 }),
        ),
        (&EVENTS_KEEP, default, "65", Refused("between 1 and 64")),
        (&EVENTS_KEEP, default, "300", Refused("between 1 and 64")),
        (
            &RANDOM_LEN,
            default,
            "64",
            Refused("not used by the current choice"),
        ),
        (&LIMIT, default, "", Sets(|c| c.workload.limit.is_none())),
        (
            &LIMIT,
            default,
            "1_000",
            Sets(|c| c.workload.limit == Some(1_000)),
        ),
        (&LIMIT, default, "0", Refused("at least 1 record")),
        (
            &INTERVAL,
            default,
            "",
            Sets(|c| c.checkpointing.interval_ms.is_none()),
        ),
        (&INTERVAL, default, "5", Refused("between 10 and")),
        (
            &INCREMENTAL,
            default,
            "true",
            Sets(|c| c.checkpointing.incremental),
        ),
        (
            &INCREMENTAL,
            default,
            "maybe",
            Refused("neither true nor false"),
        ),
        // The adaptive policy needs incremental checkpoints and a running interval.
        (
            &POLICY,
            || with(&[(&INTERVAL, "")]),
            "adaptive",
            Sets(|c| {
                c.checkpointing.incremental
                    && c.checkpointing.interval_ms == Some(2_000)
                    && matches!(c.checkpointing.policy, PolicyConfig::Adaptive { .. })
            }),
        ),
        (
            &MTBF,
            default,
            "60",
            Refused("not used by the current choice"),
        ),
        (
            &BANDWIDTH,
            default,
            "2.5",
            Sets(|c| c.link.bandwidth_mbit_s == 2.5),
        ),
        (
            &BANDWIDTH,
            default,
            "fast",
            Refused("`fast` is not a number"),
        ),
        (&MAX_RETRIES, default, "-1", Refused("not a whole number")),
        (
            &RESTART_DELAY,
            default,
            "0",
            Sets(|c| c.job.restart_delay_ms == 0),
        ),
    ];
    for (spec, base, text, want) in cases {
        let result = try_edit(spec, &base(), text);
        match (want, result) {
            (Sets(check), Ok(config)) => {
                assert!(
                    check(&config),
                    "{} = {text:?} set the wrong value",
                    spec.path
                )
            }
            (Refused(words), Err(why)) => {
                assert!(
                    why.contains(words),
                    "{} = {text:?}: {why:?} lacks {words:?}",
                    spec.path
                )
            }
            (Sets(_), Err(why)) => panic!("{} = {text:?} refused: {why}", spec.path),
            (Refused(words), Ok(_)) => panic!("{} = {text:?} accepted, want {words:?}", spec.path),
        }
    }
}
