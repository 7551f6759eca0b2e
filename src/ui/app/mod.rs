//! The root component: the shell around the lab's [`Session`]. It carries the browser's
//! events in (intents, animation frames, the tab hiding, the clipboard's answer),
//! performs the session's [`Effect`]s, publishes its [`LabView`](crate::lab::view::LabView)
//! to every component through the Yew context, and lays out the page.
//!
//! What an intent does, how far a frame moves the run and what a picture holds are the
//! session's business (`lab/`); this module only knows the DOM. One part each:
//! [`frame_loop`] (animation frames), [`clipboard`] (copy link), [`notices`] (messages).

mod clipboard;
mod frame_loop;
mod notices;

use yew::prelude::*;

use super::address;
use super::browser::{
    document_hidden, load_prefs, on_visibility_change, perf_now, prefers_reduced_motion,
    save_prefs, Listener,
};
use super::context::LabState;
use super::dock::Dock;
use super::help::Help;
use super::keyboard;
use super::lesson::{callouts::DockCallouts, LessonColumn, StartScreen};
use super::stage::Stage;
use super::sweep::workers::{WorkerEvent, Workers};
use super::topbar::TopBar;
use crate::lab::intent::Intent;
use crate::lab::session::{Effect, Session};
use clipboard::Clipboard;
use frame_loop::{FrameLoop, SlowFrameLog};
use notices::{Notice, ShareLink};

pub enum Msg {
    Intent(Intent),
    Frame(f64),
    VisibilityChanged,
    Copied(Result<(), String>),
    DismissNotice,
    DismissLink,
    /// A sweep worker's message or failure.
    Sweep(WorkerEvent),
    /// Publish what sweep workers reported since the last picture.
    SweepFlush,
}

/// Worker progress is drawn at most this often (ms): a cell posts about a hundred
/// progress messages and several workers post at once.
const SWEEP_PUBLISH_EVERY_MS: f64 = 150.0;

