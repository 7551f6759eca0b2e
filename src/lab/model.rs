//! The state-transfer model panel: the design notes' formulas with the run's numbers,
//! one symbol for one meaning.
//!
//! The notes write `P = S / Z`, `C = S / T` and `T = D / F`, where T is "what is
//! transferred" in both and C is a compression ratio, while Young–Daly's interval
//! formula calls the checkpoint cost C. The panel keeps one meaning per symbol:
//!
//! - S state size, Z partition size (an input), P = S / Z partitions;
//! - the compression ratio is raw / encoded (the notes' C = S / T with T the encoded
//!   size), written out in words;
//! - D the change rate, I the checkpoint interval, F = 1 / I the transfer frequency, so
//!   the notes' T = D / F is the changes one checkpoint carries, D · I;
//! - B the adaptive policy's change budget (I = B / D), δ the checkpoint cost and M the
//!   mean time between failures in Young–Daly's I = √(2 δ M).
//!
//! Every number says where it shows in the pipeline ([`Spot`]), so the panel can point
//! at it. Nothing here draws: the Model tab renders [`Block`]s.

use crate::engine::config::Config;
use crate::engine::report::format;
use crate::engine::report::stats::{CheckpointStats, CheckpointStatus};
use crate::engine::report::view::SimView;
use crate::engine::transfer::policy::{IntervalRule, PolicyConfig};
use crate::engine::transfer::store::CheckpointId;

/// A place in the pipeline a number is about; the panel's numbers point at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Spot {
    /// The subtasks' key-group cells: the state.
    State,
    /// The source: records arriving.
    Source,
    /// The link: chunks travelling.
    Link,
    /// The checkpoint store.
    Store,
    /// One stored checkpoint.
    Checkpoint(CheckpointId),
}

impl Spot {
    /// What the pipeline calls the place, for the link's label.
    pub fn name(self) -> String {
        match self {
            Spot::State => "the key groups in the subtasks".into(),
            Spot::Source => "the source".into(),
            Spot::Link => "the link".into(),
            Spot::Store => "the checkpoint store".into(),
            Spot::Checkpoint(id) => format!("checkpoint {id} in the store"),
        }
    }
}

/// A piece of a formula line: words, or a number that points at the pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Text(String),
    Number { text: String, spot: Option<Spot> },
}

/// One formula with its numbers and the sentences that say what they mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// A stable name for tests and the page (`partitions`, `compression`, `change`).
    pub id: &'static str,
    pub title: &'static str,
    pub formula: Vec<Term>,
    pub sentences: Vec<String>,
}

/// The partition size the panel starts with: a few partitions' worth of the default
/// run's state, so P = S / Z moves as the state grows.
pub const DEFAULT_PARTITION_BYTES: u64 = 8 * 1024;

/// Reads a size as a person types it: `8 KiB`, `64 MiB`, `1.5 GiB`, `500 B`, or a plain
/// number of KiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` is not a size: write it like 8 KiB or 64 MiB"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "kib" | "k" | "kb" => 1024.0,
        "b" => 1.0,
        "mib" | "m" | "mb" => 1024.0 * 1024.0,
        "gib" | "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown unit `{other}`: use B, KiB, MiB or GiB")),
    };
    let bytes = value * scale;
    if !(1.0..1e18).contains(&bytes) {
        return Err("the partition size must be at least 1 B".into());
    }
    Ok(bytes as u64)
}

fn text(s: impl Into<String>) -> Term {
    Term::Text(s.into())
}

fn number(s: impl Into<String>, spot: Option<Spot>) -> Term {
    Term::Number {
        text: s.into(),
        spot,
    }
}

/// The panel's blocks for the run as `view` shows it, `history` its checkpoints, with
/// partition size `z_bytes`.
pub fn blocks(
    view: &SimView,
    history: &[CheckpointStats],
    config: &Config,
    z_bytes: u64,
) -> Vec<Block> {
    vec![
        partitions(view, config, z_bytes),
        compression(view),
        change(view, history, config),
        routing(view),
    ]
}

/// Where a key goes: Flink's two hops, with this job's numbers (the lessons point at it).
fn routing(view: &SimView) -> Block {
    let k = view.key_groups.len();
    let p = view.subtasks.len();
    let ranges: Vec<String> = view
        .subtasks
        .iter()
        .take(8)
        .map(|s| format!("{}: {}–{}", s.index, s.key_groups.start, s.key_groups.end))
        .collect();
    let more = if p > 8 { " …" } else { "" };
    Block {
        id: "routing",
        title: "Where a key goes: key group, then subtask",
        formula: vec![
            text("key group = murmur(hashCode(key)) mod "),
            number(format::count(k as u64), Some(Spot::State)),
            text(", subtask = ⌊key group × "),
            number(format::count(p as u64), Some(Spot::State)),
            text(" / "),
            number(format::count(k as u64), Some(Spot::State)),
            text("⌋"),
        ],
        sentences: vec![
            format!(
                "Flink scrambles a key's Java hashCode with its murmur hash and takes it modulo \
                 the {k} key groups (pipeline.max-parallelism): a key keeps its key group \
                 for as long as the job's state lives."
            ),
            format!(
                "The parallelism, {p}, then cuts the key groups into contiguous ranges, one per \
                 subtask ({}{more}); rescaling moves whole key groups, never single keys.",
                ranges.join(", ")
            ),
        ],
    }
}

