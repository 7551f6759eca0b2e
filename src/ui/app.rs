//! The root component: it owns the run (the engine's `Simulation`, through [`Driver`])
//! and the page's own state, turns every [`Intent`] into engine calls, runs the
//! animation-frame loop, and publishes one read-only [`LabState`] per frame through the
//! Yew context. It also lays out the page.
//!
//! The frame loop keeps the page responsive: each frame advances virtual time by
//! speed × wall time, but engine work stops when a budget (measured here, with
//! `performance.now()`, never inside the engine) is spent; the run then falls behind
//! and the top bar says so instead of freezing frames.

use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::engine::report::view::KeyGroupInspection;
use crate::engine::report::whatif::WhatIfRun;

use super::controls::Controls;
use super::driver::{Budget, Driver, Progress};
use super::help::Help;
use super::inspector::Inspector;
use super::keyboard;
use super::lab::{EmittedRecord, Intent, LabState, Selection, WhatIfStatus};
use super::metrics::Metrics;
use super::pipeline::Pipeline;
use super::topbar::TopBar;
use super::url;

/// Engine work allowed per animation frame, in ms of wall time: well under half a 60 Hz
/// frame, leaving the rest for the views, the canvas and the browser.
const FRAME_BUDGET_MS: f64 = 7.0;
/// Extra engine time per frame for the what-if forks while a comparison runs.
const WHAT_IF_BUDGET_MS: f64 = 4.0;
/// Wall time a frame may stand for; longer gaps (a stalled tab) do not turn into a burst
/// of catch-up work.
const MAX_FRAME_DT_MS: f64 = 100.0;
/// How far behind the requested speed the run may fall before the debt is forgiven, in
/// ms of wall time.
const MAX_LAG_MS: f64 = 250.0;
/// Publishing a state (building the view, history, log and samples) should stay under
/// this per frame; past it, states are published every few frames instead.
const PUBLISH_BUDGET_MS: f64 = 2.5;
pub const MIN_SPEED: f64 = 0.01;
pub const MAX_SPEED: f64 = 100.0;
/// Dots per wall second the pipeline can show legibly; above that, dots are sampled.
const DOTS_PER_SECOND: f64 = 90.0;
/// Most dots one published state carries (a step may emit thousands of records at once).
const MAX_DOTS_PER_STATE: u64 = 60;
/// How many checkpoint history rows, log entries and samples a state carries.
const HISTORY_ROWS: usize = 100;
const EVENT_ROWS: usize = 200;
const SAMPLE_ROWS: usize = 3_000;
/// A key group's inspection (which really encodes it with every codec) is refreshed at
/// most this often while the run plays.
const INSPECT_EVERY_MS: f64 = 500.0;

type PromiseCallback = Closure<dyn FnMut(JsValue)>;

pub enum Msg {
    Intent(Intent),
    Frame(f64),
    VisibilityChanged,
    Copied(Result<(), String>),
    DismissNotice,
    DismissLink,
}

/// The pending animation frame; dropping it would free the callback the browser holds.
struct Raf {
    handle: i32,
    _callback: Closure<dyn FnMut(f64)>,
}

pub struct App {
    driver: Driver,
    dispatch: Callback<Intent>,
    playing: bool,
    speed: f64,
    large_font: bool,
    help_open: bool,
    notice: Option<String>,
    selection: Option<Selection>,
    inspection: Option<Rc<KeyGroupInspection>>,
    inspected_at_ms: f64,
    inspection_stale: bool,
    share_link: Option<String>,
    copy_callbacks: Option<(PromiseCallback, PromiseCallback)>,
    reduced_motion: bool,
    visible: bool,

    state: LabState,
    revision: u64,

    raf: Option<Raf>,
    last_frame_ms: Option<f64>,
    /// Virtual time the run should have reached while playing, in µs.
    target_us: f64,
    /// Smoothed virtual µs reached per wall ms, and how often the budget ran out.
    reached_speed: f64,
    behind: f64,
    /// Smoothed records emitted per wall second, for choosing the dot sampling.
    emit_rate: f64,
    dot_stride: u64,
    /// The source offset at the previous frame, for `emit_rate`.
    frame_offset: u64,

