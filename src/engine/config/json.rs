//! Reading a config from JSON, the one way every front end does it (the CLI's files, the
//! browser's URL): omitted fields take their defaults at every level, a field or `kind`
//! the config does not have is refused, and every error names its dotted path.
//!
//! serde alone cannot do this for our shapes: an internally tagged enum (`{"kind": …}`)
//! buffers its content, so `deny_unknown_fields` never sees the extra fields of a unit
//! kind (`{"kind": "fixed", "interval_ms": 100}` ran the default) and error paths stop at
//! the enum. So the JSON is first walked against the default config, serialised: every
//! object the user wrote must have only fields the default has at that place (for a
//! tagged object, the default of the kind it names), and missing fields are filled from
//! it. Only then does serde build the `Config`; if it refuses a value, each value the user
//! wrote is tried alone in an otherwise default config, so the error names its field.

use super::{Config, ConfigErrors, FieldError};
use crate::engine::faults::{Fault, ScheduledFault};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The `field` of an error about the config as a whole.
pub const TOP_LEVEL: &str = "(top level)";

/// Parses JSON text, refusing a key that appears twice in one object (serde_json's
/// `Value` would keep the last silently), with the line and column of any syntax error.
pub fn parse_text(text: &str) -> Result<Value, ConfigErrors> {
    serde_json::from_str::<Strict>(text)
        .map(|s| s.0)
        .map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the field says where instead.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m)
                .to_string();
            ConfigErrors(vec![FieldError {
                field: format!("line {}, column {}", e.line(), e.column()),
                message,
            }])
        })
}

/// Builds a `Config` from JSON: structure and types only; the caller validates the rules.
pub fn read(value: &Value) -> Result<Config, ConfigErrors> {
    let defaults = serde_json::to_value(Config::default()).map_err(|e| {
        ConfigErrors(vec![FieldError {
            field: TOP_LEVEL.into(),
            message: format!("the default config does not serialise: {e}"),
        }])
    })?;
    if !value.is_object() {
        return Err(ConfigErrors(vec![FieldError {
            field: TOP_LEVEL.into(),
            message: format!(
                "a config is a JSON object such as {{\"job\": {{\"parallelism\": 4}}}}, found {}",
                describe(value)
            ),
        }]));
    }
    let mut reader = Reader::default();
    let (merged, skeleton) = reader.walk(&Path::default(), value, &defaults);
    match serde_json::from_value::<Config>(merged) {
        Ok(config) if reader.errors.is_empty() => Ok(config),
        Ok(_) => Err(ConfigErrors(reader.errors)),
        Err(whole) => {
            // The skeleton has the user's shape (kinds) with default values, so it always
            // builds; a value that fails in it alone is the one serde refused.
            for leaf in &reader.leaves {
                let mut probe = skeleton.clone();
                if let Some(slot) = probe.pointer_mut(&leaf.pointer) {
                    *slot = leaf.value.clone();
                }
                if let Err(e) = serde_json::from_value::<Config>(probe) {
                    reader.errors.push(FieldError {
                        field: leaf.field.clone(),
                        message: e.to_string(),
                    });
                }
            }
            if reader.errors.is_empty() {
                reader.errors.push(FieldError {
                    field: TOP_LEVEL.into(),
                    message: whole.to_string(),
                });
            }
            Err(ConfigErrors(reader.errors))
        }
    }
}

/// Where a value sits: as people read it (`faults[3].fault.subtask`), as a JSON pointer
/// (`/faults/3/fault/subtask`), and as a schema path with list indices dropped
/// (`faults[].fault`), which is what says whether the place holds a tagged object.
#[derive(Clone, Default)]
struct Path {
    dotted: String,
    pointer: String,
    schema: String,
}

