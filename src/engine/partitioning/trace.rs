//! Recorded workloads: CSV or TSV traces (key and value columns named, numbered or
//! detected) and the seed document's example job.

use crate::engine::partitioning::keygroups::Key;
use crate::engine::partitioning::keygroups::KeyKind;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// Traces larger than this are refused before parsing: the lab keeps a trace in memory.
pub const MAX_TRACE_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_TRACE_RECORDS: usize = 1_000_000;
/// The seed document's example input, as the document writes it.
pub const SEED_EXAMPLE_INPUT: &str = "1,a\n2,b\n3,c\n4,d\n";

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

/// Which column holds the key or the value: by header name, by position (1-based, as a
/// person counts them), or detected from the data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Column {
    #[default]
    Auto,
    /// 1-based.
    Position(usize),
    /// A header cell, compared without case and surrounding spaces.
    Name(String),
}

impl Column {
    /// `2` is a position, anything else a header name, empty or `auto` is detection.
    pub fn parse(text: &str) -> Result<Column, String> {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("auto") {
            return Ok(Column::Auto);
        }
        match t.parse::<usize>() {
            Ok(0) => Err("columns count from 1".into()),
            Ok(n) => Ok(Column::Position(n)),
            Err(_) => Ok(Column::Name(t.to_string())),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Auto => f.write_str("auto"),
            Column::Position(n) => write!(f, "{n}"),
            Column::Name(n) => f.write_str(n),
        }
    }
}

/// How to read a trace file: which columns are the key and the value. Commas or tabs
/// are told apart by the first line; a header row is recognised by its cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFormat {
    pub key: Column,
    pub value: Column,
}

/// What the reader chose, in words a person can check: the separator, whether the first
/// line was a header, the key and value columns and, when detected, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLayout {
    pub separator: char,
    /// The header's cells, when the first line was one.
    pub header: Option<Vec<String>>,
    pub columns: usize,
    /// 0-based.
    pub key: usize,
    pub value: usize,
    /// Why these columns, when they were detected rather than named.
    pub detected: Option<String>,
}

impl fmt::Display for TraceLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |i: usize| match &self.header {
            Some(h) => format!("column {} `{}`", i + 1, h[i]),
            None => format!("column {}", i + 1),
        };
        write!(
            f,
            "{} columns separated by {}{}; key: {}, value: {}",
            self.columns,
            if self.separator == '\t' {
                "tabs"
            } else {
                "commas"
            },
            if self.header.is_some() {
                ", first line a header"
            } else {
                ""
            },
            name(self.key),
            name(self.value)
        )?;
        if let Some(why) = &self.detected {
            write!(f, " ({why})")?;
        }
        Ok(())
    }
}

/// Lines looked at to detect the layout.
const SAMPLE_LINES: usize = 50;

fn is_integer(field: &str) -> bool {
    field.trim().parse::<i64>().is_ok()
}

