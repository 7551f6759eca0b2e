//! The configuration and seed in the page's URL, one readable query parameter per
//! setting (`?seed=7&job.parallelism=8&checkpointing.codec=lz4`), so that a reload or a
//! shared link reproduces the run.
//!
//! Parameters are the dotted paths of the config's serde JSON, so nothing here needs to
//! change when the engine grows a setting. Only settings that differ from the defaults
//! are written (plus the seed, always), which keeps links short. Reading is forgiving: a
//! value that does not parse or does not validate is named in a message and that one
//! setting falls back to its default; everything else in the link is kept.
//!
//! Only text goes in and out here; reading the address bar and replacing its query is
//! the browser shell's job (`ui/address.rs`).

use serde_json::{Map, Value};

use crate::engine::config::Config;

/// Parameters that are not settings: page switches (presenter mode, slow motion) and
/// debug and test switches the URL may also carry.
const RESERVED: [&str; 5] = ["panic", "selftest", "perf", "present", "slowmo"];

/// The parameter that says the branches' version, the branch shown, its moment and the
/// compared one (`lab::branch_link` reads and writes it).
pub const BRANCHES_PARAM: &str = "branches";
/// Each branch's own parameter: `branch.A`, `branch.B` …
pub const BRANCH_PREFIX: &str = "branch.";

/// Whether a query parameter belongs to the branches (not a setting).
pub fn is_branch_param(key: &str) -> bool {
    key == BRANCHES_PARAM || key.starts_with(BRANCH_PREFIX)
}

/// What the URL asked for, after every invalid value was replaced by its default.
pub struct FromUrl {
    pub config: Config,
    /// One sentence per value that was refused, naming it and what was used instead.
    pub problems: Vec<String>,
    /// Whether the URL named any setting at all.
    pub any: bool,
}

/// Whether a query string (`?a=b&c=d`, with or without the `?`) has `key=value`.
pub fn query_has(search: &str, key: &str, value: &str) -> bool {
    parse_query(search)
        .iter()
        .any(|(k, v)| k == key && v == value)
}

/// The query the address bar should show for `settings` (a [`to_query`] string): the
/// settings, then the debug and test switches the page was opened with (`current` is the
/// address bar's query now), so that a reload keeps them.
pub fn address_query(settings: &str, current: &str) -> String {
    let mut query = settings.to_string();
    for (k, v) in parse_query(current) {
        if RESERVED.contains(&k.as_str()) {
            query.push('&');
            query.push_str(&encode(&k));
            query.push('=');
            query.push_str(&encode(&v));
        }
    }
    query
}

/// `current` (an address bar query) with the page switch `key=1` set, or dropped when
/// `on` is false; everything else in it stays as it was.
pub fn with_flag(current: &str, key: &str, on: bool) -> String {
    let mut pairs: Vec<String> = parse_query(current)
        .into_iter()
        .filter(|(k, _)| k != key && !k.is_empty())
        .map(|(k, v)| format!("{}={}", encode(&k), encode(&v)))
        .collect();
    if on {
        pairs.push(format!("{}=1", encode(key)));
    }
    pairs.join("&")
}

