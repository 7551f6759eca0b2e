//! The pipeline view: a canvas, redrawn on animation frames from the published
//! `LabState`, sharp on HiDPI screens, with click and tap selection. The canvas only
//! redraws while something changes or moves, and not at all in a hidden tab (the browser
//! stops animation frames there).
//!
//! A click selects what it touched and opens a small menu right there with what can be
//! done to it (crash this subtask, corrupt this chunk …): direct manipulation, with the
//! same keys as the action bar. Text and marks inside the canvas scale with the font
//! setting and presenter mode; the canvas says its smallest text size in `data-text-px`.

mod scene;
pub mod twin;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::context::ContextHandle;
use yew::prelude::*;

use super::browser::perf_now;
use super::context::LabState;
use super::lesson::callouts::{place_on_canvas, CalloutLayer};
use crate::engine::report::format;
use crate::lab::geometry::{canvas_scale, pick, Hit, SMALLEST_TEXT_PX};
use crate::lab::intent::{Intent, Selection};
use crate::lab::motion::Motion;
use crate::lab::prefs::DockTab;
use scene::{subtask_colour, Frame, SUBTASK_COLOURS};

type ResizeCallback = Closure<dyn FnMut(js_sys::Array)>;
type FrameCallback = Closure<dyn FnMut(f64)>;

pub enum Msg {
    State(LabState),
    Click(f64, f64),
}

pub struct Pipeline {
    canvas: NodeRef,
    frame: NodeRef,
    lab: Option<LabState>,
    /// Where the last click landed (CSS px in the canvas), for the menu it opens.
    clicked_at: Option<(f64, f64)>,
    _context: Option<ContextHandle<LabState>>,
    painter: Rc<Painter>,
    _resize: Option<(web_sys::ResizeObserver, ResizeCallback)>,
}

/// The drawing side, shared with the animation-frame callback.
struct Painter {
    state: RefCell<PaintState>,
    handle: Cell<Option<i32>>,
    callback: RefCell<Option<FrameCallback>>,
}

#[derive(Default)]
struct PaintState {
    canvas: Option<HtmlCanvasElement>,
    ctx: Option<CanvasRenderingContext2d>,
    css_w: f64,
    css_h: f64,
    dpr: f64,
    lab: Option<LabState>,
    dirty: bool,
    motion: Motion,
    hits: Vec<Hit>,
    /// A slowly decaying maximum of chunk raw sizes: packets and stored chunks are sized
    /// against it, so sizes compare across frames.
    size_ref: f64,
    /// The same for key groups' state, so a crash that empties them shows them empty.
    kg_ref: f64,
    perf_log: bool,
}

/// A maximum that follows growth at once and shrinks slowly (about 5 % a second), so
/// sizes stay comparable over time and a restart does not make everything jump.
fn decaying_max(current: f64, seen: f64) -> f64 {
    if seen >= current {
        seen
    } else {
        (current * 0.999).max(seen)
    }
}

impl Painter {
    fn new() -> Rc<Self> {
        let painter = Rc::new(Self {
            state: RefCell::new(PaintState::default()),
            handle: Cell::new(None),
            callback: RefCell::new(None),
        });
        let weak: Weak<Painter> = Rc::downgrade(&painter);
        let callback = Closure::<dyn FnMut(f64)>::new(move |ts: f64| {
            // After a fatal failure nothing calls into the instance again (see `panic.rs`).
            if crate::ui::panic::stopped() {
                return;
            }
            if let Some(p) = weak.upgrade() {
                p.handle.set(None);
                let again = p.state.try_borrow_mut().is_ok_and(|mut s| s.paint(ts));
                if again {
                    p.kick();
                }
            }
        });
        *painter.callback.borrow_mut() = Some(callback);
        painter
    }

    /// Makes sure a frame is coming.
    fn kick(&self) {
        if self.handle.get().is_some() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(cb) = self.callback.borrow().as_ref() {
            if let Ok(h) = window.request_animation_frame(cb.as_ref().unchecked_ref()) {
                self.handle.set(Some(h));
            }
        }
    }