pub struct App {
    session: Session,
    /// The latest published picture, with the dispatcher components send intents to.
    state: LabState,
    frames: FrameLoop,
    clipboard: Clipboard,
    visible: bool,
    /// `?perf=1`: slow frames are logged to the console.
    slow_frames: Option<SlowFrameLog>,
    /// The sweep's Web Workers, as the session orders.
    workers: Workers,
    /// When the last picture was published, and whether a flush of worker news is due.
    published_ms: f64,
    flush: Option<gloo_timers::callback::Timeout>,
    /// A lesson is open: the keyboard gives it → and ← (`ui::keyboard`).
    in_lesson: std::rc::Rc<std::cell::Cell<bool>>,
    _keyboard: Listener,
    _visibility: Listener,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (mut session, effect) = Session::open(
            &address::current_search(),
            address::page_address(),
            prefers_reduced_motion(),
            &load_prefs(),
            Box::new(perf_now),
        );
        let dispatch = ctx.link().callback(Msg::Intent);
        let state = LabState::new(session.publish(), dispatch.clone());
        let in_lesson = std::rc::Rc::new(std::cell::Cell::new(state.lessons.open.is_some()));
        let mut app = Self {
            session,
            state,
            frames: FrameLoop::default(),
            clipboard: Clipboard::default(),
            visible: !document_hidden(),
            slow_frames: address::query_has("perf", "1").then(SlowFrameLog::default),
            workers: Workers::default(),
            published_ms: 0.0,
            flush: None,
            _keyboard: keyboard::install(dispatch, in_lesson.clone()),
            in_lesson,
            _visibility: on_visibility_change(ctx.link().callback(|_| Msg::VisibilityChanged)),
        };
        app.perform(ctx, effect);
        app.keep_frames_coming(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Intent(intent) => {
                let effect = self.session.handle(intent);
                self.perform(ctx, effect);
                if let Some(prefs) = self.session.take_prefs() {
                    save_prefs(&prefs);
                }
            }
            Msg::Frame(ts) => {
                self.frames.arrived();
                let t0 = perf_now();
                let due = self.session.frame(ts);
                self.keep_frames_coming(ctx);
                if !due {
                    return false;
                }
                let t1 = perf_now();
                self.publish();
                if let Some(log) = &mut self.slow_frames {
                    log.worked(t0, t1, perf_now());
                }
                return true;
            }
            Msg::VisibilityChanged => {
                self.visible = !document_hidden();
                if !self.visible {
                    // Nothing is drawn in a hidden tab, so nothing is simulated either:
                    // the run resumes where it was instead of jumping ahead.
                    self.frames.cancel();
                }
                self.session.frames_stopped();
            }
            Msg::Copied(Ok(())) => self.session.copied(),
            Msg::Copied(Err(link)) => self.session.copy_refused(link),
            Msg::DismissNotice => self.session.dismiss_notice(),
            Msg::DismissLink => self.session.dismiss_share_link(),
            Msg::Sweep(event) => {
                match event {
                    WorkerEvent::Reply {
                        generation,
                        worker,
                        text,
                    } if self.workers.current(generation) => {
                        self.session.sweep_reply(worker, &text)
                    }
                    WorkerEvent::Failed {
                        generation,
                        worker,
                        why,
                    } if self.workers.current(generation) => {
                        self.session.sweep_worker_failed(worker, &why)
                    }
                    // From workers a cancel or a new sweep terminated.
                    _ => return false,
                }
                self.perform_sweep_orders(ctx);
                if perf_now() - self.published_ms < SWEEP_PUBLISH_EVERY_MS {
                    if self.flush.is_none() {
                        let link = ctx.link().clone();
                        self.flush = Some(gloo_timers::callback::Timeout::new(
                            SWEEP_PUBLISH_EVERY_MS as u32,
                            move || link.send_message(Msg::SweepFlush),
                        ));
                    }
                    return false;
                }
            }
            Msg::SweepFlush => self.flush = None,
        }
        self.perform_sweep_orders(ctx);
        self.publish();
        self.keep_frames_coming(ctx);
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let lab = &self.state;
        let notice = lab.notice.as_ref().map(|text| {
            html! {
                <Notice text={AttrValue::from(text.clone())}
                    on_dismiss={link.callback(|_| Msg::DismissNotice)} />
            }
        });
        let share = lab.share_link.as_ref().map(|href| {
            html! {
                <ShareLink href={AttrValue::from(href.clone())}
                    on_dismiss={link.callback(|_| Msg::DismissLink)} />
            }
        });
        // The workspace: the stage (pipeline, caption, actions) and the dock beside it;
        // presenter mode gives the stage the whole width. A lesson panel can take the
        // `lesson` area before the stage (see `.workspace` in static/style.css).
        html! {
            <ContextProvider<LabState> context={self.state.clone()}>
                <div class={classes!(
                    "app",
                    lab.large_font.then_some("large-font"),
                    lab.presenter.then_some("presenter"),
                )}>
                    <TopBar />
                    <div class="messages">
                        { for notice }
                        { for share }
                    </div>
                    <main class="workspace">
                        <LessonColumn />
                        <Stage />
                        if !lab.presenter {
                            <Dock />
                        }
                    </main>
                    if lab.help_open {
                        <Help />
                    }
                    <DockCallouts />
                    <StartScreen />
                </div>
            </ContextProvider<LabState>>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some(log) = &mut self.slow_frames {
            log.rendered();
        }
        if self.state.share_link.is_some() {
            clipboard::select_shown_link();
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        self.frames.cancel();
        self.workers.terminate();
    }
}

impl App {
    fn publish(&mut self) {
        self.published_ms = perf_now();
        self.state = LabState::new(self.session.publish(), self.state.dispatch.clone());
        self.in_lesson.set(self.state.lessons.open.is_some());
    }

    fn perform(&mut self, ctx: &Context<Self>, effect: Option<Effect>) {
        match effect {
            None => {}
            Some(Effect::ReplaceQuery(query)) => address::replace_query(&query),
            Some(Effect::CopyToClipboard(text)) => {
                self.clipboard.copy(text, ctx.link().callback(Msg::Copied));
            }
            Some(Effect::SetFlag(key, on)) => address::set_flag(key, on),
            Some(Effect::Download(file)) => super::browser::download(&file),
        }
    }

    /// Starts, feeds and stops the sweep's workers as the session says.
    fn perform_sweep_orders(&mut self, ctx: &Context<Self>) {
        let orders = self.session.take_sweep_orders();
        if !orders.is_empty() {
            self.workers
                .perform(orders, &ctx.link().callback(Msg::Sweep));
        }
    }

    /// Frames come while the session has work and the tab shows; otherwise they stop,
    /// and the next one starts afresh.
    fn keep_frames_coming(&mut self, ctx: &Context<Self>) {
        if !self.session.busy() {
            self.session.frames_stopped();
            return;
        }
        if self.visible {
            self.frames.request(ctx.link().callback(Msg::Frame));
        }
    }
}
