//! Recorded workloads: `key,value` CSV traces and the seed document's example job.

use crate::engine::partitioning::keygroups::Key;
use crate::engine::partitioning::keygroups::KeyKind;
use std::collections::HashMap;
use std::fmt;

/// Traces larger than this are refused before parsing: the lab keeps a trace in memory.
pub const MAX_TRACE_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_TRACE_RECORDS: usize = 1_000_000;

/// A finite sequence of records with its keys interned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    keys: Vec<Key>,
    records: Vec<(u32, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceError {
    TooLarge { bytes: usize },
    TooManyRecords,
    Line { line: usize, reason: String },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::TooLarge { bytes } => write!(
                f,
                "trace is {bytes} bytes; the lab accepts traces up to {MAX_TRACE_BYTES} bytes (16 MiB)"
            ),
            TraceError::TooManyRecords => write!(
                f,
                "trace has more than {MAX_TRACE_RECORDS} records, the most the lab accepts"
            ),
            TraceError::Line { line, reason } => write!(f, "line {line}: {reason}"),
        }
    }
}

impl std::error::Error for TraceError {}

impl Trace {
    /// Parses `key,value` lines. A first line `key,value` is a header; blank lines are
    /// skipped; a key may be double-quoted (with `""` for a quote) to hold commas.
    pub fn parse_csv(text: &str, key_kind: KeyKind) -> Result<Self, TraceError> {
        if text.len() > MAX_TRACE_BYTES {
            return Err(TraceError::TooLarge { bytes: text.len() });
        }
        let mut trace = Trace::default();
        let mut interned: HashMap<Key, u32> = HashMap::new();
        for (i, raw_line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            if line.trim().is_empty() || (i == 0 && line.trim().eq_ignore_ascii_case("key,value")) {
                continue;
            }
            let fail = |reason: String| TraceError::Line {
                line: line_no,
                reason,
            };
            let (key_text, value_text) = split_line(line).map_err(fail)?;
            let key = match key_kind {
                KeyKind::String => Key::Str(key_text),
                KeyKind::Integer => Key::Long(key_text.trim().parse().map_err(|_| {
                    fail(format!(
                        "key `{key_text}` is not a 64-bit integer (the trace's key kind is integer)"
                    ))
                })?),
            };
            let value: i64 = value_text.trim().parse().map_err(|_| {
                fail(format!(
                    "value `{}` is not a 64-bit integer",
                    value_text.trim()
                ))
            })?;
            if trace.records.len() == MAX_TRACE_RECORDS {
                return Err(TraceError::TooManyRecords);
            }
            let next = trace.keys.len() as u32;
            let index = *interned.entry(key.clone()).or_insert_with(|| {
                trace.keys.push(key);
                next
            });
            trace.records.push((index, value));
        }
        Ok(trace)
    }

    /// The seed document's job: `a,1 b,2 c,3 d,4`; grouped by key it sums to
    /// `a: 1, b: 2, c: 3, d: 4`.
    pub fn seed_example() -> Self {
        Self::parse_csv("a,1\nb,2\nc,3\nd,4\n", KeyKind::String).expect("static trace parses")
    }

    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub fn records(&self) -> &[(u32, i64)] {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

fn split_line(line: &str) -> Result<(String, &str), String> {
    let (key, rest) = if let Some(quoted) = line.strip_prefix('"') {
        let mut key = String::new();
        let mut chars = quoted.char_indices();
        loop {
            match chars.next() {
                None => return Err("unterminated quoted key".to_string()),
                Some((i, '"')) => {
                    if quoted[i + 1..].starts_with('"') {
                        key.push('"');
                        chars.next();
                    } else {
                        let rest = &quoted[i + 1..];
                        let rest = rest
                            .strip_prefix(',')
                            .ok_or_else(|| "expected `,` after the quoted key".to_string())?;
                        break (key, rest);
                    }
                }
                Some((_, c)) => key.push(c),
            }
        }
    } else {
        let (k, v) = line
            .split_once(',')
            .ok_or_else(|| "expected two fields `key,value`, found one".to_string())?;
        (k.to_string(), v)
    };
    if rest.contains(',') {
        return Err(format!(
            "expected two fields `key,value`, found {}",
            2 + rest.matches(',').count()
        ));
    }
    if key.is_empty() {
        return Err("empty key".to_string());
    }
    Ok((key, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_quotes_and_interns_keys() {
        let t = Trace::parse_csv(
            "key,value\na,1\n\"x,y\",2\na,3\r\n\n\"q\"\"\",4\n",
            KeyKind::String,
        )
        .unwrap();
        assert_eq!(
            t.keys(),
            &[
                Key::Str("a".into()),
                Key::Str("x,y".into()),
                Key::Str("q\"".into())
            ]
        );
        assert_eq!(t.records(), &[(0, 1), (1, 2), (0, 3), (2, 4)]);
    }

    #[test]
    fn malformed_lines_name_line_and_reason() {
        let err = Trace::parse_csv("a,1\nb\n", KeyKind::String).unwrap_err();
        assert_eq!(
            err,
            TraceError::Line {
                line: 2,
                reason: "expected two fields `key,value`, found one".into()
            }
        );
        let err = Trace::parse_csv("a,1\nb,2\nc,zz\n", KeyKind::String).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3: value `zz` is not a 64-bit integer"
        );
        let err = Trace::parse_csv("a,1,2\n", KeyKind::String).unwrap_err();
        assert!(err.to_string().contains("found 3"));
        let err = Trace::parse_csv("x,1\n", KeyKind::Integer).unwrap_err();
        assert!(err.to_string().starts_with("line 1: key `x`"));
        let err = Trace::parse_csv("\"open,1\n", KeyKind::String).unwrap_err();
        assert!(err.to_string().contains("unterminated"));
        let err = Trace::parse_csv(",5\n", KeyKind::String).unwrap_err();
        assert!(err.to_string().contains("empty key"));
    }

    #[test]
    fn oversized_traces_are_refused_with_the_limit() {
        let big = "a,1\n".repeat(MAX_TRACE_BYTES / 4 + 1);
        let err = Trace::parse_csv(&big, KeyKind::String).unwrap_err();
        assert!(matches!(err, TraceError::TooLarge { .. }));
        assert!(err.to_string().contains("16 MiB"));
    }
}
