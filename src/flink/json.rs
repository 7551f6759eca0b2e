//! A small typed reader over `serde_json::Value` that knows where it is.
//!
//! The REST models are read through this rather than `#[derive(Deserialize)]` because an
//! error must name the file and the JSON path of the bad value (`checkpoints.json:
//! history[3].state_size`), and serde's derive loses the path (the crate that recovers it,
//! serde_path_to_error, is not a dependency). Every reader is strict about types and
//! leaves optional fields to the caller: `req` fails on a missing field, `opt` returns
//! `None` for a missing field or JSON `null`.

use serde_json::{Map, Value};
use std::fmt;

/// What went wrong reading the REST answers: which file, where in it, and what.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LoadError {
    /// The file (or endpoint) the answer came from, e.g. `checkpoints.json`.
    pub file: String,
    /// Where in the file: a JSON path (`history[3].state_size`), `line L, column C` for a
    /// syntax error, or empty when the whole file is concerned.
    pub at: String,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.at, self.message)
        }
    }
}

impl std::error::Error for LoadError {}

/// Parses a file's text, naming the line and column of a syntax error.
pub fn parse(file: &str, text: &str) -> Result<Value, LoadError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; `at` says where instead.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        LoadError {
            file: file.to_string(),
            at: format!("line {}, column {}", e.line(), e.column()),
            message: format!("not valid JSON: {message}"),
        }
    })
}

/// A JSON value with the file it came from and its path inside it.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    pub file: &'a str,
    path: &'a PathBuf,
    pub value: &'a Value,
}

/// A path kept as segments so children are cheap to describe.
#[derive(Clone, Debug, Default)]
pub struct PathBuf(Vec<Seg>);

#[derive(Clone, Debug)]
enum Seg {
    Field(String),
    Index(usize),
}

impl fmt::Display for PathBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Field(name) if i == 0 => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Reads a whole file's value with `read`, starting at the root path.
pub fn read_root<T>(
    file: &str,
    value: &Value,
    read: impl FnOnce(Node<'_>) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    let root = PathBuf::default();
    read(Node {
        file,
        path: &root,
        value,
    })
}

/// Types a node can be read as.
pub trait FromNode: Sized {
    fn from_node(node: Node<'_>) -> Result<Self, LoadError>;
}

impl<'a> Node<'a> {
    pub fn path(&self) -> String {
        self.path.to_string()
    }

    pub fn error(&self, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.to_string(),
            at: self.path(),
            message: message.into(),
        }
    }

    fn wrong_type(&self, expected: &str) -> LoadError {
        self.error(format!(
            "expected {expected}, found {}",
            describe(self.value)
        ))
    }

    pub fn object(&self) -> Result<&'a Map<String, Value>, LoadError> {
        self.value
            .as_object()
            .ok_or_else(|| self.wrong_type("an object"))
    }

    /// Calls `f` with the child `name` (which may be absent: `Value::Null`).
    fn with_child<T>(
        &self,
        seg: Seg,
        child: &Value,
        f: impl FnOnce(Node<'_>) -> Result<T, LoadError>,
    ) -> Result<T, LoadError> {
        let mut path = self.path.clone();
        path.0.push(seg);
        f(Node {
            file: self.file,
            path: &path,
            value: child,
        })
    }

    /// A required field.
    pub fn req<T: FromNode>(&self, name: &str) -> Result<T, LoadError> {
        let obj = self.object()?;
        match obj.get(name) {
            None | Some(Value::Null) => Err({
                let mut e = self.error(format!("missing field `{name}`"));
                if e.at.is_empty() {
                    e.at = name.to_string();
                } else {
                    e.at = format!("{}.{name}", e.at);
                }
                e
            }),
            Some(v) => self.with_child(Seg::Field(name.into()), v, T::from_node),
        }
    }

    /// An optional field: `None` when absent or `null`; a present value of the wrong
    /// type is still an error.
    pub fn opt<T: FromNode>(&self, name: &str) -> Result<Option<T>, LoadError> {
        let obj = self.object()?;
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self
                .with_child(Seg::Field(name.into()), v, T::from_node)
                .map(Some),
        }
    }

    /// An optional field read with a custom reader.
    pub fn opt_with<T>(
        &self,
        name: &str,
        read: impl FnOnce(Node<'_>) -> Result<T, LoadError>,
    ) -> Result<Option<T>, LoadError> {
        let obj = self.object()?;
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self.with_child(Seg::Field(name.into()), v, read).map(Some),
        }
    }

    /// Every element of an array, each read with `read`.
    pub fn items<T>(
        &self,
        mut read: impl FnMut(Node<'_>) -> Result<T, LoadError>,
    ) -> Result<Vec<T>, LoadError> {
        let arr = self
            .value
            .as_array()
            .ok_or_else(|| self.wrong_type("an array"))?;
        arr.iter()
            .enumerate()
            .map(|(i, v)| self.with_child(Seg::Index(i), v, &mut read))
            .collect()
    }

    /// Every member of an object, each read with `read`, in key order.
    pub fn members<T>(
        &self,
        mut read: impl FnMut(&str, Node<'_>) -> Result<T, LoadError>,
    ) -> Result<Vec<(String, T)>, LoadError> {
        let obj = self.object()?;
        obj.iter()
            .map(|(k, v)| {
                self.with_child(Seg::Field(k.clone()), v, |n| read(k, n))
                    .map(|t| (k.clone(), t))
            })
            .collect()
    }
}

impl FromNode for u64 {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        match n.value {
            Value::Number(x) => x.as_u64().or_else(|| {
                // Flink writes some counters as doubles (`"accumulated-busy-time": 1912.0`).
                x.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            }),
            _ => None,
        }
        .ok_or_else(|| n.wrong_type("a non-negative integer"))
    }
}

impl FromNode for i64 {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        match n.value {
            Value::Number(x) => x.as_i64().or_else(|| {
                x.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            }),
            _ => None,
        }
        .ok_or_else(|| n.wrong_type("an integer"))
    }
}

impl FromNode for u32 {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        let v = u64::from_node(n)?;
        u32::try_from(v).map_err(|_| n.error(format!("{v} is too large (at most {})", u32::MAX)))
    }
}

impl FromNode for f64 {
    /// A number, or the strings Flink writes for undefined statistics (`"NaN"`), which
    /// read as NaN so a caller can treat them as absent.
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        match n.value {
            Value::Number(x) => x.as_f64().ok_or_else(|| n.wrong_type("a number")),
            Value::String(s) if s == "NaN" => Ok(f64::NAN),
            Value::String(s) if s == "Infinity" => Ok(f64::INFINITY),
            Value::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(n.wrong_type("a number")),
        }
    }
}

impl FromNode for bool {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        n.value
            .as_bool()
            .ok_or_else(|| n.wrong_type("true or false"))
    }
}

impl FromNode for String {
    fn from_node(n: Node<'_>) -> Result<Self, LoadError> {
        n.value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| n.wrong_type("a string"))
    }
}

pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => {
            format!("the string \"{}…\"", s.chars().take(40).collect::<String>())
        }
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
