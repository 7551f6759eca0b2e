//! Flink's key → key group → subtask assignment, bit for bit.
//!
//! Mirrors `KeyGroupRangeAssignment` and `MathUtils.murmurHash` so a key lands in
//! the same key group and on the same subtask as it would in a real Flink job.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Flink's upper bound for `pipeline.max-parallelism` (`Short.MAX_VALUE + 1`).
pub const UPPER_BOUND_MAX_PARALLELISM: u32 = 1 << 15;
/// The floor Flink applies when it derives a default max parallelism.
pub const DEFAULT_LOWER_BOUND_MAX_PARALLELISM: u32 = 1 << 7;

/// A record key: Flink jobs here key by a `String` or a `Long`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Key {
    Str(String),
    Long(i64),
}

impl Key {
    /// Java's `hashCode()` of the key as the JVM computes it.
    pub fn java_hash_code(&self) -> i32 {
        match self {
            Key::Str(s) => java_string_hash(s),
            Key::Long(v) => java_long_hash(*v),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Str(s) => f.write_str(s),
            Key::Long(v) => write!(f, "{v}"),
        }
    }
}

/// `String.hashCode()`: `31*h + c` over UTF-16 code units, wrapping.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `Long.hashCode()`: `(int)(v ^ (v >>> 32))`.
pub fn java_long_hash(v: i64) -> i32 {
    let bits = v as u64;
    (bits ^ (bits >> 32)) as u32 as i32
}

/// Flink's `MathUtils.murmurHash(int)`: one murmur3 round plus finaliser, made
/// non-negative the way Flink does it (`Integer.MIN_VALUE` maps to 0).
pub fn flink_murmur_hash(code: i32) -> i32 {
    let mut h = code.wrapping_mul(0xcc9e_2d51_u32 as i32);
    h = h.rotate_left(15);
    h = h.wrapping_mul(0x1b87_3593);
    h = h.rotate_left(13);
    h = h.wrapping_mul(5).wrapping_add(0xe654_6b64_u32 as i32);
    h ^= 4;
    h = fmix(h);
    if h >= 0 {
        h
    } else if h == i32::MIN {
        0
    } else {
        -h
    }
}

fn fmix(mut h: i32) -> i32 {
    h ^= ((h as u32) >> 16) as i32;
    h = h.wrapping_mul(0x85eb_ca6b_u32 as i32);
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(0xc2b2_ae35_u32 as i32);
    h ^= ((h as u32) >> 16) as i32;
    h
}

/// A validated pair of parallelism and max parallelism (the number of key groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partitioning {
    parallelism: u32,
    max_parallelism: u32,
}

/// Why a parallelism / max parallelism pair is not one Flink would accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitioningError {
    ParallelismZero,
    MaxParallelismOutOfRange(u32),
    ParallelismAboveMax {
        parallelism: u32,
        max_parallelism: u32,
    },
}

impl fmt::Display for PartitioningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitioningError::ParallelismZero => {
                write!(f, "parallelism.default must be at least 1")
            }
            PartitioningError::MaxParallelismOutOfRange(m) => write!(
                f,
                "pipeline.max-parallelism must be between 1 and {UPPER_BOUND_MAX_PARALLELISM}, got {m}"
            ),
            PartitioningError::ParallelismAboveMax {
                parallelism,
                max_parallelism,
            } => write!(
                f,
                "parallelism.default ({parallelism}) must not exceed pipeline.max-parallelism ({max_parallelism})"
            ),
        }
    }
}

impl std::error::Error for PartitioningError {}

impl Partitioning {
    pub fn new(parallelism: u32, max_parallelism: u32) -> Result<Self, PartitioningError> {
        if parallelism == 0 {
            return Err(PartitioningError::ParallelismZero);
        }
        if max_parallelism == 0 || max_parallelism > UPPER_BOUND_MAX_PARALLELISM {
            return Err(PartitioningError::MaxParallelismOutOfRange(max_parallelism));
        }
        if parallelism > max_parallelism {
            return Err(PartitioningError::ParallelismAboveMax {
                parallelism,
                max_parallelism,
            });
        }
        Ok(Self {
            parallelism,
            max_parallelism,
        })
    }

