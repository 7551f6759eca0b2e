//! One person's session with the lab: the run (through the [`Driver`]), the page's own
//! state (playing, speed, selection, help, large font, presenter mode, slow motion, the
//! dock's tab, messages) and what each [`Intent`] does to them. The browser shell feeds
//! it intents and animation frames, performs the [`Effect`]s it returns, stores its
//! preferences, and draws the [`LabView`] it publishes.
//!
//! Every intent is handled here, explicitly; the shell adds nothing but the DOM.

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::engine::faults::Fault;
use crate::engine::report::view::KeyGroupInspection;
use crate::engine::transfer::store::ChunkId;

use super::branch_link;
use super::calibration::CalibrationTab;
use super::driver::{Budget, Driver, Progress};
use super::export::{self, Download};
use super::faults;
use super::intent::{Intent, Selection, Target};
use super::lesson::{link, Lessons};
use super::model::Spot;
use super::moments::Moment;
use super::pacing::{Pacer, FRAME_BUDGET_MS};
use super::prefs::{DockTab, Prefs};
use super::publish::Publisher;
use super::result::{self, ResultView};
use super::slowmo::{stop_for, SlowMotion};
use super::stepping::StepKind;
use super::sweep::{Order, Sweep, SweepIntent};
use super::url;
use super::view::LabView;
use crate::engine::partitioning::trace::{Column, TraceFormat};

/// The query that reproduces the run: its configuration, and once it has branches, the
/// configuration it started with and every branch (`branch_link`).
fn link_query(driver: &Driver) -> String {
    let timeline = driver.travel().timeline();
    if timeline.len() < 2 {
        return url::to_query(driver.config());
    }
    let base = timeline.base_config();
    format!(
        "{}&{}",
        url::to_query(base),
        branch_link::to_query(&driver.travel_link(), base)
    )
}

/// A wall clock in ms (the page's `performance.now()`); tests pass their own.
pub type Clock = Box<dyn Fn() -> f64>;

/// A key group's inspection (which really encodes it with every codec) is refreshed at
/// most this often while the run plays, in wall ms.
pub const INSPECT_EVERY_MS: f64 = 500.0;
/// Several messages at once are joined with this; the page shows them as a list.
pub const NOTICE_SEPARATOR: &str = " · ";

/// Something the browser shell does for the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The running configuration or seed changed: the address bar should carry this
    /// query (a `url::to_query` string), so a reload reproduces the run.
    ReplaceQuery(String),
    /// Put this text on the clipboard; the shell reports back with
    /// [`Session::copied`] or [`Session::copy_refused`].
    CopyToClipboard(String),
    /// A page switch that lives in the address bar (`present=1`): set or drop it, so a
    /// reload keeps it.
    SetFlag(&'static str, bool),
    /// Save this file (an Export button).
    Download(Download),
}

/// The page's own state, besides the run.
struct Page {
    playing: bool,
    large_font: bool,
    help_open: bool,
    notice: Option<String>,
    share_link: Option<String>,
    selection: Option<Selection>,
    inspection: Option<Rc<KeyGroupInspection>>,
    /// Wall ms of the last inspection, and whether the run changed since.
    inspected_at_ms: f64,
    /// The Inspect tab's result search, what it showed, and the run's (generation,
    /// virtual time) and wall ms it was read at.
    result_query: String,
    result: Option<Rc<ResultView>>,
    result_read: Option<((u64, u64), f64)>,
    inspection_stale: bool,
    reduced_motion: bool,
    presenter: bool,
    step_kind: StepKind,
    dock_tab: DockTab,
    closed_groups: Rc<BTreeSet<String>>,
    targets: (String, String, String),
    spotlight: Option<(Spot, u64)>,
    /// The preferences changed since the shell last stored them.
    prefs_dirty: bool,
    /// Around what slow motion holds the run now.
    slowed: Option<String>,
    /// The address bar carries branches (`branch_link`): it follows them after intents.
    linked_branches: bool,
}

