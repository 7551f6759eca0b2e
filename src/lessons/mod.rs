//! Lessons: guided paths through the lab. A lesson walks a learner through one idea step
//! by step on the real engine: each step sets the run up, plays it until something
//! happens, points at the things that matter, and either asks a prediction before it runs
//! (answered with the numbers the engine produced) or hands the controls over with a goal
//! the engine checks. DOM-free: the UI drives a [`LessonSession`] and draws what it says.
//!
//! # Lessons are data
//!
//! One JSON file per lesson under `lessons/`, compiled in with `include_str!`
//! ([`catalog::FILES`]) and read once by [`Catalog::builtin`]. JSON because serde_json is
//! already in the build (no TOML or YAML crate in the wasm). Every object refuses unknown
//! fields, and [`catalog`] checks what serde cannot (a bound on every event condition,
//! placeholders and choices that name real probe fields, one expected choice, …); each
//! error names the file, the step and the field.
//!
//! ```json
//! { "id": "a-checkpoint", "title": "A checkpoint", "summary": "…",
//!   "base_config": { "job": { "parallelism": 3, "max_parallelism": 12 } },
//!   "steps": [
//!     { "title": "The barrier", "narration": "Two or three sentences.",
//!       "setup": { "config": {}, "seed": 7, "faults": [] },
//!       "run": { "until": { "checkpoint_triggered": { "checkpoint": 1 } }, "within_s": 5, "pace": 1.0 },
//!       "callouts": [ { "anchor": { "barrier": { "checkpoint": 1, "subtask": 0 } }, "text": "…" } ],
//!       "facts": { "cp": { "checkpoint": 1 } },
//!       "after": "Triggered at source offset {cp.offset}." },
//!     { "title": "…", "narration": "…",
//!       "setup": { "continue": true, "actions": [ "crash_job" ] },
//!       "predict": { "question": "Which checkpoint will the job restore?", "probe": "recovery",
//!         "choices": [ { "text": "Checkpoint 1", "when": { "field": "restored", "equals": 1 }, "expected": true },
//!                      { "text": "None", "when": { "field": "from_empty", "equals": true } } ],
//!         "explanation": "It restored checkpoint {restored} and replays {replayed} records." },
//!       "run": { "until": "restore_done", "within_s": 5, "pace": 0.5 } } ] }
//! ```
//!
//! - **Setup** ([`format::Setup`]): `config` starts a new run — a partial config merged
//!   onto the lesson's `base_config` and then onto the defaults by `Config::from_value`, so
//!   a lesson names only what it changes — with `seed` and `faults` (the config's fault
//!   schedule) beside it; `"continue": true` keeps the previous step's run; a step without
//!   `setup` continues too. Then `actions` ([`action::Action`]: crash the job or a subtask,
//!   rescale, inject a fault, trigger a checkpoint, `set` settings live) in one instant.
//! - **Run** ([`format::Run`]): `until` a [`condition::Condition`] on the engine's typed
//!   events (checkpoint n or `"next"`, subtask, key group; `times` for "N checkpoints
//!   completed") or the clock (`time_s`, `elapsed_s`); `within_s` bounds an event
//!   condition (the step ends anyway; the tests fail unless `may_time_out`); `pace` is the
//!   suggested speed in virtual seconds per wall second.
//! - **Callouts** ([`format::Callout`]): text on an [`anchor::Anchor`] — a subtask, a key
//!   group (or that of a key), a barrier in a channel, a chunk on the link, a stored
//!   checkpoint, a history row, a model formula, the source, link or store — shown from the
//!   `start`, while `running`, or at the `end` (default), always only while the thing
//!   exists.
//! - **Facts and `after`**: named [`probe::Probe`]s read when the run ends; `after` is a
//!   [`template`] filled with them: `{cp.offset}`, `{cp.data_size:bytes}`, `{ratio:.2}`.
//! - **Predict** ([`prediction::Prediction`]): asked before the run; each choice is a
//!   predicate on the probe's reading, so the engine decides which is right; the author
//!   marks the one they expect and the tests check the engine agrees. The explanation is a
//!   template over the probe's fields and the facts: never a canned number.
//! - **Try it** ([`try_it::TryIt`]): a task, a typed [`try_it::Goal`] checked on the
//!   simulation, a hint with its delay (the UI counts wall time), a scripted solution of
//!   the same actions (plus `advance_s` and `answer`), and an optional question for goals
//!   answered with a choice.
//!
//! # The session
//!
//! [`LessonSession::open`]`(id, step)` (1-based, as in `?lesson=ID&step=N`; unknown ids
//! and steps out of range are typed [`LessonError`]s that name the valid ones), then per
//! frame [`LessonSession::advance`]`(virtual µs)` → [`StepStatus`] (`Asking`, `Running`,
//! `Reached`, `TimedOut`, `Trying`, `Achieved`), and [`LessonSession::callouts`] (each with
//! its resolved [`anchor::Target`] and whether it is visible now). A prediction is
//! answered with [`LessonSession::answer`] (or skipped); the reveal carries the engine's
//! correct choices and the filled explanation. A try-it is played with the lab's controls
//! on [`LessonSession::sim_mut`], "show me" is [`LessonSession::show_me`].
//! [`LessonSession::next_step`] and [`LessonSession::previous_step`] move along the
//! lesson's canonical path (see `session.rs`): Previous restores the exact earlier state.
//!
//! # How the lessons are guarded
//!
//! `tests/lessons.rs` walks every lesson as the UI would and checks each step: the setup
//! applies, the run-until is reached within its bound, every callout's anchor exists when
//! the callout shows, every prediction has exactly one correct choice and it is the
//! expected one, every try-it goal is unmet at the handover and met by its solution, and
//! `open(id, n)` and Previous give the state walking gave (same digest). A lesson that
//! rots when the engine changes fails the build.

pub mod action;
pub mod anchor;
pub mod catalog;
pub mod condition;
pub mod format;
pub mod prediction;
pub mod probe;
pub mod session;
pub mod template;
pub mod try_it;

pub use catalog::{Catalog, CatalogErrors, LessonFileError, LessonSummary};
pub use format::{Lesson, Step};
pub use session::{LessonError, LessonSession, Progress, StepStatus};
