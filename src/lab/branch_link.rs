//! The timeline's branches in the page's link, as data, so that a reload or a colleague
//! opening the link replays every branch exactly (the engine is a function of config,
//! seed and the moments actions happen at).
//!
//! A branch is its parent, the moment it forked (virtual time) and the typed actions it
//! took ([`Action`], the same the page's intents perform on the engine), run to its head.
//! The link carries, beside the base run's settings ([`super::url`]):
//!
//! ```text
//! branches=v1,B,8.2,A              version 1; B shown at 8.2 s, compared with A
//! branch.A=8.2~3:crash             A: run to 8.2 s; crashed the job at 3 s
//! branch.B=A,1.5,8.2~1.5:set:checkpointing.codec:none
//!                                  B: from A at 1.5 s, run to 8.2 s; at 1.5 s the codec
//! ```
//!
//! Times are seconds with up to six decimals (exact microseconds). An action is
//! `TIME:VERB[:ARGS]`: `ckpt`, `crash`, `crash:SUBTASK`, `rescale:P`, `corrupt:CHUNK:BIT`,
//! `lose:CHUNK`, `fault:KIND[:ARGS]` (an injected fault, its fields in order) and
//! `set[:PATH:VALUE,…]` (the whole settings, written as their difference from the base
//! run's, in the URL's own spelling; `%`, `,` and `~` in a value are percent-escaped). A
//! fork header may end with `,KEEP`, how many of the parent's actions the branch starts
//! with, when that is not all of those at or before the fork (the parent acted at that
//! very moment after the branch was made).
//!
//! Decoding is strict and names the parameter of any refusal ([`LinkError`]); a refused
//! branch and the ones after it are dropped, the ones before it and the run are kept.

use std::fmt;

use crate::engine::config::Config;
use crate::engine::faults::Fault;

use super::timeline::{branch_index, branch_name, Action, MAX_BRANCHES};
use super::url;

/// The version of the branches' encoding this lab writes and reads.
pub const VERSION: &str = "v1";
/// The parameter that says the version, the branch shown, its moment and the compared
/// one; each branch's parameter starts with the prefix (`url` keeps both apart from the
/// settings).
pub use super::url::{BRANCHES_PARAM as INDEX_PARAM, BRANCH_PREFIX};
/// The longest a link may ask a branch to be run (opening the link replays it all).
pub const MAX_HEAD_US: u64 = 3_600_000_000;

/// Every branch of a run and what the page shows of them.
#[derive(Clone, Debug, PartialEq)]
pub struct TravelLink {
    /// The branch shown, and its moment.
    pub shown: usize,
    pub at_us: u64,
    /// The branch compared with the shown one.
    pub compare: Option<usize>,
    /// In the timeline's order: a parent comes before its branches; the first has none.
    pub branches: Vec<BranchLink>,
}

/// One branch: where it came from, how far it was run, what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct BranchLink {
    pub origin: Option<LinkOrigin>,
    pub head_us: u64,
    /// Its own actions, in time order, none before its fork or after its head.
    pub actions: Vec<(u64, Action)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LinkOrigin {
    pub parent: usize,
    pub at_us: u64,
    /// How many of the parent's actions (inherited ones included) the branch starts
    /// with, when not every one at or before the fork.
    pub keep: Option<usize>,
}

/// A refused parameter: which one, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError {
    pub param: String,
    pub message: String,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "URL parameter `{}` refused: {}",
            self.param, self.message
        )
    }
}

/// What a link's branches decoded to: the branches before the first refused one, and
/// the refusal.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub link: TravelLink,
    pub refused: Option<LinkError>,
}

/// Whether a query parameter belongs to the branches (not a setting).
pub fn is_link_param(key: &str) -> bool {
    url::is_branch_param(key)
}

/// The parameter of branch `index`.
pub fn branch_param(index: usize) -> String {
    format!("{BRANCH_PREFIX}{}", branch_name(index))
}