fn partitions(view: &SimView, config: &Config, z: u64) -> Block {
    let s: u64 = view.key_groups.iter().map(|k| k.raw_bytes).sum();
    let z = z.max(1);
    let p = s.div_ceil(z).max(1);
    let key_groups = view.key_groups.len() as u64;
    let parallelism = view.subtasks.len();
    let per = s / key_groups.max(1);
    let judgement = if p * 2 <= key_groups {
        format!(
            "the {key_groups} key groups are more than today's state needs. Key groups are \
             fixed for the job's life (Flink's max parallelism, here {}), so they are sized \
             for the largest state and parallelism expected, not for today's.",
            config.job.max_parallelism.unwrap_or(key_groups as u32)
        )
    } else if p >= key_groups * 2 {
        format!(
            "each key group holds more than Z: with only {key_groups} key groups the state \
             cannot be split finer. A larger max parallelism would, but it needs a new job."
        )
    } else {
        "about one key group per partition: the key groups fit the state.".to_string()
    };
    Block {
        id: "partitions",
        title: "Partitions: P = S / Z",
        formula: vec![
            text("P = S / Z = "),
            number(format::bytes(s), Some(Spot::State)),
            text(" / "),
            number(format::bytes(z), None),
            text(" = "),
            number(format::count(p), Some(Spot::State)),
        ],
        sentences: vec![
            format!(
                "S is the state size: every key group serialised, {} now.",
                format::bytes(s)
            ),
            format!(
                "Z is the partition size you aim for (type it below); P = {} partition{} of \
                 {} hold the state.",
                format::count(p),
                if p == 1 { "" } else { "s" },
                format::bytes(z)
            ),
            format!(
                "The job has {key_groups} key groups over {parallelism} subtasks, {} each on \
                 average: {judgement}",
                format::bytes(per)
            ),
        ],
    }
}

fn compression(view: &SimView) -> Block {
    let Some(cp) = view.store.checkpoints.last() else {
        return Block {
            id: "compression",
            title: "Compression ratio = raw / encoded",
            formula: vec![text("raw / encoded = —")],
            sentences: vec![
                "Measured once a checkpoint completes: the bytes its chunks hold serialised, \
                 over the bytes they take encoded."
                    .into(),
                NOTES_C.into(),
            ],
        };
    };
    let (raw, encoded) = cp
        .chunks
        .iter()
        .filter(|c| c.present)
        .fold((0u64, 0u64), |(r, e), c| {
            (r + c.raw_bytes, e + c.encoded_bytes)
        });
    let codec = cp.chunks.first().map_or("—", |c| c.codec.name());
    let spot = Some(Spot::Checkpoint(cp.id));
    Block {
        id: "compression",
        title: "Compression ratio = raw / encoded",
        formula: vec![
            text("raw / encoded = "),
            number(format::bytes(raw), spot),
            text(" / "),
            number(format::bytes(encoded), spot),
            text(" = "),
            number(format::ratio(raw, encoded), spot),
        ],
        sentences: vec![
            format!(
                "Checkpoint {} holds {} of serialised state in {} of chunks encoded with \
                 {codec}: {} smaller on the link and in the store.",
                cp.id,
                format::bytes(raw),
                format::bytes(encoded),
                format::ratio(raw, encoded)
            ),
            NOTES_C.into(),
        ],
    }
}

const NOTES_C: &str = "The design notes write this C = S / T, with T the encoded size. Here it \
                       is called the compression ratio: below, C would clash with Young–Daly's \
                       checkpoint cost and T with the bytes one checkpoint carries.";

