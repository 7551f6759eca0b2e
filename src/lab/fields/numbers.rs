//! Numbers as typed into a field: parsers with messages a person can act on, and the
//! formatting that reads back what was typed. A field's text round-trips through these,
//! so they are not the display formatting of `lab::format`.

/// A whole number ≥ 0; `_` may group digits (`100_000`).
pub fn parse_u64(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("enter a whole number".into());
    }
    t.parse::<u64>().map_err(|_| {
        if t.parse::<f64>().is_ok() {
            format!("`{text}` is not a whole number ≥ 0")
        } else {
            format!("`{text}` is not a number")
        }
    })
}

pub fn parse_u32(text: &str) -> Result<u32, String> {
    let v = parse_u64(text)?;
    u32::try_from(v).map_err(|_| format!("{v} is too large"))
}

/// A whole number, negative or not; `_` may group digits.
pub fn parse_i64(text: &str) -> Result<i64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("enter a whole number".into());
    }
    t.parse::<i64>().map_err(|_| {
        if t.parse::<f64>().is_ok() {
            format!("`{text}` is not a whole number")
        } else {
            format!("`{text}` is not a number")
        }
    })
}

/// A finite number; `_` may group digits.
pub fn parse_f64(text: &str) -> Result<f64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("enter a number".into());
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{text}` is not a number")),
    }
}

/// A seed: any whole number a `u64` holds.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    t.parse::<u64>().map_err(|_| {
        format!(
            "“{t}” is not a seed: use a whole number from 0 to {}",
            u64::MAX
        )
    })
}

/// Formats a number without a trailing ".0" and without float noise.
pub fn fmt_f64(v: f64) -> String {
    let rounded = (v * 1e6).round() / 1e6;
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers() {
        let cases: &[(&str, Result<u64, &str>)] = &[
            ("0", Ok(0)),
            (" 42 ", Ok(42)),
            ("100_000", Ok(100_000)),
            ("18446744073709551615", Ok(u64::MAX)),
            ("", Err("enter a whole number")),
            ("   ", Err("enter a whole number")),
            ("1.5", Err("`1.5` is not a whole number ≥ 0")),
            ("-3", Err("`-3` is not a whole number ≥ 0")),
            ("four", Err("`four` is not a number")),
            ("18446744073709551616", Err("is not a whole number ≥ 0")),
        ];
        for (text, want) in cases {
            match (parse_u64(text), want) {
                (Ok(v), Ok(w)) => assert_eq!(v, *w, "{text:?}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{text:?}: {e}"),
                (got, _) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(parse_u32("4294967295"), Ok(u32::MAX));
        assert_eq!(
            parse_u32("4294967296"),
            Err("4294967296 is too large".into())
        );
    }

    #[test]
    fn decimal_numbers() {
        let cases: &[(&str, Result<f64, &str>)] = &[
            ("0", Ok(0.0)),
            ("2.5", Ok(2.5)),
            (" -1e3 ", Ok(-1000.0)),
            ("1_000.5", Ok(1000.5)),
            ("", Err("enter a number")),
            ("NaN", Err("`NaN` is not a number")),
            ("inf", Err("`inf` is not a number")),
            ("fast", Err("`fast` is not a number")),
        ];
        for (text, want) in cases {
            match (parse_f64(text), want) {
                (Ok(v), Ok(w)) => assert_eq!(v, *w, "{text:?}"),
                (Err(e), Err(w)) => assert_eq!(e, *w, "{text:?}"),
                (got, _) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn seeds() {
        let cases: &[(&str, Result<u64, &str>)] = &[
            ("0", Ok(0)),
            (" 12345 ", Ok(12_345)),
            ("18446744073709551615", Ok(u64::MAX)),
            (
                "18446744073709551616",
                Err("“18446744073709551616” is not a seed"),
            ),
            (
                "?+",
                Err("“?+” is not a seed: use a whole number from 0 to 18446744073709551615"),
            ),
            ("-1", Err("“-1” is not a seed")),
            ("", Err("“” is not a seed")),
        ];
        for (text, want) in cases {
            match (parse_seed(text), want) {
                (Ok(v), Ok(w)) => assert_eq!(v, *w, "{text:?}"),
                (Err(e), Err(w)) => assert!(e.starts_with(w), "{text:?}: {e}"),
                (got, _) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn decimals_read_back_as_typed() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (10.0, "10"),
            (0.1 + 0.2, "0.3"),
            (2.5, "2.5"),
            (1e-7, "0"),
            (-4.25, "-4.25"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_f64(*v), *want, "fmt_f64({v})");
            assert_eq!(parse_f64(want).map(fmt_f64).as_deref(), Ok(*want));
        }
    }
}