    // What the published state was built from, to skip rebuilding unchanged parts.
    published_offset: u64,
    published_generation: u64,
    history_key: Option<(usize, u64, u64, u64, u32, u64)>,
    events_key: Option<usize>,
    samples_key: Option<(usize, u64)>,

    /// Smoothed cost of building a published state, and frames since the last one.
    publish_ms: f64,
    frames_unpublished: u32,
    /// `?perf=1`: log frames whose work took long, split into engine, publish and render.
    perf_log: bool,
    perf_marks: Option<(f64, f64, f64)>,

    /// A what-if comparison in progress: the forks, its horizon and when it was taken.
    what_if: Option<(WhatIfRun, u32, u64)>,
    what_if_status: WhatIfStatus,

    _keyboard: keyboard::Listener,
    _visibility: keyboard::Listener,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let from_url = url::from_query(&url::current_search());
        let (driver, start_note) = Driver::new(from_url.config);
        let mut problems = from_url.problems;
        problems.extend(start_note);
        let notice = (!problems.is_empty()).then(|| problems.join(" · "));
        if from_url.any || !problems.is_empty() {
            // The address bar shows the run that really started, invalid values replaced.
            url::replace_current(driver.config());
        }
        let reduced_motion = prefers_reduced_motion();
        let dispatch = ctx.link().callback(Msg::Intent);
        let keyboard = keyboard::install(dispatch.clone());
        let visibility =
            keyboard::on_visibility_change(ctx.link().callback(|_| Msg::VisibilityChanged));
        let visible = !document_hidden();
        let state = LabState {
            config: Rc::new(driver.config().clone()),
            view: Rc::new(driver.sim().view()),
            history: Rc::default(),
            events: Rc::default(),
            samples: Rc::default(),
            selection: None,
            inspection: None,
            playing: false,
            speed: 1.0,
            large_font: false,
            help_open: false,
            notice: None,
            revision: 0,
            dispatch: dispatch.clone(),
            emitted: Rc::default(),
            dot_stride: 1,
            corrupted: Rc::default(),
            stepping: false,
            effective_speed: None,
            reduced_motion,
            generation: driver.generation(),
            what_if: WhatIfStatus::Idle,
        };
        let mut app = Self {
            driver,
            dispatch,
            // A lab that moves when opened shows what it is about; with reduced motion it
            // waits for the person to press play.
            playing: !reduced_motion,
            speed: 1.0,
            large_font: false,
            help_open: false,
            notice,
            selection: None,
            inspection: None,
            inspected_at_ms: 0.0,
            inspection_stale: false,
            share_link: None,
            copy_callbacks: None,
            reduced_motion,
            visible,
            state,
            revision: 0,
            raf: None,
            last_frame_ms: None,
            target_us: 0.0,
            reached_speed: 0.0,
            behind: 0.0,
            emit_rate: 0.0,
            dot_stride: 1,
            frame_offset: 0,
            published_offset: 0,
            published_generation: 0,
            history_key: None,
            events_key: None,
            samples_key: None,
            publish_ms: 0.0,
            frames_unpublished: 0,
            perf_log: url::query_has("perf", "1"),
            perf_marks: None,
            what_if: None,
            what_if_status: WhatIfStatus::Idle,
            _keyboard: keyboard,
            _visibility: visibility,
        };
        app.publish();
        app.ensure_loop(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Intent(intent) => self.handle(ctx, intent),
            Msg::Frame(ts) => {
                self.raf = None;
                let t0 = perf_now();
                self.frame(ts);
                let t1 = perf_now();
                // Building the view of a huge job (thousands of key groups) can cost
                // several ms; then the views are refreshed every few frames while the
                // engine keeps its per-frame budget. Stepping and pausing always publish.
                let every = (self.publish_ms / PUBLISH_BUDGET_MS).ceil().max(1.0) as u32;
                self.frames_unpublished += 1;
                let due = self.frames_unpublished >= every || !self.playing;
                self.ensure_loop(ctx);
                if !due {
                    return false;
                }
                self.frames_unpublished = 0;
                self.publish();
                let t2 = perf_now();
                self.publish_ms = 0.8 * self.publish_ms + 0.2 * (t2 - t1);
                if self.perf_log {
                    self.perf_marks = Some((t0, t1, t2));
                }
                return true;
            }
            Msg::VisibilityChanged => {
                self.visible = !document_hidden();
                if !self.visible {
                    // Nothing is drawn in a hidden tab, so nothing is simulated either:
                    // the run resumes where it was instead of jumping ahead.
                    self.cancel_loop();
                }
                self.last_frame_ms = None;
            }
            Msg::Copied(Ok(())) => {
                self.share_link = None;
                self.notice = Some("link copied: it reproduces this configuration and seed".into());
            }
            Msg::Copied(Err(link)) => {
                self.share_link = Some(link);
            }
            Msg::DismissNotice => self.notice = None,
            Msg::DismissLink => self.share_link = None,
        }
        self.publish();
        self.ensure_loop(ctx);
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let notice = self.notice.as_ref().map(|text| {
            // Several messages (the URL's refusals) read better as a list.
            let parts: Vec<&str> = text.split(" · ").collect();
            let body = if parts.len() > 1 {
                html! {
                    <ul class="notice-text notice-list">
                        { for parts.iter().map(|p| html! { <li>{ with_code(p) }</li> }) }
                    </ul>
                }
            } else {
                html! { <p class="notice-text">{ with_code(text) }</p> }
            };
            html! {
                <div class="notice" role="status" id="notice">
                    { body }
                    <button type="button" class="notice-close" aria-label="Dismiss message"
                        onclick={link.callback(|_| Msg::DismissNotice)}>{ "×" }</button>
                </div>
            }
        });
        let share = self.share_link.as_ref().map(|href| {
            html! {
                <div class="notice share" role="status">
                    <label class="share-label" for="share-link">
                        { "The browser did not allow copying; the link is selected, copy it with Ctrl+C (⌘C):" }
                    </label>
                    <input id="share-link" class="share-input" type="text" readonly=true value={href.clone()} />
                    <button type="button" class="notice-close" aria-label="Close the link"
                        onclick={link.callback(|_| Msg::DismissLink)}>{ "×" }</button>
                </div>
            }
        });
        html! {
            <ContextProvider<LabState> context={self.state.clone()}>
                <div class={classes!("app", self.large_font.then_some("large-font"))}>
                    <TopBar />
                    { for notice }
                    { for share }
                    <main class="layout">
                        <Controls />
                        <div class="center">
                            <Pipeline />
                            <Inspector />
                        </div>
                        <Metrics />
                    </main>
                    if self.help_open {
                        <Help />
                    }
                </div>
            </ContextProvider<LabState>>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some((t0, t1, t2)) = self.perf_marks.take() {
            let t3 = perf_now();
            if t3 - t0 > 12.0 {
                web_sys::console::log_1(
                    &format!(
                        "statelab slow frame: {:.1} ms (engine {:.1}, publish {:.1}, render {:.1})",
                        t3 - t0,
                        t1 - t0,
                        t2 - t1,
                        t3 - t2
                    )
                    .into(),
                );
            }
        }
        if self.share_link.is_some() {
            // The fallback for a refused clipboard: select the text so Ctrl+C copies it.
            if let Some(input) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("share-link"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                if web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .is_none_or(|a| a.id() != "share-link")
                {
                    let _ = input.focus();
                    input.select();
                }
            }
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        self.cancel_loop();
    }
}

impl App {
    fn handle(&mut self, ctx: &Context<Self>, intent: Intent) {
        match intent {
            Intent::TogglePlay => self.set_playing(!self.playing),
            Intent::Play => self.set_playing(true),
            Intent::Pause => self.set_playing(false),
            Intent::StepEvent => {
                self.set_playing(false);
                self.driver.step_event();
            }
            Intent::StepCheckpoint => {
                self.set_playing(false);
                if let Some(note) = self.driver.step_checkpoint() {
                    self.notice = Some(note);
                }
            }
            Intent::SetSpeed(s) => self.set_speed(s),
            Intent::SpeedUp => self.set_speed(self.speed * 2.0),
            Intent::SpeedDown => self.set_speed(self.speed / 2.0),
            Intent::Reset => {
                match self.driver.reset() {
                    Ok(()) => self.notice = None,
                    Err(e) => self.notice = Some(format!("reset failed: {e}")),
                }
                self.after_new_run();
            }
            Intent::SetSeed(seed) => {
                let result = self.driver.set_seed(seed);
                self.report(result.map(Some));
                self.after_new_run();
                url::replace_current(self.driver.config());
            }
            Intent::ApplyConfig(config) => {
                let generation = self.driver.generation();
                let result = self.driver.apply_config(*config);
                self.report(result);
                if self.driver.generation() != generation {
                    self.after_new_run();
                }
                url::replace_current(self.driver.config());
            }
            Intent::LoadTrace(text) => {
                let result = self.driver.load_trace(&text);
                if result.is_ok() {
                    self.after_new_run();
                    url::replace_current(self.driver.config());
                }
                self.report(result.map(Some));
            }
            Intent::TriggerCheckpoint => {
                let result = self.driver.trigger_checkpoint();
                self.report(result.map(|()| None));
            }
            Intent::CrashJob => self.driver.crash_job(),
            Intent::CrashSubtask(i) => {
                let result = self.driver.crash_subtask(i);
                self.report(result.map(|()| None));
            }
            Intent::Rescale(p) => {
                let result = self.driver.rescale(p);
                self.report(result.map(Some));
                url::replace_current(self.driver.config());
            }
            Intent::CorruptChunk(chunk) => {
                let result = self.driver.corrupt_chunk(chunk);
                self.report(result.map(|()| {
                    Some(format!(
                        "chunk {chunk} corrupted (one bit flipped): a restore that reads it \
                         fails its checksum and falls back to an older checkpoint"
                    ))
                }));
            }
            Intent::LoseChunk(chunk) => {
                let result = self.driver.lose_chunk(chunk);
                self.report(result.map(|()| {
                    Some(format!(
                        "chunk {chunk} lost from the store: a restore that needs it falls back \
                         to an older checkpoint"
                    ))
                }));
            }
            Intent::InjectFault(fault) => {
                let rescale = matches!(fault, crate::engine::faults::Fault::Rescale { .. });
                let result = self.driver.inject(&fault);
                self.report(result.map(Some));
                if rescale {
                    url::replace_current(self.driver.config());
                }
            }
            Intent::Select(selection) => {
                self.selection = selection;
                self.inspection = None;
                self.inspection_stale = true;
                self.refresh_inspection(true);
            }
            Intent::ToggleLargeFont => self.large_font = !self.large_font,
            Intent::ToggleHelp => self.help_open = !self.help_open,
            Intent::CopyLink => self.copy_link(ctx),
            Intent::Dismiss => {
                if self.help_open {
                    self.help_open = false;
                } else if self.share_link.is_some() {
                    self.share_link = None;
                } else {
                    self.selection = None;
                    self.inspection = None;
                }
            }
            Intent::RunWhatIf { horizon_s } => {
                if let Err(why) = self.driver.what_if_fits() {
                    self.notice = Some(why);
                    return;
                }
                let horizon_us = u64::from(horizon_s.clamp(1, 3_600)) * 1_000_000;
                self.what_if = Some((
                    WhatIfRun::start(self.driver.sim(), horizon_us),
                    horizon_s,
                    self.driver.sim().now_us(),
                ));
                self.what_if_status = WhatIfStatus::Running {
                    progress: 0.0,
                    horizon_s,
                };
                self.ensure_loop(ctx);
            }
            Intent::CancelWhatIf => {
                self.what_if = None;
                self.what_if_status = WhatIfStatus::Idle;
            }
            #[allow(unreachable_patterns)]
            other => self.handle_more(other),
        }
    }