pub struct Session {
    driver: Driver,
    page: Page,
    pacer: Pacer,
    slow_motion: SlowMotion,
    sweep: Sweep,
    calibration: CalibrationTab,
    publisher: Publisher,
    clock: Clock,
    /// The page's address without its query, for links that reproduce the run.
    address: String,
    revision: u64,
    /// The open lesson, the picker, the start screen (`session/lesson.rs`).
    lessons: Lessons,
}

impl Session {
    /// Opens the lab at a URL query (`search`): the run it names, invalid values replaced
    /// by defaults and named in a message. `address` is the page's address without its
    /// query; `prefs` what the page remembered (`Prefs::to_text`, "" for none). With
    /// reduced motion the lab waits for play; otherwise it moves at once, to show what it
    /// is about. `?present=1` opens presenter mode, `?slowmo=0` or `1` overrides the
    /// remembered slow motion. Returns the address bar's corrected query when the URL
    /// named settings, so the bar shows the run that really started.
    pub fn open(
        search: &str,
        address: String,
        reduced_motion: bool,
        prefs: &str,
        clock: Clock,
    ) -> (Self, Option<Effect>) {
        // `lesson` and `step` name a lesson, not a setting (`session/lesson.rs`).
        let from_url = url::from_query(&link::without_lesson(search));
        let (mut driver, start_note) = Driver::new(from_url.config);
        let mut problems = from_url.problems;
        problems.extend(start_note);
        // The branches the link carries, replayed on the run it names (read against the
        // configuration that really started).
        let branches = branch_link::decode(&url::parse_query(search), driver.config());
        if let Some(decoded) = &branches {
            problems.extend(
                decoded
                    .refused
                    .as_ref()
                    .map(|e| format!("{e}; the run itself is kept")),
            );
            if !decoded.link.branches.is_empty() {
                if let Err(e) = driver.open_link(&decoded.link) {
                    problems.push(e.to_string());
                }
            }
        }
        let linked = driver.travel().timeline().len() > 1;
        let effect = (from_url.any || !problems.is_empty() || branches.is_some())
            .then(|| Effect::ReplaceQuery(link_query(&driver)));
        let prefs = Prefs::parse(prefs);
        let mut slow_motion = SlowMotion::default();
        let slow = if url::query_has(search, "slowmo", "0") {
            false
        } else if url::query_has(search, "slowmo", "1") {
            true
        } else {
            prefs.slow_motion
        };
        slow_motion.set_enabled(slow);
        let sweep = Sweep::new(driver.config());
        let mut session = Self {
            driver,
            page: Page {
                // A link with branches opens where it was copied, still: the comparison
                // is what it shares.
                playing: !reduced_motion && !linked,
                large_font: prefs.large_font,
                help_open: false,
                notice: (!problems.is_empty()).then(|| problems.join(NOTICE_SEPARATOR)),
                share_link: None,
                selection: None,
                inspection: None,
                inspected_at_ms: 0.0,
                result_query: String::new(),
                result: None,
                result_read: None,
                inspection_stale: false,
                reduced_motion,
                presenter: url::query_has(search, "present", "1"),
                step_kind: prefs.step_kind,
                dock_tab: prefs.tab,
                closed_groups: Rc::new(prefs.closed_groups),
                targets: ("0".into(), "8".into(), "0".into()),
                spotlight: None,
                prefs_dirty: false,
                slowed: None,
                linked_branches: linked,
            },
            pacer: Pacer::default(),
            slow_motion,
            sweep,
            calibration: CalibrationTab::default(),
            publisher: Publisher::default(),
            clock,
            address,
            revision: 0,
            lessons: Lessons::default(),
        };
        let effect = session
            .open_lessons(search, prefs.intro_seen, from_url.any)
            .or(effect);
        (session, effect)
    }