impl Path {
    fn field(&self, name: &str) -> Path {
        let join = |base: &str| {
            if base.is_empty() {
                name.to_string()
            } else {
                format!("{base}.{name}")
            }
        };
        Path {
            dotted: join(&self.dotted),
            pointer: format!(
                "{}/{}",
                self.pointer,
                name.replace('~', "~0").replace('/', "~1")
            ),
            schema: join(&self.schema),
        }
    }

    fn index(&self, i: usize) -> Path {
        Path {
            dotted: format!("{}[{i}]", self.dotted),
            pointer: format!("{}/{i}", self.pointer),
            schema: format!("{}[]", self.schema),
        }
    }

    fn name(&self) -> &str {
        if self.dotted.is_empty() {
            TOP_LEVEL
        } else {
            &self.dotted
        }
    }
}

/// The kinds a tagged object may have, each with its field defaults; `required`: the
/// fields have no defaults and must all be given (a fault says what to break).
struct Tagged {
    kinds: Vec<Value>,
    required: bool,
}

fn tagged_at(schema: &str) -> Option<Tagged> {
    fn values<T: serde::Serialize>(kinds: Vec<T>) -> Vec<Value> {
        kinds
            .iter()
            .filter_map(|k| serde_json::to_value(k).ok())
            .collect()
    }
    let (kinds, required) = match schema {
        "workload.source" => (values(super::source_kinds()), false),
        "workload.source.distribution" => (values(super::distribution_kinds()), false),
        "workload.rate" => (values(super::rate_kinds()), false),
        "workload.value_model" => (values(super::value_model_kinds()), false),
        "checkpointing.policy" => (values(super::policy_kinds()), false),
        "faults[].fault" => (values(Fault::kinds()), true),
        _ => return None,
    };
    Some(Tagged { kinds, required })
}

/// A value the user wrote that is not an object or list: serde decides whether it fits.
struct Leaf {
    field: String,
    pointer: String,
    value: Value,
}

#[derive(Default)]
struct Reader {
    errors: Vec<FieldError>,
    leaves: Vec<Leaf>,
}

impl Reader {
    fn fail(&mut self, field: &str, message: String) {
        self.errors.push(FieldError {
            field: field.to_string(),
            message,
        });
    }

    /// Returns the user's value over the defaults, and the skeleton: the same shape with
    /// only default values. Where the user's value is refused, both are the default.
    fn walk(&mut self, path: &Path, user: &Value, default: &Value) -> (Value, Value) {
        if let Some(tagged) = tagged_at(&path.schema) {
            return self.tagged(path, user, default, &tagged);
        }
        match default {
            Value::Object(fields) => self.object(path, user, fields, false, None),
            Value::Array(_) if path.schema == "faults" => self.faults(path, user),
            _ => {
                self.leaves.push(Leaf {
                    field: path.name().to_string(),
                    pointer: path.pointer.clone(),
                    value: user.clone(),
                });
                (user.clone(), default.clone())
            }
        }
    }

    fn tagged(&mut self, path: &Path, user: &Value, default: &Value, t: &Tagged) -> (Value, Value) {
        let names: Vec<&str> = t
            .kinds
            .iter()
            .filter_map(|k| k.get("kind").and_then(Value::as_str))
            .collect();
        let one_of = quoted_list(&names);
        let fallback = || (default.clone(), default.clone());
        let Value::Object(fields) = user else {
            self.fail(
                path.name(),
                format!(
                    "expected an object with a `kind` ({one_of}), found {}",
                    describe(user)
                ),
            );
            return fallback();
        };
        let kind = match fields.get("kind") {
            Some(Value::String(k)) if names.contains(&k.as_str()) => k.as_str(),
            Some(other) => {
                let found = match other {
                    Value::String(k) => format!("`{k}`"),
                    v => describe(v),
                };
                self.fail(
                    &path.field("kind").dotted,
                    format!("unknown kind {found}, expected one of {one_of}"),
                );
                return fallback();
            }
            None if t.required => {
                self.fail(
                    &path.field("kind").dotted,
                    format!("missing; expected one of {one_of}"),
                );
                return fallback();
            }
            // An omitted kind is the default's, like any other omitted field.
            None => match default.get("kind").and_then(Value::as_str) {
                Some(k) => k,
                None => return fallback(),
            },
        };
        // The default at this place when it is of this kind (its values may differ from
        // the kind's own defaults), else the kind's.
        let base = if default.get("kind").and_then(Value::as_str) == Some(kind) {
            default
        } else {
            t.kinds
                .iter()
                .find(|k| k.get("kind").and_then(Value::as_str) == Some(kind))
                .unwrap_or(default)
        };
        let Value::Object(base) = base else {
            return fallback();
        };
        self.object(path, user, base, t.required, Some(kind))
    }