fn change(view: &SimView, history: &[CheckpointStats], config: &Config) -> Block {
    let d = view.change_bytes_per_s;
    let s: u64 = view.key_groups.iter().map(|k| k.raw_bytes).sum();
    let interval_s = view
        .policy
        .decision
        .as_ref()
        .map(|dec| dec.interval_us as f64 / 1e6);
    let mut formula = vec![
        text("D = "),
        number(format::byte_rate(d), Some(Spot::State)),
    ];
    let mut sentences = vec![
        "D is the change rate: bytes of state written per second over the last 10 s, \
         overwrites included (a key updated ten times counts ten times)."
            .to_string(),
    ];
    match interval_s {
        None => {
            formula.push(text(", I = off"));
            sentences.push(
                "Checkpointing is off (Flink's default): nothing is transferred, F = 0, and a \
                 failure replays from the start."
                    .into(),
            );
        }
        Some(i) => {
            let per = d * i;
            formula.extend([
                text(", I = "),
                number(format::duration_us((i * 1e6) as u64), Some(Spot::Store)),
                text(", F = 1 / I = "),
                number(format!("{}/s", format::sig3(1.0 / i)), Some(Spot::Store)),
                text(", D / F = D · I = "),
                number(format::bytes_f(per), Some(Spot::Link)),
            ]);
            sentences.push(format!(
                "I is the checkpoint interval and F = 1 / I the transfer frequency: a \
                 checkpoint every {}.",
                format::duration_us((i * 1e6) as u64)
            ));
            let shipped = history
                .iter()
                .rev()
                .find(|h| h.status == CheckpointStatus::Completed);
            let carried = match shipped {
                Some(h) => format!(
                    " The last checkpoint ({}) shipped {} raw in {} of its {} key groups; the \
                     rest were {}.",
                    h.id,
                    format::bytes(h.raw_data_size),
                    h.key_groups_shipped,
                    h.key_groups_shipped + h.key_groups_skipped,
                    if config.checkpointing.incremental {
                        "unchanged and referenced"
                    } else {
                        "none: a full checkpoint ships them all"
                    }
                ),
                None => String::new(),
            };
            sentences.push(format!(
                "The notes' T = D / F is then the changes one checkpoint must carry: D · I = {}. \
                 Overwrites count, so this can exceed the whole state ({}) when hot keys are \
                 rewritten often; a checkpoint ships each changed key group once, at its \
                 size then.{carried}",
                format::bytes_f(per),
                format::bytes(s)
            ));
        }
    }
    sentences.push(policy_sentence(view, config));
    Block {
        id: "change",
        title: "Change rate and interval: T = D / F",
        formula,
        sentences,
    }
}

