//! The trace upload's preview: the first records of a chosen file or of pasted lines as a
//! small table, the key and value columns marked, and in words which column was taken as
//! the key and which as the value (or why none could be: a column name the header does
//! not have, …). The choice is the engine's own (`Trace::preview`, the layout detection a
//! load uses), so what the preview says is what the load does.

use crate::engine::partitioning::trace::{Column, Trace, TraceFormat};

/// Records the preview shows.
pub const PREVIEW_ROWS: usize = 5;

/// A cell longer than this is cut (with `…`) so the table fits the dock.
const CELL_CHARS: usize = 18;

/// What a column holds for the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Key,
    Value,
    Other,
}

/// The preview as the Settings tab draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracePreviewView {
    /// One heading per column: its number and, with a header line, its name.
    pub headings: Vec<(String, Role)>,
    /// The first records: line number and cells.
    pub rows: Vec<(usize, Vec<(String, Role)>)>,
    /// More records follow.
    pub more: bool,
    /// Which columns were taken and why (`Ok`), or why the trace cannot be read (`Err`).
    pub words: Result<String, String>,
}

/// The preview of `text` read with the key and value columns as typed (a header name, a
/// position from 1, or empty to detect); `None` when there is nothing to show.
pub fn preview(text: &str, key: &str, value: &str) -> Option<TracePreviewView> {
    if text.trim().is_empty() {
        return None;
    }
    let column = |what: &str, typed: &str| {
        Column::parse(typed).map_err(|e| format!("The {what} column: {e}."))
    };
    let format = column("key", key).and_then(|k| {
        Ok(TraceFormat {
            key: k,
            value: column("value", value)?,
        })
    });
    let p = Trace::preview(text, &format.clone().unwrap_or_default(), PREVIEW_ROWS);
    let layout = match format {
        Err(e) => Err(e),
        Ok(_) => p.layout.map_err(|e| format!("{e}.")),
    };
    let role = |c: usize| match &layout {
        Ok(l) if l.key == c => Role::Key,
        Ok(l) if l.value == c => Role::Value,
        _ => Role::Other,
    };
    let header = layout.as_ref().ok().and_then(|l| l.header.clone());
    let columns = p
        .rows
        .iter()
        .map(|(_, cells)| cells.len())
        .chain(header.as_ref().map(Vec::len))
        .max()
        .unwrap_or(0);
    let headings = (0..columns)
        .map(|c| {
            let name = header.as_ref().and_then(|h| h.get(c));
            let text = match name {
                Some(n) => format!("{} {}", c + 1, cut(n)),
                None => (c + 1).to_string(),
            };
            (text, role(c))
        })
        .collect();
    let rows = p
        .rows
        .into_iter()
        .map(|(line, cells)| {
            let cells = (0..columns)
                .map(|c| (cells.get(c).map_or_else(String::new, |t| cut(t)), role(c)))
                .collect();
            (line, cells)
        })
        .collect();
    Some(TracePreviewView {
        headings,
        rows,
        more: p.more,
        words: layout.map(|l| {
            let name = |c: usize| match &l.header {
                Some(h) => format!("column {} “{}”", c + 1, h[c]),
                None => format!("column {}", c + 1),
            };
            let why = l
                .detected
                .as_ref()
                .map_or_else(|| "as chosen".to_string(), |d| format!("detected: {d}"));
            format!(
                "Key: {}. Value: {} ({why}). {} columns separated by {}{}.",
                name(l.key),
                name(l.value),
                l.columns,
                if l.separator == '\t' {
                    "tabs"
                } else {
                    "commas"
                },
                if l.header.is_some() {
                    ", the first line a header"
                } else {
                    ", no header"
                },
            )
        }),
    })
}

fn cut(text: &str) -> String {
    if text.chars().count() <= CELL_CHARS {
        return text.to_string();
    }
    let mut t: String = text.chars().take(CELL_CHARS - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(v: &TracePreviewView) -> Vec<Role> {
        v.headings.iter().map(|(_, r)| *r).collect()
    }

    #[test]
    fn three_columns_named_mark_the_key_and_the_value() {
        let text = "ts,user,clicks\n17,ann,3\n18,bob,5\n19,ann,1\n";
        let v = preview(text, "user", "clicks").unwrap();
        assert_eq!(
            v.headings
                .iter()
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>(),
            ["1 ts", "2 user", "3 clicks"]
        );
        assert_eq!(roles(&v), [Role::Other, Role::Key, Role::Value]);
        assert_eq!(v.rows.len(), 3);
        assert_eq!(v.rows[0].0, 2);
        assert_eq!(v.rows[0].1[1], ("ann".to_string(), Role::Key));
        assert_eq!(
            v.words.unwrap(),
            "Key: column 2 “user”. Value: column 3 “clicks” (as chosen). 3 columns separated by commas, the first line a header."
        );
        // The key by position, the value detected: the first other column of integers is
        // the timestamp, and the preview shows it before the load sums timestamps.
        let v = preview(text, "2", "").unwrap();
        assert_eq!(roles(&v), [Role::Value, Role::Key, Role::Other]);
        assert!(v.words.unwrap().contains(
            "Value: column 1 “ts” (detected: column 1 is the first other column of integers)"
        ));
    }

    #[test]
    fn the_documents_lines_are_detected_value_first() {
        let v = preview("1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n", "", "").unwrap();
        assert_eq!(roles(&v), [Role::Value, Role::Key]);
        assert_eq!(v.headings[0].0, "1");
        assert_eq!(v.rows.len(), PREVIEW_ROWS);
        assert!(v.more);
        assert_eq!(
            v.words.unwrap(),
            "Key: column 2. Value: column 1 (detected: column 1 holds an integer, column 2 does not). 2 columns separated by commas, no header."
        );
    }

    #[test]
    fn a_wrong_column_is_said_in_place_and_nothing_is_marked() {
        let text = "ts,user,clicks\n17,ann,3\n";
        let v = preview(text, "name", "clicks").unwrap();
        assert!(v
            .words
            .as_ref()
            .unwrap_err()
            .contains("no column named `name` for the key; the header has `ts`, `user`, `clicks`"));
        assert!(roles(&v).iter().all(|r| *r == Role::Other));
        assert_eq!(
            v.rows.len(),
            2,
            "the header line shows as a row: none was recognised"
        );
        let v = preview(text, "0", "").unwrap();
        assert_eq!(
            v.words.unwrap_err(),
            "The key column: columns count from 1."
        );
        assert_eq!(preview("  \n", "", ""), None);
    }

    #[test]
    fn long_cells_are_cut() {
        let long = "x".repeat(40);
        let v = preview(&format!("{long},1\n"), "", "").unwrap();
        assert_eq!(v.rows[0].1[0].0.chars().count(), CELL_CHARS);
        assert!(v.rows[0].1[0].0.ends_with('…'));
    }
}
