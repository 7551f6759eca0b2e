//! Reading a config: omitted fields default at every level, anything the config does not
//! have is refused with its dotted path, and faults that cannot apply are refused before
//! the run.

use statelab::engine::config::{
    distribution_kinds, policy_kinds, rate_kinds, source_kinds, value_model_kinds, Config,
    ConfigErrors,
};
use statelab::engine::faults::{Fault, ScheduledFault};
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use statelab::engine::transfer::policy::PolicyConfig;

fn errors(json: &str) -> Vec<String> {
    match Config::from_json(json) {
        Ok(c) => panic!("{json} was accepted as {c:?}"),
        Err(ConfigErrors(e)) => e.iter().map(ToString::to_string).collect(),
    }
}

/// The one error `json` gives, which must start with `expected`.
fn refused(json: &str, expected: &str) {
    let errs = errors(json);
    assert!(
        errs.len() == 1 && errs[0].starts_with(expected),
        "{json}\n  expected: {expected}…\n  got: {errs:#?}"
    );
}

#[test]
fn unknown_fields_are_refused_at_every_level_with_their_path() {
    for (json, expected) in [
        (
            r#"{"checkpointing":{"policy":{"kind":"fixed","interval_ms":100}}}"#,
            "checkpointing.policy: unknown field `interval_ms`: kind `fixed` has no fields besides `kind`",
        ),
        (
            r#"{"checkpointing":{"policy":{"interval_ms":100}}}"#,
            "checkpointing.policy: unknown field `interval_ms`: kind `fixed`",
        ),
        (
            r#"{"checkpointing":{"policy":{"kind":"adaptive","window":5}}}"#,
            "checkpointing.policy: unknown field `window` for kind `adaptive`, expected one of `change_budget_bytes`, `max_interval_ms`, `max_staleness_ms`, `min_interval_ms`, `ship_threshold_bytes`, `window_ms`",
        ),
        (
            r#"{"checkpointing":{"policy":{"kind":"young_daly","mtbf":5}}}"#,
            "checkpointing.policy: unknown field `mtbf` for kind `young_daly`",
        ),
        (
            r#"{"workload":{"source":{"kind":"seed_example","key_space":5}}}"#,
            "workload.source: unknown field `key_space`: kind `seed_example` has no fields",
        ),
        (
            r#"{"workload":{"source":{"kind":"trace","file":"a.csv"}}}"#,
            "workload.source: unknown field `file`: kind `trace` has no fields",
        ),
        (
            r#"{"workload":{"source":{"keyspace":5}}}"#,
            "workload.source: unknown field `keyspace` for kind `generated`, expected one of `distribution`, `key_kind`, `key_space`",
        ),
        (
            r#"{"workload":{"source":{"distribution":{"kind":"uniform","exponent":1}}}}"#,
            "workload.source.distribution: unknown field `exponent`: kind `uniform` has no fields",
        ),
        (
            r#"{"workload":{"source":{"distribution":{"kind":"hot_set","hot":1}}}}"#,
            "workload.source.distribution: unknown field `hot` for kind `hot_set`",
        ),
        (
            r#"{"workload":{"rate":{"kind":"constant","records_per_s":5,"burst":1}}}"#,
            "workload.rate: unknown field `burst` for kind `constant`, expected one of `records_per_s`",
        ),
        (
            r#"{"workload":{"rate":{"kind":"ramp","from":1}}}"#,
            "workload.rate: unknown field `from` for kind `ramp`",
        ),
        (
            r#"{"workload":{"rate":{"kind":"bursts","period":1}}}"#,
            "workload.rate: unknown field `period` for kind `bursts`",
        ),
        (
            r#"{"workload":{"value_model":{"kind":"counter","keep":4}}}"#,
            "workload.value_model: unknown field `keep`: kind `counter` has no fields",
        ),
        (
            r#"{"workload":{"value_model":{"kind":"events","len":4}}}"#,
            "workload.value_model: unknown field `len` for kind `events`, expected one of `keep`",
        ),
        (
            r#"{"workload":{"value_model":{"kind":"random_bytes","keep":4}}}"#,
            "workload.value_model: unknown field `keep` for kind `random_bytes`, expected one of `len`",
        ),
        (
            r#"{"workload":{"limits":5}}"#,
            "workload: unknown field `limits`, expected one of `key_format`, `limit`, `rate`, `sample_every`, `source`, `value_model`, `values`",
        ),
        (
            r#"{"jobs":{}}"#,
            "(top level): unknown field `jobs`, expected one of `checkpointing`, `costs`, `faults`, `job`, `link`, `seed`, `tick_us`, `workload`",
        ),
        (r#"{"link":{"bandwidth":1}}"#, "link: unknown field `bandwidth`"),
        (r#"{"costs":{"sync":1}}"#, "costs: unknown field `sync`"),
        (r#"{"job":{"paralelism":2}}"#, "job: unknown field `paralelism`"),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"crash_job"},"repeat":true}]}"#,
            "faults[0]: unknown field `repeat`, expected one of `at_ms`, `fault`",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"crash_job","subtask":1}}]}"#,
            "faults[0].fault: unknown field `subtask`: kind `crash_job` has no fields",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"crash_subtask","subtask":1,"hard":true}}]}"#,
            "faults[0].fault: unknown field `hard` for kind `crash_subtask`, expected one of `subtask`",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"latency_spike","latency_ms":1,"duration_ms":1,"ms":1}}]}"#,
            "faults[0].fault: unknown field `ms` for kind `latency_spike`, expected one of `duration_ms`, `latency_ms`",
        ),
    ] {
        refused(json, expected);
    }
}

