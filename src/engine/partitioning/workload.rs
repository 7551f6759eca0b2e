//! The record source: which key and value sits at each offset, and when it arrives.
//!
//! A record is a pure function of the seed and its offset, so rewinding the source to a
//! checkpoint's offset and replaying yields exactly the records seen the first time,
//! which is what makes the exactly-once check meaningful.

/// Part of a generated source's config; defined with the keys it describes.
pub use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::keygroups::{key_group_of_hash, Key};
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
    /// Record `o` goes to key `o % key_space`: every key in turn, as generator jobs often
    /// do (Flink's `DataGeneratorSource` with `i % keys`).
    RoundRobin,
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
    /// How a generated source spells its `String` keys.
    #[serde(default)]
    pub key_format: KeyFormat,
    /// The values a generated source draws, uniformly, inclusive.
    #[serde(default)]
    pub values: ValueRange,
    /// 1: every key. `F` > 1: this run is a scale model 1:F (`engine::scale`): key `i` of
    /// the run is key `i × F` of the real job, so the keys it holds are every F-th of a key
    /// space F times larger, with their real names, lengths and key groups.
    #[serde(default = "every_key")]
    pub sample_every: u32,
}

fn every_key() -> u32 {
    1
}

/// The largest scale factor a model takes (`workload.sample_every`).
pub const MAX_SAMPLE_EVERY: u32 = 4096;

/// How generated `String` keys are spelled: `{prefix}{n}`, `n` zero-padded to `digits`
/// places (0: no padding). The default is `user-{n}`; a job that names its keys
/// `String.format("key-%05d", i)` is `{"prefix": "key-", "digits": 5}`. Key names are part
/// of the state's bytes (Flink writes each key with `StringSerializer`), so a calibration
/// against a real job needs its spelling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyFormat {
    pub prefix: String,
    pub digits: u8,
}

impl Default for KeyFormat {
    fn default() -> Self {
        Self {
            prefix: USER_PREFIX.to_string(),
            digits: 0,
        }
    }
}

/// The longest prefix a key format takes (a key is short text in every job the lab models).
pub const MAX_KEY_PREFIX: usize = 64;
/// The most digits a key format pads to (`u32::MAX` has 10).
pub const MAX_KEY_DIGITS: u8 = 10;

impl KeyFormat {
    /// Why this format cannot name keys, if it cannot: the prefix must be printable ASCII
    /// (a key's Java `hashCode` and its length prefix are computed from its bytes).
    /// The error is `(field, message)`, the field `prefix` or `digits`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.prefix.len() > MAX_KEY_PREFIX {
            return Err((
                "prefix",
                format!(
                    "at most {MAX_KEY_PREFIX} characters, got {}",
                    self.prefix.chars().count()
                ),
            ));
        }
        if let Some(c) = self.prefix.chars().find(|c| !(' '..='~').contains(c)) {
            return Err((
                "prefix",
                format!("printable ASCII only (letters, digits, punctuation, space), got {c:?}"),
            ));
        }
        if self.digits > MAX_KEY_DIGITS {
            return Err((
                "digits",
                format!(
                    "between 0 (no padding) and {MAX_KEY_DIGITS}, got {}",
                    self.digits
                ),
            ));
        }
        Ok(())
    }

    /// Characters of key `n`'s text.
    #[inline]
    pub fn text_len(&self, n: u32) -> usize {
        let digits = crate::engine::decimal::len_u64(u64::from(n));
        self.prefix.len() + digits.max(usize::from(self.digits))
    }

    /// Key `n`'s text into `out`, without allocating beyond `out`.
    #[inline]
    pub fn write(&self, n: u32, out: &mut Vec<u8>) {
        let mut buf = [0u8; 20];
        let start = crate::engine::decimal::write_u64(&mut buf, u64::from(n));
        out.extend_from_slice(self.prefix.as_bytes());
        let pad = usize::from(self.digits).saturating_sub(20 - start);
        out.extend(std::iter::repeat_n(b'0', pad));
        out.extend_from_slice(&buf[start..]);
    }

    /// The `n` whose key is exactly `text` (the one spelling this format gives it).
    pub fn parse(&self, text: &str) -> Option<u32> {
        let digits = text.strip_prefix(self.prefix.as_str())?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = digits.parse::<u32>().ok()?;
        // Reject "user-01", "key-1" under a 5-digit format and the like.
        (self.text_len(n) == text.len()).then_some(n)
    }

    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The values a generated source draws: uniformly from `min..=max` (a counter job that
/// counts records is `{"min": 1, "max": 1}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueRange {
    pub min: i64,
    pub max: i64,
}