    fn stop(&self) {
        if let (Some(h), Some(window)) = (self.handle.take(), web_sys::window()) {
            let _ = window.cancel_animation_frame(h);
        }
        self.callback.borrow_mut().take();
    }
}

impl PaintState {
    /// Draws if needed; returns whether another frame is wanted.
    fn paint(&mut self, ts: f64) -> bool {
        let (Some(ctx), Some(canvas), Some(lab)) =
            (self.ctx.clone(), self.canvas.clone(), self.lab.clone())
        else {
            return false;
        };
        let was_moving = self.motion.active();
        let moving = self.motion.expire(ts);
        // One more frame after the last animation ends, so no half-faded flash stays.
        if !self.dirty && !moving && !was_moving {
            return false;
        }
        self.dirty = false;
        let dpr = web_sys::window()
            .map_or(1.0, |w| w.device_pixel_ratio())
            .max(1.0);
        let (w, h) = (self.css_w.round().max(1.0), self.css_h.round().max(1.0));
        let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
        if canvas.width() != pw || canvas.height() != ph || (self.dpr - dpr).abs() > f64::EPSILON {
            canvas.set_width(pw);
            canvas.set_height(ph);
            self.dpr = dpr;
        }
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);

        let biggest = lab
            .view
            .store
            .checkpoints
            .iter()
            .flat_map(|c| c.chunks.iter().map(|ch| ch.raw_bytes))
            .chain(lab.view.uploads.iter().map(|t| t.raw_bytes))
            .chain(lab.view.downloads.iter().map(|t| t.raw_bytes))
            .chain(lab.view.key_groups.iter().map(|k| k.raw_bytes))
            .max()
            .unwrap_or(0) as f64;
        self.size_ref = decaying_max(self.size_ref, biggest);
        let kg_biggest = lab
            .view
            .key_groups
            .iter()
            .map(|k| k.raw_bytes)
            .max()
            .unwrap_or(0) as f64;
        self.kg_ref = decaying_max(self.kg_ref, kg_biggest);
        let frame = Frame {
            ctx: &ctx,
            w,
            h,
            now_ms: ts,
            scale: canvas_scale(lab.large_font, lab.presenter),
            size_ref: self.size_ref.max(1.0),
            kg_ref: self.kg_ref.max(1.0),
        };
        let t0 = perf_now();
        let (hits, cells, anchors) = scene::draw(&frame, &lab, &mut self.motion);
        // A lesson's callouts follow what they point at, frame by frame.
        if lab.lessons.open.is_some() {
            if let Some(frame_el) = canvas.parent_element() {
                place_on_canvas(&frame_el, &lab, &anchors, w, h);
            }
        }
        if self.perf_log {
            let t1 = perf_now();
            if t1 - t0 > 4.0 {
                web_sys::console::log_1(
                    &format!("statelab slow canvas frame: {:.1} ms", t1 - t0).into(),
                );
            }
        }
        self.hits = hits;
        let parallelism = lab.view.subtasks.len() as u32;
        self.motion
            .place_cells(parallelism, cells, ts, !lab.reduced_motion);
        moving || !self.motion.moves.is_empty()
    }
}