/// The link's parameters for `link`, settings written against `base` (the run's first
/// configuration), in order: the index, then each branch.
pub fn encode(link: &TravelLink, base: &Config) -> Vec<(String, String)> {
    let mut index = format!(
        "{VERSION},{},{}",
        branch_name(link.shown),
        seconds(link.at_us)
    );
    if let Some(c) = link.compare {
        index.push(',');
        index.push_str(&branch_name(c));
    }
    let mut out = vec![(INDEX_PARAM.to_string(), index)];
    for (i, b) in link.branches.iter().enumerate() {
        let mut text = match &b.origin {
            None => seconds(b.head_us),
            Some(o) => {
                let mut h = format!(
                    "{},{},{}",
                    branch_name(o.parent),
                    seconds(o.at_us),
                    seconds(b.head_us)
                );
                if let Some(keep) = o.keep {
                    h.push_str(&format!(",{keep}"));
                }
                h
            }
        };
        for (at, action) in &b.actions {
            text.push('~');
            text.push_str(&seconds(*at));
            text.push(':');
            text.push_str(&action_text(action, base));
        }
        out.push((branch_param(i), text));
    }
    out
}

/// The query string's part for `link` (`branches=…&branch.A=…`), percent-encoded.
pub fn to_query(link: &TravelLink, base: &Config) -> String {
    encode(link, base)
        .iter()
        .map(|(k, v)| format!("{}={}", url::encode(k), url::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads the branches from a query's parameters (percent-decoded, as
/// [`url::parse_query`] gives them); settings are read against `base`. `None` when the
/// query names no branch.
pub fn decode(params: &[(String, String)], base: &Config) -> Option<Decoded> {
    let ours: Vec<&(String, String)> = params.iter().filter(|(k, _)| is_link_param(k)).collect();
    if ours.is_empty() {
        return None;
    }
    let empty = |refused: LinkError| Decoded {
        link: TravelLink {
            shown: 0,
            at_us: 0,
            compare: None,
            branches: Vec::new(),
        },
        refused: Some(refused),
    };
    let refuse = |param: &str, message: String| LinkError {
        param: param.to_string(),
        message,
    };
    let Some((_, index)) = ours.iter().find(|(k, _)| k == INDEX_PARAM) else {
        return Some(empty(refuse(
            INDEX_PARAM,
            "missing: the branches need it to say the version and the branch shown".into(),
        )));
    };
    let (shown, at_us, compare) = match read_index(index) {
        Ok(x) => x,
        Err(why) => return Some(empty(refuse(INDEX_PARAM, why))),
    };
    // Every `branch.X` names a branch; they must be A, B, … without a gap.
    let mut named: Vec<(usize, &str)> = Vec::new();
    for (k, v) in &ours {
        if k == INDEX_PARAM {
            continue;
        }
        let name = &k[BRANCH_PREFIX.len()..];
        match branch_index(name).filter(|i| *i < MAX_BRANCHES) {
            Some(i) if named.iter().any(|(j, _)| *j == i) => {
                return Some(empty(refuse(k, "appears more than once".into())))
            }
            Some(i) => named.push((i, v.as_str())),
            None => {
                return Some(empty(refuse(
                    k,
                    format!(
                        "not a branch: branches are named A … {}",
                        branch_name(MAX_BRANCHES - 1)
                    ),
                )))
            }
        }
    }
    named.sort_by_key(|(i, _)| *i);
    let mut branches = Vec::new();
    let mut refused = None;
    for (expected, (i, text)) in named.iter().enumerate() {
        if *i != expected {
            refused = Some(refuse(
                &branch_param(expected),
                format!("missing, while branch {} is given", branch_name(*i)),
            ));
            break;
        }
        match read_branch(*i, text, base) {
            Ok(b) => branches.push(b),
            Err(why) => {
                refused = Some(refuse(&branch_param(*i), why));
                break;
            }
        }
    }
    if branches.is_empty() && refused.is_none() {
        refused = Some(refuse(
            INDEX_PARAM,
            "no branch.A: the branches are missing".into(),
        ));
    }
    Some(Decoded {
        link: TravelLink {
            shown,
            at_us,
            compare,
            branches,
        },
        refused,
    })
}

fn read_index(text: &str) -> Result<(usize, u64, Option<usize>), String> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.first() != Some(&VERSION) {
        return Err(format!(
            "starts with `{}`; this lab reads version `{VERSION}` (`{VERSION},SHOWN,SECONDS[,COMPARED]`)",
            parts.first().unwrap_or(&"")
        ));
    }
    if !(3..=4).contains(&parts.len()) {
        return Err(format!(
            "expected `{VERSION},SHOWN,SECONDS[,COMPARED]`, got {} fields",
            parts.len()
        ));
    }
    let shown = name(parts[1]).map_err(|e| format!("the branch shown: {e}"))?;
    let at = parse_seconds(parts[2]).map_err(|e| format!("the moment shown: {e}"))?;
    let compare = match parts.get(3) {
        Some(c) => Some(name(c).map_err(|e| format!("the branch compared: {e}"))?),
        None => None,
    };
    Ok((shown, at, compare))
}

fn name(text: &str) -> Result<usize, String> {
    branch_index(text)
        .filter(|i| *i < MAX_BRANCHES)
        .ok_or_else(|| format!("`{text}` is not a branch name (A … Z)"))
}

fn read_branch(index: usize, text: &str, base: &Config) -> Result<BranchLink, String> {
    let mut segments = text.split('~');
    let header: Vec<&str> = segments.next().unwrap_or("").split(',').collect();
    let (origin, head_us) = match header.as_slice() {
        [head] if index == 0 => (
            None,
            parse_seconds(head).map_err(|e| format!("its end: {e}"))?,
        ),
        [_] => {
            return Err(
                "a branch after A starts with `PARENT,FORK,END` (it was forked from one)".into(),
            )
        }
        [parent, at, head] | [parent, at, head, _] if index > 0 => {
            let parent = name(parent).map_err(|e| format!("its parent: {e}"))?;
            if parent >= index {
                return Err(format!(
                    "its parent {} must come before it",
                    branch_name(parent)
                ));
            }
            let keep = match header.get(3) {
                Some(k) => Some(
                    k.parse::<usize>()
                        .map_err(|_| format!("`{k}` is not a count of actions kept"))?,
                ),
                None => None,
            };
            let at_us = parse_seconds(at).map_err(|e| format!("its fork moment: {e}"))?;
            (
                Some(LinkOrigin {
                    parent,
                    at_us,
                    keep,
                }),
                parse_seconds(head).map_err(|e| format!("its end: {e}"))?,
            )
        }
        _ if index == 0 => return Err("branch A is the run itself: `END[~ACTION…]`".into()),
        _ => return Err("expected `PARENT,FORK,END[,KEEP]` before the actions".into()),
    };
    if head_us > MAX_HEAD_US {
        return Err(format!(
            "run to {}: a link replays at most {} of a branch",
            seconds(head_us),
            seconds(MAX_HEAD_US)
        ));
    }
    let start = origin.as_ref().map_or(0, |o| o.at_us);
    if head_us < start {
        return Err(format!(
            "it ends ({} s) before it forks ({} s)",
            seconds(head_us),
            seconds(start)
        ));
    }
    let mut actions: Vec<(u64, Action)> = Vec::new();
    for (n, seg) in segments.enumerate() {
        let (at, action) = read_action(seg, base).map_err(|e| format!("action {}: {e}", n + 1))?;
        let last = actions.last().map_or(start, |(t, _)| *t);
        if at < last || at > head_us {
            return Err(format!(
                "action {} at {} s is out of order (its moments run from {} s to {} s, in order)",
                n + 1,
                seconds(at),
                seconds(start),
                seconds(head_us)
            ));
        }
        actions.push((at, action));
    }
    Ok(BranchLink {
        origin,
        head_us,
        actions,
    })
}

fn action_text(action: &Action, base: &Config) -> String {
    match action {
        Action::TriggerCheckpoint => "ckpt".into(),
        Action::CrashJob => "crash".into(),
        Action::CrashSubtask { subtask } => format!("crash:{subtask}"),
        Action::Rescale { parallelism } => format!("rescale:{parallelism}"),
        Action::CorruptChunk { chunk, bit } => format!("corrupt:{chunk}:{bit}"),
        Action::LoseChunk { chunk } => format!("lose:{chunk}"),
        Action::Inject { fault } => format!("fault:{}", fault_text(fault)),
        Action::Settings { config } => {
            let pairs = url::settings_diff(base, config);
            let mut text = "set".to_string();
            for (i, (path, value)) in pairs.iter().enumerate() {
                text.push(if i == 0 { ':' } else { ',' });
                text.push_str(&escape(path));
                text.push(':');
                text.push_str(&escape(value));
            }
            text
        }
    }
}

fn fault_text(fault: &Fault) -> String {
    let mut parts = Vec::new();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(fault) {
        if let Some(kind) = fields.get("kind").and_then(serde_json::Value::as_str) {
            parts.push(kind.to_string());
        }
        parts.extend(
            fields
                .iter()
                .filter(|(name, _)| *name != "kind")
                .map(|(_, v)| v.to_string()),
        );
    }
    parts.join(":")
}

fn read_action(text: &str, base: &Config) -> Result<(u64, Action), String> {
    let mut parts = text.splitn(3, ':');
    let at = parse_seconds(parts.next().unwrap_or(""))?;
    let verb = parts
        .next()
        .ok_or_else(|| format!("`{text}` is not `SECONDS:VERB[:…]`"))?;
    let rest = parts.next();
    let args: Vec<&str> = rest.map_or_else(Vec::new, |r| r.split(':').collect());
    let count = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("`{verb}` takes {n} value(s), got {}", args.len()))
        }
    };
    let action = match verb {
        "ckpt" => {
            count(0)?;
            Action::TriggerCheckpoint
        }
        "crash" if args.is_empty() => Action::CrashJob,
        "crash" => {
            count(1)?;
            Action::CrashSubtask {
                subtask: number(args[0], "subtask")?,
            }
        }
        "rescale" => {
            count(1)?;
            Action::Rescale {
                parallelism: number(args[0], "parallelism")?,
            }
        }
        "corrupt" => {
            count(2)?;
            Action::CorruptChunk {
                chunk: number(args[0], "chunk")?,
                bit: number(args[1], "bit")?,
            }
        }
        "lose" => {
            count(1)?;
            Action::LoseChunk {
                chunk: number(args[0], "chunk")?,
            }
        }
        "fault" => Action::Inject {
            fault: read_fault(&args)?,
        },
        "set" => {
            let mut pairs = Vec::new();
            if let Some(rest) = rest {
                for pair in rest.split(',') {
                    let (path, value) = pair
                        .split_once(':')
                        .ok_or_else(|| format!("`{pair}` is not `PATH:VALUE`"))?;
                    pairs.push((unescape(path)?, unescape(value)?));
                }
            }
            Action::Settings {
                config: Box::new(url::config_with(base, &pairs)?),
            }
        }
        other => {
            return Err(format!(
                "`{other}` is not an action (ckpt, crash, rescale, corrupt, lose, fault, set)"
            ))
        }
    };
    Ok((at, action))
}