impl Default for ValueRange {
    fn default() -> Self {
        Self { min: 1, max: 1000 }
    }
}

/// The largest magnitude a drawn value may have: sums of values stay far from `i64`'s
/// range over any run the lab can hold.
pub const MAX_VALUE_MAGNITUDE: i64 = 1_000_000_000;

impl ValueRange {
    /// The error is `(field, message)`, the field `min` or `max`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (name, v) in [("min", self.min), ("max", self.max)] {
            if v.abs() > MAX_VALUE_MAGNITUDE {
                return Err((
                    name,
                    format!("between -{MAX_VALUE_MAGNITUDE} and {MAX_VALUE_MAGNITUDE}, got {v}"),
                ));
            }
        }
        if self.min > self.max {
            return Err((
                "min",
                format!(
                    "{} is above max ({}): the range would be empty",
                    self.min, self.max
                ),
            ));
        }
        Ok(())
    }

    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl WorkloadConfig {
    /// Why `key_format` and `values` cannot apply, if they cannot: they describe a
    /// generated source (a trace or the seed example brings its own keys and values), and
    /// `key_format` its `String` keys. Each error is `(dotted field under workload,
    /// message)`.
    pub fn check_generation(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        if !(1..=MAX_SAMPLE_EVERY).contains(&self.sample_every) {
            errors.push((
                "sample_every".into(),
                format!(
                    "must be between 1 (every key: no scale model) and {MAX_SAMPLE_EVERY}, got {}",
                    self.sample_every
                ),
            ));
        }
        if let Err((field, e)) = self.key_format.check() {
            errors.push((format!("key_format.{field}"), e));
        }
        if let Err((field, e)) = self.values.check() {
            errors.push((format!("values.{field}"), e));
        }
        match &self.source {
            SourceConfig::Generated { key_kind, .. } => {
                if let SourceConfig::Generated { key_space, .. } = &self.source {
                    // Key `i` is the real key `i × F`: the largest must be a `u32`.
                    let largest =
                        u64::from(key_space.saturating_sub(1)) * u64::from(self.sample_every);
                    if largest > u64::from(u32::MAX) {
                        errors.push((
                            "sample_every".into(),
                            format!(
                                "{} keys sampled every {} would name keys beyond {}",
                                key_space,
                                self.sample_every,
                                u32::MAX
                            ),
                        ));
                    }
                }
                if *key_kind == KeyKind::Integer && !self.key_format.is_default() {
                    errors.push((
                        "key_format".into(),
                        "names `String` keys; with `key_kind` `integer` the keys are numbers (leave it out)".into(),
                    ));
                }
            }
            SourceConfig::SeedExample | SourceConfig::Trace => {
                let kind = if matches!(self.source, SourceConfig::Trace) {
                    "a trace"
                } else {
                    "the seed example"
                };
                if !self.key_format.is_default() {
                    errors.push((
                        "key_format".into(),
                        format!("is for a generated source; {kind} brings its own keys"),
                    ));
                }
                if !self.values.is_default() {
                    errors.push((
                        "values".into(),
                        format!("is for a generated source; {kind} brings its own values"),
                    ));
                }
                if self.sample_every != 1 {
                    errors.push((
                        "sample_every".into(),
                        format!(
                            "a scale model samples a generated key space; {kind} brings its own keys (leave it at 1)"
                        ),
                    ));
                }
            }
        }
        errors
    }
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
///
/// Memory is a few bytes per key: generated keys are never stored as text, they are
/// rendered from their index (`user-17`, `17`) when a snapshot is written or a key is
/// shown, so a run of millions of keys keeps only its key group (2 bytes), slot (4) and
/// place in its key group's order (4) per key.
#[derive(Debug)]
pub struct KeySpace {
    names: KeyNames,
    key_group: Vec<u16>,
    slot: Vec<u32>,
    /// Key indices by key group, each key group in key order: the members of key group
    /// `kg` are `order[starts[kg]..starts[kg + 1]]`.
    order: Vec<u32>,
    starts: Vec<u32>,
}

#[derive(Debug)]
enum KeyNames {
    /// Key `i` is `format`'s spelling of `i` (a Java `String`) or `i` (a Java `Long`).
    Generated {
        kind: KeyKind,
        len: u32,
        format: KeyFormat,
        /// Key `i` is the real key `i × stride` (a scale model's sample; 1 otherwise).
        stride: u32,
        /// Which real record a model's record stands for: one of its `stride` drawn at
        /// random (keys drawn at random), or the first (round robin: exactly the real
        /// job's record). See [`KeySpace::real_offset`].
        drawn: bool,
    },
    /// Keys read from a trace, looked up by value.
    Table {
        keys: Vec<Key>,
        by_text: std::collections::HashMap<Box<str>, u32>,
        by_long: std::collections::HashMap<i64, u32>,
    },
}

/// A key as the run knows it, without allocating: borrowed text, or a generated key
/// rendered on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRef<'a> {
    /// A `String` key.
    Str(&'a str),
    /// The generated `String` key `n`, spelled by `format`.
    Generated { format: &'a KeyFormat, n: u32 },
    /// A `Long` key.
    Long(i64),
}

/// The text every generated string key starts with.
pub const USER_PREFIX: &str = "user-";

impl KeyRef<'_> {
    pub fn to_key(self) -> Key {
        match self {
            KeyRef::Str(s) => Key::Str(s.to_string()),
            KeyRef::Generated { .. } => Key::Str(self.to_string()),
            KeyRef::Long(v) => Key::Long(v),
        }
    }

    /// Java's `hashCode()` of the key, computed from its text without building a string.
    pub fn java_hash_code(self) -> i32 {
        match self {
            KeyRef::Str(s) => crate::engine::partitioning::keygroups::java_string_hash(s),
            KeyRef::Generated { format, n } => {
                let mut digits = [0u8; 20];
                let start = crate::engine::decimal::write_u64(&mut digits, u64::from(n));
                let pad = usize::from(format.digits).saturating_sub(20 - start);
                // ASCII (KeyFormat::check): every byte is one UTF-16 code unit.
                format
                    .prefix
                    .bytes()
                    .chain(std::iter::repeat_n(b'0', pad))
                    .chain(digits[start..].iter().copied())
                    .fold(0i32, |h, b| h.wrapping_mul(31).wrapping_add(i32::from(b)))
            }
            KeyRef::Long(v) => crate::engine::partitioning::keygroups::java_long_hash(v),
        }
    }
}

impl<'a> From<&'a Key> for KeyRef<'a> {
    fn from(key: &'a Key) -> Self {
        match key {
            Key::Str(s) => KeyRef::Str(s),
            Key::Long(v) => KeyRef::Long(*v),
        }
    }
}