impl Component for Pipeline {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (lab, handle) = match ctx
            .link()
            .context::<LabState>(ctx.link().callback(Msg::State))
        {
            Some((lab, handle)) => (Some(lab), Some(handle)),
            None => (None, None),
        };
        let painter = Painter::new();
        painter.state.borrow_mut().lab = lab.clone();
        painter.state.borrow_mut().perf_log = super::address::query_has("perf", "1");
        Self {
            canvas: NodeRef::default(),
            frame: NodeRef::default(),
            lab,
            clicked_at: None,
            _context: handle,
            painter,
            _resize: None,
        }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::State(lab) => {
                let now = perf_now();
                {
                    let mut st = self.painter.state.borrow_mut();
                    st.motion.absorb(&lab, now);
                    st.lab = Some(lab.clone());
                    st.dirty = true;
                }
                self.painter.kick();
                // The HTML around the canvas only shows a few numbers; re-render it only
                // when they change.
                let rerender = self.lab.as_ref().is_none_or(|old| {
                    old.dot_stride != lab.dot_stride
                        || old.reduced_motion != lab.reduced_motion
                        || old.selection != lab.selection
                        || old.presenter != lab.presenter
                        || old.large_font != lab.large_font
                        || old.view.store.chunk_count != lab.view.store.chunk_count
                        || old.view.key_groups.get(selected_kg(&lab)).map(|k| k.ship)
                            != lab.view.key_groups.get(selected_kg(&lab)).map(|k| k.ship)
                        || old.view.subtasks.len() != lab.view.subtasks.len()
                        || old.view.key_groups.len() != lab.view.key_groups.len()
                        || old.view.status != lab.view.status
                        || old.view.store.checkpoints.len() != lab.view.store.checkpoints.len()
                });
                self.lab = Some(lab);
                rerender
            }
            Msg::Click(x, y) => {
                let hit = pick(&self.painter.state.borrow().hits, x, y);
                self.clicked_at = Some((x, y));
                if let Some(lab) = &self.lab {
                    // A second click on the selected thing clears the selection.
                    let next = if hit.is_some() && hit == lab.selection {
                        None
                    } else {
                        hit
                    };
                    if next.is_some() || lab.selection.is_some() {
                        lab.dispatch.emit(Intent::Select(next));
                    }
                }
                false
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let onclick = ctx
            .link()
            .callback(|e: MouseEvent| Msg::Click(f64::from(e.offset_x()), f64::from(e.offset_y())));
        let label = self.lab.as_ref().map_or_else(String::new, describe);
        let stride = self.lab.as_ref().map_or(1, |l| l.dot_stride);
        let reduced = self.lab.as_ref().is_some_and(|l| l.reduced_motion);
        let scale = self
            .lab
            .as_ref()
            .map_or(1.0, |l| canvas_scale(l.large_font, l.presenter));
        let dots = if reduced {
            "records: not animated (reduced motion)".to_string()
        } else if stride > 1 {
            format!(
                "1 dot = {} records, coloured by its subtask",
                format::count(stride)
            )
        } else {
            "1 dot = 1 record, coloured by its subtask".to_string()
        };
        let menu = self.lab.as_ref().and_then(|lab| {
            let (x, y) = self.clicked_at?;
            let width = self.painter.state.borrow().css_w;
            lab.selection
                .as_ref()
                .map(|sel| menu(lab, sel, x, y, width))
        });
        html! {
            <div class="pipeline" data-region="pipeline">
                <h2 class="visually-hidden">{ "Pipeline" }</h2>
                <div class="canvas-frame" ref={self.frame.clone()}>
                    <canvas class="pipeline-canvas" ref={self.canvas.clone()} role="img"
                        aria-label={label} data-dot-stride={stride.to_string()}
                        data-text-px={format!("{:.1}", SMALLEST_TEXT_PX * scale)} {onclick} />
                    // A fixed slot for the menu: the canvas beside it must never be
                    // replaced when the menu comes and goes (a new canvas is blank).
                    <div class="stage-menu-slot">{ for menu }</div>
                    <CalloutLayer />
                </div>
                <ul class="pipeline-legend" aria-label="How to read the pipeline">
                    <li>
                        { for SUBTASK_COLOURS.iter().take(4).map(|c| html! {
                            <span class="pl-swatch dot" style={format!("background:{c}")}></span>
                        }) }
                        { dots }
                    </li>
                    <li><span class="pl-swatch filled"></span>{ "state / encoded bytes (area)" }</li>
                    <li><span class="pl-swatch ghost"></span>{ "raw bytes" }</li>
                    <li><span class="pl-swatch dirty"></span>{ "changed since last checkpoint" }</li>
                    <li><span class="pl-swatch barrier"></span>{ "barrier" }</li>
                    <li><span class="pl-swatch shared"></span>{ "shared chunk (incremental)" }</li>
                    <li><span class="pl-swatch missing">{ "×" }</span>{ "missing" }</li>
                    <li>
                        <svg class="pl-swatch" viewBox="0 0 10 10" aria-hidden="true">
                            <polyline points="0,5 3.3,2 6.6,8 10,5" fill="none" stroke="currentColor" stroke-width="1.6" />
                        </svg>
                        { "corrupted" }
                    </li>
                </ul>
            </div>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        if first_render {
            self._resize = attach(&self.painter, &self.canvas, &self.frame);
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let Some((observer, _)) = &self._resize {
            observer.disconnect();
        }
        self.painter.stop();
    }
}

/// Gives `painter` its canvas and follows the size of the frame around it (window
/// resizes, large font, phone rotation); returns the observer to keep.
fn attach(
    painter: &Rc<Painter>,
    canvas: &NodeRef,
    frame: &NodeRef,
) -> Option<(web_sys::ResizeObserver, ResizeCallback)> {
    let canvas = canvas.cast::<HtmlCanvasElement>();
    let ctx2d = canvas
        .as_ref()
        .and_then(|c| c.get_context("2d").ok().flatten())
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
    {
        let mut st = painter.state.borrow_mut();
        st.canvas = canvas;
        st.ctx = ctx2d;
        if let Some(frame) = frame.cast::<web_sys::HtmlElement>() {
            st.css_w = f64::from(frame.client_width());
            st.css_h = f64::from(frame.client_height());
        }
        st.dirty = true;
    }
    let mut kept = None;
    if let Some(frame) = frame.cast::<web_sys::Element>() {
        let weak = Rc::downgrade(painter);
        let target = frame.clone();
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| {
            if let Some(p) = weak.upgrade() {
                {
                    let mut st = p.state.borrow_mut();
                    st.css_w = f64::from(target.client_width());
                    st.css_h = f64::from(target.client_height());
                    st.dirty = true;
                }
                p.kick();
            }
        });
        if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
            observer.observe(&frame);
            kept = Some((observer, callback));
        }
    }
    painter.kick();
    kept
}

