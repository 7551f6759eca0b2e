//! Numbers as people read them: bytes, durations, rates and the virtual clock. Shared by
//! every view so the same quantity reads the same everywhere.

/// `1.2 MB`, `830 B`: decimal units, as link bandwidths and Flink's UI use.
pub fn bytes(b: u64) -> String {
    let b = b as f64;
    if b < 1_000.0 {
        format!("{b:.0} B")
    } else if b < 1_000_000.0 {
        format!("{:.1} kB", b / 1_000.0)
    } else if b < 1_000_000_000.0 {
        format!("{:.1} MB", b / 1_000_000.0)
    } else {
        format!("{:.2} GB", b / 1_000_000_000.0)
    }
}

/// A virtual duration: `850 µs`, `12.3 ms`, `4.20 s`.
pub fn duration_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1_000.0)
    } else {
        format!("{:.2} s", us as f64 / 1_000_000.0)
    }
}

/// The virtual clock, in seconds with milliseconds: `12.345 s`.
pub fn clock(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1_000) % 1_000)
}

/// A large count with thin grouping: `1 234 567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// A rate per second with a short unit: `5.0k/s`, `1.2M/s`, `830/s`.
pub fn per_second(rate: f64) -> String {
    if rate >= 1_000_000.0 {
        format!("{:.1}M/s", rate / 1_000_000.0)
    } else if rate >= 1_000.0 {
        format!("{:.1}k/s", rate / 1_000.0)
    } else {
        format!("{rate:.0}/s")
    }
}

/// A speed factor: `0.01×`, `0.5×`, `2×`, `64×`.
pub fn speed(factor: f64) -> String {
    if factor >= 10.0 {
        format!("{factor:.0}×")
    } else if factor >= 1.0 {
        let s = format!("{factor:.2}");
        format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
    } else {
        let s = format!("{factor:.3}");
        format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
    }
}
