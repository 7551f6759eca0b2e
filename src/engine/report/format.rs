//! Numbers as people read them: one module and one convention for the whole lab, so the
//! same quantity reads the same in the inspector, the history, the pipeline and the
//! messages.
//!
//! - **Bytes** are binary units written as IEC: `B`, `KiB`, `MiB`, `GiB`, … (base 1024, as
//!   Flink's web UI divides), with three significant digits: enough to compare at a
//!   glance. Where precision matters (the inspector, a history row's details) the exact
//!   count follows: `158 KiB (161 834 B)`.
//! - **Link bandwidth** stays in Mbit/s, decimal, as networks are quoted; it is a setting
//!   and is shown as typed (see `fields::numbers::fmt_f64`).
//! - **Counts** are grouped by threes with a narrow no-break space (a thin space that
//!   never breaks a number across lines): `1 234 567`.
//! - **Durations** pick their unit (`850 µs`, `12.3 ms`, `1.25 s`, `2 min 05 s`); points
//!   on the virtual clock read `12.345 s` or `3:02.345`.
//!
//! Values that are not numbers (NaN, ∞) read as a dash rather than as `NaN`.

/// What a value that cannot be shown reads as.
pub const DASH: &str = "—";

/// Between groups of three digits: U+202F NARROW NO-BREAK SPACE.
pub const DIGIT_GROUP: char = '\u{202f}';

const BYTE_UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// `830 B`, `1.50 KiB`, `158 KiB`, `12.3 MiB`: binary units, three significant digits.
pub fn bytes(n: u64) -> String {
    // u64 → f64 loses precision only far beyond three significant digits.
    bytes_f(n as f64)
}

/// [`bytes`] for a measured average or a rate's numerator, which need not be whole.
pub fn bytes_f(n: f64) -> String {
    if !n.is_finite() {
        return DASH.into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let mut value = n.abs();
    if value.round() < 1024.0 {
        return format!("{sign}{value:.0} B");
    }
    let mut unit = 0;
    // Up a unit while the value, as it would be shown, reaches 1024: 1023.7 KiB reads
    // 1.00 MiB, never 1024 KiB.
    while unit + 1 < BYTE_UNITS.len() && shown_sig3(value) >= 1024.0 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{sign}{} {}", sig3(value), BYTE_UNITS[unit])
}

/// The exact count: `161 834 B`.
pub fn exact_bytes(n: u64) -> String {
    format!("{} B", count(n))
}

/// Both, where precision matters: `158 KiB (161 834 B)`; below 1 KiB only `830 B`.
pub fn bytes_in_detail(n: u64) -> String {
    if n < 1024 {
        exact_bytes(n)
    } else {
        format!("{} ({})", bytes(n), exact_bytes(n))
    }
}

/// Bytes per second: `1.50 MiB/s`.
pub fn byte_rate(bytes_per_s: f64) -> String {
    format!("{}/s", bytes_f(bytes_per_s))
}

/// Three significant digits without trailing noise: `1.23`, `12.3`, `123`, `1234`.
/// The number of decimals is chosen after rounding, so 9.996 reads `10.0` and 99.96
/// reads `100`, never `10.00` or `100.0`.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return DASH.into();
    }
    let decimals = decimals_for_sig3(v.abs());
    format!("{v:.decimals$}")
}

fn decimals_for_sig3(a: f64) -> usize {
    let round_to = |d: i32| (a * 10f64.powi(d)).round() / 10f64.powi(d);
    if round_to(2) < 10.0 {
        2
    } else if round_to(1) < 100.0 {
        1
    } else {
        0
    }
}

/// The value [`sig3`] shows, as a number.
fn shown_sig3(a: f64) -> f64 {
    let d = decimals_for_sig3(a) as i32;
    (a * 10f64.powi(d)).round() / 10f64.powi(d)
}

