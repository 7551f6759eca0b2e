//! Counter-based randomness: every draw is a pure function of (seed, stream, index).
//!
//! The record at offset `i` must be the same whether it is produced the first time or
//! replayed after a rewind, so the workload never carries RNG state: it asks for
//! `draw(seed, stream, i)`. SplitMix64's finaliser gives well-mixed 64-bit outputs and
//! is identical on every target.

/// SplitMix64's output function.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Independent streams so that, say, the key and the value of one record are not correlated.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Stream {
    Key = 1,
    Value = 2,
    HotSet = 3,
    Payload = 4,
    Fault = 5,
    /// The checkpoint scheduler's random initial delay, one draw per scheduler start.
    Schedule = 6,
    /// Which of the F real records a scale model's record stands for (its event's offset).
    Sample = 7,
}

pub fn draw(seed: u64, stream: Stream, index: u64) -> u64 {
    mix64(seed ^ mix64(index ^ (stream as u64).wrapping_mul(0xd6e8_feb8_6659_fd93)))
}

/// Uniform in `[0, 1)` with 53 bits of precision.
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in `[0, n)` without modulo bias worth worrying about (Lemire's multiply-shift).
pub fn below(x: u64, n: u64) -> u64 {
    ((u128::from(x) * u128::from(n)) >> 64) as u64
}

/// A small sequential generator for places where a sequence, not random access, is natural
/// (filling a payload, building tables).
#[derive(Clone, Debug)]
pub struct SeqRng(u64);

impl SeqRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_pure_and_streams_differ() {
        assert_eq!(draw(7, Stream::Key, 42), draw(7, Stream::Key, 42));
        assert_ne!(draw(7, Stream::Key, 42), draw(7, Stream::Value, 42));
        assert_ne!(draw(7, Stream::Key, 42), draw(8, Stream::Key, 42));
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut seen = [false; 10];
        for i in 0..1000 {
            let v = below(draw(1, Stream::Key, i), 10);
            assert!(v < 10);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