impl TraceLayout {
    /// Decides the layout from the first lines with content (`sample`, with their line
    /// numbers) and what the person asked for.
    fn detect(
        sample: &[(usize, &str)],
        lines: usize,
        format: &TraceFormat,
    ) -> Result<Self, TraceError> {
        let Some(&(first_no, first)) = sample.first() else {
            return Err(TraceError::NoRecords { lines: 0 });
        };
        let separator = if first.contains('\t') { '\t' } else { ',' };
        let split = |no: usize, line: &str| -> Result<Vec<String>, TraceError> {
            split_fields(line, separator)
                .map(|f| f.into_iter().map(Cow::into_owned).collect())
                .map_err(|reason| TraceError::Line { line: no, reason })
        };
        let first_fields = split(first_no, first)?;
        let columns = first_fields.len();
        // The second line with content, if it splits: a header is told by it, and the
        // columns are detected on the first line of data. Later lines are checked one by
        // one as they are read, so a bad line is named where it is.
        let second = sample.get(1).and_then(|&(no, line)| split(no, line).ok());
        let named =
            matches!(format.key, Column::Name(_)) || matches!(format.value, Column::Name(_));
        // A header: asked for by naming a column, the classic `key,value`, or a first line
        // with a word where the next line has a number.
        let is_header = named
            || (columns == 2
                && first_fields[0].trim().eq_ignore_ascii_case("key")
                && first_fields[1].trim().eq_ignore_ascii_case("value"))
            || (0..columns).any(|c| {
                !is_integer(&first_fields[c])
                    && second
                        .as_ref()
                        .is_some_and(|r| r.get(c).is_some_and(|f| is_integer(f)))
            });
        let header = is_header.then(|| {
            first_fields
                .iter()
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        });
        if is_header && sample.len() < 2 {
            return Err(TraceError::NoRecords { lines });
        }
        let data = if is_header {
            second.as_ref()
        } else {
            Some(&first_fields)
        };
        let resolve = |c: &Column, what: &str| -> Result<Option<usize>, TraceError> {
            let fail = |reason: String| TraceError::Line {
                line: first_no,
                reason,
            };
            match c {
                Column::Auto => Ok(None),
                Column::Position(n) if *n >= 1 && *n <= columns => Ok(Some(n - 1)),
                Column::Position(n) => Err(fail(format!(
                    "the {what} column is {n}, but the lines have {columns} column{}",
                    if columns == 1 { "" } else { "s" }
                ))),
                Column::Name(name) => {
                    let h = header
                        .as_ref()
                        .expect("a name makes the first line a header");
                    h.iter()
                        .position(|cell| cell.eq_ignore_ascii_case(name.trim()))
                        .map(Some)
                        .ok_or_else(|| {
                            fail(format!(
                                "no column named `{name}` for the {what}; the header has {}",
                                h.iter()
                                    .map(|c| format!("`{c}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })
                }
            }
        };
        let (key, value) = (
            resolve(&format.key, "key")?,
            resolve(&format.value, "value")?,
        );
        let numeric: Vec<bool> = (0..columns)
            .map(|c| data.is_some_and(|r| r.get(c).is_some_and(|f| is_integer(f))))
            .collect();
        let named_in_header = |name: &str| {
            header
                .as_ref()
                .and_then(|h| h.iter().position(|c| c.eq_ignore_ascii_case(name)))
        };
        let fail = |reason: String| TraceError::Line {
            line: first_no,
            reason,
        };
        let (key, value, detected) = match (key, value) {
            (Some(k), Some(v)) => (k, v, None),
            (Some(k), None) => {
                let v = (0..columns).filter(|c| *c != k).find(|c| numeric[*c]).ok_or_else(|| {
                    fail("no other column holds an integer to be the value; choose the value column".into())
                })?;
                (k, v, Some(format!("column {} is the first other column of integers", v + 1)))
            }
            (None, Some(v)) => {
                let k = (0..columns).find(|c| *c != v).ok_or_else(|| {
                    fail("a trace needs a key column besides the value".into())
                })?;
                (k, v, Some(format!("column {} is the first other column", k + 1)))
            }
            (None, None) => match (named_in_header("key"), named_in_header("value")) {
                (Some(k), Some(v)) if k != v => (k, v, Some("named so in the header".into())),
                _ if columns == 2 => match (numeric[0], numeric[1]) {
                    (false, true) => (0, 1, Some("column 2 holds an integer, column 1 does not".into())),
                    (true, false) => (1, 0, Some("column 1 holds an integer, column 2 does not".into())),
                    (true, true) => (0, 1, Some("both columns are integers: the first is taken as the key, as in `key,value`".into())),
                    (false, false) => {
                        return Err(fail(
                            "neither column holds an integer, and the value must be one; choose the columns".into(),
                        ))
                    }
                },
                _ if columns < 2 => {
                    return Err(fail(format!(
                        "expected two fields `key,value`, found {}",
                        if columns == 1 { "one".to_string() } else { columns.to_string() }
                    )))
                }
                _ => {
                    return Err(fail(format!(
                        "{columns} columns: choose the key and the value columns (by header name or position)"
                    )))
                }
            },
        };
        if key == value {
            return Err(fail(format!(
                "the key and the value are both column {}",
                key + 1
            )));
        }
        Ok(TraceLayout {
            separator,
            header,
            columns,
            key,
            value,
            detected,
        })
    }

    /// The key and the value of one line, or why the line does not fit.
    fn pick<'a>(&self, line: &'a str) -> Result<(Cow<'a, str>, Cow<'a, str>), String> {
        let mut fields = split_fields(line, self.separator)?;
        if fields.len() != self.columns {
            let found = match fields.len() {
                1 => "one".to_string(),
                n => n.to_string(),
            };
            return Err(if self.columns == 2 && self.key == 0 && self.value == 1 {
                format!("expected two fields `key,value`, found {found}")
            } else {
                format!("expected {} fields, found {found}", self.columns)
            });
        }
        let value = std::mem::take(&mut fields[self.value]);
        let key = std::mem::take(&mut fields[self.key]);
        if key.is_empty() {
            return Err(format!("empty key (column {})", self.key + 1));
        }
        Ok((key, value))
    }
}

impl Trace {
    /// Parses `key,value` lines, or `value,key`: [`Trace::parse`] with every column
    /// detected.
    pub fn parse_csv(text: &str, key_kind: KeyKind) -> Result<Self, TraceError> {
        Self::parse(text, key_kind, &TraceFormat::default()).map(|(t, _)| t)
    }

    /// Parses a trace as people have them: comma- or tab-separated, with or without a
    /// header row, the key and value columns named, numbered or detected (the one column
    /// of integers is the value). A leading UTF-8 byte-order mark is dropped (editors on
    /// Windows write one, and it would become part of the first key); `\r\n` ends a line
    /// as `\n` does; blank lines are skipped; a field may be double-quoted (with `""` for
    /// a quote) to hold a separator. Errors name the line. A trace without records is
    /// refused. Returns what was chosen, to be shown.
    pub fn parse(
        text: &str,
        key_kind: KeyKind,
        format: &TraceFormat,
    ) -> Result<(Self, TraceLayout), TraceError> {
        if text.len() > MAX_TRACE_BYTES {
            return Err(TraceError::TooLarge { bytes: text.len() });
        }
        let text = without_bom(text);
        let (sample, lines) = sample(text);
        if sample.is_empty() {
            return Err(TraceError::NoRecords { lines });
        }
        let layout = TraceLayout::detect(&sample, lines, format)?;
        let mut trace = Trace::default();
        let mut interned: HashMap<Key, u32> = HashMap::new();
        for (n, (line_no, line)) in content(text).enumerate() {
            if n == 0 && layout.header.is_some() {
                continue;
            }
            let fail = |reason: String| TraceError::Line {
                line: line_no,
                reason,
            };
            let (key_text, value_text) = layout.pick(line).map_err(fail)?;
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
                    "value `{}` is not a 64-bit integer (column {})",
                    value_text.trim(),
                    layout.value + 1
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
        Ok((trace, layout))
    }

    /// The first `rows` records of a trace as they would be read, split into their
    /// fields, with the layout [`Trace::parse`] would choose (or why it cannot): what an
    /// upload dialog shows before the whole file is read. Only the first lines are looked
    /// at, so a bad line further down is reported by the load, not here.
    pub fn preview(text: &str, format: &TraceFormat, rows: usize) -> TracePreview {
        let text = without_bom(text);
        let (sample, lines) = sample(text);
        let layout = if sample.is_empty() {
            Err(TraceError::NoRecords { lines })
        } else {
            TraceLayout::detect(&sample, lines, format)
        };
        let separator = match &layout {
            Ok(l) => l.separator,
            Err(_) if sample.first().is_some_and(|(_, l)| l.contains('\t')) => '\t',
            Err(_) => ',',
        };
        let header_line = layout.as_ref().is_ok_and(|l| l.header.is_some());
        let split = |line: &str| match split_fields(line, separator) {
            Ok(fields) => fields.into_iter().map(Cow::into_owned).collect(),
            // A line that does not split shows as it is.
            Err(_) => vec![line.to_string()],
        };
        TracePreview {
            rows: sample
                .iter()
                .skip(usize::from(header_line))
                .take(rows)
                .map(|(no, line)| (*no, split(line)))
                .collect(),
            more: sample.len() > rows + usize::from(header_line),
            layout,
        }
    }

    /// The seed document's job, its input lines as written (`value,key`): `1,a 2,b 3,c
    /// 4,d`; grouped by key it sums to `a:1 b:2 c:3 d:4`.
    pub fn seed_example() -> Self {
        Self::parse_csv(SEED_EXAMPLE_INPUT, KeyKind::String).expect("static trace parses")
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

/// Splits one line into its fields at `separator`. A field that starts with `"` runs to
/// the next lone `"` (a doubled `""` is a quote in it) and must be followed by the
/// separator or the end.
/// A trace's first records as an upload dialog shows them ([`Trace::preview`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracePreview {
    /// The layout the load would choose (its header, key and value columns and why), or
    /// why it cannot choose one.
    pub layout: Result<TraceLayout, TraceError>,
    /// The first records with their line numbers, split into fields (the header is in
    /// `layout`); a line that does not split is one field.
    pub rows: Vec<(usize, Vec<String>)>,
    /// More lines follow the rows shown.
    pub more: bool,
}

fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The lines with content, numbered from 1 (`\r\n` ends a line as `\n` does).
fn content(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty())
}

/// The lines the layout is detected on, and how many lines the text has.
fn sample(text: &str) -> (Vec<(usize, &str)>, usize) {
    (
        content(text).take(SAMPLE_LINES).collect(),
        text.lines().count(),
    )
}

fn split_fields(line: &str, separator: char) -> Result<Vec<Cow<'_, str>>, String> {
    let mut fields = Vec::with_capacity(2);
    let mut rest = line;
    loop {
        let Some(quoted) = rest.strip_prefix('"') else {
            match rest.split_once(separator) {
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
        rest = after.strip_prefix(separator).ok_or_else(|| {
            format!(
                "expected `{}` after the quoted field {}, found `{}`",
                separator.escape_default(),
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
    fn a_preview_shows_the_first_records_and_the_columns_the_load_would_take() {
        let text = "\u{feff}ts,user,clicks\r\n17,ann,3\r\n\r\n18,bob,5\n19,ann,1\n20,cy,2\n";
        let named = TraceFormat {
            key: Column::Name("user".into()),
            value: Column::Name("clicks".into()),
        };
        let p = Trace::preview(text, &named, 3);
        let layout = p.layout.clone().unwrap();
        assert_eq!((layout.key, layout.value), (1, 2));
        assert_eq!(
            layout.header.as_deref(),
            Some(&["ts".to_string(), "user".into(), "clicks".into()][..])
        );
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[0], (2, vec!["17".into(), "ann".into(), "3".into()]));
        assert_eq!(p.rows[1].0, 4, "the blank line is skipped, its number kept");
        assert!(p.more);
        // The load chooses the same.
        assert_eq!(
            Trace::parse(text, KeyKind::String, &named).unwrap().1,
            layout
        );
        // The document's lines, detected; all of them shown.
        let p = Trace::preview("1,a\n2,b\n3,c\n4,d\n", &TraceFormat::default(), 5);
        let l = p.layout.unwrap();
        assert_eq!((l.key, l.value, l.header), (1, 0, None));
        assert_eq!(p.rows.len(), 4);
        assert!(!p.more);
        // A wrong name: the error, and the lines still shown.
        let wrong = TraceFormat {
            key: Column::Name("name".into()),
            value: Column::Auto,
        };
        let p = Trace::preview(text, &wrong, 5);
        assert!(p
            .layout
            .unwrap_err()
            .to_string()
            .contains("no column named `name`"));
        assert_eq!(p.rows.len(), 5);
        assert_eq!(p.rows[0].1, ["ts", "user", "clicks"]);
        assert_eq!(Trace::preview("", &TraceFormat::default(), 5).rows, vec![]);
    }

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
            "line 3: value `zz` is not a 64-bit integer (column 2)"
        );
        let err = Trace::parse_csv("a,1,2\n", KeyKind::String).unwrap_err();
        assert!(err.to_string().contains("3 columns: choose"), "{err}");
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
            "line 2: value `value` is not a 64-bit integer (column 2)"
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

    fn with(text: &str, key: &str, value: &str) -> Result<(Trace, TraceLayout), TraceError> {
        let format = TraceFormat {
            key: Column::parse(key).unwrap(),
            value: Column::parse(value).unwrap(),
        };
        Trace::parse(text, KeyKind::String, &format)
    }

    #[test]
    fn the_seed_documents_lines_load_as_written() {
        let (t, layout) = with(SEED_EXAMPLE_INPUT, "", "").unwrap();
        let plain = Trace::parse_csv("a,1\nb,2\nc,3\nd,4\n", KeyKind::String).unwrap();
        assert_eq!(t, plain);
        assert_eq!((layout.key, layout.value), (1, 0));
        assert_eq!(
            layout.to_string(),
            "2 columns separated by commas; key: column 2, value: column 1 (column 1 holds an integer, column 2 does not)"
        );
    }

    #[test]
    fn columns_by_header_name_position_or_detection() {
        let csv = "ts,user,clicks,country\n17,ann,3,SE\n18,bob,5,DE\n19,ann,1,SE\n";
        let by_name = with(csv, "user", "clicks").unwrap();
        let by_position = with(csv, "2", "3").unwrap();
        assert_eq!(by_name.0, by_position.0);
        assert_eq!(by_name.0.records(), &[(0, 3), (1, 5), (0, 1)]);
        assert_eq!(
            by_name.1.to_string(),
            "4 columns separated by commas, first line a header; key: column 2 `user`, value: column 3 `clicks`"
        );
        // The key alone: the first other column of integers is the value (`ts` here).
        let (_, layout) = with(csv, "user", "").unwrap();
        assert_eq!(layout.value, 0);
        // Four columns and nothing chosen: the person must choose.
        let err = with(csv, "", "").unwrap_err();
        assert!(
            err.to_string()
                .contains("4 columns: choose the key and the value"),
            "{err}"
        );
        // Names that are not there are listed with what is.
        let err = with(csv, "name", "clicks").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: no column named `name` for the key; the header has `ts`, `user`, `clicks`, `country`"
        );
        let err = with(csv, "5", "3").unwrap_err();
        assert!(err
            .to_string()
            .contains("the key column is 5, but the lines have 4 columns"));
        let err = with(csv, "2", "2").unwrap_err();
        assert!(err.to_string().contains("both column 2"));
        // A header named key and value is read by name, whatever the order.
        let (t, layout) = with("value\tkey\n1\ta\n2\tb\n", "", "").unwrap();
        assert_eq!((layout.separator, layout.key, layout.value), ('\t', 1, 0));
        assert_eq!(t.keys(), &[Key::Str("a".into()), Key::Str("b".into())]);
        // Both columns numbers: `key,value` order.
        let (_, layout) = with("1,2\n3,4\n", "", "").unwrap();
        assert_eq!((layout.key, layout.value), (0, 1));
        assert!(with("a,b\nc,d\n", "", "")
            .unwrap_err()
            .to_string()
            .contains("neither column"));
    }

    #[test]
    fn quotes_crlf_a_mark_and_tabs_read_alike() {
        let plain = Trace::parse_csv("a,1\nb,2\n", KeyKind::String).unwrap();
        for text in [
            "\u{feff}count\tword\r\n1\ta\r\n2\t\"b\"\r\n",
            "\"1\",a\n2,b",
            "word,count\na,1\n\nb,2\n",
        ] {
            assert_eq!(
                Trace::parse_csv(text, KeyKind::String).as_ref(),
                Ok(&plain),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the column order, separator and header, the same records come back.
        #[test]
        fn any_layout_of_the_same_records_reads_the_same(
            records in proptest::collection::vec(("[a-z]{1,6}", -1000i64..1000), 1..30),
            value_first in proptest::prelude::any::<bool>(),
            tabs in proptest::prelude::any::<bool>(),
            header in proptest::prelude::any::<bool>(),
        ) {
            let sep = if tabs { "\t" } else { "," };
            let mut text = String::new();
            if header {
                text.push_str(&if value_first { format!("n{sep}word\n") } else { format!("word{sep}n\n") });
            }
            for (k, v) in &records {
                text.push_str(&if value_first { format!("{v}{sep}{k}\n") } else { format!("{k}{sep}{v}\n") });
            }
            let t = Trace::parse_csv(&text, KeyKind::String).unwrap();
            proptest::prop_assert_eq!(t.len(), records.len());
            for ((k, v), (i, value)) in records.iter().zip(t.records()) {
                proptest::prop_assert_eq!(&t.keys()[*i as usize], &Key::Str(k.clone()));
                proptest::prop_assert_eq!(v, value);
            }
        }
    }
}
