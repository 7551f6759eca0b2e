//! Text with placeholders filled from a run's real numbers: `"{shipped} of {key_groups}
//! key groups, {data_size:bytes}"`.
//!
//! A placeholder is `{name}` or `{name:format}`; the name is a field of the step's
//! prediction probe (`{shipped}`) or `fact.field` of a named fact (`{cp.shipped}`; `{cp}`
//! alone is the fact's main field). Formats: `.N` (N decimals), `bytes` (B, kB, MB with
//! one decimal, 1 kB = 1000 B). `{{` and `}}` write a brace. The lesson reader checks every
//! name against the fields its probe really has, so a typo fails the build, not a lesson.

use super::probe::Fact;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Plain,
    Decimals(u8),
    Bytes,
}

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Slot { name: String, format: Format },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err("a lone `}` (write `}}` for a brace)".into()),
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!("placeholder `{{{inner}` is not closed"))
                            }
                            Some(c) => inner.push(c),
                        }
                    }
                    let (name, format) = match inner.split_once(':') {
                        Some((n, f)) => (n, parse_format(f)?),
                        None => (inner.as_str(), Format::Plain),
                    };
                    let name = name.trim();
                    if name.is_empty()
                        || !name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    {
                        return Err(format!(
                            "placeholder `{{{inner}}}`: a name is letters, digits, `_` and `.`"
                        ));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Slot {
                        name: name.to_string(),
                        format,
                    });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self { pieces })
    }

    /// The names of its placeholders, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Slot { name, .. } => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Fills the placeholders; a name `lookup` does not know is written `{name?}`, which
    /// the tests catch (the reader has already refused unknown names).
    pub fn render(&self, lookup: impl Fn(&str) -> Option<Fact>) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot { name, format } => match lookup(name) {
                    Some(fact) => out.push_str(&render(&fact, *format)),
                    None => {
                        let _ = write!(out, "{{{name}?}}");
                    }
                },
            }
        }
        out
    }
}

fn parse_format(f: &str) -> Result<Format, String> {
    match f.trim() {
        "bytes" => Ok(Format::Bytes),
        d if d.starts_with('.') => d[1..]
            .parse::<u8>()
            .ok()
            .filter(|n| *n <= 6)
            .map(Format::Decimals)
            .ok_or_else(|| format!("format `{d}`: `.N` takes N from 0 to 6")),
        other => Err(format!(
            "unknown format `{other}`; formats are `.N` and `bytes`"
        )),
    }
}

/// A fact as a slot asks for it; sizes in the lab's one convention (IEC, three digits).
pub fn render(fact: &Fact, format: Format) -> String {
    match (fact, format) {
        (Fact::Bool(_) | Fact::Text(_), _) | (_, Format::Plain) => fact.to_string(),
        (n, Format::Bytes) => crate::engine::report::format::bytes_f(n.as_f64().unwrap_or(0.0)),
        (n, Format::Decimals(d)) => format!("{:.*}", d as usize, n.as_f64().unwrap_or(0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_formats_and_braces() {
        let t = Template::parse("{a} of {b.c:.1}, {d:bytes} {{x}}").unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), vec!["a", "b.c", "d"]);
        let out = t.render(|n| match n {
            "a" => Some(Fact::Int(3)),
            "b.c" => Some(Fact::Real(2.345)),
            "d" => Some(Fact::Int(204_800)),
            _ => None,
        });
        assert_eq!(out, "3 of 2.3, 200 KiB {x}");
        assert_eq!(Template::parse("{zz}").unwrap().render(|_| None), "{zz?}");
    }

    #[test]
    fn malformed_templates_say_why() {
        assert!(Template::parse("{open").unwrap_err().contains("not closed"));
        assert!(Template::parse("a } b").unwrap_err().contains("lone"));
        assert!(Template::parse("{x:pct}")
            .unwrap_err()
            .contains("unknown format"));
        assert!(Template::parse("{x y}").unwrap_err().contains("a name is"));
    }
}