    fn object(
        &mut self,
        path: &Path,
        user: &Value,
        defaults: &Map<String, Value>,
        required: bool,
        kind: Option<&str>,
    ) -> (Value, Value) {
        let whole = Value::Object(defaults.clone());
        let Value::Object(given) = user else {
            self.fail(
                path.name(),
                format!("expected an object, found {}", describe(user)),
            );
            return (whole.clone(), whole);
        };
        let mut merged = defaults.clone();
        let mut skeleton = defaults.clone();
        let expected: Vec<&str> = defaults
            .keys()
            .map(String::as_str)
            .filter(|k| kind.is_none() || *k != "kind")
            .collect();
        for (name, value) in given {
            if kind.is_some() && name == "kind" {
                continue;
            }
            let Some(default) = defaults.get(name) else {
                let message = match (kind, expected.is_empty()) {
                    (Some(k), true) => {
                        format!("unknown field `{name}`: kind `{k}` has no fields besides `kind`")
                    }
                    (Some(k), false) => format!(
                        "unknown field `{name}` for kind `{k}`, expected one of {}",
                        quoted_list(&expected)
                    ),
                    (None, _) => format!(
                        "unknown field `{name}`, expected one of {}",
                        quoted_list(&expected)
                    ),
                };
                self.fail(path.name(), message);
                continue;
            };
            let (m, s) = self.walk(&path.field(name), value, default);
            merged.insert(name.clone(), m);
            skeleton.insert(name.clone(), s);
        }
        if required {
            for name in &expected {
                if !given.contains_key(*name) {
                    let why = kind.map_or(String::new(), |k| format!("; a `{k}` fault needs it"));
                    self.fail(&path.field(name).dotted, format!("missing{why}"));
                }
            }
        }
        (Value::Object(merged), Value::Object(skeleton))
    }

    /// The fault schedule: a list of `{"at_ms": …, "fault": {"kind": …, …}}`, every field
    /// given.
    fn faults(&mut self, path: &Path, user: &Value) -> (Value, Value) {
        let Value::Array(items) = user else {
            self.fail(
                path.name(),
                format!(
                    "expected a list of scheduled faults such as [{{\"at_ms\": 30000, \"fault\": {{\"kind\": \"crash_job\"}}}}], found {}",
                    describe(user)
                ),
            );
            return (Value::Array(Vec::new()), Value::Array(Vec::new()));
        };
        let template = serde_json::to_value(ScheduledFault {
            at_ms: 0,
            fault: Fault::CrashJob,
        })
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
        let mut merged = Vec::new();
        let mut skeleton = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (m, s) = self.object(&path.index(i), item, &template, true, None);
            merged.push(m);
            skeleton.push(s);
        }
        (Value::Array(merged), Value::Array(skeleton))
    }
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON value in a few words, for "found …".
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("the string {}", Value::String(s.clone())),
        Value::Array(a) if a.is_empty() => "an empty list `[]`".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A JSON value read with duplicate keys refused.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Strict(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "the field `{key}` appears twice in one object"
                )));
            }
            let Strict(v) = map.next_value()?;
            fields.insert(key, v);
        }
        Ok(Strict(Value::Object(fields)))
    }
}
