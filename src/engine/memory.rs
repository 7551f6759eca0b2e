//! How much memory a run will need, from its configuration alone: a pure function, so the
//! browser can refuse a configuration *before* a wasm tab runs out of its 4 GiB, and the
//! memory benchmark (`cargo bench --bench memory`) can hold the estimate against the peak
//! it measures.
//!
//! The model follows where a run's bytes live at its busiest moment: every key with
//! state, a checkpoint's snapshot waiting for the link while writes copy the pages it
//! shares (copy-on-write), the chunks of the retained and the running checkpoints, the
//! buffer one chunk is encoded (or decoded) in, and the oracle that checks a recovery.
//! Each per-key figure is the engine's own layout (see `state/keyed.rs`, `recovery/
//! oracle.rs`), checked against what a filled run holds by this module's tests and
//! against measured peaks by the benchmark.
//! It assumes every key has state (the most a run reaches) and sizes that depend on the
//! run's length (event offsets) at nine digits; per-entry sizes are those of a 64-bit
//! build, an upper bound for wasm32's smaller pointers.

use crate::engine::config::Config;
use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::trace::Trace;
use crate::engine::partitioning::workload::{KeyDistribution, SourceConfig, ValueModel};
use crate::engine::state::codec::Codec;
use crate::engine::state::keyed::{KEY_GROUP_FIXED_LEN, PAGE};
use serde::Serialize;

/// What a browser tab may use before statelab refuses a configuration. wasm32 addresses
/// at most 4 GiB, and a tab gets there only if the browser and the device allow it; the
/// estimate is an expectation, not a bound (allocator fragmentation, a vector doubling at
/// the wrong moment, the what-if forks' own writes); and wasm memory never shrinks, so
/// a run that brushed the ceiling once keeps it. 2.5 GiB leaves the last 1.5 GiB as
/// that margin.
pub const BROWSER_LIMIT_BYTES: u64 = 5 << 29;

/// Bytes a run of a configuration needs at its busiest, by part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryEstimate {
    /// Keys in the key space.
    pub keys: u64,
    /// The snapshot size of the whole state with every key written once or more (what
    /// `KeyGroupState::raw_bytes` adds up to): the "logical" size memory is compared with.
    pub logical_state_bytes: u64,
    /// Key groups, slots and order of the keys; the Zipf sampler's table; a trace's keys.
    pub key_space: u64,
    /// Every key's value as kept between checkpoints.
    pub state: u64,
    /// Pages a checkpoint's snapshot still shares when writes copy them, for each
    /// checkpoint that may run at once: at most the whole state again.
    pub snapshot_copies: u64,
    /// Encoded chunks of the retained checkpoints and the running ones.
    pub chunks: u64,
    /// One key group serialised and encoded (the largest), while it goes to the link.
    pub chunk_buffers: u64,
    /// The exactly-once oracle, from the first recovery on.
    pub oracle: u64,
    /// Per-key change tracking (changed keys per sample period).
    pub tracking: u64,
    /// Records waiting in the subtasks' input channels.
    pub channels: u64,
    /// The engine's own fixed needs: logs, samples, history, code and allocator.
    pub fixed: u64,
    /// The sum of the parts.
    pub bytes: u64,
}

/// Average allocator overhead of one small heap allocation (header and rounding).
const ALLOCATION_OVERHEAD: u64 = 16;
/// Code, logs, samples, history and the allocator's own needs: a native run of 100k keys
/// peaks at about 10 MB all told (`cargo bench --bench memory`); a page adds its views.
/// Digits assumed for an event's offset: runs of up to a billion records.
const OFFSET_DIGITS: u64 = 9;
const FIXED: u64 = 16 << 20;

