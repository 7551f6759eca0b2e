//! The record source: which key and value sits at each offset, and when it arrives.
//!
//! A record is a pure function of the seed and its offset, so rewinding the source to a
//! checkpoint's offset and replaying yields exactly the records seen the first time,
//! which is what makes the exactly-once check meaningful.

/// Part of a generated source's config; defined with the keys it describes.
pub use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::keygroups::{Key, Partitioning};
use crate::engine::partitioning::trace::Trace;
use crate::engine::rng::{below, draw, Stream};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Arrival rate of records over virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RateProfile {
    Constant {
        records_per_s: f64,
    },
    /// Linear change from `from_per_s` to `to_per_s` over `over_s`, then steady.
    Ramp {
        from_per_s: f64,
        to_per_s: f64,
        over_s: f64,
    },
    /// Each period starts with `burst_s` seconds at `burst_per_s`, then `base_per_s`.
    Bursts {
        base_per_s: f64,
        burst_per_s: f64,
        period_s: f64,
        burst_s: f64,
    },
}

impl RateProfile {
    /// Records that have arrived by `t_us`: the floor of the rate's integral.
    pub fn records_by(&self, t_us: u64) -> u64 {
        let t = t_us as f64 / 1e6;
        let total = match *self {
            RateProfile::Constant { records_per_s } => records_per_s * t,
            RateProfile::Ramp {
                from_per_s,
                to_per_s,
                over_s,
            } => {
                if t <= over_s {
                    from_per_s * t + (to_per_s - from_per_s) * t * t / (2.0 * over_s)
                } else {
                    (from_per_s + to_per_s) * over_s / 2.0 + to_per_s * (t - over_s)
                }
            }
            RateProfile::Bursts {
                base_per_s,
                burst_per_s,
                period_s,
                burst_s,
            } => {
                let per_period = burst_per_s * burst_s + base_per_s * (period_s - burst_s);
                let periods = (t / period_s).floor();
                let r = t - periods * period_s;
                let partial = if r <= burst_s {
                    burst_per_s * r
                } else {
                    burst_per_s * burst_s + base_per_s * (r - burst_s)
                };
                periods * per_period + partial
            }
        };
        if total <= 0.0 {
            0
        } else {
            total.floor() as u64
        }
    }

    /// The instantaneous rate at `t_us`, for display.
    pub fn rate_at(&self, t_us: u64) -> f64 {
        let t = t_us as f64 / 1e6;
        match *self {
            RateProfile::Constant { records_per_s } => records_per_s,
            RateProfile::Ramp {
                from_per_s,
                to_per_s,
                over_s,
            } => {
                if t >= over_s {
                    to_per_s
                } else {
                    from_per_s + (to_per_s - from_per_s) * t / over_s
                }
            }
            RateProfile::Bursts {
                base_per_s,
                burst_per_s,
                period_s,
                burst_s,
            } => {
                if t - (t / period_s).floor() * period_s < burst_s {
                    burst_per_s
                } else {
                    base_per_s
                }
            }
        }
    }

