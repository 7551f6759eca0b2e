//! Numbers as people read them: binary byte units, durations that pick their own unit,
//! virtual timestamps. Shared by the controls and the metrics region.

/// `1536` → `1.5 KiB`. Three significant digits are enough to compare at a glance.
pub fn bytes(n: u64) -> String {
    bytes_f(n as f64)
}

pub fn bytes_f(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if !n.is_finite() {
        return "—".into();
    }
    let mut v = n.abs();
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    let sign = if n < 0.0 { "-" } else { "" };
    if u == 0 {
        format!("{sign}{v:.0} B")
    } else {
        format!("{sign}{} {}", sig3(v), UNITS[u])
    }
}

pub fn rate(bytes_per_s: f64) -> String {
    format!("{}/s", bytes_f(bytes_per_s))
}

/// Three significant digits without trailing noise: 1.23, 12.3, 123.
pub fn sig3(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A duration in microseconds: `850 µs`, `12.3 ms`, `1.25 s`, `2 min 05 s`.
pub fn duration_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{} ms", sig3(us as f64 / 1e3))
    } else if us < 60_000_000 {
        format!("{} s", sig3(us as f64 / 1e6))
    } else {
        let s = us / 1_000_000;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

pub fn duration_opt(us: Option<u64>) -> String {
    us.map_or_else(|| "—".into(), duration_us)
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

/// A count with thin-space thousands separators, readable from the back of a room.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

/// A compression ratio raw / encoded: `3.14×`.
pub fn ratio(raw: u64, encoded: u64) -> String {
    if encoded == 0 {
        "—".into()
    } else {
        format!("{}×", sig3(raw as f64 / encoded as f64))
    }
}