    /// Uses Flink's default max parallelism for `parallelism` when none is given.
    pub fn with_default_max(
        parallelism: u32,
        max_parallelism: Option<u32>,
    ) -> Result<Self, PartitioningError> {
        if parallelism == 0 {
            return Err(PartitioningError::ParallelismZero);
        }
        let max = max_parallelism.unwrap_or_else(|| default_max_parallelism(parallelism));
        Self::new(parallelism, max)
    }

    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    pub fn max_parallelism(&self) -> u32 {
        self.max_parallelism
    }

    pub fn key_group_of(&self, key: &Key) -> u32 {
        key_group_of_hash(key.java_hash_code(), self.max_parallelism)
    }

    /// `KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup`.
    pub fn subtask_of_key_group(&self, key_group: u32) -> u32 {
        (u64::from(key_group) * u64::from(self.parallelism) / u64::from(self.max_parallelism))
            as u32
    }

    /// `KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex`, inclusive bounds.
    pub fn key_group_range(&self, subtask: u32) -> KeyGroupRange {
        let (i, p, m) = (
            u64::from(subtask),
            u64::from(self.parallelism),
            u64::from(self.max_parallelism),
        );
        KeyGroupRange {
            // Flink writes this as `(i * maxP + p - 1) / p`.
            start: (i * m).div_ceil(p) as u32,
            end: (((i + 1) * m - 1) / p) as u32,
        }
    }

    pub fn with_parallelism(&self, parallelism: u32) -> Result<Self, PartitioningError> {
        Self::new(parallelism, self.max_parallelism)
    }
}

/// `murmurHash(hashCode) % maxParallelism`.
pub fn key_group_of_hash(java_hash_code: i32, max_parallelism: u32) -> u32 {
    flink_murmur_hash(java_hash_code) as u32 % max_parallelism
}

/// Inclusive range of key groups owned by one subtask. Empty when `start > end`
/// (cannot happen for valid partitionings, but the type does not assume it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGroupRange {
    pub start: u32,
    pub end: u32,
}

impl KeyGroupRange {
    pub fn contains(&self, key_group: u32) -> bool {
        (self.start..=self.end).contains(&key_group)
    }

    pub fn len(&self) -> u32 {
        (self.end + 1).saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> std::ops::RangeInclusive<u32> {
        self.start..=self.end
    }
}

/// `KeyGroupRangeAssignment.computeDefaultMaxParallelism`:
/// `min(max(roundUpToPowerOfTwo(p + p/2), 128), 32768)`.
pub fn default_max_parallelism(parallelism: u32) -> u32 {
    let wanted = parallelism.saturating_add(parallelism / 2);
    wanted
        .checked_next_power_of_two()
        .unwrap_or(UPPER_BOUND_MAX_PARALLELISM)
        .clamp(
            DEFAULT_LOWER_BOUND_MAX_PARALLELISM,
            UPPER_BOUND_MAX_PARALLELISM,
        )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// `user-0`, `user-1`, … hashed as Java `String`s.
    String,
    /// `0`, `1`, … hashed as Java `Long`s.
    Integer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_max_parallelism_follows_flink_rule() {
        assert_eq!(default_max_parallelism(1), 128);
        assert_eq!(default_max_parallelism(85), 128);
        assert_eq!(default_max_parallelism(86), 256);
        assert_eq!(default_max_parallelism(1000), 2048);
        assert_eq!(default_max_parallelism(30000), 32768);
    }

    #[test]
    fn invalid_partitionings_are_named() {
        assert_eq!(
            Partitioning::new(0, 128),
            Err(PartitioningError::ParallelismZero)
        );
        assert_eq!(
            Partitioning::new(4, 40000),
            Err(PartitioningError::MaxParallelismOutOfRange(40000))
        );
        let err = Partitioning::new(200, 128).unwrap_err();
        assert!(err.to_string().contains("parallelism.default (200)"));
    }

    #[test]
    fn murmur_of_min_value_is_non_negative() {
        for code in [i32::MIN, i32::MAX, -1, 0, 1] {
            assert!(flink_murmur_hash(code) >= 0);
        }
    }
}