impl std::fmt::Display for KeyRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRef::Str(s) => f.write_str(s),
            KeyRef::Generated { format, n } => write!(
                f,
                "{}{:0width$}",
                format.prefix,
                n,
                width = usize::from(format.digits)
            ),
            KeyRef::Long(v) => write!(f, "{v}"),
        }
    }
}

/// `0..n` in the order of their decimal text (`0, 1, 10, 100, 11, …`), which is the order
/// of the keys `user-0 … user-{n-1}` as Java (and Rust) compare strings: a preorder walk of
/// the decimal digit tree, so no key is rendered and nothing is sorted.
fn in_text_order(n: u32) -> impl Iterator<Item = u32> {
    let n = u64::from(n);
    let mut next = (n > 0).then_some(0u64);
    std::iter::from_fn(move || {
        let current = next?;
        next = if current == 0 {
            (n > 1).then_some(1)
        } else if current * 10 < n {
            Some(current * 10)
        } else {
            // Climb while the next sibling does not exist, then step to it.
            let mut c = current;
            while c % 10 == 9 || c + 1 >= n {
                c /= 10;
                if c == 0 {
                    break;
                }
            }
            (c != 0).then_some(c + 1)
        };
        Some(current as u32)
    })
}

/// Key `n`'s digits (zero-padded to `digits`) as bytes followed by zero bytes: arrays that
/// compare as the digit texts do.
fn digits_in_text_order(n: u64, digits: u8) -> [u8; 20] {
    let mut buf = [0u8; 20];
    let start = crate::engine::decimal::write_u64(&mut buf, n);
    let len = 20 - start;
    let pad = usize::from(digits).saturating_sub(len);
    let mut out = [0u8; 20];
    out[..pad].fill(b'0');
    out[pad..pad + len].copy_from_slice(&buf[start..]);
    out
}

