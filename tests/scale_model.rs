//! A scale model 1:F against the real job it models, run unscaled at a size that fits:
//! sizes and durations within ±10 % (issue 17, point 3), and the model's keys are the
//! real job's every F-th key with their real names and key groups.

use proptest::prelude::*;
use statelab::engine::config::Config;
use statelab::engine::partitioning::keygroups::{Key, Partitioning};
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use statelab::engine::scale::{rescaled, Figures};
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;

/// A job shaped like a calibrated one: string keys `key-0000000…`, 128 key groups,
/// 4 subtasks with headroom, a link that takes a few seconds per full checkpoint.
fn job(keys: u32, rate: f64, model: ValueModel, codec: Codec, dist: KeyDistribution) -> Config {
    let mut c = Config::default();
    c.workload.source = SourceConfig::Generated {
        key_space: keys,
        distribution: dist,
        key_kind: KeyKind::String,
    };
    c.workload.key_format.prefix = "key-".into();
    c.workload.rate = RateProfile::Constant {
        records_per_s: rate,
    };
    c.workload.value_model = model;
    c.job.parallelism = 4;
    c.job.max_parallelism = Some(128);
    c.job.records_per_s_per_subtask = rate / 4.0 * 1.5;
    c.job.channel_capacity = 5_000;
    c.checkpointing.interval_ms = Some(5_000);
    c.checkpointing.codec = codec;
    c.checkpointing.incremental = false;
    c.link.bandwidth_mbit_s = 40.0;
    c
}

fn run(config: Config, seconds: u64) -> Figures {
    let mut sim = Simulation::new(config, None).expect("valid config");
    sim.advance_to(seconds * 1_000_000);
    Figures::of(&sim)
}

