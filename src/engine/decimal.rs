//! Decimal text without allocating: generated keys (`user-17`) and events are rendered
//! whenever a snapshot is written instead of being kept as text, so this runs for every
//! key and event of every checkpoint and has to keep pace with the compressor.

/// "00" "01" … "99": two digits per step halves the divisions.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Number of decimal digits of `v` (1 for 0).
#[inline]
pub fn len_u64(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Number of characters of `v` in decimal, with a minus sign when negative.
pub fn len_i64(v: i64) -> usize {
    usize::from(v < 0) + len_u64(v.unsigned_abs())
}

/// Writes the digits of `v` at the end of `buf` and returns where they start.
pub fn write_u64(buf: &mut [u8; 20], mut v: u64) -> usize {
    let mut i = buf.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    i
}

/// Writes the digits of `v` into `dst`, which must be exactly [`len_u64`]`(v)` long: a
/// caller that knows the length writes a whole record into one stack buffer and appends
/// it with a single copy.
#[inline]
pub fn write_exact(dst: &mut [u8], mut v: u64) {
    let mut i = dst.len();
    // Four digits a step: the two pairs of a step do not wait on each other.
    while i >= 4 {
        let four = (v % 10_000) as usize;
        v /= 10_000;
        let (hi, lo) = (four / 100 * 2, four % 100 * 2);
        dst[i - 4..i - 2].copy_from_slice(&PAIRS[hi..hi + 2]);
        dst[i - 2..i].copy_from_slice(&PAIRS[lo..lo + 2]);
        i -= 4;
    }
    if i >= 2 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        dst[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
        i -= 2;
    }
    if i == 1 {
        dst[0] = b'0' + (v % 10) as u8;
    }
}

/// Appends the digits of `v`.
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let start = write_u64(&mut buf, v);
    out.extend_from_slice(&buf[start..]);
}

/// Appends `v` with a minus sign when negative.
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    push_u64(out, v.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edges() {
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            u64::MAX / 10,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            push_u64(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes());
            assert_eq!(len_u64(v), out.len());
        }
        let mut out = Vec::new();
        push_i64(&mut out, i64::MIN);
        assert_eq!(out, i64::MIN.to_string().as_bytes());
        assert_eq!(len_i64(i64::MIN), out.len());
    }

    proptest! {
        #[test]
        fn exact_writes_match_std(v in any::<u64>()) {
            let mut dst = vec![0u8; len_u64(v)];
            write_exact(&mut dst, v);
            prop_assert_eq!(String::from_utf8(dst).unwrap(), v.to_string());
        }

        #[test]
        fn matches_std(v in any::<i64>()) {
            let mut out = Vec::new();
            push_i64(&mut out, v);
            prop_assert_eq!(String::from_utf8(out.clone()).unwrap(), v.to_string());
            prop_assert_eq!(len_i64(v), out.len());
        }
    }
}