    /// Intents added to the contract after this component: handled here so that a new
    /// variant never breaks the build of the others working on the crate.
    fn handle_more(&mut self, intent: Intent) {
        self.notice = Some(format!("not handled yet: {intent:?}"));
    }

    fn report(&mut self, result: Result<Option<String>, String>) {
        match result {
            Ok(Some(message)) => self.notice = Some(message),
            Ok(None) => {}
            Err(message) => self.notice = Some(message),
        }
    }

    /// After the simulation was replaced: nothing from the old run stays selected.
    fn after_new_run(&mut self) {
        self.selection = None;
        self.inspection = None;
        // A comparison forked from the old run says nothing about the new one.
        self.what_if = None;
        self.what_if_status = WhatIfStatus::Idle;
        self.target_us = self.driver.sim().now_us() as f64;
    }

    fn set_playing(&mut self, playing: bool) {
        if playing && !self.playing {
            self.target_us = self.driver.sim().now_us() as f64;
            self.driver.clear_goal();
            self.behind = 0.0;
            self.reached_speed = self.speed;
        }
        self.playing = playing;
    }

    fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() {
            self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
            self.target_us = self.driver.sim().now_us() as f64;
            self.behind = 0.0;
            self.reached_speed = self.speed;
        }
    }

    fn copy_link(&mut self, ctx: &Context<Self>) {
        let link = url::link_for(self.driver.config());
        let Some(window) = web_sys::window() else {
            return;
        };
        let navigator = window.navigator();
        // `navigator.clipboard` is missing outside secure contexts; calling into it then
        // would throw, so look first.
        let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
            .is_ok_and(|c| !c.is_undefined() && !c.is_null());
        if !has_clipboard {
            self.share_link = Some(link);
            return;
        }
        let promise = navigator.clipboard().write_text(&link);
        let ok = ctx.link().callback(|_: ()| Msg::Copied(Ok(())));
        let fail = {
            let link = link.clone();
            ctx.link()
                .callback(move |_: ()| Msg::Copied(Err(link.clone())))
        };
        let on_ok = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| ok.emit(()));
        let on_err = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| fail.emit(()));
        let _ = promise.then2(&on_ok, &on_err);
        // Kept until the next copy: the promise calls one of them later.
        self.copy_callbacks = Some((on_ok, on_err));
    }

    fn ensure_loop(&mut self, ctx: &Context<Self>) {
        let busy = self.playing || self.driver.goal().is_some() || self.what_if.is_some();
        if !busy {
            self.last_frame_ms = None;
        }
        // After a fatal failure (see `panic.rs`) no frame calls into the engine again.
        if self.raf.is_some() || !busy || !self.visible || super::panic::stopped() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let link = ctx.link().clone();
        let callback = Closure::once(move |ts: f64| {
            if !super::panic::stopped() {
                link.send_message(Msg::Frame(ts));
            }
        });
        if let Ok(handle) = window.request_animation_frame(callback.as_ref().unchecked_ref()) {
            self.raf = Some(Raf {
                handle,
                _callback: callback,
            });
        }
    }

    fn cancel_loop(&mut self) {
        if let (Some(raf), Some(window)) = (self.raf.take(), web_sys::window()) {
            let _ = window.cancel_animation_frame(raf.handle);
        }
    }

    /// One animation frame of engine work, within the budget.
    fn frame(&mut self, ts: f64) {
        let dt_ms = self.last_frame_ms.map_or(1000.0 / 60.0, |last| {
            (ts - last).clamp(0.0, MAX_FRAME_DT_MS)
        });
        self.last_frame_ms = Some(ts);
        let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
            return;
        };
        let clock = || performance.now();
        let budget = Budget {
            clock: &clock,
            deadline_ms: performance.now() + FRAME_BUDGET_MS,
        };
        let before = self.driver.sim().now_us();
        if self.driver.goal().is_some() {
            let (_, message) = self.driver.work_on_goal(&budget);
            if let Some(message) = message {
                self.notice = Some(message);
            }
        } else if self.playing {
            self.target_us += self.speed * dt_ms * 1000.0;
            let progress = self.driver.advance_towards(self.target_us as u64, &budget);
            let now = self.driver.sim().now_us() as f64;
            let over = progress == Progress::OutOfBudget;
            // Forgive debt beyond MAX_LAG_MS: the run slows down instead of trying to
            // catch up in a burst later.
            let max_lag = self.speed * MAX_LAG_MS * 1000.0;
            if self.target_us - now > max_lag {
                self.target_us = now + max_lag;
            }
            if dt_ms > 0.0 {
                let reached = (now - before as f64) / (dt_ms * 1000.0);
                self.reached_speed = 0.9 * self.reached_speed + 0.1 * reached;
            }
            self.behind = 0.95 * self.behind + 0.05 * f64::from(u8::from(over));
        }
        let offset = self.driver.sim().source_offset();
        let emitted = offset.saturating_sub(self.frame_offset.min(offset));
        self.frame_offset = offset;
        if dt_ms > 0.0 {
            let rate = emitted as f64 * 1000.0 / dt_ms;
            self.emit_rate = 0.9 * self.emit_rate + 0.1 * rate;
        }
        self.work_on_what_if(&clock);
        self.refresh_inspection(false);
    }

    /// The what-if forks get their own slice of each frame, after the run's own work, so
    /// a comparison never freezes the page.
    fn work_on_what_if(&mut self, clock: &dyn Fn() -> f64) {
        let Some((run, horizon_s, from_us)) = self.what_if.as_mut() else {
            return;
        };
        let deadline = clock() + WHAT_IF_BUDGET_MS;
        let slice = (run.horizon_us() / 400).max(1_000);
        let mut done = false;
        while !done && clock() < deadline {
            done = run.step(slice);
        }
        self.what_if_status = match run.rows().filter(|_| done) {
            Some(rows) => WhatIfStatus::Done {
                rows: Rc::new(rows),
                horizon_s: *horizon_s,
                from_us: *from_us,
            },
            None => WhatIfStatus::Running {
                progress: run.progress(),
                horizon_s: *horizon_s,
            },
        };
        if done {
            self.what_if = None;
        }
    }

    fn refresh_inspection(&mut self, force: bool) {
        let Some(Selection::KeyGroup(kg)) = self.selection else {
            return;
        };
        let now_ms = web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now());
        let due = force || !self.playing || now_ms - self.inspected_at_ms >= INSPECT_EVERY_MS;
        if due && (force || self.inspection_stale || self.playing || self.driver.goal().is_some()) {
            self.inspection = self.driver.inspect(kg).map(Rc::new);
            self.inspected_at_ms = now_ms;
            self.inspection_stale = false;
        }
    }

    /// Builds the state every view reads; parts that did not change keep their `Rc`.
    fn publish(&mut self) {
        let sim = self.driver.sim();
        let generation = self.driver.generation();
        let new_run = generation != self.published_generation;
        if new_run {
            self.published_generation = generation;
            self.published_offset = 0;
            self.history_key = None;
            self.events_key = None;
            self.samples_key = None;
        }
        let view = sim.view();

        // Dots for the records emitted since the last state, one per `stride` offsets.
        let offset = view.source.offset;
        let stride = nice_stride(self.emit_rate / DOTS_PER_SECOND);
        self.dot_stride = stride;
        let mut emitted = Vec::new();
        if offset > self.published_offset {
            let from = self.published_offset;
            let span = offset - from;
            let stride = stride.max(nice_stride(span as f64 / MAX_DOTS_PER_STATE as f64));
            self.dot_stride = stride;
            let workload = sim.workload();
            let keys = workload.keys();
            let partitioning = sim.partitioning();
            let mut o = from.div_ceil(stride) * stride;
            while o < offset {
                let record = workload.record(o);
                let key_group = keys.key_group(record.key);
                emitted.push(EmittedRecord {
                    offset: o,
                    key_group,
                    subtask: partitioning.subtask_of_key_group(key_group),
                });
                o += stride;
            }
        }
        self.published_offset = offset;

        let history = sim.history();
        let last = history.last();
        let history_key = Some((
            history.len(),
            sim.counts().completed,
            sim.counts().failed,
            last.and_then(|h| h.latest_acknowledgement_us).unwrap_or(0),
            last.map_or(0, |h| h.acknowledged_subtasks + h.key_groups_shipped),
            last.map_or(0, |h| h.checkpointed_data_size + h.raw_data_size),
        ));
        let history = if history_key != self.history_key {
            self.history_key = history_key;
            let start = history.len().saturating_sub(HISTORY_ROWS);
            Rc::new(history[start..].to_vec())
        } else {
            self.state.history.clone()
        };

        let log_len = sim.log().len();
        let events = if Some(log_len) != self.events_key {
            self.events_key = Some(log_len);
            let mut rows: Vec<_> = sim.log().iter().rev().take(EVENT_ROWS).cloned().collect();
            rows.reverse();
            Rc::new(rows)
        } else {
            self.state.events.clone()
        };

        let last_sample = sim.samples().next_back().map_or(0, |s| s.at_us);
        let sample_count = sim.samples().count();
        let samples_key = Some((sample_count, last_sample));
        let samples = if samples_key != self.samples_key {
            self.samples_key = samples_key;
            let mut rows: Vec<_> = sim.samples().rev().take(SAMPLE_ROWS).cloned().collect();
            rows.reverse();
            Rc::new(rows)
        } else {
            self.state.samples.clone()
        };

        let config = if self.state.config.as_ref() == self.driver.config() {
            self.state.config.clone()
        } else {
            Rc::new(self.driver.config().clone())
        };
        let corrupted = if *self.state.corrupted == *self.driver.corrupted() {
            self.state.corrupted.clone()
        } else {
            Rc::new(
                self.driver
                    .corrupted()
                    .iter()
                    .copied()
                    .collect::<BTreeSet<_>>(),
            )
        };
        let effective_speed =
            (self.playing && self.behind > 0.3).then_some(self.reached_speed.max(0.0));

        self.revision += 1;
        self.state = LabState {
            config,
            view: Rc::new(view),
            history,
            events,
            samples,
            selection: self.selection.clone(),
            inspection: self.inspection.clone(),
            playing: self.playing,
            speed: self.speed,
            large_font: self.large_font,
            help_open: self.help_open,
            notice: self.notice.clone(),
            revision: self.revision,
            dispatch: self.dispatch.clone(),
            emitted: Rc::new(emitted),
            dot_stride: self.dot_stride,
            corrupted,
            stepping: self.driver.goal().is_some(),
            effective_speed,
            reduced_motion: self.reduced_motion,
            generation,
            what_if: self.what_if_status.clone(),
        };
    }
}

/// Text with `backticked` parts set as code (setting names and values in messages).
fn with_code(text: &str) -> Html {
    html! {
        { for text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 {
            html! { <code>{ part.to_string() }</code> }
        } else {
            html! { { part.to_string() } }
        }) }
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50 … that is at least `x`.
fn nice_stride(x: f64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            let s = step * m;
            if s as f64 >= x {
                return s;
            }
        }
        if step > u64::MAX / 100 {
            return step;
        }
        step *= 10;
    }
}

fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}