/// The selected key group, or past the end (a selection of something else).
fn selected_kg(lab: &LabState) -> usize {
    match lab.selection {
        Some(Selection::KeyGroup(kg)) => kg as usize,
        _ => usize::MAX,
    }
}

/// The menu a click opens where it landed: what was clicked, a fact or two, and what can
/// be done to it, each with its key.
fn menu(lab: &LabState, selection: &Selection, x: f64, y: f64, width: f64) -> Html {
    let act = |label: String, key: &str, intent: Intent, id: &str| {
        let dispatch = lab.dispatch.clone();
        html! {
            <button type="button" class="action danger" data-testid={id.to_string()}
                onclick={Callback::from(move |_: MouseEvent| dispatch.emit(intent.clone()))}>
                { label }<kbd class="key-hint" aria-hidden="true">{ key.to_string() }</kbd>
            </button>
        }
    };
    let inspect = (!lab.presenter).then(|| {
        let dispatch = lab.dispatch.clone();
        html! {
            <button type="button" class="action"
                onclick={Callback::from(move |_: MouseEvent| dispatch.emit(Intent::ShowTab(DockTab::Inspector)))}>
                { "Details" }
            </button>
        }
    });
    let view = &lab.view;
    let (title, colour, fact, actions) = match selection {
        Selection::Subtask(i) => (
            format!("Subtask {i}"),
            Some(*i),
            view.subtasks.get(*i as usize).map(|s| {
                format!(
                    "key groups {}–{}, {}",
                    s.key_groups.start,
                    s.key_groups.end,
                    format::bytes(s.state_bytes)
                )
            }),
            html! { { act(format!("Crash subtask {i}"), "S", Intent::CrashSubtask(*i), "menu-crash-subtask") } },
        ),
        Selection::KeyGroup(kg) => {
            let k = view.key_groups.get(*kg as usize);
            let subtask = k.map_or(0, |k| k.subtask);
            let chunk = k.and_then(|k| k.chunk);
            let fact = k.map(|k| {
                let why = k
                    .ship
                    .map(|d| format!("; {}", d.reason.explain()))
                    .unwrap_or_default();
                format!("subtask {subtask}, {}{why}", format::bytes(k.raw_bytes))
            });
            (
                format!("Key group {kg}"),
                Some(subtask),
                fact,
                html! {
                    <>
                        { act(format!("Crash subtask {subtask}"), "S", Intent::CrashSubtask(subtask), "menu-crash-subtask") }
                        if let Some(c) = chunk {
                            { act("Corrupt its chunk".into(), "K", Intent::CorruptChunk(c), "menu-corrupt") }
                            { act("Lose its chunk".into(), "L", Intent::LoseChunk(c), "menu-lose") }
                        }
                    </>
                },
            )
        }
        Selection::Chunk(id) => {
            let ch = view
                .store
                .checkpoints
                .iter()
                .flat_map(|c| c.chunks.iter())
                .find(|c| c.chunk == *id);
            let present = ch.is_some_and(|c| c.present);
            (
                format!("Chunk {id}"),
                ch.and_then(|c| view.key_groups.get(c.key_group as usize))
                    .map(|k| k.subtask),
                ch.map(|c| {
                    format!(
                        "key group {}, {} raw, {} encoded",
                        c.key_group,
                        format::bytes(c.raw_bytes),
                        format::bytes(c.encoded_bytes)
                    )
                }),
                html! {
                    if present {
                        { act("Corrupt it".into(), "K", Intent::CorruptChunk(*id), "menu-corrupt") }
                        { act("Lose it".into(), "L", Intent::LoseChunk(*id), "menu-lose") }
                    }
                },
            )
        }
        Selection::Checkpoint(id) => (
            format!("Checkpoint {id}"),
            None,
            view.store
                .checkpoints
                .iter()
                .find(|c| c.id == *id)
                .map(|c| {
                    format!(
                        "source offset {}, {} chunks",
                        format::count(c.offset),
                        c.chunks.len()
                    )
                }),
            html! {},
        ),
    };
    // Beside the click, on the side with more room.
    let style = if x > width / 2.0 {
        format!(
            "right:{:.0}px;top:{:.0}px",
            (width - x + 10.0).max(4.0),
            (y - 10.0).max(4.0)
        )
    } else {
        format!("left:{:.0}px;top:{:.0}px", x + 10.0, (y - 10.0).max(4.0))
    };
    let dismiss = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Select(None)))
    };
    html! {
        <div class="stage-menu" role="dialog" aria-label={title.clone()} style={style} data-testid="stage-menu">
            <div class="stage-menu-head">
                if let Some(s) = colour {
                    <span class="pl-swatch dot" style={format!("background:{}", subtask_colour(s))}></span>
                }
                <strong>{ title }</strong>
                <button type="button" class="notice-close" aria-label="Close (Esc)" onclick={dismiss}>{ "×" }</button>
            </div>
            if let Some(fact) = fact {
                <p class="stage-menu-fact">{ fact }</p>
            }
            <div class="stage-menu-actions">{ actions }{ for inspect }</div>
        </div>
    }
}

/// A sentence for screen readers: what the picture shows now.
fn describe(lab: &LabState) -> String {
    let v = &lab.view;
    let dirty = v.key_groups.iter().filter(|k| k.dirty).count();
    let stored: Vec<String> = v
        .store
        .checkpoints
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    format!(
        "Pipeline: a source, {} subtasks holding {} key groups ({} changed since the last checkpoint); {} chunks uploading, {} downloading; the store holds {}.",
        v.subtasks.len(),
        v.key_groups.len(),
        dirty,
        v.uploads.len(),
        v.downloads.len(),
        if stored.is_empty() {
            "no completed checkpoint".to_string()
        } else {
            format!("checkpoints {}", stored.join(", "))
        }
    )
}
