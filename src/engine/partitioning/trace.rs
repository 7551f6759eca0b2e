//! Recorded workloads: `key,value` CSV traces and the seed document's example job.

use crate::engine::partitioning::keygroups::Key;
use crate::engine::partitioning::keygroups::KeyKind;
use std::borrow::Cow;
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
    TooLarge {
        bytes: usize,
    },
    /// The record on `line` is one more than the lab holds.
    TooManyRecords {
        line: usize,
    },
    /// Nothing but blank lines and the header, through the last line.
    NoRecords {
        lines: usize,
    },
    Line {
        line: usize,
        reason: String,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::TooLarge { bytes } => write!(
                f,
                "trace is {bytes} bytes; the lab accepts traces up to {MAX_TRACE_BYTES} bytes (16 MiB)"
            ),
            TraceError::TooManyRecords { line } => write!(
                f,
                "line {line}: the trace has more than {MAX_TRACE_RECORDS} records, the most the lab accepts"
            ),
            TraceError::NoRecords { lines: 0 } => {
                write!(f, "the trace has no records: the file is empty")
            }
            TraceError::NoRecords { lines: 1 } => write!(
                f,
                "the trace has no records: its one line is blank or the `key,value` header"
            ),
            TraceError::NoRecords { lines } => write!(
                f,
                "the trace has no records: lines 1 to {lines} are blank or the `key,value` header"
            ),
            TraceError::Line { line, reason } => write!(f, "line {line}: {reason}"),
        }
    }
}

impl std::error::Error for TraceError {}

/// Which fields of a line are the key and the value. Only `key,value` today; choosing
/// other columns of a wider CSV would be another `Columns`, with a header naming them.
#[derive(Clone, Copy, Debug)]
struct Columns {
    key: usize,
    value: usize,
    /// Fields every line must have.
    width: usize,
}

impl Columns {
    const KEY_VALUE: Columns = Columns {
        key: 0,
        value: 1,
        width: 2,
    };

    /// Whether `line` is this layout's header row (`key,value`, any case, spaces around).
    fn is_header(&self, line: &str) -> bool {
        line.trim().eq_ignore_ascii_case("key,value")
    }

    /// The key and the value of one line, or why the line does not fit.
    fn pick<'a>(&self, line: &'a str) -> Result<(Cow<'a, str>, Cow<'a, str>), String> {
        let mut fields = split_fields(line)?;
        if fields.len() != self.width {
            let found = match fields.len() {
                1 => "one".to_string(),
                n => n.to_string(),
            };
            return Err(format!("expected two fields `key,value`, found {found}"));
        }
        let value = std::mem::take(&mut fields[self.value]);
        let key = std::mem::take(&mut fields[self.key]);
        if key.is_empty() {
            return Err("empty key".to_string());
        }
        Ok((key, value))
    }
}