/// A duration in microseconds: `850 µs`, `12.3 ms`, `1.25 s`, `2 min 05 s`.
pub fn duration_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 && shown_sig3(us as f64 / 1e3) < 1_000.0 {
        format!("{} ms", sig3(us as f64 / 1e3))
    } else if us < 60_000_000 && shown_sig3(us as f64 / 1e6) < 60.0 {
        format!("{} s", sig3(us as f64 / 1e6))
    } else {
        // Whole seconds past a minute, rounded like the shorter forms.
        let s = us / 1_000_000 + u64::from(us % 1_000_000 >= 500_000);
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// [`duration_us`], or a dash for a duration not measured (yet).
pub fn duration_opt(us: Option<u64>) -> String {
    us.map_or_else(|| DASH.into(), duration_us)
}

/// A point on the virtual clock: `12.345 s`, or `3:02.345` past a minute.
pub fn at(us: u64) -> String {
    let ms = us / 1_000;
    let (m, s, frac) = (ms / 60_000, (ms / 1_000) % 60, ms % 1_000);
    if m == 0 {
        format!("{s}.{frac:03} s")
    } else {
        format!("{m}:{s:02}.{frac:03}")
    }
}

/// A count grouped by threes: `1 234 567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(DIGIT_GROUP);
        }
        out.push(ch);
    }
    out
}

/// Things per second, with a decimal prefix (records are counted, not sized):
/// `830/s`, `5.00k/s`, `1.20M/s`.
pub fn per_second(rate: f64) -> String {
    if !rate.is_finite() {
        return DASH.into();
    }
    let a = rate.abs();
    if a.round() < 1_000.0 {
        format!("{rate:.0}/s")
    } else if shown_sig3(a / 1e3) < 1_000.0 {
        format!("{}k/s", sig3(rate / 1e3))
    } else {
        format!("{}M/s", sig3(rate / 1e6))
    }
}

