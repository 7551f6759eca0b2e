//! One person's session with the lab: the run (through the [`Driver`]), the page's own
//! state (playing, speed, selection, help, large font, messages) and what each
//! [`Intent`] does to them. The browser shell feeds it intents and animation frames,
//! performs the [`Effect`]s it returns, and draws the [`LabView`] it publishes.
//!
//! Every intent is handled here, explicitly; the shell adds nothing but the DOM.

use std::rc::Rc;

use crate::engine::faults::Fault;
use crate::engine::report::view::KeyGroupInspection;
use crate::engine::transfer::store::ChunkId;

use super::driver::{Budget, Driver, Progress};
use super::intent::{Intent, Selection};
use super::pacing::{Pacer, FRAME_BUDGET_MS};
use super::publish::Publisher;
use super::url;
use super::view::LabView;
use super::whatif::WhatIf;

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
    inspection_stale: bool,
    reduced_motion: bool,
}

pub struct Session {
    driver: Driver,
    page: Page,
    pacer: Pacer,
    what_if: WhatIf,
    publisher: Publisher,
    clock: Clock,
    /// The page's address without its query, for links that reproduce the run.
    address: String,
    revision: u64,
}

impl Session {
    /// Opens the lab at a URL query (`search`): the run it names, invalid values replaced
    /// by defaults and named in a message. `address` is the page's address without its
    /// query. With reduced motion the lab waits for play; otherwise it moves at once, to
    /// show what it is about. Returns the address bar's corrected query when the URL named
    /// settings, so the bar shows the run that really started.
    pub fn open(
        search: &str,
        address: String,
        reduced_motion: bool,
        clock: Clock,
    ) -> (Self, Option<Effect>) {
        let from_url = url::from_query(search);
        let (driver, start_note) = Driver::new(from_url.config);
        let mut problems = from_url.problems;
        problems.extend(start_note);
        let effect = (from_url.any || !problems.is_empty())
            .then(|| Effect::ReplaceQuery(url::to_query(driver.config())));
        let session = Self {
            driver,
            page: Page {
                playing: !reduced_motion,
                large_font: false,
                help_open: false,
                notice: (!problems.is_empty()).then(|| problems.join(NOTICE_SEPARATOR)),
                share_link: None,
                selection: None,
                inspection: None,
                inspected_at_ms: 0.0,
                inspection_stale: false,
                reduced_motion,
            },
            pacer: Pacer::default(),
            what_if: WhatIf::default(),
            publisher: Publisher::default(),
            clock,
            address,
            revision: 0,
        };
        (session, effect)
    }

    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// Whether animation frames are wanted: the run plays, a step is being worked
    /// through, or a comparison runs.
    pub fn busy(&self) -> bool {
        self.page.playing || self.driver.goal().is_some() || self.what_if.running()
    }

    /// What an intent does. Every intent is named here; none falls through.
    pub fn handle(&mut self, intent: Intent) -> Option<Effect> {
        match intent {
            Intent::TogglePlay => self.set_playing(!self.page.playing),
            Intent::Play => self.set_playing(true),
            Intent::Pause => self.set_playing(false),
            Intent::StepEvent => {
                self.set_playing(false);
                self.driver.step_event();
            }
            Intent::StepCheckpoint => {
                self.set_playing(false);
                if let Some(note) = self.driver.step_checkpoint() {
                    self.page.notice = Some(note);
                }
            }
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
            Intent::LoadTrace(text) => {
                let result = self.driver.load_trace(&text);
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
            Intent::CrashJob => self.driver.crash_job(),
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
                self.page.selection = selection;
                self.page.inspection = None;
                self.page.inspection_stale = true;
                self.refresh_inspection(true);
            }
            Intent::ToggleLargeFont => self.page.large_font = !self.page.large_font,
            Intent::ToggleHelp => self.page.help_open = !self.page.help_open,
            Intent::CopyLink => {
                let link = format!("{}?{}", self.address, url::to_query(self.driver.config()));
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
            Intent::RunWhatIf { horizon_s } => match self.driver.what_if_fits() {
                Ok(()) => self.what_if.start(self.driver.sim(), horizon_s),
                Err(why) => self.page.notice = Some(why),
            },
            Intent::CancelWhatIf => self.what_if.clear(),
        }
        None
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
    /// (towards a step's goal, or speed × wall time while playing), then the what-if
    /// forks in their own budget, then the inspection. Returns whether a picture should
    /// be published this frame.
    pub fn frame(&mut self, ts_ms: f64) -> bool {
        let dt_ms = self.pacer.frame_dt(ts_ms);
        let clock: &dyn Fn() -> f64 = &*self.clock;
        let budget = Budget {
            clock,
            deadline_ms: clock() + FRAME_BUDGET_MS,
        };
        let before = self.driver.sim().now_us();
        if self.driver.goal().is_some() {
            let (_, message) = self.driver.work_on_goal(&budget);
            if let Some(message) = message {
                self.page.notice = Some(message);
            }
        } else if self.page.playing {
            let target = self.pacer.target_after(dt_ms);
            let progress = self.driver.advance_towards(target, &budget);
            let now = self.driver.sim().now_us();
            let out_of_budget = progress == Progress::OutOfBudget;
            self.pacer.reached(before, now, dt_ms, out_of_budget);
        }
        self.pacer
            .count_emitted(self.driver.sim().source_offset(), dt_ms);
        self.what_if.work(clock);
        self.refresh_inspection(false);
        self.pacer.publish_due(self.page.playing)
    }

    /// The picture every view draws, as of now.
    pub fn publish(&mut self) -> Rc<LabView> {
        let t0 = (self.clock)();
        let run = self.publisher.publish(&self.driver, self.pacer.emit_rate());
        self.revision += 1;
        let page = &self.page;
        let view = LabView {
            config: run.config,
            view: run.view,
            history: run.history,
            events: run.events,
            samples: run.samples,
            selection: page.selection.clone(),
            inspection: page.inspection.clone(),
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
            effective_speed: self.pacer.effective_speed(page.playing),
            reduced_motion: page.reduced_motion,
            generation: run.generation,
            what_if: self.what_if.status().clone(),
        };
        self.pacer.published((self.clock)() - t0);
        Rc::new(view)
    }

    fn set_playing(&mut self, playing: bool) {
        if playing && !self.page.playing {
            self.pacer.rebase(self.driver.sim().now_us());
            self.driver.clear_goal();
        }
        self.page.playing = playing;
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

    /// The address bar's query for the running configuration.
    fn query(&self) -> Effect {
        Effect::ReplaceQuery(url::to_query(self.driver.config()))
    }

    /// After the simulation was replaced: nothing from the old run stays selected, and a
    /// comparison forked from it says nothing about the new one.
    fn after_new_run(&mut self) {
        self.page.selection = None;
        self.page.inspection = None;
        self.what_if.clear();
        self.pacer.rebase(self.driver.sim().now_us());
    }

    /// Re-reads the selected key group: at once when `force`d, otherwise at most every
    /// [`INSPECT_EVERY_MS`] while the run moves.
    fn refresh_inspection(&mut self, force: bool) {
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

#[cfg(test)]
mod tests;
