//! Every configuration field the panels offer: how it reads, how it writes, what Flink
//! calls it. Writers only parse and place a value; the rules of what is allowed live in
//! the engine's `Config::validate()`.

use super::numbers::{fmt_f64, parse_f64, parse_i64, parse_u32, parse_u64};
use super::spec::{Kind, Spec};
use crate::engine::config::Config;
use crate::engine::partitioning::keygroups::default_max_parallelism;
use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::workload::{
    KeyDistribution, KeyFormat, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;

const NUMBER: Kind = Kind::Number { decimal: false };
const DECIMAL: Kind = Kind::Number { decimal: true };

fn wrong_kind() -> String {
    "not used by the current choice".into()
}

// ---------------------------------------------------------------- Workload

pub static SOURCE: Spec = Spec {
    path: "workload.source",
    label: "Source",
    option: None,
    unit: None,
    get: |c| {
        match c.workload.source {
            SourceConfig::Generated { .. } => "generated",
            SourceConfig::SeedExample => "seed_example",
            SourceConfig::Trace => "trace",
        }
        .into()
    },
    set: |c, v| {
        c.workload.source = match (v, &c.workload.source) {
            ("generated", SourceConfig::Generated { .. }) => return Ok(()),
            ("generated", _) => SourceConfig::Generated {
                key_space: 10_000,
                distribution: KeyDistribution::Zipf { exponent: 1.0 },
                key_kind: KeyKind::String,
            },
            ("seed_example", SourceConfig::SeedExample) => return Ok(()),
            ("seed_example", _) => {
                // Four records are over in a blink at the default rate: one a second
                // lets each be followed to its subtask.
                c.workload.rate = RateProfile::Constant { records_per_s: 1.0 };
                // The document's job sums by key: a: 1, b: 2, c: 3, d: 4.
                c.workload.value_model = ValueModel::Counter;
                SourceConfig::SeedExample
            }
            ("trace", SourceConfig::Trace) => SourceConfig::Trace,
            ("trace", _) => {
                return Err("choose a `key,value` CSV file below to load a trace".into())
            }
            _ => return Err(format!("unknown source `{v}`")),
        };
        Ok(())
    },
    kind: Kind::Choice(&[
        ("generated", "generated"),
        ("seed_example", "seed example"),
        ("trace", "uploaded trace"),
    ]),
};

fn generated(c: &mut Config) -> Result<(&mut u32, &mut KeyDistribution, &mut KeyKind), String> {
    match &mut c.workload.source {
        SourceConfig::Generated {
            key_space,
            distribution,
            key_kind,
        } => Ok((key_space, distribution, key_kind)),
        _ => Err(wrong_kind()),
    }
}

fn generated_ref(c: &Config) -> Option<(u32, &KeyDistribution, KeyKind)> {
    match &c.workload.source {
        SourceConfig::Generated {
            key_space,
            distribution,
            key_kind,
        } => Some((*key_space, distribution, *key_kind)),
        _ => None,
    }
}

pub static KEY_SPACE: Spec = Spec {
    path: "workload.source.key_space",
    label: "Key space",
    option: None,
    unit: Some("keys"),
    get: |c| generated_ref(c).map_or_else(String::new, |g| g.0.to_string()),
    set: |c, v| {
        let n = parse_u32(v)?;
        *generated(c)?.0 = n;
        Ok(())
    },
    kind: NUMBER,
};

/// The scale model's factor: setting it turns the whole config into the model 1:F of the
/// real job it stands for (`engine::scale::rescaled`: the key space, the rates, the
/// bandwidth and the costs divided by F; back to the real job with 1), never just the one
/// number, so a model is always consistent.
pub static SCALE_MODEL: Spec = Spec {
    path: "workload.sample_every",
    label: "Scale model 1:",
    option: None,
    unit: Some("(1: the real job)"),
    get: |c| c.workload.sample_every.to_string(),
    set: |c, v| {
        let f = parse_u32(v)?;
        *c = crate::engine::scale::rescaled(c, f).map_err(|e| {
            let why: Vec<String> =
                e.0.iter()
                    .map(|e| match e.field.as_str() {
                        "workload.sample_every" => e.message.clone(),
                        field => format!("{}: {}", label_of(field).unwrap_or(field), e.message),
                    })
                    .collect();
            format!("at 1:{f}, {}", why.join("; "))
        })?;
        Ok(())
    },
    kind: NUMBER,
};

pub static DISTRIBUTION: Spec = Spec {
    path: "workload.source.distribution",
    label: "Key distribution",
    option: None,
    unit: None,
    get: |c| match generated_ref(c) {
        Some((_, KeyDistribution::Uniform, _)) => "uniform".into(),
        Some((_, KeyDistribution::Zipf { .. }, _)) => "zipf".into(),
        Some((_, KeyDistribution::HotSet { .. }, _)) => "hot_set".into(),
        Some((_, KeyDistribution::RoundRobin, _)) => "round_robin".into(),
        None => String::new(),
    },
    set: |c, v| {
        let (key_space, dist, _) = generated(c)?;
        let key_space = *key_space;
        // Choosing the kind already chosen keeps its numbers.
        *dist = match (v, dist.clone()) {
            ("uniform", _) => KeyDistribution::Uniform,
            ("round_robin", _) => KeyDistribution::RoundRobin,
            ("zipf", d @ KeyDistribution::Zipf { .. }) => d,
            ("zipf", _) => KeyDistribution::Zipf { exponent: 1.0 },
            ("hot_set", d @ KeyDistribution::HotSet { .. }) => d,
            // As the default source: 0.5 % of the keys take 90 % of the records.
            ("hot_set", _) => KeyDistribution::HotSet {
                hot_keys: (key_space / 200).max(1),
                hot_fraction: 0.9,
            },
            _ => return Err(format!("unknown distribution `{v}`")),
        };
        Ok(())
    },
    kind: Kind::Choice(&[
        ("uniform", "uniform"),
        ("zipf", "Zipf"),
        ("hot_set", "hot set"),
        ("round_robin", "round robin"),
    ]),
};

pub static ZIPF_EXPONENT: Spec = Spec {
    path: "workload.source.distribution.exponent",
    label: "Zipf exponent",
    option: None,
    unit: None,
    get: |c| match generated_ref(c) {
        Some((_, KeyDistribution::Zipf { exponent }, _)) => fmt_f64(*exponent),
        _ => String::new(),
    },
    set: |c, v| {
        let x = parse_f64(v)?;
        match generated(c)?.1 {
            KeyDistribution::Zipf { exponent } => *exponent = x,
            _ => return Err(wrong_kind()),
        }
        Ok(())
    },
    kind: DECIMAL,
};

pub static HOT_KEYS: Spec = Spec {
    path: "workload.source.distribution.hot_keys",
    label: "Hot keys",
    option: None,
    unit: Some("keys"),
    get: |c| match generated_ref(c) {
        Some((_, KeyDistribution::HotSet { hot_keys, .. }, _)) => hot_keys.to_string(),
        _ => String::new(),
    },
    set: |c, v| {
        let x = parse_u32(v)?;
        match generated(c)?.1 {
            KeyDistribution::HotSet { hot_keys, .. } => *hot_keys = x,
            _ => return Err(wrong_kind()),
        }
        Ok(())
    },
    kind: NUMBER,
};

pub static HOT_FRACTION: Spec = Spec {
    path: "workload.source.distribution.hot_fraction",
    label: "Share of records to hot keys",
    option: None,
    unit: Some("0–1"),
    get: |c| match generated_ref(c) {
        Some((_, KeyDistribution::HotSet { hot_fraction, .. }, _)) => fmt_f64(*hot_fraction),
        _ => String::new(),
    },
    set: |c, v| {
        let x = parse_f64(v)?;
        match generated(c)?.1 {
            KeyDistribution::HotSet { hot_fraction, .. } => *hot_fraction = x,
            _ => return Err(wrong_kind()),
        }
        Ok(())
    },
    kind: DECIMAL,
};

pub static KEY_KIND: Spec = Spec {
    path: "workload.source.key_kind",
    label: "Key type",
    option: None,
    unit: None,
    get: |c| match generated_ref(c) {
        Some((_, _, KeyKind::String)) => "string".into(),
        Some((_, _, KeyKind::Integer)) => "integer".into(),
        None => String::new(),
    },
    set: |c, v| {
        *generated(c)?.2 = match v {
            "string" => KeyKind::String,
            "integer" => KeyKind::Integer,
            _ => return Err(format!("unknown key type `{v}`")),
        };
        Ok(())
    },
    kind: Kind::Choice(&[
        ("string", "String (user-0, …)"),
        ("integer", "Long (0, 1, …)"),
    ]),
};

/// The spelling of generated `String` keys, which only they have.
fn key_format(c: &mut Config) -> Result<&mut KeyFormat, String> {
    match generated(c)?.2 {
        KeyKind::String => Ok(&mut c.workload.key_format),
        KeyKind::Integer => Err("`Long` keys are numbers: only `String` keys are spelled".into()),
    }
}

fn key_format_ref(c: &Config) -> Option<&KeyFormat> {
    matches!(generated_ref(c), Some((_, _, KeyKind::String))).then_some(&c.workload.key_format)
}

pub static KEY_PREFIX: Spec = Spec {
    path: "workload.key_format.prefix",
    label: "Key prefix",
    option: None,
    unit: None,
    get: |c| key_format_ref(c).map_or_else(String::new, |f| f.prefix.clone()),
    set: |c, v| {
        key_format(c)?.prefix = v.to_string();
        Ok(())
    },
    kind: Kind::Text,
};

pub static KEY_DIGITS: Spec = Spec {
    path: "workload.key_format.digits",
    label: "Zero-pad the number to",
    option: None,
    unit: Some("digits (0: none)"),
    get: |c| key_format_ref(c).map_or_else(String::new, |f| f.digits.to_string()),
    set: |c, v| {
        let n = parse_u32(v)?;
        key_format(c)?.digits = u8::try_from(n).map_err(|_| format!("{n} digits is too many"))?;
        Ok(())
    },
    kind: NUMBER,
};

pub static VALUE_MIN: Spec = Spec {
    path: "workload.values.min",
    label: "Smallest value",
    option: None,
    unit: None,
    get: |c| generated_ref(c).map_or_else(String::new, |_| c.workload.values.min.to_string()),
    set: |c, v| {
        generated(c)?;
        c.workload.values.min = parse_i64(v)?;
        Ok(())
    },
    kind: NUMBER,
};

pub static VALUE_MAX: Spec = Spec {
    path: "workload.values.max",
    label: "Largest value",
    option: None,
    unit: None,
    get: |c| generated_ref(c).map_or_else(String::new, |_| c.workload.values.max.to_string()),
    set: |c, v| {
        generated(c)?;
        c.workload.values.max = parse_i64(v)?;
        Ok(())
    },
    kind: NUMBER,
};

pub static RATE_KIND: Spec = Spec {
    path: "workload.rate",
    label: "Rate profile",
    option: None,
    unit: None,
    get: |c| {
        match c.workload.rate {
            RateProfile::Constant { .. } => "constant",
            RateProfile::Ramp { .. } => "ramp",
            RateProfile::Bursts { .. } => "bursts",
        }
        .into()
    },
    set: |c, v| {
        // A new profile starts from today's peak rate so switching keeps the scale.
        let r = c.workload.rate.peak_rate();
        c.workload.rate = match (v, &c.workload.rate) {
            ("constant", RateProfile::Constant { .. })
            | ("ramp", RateProfile::Ramp { .. })
            | ("bursts", RateProfile::Bursts { .. }) => return Ok(()),
            ("constant", _) => RateProfile::Constant { records_per_s: r },
            ("ramp", _) => RateProfile::Ramp {
                from_per_s: r,
                to_per_s: r * 3.0,
                over_s: 30.0,
            },
            ("bursts", _) => RateProfile::Bursts {
                base_per_s: r,
                burst_per_s: r * 4.0,
                period_s: 10.0,
                burst_s: 2.0,
            },
            _ => return Err(format!("unknown rate profile `{v}`")),
        };
        Ok(())
    },
    kind: Kind::Choice(&[
        ("constant", "constant"),
        ("ramp", "ramp"),
        ("bursts", "bursts"),
    ]),
};

macro_rules! rate_field {
    ($name:ident, $path:literal, $label:literal, $unit:literal, $variant:ident, $field:ident) => {
        pub static $name: Spec = Spec {
            path: $path,
            label: $label,
            option: None,
            unit: Some($unit),
            get: |c| match c.workload.rate {
                RateProfile::$variant { $field, .. } => fmt_f64($field),
                _ => String::new(),
            },
            set: |c, v| {
                let x = parse_f64(v)?;
                match &mut c.workload.rate {
                    RateProfile::$variant { $field, .. } => *$field = x,
                    _ => return Err(wrong_kind()),
                }
                Ok(())
            },
            kind: DECIMAL,
        };
    };
}

rate_field!(
    RATE_CONSTANT,
    "workload.rate.records_per_s",
    "Records per second",
    "records/s",
    Constant,
    records_per_s
);
rate_field!(
    RAMP_FROM,
    "workload.rate.from_per_s",
    "From",
    "records/s",
    Ramp,
    from_per_s
);
rate_field!(
    RAMP_TO,
    "workload.rate.to_per_s",
    "To",
    "records/s",
    Ramp,
    to_per_s
);
rate_field!(RAMP_OVER, "workload.rate.over_s", "Over", "s", Ramp, over_s);
rate_field!(
    BURST_BASE,
    "workload.rate.base_per_s",
    "Base rate",
    "records/s",
    Bursts,
    base_per_s
);
rate_field!(
    BURST_PEAK,
    "workload.rate.burst_per_s",
    "Burst rate",
    "records/s",
    Bursts,
    burst_per_s
);
rate_field!(
    BURST_PERIOD,
    "workload.rate.period_s",
    "Every",
    "s",
    Bursts,
    period_s
);
rate_field!(
    BURST_LEN,
    "workload.rate.burst_s",
    "Burst lasts",
    "s",
    Bursts,
    burst_s
);

pub static VALUE_MODEL: Spec = Spec {
    path: "workload.value_model",
    label: "Value per key",
    option: None,
    unit: None,
    get: |c| {
        match c.workload.value_model {
            ValueModel::Counter => "counter",
            ValueModel::Events { .. } => "events",
            ValueModel::RandomBytes { .. } => "random_bytes",
        }
        .into()
    },
    set: |c, v| {
        c.workload.value_model = match (v, c.workload.value_model) {
            ("counter", _) => ValueModel::Counter,
            ("events", ValueModel::Events { keep }) => ValueModel::Events { keep },
            ("events", _) => ValueModel::Events { keep: 4 },
            ("random_bytes", ValueModel::RandomBytes { len }) => ValueModel::RandomBytes { len },
            ("random_bytes", _) => ValueModel::RandomBytes { len: 64 },
            _ => return Err(format!("unknown value model `{v}`")),
        };
        Ok(())
    },
    kind: Kind::Choice(&[
        ("counter", "counter"),
        ("events", "last N events"),
        ("random_bytes", "random bytes"),
    ]),
};

pub static EVENTS_KEEP: Spec = Spec {
    path: "workload.value_model.keep",
    label: "Events kept per key",
    option: None,
    unit: Some("events"),
    get: |c| match c.workload.value_model {
        ValueModel::Events { keep } => keep.to_string(),
        _ => String::new(),
    },
    set: |c, v| {
        let n = parse_u64(v)?;
        let n = u8::try_from(n).map_err(|_| "must be between 1 and 64 events".to_string())?;
        match &mut c.workload.value_model {
            ValueModel::Events { keep } => *keep = n,
            _ => return Err(wrong_kind()),
        }
        Ok(())
    },
    kind: NUMBER,
};

pub static RANDOM_LEN: Spec = Spec {
    path: "workload.value_model.len",
    label: "Bytes per key",
    option: None,
    unit: Some("bytes"),
    get: |c| match c.workload.value_model {
        ValueModel::RandomBytes { len } => len.to_string(),
        _ => String::new(),
    },
    set: |c, v| {
        let n = parse_u64(v)?;
        let n = u16::try_from(n).map_err(|_| "must be between 1 and 4096 bytes".to_string())?;
        match &mut c.workload.value_model {
            ValueModel::RandomBytes { len } => *len = n,
            _ => return Err(wrong_kind()),
        }
        Ok(())
    },
    kind: NUMBER,
};

pub static LIMIT: Spec = Spec {
    path: "workload.limit",
    label: "Stop after",
    option: None,
    unit: Some("records"),
    get: |c| c.workload.limit.map_or_else(String::new, |l| l.to_string()),
    set: |c, v| {
        c.workload.limit = if v.is_empty() {
            None
        } else {
            let n = parse_u64(v)?;
            if n == 0 {
                return Err("must be at least 1 record (or tick “unbounded”)".into());
            }
            Some(n)
        };
        Ok(())
    },
    kind: Kind::Optional {
        none_label: "unbounded",
        fallback: |_| "100000".into(),
    },
};

// ---------------------------------------------------------------- Partitioning

pub static PARALLELISM: Spec = Spec {
    path: "job.parallelism",
    label: "Parallelism",
    option: Some("parallelism.default"),
    unit: Some("subtasks"),
    get: |c| c.job.parallelism.to_string(),
    set: |c, v| {
        c.job.parallelism = parse_u32(v)?;
        Ok(())
    },
    kind: NUMBER,
};

pub static MAX_PARALLELISM: Spec = Spec {
    path: "job.max_parallelism",
    label: "Max parallelism (key groups)",
    option: Some("pipeline.max-parallelism"),
    unit: None,
    get: |c| {
        c.job
            .max_parallelism
            .map_or_else(String::new, |m| m.to_string())
    },
    set: |c, v| {
        c.job.max_parallelism = if v.is_empty() {
            None
        } else {
            Some(parse_u32(v)?)
        };
        Ok(())
    },
    kind: Kind::Optional {
        none_label: "Flink default",
        fallback: |c| default_max_parallelism(c.job.parallelism).to_string(),
    },
};

pub static SUBTASK_RATE: Spec = Spec {
    path: "job.records_per_s_per_subtask",
    label: "Throughput per subtask",
    option: None,
    unit: Some("records/s"),
    get: |c| fmt_f64(c.job.records_per_s_per_subtask),
    set: |c, v| {
        c.job.records_per_s_per_subtask = parse_f64(v)?;
        Ok(())
    },
    kind: DECIMAL,
};

// ---------------------------------------------------------------- Compression

pub static CODEC: Spec = Spec {
    path: "checkpointing.codec",
    label: "Chunk codec",
    option: Some("execution.checkpointing.snapshot-compression"),
    unit: None,
    get: |c| c.checkpointing.codec.name().into(),
    set: |c, v| {
        c.checkpointing.codec = v.parse::<Codec>()?;
        Ok(())
    },
    kind: Kind::Choice(&[
        ("none", "none (false)"),
        ("snappy", "Snappy (true)"),
        ("lz4", "LZ4 (beyond Flink)"),
    ]),
};

// ---------------------------------------------------------------- Checkpointing

pub static INTERVAL: Spec = Spec {
    path: "checkpointing.interval_ms",
    label: "Interval",
    option: Some("execution.checkpointing.interval"),
    unit: Some("ms"),
    get: |c| {
        c.checkpointing
            .interval_ms
            .map_or_else(String::new, |i| i.to_string())
    },
    set: |c, v| {
        c.checkpointing.interval_ms = if v.is_empty() {
            None
        } else {
            Some(parse_u64(v)?)
        };
        Ok(())
    },
    kind: Kind::Optional {
        none_label: "off",
        fallback: |_| "2000".into(),
    },
};

macro_rules! ms_field {
    ($name:ident, $path:literal, $label:literal, $option:literal, $field:ident) => {
        pub static $name: Spec = Spec {
            path: $path,
            label: $label,
            option: Some($option),
            unit: Some("ms"),
            get: |c| c.checkpointing.$field.to_string(),
            set: |c, v| {
                c.checkpointing.$field = parse_u64(v)?;
                Ok(())
            },
            kind: NUMBER,
        };
    };
}

macro_rules! count_field {
    ($name:ident, $path:literal, $label:literal, $option:literal, $field:ident) => {
        pub static $name: Spec = Spec {
            path: $path,
            label: $label,
            option: Some($option),
            unit: None,
            get: |c| c.checkpointing.$field.to_string(),
            set: |c, v| {
                c.checkpointing.$field = parse_u32(v)?;
                Ok(())
            },
            kind: NUMBER,
        };
    };
}

ms_field!(
    MIN_PAUSE,
    "checkpointing.min_pause_ms",
    "Min pause between checkpoints",
    "execution.checkpointing.min-pause",
    min_pause_ms
);
ms_field!(
    TIMEOUT,
    "checkpointing.timeout_ms",
    "Timeout",
    "execution.checkpointing.timeout",
    timeout_ms
);
count_field!(
    MAX_CONCURRENT,
    "checkpointing.max_concurrent",
    "Max concurrent checkpoints",
    "execution.checkpointing.max-concurrent-checkpoints",
    max_concurrent
);
count_field!(
    TOLERABLE_FAILED,
    "checkpointing.tolerable_failed",
    "Tolerable failed checkpoints",
    "execution.checkpointing.tolerable-failed-checkpoints",
    tolerable_failed
);
count_field!(
    NUM_RETAINED,
    "checkpointing.num_retained",
    "Retained checkpoints",
    "execution.checkpointing.num-retained",
    num_retained
);

pub static INCREMENTAL: Spec = Spec {
    path: "checkpointing.incremental",
    label: "Incremental",
    option: Some("execution.checkpointing.incremental"),
    unit: None,
    get: |c| c.checkpointing.incremental.to_string(),
    set: |c, v| {
        c.checkpointing.incremental = match v {
            "true" => true,
            "false" => false,
            _ => return Err(format!("`{v}` is neither true nor false")),
        };
        Ok(())
    },
    kind: Kind::Choice(&[("false", "false (full)"), ("true", "true")]),
};

pub static POLICY: Spec = Spec {
    path: "checkpointing.policy",
    label: "Scheduling policy",
    option: None,
    unit: None,
    get: |c| {
        match c.checkpointing.policy {
            PolicyConfig::Fixed => "fixed",
            PolicyConfig::Adaptive { .. } => "adaptive",
            PolicyConfig::YoungDaly { .. } => "young_daly",
        }
        .into()
    },
    set: |c, v| {
        let k = &mut c.checkpointing;
        k.policy = match (v, &k.policy) {
            ("fixed", _) => PolicyConfig::Fixed,
            ("adaptive", p @ PolicyConfig::Adaptive { .. }) => p.clone(),
            ("adaptive", _) => {
                // The adaptive policy shares unshipped key groups' older chunks, which
                // only incremental checkpoints can do; switch it on with the policy.
                k.incremental = true;
                PolicyConfig::default_adaptive()
            }
            ("young_daly", p @ PolicyConfig::YoungDaly { .. }) => p.clone(),
            ("young_daly", _) => PolicyConfig::default_young_daly(),
            _ => return Err(format!("unknown policy `{v}`")),
        };
        if k.policy != PolicyConfig::Fixed && k.interval_ms.is_none() {
            // A policy decides when to checkpoint only while checkpointing is on.
            k.interval_ms = Some(2_000);
        }
        Ok(())
    },
    kind: Kind::Choice(&[
        ("fixed", "fixed interval"),
        ("adaptive", "adaptive (I = B / D)"),
        ("young_daly", "Young–Daly"),
    ]),
};

macro_rules! policy_field {
    ($name:ident, $path:literal, $label:literal, $unit:literal, [$($variant:ident),+], $field:ident, $parse:ident, $fmt:expr) => {
        pub static $name: Spec = Spec {
            path: $path,
            label: $label,
            option: None,
            unit: Some($unit),
            get: |c| match c.checkpointing.policy {
                $(PolicyConfig::$variant { $field, .. } => $fmt($field),)+
                _ => String::new(),
            },
            set: |c, v| {
                let x = $parse(v)?;
                match &mut c.checkpointing.policy {
                    $(PolicyConfig::$variant { $field, .. } => *$field = x,)+
                    _ => return Err(wrong_kind()),
                }
                Ok(())
            },
            kind: NUMBER,
        };
    };
}

fn int(v: u64) -> String {
    v.to_string()
}

policy_field!(
    WINDOW,
    "checkpointing.policy.window_ms",
    "Change-rate window",
    "ms",
    [Adaptive],
    window_ms,
    parse_u64,
    int
);
policy_field!(
    BUDGET,
    "checkpointing.policy.change_budget_bytes",
    "Change budget B",
    "bytes",
    [Adaptive],
    change_budget_bytes,
    parse_u64,
    int
);
policy_field!(
    SHIP_THRESHOLD,
    "checkpointing.policy.ship_threshold_bytes",
    "Ship a key group after",
    "changed bytes",
    [Adaptive],
    ship_threshold_bytes,
    parse_u64,
    int
);
policy_field!(
    MAX_STALENESS,
    "checkpointing.policy.max_staleness_ms",
    "Ship at least every",
    "ms",
    [Adaptive],
    max_staleness_ms,
    parse_u64,
    int
);
policy_field!(
    MIN_INTERVAL,
    "checkpointing.policy.min_interval_ms",
    "Shortest interval",
    "ms",
    [Adaptive, YoungDaly],
    min_interval_ms,
    parse_u64,
    int
);
policy_field!(
    MAX_INTERVAL,
    "checkpointing.policy.max_interval_ms",
    "Longest interval",
    "ms",
    [Adaptive, YoungDaly],
    max_interval_ms,
    parse_u64,
    int
);
policy_field!(
    MTBF,
    "checkpointing.policy.mtbf_s",
    "Mean time between failures M",
    "s",
    [YoungDaly],
    mtbf_s,
    parse_f64,
    fmt_f64
);

// ---------------------------------------------------------------- Link and store

macro_rules! link_field {
    ($name:ident, $path:literal, $label:literal, $unit:literal, $field:ident, $parse:ident, $fmt:expr, $kind:expr) => {
        pub static $name: Spec = Spec {
            path: $path,
            label: $label,
            option: None,
            unit: Some($unit),
            get: |c| $fmt(c.link.$field),
            set: |c, v| {
                c.link.$field = $parse(v)?;
                Ok(())
            },
            kind: $kind,
        };
    };
}

link_field!(
    BANDWIDTH,
    "link.bandwidth_mbit_s",
    "Bandwidth (each way)",
    "Mbit/s",
    bandwidth_mbit_s,
    parse_f64,
    fmt_f64,
    DECIMAL
);
link_field!(
    LATENCY,
    "link.latency_ms",
    "Latency (one way)",
    "ms",
    latency_ms,
    parse_f64,
    fmt_f64,
    DECIMAL
);
link_field!(
    DROP_PROBABILITY,
    "link.drop_probability",
    "Chance a transfer is lost",
    "0–0.9",
    drop_probability,
    parse_f64,
    fmt_f64,
    DECIMAL
);
link_field!(
    RETRY_BACKOFF,
    "link.retry_backoff_ms",
    "First retry after",
    "ms",
    retry_backoff_ms,
    parse_u64,
    int,
    NUMBER
);
link_field!(
    MAX_RETRIES,
    "link.max_retries",
    "Retries before giving up",
    "attempts",
    max_retries,
    parse_u32,
    |v: u32| v.to_string(),
    NUMBER
);

pub static RESTART_DELAY: Spec = Spec {
    path: "job.restart_delay_ms",
    label: "Restart delay",
    option: Some("restart-strategy.fixed-delay.delay"),
    unit: Some("ms"),
    get: |c| c.job.restart_delay_ms.to_string(),
    set: |c, v| {
        c.job.restart_delay_ms = parse_u64(v)?;
        Ok(())
    },
    kind: NUMBER,
};

/// Every field, for naming the field an engine error blames.
pub static ALL: &[&Spec] = &[
    &SOURCE,
    &KEY_SPACE,
    &SCALE_MODEL,
    &DISTRIBUTION,
    &ZIPF_EXPONENT,
    &HOT_KEYS,
    &HOT_FRACTION,
    &KEY_KIND,
    &KEY_PREFIX,
    &KEY_DIGITS,
    &VALUE_MIN,
    &VALUE_MAX,
    &RATE_KIND,
    &RATE_CONSTANT,
    &RAMP_FROM,
    &RAMP_TO,
    &RAMP_OVER,
    &BURST_BASE,
    &BURST_PEAK,
    &BURST_PERIOD,
    &BURST_LEN,
    &VALUE_MODEL,
    &EVENTS_KEEP,
    &RANDOM_LEN,
    &LIMIT,
    &PARALLELISM,
    &MAX_PARALLELISM,
    &SUBTASK_RATE,
    &CODEC,
    &INTERVAL,
    &MIN_PAUSE,
    &TIMEOUT,
    &MAX_CONCURRENT,
    &TOLERABLE_FAILED,
    &NUM_RETAINED,
    &INCREMENTAL,
    &POLICY,
    &WINDOW,
    &BUDGET,
    &SHIP_THRESHOLD,
    &MAX_STALENESS,
    &MIN_INTERVAL,
    &MAX_INTERVAL,
    &MTBF,
    &BANDWIDTH,
    &LATENCY,
    &DROP_PROBABILITY,
    &RETRY_BACKOFF,
    &MAX_RETRIES,
    &RESTART_DELAY,
];

/// The panel label of the field at a dotted config path, if a panel shows it.
pub fn label_of(path: &str) -> Option<&'static str> {
    ALL.iter().find(|s| s.path == path).map(|s| s.label)
}