fn error(model: f64, real: f64) -> f64 {
    (model - real) / real
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Each figure's relative error, named.
fn errors(real: &Figures, model: &Figures) -> Vec<(&'static str, f64)> {
    let durations = |f: &Figures| -> Vec<u64> {
        f.checkpoints
            .iter()
            .filter_map(|c| c.end_to_end_duration_us)
            .collect()
    };
    let (rd, md) = (durations(real), durations(model));
    assert!(!rd.is_empty() && !md.is_empty(), "checkpoints completed");
    let (rl, ml) = (
        real.checkpoints.last().unwrap(),
        model.checkpoints.last().unwrap(),
    );
    vec![
        (
            "state bytes",
            error(model.state_bytes as f64, real.state_bytes as f64),
        ),
        (
            "records processed",
            error(
                model.records_processed as f64,
                real.records_processed as f64,
            ),
        ),
        (
            "last full checkpoint size",
            error(
                ml.full_checkpoint_size as f64,
                rl.full_checkpoint_size as f64,
            ),
        ),
        (
            "last checkpointed data size",
            error(
                ml.checkpointed_data_size as f64,
                rl.checkpointed_data_size as f64,
            ),
        ),
        (
            "duration p50",
            error(median(md.clone()) as f64, median(rd.clone()) as f64),
        ),
        (
            "duration max",
            error(
                *md.iter().max().unwrap() as f64,
                *rd.iter().max().unwrap() as f64,
            ),
        ),
        (
            "completed checkpoints",
            error(md.len() as f64, rd.len() as f64),
        ),
    ]
}

fn assert_within(real: &Figures, model: &Figures, bound: f64) {
    let errors = errors(real, model);
    let table: Vec<String> = errors
        .iter()
        .map(|(name, e)| format!("{name}: {:+.2} %", e * 100.0))
        .collect();
    println!("{} vs 1:1: {}", model.label, table.join(", "));
    for (name, e) in &errors {
        assert!(
            e.abs() <= bound,
            "{name} off by {:+.2} % at {} (bound ±{:.0} %): {}",
            e * 100.0,
            model.label,
            bound * 100.0,
            table.join(", ")
        );
    }
}

/// The aim at a size that fits natively: 1M keys unscaled against 1:16.
#[test]
fn one_million_keys_at_1_to_16_within_ten_percent() {
    let real = job(
        1_000_000,
        50_000.0,
        ValueModel::Counter,
        Codec::Snappy,
        KeyDistribution::RoundRobin,
    );
    let model = rescaled(&real, 16).expect("a model of a generated job");
    // 30 s: the round robin writes every key within 20 s, then rewrites them.
    let (r, m) = (run(real, 30), run(model, 30));
    assert_eq!(m.keys, r.keys);
    assert!(m.label.contains("1:16"), "{}", m.label);
    assert!(
        m.state_shown.contains("scale model 1:16"),
        "{}",
        m.state_shown
    );
    assert_within(&r, &m, 0.10);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    /// Factors, value models, codecs and key distributions: the model stays within ±10 %.
    #[test]
    fn a_model_stays_within_ten_percent(
        factor in prop::sample::select(vec![2u32, 4, 8, 16]),
        model in prop::sample::select(vec![
            ValueModel::Counter,
            ValueModel::Events { keep: 3 },
            ValueModel::RandomBytes { len: 48 },
        ]),
        codec in prop::sample::select(vec![Codec::None, Codec::Snappy, Codec::Lz4]),
        uniform in any::<bool>(),
    ) {
        let dist = if uniform { KeyDistribution::Uniform } else { KeyDistribution::RoundRobin };
        let real = job(160_000, 20_000.0, model, codec, dist);
        let scaled = rescaled(&real, factor).expect("a model");
        let bias = fixed_bytes_bias(&scaled);
        let (r, m) = (run(real, 25), run(scaled, 25));
        // The model's claim holds where its fixed bytes are a small share of a checkpoint
        // (they cross a link of 1/F the bandwidth unscaled: see the test below).
        prop_assume!(bias(&r) < 0.02, "fixed bytes are {:.1} % of the transfer time", bias(&r) * 100.0);
        assert_within(&r, &m, 0.10);
    }
}

/// The share of a checkpoint's transfer time the model adds by sending its fixed bytes
/// (key groups' and subtasks' headers, which do not scale) over a link of 1/F the
/// bandwidth: `(F − 1) × fixed / real size`, for a real run's last full checkpoint.
fn fixed_bytes_bias(model: &Config) -> impl Fn(&Figures) -> f64 {
    let sim = Simulation::new(model.clone(), None).unwrap();
    let s = statelab::engine::scale::Scale::of(&sim);
    let fixed = 128 * s.key_group_fixed + u64::from(model.job.parallelism) * s.header;
    let f = f64::from(s.factor);
    move |real: &Figures| {
        (f - 1.0) * fixed as f64 / real.checkpoints.last().unwrap().full_checkpoint_size as f64
    }
}

/// A known limit, measured: in a small model the fixed bytes' slower crossing shows in the
/// durations as predicted, while sizes stay within the aim.
#[test]
fn a_small_models_fixed_bytes_lengthen_its_checkpoints_as_predicted() {
    let real = job(
        160_000,
        20_000.0,
        ValueModel::Counter,
        Codec::Snappy,
        KeyDistribution::RoundRobin,
    );
    let model = rescaled(&real, 16).unwrap();
    let bias = fixed_bytes_bias(&model);
    let (r, m) = (run(real, 25), run(model, 25));
    let predicted = bias(&r);
    let errors = errors(&r, &m);
    let get = |name: &str| errors.iter().find(|(n, _)| *n == name).unwrap().1;
    println!(
        "1:16 of 160k keys, Snappy: fixed bytes predict +{:.1} %; measured duration p50 {:+.1} %, full size {:+.1} %",
        predicted * 100.0,
        get("duration p50") * 100.0,
        get("last full checkpoint size") * 100.0
    );
    assert!(
        predicted > 0.05,
        "a case where the limit shows: {predicted}"
    );
    assert!(get("last full checkpoint size").abs() <= 0.10);
    // The duration is off by the fixed bytes' share plus the size's own error.
    let explained = predicted + get("last full checkpoint size");
    assert!(
        (get("duration p50") - explained).abs() < 0.05,
        "duration p50 {:+.3} vs explained {:+.3}",
        get("duration p50"),
        explained
    );
}

/// Key `i` of a 1:F model is the real key `i × F`: real spelling, real key group.
#[test]
fn a_model_holds_every_fth_real_key_in_its_real_key_group() {
    let real = job(
        10_000,
        1_000.0,
        ValueModel::Counter,
        Codec::None,
        KeyDistribution::Uniform,
    );
    let model = rescaled(&real, 8).unwrap();
    let sim = Simulation::new(model, None).unwrap();
    let keys = sim.workload().keys();
    let part = Partitioning::with_default_max(4, Some(128)).unwrap();
    assert_eq!(keys.len(), 1_250);
    for i in [0u32, 1, 7, 1_249] {
        let key = keys.key(i);
        assert_eq!(key, Key::Str(format!("key-{}", i * 8)));
        assert_eq!(keys.key_group(i), part.key_group_of(&key));
        assert_eq!(keys.index_of(&key), Some(i));
    }
    // A real key the model does not hold is not in its key space.
    assert_eq!(keys.index_of(&Key::Str("key-9".into())), None);
    // Every key group holds some of the sample, as the real keys spread over them.
    assert!((0..128).all(|kg| !keys.members(kg).is_empty()));
}

fn two_gb_job() -> Config {
    let text = std::fs::read_to_string("tests/data/scale/two-gb-job.json").unwrap();
    Config::from_value_unvalidated(&statelab::engine::config::parse_json(&text).unwrap()).unwrap()
}

/// Aim (a)'s memory: the 2 GB-state job does not fit a tab, its 1:64 model fits 500 MB by
/// the estimate the browser checks before it runs (`benches/scale.rs` measures the peak).
#[test]
fn the_two_gb_job_at_1_to_64_fits_500_mb_by_the_estimate() {
    use statelab::engine::memory::{estimate, BROWSER_LIMIT_BYTES};
    let real = two_gb_job();
    let e = estimate(&real, None);
    assert!(e.logical_state_bytes > 2_000_000_000, "{e:?}");
    assert!(e.bytes > BROWSER_LIMIT_BYTES, "{e:?}");
    // As a run of its own it is refused by field: more keys than a run holds.
    assert!(real.validate().is_err());
    let model = rescaled(&real, 64).unwrap();
    let m = estimate(&model, None);
    println!(
        "memory estimate: real job {} MiB, 1:64 model {} MiB",
        e.bytes >> 20,
        m.bytes >> 20
    );
    assert!(m.bytes < 500 << 20, "{} MiB", m.bytes >> 20);
}

/// The browser test opens the model by its link (e2e/scale-job.mjs): every setting there
/// is the one `rescaled` gives, so the page runs the same model as the CLI and the bench.
#[test]
fn the_browser_tests_link_is_the_model_rescaled_writes() {
    let model = rescaled(&two_gb_job(), 64).unwrap();
    let query = statelab::lab::url::to_query(&model);
    let ours: std::collections::BTreeMap<String, String> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let js = std::fs::read_to_string("e2e/scale-job.mjs").unwrap();
    let mut theirs = std::collections::BTreeMap::new();
    for line in js.lines().map(str::trim) {
        let Some(rest) = line.strip_suffix("',") else {
            continue;
        };
        let Some((k, v)) = rest.split_once(": '") else {
            continue;
        };
        let k = k.trim_matches('\'');
        if k != "slowmo" {
            theirs.insert(k.to_string(), v.to_string());
        }
    }
    assert_eq!(ours, theirs);
}