impl KeySpace {
    pub fn generated(n: u32, kind: KeyKind, format: &KeyFormat, max_parallelism: u32) -> Self {
        Self::sampled(n, 1, false, kind, format, max_parallelism)
    }

    /// `n` keys, key `i` being the real key `i × stride`: a scale model's every
    /// `stride`-th key of a key space `stride` times larger (`stride` 1: every key).
    /// `(n - 1) × stride` must be a `u32` (`WorkloadConfig::check_generation` says so).
    /// `drawn`: the keys are drawn at random (see [`KeySpace::real_offset`]).
    pub fn sampled(
        n: u32,
        stride: u32,
        drawn: bool,
        kind: KeyKind,
        format: &KeyFormat,
        max_parallelism: u32,
    ) -> Self {
        let stride = stride.max(1);
        let names = KeyNames::Generated {
            kind,
            len: n,
            format: format.clone(),
            stride,
            drawn,
        };
        if stride > 1 {
            let widest =
                crate::engine::decimal::len_u64(u64::from(n.saturating_sub(1)) * u64::from(stride));
            return if kind == KeyKind::Integer || widest <= usize::from(format.digits) {
                // Numbers, or text all padded to one width: text order is numeric order.
                Self::build(names, 0..n, max_parallelism)
            } else {
                // The prefix is common to all: the order of their digits is the keys'
                // (a key that is a prefix of another sorts first, as a zero byte does).
                let mut order: Vec<u32> = (0..n).collect();
                order.sort_unstable_by_key(|i| {
                    digits_in_text_order(u64::from(*i) * u64::from(stride), format.digits)
                });
                Self::build(names, order, max_parallelism)
            };
        }
        let widest = crate::engine::decimal::len_u64(u64::from(n.saturating_sub(1)));
        match kind {
            KeyKind::String if format.digits == 0 => {
                Self::build(names, in_text_order(n), max_parallelism)
            }
            // Every number padded to the same width: text order is numeric order.
            KeyKind::String if widest <= usize::from(format.digits) => {
                Self::build(names, 0..n, max_parallelism)
            }
            KeyKind::String => {
                // Some numbers outgrow the padding: sort by the text itself (a transient
                // copy of every key's text, only for this unusual spelling).
                let mut order: Vec<u32> = (0..n).collect();
                order.sort_by_cached_key(|i| {
                    let mut text = Vec::with_capacity(format.text_len(*i));
                    format.write(*i, &mut text);
                    text
                });
                Self::build(names, order, max_parallelism)
            }
            KeyKind::Integer => Self::build(names, 0..n, max_parallelism),
        }
    }