    /// The preferences to store, when they changed since the last call.
    pub fn take_prefs(&mut self) -> Option<String> {
        if !std::mem::take(&mut self.page.prefs_dirty) {
            return None;
        }
        let page = &self.page;
        Some(
            Prefs {
                slow_motion: self.slow_motion.enabled(),
                large_font: page.large_font,
                tab: page.dock_tab,
                closed_groups: (*page.closed_groups).clone(),
                step_kind: page.step_kind,
                intro_seen: self.lessons.intro_seen,
            }
            .to_text(),
        )
    }

    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// Whether animation frames are wanted: the run plays, a step is being worked
    /// through, or the compared branch catches up. (A sweep's workers answer with messages, not frames.)
    pub fn busy(&self) -> bool {
        self.page.playing
            || self.driver.goal().is_some()
            || self.calibration.running()
            || self.lessons_busy()
            || self.driver.travel().catching_up(self.driver.sim().now_us())
    }

    /// What an intent does: the lessons' own, or the lab's (which an open lesson watches:
    /// `session/lesson.rs`).
    pub fn handle(&mut self, intent: Intent) -> Option<Effect> {
        match self.route(intent) {
            lesson::Routed::Done(effect) => effect,
            lesson::Routed::Lab(intent) => {
                let effect = self.handle_lab(intent);
                let effect = effect.or_else(|| self.follow_branches());
                self.after_lab(effect)
            }
        }
    }

