//! The lab's front-end logic, without a DOM: compiled on every target and tested natively
//! with `cargo test`, while the Yew shell in `ui` (wasm32 only) draws it and carries the
//! browser's events in.
//!
//! Dependencies go one way: `ui` → `lab` → `engine`. Nothing here names Yew, web-sys or a
//! wall clock; where time matters the shell passes one in.
//!
//! - [`intent`]: what a person can ask for.
//! - [`session`]: what each intent does to the run and the page (the reducer), one
//!   animation frame of work, and the effects the shell performs (clipboard, address bar).
//! - [`driver`]: the run behind the page; it owns the simulation and turns intents into
//!   engine calls within a frame's budget.
//! - [`pacing`]: how far a frame moves the run, whether it keeps up, how often the views
//!   are refreshed.
//! - [`moments`]: the moment the run is in (a checkpoint's barriers or uploads, a restart,
//!   a restore, a replay), its progress and how long it should last.
//! - [`slowmo`]: slow motion: each frame's speed, so every moment takes a watchable wall
//!   time.
//! - [`stepping`]: the kinds of moment "step" goes to (event, barrier, snapshot, chunk …).
//! - [`publish`] and [`view`]: the read-only picture every component draws.
//! - [`sweep`]: the What if tab's sweep: a grid of settings, each a fork of the run
//!   measured in a Web Worker, the Pareto plot, the recommendation, the run's expected
//!   cost of failures.
//! - [`motion`] and [`geometry`]: what the pipeline animates between pictures, and
//!   picking what a click or tap touched.
//! - [`url`]: the configuration and seed as a query string, and back; [`branch_link`]:
//!   the timeline's branches in the same query, as data.
//! - [`keyboard`]: which key stands for which intent.
//! - [`fields`]: every configuration field the panels offer, parsed and validated.
//! - [`faults`]: the Faults panel's inputs, checked against the job and the engine's rules.
//! - numbers are formatted by `engine::report::format`, one convention for the whole lab
//!   (the engine's own messages use it too).
//! - [`inspect`] and [`history`]: the inspector's facts (and why a key group was shipped
//!   or held back, why a checkpoint failed) and the checkpoint history's cells as text,
//!   so the two say the same sizes the same way.
//! - [`recovery`]: the recovery readout as text (phase, checkpoint, replay counter).
//! - [`model`]: the state-transfer model panel's formulas and numbers, one symbol each.
//! - [`scale`]: the scale model's marker: "scale model 1:F" with the real job's sizes.
//! - [`prefs`]: what the page remembers between visits (slow motion, the dock's tab …).
//! - [`lesson`]: the lessons in the page: the panel's picture, deep links, their keys,
//!   where callouts go, how long each lesson takes.

pub mod branch_link;
pub mod calibration;
pub mod compare;
pub mod driver;
pub mod export;
pub mod faults;
pub mod fields;

pub mod geometry;
pub mod history;
pub mod inspect;
pub mod intent;
pub mod keyboard;
pub mod lesson;
pub mod model;
pub mod moments;
pub mod motion;
pub mod pacing;
pub mod prefs;
pub mod publish;
pub mod recovery;
pub mod result;
pub mod scale;
pub mod session;
pub mod side_by_side;
pub mod slowmo;
pub mod stepping;
pub mod sweep;
pub mod timeline;
pub mod trace_preview;
pub mod travel;
pub mod url;
pub mod view;