    pub fn from_keys(keys: Vec<Key>, max_parallelism: u32) -> Self {
        let mut by_text = std::collections::HashMap::new();
        let mut by_long = std::collections::HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            match k {
                Key::Str(s) => by_text.insert(s.as_str().into(), i as u32),
                Key::Long(v) => by_long.insert(*v, i as u32),
            };
        }
        let mut sorted: Vec<u32> = (0..keys.len() as u32).collect();
        sorted.sort_by(|a, b| keys[*a as usize].cmp(&keys[*b as usize]));
        let names = KeyNames::Table {
            keys,
            by_text,
            by_long,
        };
        Self::build(names, sorted, max_parallelism)
    }

    /// `in_key_order` lists every key index once, in key order; a counting sort by key
    /// group then gives each key group its members in key order.
    fn build(
        names: KeyNames,
        in_key_order: impl IntoIterator<Item = u32>,
        max_parallelism: u32,
    ) -> Self {
        let mut space = Self {
            names,
            key_group: Vec::new(),
            slot: Vec::new(),
            order: Vec::new(),
            starts: Vec::new(),
        };
        let n = space.len();
        let max_p = max_parallelism.max(1);
        space.key_group = (0..n as u32)
            .map(|i| key_group_of_hash(space.key_ref(i).java_hash_code(), max_p) as u16)
            .collect();
        let mut starts = vec![0u32; max_p as usize + 1];
        for kg in &space.key_group {
            starts[usize::from(*kg) + 1] += 1;
        }
        for kg in 0..max_p as usize {
            starts[kg + 1] += starts[kg];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; n];
        let mut slot = vec![0u32; n];
        for i in in_key_order {
            let kg = usize::from(space.key_group[i as usize]);
            order[next[kg] as usize] = i;
            slot[i as usize] = next[kg] - starts[kg];
            next[kg] += 1;
        }
        space.order = order;
        space.slot = slot;
        space.starts = starts;
        space
    }

    pub fn len(&self) -> usize {
        match &self.names {
            KeyNames::Generated { len, .. } => *len as usize,
            KeyNames::Table { keys, .. } => keys.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn max_parallelism(&self) -> u32 {
        self.starts.len() as u32 - 1
    }

    /// A scale model's F (`workload.sample_every`): key `i` is the real key `i × F`, and
    /// record `o` stands for the real job's record `o × F`. 1 otherwise.
    pub fn sample_every(&self) -> u32 {
        match &self.names {
            KeyNames::Generated { stride, .. } => *stride,
            KeyNames::Table { .. } => 1,
        }
    }

    /// The real job's record that the record at `offset` stands for (its offset, as the
    /// `Events` value model writes it). 1:1, the record itself. In a scale model 1:F, record
    /// `o` stands for F real records, `o×F … o×F+F−1`: with keys drawn round robin the
    /// real job's record for the same key is exactly `o×F`; with keys drawn at random any
    /// of the F is, so one is drawn from the seed. Always `o×F` made every offset of a
    /// random draw a multiple of F: event text that compressed up to 12 % better than the
    /// real job's (LZ4 at 1:4 and 1:8, `tests/scale_model.rs`).
    pub fn real_offset(&self, offset: u64, seed: u64) -> u64 {
        match &self.names {
            KeyNames::Generated {
                stride,
                drawn: true,
                ..
            } if *stride > 1 => {
                let f = u64::from(*stride);
                offset * f
                    + crate::engine::rng::draw(seed, crate::engine::rng::Stream::Sample, offset) % f
            }
            _ => offset * u64::from(self.sample_every()),
        }
    }

    /// The key at `index`, without allocating.
    #[inline]
    pub fn key_ref(&self, index: u32) -> KeyRef<'_> {
        match &self.names {
            KeyNames::Generated {
                kind: KeyKind::String,
                format,
                stride,
                ..
            } => KeyRef::Generated {
                format,
                n: index.wrapping_mul(*stride),
            },
            KeyNames::Generated {
                kind: KeyKind::Integer,
                stride,
                ..
            } => KeyRef::Long(i64::from(index) * i64::from(*stride)),
            KeyNames::Table { keys, .. } => match &keys[index as usize] {
                Key::Str(s) => KeyRef::Str(s),
                Key::Long(v) => KeyRef::Long(*v),
            },
        }
    }

    /// The key at `index` as a value (allocates for string keys: for display).
    pub fn key(&self, index: u32) -> Key {
        self.key_ref(index).to_key()
    }

    pub fn key_group(&self, index: u32) -> u32 {
        u32::from(self.key_group[index as usize])
    }

    pub fn slot(&self, index: u32) -> usize {
        self.slot[index as usize] as usize
    }

    /// Key indices of one key group, in key order.
    pub fn members(&self, key_group: u32) -> &[u32] {
        let kg = key_group as usize;
        &self.order[self.starts[kg] as usize..self.starts[kg + 1] as usize]
    }

    pub fn index_of(&self, key: &Key) -> Option<u32> {
        self.index_of_ref(KeyRef::from(key))
    }

    /// The index of a key read back from a snapshot or a trace, without allocating.
    pub fn index_of_ref(&self, key: KeyRef<'_>) -> Option<u32> {
        let index = match (&self.names, key) {
            (KeyNames::Table { by_text, .. }, KeyRef::Str(s)) => return by_text.get(s).copied(),
            (KeyNames::Table { by_long, .. }, KeyRef::Long(v)) => return by_long.get(&v).copied(),
            (KeyNames::Table { by_text, .. }, generated @ KeyRef::Generated { .. }) => {
                return by_text.get(generated.to_string().as_str()).copied()
            }
            (
                KeyNames::Generated {
                    kind: KeyKind::String,
                    format,
                    ..
                },
                KeyRef::Str(s),
            ) => format.parse(s)?,
            (
                KeyNames::Generated {
                    kind: KeyKind::String,
                    format,
                    ..
                },
                KeyRef::Generated { format: theirs, n },
            ) => {
                if theirs != format {
                    return None;
                }
                n
            }
            (
                KeyNames::Generated {
                    kind: KeyKind::Integer,
                    ..
                },
                KeyRef::Long(v),
            ) => u32::try_from(v).ok()?,
            _ => return None,
        };
        // A scale model holds every stride-th real key: the rest are not in its key space.
        let stride = match &self.names {
            KeyNames::Generated { stride, .. } => *stride,
            KeyNames::Table { .. } => 1,
        };
        if index % stride != 0 {
            return None;
        }
        let index = index / stride;
        (index < self.len() as u32).then_some(index)
    }

    /// Heap bytes this key space holds (the memory estimate's per-key figure, measured).
    pub fn heap_bytes(&self) -> u64 {
        let table = match &self.names {
            KeyNames::Generated { .. } => 0,
            KeyNames::Table {
                keys,
                by_text,
                by_long,
            } => {
                let text: usize = keys
                    .iter()
                    .map(|k| match k {
                        Key::Str(s) => 2 * s.len(),
                        Key::Long(_) => 0,
                    })
                    .sum();
                (keys.capacity() * std::mem::size_of::<Key>()
                    + by_text.capacity() * (std::mem::size_of::<(Box<str>, u32)>() + 1)
                    + by_long.capacity() * (std::mem::size_of::<(i64, u32)>() + 1)
                    + text) as u64
            }
        };
        table
            + (self.key_group.capacity() * 2
                + self.slot.capacity() * 4
                + self.order.capacity() * 4
                + self.starts.capacity() * 4) as u64
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
    RoundRobin(u32),
}

impl KeySampler {
    fn new(n: u32, distribution: &KeyDistribution) -> Self {
        match *distribution {
            KeyDistribution::Uniform => KeySampler::Uniform(n),
            KeyDistribution::Zipf { exponent } => {
                let (threshold, alias) =
                    alias_table(n as usize, |r| 1.0 / libm::pow(r as f64 + 1.0, exponent));
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
            KeyDistribution::RoundRobin => KeySampler::RoundRobin(n),
        }
    }

    fn sample(&self, seed: u64, offset: u64) -> u32 {
        // Drawn only by the kinds that draw (a round robin takes no randomness).
        let x = || draw(seed, Stream::Key, offset);
        match self {
            KeySampler::RoundRobin(n) => (offset % u64::from((*n).max(1))) as u32,
            KeySampler::Uniform(n) => below(x(), u64::from(*n)) as u32,
            KeySampler::Alias { threshold, alias } => {
                let x = x();
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
                    below(x(), u64::from(*hot)) as u32
                } else {
                    below(x(), u64::from(*n)) as u32
                }
            }
        }
    }
}

/// Vose's alias method with thresholds scaled to `u32`, so sampling is integer-only.
///
/// `weight(i)` is evaluated twice (for the total, then scaled) instead of being kept: the
/// build's transient memory is 16 bytes per key (scaled weights, work lists), the table
/// 8, and the same operations in the same order give the same table bit for bit.
fn alias_table(n: usize, weight: impl Fn(usize) -> f64) -> (Vec<u32>, Vec<u32>) {
    let total: f64 = (0..n).map(&weight).sum();
    let mut scaled: Vec<f64> = (0..n).map(|i| weight(i) * n as f64 / total).collect();
    let mut threshold = vec![u32::MAX; n];
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|i| scaled[*i as usize] < 1.0);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        let (s, l) = (s as usize, l as usize);
        threshold[s] = (scaled[s] * f64::from(u32::MAX)) as u32;
        alias[s] = l as u32;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l as u32);
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
                KeySpace::sampled(
                    *key_space,
                    config.sample_every,
                    !matches!(distribution, KeyDistribution::RoundRobin),
                    *key_kind,
                    &config.key_format,
                    max_parallelism,
                ),
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
                value: {
                    let ValueRange { min, max } = self.config.values;
                    // `max - min + 1` fits: both are within ±MAX_VALUE_MAGNITUDE.
                    min + below(
                        draw(self.seed, Stream::Value, offset),
                        (max - min) as u64 + 1,
                    ) as i64
                },
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
            ..Default::default()
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
    fn text_order_is_string_order() {
        for n in [0u32, 1, 2, 9, 10, 11, 12, 99, 100, 101, 1000, 1234, 20_000] {
            let mut want: Vec<u32> = (0..n).collect();
            want.sort_by_key(|i| format!("user-{i}"));
            assert_eq!(in_text_order(n).collect::<Vec<_>>(), want, "n = {n}");
        }
    }

    fn format(prefix: &str, digits: u8) -> KeyFormat {
        KeyFormat {
            prefix: prefix.into(),
            digits,
        }
    }

    #[test]
    fn generated_keys_are_placed_as_flink_places_their_strings() {
        let part = crate::engine::partitioning::keygroups::Partitioning::new(1, 128).unwrap();
        // The default spelling, one padded wide enough for every key (numeric order is
        // text order) and one the numbers outgrow (text order must be sorted for).
        let cases = [
            (KeyKind::String, KeyFormat::default()),
            (KeyKind::String, format("key-", 5)),
            (KeyKind::String, format("k", 3)),
            (KeyKind::Integer, KeyFormat::default()),
        ];
        for (kind, f) in cases {
            let ks = KeySpace::generated(3_000, kind, &f, 128);
            let mut seen = 0;
            for kg in 0..128 {
                let members = ks.members(kg);
                seen += members.len();
                for (slot, k) in members.iter().enumerate() {
                    let key = ks.key(*k);
                    assert_eq!(ks.key_ref(*k).java_hash_code(), key.java_hash_code());
                    assert_eq!(part.key_group_of(&key), kg);
                    assert_eq!((ks.key_group(*k), ks.slot(*k)), (kg, slot));
                }
                assert!(members.windows(2).all(|w| ks.key(w[0]) < ks.key(w[1])));
            }
            assert_eq!(seen, 3_000);
        }
    }

    #[test]
    fn alias_table_build_is_unchanged() {
        // The table as built before the build stopped keeping its weights: the same keys
        // must be drawn, or every Zipf run (and the cross-target digest) would change.
        fn reference(weights: &[f64]) -> (Vec<u32>, Vec<u32>) {
            let n = weights.len();
            let total: f64 = weights.iter().sum();
            let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
            let mut threshold = vec![u32::MAX; n];
            let mut alias: Vec<u32> = (0..n as u32).collect();
            let (mut small, mut large): (Vec<usize>, Vec<usize>) =
                (0..n).partition(|i| scaled[*i] < 1.0);
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
        for exponent in [0.0, 0.5, 1.0, 1.2, 3.0] {
            let weight = |r: usize| 1.0 / libm::pow(r as f64 + 1.0, exponent);
            let weights: Vec<f64> = (0..5_000).map(weight).collect();
            assert_eq!(alias_table(5_000, weight), reference(&weights));
        }
    }

    #[test]
    fn generated_keys_round_trip_through_lookup() {
        let ks = KeySpace::generated(50, KeyKind::String, &KeyFormat::default(), 128);
        for i in 0..50 {
            assert_eq!(ks.index_of(&ks.key(i)), Some(i));
        }
        assert_eq!(ks.index_of(&Key::Str("user-50".into())), None);
        assert_eq!(ks.index_of(&Key::Str("user-07".into())), None);
        assert_eq!(ks.index_of(&Key::Str("user-+7".into())), None);
        assert_eq!(ks.index_of(&Key::Long(3)), None);
    }

    #[test]
    fn a_padded_format_reads_back_only_its_own_spelling() {
        let f = format("key-", 5);
        let ks = KeySpace::generated(200_000, KeyKind::String, &f, 128);
        assert_eq!(ks.key(7), Key::Str("key-00007".into()));
        assert_eq!(ks.key(123_456), Key::Str("key-123456".into()));
        assert_eq!(ks.index_of(&Key::Str("key-00007".into())), Some(7));
        assert_eq!(ks.index_of(&Key::Str("key-123456".into())), Some(123_456));
        for other in ["key-7", "key-000007", "user-7", "key-0000a", "key-"] {
            assert_eq!(ks.index_of(&Key::Str(other.into())), None, "{other}");
        }
        // A key of another format is another key.
        let theirs = KeyFormat::default();
        assert_eq!(
            ks.index_of_ref(KeyRef::Generated {
                format: &theirs,
                n: 7
            }),
            None
        );
    }

    #[test]
    fn round_robin_visits_every_key_in_turn_whatever_the_seed() {
        let mut c = generated(KeyDistribution::RoundRobin);
        c.source = SourceConfig::Generated {
            key_space: 7,
            distribution: KeyDistribution::RoundRobin,
            key_kind: KeyKind::String,
        };
        for seed in [1, 2, 99] {
            let w = Workload::new(&c, seed, 128, None);
            for o in 0..50 {
                assert_eq!(w.record(o).key, (o % 7) as u32);
            }
        }
    }

    #[test]
    fn the_default_values_are_drawn_as_before_they_had_a_range() {
        // Every digest and recorded figure rests on this draw.
        let w = Workload::new(&generated(KeyDistribution::Uniform), 4, 128, None);
        for o in 0..1_000 {
            let old = below(draw(4, Stream::Value, o), 1000) as i64 + 1;
            assert_eq!(w.record(o).value, old);
        }
    }

    #[test]
    fn values_stay_in_their_range_and_reach_both_ends() {
        for (min, max) in [
            (1, 1),
            (-5, 5),
            (0, 3),
            (-MAX_VALUE_MAGNITUDE, MAX_VALUE_MAGNITUDE),
        ] {
            let mut c = generated(KeyDistribution::Uniform);
            c.values = ValueRange { min, max };
            let w = Workload::new(&c, 8, 128, None);
            let values: Vec<i64> = (0..2_000).map(|o| w.record(o).value).collect();
            assert!(
                values.iter().all(|v| (min..=max).contains(v)),
                "{min}..={max}"
            );
            if max - min < 10 {
                assert!(
                    values.contains(&min) && values.contains(&max),
                    "{min}..={max}"
                );
            }
        }
    }

    #[test]
    fn generation_settings_are_checked_by_name() {
        let refused = |c: &WorkloadConfig| -> Vec<String> {
            c.check_generation().into_iter().map(|(f, _)| f).collect()
        };
        let mut c = generated(KeyDistribution::Uniform);
        assert!(refused(&c).is_empty());
        c.key_format = format("clé-", 0);
        assert_eq!(refused(&c), ["key_format.prefix"]);
        c.key_format = format(&"x".repeat(MAX_KEY_PREFIX + 1), 0);
        assert_eq!(refused(&c), ["key_format.prefix"]);
        c.key_format = format("k", MAX_KEY_DIGITS + 1);
        assert_eq!(refused(&c), ["key_format.digits"]);
        c.key_format = format("k", MAX_KEY_DIGITS);
        c.values = ValueRange { min: 2, max: 1 };
        assert_eq!(refused(&c), ["values.min"]);
        c.values = ValueRange {
            min: 0,
            max: MAX_VALUE_MAGNITUDE + 1,
        };
        assert_eq!(refused(&c), ["values.max"]);
        c.values = ValueRange::default();
        c.source = SourceConfig::Generated {
            key_space: 10,
            distribution: KeyDistribution::Uniform,
            key_kind: KeyKind::Integer,
        };
        assert_eq!(refused(&c), ["key_format"]);
        c.key_format = KeyFormat::default();
        assert!(refused(&c).is_empty());
        c.source = SourceConfig::Trace;
        c.values = ValueRange { min: 1, max: 1 };
        assert_eq!(refused(&c), ["values"]);
    }

    proptest::proptest! {
        /// Every spelling the format check accepts writes, measures, parses and hashes
        /// (as Java's `String.hashCode`) the same text.
        #[test]
        fn a_key_format_agrees_with_its_own_text(
            prefix in "[ -~]{0,12}",
            digits in 0u8..=MAX_KEY_DIGITS,
            n in proptest::prelude::any::<u32>(),
        ) {
            let f = format(&prefix, digits);
            proptest::prop_assert!(f.check().is_ok());
            let key = KeyRef::Generated { format: &f, n };
            let text = key.to_string();
            let mut written = Vec::new();
            f.write(n, &mut written);
            proptest::prop_assert_eq!(&written, text.as_bytes());
            proptest::prop_assert_eq!(f.text_len(n), text.len());
            proptest::prop_assert_eq!(
                key.java_hash_code(),
                crate::engine::partitioning::keygroups::java_string_hash(&text)
            );
            proptest::prop_assert_eq!(f.parse(&text), Some(n));
        }
    }
}