    /// What an intent does to the lab. Every intent is named here; none falls through.
    fn handle_lab(&mut self, intent: Intent) -> Option<Effect> {
        match intent {
            Intent::TogglePlay => self.set_playing(!self.page.playing),
            Intent::Play => self.set_playing(true),
            Intent::Pause => self.set_playing(false),
            Intent::StepMoment => self.step(self.page.step_kind),
            Intent::StepTo(kind) => {
                self.set_step_kind(kind);
                self.step(kind);
            }
            Intent::SetStepKind(kind) => self.set_step_kind(kind),
            Intent::StepCheckpoint => self.step(StepKind::Checkpoint),
            Intent::SetSpeed(speed) => self.set_speed(speed),
            Intent::SpeedUp => self.set_speed(self.pacer.speed() * 2.0),
            Intent::SpeedDown => self.set_speed(self.pacer.speed() / 2.0),
            Intent::Reset => {
                self.page.notice = self
                    .driver
                    .reset()
                    .err()
                    .map(|e| format!("reset failed: {e}"));
                self.after_new_run();
            }
            Intent::SetSeed(seed) => {
                let result = self.driver.set_seed(seed);
                self.say(result.map(Some));
                self.after_new_run();
                return Some(self.query());
            }
            Intent::ApplyConfig(config) => {
                let generation = self.driver.generation();
                let result = self.driver.apply_config(*config);
                self.say(result);
                if self.driver.generation() != generation {
                    self.after_new_run();
                }
                return Some(self.query());
            }
            Intent::LoadTrace { text, key, value } => {
                let columns = |what: &str, text: &str| {
                    Column::parse(text)
                        .map_err(|e| format!("trace refused: the {what} column: {e}"))
                };
                let result = columns("key", &key)
                    .and_then(|key| {
                        Ok(TraceFormat {
                            key,
                            value: columns("value", &value)?,
                        })
                    })
                    .and_then(|format| self.driver.load_trace(&text, &format));
                let loaded = result.is_ok();
                self.say(result.map(Some));
                if loaded {
                    self.after_new_run();
                    return Some(self.query());
                }
            }
            Intent::TriggerCheckpoint => {
                let result = self.driver.trigger_checkpoint();
                self.say(result.map(|()| None));
            }
            Intent::CrashJob => {
                let result = self.driver.crash_job();
                self.say(result.map(|()| None));
            }
            Intent::CrashSubtask(subtask) => {
                let result = self.driver.crash_subtask(subtask);
                self.say(result.map(|()| None));
            }
            Intent::Rescale(parallelism) => {
                let result = self.driver.rescale(parallelism);
                self.say(result.map(Some));
                return Some(self.query());
            }
            Intent::CorruptChunk(chunk) => {
                let result = self.driver.corrupt_chunk(chunk);
                self.say(result.map(|()| Some(corrupted_message(chunk))));
            }
            Intent::LoseChunk(chunk) => {
                let result = self.driver.lose_chunk(chunk);
                self.say(result.map(|()| Some(lost_message(chunk))));
            }
            Intent::InjectFault(fault) => {
                // A rescale changes the running configuration; the address bar follows.
                let rescale = matches!(fault, Fault::Rescale { .. });
                let result = self.driver.inject(&fault);
                self.say(result.map(Some));
                if rescale {
                    return Some(self.query());
                }
            }
            Intent::Select(selection) => {
                // What was clicked shows in the inspector.
                if selection.is_some() && self.page.dock_tab != DockTab::Inspector {
                    self.page.dock_tab = DockTab::Inspector;
                    self.page.prefs_dirty = true;
                }
                self.page.selection = selection;
                self.page.inspection = None;
                self.page.inspection_stale = true;
                self.refresh_inspection(true);
            }
            Intent::SetTarget(target, text) => {
                let t = &mut self.page.targets;
                match target {
                    Target::Subtask => t.0 = text,
                    Target::Parallelism => t.1 = text,
                    Target::KeyGroup => t.2 = text,
                }
            }
            Intent::CrashTargetSubtask => {
                let result = self
                    .target_subtask()
                    .and_then(|subtask| self.driver.crash_subtask(subtask));
                self.say(result.map(|()| None));
            }
            Intent::RescaleToTarget => {
                let key_groups = self.driver.sim().partitioning().max_parallelism();
                let result = faults::rescale(&self.page.targets.1, key_groups)
                    .map_err(|e| format!("rescale: {e}"))
                    .and_then(|p| self.driver.rescale(p));
                let rescaled = result.is_ok();
                self.say(result.map(Some));
                if rescaled {
                    return Some(self.query());
                }
            }
            Intent::CorruptTargetChunk => {
                let result = self.target_chunk().and_then(|chunk| {
                    self.driver
                        .corrupt_chunk(chunk)
                        .map(|()| corrupted_message(chunk))
                });
                self.say(result.map(Some));
            }
            Intent::LoseTargetChunk => {
                let result = self
                    .target_chunk()
                    .and_then(|chunk| self.driver.lose_chunk(chunk).map(|()| lost_message(chunk)));
                self.say(result.map(Some));
            }
            Intent::Spotlight(spot) => {
                let n = self.page.spotlight.map_or(1, |(_, n)| n + 1);
                self.page.spotlight = Some((spot, n));
            }
            Intent::ToggleSlowMotion => {
                let on = !self.slow_motion.enabled();
                self.slow_motion.set_enabled(on);
                self.pacer.rebase(self.driver.sim().now_us());
                self.page.prefs_dirty = true;
                self.page.notice = Some(if on {
                    "slow motion on: the run slows down around checkpoints, restores and \
                     replays so each moment can be watched (M switches it)"
                        .into()
                } else {
                    "slow motion off: the run keeps the speed asked throughout (M switches it)"
                        .into()
                });
            }
            Intent::TogglePresenter => {
                self.page.presenter = !self.page.presenter;
                return Some(Effect::SetFlag("present", self.page.presenter));
            }
            Intent::ShowTab(tab) => {
                if tab == DockTab::WhatIf {
                    self.sweep.refresh_soon();
                }
                self.page.dock_tab = tab;
                self.page.prefs_dirty = true;
                self.refresh_result(true);
            }
            Intent::GroupOpen(group, open) => {
                let mut closed = (*self.page.closed_groups).clone();
                let changed = if open {
                    closed.remove(&group)
                } else {
                    closed.insert(group)
                };
                if changed {
                    self.page.closed_groups = Rc::new(closed);
                    self.page.prefs_dirty = true;
                }
            }
            Intent::ToggleLargeFont => {
                self.page.large_font = !self.page.large_font;
                self.page.prefs_dirty = true;
            }
            Intent::ToggleHelp => self.page.help_open = !self.page.help_open,
            Intent::CopyLink => {
                let link = format!("{}?{}", self.address, link_query(&self.driver));
                return Some(Effect::CopyToClipboard(link));
            }
            Intent::Dismiss => {
                if self.page.help_open {
                    self.page.help_open = false;
                } else if self.page.share_link.is_some() {
                    self.page.share_link = None;
                } else {
                    self.page.selection = None;
                    self.page.inspection = None;
                }
            }
            Intent::Sweep(intent) => return self.sweep_intent(intent),
            Intent::FlinkFetching(url) => self.calibration.fetching(url),
            Intent::FlinkAnswers { from, files } => {
                let lab = self.lab_bytes();
                self.calibration.answers(from, files, lab);
            }
            Intent::FlinkFetchFailed { url, message } => {
                self.calibration.fetch_failed(&url, &message)
            }
            Intent::FlinkKnown { name, text } => {
                let lab = self.lab_bytes();
                self.calibration.known(name, &text, lab);
            }
            Intent::FlinkForgetKnown => {
                let lab = self.lab_bytes();
                self.calibration.forget_known(lab);
            }
            Intent::OpenCalibrated => {
                if let Some(config) = self.calibration.config() {
                    return self.handle(Intent::ApplyConfig(Box::new(config)));
                }
            }
            Intent::Export(export) => match export::build(export, self.driver.sim()) {
                Ok(download) => return Some(Effect::Download(download)),
                Err(why) => self.page.notice = Some(why),
            },
            Intent::Travel(travel) => return self.travel(travel),
            Intent::FindKey(query) => {
                self.page.result_query = query;
                self.refresh_result(true);
            }
            // Routed to `lesson_intent` before this.
            Intent::Lesson(_) => {}
        }
        None
    }