impl Trace {
    /// Parses `key,value` lines. A leading UTF-8 byte-order mark is dropped (editors on
    /// Windows write one, and it would become part of the first key); a first line
    /// `key,value` is a header; blank lines are skipped; a field may be double-quoted
    /// (with `""` for a quote) to hold commas. A trace without records is refused.
    pub fn parse_csv(text: &str, key_kind: KeyKind) -> Result<Self, TraceError> {
        if text.len() > MAX_TRACE_BYTES {
            return Err(TraceError::TooLarge { bytes: text.len() });
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let columns = Columns::KEY_VALUE;
        let mut trace = Trace::default();
        let mut interned: HashMap<Key, u32> = HashMap::new();
        let mut seen_content = false;
        let mut lines = 0;
        for (i, raw_line) in text.lines().enumerate() {
            let line_no = i + 1;
            lines = line_no;
            let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            if line.trim().is_empty() {
                continue;
            }
            // The header may only be the first line with anything on it.
            let first = !std::mem::replace(&mut seen_content, true);
            if first && columns.is_header(line) {
                continue;
            }
            let fail = |reason: String| TraceError::Line {
                line: line_no,
                reason,
            };
            let (key_text, value_text) = columns.pick(line).map_err(fail)?;
            let key = match key_kind {
                KeyKind::String => Key::Str(key_text.into_owned()),
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
                return Err(TraceError::TooManyRecords { line: line_no });
            }
            let next = trace.keys.len() as u32;
            let index = *interned.entry(key.clone()).or_insert_with(|| {
                trace.keys.push(key);
                next
            });
            trace.records.push((index, value));
        }
        if trace.records.is_empty() {
            return Err(TraceError::NoRecords { lines });
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

/// Splits one CSV line into its fields. A field that starts with `"` runs to the next
/// lone `"` (a doubled `""` is a quote in it) and must be followed by `,` or the end.
fn split_fields(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut fields = Vec::with_capacity(2);
    let mut rest = line;
    loop {
        let Some(quoted) = rest.strip_prefix('"') else {
            match rest.split_once(',') {
                Some((field, after)) => {
                    fields.push(Cow::Borrowed(field));
                    rest = after;
                    continue;
                }
                None => {
                    fields.push(Cow::Borrowed(rest));
                    return Ok(fields);
                }
            }
        };
        let mut field = String::new();
        let mut chars = quoted.char_indices();
        let after = loop {
            match chars.next() {
                None => {
                    return Err(format!(
                        "unterminated quoted field (field {})",
                        fields.len() + 1
                    ))
                }
                Some((i, '"')) => {
                    if quoted[i + 1..].starts_with('"') {
                        field.push('"');
                        chars.next();
                    } else {
                        break &quoted[i + 1..];
                    }
                }
                Some((_, c)) => field.push(c),
            }
        };
        fields.push(Cow::Owned(field));
        if after.is_empty() {
            return Ok(fields);
        }
        rest = after.strip_prefix(',').ok_or_else(|| {
            format!(
                "expected `,` after the quoted field {}, found `{}`",
                fields.len(),
                after.chars().next().unwrap_or(' ')
            )
        })?;
    }
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
    fn a_byte_order_mark_and_a_header_are_not_data() {
        let plain = Trace::parse_csv("a,1\nb,2\n", KeyKind::String).unwrap();
        for text in [
            "\u{feff}a,1\nb,2\n",
            "\u{feff}key,value\na,1\nb,2\n",
            "KEY,Value\r\na,1\r\nb,2\r\n",
            "  key,value  \na,1\nb,2",
            "\n\nkey,value\na,1\n\nb,2\n",
        ] {
            assert_eq!(
                Trace::parse_csv(text, KeyKind::String).as_ref(),
                Ok(&plain),
                "{text:?}"
            );
        }
        // Only the first line with content is a header; later it is a malformed record.
        let err = Trace::parse_csv("a,1\nkey,value\n", KeyKind::String).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: value `value` is not a 64-bit integer"
        );
        // A mark anywhere but the very start is data (the key is really that text).
        let t = Trace::parse_csv("a,1\n\u{feff}b,2\n", KeyKind::String).unwrap();
        assert_eq!(t.keys()[1], Key::Str("\u{feff}b".into()));
    }

    #[test]
    fn a_trace_without_records_is_refused() {
        for (text, expected) in [
            ("", "the trace has no records: the file is empty"),
            ("\u{feff}", "the trace has no records: the file is empty"),
            (
                "key,value\n",
                "the trace has no records: its one line is blank or the `key,value` header",
            ),
            (
                "\n key,value\r\n\n\n",
                "the trace has no records: lines 1 to 4 are blank or the `key,value` header",
            ),
        ] {
            let err = Trace::parse_csv(text, KeyKind::String).unwrap_err();
            assert_eq!(err.to_string(), expected, "{text:?}");
        }
    }

    #[test]
    fn quoted_values_and_field_counts() {
        let t = Trace::parse_csv("\"a\",\"-7\"\n\"\"\",\",1\n", KeyKind::String).unwrap();
        assert_eq!(t.keys(), &[Key::Str("a".into()), Key::Str("\",".into())]);
        assert_eq!(t.records(), &[(0, -7), (1, 1)]);
        let err = Trace::parse_csv("\"a\"b,1\n", KeyKind::String).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: expected `,` after the quoted field 1, found `b`"
        );
        let err = Trace::parse_csv("a,1\n\"b\"\n", KeyKind::String).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: expected two fields `key,value`, found one"
        );
    }

    #[test]
    fn too_many_records_names_the_line() {
        let text = "a,1\n".repeat(MAX_TRACE_RECORDS + 1);
        let err = Trace::parse_csv(&text, KeyKind::String).unwrap_err();
        assert_eq!(
            err,
            TraceError::TooManyRecords {
                line: MAX_TRACE_RECORDS + 1
            }
        );
    }

    #[test]
    fn oversized_traces_are_refused_with_the_limit() {
        let big = "a,1\n".repeat(MAX_TRACE_BYTES / 4 + 1);
        let err = Trace::parse_csv(&big, KeyKind::String).unwrap_err();
        assert!(matches!(err, TraceError::TooLarge { .. }));
        assert!(err.to_string().contains("16 MiB"));
    }
}
