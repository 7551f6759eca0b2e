//! What the engineer knows about their job that Flink's REST API cannot show: the key
//! space, how keys are spelled and drawn, the state's type and the values. REST reports
//! bytes, not keys; a calibration estimates the rest, and this replaces the estimates
//! with what the engineer says.
//!
//! The knowledge is a JSON object shaped like a config's `workload` (the same reader, so
//! the same defaults and the same errors by dotted path): its fields replace the
//! calibrated workload's, the fields it leaves out keep their calibrated values, and a
//! tagged setting given another `kind` is replaced whole (its omitted fields take that
//! kind's defaults). Nothing is half-applied: a refused field leaves the calibration as
//! it was.

use super::calibrate::{Calibration, CalibrationError, Provenance, Source};
use crate::engine::config::Config;
use serde_json::{Map, Value};

/// Where the knowledge came from, for the provenance and the errors (`--workload FILE`).
pub fn apply(cal: &Calibration, known: &Value, by: &str) -> Result<Calibration, CalibrationError> {
    let error = |field: &str, message: String| CalibrationError {
        file: by.to_string(),
        field: field.to_string(),
        message,
    };
    let Some(known_obj) = known.as_object() else {
        return Err(error(
            "(top level)",
            "a JSON object shaped like a config's `workload`, such as {\"source\": {\"key_space\": 100000}}".into(),
        ));
    };
    let mut whole = serde_json::to_value(&cal.config).map_err(|e| {
        error(
            "(top level)",
            format!("the calibrated config does not serialise: {e}"),
        )
    })?;
    if let Some(workload) = whole.get_mut("workload") {
        merge(workload, known);
    }
    let config = Config::from_value(&whole).map_err(|errors| {
        let first = errors.0.first().map_or("(top level)", |e| e.field.as_str());
        error(
            first,
            errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let mut given = Vec::new();
    leaves("workload", known_obj, &mut given);
    // A setting is told when it, a setting above it or one inside it is given.
    let covered = |setting: &str| {
        given.iter().any(|(path, _)| {
            setting == path
                || setting.starts_with(&format!("{path}."))
                || path.starts_with(&format!("{setting}."))
        })
    };
    let mut out = cal.clone();
    out.config = config;
    out.provenance.retain(|p| !covered(&p.setting));
    out.provenance
        .extend(given.iter().map(|(setting, value)| Provenance {
            setting: setting.clone(),
            value: value.clone(),
            source: Source::Given { by: by.to_string() },
        }));
    // A gap is closed once every setting it left at a guess is given.
    out.not_inferred
        .retain(|n| n.settings.is_empty() || !n.settings.iter().all(|s| covered(s)));
    Ok(out)
}

/// `over` merged into `base`: objects field by field, except that a tagged object naming
/// another `kind` replaces the old one whole (the old kind's fields would be refused).
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) if same_kind(b, o) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

fn same_kind(base: &Map<String, Value>, over: &Map<String, Value>) -> bool {
    match (base.get("kind"), over.get("kind")) {
        (Some(b), Some(o)) => b == o,
        _ => true,
    }
}

/// Every leaf of `obj` as (dotted path, value as written); a tagged object is one leaf
/// (its kind and fields belong together).
fn leaves(prefix: &str, obj: &Map<String, Value>, out: &mut Vec<(String, String)>) {
    for (k, v) in obj {
        let path = format!("{prefix}.{k}");
        match v {
            Value::Object(inner) if !inner.contains_key("kind") => leaves(&path, inner, out),
            other => out.push((path, other.to_string())),
        }
    }
}