    /// The sweep's intents: running it pauses the run (the cells fork from this moment),
    /// applying a cell puts its setting on the run.
    fn sweep_intent(&mut self, intent: SweepIntent) -> Option<Effect> {
        match intent {
            SweepIntent::Run { cores } => {
                self.set_playing(false);
                let now_ms = (self.clock)();
                self.sweep.start(self.driver.sim(), cores, now_ms);
            }
            SweepIntent::Apply(cell) => {
                let result = self.sweep.setting_of(cell, self.driver.config()).and_then(
                    |(config, label)| {
                        let generation = self.driver.generation();
                        let said = self.driver.apply_config(config)?;
                        if self.driver.generation() != generation {
                            self.after_new_run();
                        }
                        Ok(Some(match said {
                            Some(s) => format!("from the sweep, {label}: {s}"),
                            None => format!("from the sweep, {label} applied to the run"),
                        }))
                    },
                );
                let applied = result.is_ok();
                self.say(result);
                if applied {
                    return Some(self.query());
                }
            }
            other => self.sweep.handle(other, self.driver.config()),
        }
        None
    }

    /// A message from sweep worker `worker` (JSON text).
    pub fn sweep_reply(&mut self, worker: usize, text: &str) {
        let now_ms = (self.clock)();
        self.sweep.reply(worker, text, now_ms);
    }

    /// Sweep worker `worker` stopped (its script failed, or its engine trapped).
    pub fn sweep_worker_failed(&mut self, worker: usize, why: &str) {
        let now_ms = (self.clock)();
        self.sweep.worker_failed(worker, why, now_ms);
    }

    /// What the shell should do with the sweep's workers since the last call.
    pub fn take_sweep_orders(&mut self) -> Vec<Order> {
        self.sweep.take_orders()
    }