/// `seed=…&path=value&…` for the settings that differ from the defaults.
pub fn to_query(config: &Config) -> String {
    let current = serde_json::to_value(config).unwrap_or(Value::Null);
    let defaults = serde_json::to_value(Config::default()).unwrap_or(Value::Null);
    let mut pairs = Vec::new();
    flatten_diff(&current, Some(&defaults), "", &mut pairs);
    // The seed always goes in: a link should say which run it is even at the default.
    pairs.retain(|(k, _)| k != "seed");
    pairs.insert(0, ("seed".to_string(), config.seed.to_string()));
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The settings of `after` that differ from `before`, as (dotted path, text) pairs in the
/// URL's own spelling (a tagged object whose kind changed is written whole).
pub fn settings_diff(before: &Config, after: &Config) -> Vec<(String, String)> {
    let after = serde_json::to_value(after).unwrap_or(Value::Null);
    let before = serde_json::to_value(before).unwrap_or(Value::Null);
    let mut pairs = Vec::new();
    flatten_diff(&after, Some(&before), "", &mut pairs);
    pairs
}

/// `base` with the settings `pairs` (a [`settings_diff`]) applied, strictly: the first
/// pair that is unknown or does not parse, or a result that breaks a setting's rule,
/// refuses the whole (naming the setting), unlike [`from_query`], which forgives. The
/// settings' rules only: a running job's settings follow its rescales, so its fault
/// schedule is not checked again (as `Config::validate_settings` says).
pub fn config_with(base: &Config, pairs: &[(String, String)]) -> Result<Config, String> {
    let base_value = serde_json::to_value(base).map_err(|e| e.to_string())?;
    let mut value = base_value.clone();
    apply_group(&mut value, &base_value, pairs)?;
    let config = Config::from_value_unvalidated(&value)
        .map_err(|e| format!("settings refused: {}", clean_serde(&e.to_string())))?;
    config
        .validate_settings()
        .map_err(|e| format!("settings refused: {e}"))?;
    Ok(config)
}

/// Reads a query string (`?a=b&c=d`, with or without the `?`).
pub fn from_query(search: &str) -> FromUrl {
    let params: Vec<(String, String)> = parse_query(search)
        .into_iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()) && !k.is_empty())
        // The branches are read by `branch_link`, after the run they start from.
        .filter(|(k, _)| !is_branch_param(k))
        .collect();
    let defaults = serde_json::to_value(Config::default()).expect("the default config serialises");
    let mut problems = Vec::new();
    let any = !params.is_empty();

    // Groups: a tagged object whose `kind` changes takes its other fields with it, since
    // they only make sense together; every other parameter stands alone.
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (k, _) in &params {
        if !seen.insert(k.clone()) {
            problems.push(format!(
                "URL setting `{k}` appears more than once; the first value is used"
            ));
        }
    }
    let params: Vec<(String, String)> = {
        let mut firsts = std::collections::BTreeSet::new();
        params
            .into_iter()
            .filter(|(k, _)| firsts.insert(k.clone()))
            .collect()
    };
    // Shallowest kinds first: an outer variant switch claims every field beneath it,
    // nested variants included, because the outer object only parses as a whole.
    let mut kinds: Vec<String> = params
        .iter()
        .filter_map(|(k, _)| k.strip_suffix(".kind").map(str::to_string))
        .collect();
    kinds.sort_by_key(|k| k.matches('.').count());
    let mut grouped = std::collections::BTreeSet::new();
    for object in &kinds {
        let prefix = format!("{object}.");
        let group: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && !grouped.contains(k))
            .cloned()
            .collect();
        if group.is_empty() {
            continue;
        }
        for (k, _) in &group {
            grouped.insert(k.clone());
        }
        groups.push(group);
    }
    for p in &params {
        if !grouped.contains(&p.0) {
            groups.push(vec![p.clone()]);
        }
    }

    let mut value = defaults.clone();
    let mut applied: Vec<Vec<(String, String)>> = Vec::new();
    for group in groups {
        let mut candidate = value.clone();
        match apply_group(&mut candidate, &defaults, &group) {
            Err(why) => problems.push(why),
            Ok(()) => match Config::from_value_unvalidated(&candidate) {
                Ok(_) => {
                    value = candidate;
                    applied.push(group);
                }
                Err(e) => problems.push(refusal(&group, &clean_serde(&e.to_string()), &defaults)),
            },
        }
    }

    // Values that parse but break a rule (a range, parallelism above max parallelism …):
    // put back the defaults of the settings named, until the config validates.
    for _ in 0..8 {
        let config = match Config::from_value_unvalidated(&value) {
            Ok(c) => c,
            Err(_) => break,
        };
        let errors = match config.validate() {
            Ok(()) => {
                return FromUrl {
                    config,
                    problems,
                    any,
                }
            }
            Err(e) => e.0,
        };
        let mut reverted_any = false;
        for error in errors {
            let hit = applied.iter().position(|g| {
                g.iter().any(|(k, _)| {
                    k == &error.field
                        || error.field.starts_with(&format!("{k}."))
                        || k.starts_with(&format!("{}.", error.field))
                })
            });
            // A rule between settings (hot keys above the key space) may name a setting
            // the URL left alone; then the URL setting nearest to it is the one to drop.
            let hit = hit.or_else(|| nearest_group(&applied, &error.field));
            if let Some(i) = hit {
                let group = applied.remove(i);
                revert(&mut value, &defaults, &group);
                problems.push(refusal(&group, &error.message, &defaults));
                reverted_any = true;
            }
        }
        if !reverted_any {
            break;
        }
    }
    // Nothing left to blame: start over from the defaults, keeping only the seed.
    let mut config = Config::default();
    if let Ok(c) = Config::from_value_unvalidated(&value) {
        config.seed = c.seed;
    }
    problems.push(
        "the settings in the URL do not fit together; the default configuration is used".into(),
    );
    FromUrl {
        config,
        problems,
        any,
    }
}