/// `KIND:VALUE:…`, the values of the kind's fields in the order its config JSON lists
/// them (`fault_text` writes them so): the fault is read back by the config's own reader,
/// so a new kind of fault needs nothing here.
fn read_fault(args: &[&str]) -> Result<Fault, String> {
    use serde_json::{Map, Value};
    let (kind, vals) = args
        .split_first()
        .ok_or_else(|| "`fault` needs its kind".to_string())?;
    let fields_of = |f: Fault| match serde_json::to_value(f) {
        Ok(Value::Object(fields)) => Some(fields),
        _ => None,
    };
    let template = Fault::kinds()
        .into_iter()
        .filter_map(fields_of)
        .find(|t| t.get("kind").and_then(Value::as_str) == Some(*kind))
        .ok_or_else(|| format!("`{kind}` is not a fault kind"))?;
    let names: Vec<&String> = template.keys().filter(|name| *name != "kind").collect();
    if vals.len() != names.len() {
        return Err(format!(
            "fault `{kind}` takes {} value(s), got {}",
            names.len(),
            vals.len()
        ));
    }
    let mut fault = Map::new();
    fault.insert("kind".into(), Value::String((*kind).to_string()));
    for (name, text) in names.into_iter().zip(vals) {
        let value: Value =
            serde_json::from_str(text).map_err(|_| format!("{name} `{text}` is not a number"))?;
        fault.insert(name.clone(), value);
    }
    serde_json::from_value(Value::Object(fault)).map_err(|e| format!("fault `{kind}`: {e}"))
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{what} `{text}` is not a whole number in range"))
}

/// Microseconds as seconds with at most six decimals, exactly: 1500000 → `1.5`.
pub fn seconds(us: u64) -> String {
    let (s, frac) = (us / 1_000_000, us % 1_000_000);
    if frac == 0 {
        return s.to_string();
    }
    let digits = format!("{frac:06}");
    format!("{s}.{}", digits.trim_end_matches('0'))
}

/// Seconds with at most six decimals back to microseconds, exactly.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not seconds (digits, up to six decimals)");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 6
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (text.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().map_err(|_| bad())?
    };
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

/// A settings value inside an action: the characters that separate pairs and actions,
/// and the escape itself, percent-escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            ',' => out.push_str("%2C"),
            '~' => out.push_str("%7E"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).unwrap_or("");
        out.push(match code {
            "25" => '%',
            "2C" | "2c" => ',',
            "7E" | "7e" => '~',
            _ => return Err(format!("`%{code}` is not an escape here (%25, %2C, %7E)")),
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests;