    /// The link was copied: say so.
    pub fn copied(&mut self) {
        self.page.share_link = None;
        self.page.notice = Some("link copied: it reproduces this configuration and seed".into());
    }

    /// The browser refused the clipboard: show the link for copying by hand.
    pub fn copy_refused(&mut self, link: String) {
        self.page.share_link = Some(link);
    }

    /// The person closed the message.
    pub fn dismiss_notice(&mut self) {
        self.page.notice = None;
    }

    /// The person closed the link shown for copying.
    pub fn dismiss_share_link(&mut self) {
        self.page.share_link = None;
    }

    /// Frames stopped (nothing to do, or a hidden tab): the next one starts afresh
    /// instead of standing for the whole pause.
    pub fn frames_stopped(&mut self) {
        self.pacer.forget_frame_time();
    }

    /// One animation frame at `ts_ms`: the run's engine work within the frame budget
    /// (towards a step's goal, or the frame's speed × wall time while playing: the speed
    /// asked, or slow motion's around a moment), then the inspection. Returns whether a picture should be published.
    pub fn frame(&mut self, ts_ms: f64) -> bool {
        let dt_ms = self.pacer.frame_dt(ts_ms);
        // An open lesson plays its step (or holds its picture) in this frame itself.
        let lesson_played = self.lesson_frame(dt_ms);
        let clock: &dyn Fn() -> f64 = &*self.clock;
        let budget = Budget {
            clock,
            deadline_ms: clock() + FRAME_BUDGET_MS,
        };
        let before = self.driver.sim().now_us();
        if lesson_played {
        } else if self.driver.goal().is_some() {
            let (_, message) = self.driver.work_on_goal(&budget);
            if let Some(message) = message {
                self.page.notice = Some(message);
            }
            self.page.slowed = None;
        } else if self.page.playing {
            let sim = self.driver.sim();
            let moment = Moment::read(sim);
            let trigger_in = sim.next_trigger_at_us().map(|t| t.saturating_sub(before));
            let plan = self.slow_motion.plan(
                moment.as_ref(),
                trigger_in,
                before,
                self.pacer.speed(),
                dt_ms,
            );
            self.page.slowed = plan.around;
            let target = self.pacer.target_after(dt_ms, plan.speed);
            // With slow motion on, the frame stops exactly where a moment begins, so the
            // next frame slows down before any of it passes.
            let stop = self
                .slow_motion
                .enabled()
                .then(|| stop_for(moment.as_ref()));
            let progress = self.driver.advance_towards(target, &budget, stop);
            let now = self.driver.sim().now_us();
            let planned = plan.speed * dt_ms * 1000.0;
            if progress == Progress::Stopped {
                // Stopped on purpose: the rest of this frame's aim is dropped, and the
                // frame counts as keeping up.
                self.pacer.settle_at(now);
                self.pacer
                    .reached(before, now, dt_ms, (now - before) as f64, plan.speed);
            } else {
                self.pacer.reached(before, now, dt_ms, planned, plan.speed);
            }
        }
        self.pacer
            .count_emitted(self.driver.sim().source_offset(), dt_ms);
        self.calibration.work(clock);
        self.lesson_after_frame();
        self.refresh_inspection(false);
        self.pacer.publish_due(self.page.playing)
    }