#[test]
fn unknown_kinds_and_missing_fault_fields_are_named() {
    for (json, expected) in [
        (
            r#"{"checkpointing":{"policy":{"kind":"fixd"}}}"#,
            "checkpointing.policy.kind: unknown kind `fixd`, expected one of `fixed`, `adaptive`, `young_daly`",
        ),
        (
            r#"{"checkpointing":{"policy":"fixed"}}"#,
            "checkpointing.policy: expected an object with a `kind` (`fixed`, `adaptive`, `young_daly`), found the string \"fixed\"",
        ),
        (
            r#"{"workload":{"source":{"kind":7}}}"#,
            "workload.source.kind: unknown kind `7`, expected one of `generated`, `seed_example`, `trace`",
        ),
        (
            r#"{"workload":{"source":{"distribution":{"kind":"normal"}}}}"#,
            "workload.source.distribution.kind: unknown kind `normal`, expected one of `uniform`, `zipf`, `hot_set`",
        ),
        (
            r#"{"workload":{"rate":{"kind":"sine"}}}"#,
            "workload.rate.kind: unknown kind `sine`, expected one of `constant`, `ramp`, `bursts`",
        ),
        (
            r#"{"workload":{"value_model":{"kind":"list"}}}"#,
            "workload.value_model.kind: unknown kind `list`, expected one of `counter`, `events`, `random_bytes`",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"explode"}}]}"#,
            "faults[0].fault.kind: unknown kind `explode`, expected one of `crash_job`, `crash_subtask`",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{}}]}"#,
            "faults[0].fault.kind: missing; expected one of `crash_job`",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"crash_subtask"}}]}"#,
            "faults[0].fault.subtask: missing; a `crash_subtask` fault needs it",
        ),
        (
            r#"{"faults":[{"fault":{"kind":"crash_job"}}]}"#,
            "faults[0].at_ms: missing",
        ),
        (
            r#"{"faults":{"at_ms":1}}"#,
            "faults: expected a list of scheduled faults",
        ),
        (r#"{"faults":[7]}"#, "faults[0]: expected an object, found `7`"),
        (r#"{"job":4}"#, "job: expected an object, found `4`"),
        (r#"{"workload":null}"#, "workload: expected an object, found null"),
    ] {
        refused(json, expected);
    }
}

#[test]
fn values_of_the_wrong_type_name_their_field() {
    for (json, expected) in [
        (
            r#"{"job":{"parallelism":"4"}}"#,
            "job.parallelism: invalid type: string \"4\", expected u32",
        ),
        (
            r#"{"job":{"parallelism":-1}}"#,
            "job.parallelism: invalid value: integer `-1`, expected u32",
        ),
        (
            r#"{"checkpointing":{"policy":{"kind":"adaptive","window_ms":"x"}}}"#,
            "checkpointing.policy.window_ms: invalid type: string \"x\"",
        ),
        (
            r#"{"workload":{"source":{"distribution":{"kind":"zipf","exponent":true}}}}"#,
            "workload.source.distribution.exponent: invalid type: boolean `true`",
        ),
        (
            r#"{"workload":{"value_model":{"kind":"events","keep":300}}}"#,
            "workload.value_model.keep: invalid value: integer `300`, expected u8",
        ),
        (
            r#"{"faults":[{"at_ms":1,"fault":{"kind":"crash_subtask","subtask":-2}}]}"#,
            "faults[0].fault.subtask: invalid value: integer `-2`, expected u32",
        ),
        (
            r#"{"checkpointing":{"codec":"zstd"}}"#,
            "checkpointing.codec: unknown variant `zstd`, expected one of `none`, `lz4`, `snappy`",
        ),
        (
            r#"{"checkpointing":{"interval_ms":{"ms":5}}}"#,
            "checkpointing.interval_ms: invalid type: map, expected u64",
        ),
        (
            r#"{"seed":1.5}"#,
            "seed: invalid type: floating point `1.5`",
        ),
    ] {
        refused(json, expected);
    }
    // Every bad value is named at once, not only the first.
    let errs = errors(r#"{"seed":"x","job":{"parallelism":"4","restart_delay_ms":"y"}}"#);
    assert_eq!(errs.len(), 3, "{errs:#?}");
}

#[test]
fn only_a_json_object_is_a_config() {
    for (json, expected) in [
        ("[]", "(top level): a config is a JSON object such as {\"job\": {\"parallelism\": 4}}, found an empty list `[]`"),
        ("[7]", "(top level): a config is a JSON object such as {\"job\": {\"parallelism\": 4}}, found a list"),
        ("7", "(top level): a config is a JSON object such as {\"job\": {\"parallelism\": 4}}, found `7`"),
        ("\"x\"", "(top level): a config is a JSON object such as {\"job\": {\"parallelism\": 4}}, found the string \"x\""),
        ("null", "(top level): a config is a JSON object such as {\"job\": {\"parallelism\": 4}}, found null"),
        ("", "line 1, column 0: EOF while parsing a value"),
        ("{\"seed\": 1,}", "line 1, column 12: trailing comma"),
        (
            r#"{"job":{"parallelism":2,"parallelism":3}}"#,
            "line 1, column 37: the field `parallelism` appears twice in one object",
        ),
    ] {
        refused(json, expected);
    }
}

#[test]
fn omitted_fields_default_at_every_level() {
    let defaults = Config::default();
    assert_eq!(Config::from_json("{}").unwrap(), defaults);

    let c = Config::from_json(r#"{"workload":{"limit":5}}"#).unwrap();
    assert_eq!(c.workload.limit, Some(5));
    assert_eq!(c.workload.source, defaults.workload.source);

    // A field of the default kind keeps the default's other fields (the default source
    // is a hot set: 50 keys take 90 % of the records).
    let c = Config::from_json(r#"{"workload":{"source":{"key_space":500}}}"#).unwrap();
    assert_eq!(
        c.workload.source,
        SourceConfig::Generated {
            key_space: 500,
            distribution: KeyDistribution::HotSet {
                hot_keys: 50,
                hot_fraction: 0.9,
            },
            key_kind: KeyKind::String,
        }
    );

    // A kind alone takes that kind's defaults, listed by the `*_kinds` functions.
    for (json, expected) in [
        (
            r#"{"checkpointing":{"incremental":true,"policy":{"kind":"adaptive"}}}"#,
            "adaptive",
        ),
        (
            r#"{"checkpointing":{"policy":{"kind":"young_daly"}}}"#,
            "young_daly",
        ),
    ] {
        let c = Config::from_json(json).unwrap();
        let policy = policy_kinds()
            .into_iter()
            .find(|p| serde_json::to_value(p).unwrap()["kind"] == expected)
            .unwrap();
        assert_eq!(c.checkpointing.policy, policy, "{json}");
    }
    let c = Config::from_json(
        r#"{"checkpointing":{"incremental":true,"policy":{"kind":"adaptive","window_ms":2000}}}"#,
    )
    .unwrap();
    let PolicyConfig::Adaptive {
        window_ms,
        max_staleness_ms,
        ..
    } = c.checkpointing.policy
    else {
        panic!("{:?}", c.checkpointing.policy)
    };
    assert_eq!((window_ms, max_staleness_ms), (2000, 60_000));

    let c = Config::from_json(r#"{"workload":{"source":{"distribution":{"kind":"hot_set","hot_fraction":0.5}}, "rate":{"kind":"bursts","period_s":4}, "value_model":{"kind":"random_bytes"}}}"#).unwrap();
    assert_eq!(
        c.workload.source,
        SourceConfig::Generated {
            key_space: 10_000,
            distribution: KeyDistribution::HotSet {
                hot_keys: 50,
                hot_fraction: 0.5
            },
            key_kind: KeyKind::String,
        }
    );
    assert_eq!(
        c.workload.rate,
        RateProfile::Bursts {
            base_per_s: 5_000.0,
            burst_per_s: 20_000.0,
            period_s: 4.0,
            burst_s: 2.0
        }
    );
    assert_eq!(c.workload.value_model, ValueModel::RandomBytes { len: 64 });

    // A new kind replaces the old one whole: nothing of the default zipf leaks into it.
    let c = Config::from_json(r#"{"workload":{"source":{"kind":"seed_example"}}}"#).unwrap();
    assert_eq!(c.workload.source, SourceConfig::SeedExample);
}

#[test]
fn every_kind_with_its_defaults_is_a_valid_config() {
    // Each kind's defaults must pass validation in the default config (the adaptive policy
    // needs incremental checkpoints): a config naming only a kind then runs.
    let mut configs = Vec::new();
    for s in source_kinds() {
        configs.push(serde_json::json!({"workload": {"source": s}}));
    }
    for d in distribution_kinds() {
        configs.push(serde_json::json!({"workload": {"source": {"distribution": d}}}));
    }
    for r in rate_kinds() {
        configs.push(serde_json::json!({"workload": {"rate": r}}));
    }
    for v in value_model_kinds() {
        configs.push(serde_json::json!({"workload": {"value_model": v}}));
    }
    for p in policy_kinds() {
        configs.push(serde_json::json!({"checkpointing": {"incremental": true, "policy": p}}));
    }
    for json in configs {
        let kinds_only = strip_to_kinds(json.clone());
        let full = Config::from_value(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let from_kind =
            Config::from_value(&kinds_only).unwrap_or_else(|e| panic!("{kinds_only}: {e}"));
        assert_eq!(full, from_kind, "{kinds_only}");
    }
}

/// Keeps only the `kind` of every tagged object (and the objects around them).
fn strip_to_kinds(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let tagged = m.contains_key("kind");
            serde_json::Value::Object(
                m.into_iter()
                    .filter(|(k, v)| !tagged || k == "kind" || v.is_object())
                    .map(|(k, v)| (k, strip_to_kinds(v)))
                    .collect(),
            )
        }
        other => other,
    }
}

#[test]
fn the_serialised_default_config_and_the_examples_read_back() {
    let text = serde_json::to_string(&Config::default()).unwrap();
    assert_eq!(Config::from_json(&text).unwrap(), Config::default());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/configs");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // Beside the configs: the same settings as a page link's query (`.query`).
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let c = Config::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Writing the config out and reading it again gives the same config.
        let again = Config::from_json(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(c, again);
        n += 1;
    }
    assert!(n >= 5);
}

fn with_faults(parallelism: u32, max_parallelism: Option<u32>, faults: &[(u64, Fault)]) -> Config {
    let mut c = Config::default();
    c.job.parallelism = parallelism;
    c.job.max_parallelism = max_parallelism;
    c.faults = faults
        .iter()
        .map(|(at_ms, fault)| ScheduledFault {
            at_ms: *at_ms,
            fault: fault.clone(),
        })
        .collect();
    c
}

fn fault_errors(c: &Config) -> Vec<String> {
    match c.validate() {
        Ok(()) => Vec::new(),
        Err(ConfigErrors(e)) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn faults_that_cannot_apply_are_refused_before_the_run() {
    use Fault::*;
    let cases: Vec<(Config, Vec<&str>)> = vec![
        (
            with_faults(4, Some(128), &[(1000, CrashSubtask { subtask: 99 })]),
            vec!["faults[0].fault.subtask: must be between 0 and 3: the job has 4 subtasks (job.parallelism), got 99"],
        ),
        (with_faults(4, Some(128), &[(1000, CrashSubtask { subtask: 3 })]), vec![]),
        (
            with_faults(4, Some(128), &[(1000, CorruptChunk { key_group: 5000 })]),
            vec!["faults[0].fault.key_group: must be between 0 and 127: the job has 128 key groups (job.max_parallelism), got 5000"],
        ),
        (
            with_faults(4, Some(128), &[(1000, LoseChunk { key_group: 128 })]),
            vec!["faults[0].fault.key_group: must be between 0 and 127"],
        ),
        // No max parallelism: Flink's default rule gives 128 for parallelism 4.
        (
            with_faults(4, None, &[(1000, LoseChunk { key_group: 128 })]),
            vec!["faults[0].fault.key_group: must be between 0 and 127"],
        ),
        (with_faults(4, None, &[(1000, LoseChunk { key_group: 127 })]), vec![]),
        // A rescale before the crash, in time (not in list order), sets the parallelism.
        (
            with_faults(
                4,
                Some(128),
                &[(5000, CrashSubtask { subtask: 6 }), (2000, Rescale { parallelism: 8 })],
            ),
            vec![],
        ),
        (
            with_faults(
                4,
                Some(128),
                &[(1000, CrashSubtask { subtask: 6 }), (2000, Rescale { parallelism: 8 })],
            ),
            vec!["faults[0].fault.subtask: must be between 0 and 3: the job has 4 subtasks (job.parallelism), got 6"],
        ),
        (
            with_faults(
                8,
                Some(128),
                &[(2000, Rescale { parallelism: 2 }), (3000, CrashSubtask { subtask: 5 })],
            ),
            vec!["faults[1].fault.subtask: must be between 0 and 1: the job has 2 subtasks then (faults[0] rescales to 2 at 2000 ms), got 5"],
        ),
        (
            with_faults(4, Some(16), &[(2000, Rescale { parallelism: 17 })]),
            vec!["faults[0].fault.parallelism: must be between 1 and 16 (at most the max parallelism, 16), got 17"],
        ),
        (
            with_faults(4, Some(16), &[(2000, Rescale { parallelism: 0 })]),
            vec!["faults[0].fault.parallelism: must be between 1 and 16"],
        ),
        (
            with_faults(4, Some(128), &[(2000, SetBandwidth { mbit_s: 0.0 })]),
            vec!["faults[0].fault.mbit_s: must be between 0.001 and 1000000 Mbit/s, got 0"],
        ),
        (
            with_faults(4, Some(128), &[(2000, SetBandwidth { mbit_s: f64::NAN })]),
            vec!["faults[0].fault.mbit_s: must be between 0.001 and 1000000 Mbit/s, got NaN"],
        ),
        (
            with_faults(4, Some(128), &[(2000, LinkOutage { duration_ms: 0 })]),
            vec!["faults[0].fault.duration_ms: must be between 1 and 3600000 ms, got 0"],
        ),
        (
            with_faults(
                4,
                Some(128),
                &[(2000, LatencySpike { latency_ms: -1.0, duration_ms: 0 })],
            ),
            vec![
                "faults[0].fault.latency_ms: must be between 0 and 60000 ms, got -1",
                "faults[0].fault.duration_ms: must be between 1 and 3600000 ms, got 0",
            ],
        ),
        (
            with_faults(4, Some(128), &[(86_400_001, CrashJob)]),
            vec!["faults[0].at_ms: must be between 0 and 86400000 ms, got 86400001"],
        ),
        (
            with_faults(4, Some(128), &[(0, DropTransfers { count: 0 })]),
            vec!["faults[0].fault.count: must be between 1 and 1000, got 0"],
        ),
    ];
    for (config, expected) in cases {
        let errs = fault_errors(&config);
        assert_eq!(errs.len(), expected.len(), "{:?}: {errs:#?}", config.faults);
        for (e, x) in errs.iter().zip(&expected) {
            assert!(
                e.starts_with(x),
                "{:?}\n  expected: {x}\n  got: {e}",
                config.faults
            );
        }
    }
    // A chunk can only be damaged once a checkpoint wrote it.
    let mut c = with_faults(4, Some(128), &[(1000, CorruptChunk { key_group: 1 })]);
    c.checkpointing.interval_ms = None;
    assert_eq!(
        fault_errors(&c),
        ["faults[0].fault.kind: checkpointing is off (checkpointing.interval_ms is none), so no checkpoint will hold a chunk to damage"]
    );
}

#[test]
fn a_refused_config_file_names_the_fault_by_its_place_in_the_file() {
    refused(
        r#"{"faults":[{"at_ms":1,"fault":{"kind":"crash_job"}},{"at_ms":2,"fault":{"kind":"crash_subtask","subtask":99}}]}"#,
        "faults[1].fault.subtask: must be between 0 and 3",
    );
}

#[test]
fn key_spelling_and_values_are_read_and_checked_by_name() {
    let c = Config::from_json(
        r#"{"workload":{"source":{"kind":"generated","key_space":10,"distribution":{"kind":"round_robin"}},
            "key_format":{"prefix":"key-","digits":5},"values":{"min":1,"max":1}}}"#,
    )
    .unwrap();
    assert_eq!(c.workload.key_format.prefix, "key-");
    assert_eq!(c.workload.key_format.digits, 5);
    assert_eq!((c.workload.values.min, c.workload.values.max), (1, 1));
    // Each field alone defaults the other.
    let c = Config::from_json(r#"{"workload":{"key_format":{"digits":3}}}"#).unwrap();
    assert_eq!(c.workload.key_format.prefix, "user-");
    refused(
        r#"{"workload":{"key_format":{"prefix":"clé-"}}}"#,
        "workload.key_format.prefix: printable ASCII",
    );
    refused(
        r#"{"workload":{"key_format":{"digits":11}}}"#,
        "workload.key_format.digits: between 0",
    );
    refused(
        r#"{"workload":{"values":{"min":3,"max":2}}}"#,
        "workload.values.min: 3 is above max (2)",
    );
    refused(
        r#"{"workload":{"source":{"kind":"seed_example"},"values":{"min":1,"max":1}}}"#,
        "workload.values: is for a generated source; the seed example",
    );
    refused(
        r#"{"workload":{"source":{"kind":"generated","key_kind":"integer"},"key_format":{"prefix":"k"}}}"#,
        "workload.key_format: names `String` keys",
    );
    refused(
        r#"{"workload":{"key_format":{"prefix":"k","width":3}}}"#,
        "workload.key_format: unknown field `width`",
    );
}