    pub fn peak_rate(&self) -> f64 {
        match *self {
            RateProfile::Constant { records_per_s } => records_per_s,
            RateProfile::Ramp {
                from_per_s,
                to_per_s,
                ..
            } => from_per_s.max(to_per_s),
            RateProfile::Bursts {
                base_per_s,
                burst_per_s,
                ..
            } => base_per_s.max(burst_per_s),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyDistribution {
    Uniform,
    /// Rank `r` (0-based) is drawn with weight `1 / (r + 1)^exponent`.
    Zipf {
        exponent: f64,
    },
    /// `hot_fraction` of the records go to the first `hot_keys` keys; the rest are uniform.
    HotSet {
        hot_keys: u32,
        hot_fraction: f64,
    },
}

/// What a key's state looks like, and so how well its snapshot compresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueModel {
    /// Count and sum per key: small, regular, compresses well.
    Counter,
    /// The last `keep` events per key as short JSON-like text.
    Events { keep: u8 },
    /// `len` random bytes per key, replaced on each update: incompressible.
    RandomBytes { len: u16 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceConfig {
    Generated {
        key_space: u32,
        distribution: KeyDistribution,
        key_kind: KeyKind,
    },
    /// The seed document's job: records `a,1 b,2 c,3 d,4`.
    SeedExample,
    /// A `key,value` CSV trace supplied alongside the config.
    Trace,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadConfig {
    pub source: SourceConfig,
    pub rate: RateProfile,
    pub value_model: ValueModel,
    /// Stop the source after this many records (a bounded topic); none: unbounded.
    pub limit: Option<u64>,
}

/// One record as it leaves the source. `key` indexes the run's [`KeySpace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub offset: u64,
    pub key: u32,
    pub value: i64,
}

/// Every key the run can see, with its key group and its slot inside that key group.
///
/// State is stored densely per key group, in key order, so updates are an index and
/// snapshots serialise sorted keys without sorting.
#[derive(Debug)]
pub struct KeySpace {
    keys: Vec<Key>,
    key_group: Vec<u16>,
    slot: Vec<u32>,
    members: Vec<Vec<u32>>,
    /// Per key group, every member key as a snapshot writes it, in slot order, so that
    /// serialising is a sequential copy instead of a chase through scattered strings.
    encoded_keys: Vec<EncodedKeys>,
    lookup: KeyLookup,
}

#[derive(Debug, Default)]
struct EncodedKeys {
    bytes: Vec<u8>,
    /// `offsets[slot]..offsets[slot + 1]` is the slot's key.
    offsets: Vec<u32>,
}

#[derive(Debug)]
enum KeyLookup {
    /// Generated keys carry their index in their text (`user-17`) or value (`17`).
    Generated(KeyKind),
    Table(std::collections::HashMap<Key, u32>),
}

impl KeySpace {
    pub fn generated(n: u32, kind: KeyKind, max_parallelism: u32) -> Self {
        let keys = (0..n)
            .map(|i| match kind {
                KeyKind::String => Key::Str(format!("user-{i}")),
                KeyKind::Integer => Key::Long(i64::from(i)),
            })
            .collect();
        Self::build(keys, KeyLookup::Generated(kind), max_parallelism)
    }

    pub fn from_keys(keys: Vec<Key>, max_parallelism: u32) -> Self {
        let table = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect();
        Self::build(keys, KeyLookup::Table(table), max_parallelism)
    }

    fn build(keys: Vec<Key>, lookup: KeyLookup, max_parallelism: u32) -> Self {
        let part = Partitioning::new(1, max_parallelism).expect("validated max parallelism");
        let key_group: Vec<u16> = keys.iter().map(|k| part.key_group_of(k) as u16).collect();
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); max_parallelism as usize];
        for (i, kg) in key_group.iter().enumerate() {
            members[usize::from(*kg)].push(i as u32);
        }
        let mut slot = vec![0u32; keys.len()];
        for group in &mut members {
            group.sort_by(|a, b| keys[*a as usize].cmp(&keys[*b as usize]));
            for (s, k) in group.iter().enumerate() {
                slot[*k as usize] = s as u32;
            }
        }
        let encoded_keys = members
            .iter()
            .map(|group| {
                let mut e = EncodedKeys::default();
                e.offsets.push(0);
                for k in group {
                    crate::engine::state::snapshot::write_key(&keys[*k as usize], &mut e.bytes);
                    e.offsets.push(e.bytes.len() as u32);
                }
                e
            })
            .collect();
        Self {
            keys,
            key_group,
            slot,
            members,
            encoded_keys,
            lookup,
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn max_parallelism(&self) -> u32 {
        self.members.len() as u32
    }

    pub fn key(&self, index: u32) -> &Key {
        &self.keys[index as usize]
    }

    pub fn key_group(&self, index: u32) -> u32 {
        u32::from(self.key_group[index as usize])
    }

    pub fn slot(&self, index: u32) -> usize {
        self.slot[index as usize] as usize
    }

    /// Key indices of one key group, in key order.
    pub fn members(&self, key_group: u32) -> &[u32] {
        &self.members[key_group as usize]
    }

    /// The snapshot encoding of the key in `slot` of `key_group`.
    pub fn encoded_key(&self, key_group: u32, slot: usize) -> &[u8] {
        let e = &self.encoded_keys[key_group as usize];
        &e.bytes[e.offsets[slot] as usize..e.offsets[slot + 1] as usize]
    }

    pub fn index_of(&self, key: &Key) -> Option<u32> {
        let index = match (&self.lookup, key) {
            (KeyLookup::Table(t), k) => return t.get(k).copied(),
            (KeyLookup::Generated(KeyKind::String), Key::Str(s)) => {
                let digits = s.strip_prefix("user-")?;
                // Reject "user-01" and the like: only the canonical spelling is a key here.
                if digits.len() > 1 && digits.starts_with('0') {
                    return None;
                }
                digits.parse::<u32>().ok()?
            }
            (KeyLookup::Generated(KeyKind::Integer), Key::Long(v)) => u32::try_from(*v).ok()?,
            _ => return None,
        };
        (index < self.keys.len() as u32).then_some(index)
    }
}

/// Draws keys for generated workloads.
#[derive(Debug)]
enum KeySampler {
    Uniform(u32),
    /// Walker/Vose alias table: O(1) per draw whatever the skew.
    Alias {
        threshold: Vec<u32>,
        alias: Vec<u32>,
    },
    HotSet {
        n: u32,
        hot: u32,
        hot_threshold: u64,
    },
}

impl KeySampler {
    fn new(n: u32, distribution: &KeyDistribution) -> Self {
        match *distribution {
            KeyDistribution::Uniform => KeySampler::Uniform(n),
            KeyDistribution::Zipf { exponent } => {
                let weights: Vec<f64> = (0..n)
                    .map(|r| 1.0 / libm::pow(f64::from(r) + 1.0, exponent))
                    .collect();
                let (threshold, alias) = alias_table(&weights);
                KeySampler::Alias { threshold, alias }
            }
            KeyDistribution::HotSet {
                hot_keys,
                hot_fraction,
            } => KeySampler::HotSet {
                n,
                hot: hot_keys.min(n),
                hot_threshold: (hot_fraction.clamp(0.0, 1.0) * u64::MAX as f64) as u64,
            },
        }
    }

    fn sample(&self, seed: u64, offset: u64) -> u32 {
        let x = draw(seed, Stream::Key, offset);
        match self {
            KeySampler::Uniform(n) => below(x, u64::from(*n)) as u32,
            KeySampler::Alias { threshold, alias } => {
                let column = below(x, threshold.len() as u64) as usize;
                if (x as u32) < threshold[column] {
                    column as u32
                } else {
                    alias[column]
                }
            }
            KeySampler::HotSet {
                n,
                hot,
                hot_threshold,
            } => {
                if draw(seed, Stream::HotSet, offset) < *hot_threshold {
                    below(x, u64::from(*hot)) as u32
                } else {
                    below(x, u64::from(*n)) as u32
                }
            }
        }
    }
}

/// Vose's alias method with thresholds scaled to `u32`, so sampling is integer-only.
fn alias_table(weights: &[f64]) -> (Vec<u32>, Vec<u32>) {
    let n = weights.len();
    let total: f64 = weights.iter().sum();
    let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
    let mut threshold = vec![u32::MAX; n];
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| scaled[*i] < 1.0);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        threshold[s] = (scaled[s] * f64::from(u32::MAX)) as u32;
        alias[s] = l as u32;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    (threshold, alias)
}

/// The workload of one run: its keys, how records are drawn, and when they arrive.
#[derive(Debug)]
pub struct Workload {
    config: WorkloadConfig,
    seed: u64,
    keys: Arc<KeySpace>,
    origin: Origin,
}

#[derive(Debug)]
enum Origin {
    Generated(KeySampler),
    Fixed(Vec<(u32, i64)>),
}

impl Workload {
    /// `trace` is only read when the source is [`SourceConfig::Trace`].
    pub fn new(
        config: &WorkloadConfig,
        seed: u64,
        max_parallelism: u32,
        trace: Option<&Trace>,
    ) -> Self {
        let (keys, origin) = match &config.source {
            SourceConfig::Generated {
                key_space,
                distribution,
                key_kind,
            } => (
                KeySpace::generated(*key_space, *key_kind, max_parallelism),
                Origin::Generated(KeySampler::new(*key_space, distribution)),
            ),
            SourceConfig::SeedExample => {
                let seed_doc = Trace::seed_example();
                (
                    KeySpace::from_keys(seed_doc.keys().to_vec(), max_parallelism),
                    Origin::Fixed(seed_doc.records().to_vec()),
                )
            }
            SourceConfig::Trace => {
                let empty = Trace::default();
                let t = trace.unwrap_or(&empty);
                (
                    KeySpace::from_keys(t.keys().to_vec(), max_parallelism),
                    Origin::Fixed(t.records().to_vec()),
                )
            }
        };
        Self {
            config: config.clone(),
            seed,
            keys: Arc::new(keys),
            origin,
        }
    }

    pub fn keys(&self) -> &Arc<KeySpace> {
        &self.keys
    }

    pub fn config(&self) -> &WorkloadConfig {
        &self.config
    }

    /// The source's end, if it has one.
    pub fn length(&self) -> Option<u64> {
        let fixed = match &self.origin {
            Origin::Fixed(records) => Some(records.len() as u64),
            Origin::Generated(_) => None,
        };
        match (fixed, self.config.limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// How many records have arrived at the source by `t_us`.
    pub fn available(&self, t_us: u64) -> u64 {
        let arrived = self.config.rate.records_by(t_us);
        self.length().map_or(arrived, |len| arrived.min(len))
    }

    pub fn record(&self, offset: u64) -> Record {
        match &self.origin {
            Origin::Generated(sampler) => Record {
                offset,
                key: sampler.sample(self.seed, offset),
                value: below(draw(self.seed, Stream::Value, offset), 1000) as i64 + 1,
            },
            Origin::Fixed(records) => {
                let (key, value) = records[offset as usize];
                Record { offset, key, value }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(distribution: KeyDistribution) -> WorkloadConfig {
        WorkloadConfig {
            source: SourceConfig::Generated {
                key_space: 1000,
                distribution,
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant {
                records_per_s: 1000.0,
            },
            value_model: ValueModel::Counter,
            limit: None,
        }
    }

    #[test]
    fn rate_profiles_integrate() {
        let c = RateProfile::Constant {
            records_per_s: 1000.0,
        };
        assert_eq!(c.records_by(1_500_000), 1500);
        let ramp = RateProfile::Ramp {
            from_per_s: 0.0,
            to_per_s: 100.0,
            over_s: 10.0,
        };
        assert_eq!(ramp.records_by(10_000_000), 500);
        assert_eq!(ramp.records_by(11_000_000), 600);
        let b = RateProfile::Bursts {
            base_per_s: 10.0,
            burst_per_s: 100.0,
            period_s: 10.0,
            burst_s: 1.0,
        };
        assert_eq!(b.records_by(1_000_000), 100);
        assert_eq!(b.records_by(10_000_000), 190);
        assert_eq!(b.records_by(21_000_000), 480);
    }

    #[test]
    fn records_are_a_function_of_offset() {
        let w = Workload::new(&generated(KeyDistribution::Uniform), 9, 128, None);
        let again = Workload::new(&generated(KeyDistribution::Uniform), 9, 128, None);
        for i in 0..100 {
            assert_eq!(w.record(i), again.record(i));
        }
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let w = Workload::new(
            &generated(KeyDistribution::Zipf { exponent: 1.2 }),
            3,
            128,
            None,
        );
        let mut counts = vec![0u32; 1000];
        for i in 0..50_000 {
            counts[w.record(i).key as usize] += 1;
        }
        assert!(counts[0] > counts[10] && counts[10] > counts[500]);
        // Rank 0 of Zipf(1.2) over 1000 keys carries about 22 % of the mass.
        let share = f64::from(counts[0]) / 50_000.0;
        assert!((0.19..0.25).contains(&share), "share {share}");
    }

    #[test]
    fn hot_set_concentrates_traffic() {
        let w = Workload::new(
            &generated(KeyDistribution::HotSet {
                hot_keys: 10,
                hot_fraction: 0.9,
            }),
            3,
            128,
            None,
        );
        let hot = (0..10_000).filter(|i| w.record(*i).key < 10).count();
        // Expect 90 % + 10 % × 1 %, about 9010, within three standard deviations (±90).
        assert!((8920..9100).contains(&hot), "hot {hot}");
    }

    #[test]
    fn generated_keys_round_trip_through_lookup() {
        let ks = KeySpace::generated(50, KeyKind::String, 128);
        for i in 0..50 {
            assert_eq!(ks.index_of(ks.key(i)), Some(i));
        }
        assert_eq!(ks.index_of(&Key::Str("user-50".into())), None);
        assert_eq!(ks.index_of(&Key::Str("user-07".into())), None);
        assert_eq!(ks.index_of(&Key::Long(3)), None);
    }
}