    /// The picture every view draws, as of now.
    pub fn publish(&mut self) -> Rc<LabView> {
        let t0 = (self.clock)();
        let selected = match self.page.selection {
            Some(Selection::KeyGroup(kg)) => Some(kg),
            _ => None,
        };
        let run = self
            .publisher
            .publish(&self.driver.run(), self.pacer.emit_rate(), selected);
        if let Some(note) = self.driver.take_travel_note() {
            self.page.notice = Some(match self.page.notice.take() {
                Some(said) => format!("{note}{NOTICE_SEPARATOR}{said}"),
                None => note,
            });
        }
        // A comparison costs two seeks: it is made again only while the run stands still.
        let settled = !self.page.playing && self.driver.goal().is_none();
        let timeline = Rc::new(self.driver.timeline_view(settled));
        self.revision += 1;
        let now_ms = (self.clock)();
        let wanted = self.page.dock_tab == DockTab::WhatIf || self.sweep.open();
        self.sweep
            .refresh_run_cost(self.driver.sim(), now_ms, wanted);
        let sweep = self.sweep.view(now_ms);
        let lessons = self.publish_lessons(&run.view);
        let page = &self.page;
        let view = LabView {
            config: run.config,
            view: run.view,
            history: run.history,
            events: run.events,
            samples: run.samples,
            selection: page.selection.clone(),
            inspection: page.inspection.clone(),
            result: page.result.clone(),
            playing: page.playing,
            speed: self.pacer.speed(),
            large_font: page.large_font,
            help_open: page.help_open,
            notice: page.notice.clone(),
            share_link: page.share_link.clone(),
            revision: self.revision,
            emitted: run.emitted,
            dot_stride: run.dot_stride,
            corrupted: run.corrupted,
            stepping: run.stepping,
            behind: self.pacer.behind(page.playing),
            slow_motion: self.slow_motion.enabled(),
            slowed: page.slowed.clone(),
            // Read now, so a step or a crash while paused shows its moment at once.
            moment: Moment::read(self.driver.sim()),
            step_kind: page.step_kind,
            presenter: page.presenter,
            dock_tab: page.dock_tab,
            closed_groups: page.closed_groups.clone(),
            targets: page.targets.clone(),
            spotlight: page.spotlight,
            reduced_motion: page.reduced_motion,
            generation: run.generation,
            sweep,
            calibration: self.calibration.view().clone(),
            timeline,
            lessons,
        };
        self.pacer.published((self.clock)() - t0);
        Rc::new(view)
    }

    /// The lab run's memory estimate: what a comparison beside it must leave room for.
    fn lab_bytes(&self) -> u64 {
        self.driver.memory_bytes()
    }

    fn set_playing(&mut self, playing: bool) {
        if playing && !self.page.playing {
            self.pacer.rebase(self.driver.sim().now_us());
            self.slow_motion.forget();
            self.driver.clear_goal();
        }
        self.page.playing = playing;
    }

    fn set_step_kind(&mut self, kind: StepKind) {
        if self.page.step_kind != kind {
            self.page.step_kind = kind;
            self.page.prefs_dirty = true;
        }
    }

    /// Pauses and steps to the next moment of `kind`.
    fn step(&mut self, kind: StepKind) {
        self.set_playing(false);
        if let Some(note) = self.driver.step(kind) {
            self.page.notice = Some(note);
        }
    }

    /// The subtask the keys and the action bar crash: the selected one, the selected key
    /// group's, or the action bar's.
    fn target_subtask(&self) -> Result<u32, String> {
        let sim = self.driver.sim();
        let partitioning = sim.partitioning();
        match self.page.selection {
            Some(Selection::Subtask(i)) => Ok(i),
            Some(Selection::KeyGroup(kg)) if kg < partitioning.max_parallelism() => {
                Ok(partitioning.subtask_of_key_group(kg))
            }
            _ => faults::subtask(&self.page.targets.0, partitioning.parallelism())
                .map_err(|e| format!("crash subtask: {e}")),
        }
    }

    /// The chunk the keys and the action bar damage: the selected one, the selected key
    /// group's in the latest checkpoint, or the action bar's key group's.
    fn target_chunk(&self) -> Result<ChunkId, String> {
        let sim = self.driver.sim();
        let latest = sim.store().latest();
        let of_key_group = |kg: u32| {
            latest
                .and_then(|c| c.manifest.iter().find(|r| r.key_group == kg))
                .map(|r| r.chunk)
                .ok_or_else(|| format!("key group {kg} has no chunk in a completed checkpoint yet"))
        };
        match self.page.selection {
            Some(Selection::Chunk(id)) => Ok(id),
            Some(Selection::KeyGroup(kg)) => of_key_group(kg),
            _ => {
                let view = sim.view();
                faults::chunk_of(
                    &self.page.targets.2,
                    sim.partitioning().max_parallelism(),
                    view.store.checkpoints.last(),
                )
            }
        }
    }