impl MemoryEstimate {
    /// The parts in display order, with their names.
    pub fn parts(&self) -> [(&'static str, u64); 10] {
        [
            ("key space", self.key_space),
            ("state", self.state),
            ("snapshot copies", self.snapshot_copies),
            ("chunks", self.chunks),
            ("chunk buffers", self.chunk_buffers),
            ("oracle", self.oracle),
            ("tracking", self.tracking),
            ("channels", self.channels),
            ("fixed", self.fixed),
            ("total", self.bytes),
        ]
    }

    /// Why the configuration cannot run in a budget of `limit` bytes and what to change,
    /// or `None` when it fits.
    pub fn refusal(&self, config: &Config, trace: Option<&Trace>, limit: u64) -> Option<String> {
        if self.bytes <= limit {
            return None;
        }
        let mut biggest: Vec<(&str, u64)> = self.parts()[..9].to_vec();
        biggest.sort_by_key(|(_, b)| std::cmp::Reverse(*b));
        let parts: Vec<String> = biggest
            .iter()
            .take(3)
            .map(|(name, b)| format!("{name} {}", crate::engine::report::format::bytes(*b)))
            .collect();
        let mut changes = Vec::new();
        if let SourceConfig::Generated { key_space, .. } = config.workload.source {
            let fit = max_keys_within(config, limit);
            changes.push(if fit == 0 {
                "other settings: even one key does not fit".to_string()
            } else {
                format!(
                    "fewer keys (`workload.source.key_space`: {key_space} asked, at most {fit} fit)"
                )
            });
        } else {
            changes.push("a trace with fewer keys".to_string());
        }
        match config.workload.value_model {
            ValueModel::RandomBytes { len } => changes.push(format!(
                "smaller values (`workload.value_model.len` is {len} bytes)"
            )),
            ValueModel::Events { keep } if keep > 1 => changes.push(format!(
                "fewer events per key (`workload.value_model.keep` is {keep})"
            )),
            _ => {}
        }
        if config.checkpointing.num_retained > 1 {
            changes.push(format!(
                "fewer retained checkpoints (`checkpointing.num_retained` is {})",
                config.checkpointing.num_retained
            ));
        }
        if config.checkpointing.codec == Codec::None {
            changes.push("a compressing codec (`checkpointing.codec`)".to_string());
        }
        let _ = trace;
        Some(format!(
            "this configuration needs about {} of memory ({}), more than the {} a browser tab \
             can safely use (wasm32 stops at 4 GiB). Try {}; or run it natively with \
             `statelab-cli simulate`",
            crate::engine::report::format::bytes(self.bytes),
            parts.join(", "),
            crate::engine::report::format::bytes(limit),
            join_or(&changes),
        ))
    }
}

/// "a, b or c".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The most keys of a generated source that fit in `limit` with the rest of `config` as
/// it is (0 when not even one does).
pub fn max_keys_within(config: &Config, limit: u64) -> u64 {
    let with = |n: u32| {
        let mut c = config.clone();
        if let SourceConfig::Generated { key_space, .. } = &mut c.workload.source {
            *key_space = n;
        }
        estimate(&c, None).bytes
    };
    // The estimate grows with the keys; search the largest key space that fits.
    let (mut lo, mut hi) = (0u32, u32::MAX / 2);
    if with(1) > limit {
        return 0;
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if with(mid) <= limit {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    // Round down to two significant digits: a suggestion, not a promise to the byte.
    let magnitude = 10u64.pow(
        u64::from(lo)
            .checked_ilog10()
            .unwrap_or(0)
            .saturating_sub(1),
    );
    u64::from(lo) / magnitude * magnitude
}

/// The memory a run of `config` needs at its busiest (`trace`: the loaded trace of a trace
/// source).
pub fn estimate(config: &Config, trace: Option<&Trace>) -> MemoryEstimate {
    let max_p = config
        .partitioning()
        .map_or(128, |p| u64::from(p.max_parallelism()));
    let model = config.workload.value_model;
    // Keys, their average snapshot key size, and what the key space keeps for them.
    let (keys, key_len, key_space) = match &config.workload.source {
        SourceConfig::Generated {
            key_space,
            distribution,
            key_kind,
        } => {
            let n = u64::from(*key_space);
            // In Flink's format: the namespace, then a `String` (a one-byte length for
            // `user-N`, then its characters) or a `Long`.
            let key_len = match key_kind {
                // A scale model's keys are every F-th real key: their digits on average
                // are those of the real key space's.
                KeyKind::String => {
                    let f = u64::from(config.workload.sample_every.max(1));
                    (1 + 1 + 5) * n + total_digits(n * f) / f
                }
                KeyKind::Integer => (1 + 8) * n,
            };
            let sampler = match distribution {
                KeyDistribution::Zipf { .. } => 8 * n,
                _ => 0,
            };
            // Per key its key group (2), slot (4) and place in its group's order (4).
            (n, key_len, 10 * n + 4 * (max_p + 1) + sampler)
        }
        SourceConfig::SeedExample => (4, 4 * 3, 4 * 64),
        SourceConfig::Trace => {
            let (n, text, records) = trace.map_or((0, 0, 0), |t| {
                let text: u64 = t.keys().iter().map(|k| k.to_string().len() as u64).sum();
                (t.keys().len() as u64, text, t.len() as u64)
            });
            // Per key: the key itself (24) and its text twice (the key and the lookup
            // table's copy, each an allocation), the lookup's entry (24) and the index (10);
            // per record 16.
            (
                n,
                3 * n + text,
                n * (24 + 24 + 10 + 2 * ALLOCATION_OVERHEAD) + 2 * text + 16 * records,
            )
        }
    };
    let logical_value = match model {
        ValueModel::Counter => 8,
        ValueModel::Events { keep } => 4 + u64::from(keep) * (1 + event_text_len()),
        ValueModel::RandomBytes { len } => 4 + u64::from(len),
    };
    let logical = key_len + keys * logical_value + max_p * KEY_GROUP_FIXED_LEN;
    // A page of 64 keys: its pointer, its shared header and enum, its allocations' headers.
    let pages = keys.div_ceil(PAGE as u64) * 128;
    let kept_value = match model {
        ValueModel::Counter => 8,
        // Events of 16 bytes in a page's shared list (up to an eighth spare while lists
        // grow), the list's end and the value's snapshot size.
        ValueModel::Events { keep } => 18 * u64::from(keep) + 2 + 4,
        ValueModel::RandomBytes { len } => u64::from(len),
    };
    // Each key group's heap order: 4 bytes a key with state, worked out at its snapshot.
    let state = pages + keys * (kept_value + 4);
    let concurrent = u64::from(config.checkpointing.max_concurrent.max(1));
    // A checkpoint's capture is encoded before a record writes its key group, so it copies
    // no page; a time-travel keyframe shares pages too and is not encoded, so the bound
    // keeps one copy of the state per concurrent checkpoint.
    let snapshot_copies = concurrent * state;
    let ratio = compression_per_mille(config.checkpointing.codec, model);
    let encoded = logical * ratio / 1000 + max_p * 64;
    let chunks = (u64::from(config.checkpointing.num_retained) + concurrent) * encoded;
    // The largest key group: the mean and three standard deviations of a uniform hash (all
    // of it with one key group). Encoding it holds at most its raw size (the output buffer
    // grows from half of it), and so does decoding it on restore.
    let mean = keys as f64 / max_p as f64;
    let largest_keys = (mean + 3.0 * mean.sqrt() + 1.0).min(keys as f64);
    let chunk_buffers = (largest_keys * logical as f64 / keys.max(1) as f64) as u64 + (64 << 10);
    let oracle = keys
        * match model {
            // A sum or an offset, and a bit saying the key has state.
            ValueModel::Counter | ValueModel::RandomBytes { .. } => 9,
            // Offsets of 8 bytes in shared lists, as the state keeps its events.
            ValueModel::Events { keep } => 9 * u64::from(keep) + 3,
        };
    // The changed-keys tracker: a bit a key.
    let tracking = keys.div_ceil(64) * 8;
    // Records queued in the channels (32 bytes each, twice for a growing ring buffer).
    let channels = u64::from(config.job.parallelism) * u64::from(config.job.channel_capacity) * 64;
    let fixed = FIXED;
    let bytes = key_space
        + state
        + snapshot_copies
        + chunks
        + chunk_buffers
        + oracle
        + tracking
        + channels
        + fixed;
    MemoryEstimate {
        keys,
        logical_state_bytes: logical,
        key_space,
        state,
        snapshot_copies,
        chunks,
        chunk_buffers,
        oracle,
        tracking,
        channels,
        fixed,
        bytes,
    }
}

/// Total decimal digits of the numbers `0..n` (the key texts `user-0 … user-{n-1}`).
fn total_digits(n: u64) -> u64 {
    let mut total = 0;
    let mut from = 0;
    let mut digits = 1;
    let mut below = 10;
    while from < n {
        let to = n.min(below);
        total += (to - from) * digits;
        from = to;
        digits += 1;
        below = below.saturating_mul(10);
    }
    total
}

/// An event's text: 30 bytes of fixed text, the offset, a value of 1–1000 (three digits
/// on average) and a kind of four letters on average.
fn event_text_len() -> u64 {
    30 + OFFSET_DIGITS + 3 + 4
}

/// Encoded size per 1000 raw bytes, as measured on the lab's own state (uniform keys,
/// LZ4 and Snappy within a few per cent of each other); random bytes do not compress.
fn compression_per_mille(codec: Codec, model: ValueModel) -> u64 {
    match (codec, model) {
        (Codec::None, _) | (_, ValueModel::RandomBytes { .. }) => 1000,
        (_, ValueModel::Counter) => 420,
        (_, ValueModel::Events { .. }) => 380,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::partitioning::workload::RateProfile;
    use crate::engine::sim::Simulation;

    fn config(keys: u32, model: ValueModel, max_p: u32) -> Config {
        let mut c = Config::default();
        c.workload.source = SourceConfig::Generated {
            key_space: keys,
            distribution: KeyDistribution::Uniform,
            key_kind: KeyKind::String,
        };
        c.workload.value_model = model;
        c.workload.rate = RateProfile::Constant {
            records_per_s: 100_000.0,
        };
        c.job.max_parallelism = Some(max_p);
        c.job.records_per_s_per_subtask = 100_000.0;
        c.checkpointing.interval_ms = Some(500);
        c
    }

    const MODELS: [ValueModel; 3] = [
        ValueModel::Counter,
        ValueModel::Events { keep: 4 },
        ValueModel::RandomBytes { len: 64 },
    ];

    #[test]
    fn parts_cover_what_a_filled_run_holds() {
        for model in MODELS {
            let mut c = config(5_000, model, 16);
            c.workload.rate = RateProfile::Constant {
                records_per_s: 50_000.0,
            };
            let e = estimate(&c, None);
            let mut sim = Simulation::new(c, None).unwrap();
            // 25 records per key: every key has state, events lists are full.
            sim.advance_to(2_500_000);
            sim.crash_job();
            sim.advance_to(4_000_000);
            assert!(
                sim.recoveries()[0].exactly_once.is_some(),
                "{model:?}: checked"
            );
            let logical: u64 = (0..16).map(|kg| sim.key_group_state(kg).raw_bytes()).sum();
            let state: u64 = (0..16).map(|kg| sim.key_group_state(kg).heap_bytes()).sum();
            // Offsets here have 5 or 6 digits, the estimate assumes 9: a little above.
            assert!(
                e.logical_state_bytes >= logical && e.logical_state_bytes < logical * 115 / 100,
                "{model:?}: logical {logical}, estimated {}",
                e.logical_state_bytes
            );
            assert!(e.state >= state, "{model:?}: state {state} > {}", e.state);
            assert!(
                e.state < state * 2,
                "{model:?}: state {state}, estimated {}",
                e.state
            );
            let keys = sim.workload().keys().heap_bytes();
            assert!(
                e.key_space >= keys,
                "{model:?}: keys {keys} > {}",
                e.key_space
            );
            let oracle = sim.oracle().heap_bytes();
            assert!(
                e.oracle >= oracle && e.oracle < oracle * 2,
                "{model:?}: oracle {oracle}, estimated {}",
                e.oracle
            );
            let stored = sim.store().stored_bytes();
            assert!(
                e.chunks >= stored,
                "{model:?}: chunks {stored} > {}",
                e.chunks
            );
        }
    }

    #[test]
    fn linear_in_the_keys() {
        for model in MODELS {
            let at = |keys| estimate(&config(keys, model, 128), None);
            let (a, b, c) = (at(1_000_000), at(2_000_000), at(4_000_000));
            // Twice the keys, twice the bytes beyond the fixed part (within the digits
            // the longer key names add).
            let growth = |x: &MemoryEstimate, y: &MemoryEstimate| {
                (y.bytes - y.fixed) as f64 / (x.bytes - x.fixed) as f64
            };
            assert!((1.9..2.2).contains(&growth(&a, &b)), "{model:?}");
            assert!((1.9..2.2).contains(&growth(&b, &c)), "{model:?}");
            for e in [a, b, c] {
                let parts: u64 = e.parts()[..9].iter().map(|(_, b)| b).sum();
                assert_eq!(parts, e.bytes);
            }
        }
    }

    #[test]
    fn the_issues_job_is_refused_with_what_to_change() {
        let mut c = Config::default();
        c.workload.source = SourceConfig::Generated {
            key_space: 1_000_000,
            distribution: KeyDistribution::Zipf { exponent: 1.0 },
            key_kind: KeyKind::String,
        };
        c.workload.value_model = ValueModel::RandomBytes { len: 2048 };
        c.validate().expect("validation accepts it");
        let e = estimate(&c, None);
        assert!(e.bytes > 4 << 30, "{}", e.bytes);
        let why = e.refusal(&c, None, BROWSER_LIMIT_BYTES).expect("refused");
        assert!(why.contains("needs about"), "{why}");
        assert!(
            why.contains(&crate::engine::report::format::bytes(e.bytes)),
            "{why}"
        );
        assert!(why.contains("2.50 GiB"), "{why}");
        assert!(
            why.contains("`workload.source.key_space`: 1000000 asked, at most"),
            "{why}"
        );
        assert!(
            why.contains("`workload.value_model.len` is 2048 bytes"),
            "{why}"
        );
        // The suggestion holds: that many keys fit, and a tenth more do not.
        let fit = max_keys_within(&c, BROWSER_LIMIT_BYTES);
        let with = |n: u64| {
            let mut c = c.clone();
            c.workload.source = SourceConfig::Generated {
                key_space: n as u32,
                distribution: KeyDistribution::Zipf { exponent: 1.0 },
                key_kind: KeyKind::String,
            };
            estimate(&c, None).bytes
        };
        assert!(with(fit) <= BROWSER_LIMIT_BYTES);
        assert!(with(fit * 11 / 10) > BROWSER_LIMIT_BYTES);
        // The defaults and a million counters fit.
        let d = Config::default();
        assert_eq!(
            estimate(&d, None).refusal(&d, None, BROWSER_LIMIT_BYTES),
            None
        );
        let m = config(1_000_000, ValueModel::Counter, 128);
        assert!(estimate(&m, None).bytes < 200 << 20);
    }

    #[test]
    fn a_trace_counts_its_keys_and_records() {
        let mut c = Config::default();
        c.workload.source = SourceConfig::Trace;
        let small = Trace::parse_csv("a,1\nb,2\n", KeyKind::String).unwrap();
        let text: String = (0..50_000).map(|i| format!("key-{i},{i}\n")).collect();
        let large = Trace::parse_csv(&text, KeyKind::String).unwrap();
        let (s, l) = (estimate(&c, Some(&small)), estimate(&c, Some(&large)));
        assert_eq!((s.keys, l.keys), (2, 50_000));
        assert!(l.key_space > 50_000 * 40 && l.bytes > s.bytes);
    }
}