fn nearest_group(applied: &[Vec<(String, String)>], field: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, g) in applied.iter().enumerate() {
        for (k, _) in g {
            let common = k
                .split('.')
                .zip(field.split('.'))
                .take_while(|(a, b)| a == b)
                .count();
            if common > 0 && best.is_none_or(|(_, c)| common >= c) {
                best = Some((i, common));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// "URL value `job.parallelism=0` refused (must be …); the default 4 is used."
fn refusal(group: &[(String, String)], why: &str, defaults: &Value) -> String {
    let named = group
        .iter()
        .map(|(k, v)| format!("`{k}={v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let fallback = match group {
        [(k, _)] => match get(defaults, k) {
            Some(d) if !d.is_object() => format!("the default {} is used", show(d)),
            _ => "the default is used".to_string(),
        },
        _ => "the defaults are used".to_string(),
    };
    format!("URL value {named} refused ({why}); {fallback}")
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        other => leaf_text(other),
    }
}

/// serde's messages mention Rust types; people read "a whole number".
fn clean_serde(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    msg.replace("expected u32", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected u16", "expected a whole number")
        .replace("expected u8", "expected a whole number")
        .replace("expected f64", "expected a number")
}

fn apply_group(
    value: &mut Value,
    defaults: &Value,
    group: &[(String, String)],
) -> Result<(), String> {
    // Variant switches first, outer before inner, then the fields that fill them.
    let mut ordered: Vec<&(String, String)> = group.iter().collect();
    ordered.sort_by_key(|(k, _)| (!k.ends_with(".kind"), k.matches('.').count()));
    for (k, text) in ordered {
        if let Some(object) = k.strip_suffix(".kind") {
            let Some(Value::String(current)) = get(value, k) else {
                return Err(format!("URL setting `{k}` is unknown and was ignored"));
            };
            if current != text {
                let mut fresh = Map::new();
                fresh.insert("kind".into(), Value::String(text.clone()));
                set(value, object, Value::Object(fresh));
            }
            continue;
        }
        let Some(existing) = get(value, k) else {
            // A field of a variant that this group switched to is new, not unknown.
            let in_new_variant = group.iter().any(|(g, _)| {
                g.strip_suffix(".kind")
                    .is_some_and(|o| k.starts_with(&format!("{o}.")))
            });
            if in_new_variant {
                set(value, k, infer(text));
                continue;
            }
            return Err(format!("URL setting `{k}` is unknown and was ignored"));
        };
        let parsed = parse_like(existing, get(defaults, k), text)
            .map_err(|why| refusal(&[(k.clone(), text.clone())], &why, defaults))?;
        set(value, k, parsed);
    }
    Ok(())
}

fn revert(value: &mut Value, defaults: &Value, group: &[(String, String)]) {
    for (k, _) in group {
        let target = k.strip_suffix(".kind").unwrap_or(k);
        match get(defaults, target) {
            Some(d) => set(value, target, d.clone()),
            None => {
                // The field only exists in a variant the defaults do not use: revert the
                // whole tagged object.
                let parent = target.rsplit_once('.').map_or("", |(p, _)| p);
                if let Some(d) = get(defaults, parent) {
                    set(value, parent, d.clone());
                }
            }
        }
    }
}

/// Parses `text` as the same JSON type as the value it replaces.
fn parse_like(existing: &Value, default: Option<&Value>, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let is_none = matches!(t, "none" | "off" | "null" | "");
    let shape = match (existing, default) {
        (Value::Null, Some(d)) if !d.is_null() => d,
        (e, _) => e,
    };
    match shape {
        Value::Number(_) => {
            if is_none {
                return Ok(Value::Null); // serde refuses it unless the setting is optional
            }
            serde_json::from_str::<serde_json::Number>(t)
                .map(Value::Number)
                .map_err(|_| "not a number".to_string())
        }
        Value::Bool(_) => match t {
            "true" | "1" | "on" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "off" | "no" => Ok(Value::Bool(false)),
            _ => Err("expected true or false".into()),
        },
        Value::String(_) => Ok(Value::String(t.to_string())),
        Value::Array(_) | Value::Object(_) => serde_json::from_str(t)
            .map_err(|e| format!("not valid JSON: {}", clean_serde(&e.to_string()))),
        Value::Null => Ok(infer(t)),
    }
}

fn infer(text: &str) -> Value {
    let t = text.trim();
    match t {
        "none" | "off" | "null" | "" => Value::Null,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => {
            if t.starts_with('[') || t.starts_with('{') {
                if let Ok(v) = serde_json::from_str(t) {
                    return v;
                }
            }
            serde_json::from_str::<serde_json::Number>(t)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(t.to_string()))
        }
    }
}

fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, part| v.get(part))
}

fn set(value: &mut Value, path: &str, new: Value) {
    if path.is_empty() {
        *value = new;
        return;
    }
    let mut v = value;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !v.get(*part).is_some_and(Value::is_object) {
            if let Value::Object(m) = v {
                m.insert((*part).to_string(), Value::Object(Map::new()));
            } else {
                return;
            }
        }
        v = v.get_mut(*part).expect("just ensured");
    }
    if let Value::Object(m) = v {
        m.insert(parts[parts.len() - 1].to_string(), new);
    }
}