    fn set_speed(&mut self, speed: f64) {
        self.pacer.set_speed(speed, self.driver.sim().now_us());
    }

    /// The driver's answer, as a message (or none).
    fn say(&mut self, result: Result<Option<String>, String>) {
        match result {
            Ok(Some(message)) | Err(message) => self.page.notice = Some(message),
            Ok(None) => {}
        }
    }

    /// The address bar's query for the running configuration (and its branches).
    fn query(&self) -> Effect {
        Effect::ReplaceQuery(link_query(&self.driver))
    }

    /// While the run has branches (or just had), the address bar follows them after
    /// each intent: a fork, an action, a switch, a pause (the branches' ends move while
    /// the run plays; the address bar is not rewritten every frame).
    fn follow_branches(&mut self) -> Option<Effect> {
        let branched = self.driver.travel().timeline().len() > 1;
        if !branched && !self.page.linked_branches {
            return None;
        }
        self.page.linked_branches = branched;
        Some(self.query())
    }

    /// After the simulation was replaced: nothing from the old run stays selected, and a
    /// comparison forked from it says nothing about the new one.
    fn after_new_run(&mut self) {
        self.page.selection = None;
        self.page.inspection = None;
        self.sweep.new_run(self.driver.config());
        self.pacer.rebase(self.driver.sim().now_us());
        self.slow_motion.forget();
        self.refresh_result(true);
    }

    /// Re-reads the selected key group: at once when `force`d, otherwise at most every
    /// [`INSPECT_EVERY_MS`] while the run moves.
    fn refresh_inspection(&mut self, force: bool) {
        self.refresh_result(force);
        let Some(Selection::KeyGroup(kg)) = self.page.selection else {
            return;
        };
        let now_ms = (self.clock)();
        let page = &mut self.page;
        let moving = page.playing || self.driver.goal().is_some();
        let due = force || !page.playing || now_ms - page.inspected_at_ms >= INSPECT_EVERY_MS;
        if due && (force || page.inspection_stale || moving) {
            page.inspection = self.driver.inspect(kg).map(Rc::new);
            page.inspected_at_ms = now_ms;
            page.inspection_stale = false;
        }
    }
}

impl Session {
    /// Re-reads the job's result while the Inspect tab shows it: at once when `force`d
    /// (a new search), otherwise when the run moved, at most every [`INSPECT_EVERY_MS`].
    fn refresh_result(&mut self, force: bool) {
        if self.page.dock_tab != DockTab::Inspector {
            return;
        }
        let now_ms = (self.clock)();
        let at = (self.driver.generation(), self.driver.sim().now_us());
        let due = match self.page.result_read {
            None => true,
            Some((read_at, wall)) => force || (read_at != at && now_ms - wall >= INSPECT_EVERY_MS),
        };
        if due {
            let view = result::read(self.driver.sim(), &self.page.result_query);
            self.page.result = Some(Rc::new(view));
            self.page.result_read = Some((at, now_ms));
        }
    }
}

fn corrupted_message(chunk: ChunkId) -> String {
    format!(
        "chunk {chunk} corrupted (one bit flipped): a restore that reads it fails its \
         checksum and falls back to an older checkpoint"
    )
}

fn lost_message(chunk: ChunkId) -> String {
    format!(
        "chunk {chunk} lost from the store: a restore that needs it falls back to an older \
         checkpoint"
    )
}

mod lesson;
mod travel;

#[cfg(test)]
mod tests;