/// How the policy chose I, in the panel's symbols (the engine's own sentence uses the
/// literature's, where C is the cost and T the interval).
fn policy_sentence(view: &SimView, config: &Config) -> String {
    let rule = view.policy.decision.as_ref().map(|d| &d.rule);
    match (&config.checkpointing.policy, rule) {
        (PolicyConfig::Fixed, _) | (_, None) => {
            "The fixed interval (Flink's rule) keeps I whatever D is. The change budget B \
             belongs to the adaptive policy, which waits until the changes fill B: I = B / D."
                .into()
        }
        (
            _,
            Some(IntervalRule::ChangeBudget {
                budget_bytes,
                raw_s,
                interval_ms,
                ..
            }),
        ) => format!(
            "The adaptive policy (beyond Flink) waits until the changes fill the change budget \
             B = {}: I = B / D = {}, kept within its bounds: {} ms.",
            format::bytes(*budget_bytes),
            if raw_s.is_finite() {
                format::duration_us((raw_s * 1e6) as u64)
            } else {
                "forever (nothing changes)".into()
            },
            interval_ms
        ),
        (
            _,
            Some(IntervalRule::YoungDaly {
                cost_s,
                mtbf_s,
                young_s,
                interval_ms,
                ..
            }),
        ) => format!(
            "Young–Daly (beyond Flink) sets I = √(2 δ M) from the checkpoint cost δ = {} and \
             the mean time between failures M = {}: √(2 δ M) = {}, with Daly's refinement \
             {} ms. Its δ is what the literature calls C, the checkpoint's cost in time, not \
             the compression ratio.",
            format::duration_us((cost_s * 1e6) as u64),
            format::duration_us((mtbf_s * 1e6) as u64),
            format::duration_us((young_s * 1e6) as u64),
            interval_ms
        ),
        (_, Some(IntervalRule::Fixed { interval_ms })) => {
            format!("A fixed interval of {interval_ms} ms, whatever D is.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sim::Simulation;
    use crate::engine::transfer::policy::PolicyConfig;

    fn numbers(block: &Block) -> Vec<String> {
        block
            .formula
            .iter()
            .filter_map(|t| match t {
                Term::Number { text, .. } => Some(text.clone()),
                Term::Text(_) => None,
            })
            .collect()
    }

    /// Every symbol the panel writes as `X =` or `X is`, with the block it is defined in.
    fn definitions(blocks: &[Block]) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for b in blocks {
            for s in &b.sentences {
                for sym in ["S", "Z", "P", "D", "I", "F", "B", "δ", "M", "C", "T"] {
                    if s.starts_with(&format!("{sym} is")) || s.contains(&format!(" {sym} is ")) {
                        out.push((sym.to_string(), b.id));
                    }
                }
            }
        }
        out
    }

    fn run(config: Config, until_us: u64) -> (Simulation, SimView) {
        let mut sim = Simulation::new(config, None).unwrap();
        sim.advance_to(until_us);
        let view = sim.view();
        (sim, view)
    }

    #[test]
    fn sizes_parse_as_people_write_them() {
        assert_eq!(parse_size("8"), Ok(8 * 1024));
        assert_eq!(parse_size("8 KiB"), Ok(8 * 1024));
        assert_eq!(parse_size(" 1.5 MiB "), Ok(1024 * 1024 * 3 / 2));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("500 B"), Ok(500));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").unwrap_err().contains("not a size"));
        assert!(parse_size("3 parsecs")
            .unwrap_err()
            .contains("unknown unit"));
    }

    #[test]
    fn z_drives_p_and_what_it_says_about_key_groups() {
        let (sim, view) = run(Config::default(), 20_000_000);
        let s: u64 = view.key_groups.iter().map(|k| k.raw_bytes).sum();
        assert!(
            s > 2 * DEFAULT_PARTITION_BYTES,
            "the default run has a few partitions: {s}"
        );
        let at = |z: u64| partitions(&view, sim.config(), z);
        // P = ⌈S / Z⌉, never 0.
        let p_default = s.div_ceil(DEFAULT_PARTITION_BYTES);
        assert_eq!(
            numbers(&at(DEFAULT_PARTITION_BYTES))[2],
            format::count(p_default)
        );
        assert!(p_default > 1, "P is not 1 at the default size");
        assert_eq!(numbers(&at(1 << 40))[2], "1");
        // Few partitions: more key groups than needed. Many: key groups too coarse.
        assert!(at(s).sentences[2].contains("more than today's state needs"));
        assert!(at(s / 1024).sentences[2].contains("cannot be split finer"));
        // The state number points at the key groups.
        assert!(matches!(
            &at(s).formula[1],
            Term::Number {
                spot: Some(Spot::State),
                ..
            }
        ));
    }

    #[test]
    fn one_symbol_one_meaning() {
        for policy in [
            PolicyConfig::Fixed,
            PolicyConfig::default_adaptive(),
            PolicyConfig::default_young_daly(),
        ] {
            let mut config = Config::default();
            config.checkpointing.incremental = true;
            config.checkpointing.policy = policy;
            let (sim, view) = run(config, 12_000_000);
            let blocks = blocks(&view, sim.history(), sim.config(), DEFAULT_PARTITION_BYTES);
            let defined = definitions(&blocks);
            for (sym, _) in &defined {
                let n = defined.iter().filter(|(s, _)| s == sym).count();
                assert_eq!(n, 1, "{sym} is defined once: {defined:?}");
            }
            // C and T appear only as the notes' names, never as the panel's own symbols.
            assert!(
                !defined.iter().any(|(s, _)| s == "C" || s == "T"),
                "{defined:?}"
            );
            let all: String = blocks
                .iter()
                .flat_map(|b| b.sentences.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            for symbol in ["S is", "Z is", "D is", "I is"] {
                assert!(all.contains(symbol), "{symbol} defined: {all}");
            }
            assert!(all.contains("F = 1 / I"));
            assert!(
                !all.contains("seed document"),
                "no name the student has not met"
            );
            let change = &blocks[2];
            assert!(change.title.contains("T = D / F"));
            assert!(all.contains("Overwrites count"));
        }
    }

    #[test]
    fn the_compression_ratio_is_the_latest_checkpoints_and_points_at_it() {
        // Before the first checkpoint completes (Flink's random first delay is at least
        // min-pause, 0 here; a checkpoint then takes a few milliseconds).
        let (_, view) = run(Config::default(), 1_000);
        assert!(view.store.checkpoints.is_empty());
        let before = compression(&view);
        assert_eq!(numbers(&before), Vec::<String>::new());
        let (_, view) = run(Config::default(), 6_000_000);
        let after = compression(&view);
        let id = view.store.checkpoints.last().unwrap().id;
        assert!(numbers(&after)[2].ends_with('×'), "{:?}", numbers(&after));
        assert!(after.formula.iter().any(
            |t| matches!(t, Term::Number { spot: Some(Spot::Checkpoint(c)), .. } if *c == id)
        ));
    }

    #[test]
    fn the_change_block_reads_the_interval_and_its_frequency() {
        let (sim, view) = run(Config::default(), 6_000_000);
        let block = change(&view, sim.history(), sim.config());
        let n = numbers(&block);
        assert_eq!(n[1], "2.00 s", "{n:?}");
        assert_eq!(n[2], "0.50/s", "{n:?}");
        let mut off = Config::default();
        off.checkpointing.interval_ms = None;
        let (sim, view) = run(off, 1_000_000);
        let block = change(&view, sim.history(), sim.config());
        assert!(block.sentences[1].contains("Checkpointing is off"));
    }
}