/// Leaves of `current` that differ from `base`, as (dotted path, text). A tagged object
/// whose kind differs is written whole, so the reader can rebuild the variant.
fn flatten_diff(
    current: &Value,
    base: Option<&Value>,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match current {
        Value::Object(map) => {
            let kind_changed =
                map.contains_key("kind") && base.and_then(|b| b.get("kind")) != map.get("kind");
            let base = if kind_changed { None } else { base };
            // `kind` first, so a reader meets the variant before its fields.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| (k.as_str() != "kind", k.as_str()));
            for k in keys {
                let child_base = base.and_then(|b| b.get(k.as_str()));
                let child = &map[k.as_str()];
                if base.is_some() && child_base.is_none() && !child.is_object() {
                    out.push((join(k), leaf_text(child)));
                } else {
                    flatten_diff(
                        child,
                        if base.is_some() { child_base } else { None },
                        &join(k),
                        out,
                    );
                }
            }
        }
        leaf => {
            if base != Some(leaf) {
                out.push((prefix.to_string(), leaf_text(leaf)));
            }
        }
    }
}

fn leaf_text(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.to_string(),
            (_, Some(i), _) => i.to_string(),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Splits and percent-decodes a query string.
pub fn parse_query(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but the characters that read well in a link.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~,:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