/// A speed factor: `0.01×`, `0.5×`, `2×`, `64×`.
pub fn speed(factor: f64) -> String {
    if !factor.is_finite() {
        return DASH.into();
    }
    if factor >= 10.0 {
        return format!("{factor:.0}×");
    }
    let text = if factor >= 1.0 {
        format!("{factor:.2}")
    } else {
        format!("{factor:.3}")
    };
    format!("{}×", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A compression ratio raw / encoded: `3.14×`; a dash when nothing was encoded.
pub fn ratio(raw: u64, encoded: u64) -> String {
    if encoded == 0 {
        DASH.into()
    } else {
        times(raw as f64 / encoded as f64)
    }
}

/// A factor: `3.14×`.
pub fn times(factor: f64) -> String {
    if factor.is_finite() {
        format!("{}×", sig3(factor))
    } else {
        DASH.into()
    }
}

/// A fraction as a percentage: `12.3 %`.
pub fn percent(fraction: f64) -> String {
    if fraction.is_finite() {
        format!("{} %", sig3(fraction * 100.0))
    } else {
        DASH.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a thin-space-grouped expectation readably: `"1_234"` → `"1\u{202f}234"`.
    fn g(s: &str) -> String {
        s.replace('_', &DIGIT_GROUP.to_string())
    }

    #[test]
    fn bytes_in_iec_units_with_three_significant_digits() {
        let cases: &[(u64, &str)] = &[
            (0, "0 B"),
            (1, "1 B"),
            (830, "830 B"),
            (1023, "1023 B"),
            (1024, "1.00 KiB"),
            (1536, "1.50 KiB"),
            (10 * 1024 - 1, "10.0 KiB"),
            (161_834, "158 KiB"),
            (1024 * 1024 - 1, "1.00 MiB"),
            (1024 * 1024, "1.00 MiB"),
            (12_900_000, "12.3 MiB"),
            (5 * 1024 * 1024 * 1024, "5.00 GiB"),
            (3 << 40, "3.00 TiB"),
            (1 << 50, "1.00 PiB"),
            (u64::MAX, "16.0 EiB"),
        ];
        for (n, want) in cases {
            assert_eq!(bytes(*n), *want, "bytes({n})");
        }
    }

    #[test]
    fn bytes_of_measured_values() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0 B"),
            (0.4, "0 B"),
            (1023.4, "1023 B"),
            (1023.6, "1.00 KiB"),
            (-1536.0, "-1.50 KiB"),
            (f64::NAN, DASH),
            (f64::INFINITY, DASH),
            (f64::NEG_INFINITY, DASH),
        ];
        for (n, want) in cases {
            assert_eq!(bytes_f(*n), *want, "bytes_f({n})");
        }
        assert_eq!(byte_rate(1.5 * 1024.0 * 1024.0), "1.50 MiB/s");
        assert_eq!(byte_rate(f64::NAN), "—/s");
    }

    #[test]
    fn exact_bytes_are_grouped_by_threes() {
        let cases: &[(u64, &str)] = &[
            (0, "0 B"),
            (1023, "1_023 B"),
            (1024, "1_024 B"),
            (161_834, "161_834 B"),
            (u64::MAX, "18_446_744_073_709_551_615 B"),
        ];
        for (n, want) in cases {
            assert_eq!(exact_bytes(*n), g(want), "exact_bytes({n})");
        }
        assert_eq!(bytes_in_detail(830), "830 B");
        assert_eq!(bytes_in_detail(1023), g("1_023 B"));
        assert_eq!(bytes_in_detail(1024), g("1.00 KiB (1_024 B)"));
        assert_eq!(bytes_in_detail(161_834), g("158 KiB (161_834 B)"));
    }

    #[test]
    fn three_significant_digits_round_before_choosing_decimals() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.00"),
            (1.0, "1.00"),
            (1.234, "1.23"),
            (9.996, "10.0"),
            (12.34, "12.3"),
            (99.96, "100"),
            (123.4, "123"),
            (1023.7, "1024"),
            (-1.5, "-1.50"),
            (f64::NAN, DASH),
        ];
        for (v, want) in cases {
            assert_eq!(sig3(*v), *want, "sig3({v})");
        }
    }

    #[test]
    fn durations_pick_their_unit() {
        let cases: &[(u64, &str)] = &[
            (0, "0 µs"),
            (1, "1 µs"),
            (999, "999 µs"),
            (1_000, "1.00 ms"),
            (1_023, "1.02 ms"),
            (12_345, "12.3 ms"),
            (999_999, "1.00 s"),
            (1_250_000, "1.25 s"),
            (5_000_000, "5.00 s"),
            (59_999_999, "1 min 00 s"),
            (60_000_000, "1 min 00 s"),
            (125_000_000, "2 min 05 s"),
            (u64::MAX, "307445734561 min 50 s"),
        ];
        for (us, want) in cases {
            assert_eq!(duration_us(*us), *want, "duration_us({us})");
        }
        assert_eq!(duration_opt(None), DASH);
        assert_eq!(duration_opt(Some(1_500)), "1.50 ms");
    }

    #[test]
    fn points_on_the_virtual_clock() {
        let cases: &[(u64, &str)] = &[
            (0, "0.000 s"),
            (999, "0.000 s"),
            (12_345_678, "12.345 s"),
            (59_999_999, "59.999 s"),
            (60_000_000, "1:00.000"),
            (182_345_000, "3:02.345"),
            (u64::MAX, "307445734561:49.551"),
        ];
        for (us, want) in cases {
            assert_eq!(at(*us), *want, "at({us})");
        }
    }

    #[test]
    fn counts_are_grouped_by_threes() {
        let cases: &[(u64, &str)] = &[
            (0, "0"),
            (999, "999"),
            (1_000, "1_000"),
            (1_023, "1_023"),
            (1_024, "1_024"),
            (1_234_567, "1_234_567"),
            (u64::MAX, "18_446_744_073_709_551_615"),
        ];
        for (n, want) in cases {
            assert_eq!(count(*n), g(want), "count({n})");
        }
    }

    #[test]
    fn rates_of_things_use_decimal_prefixes() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0/s"),
            (830.0, "830/s"),
            (999.4, "999/s"),
            (999.6, "1.00k/s"),
            (1_024.0, "1.02k/s"),
            (5_000.0, "5.00k/s"),
            (100_000.0, "100k/s"),
            (999_999.0, "1.00M/s"),
            (1_200_000.0, "1.20M/s"),
            (f64::NAN, DASH),
        ];
        for (r, want) in cases {
            assert_eq!(per_second(*r), *want, "per_second({r})");
        }
    }

    #[test]
    fn speeds_ratios_and_percentages() {
        let speeds: &[(f64, &str)] = &[
            (0.01, "0.01×"),
            (0.5, "0.5×"),
            (1.0, "1×"),
            (1.25, "1.25×"),
            (2.0, "2×"),
            (64.0, "64×"),
            (100.0, "100×"),
            (f64::NAN, DASH),
        ];
        for (s, want) in speeds {
            assert_eq!(speed(*s), *want, "speed({s})");
        }
        assert_eq!(ratio(314, 100), "3.14×");
        assert_eq!(ratio(100, 100), "1.00×");
        assert_eq!(ratio(1, 0), DASH);
        assert_eq!(ratio(u64::MAX, 1), "18446744073709551616×");
        assert_eq!(times(f64::NAN), DASH);
        assert_eq!(percent(0.123_4), "12.3 %");
        assert_eq!(percent(0.0), "0.00 %");
        assert_eq!(percent(f64::NAN), DASH);
    }
}
