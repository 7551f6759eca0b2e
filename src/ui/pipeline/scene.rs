//! Lays out and draws one frame of the pipeline from the published state: source →
//! channels → keyed subtasks with their key-group cells → link → store, left to right.
//! Returns the hit regions of what was drawn, so a click or tap finds what it touched,
//! and where each thing a lesson's callout can point at was drawn (`Anchors`).
//!
//! Colour follows the subtask: a record's dot, its key group's cell, the chunks of that
//! key group on the link and in the store all take the colour of the subtask that owns
//! the key group (its key-group range), so a person can follow them; the selected key
//! group's records are drawn larger and the others fade. Text and marks (barriers,
//! chunks in flight) scale with the font setting and presenter mode (`Frame::scale`).

use std::collections::HashMap;

use web_sys::CanvasRenderingContext2d as Ctx;

use crate::engine::report::stats::{CheckpointStatus, Direction, JobStatus};
use crate::engine::report::view::{SimView, TransferView};

use crate::engine::report::format;
use crate::lab::geometry::{Hit, Rect};
use crate::lab::intent::Selection;
use crate::lab::model::Spot;
use crate::lab::motion::{ease, Motion, DOT_TRAVEL_MS, FLASH_MS, REWIND_MS, SPOTLIGHT_MS};
use crate::lessons::anchor::Target;
use crate::ui::context::LabState;

/// Okabe–Ito without black (black draws the marks): subtask `s` takes colour `s % 7`.
pub const SUBTASK_COLOURS: [&str; 7] = [
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
];
const INK: &str = "#1d232b";
const MUTED: &str = "#4a5563";
const LINE: &str = "#c5ccd6";
const PANEL: &str = "#ffffff";
const ALERT: &str = "#d55e00";
const ACCENT: &str = "#0072b2";

/// Where this frame drew each thing a callout can point at (`ui::lesson::callouts`).
pub type Anchors = Vec<(Target, Rect)>;

pub fn subtask_colour(subtask: u32) -> &'static str {
    SUBTASK_COLOURS[(subtask % 7) as usize]
}

/// The subtask that owns key group `kg` now (its colour), 0 if the run has no such group.
fn owner(view: &SimView, kg: u32) -> u32 {
    view.key_groups.get(kg as usize).map_or(0, |k| k.subtask)
}

/// Everything a frame needs besides the state itself.
pub struct Frame<'a> {
    pub ctx: &'a Ctx,
    pub w: f64,
    pub h: f64,
    pub now_ms: f64,
    /// Text scale: 1, or more with the large-font switch.
    pub scale: f64,
    /// Largest raw chunk size seen lately, so sizes compare across frames.
    pub size_ref: f64,
    /// Largest key group state seen lately.
    pub kg_ref: f64,
}

struct Layout {
    narrow: bool,
    source: Rect,
    /// Where record dots end: the tail of the channels.
    channels_x: f64,
    subtasks_x: f64,
    subtasks_w: f64,
    link_x: f64,
    link_w: f64,
    store: Rect,
    top: f64,
    bottom: f64,
    boxes: Vec<Rect>,
}

fn layout(f: &Frame, view: &SimView) -> Layout {
    let (w, h) = (f.w, f.h);
    let pad = 6.0;
    let head = 16.0 * f.scale;
    let foot = 16.0 * f.scale;
    let top = pad + head;
    let bottom = h - pad - foot;
    let narrow = w < 520.0;
    // Columns: source | records in flight | channel | subtasks | link | store.
    let (source_w, travel_w, channel_w, link_w) = if narrow {
        (54.0, 22.0, 20.0, 24.0)
    } else {
        (
            (w * 0.10).clamp(64.0, 110.0),
            (w * 0.07).clamp(28.0, 90.0),
            (w * 0.07).clamp(26.0, 80.0),
            (w * 0.10).clamp(36.0, 120.0),
        )
    };
    let rest = w - 2.0 * pad - source_w - travel_w - channel_w - link_w;
    let retained = view.store.checkpoints.len().max(1) as f64;
    let store_share = if narrow {
        0.40
    } else {
        (0.40 + 0.03 * (retained - 1.0)).min(0.55)
    };
    let store_w = rest * store_share;
    let subtasks_w = rest - store_w;
    let source = Rect::new(pad, top, source_w, bottom - top);
    let channels_x = pad + source_w + travel_w;
    let subtasks_x = channels_x + channel_w;
    let link_x = subtasks_x + subtasks_w;
    let store = Rect::new(link_x + link_w, top, store_w, bottom - top);

    let n = view.subtasks.len().max(1);
    let avail = bottom - top;
    let gap = (avail / n as f64 * 0.14).clamp(2.0, 8.0);
    let bh = (avail - gap * (n as f64 - 1.0)) / n as f64;
    let boxes = (0..n)
        .map(|i| Rect::new(subtasks_x, top + i as f64 * (bh + gap), subtasks_w, bh))
        .collect();
    Layout {
        narrow,
        source,
        channels_x,
        subtasks_x,
        subtasks_w,
        link_x,
        link_w,
        store,
        top,
        bottom,
        boxes,
    }
}

fn font(f: &Frame, px: f64, bold: bool) -> String {
    format!(
        "{}{:.1}px system-ui, -apple-system, \"Segoe UI\", Roboto, \"Noto Sans\", \"DejaVu Sans\", sans-serif",
        if bold { "600 " } else { "" },
        px * f.scale
    )
}

fn text(ctx: &Ctx, s: &str, x: f64, y: f64) {
    let _ = ctx.fill_text(s, x, y);
}

/// Text cut to fit `max_w` (roughly: an average glyph is ~0.55 em).
fn fit(s: &str, max_w: f64, px: f64) -> Option<String> {
    let per = px * 0.56;
    let room = (max_w / per).floor() as usize;
    if room < 2 {
        return None;
    }
    let n = s.chars().count();
    if n <= room {
        Some(s.to_string())
    } else {
        Some(s.chars().take(room.saturating_sub(1)).collect::<String>() + "…")
    }
}

/// The side of a square whose area stands for `bytes`, inside a slot of side `slot`.
fn side_for(bytes: u64, reference: f64, slot: f64) -> f64 {
    if bytes == 0 || reference <= 0.0 {
        return 0.0;
    }
    (slot * (bytes as f64 / reference).sqrt()).clamp(1.5, slot)
}

/// A grid of `n` square cells filling `area` as well as possible: (columns, cell side).
fn grid(n: usize, area: Rect) -> (usize, f64) {
    if n == 0 || area.w <= 0.0 || area.h <= 0.0 {
        return (1, 0.0);
    }
    let mut best = (1, 0.0);
    for cols in 1..=n {
        let rows = n.div_ceil(cols);
        let side = (area.w / cols as f64).min(area.h / rows as f64);
        if side > best.1 {
            best = (cols, side);
        }
    }
    best
}

/// How many key groups share one cell so that cells stay at least 3 px wide.
fn bin_size(n: usize, area: Rect) -> usize {
    let capacity = ((area.w / 3.0).floor() * (area.h / 3.0).floor()).max(1.0) as usize;
    n.div_ceil(capacity).max(1)
}

/// Draws a frame; returns the hit regions (topmost last), the key group cell rects and
/// where callouts' targets were drawn.
pub fn draw(
    f: &Frame,
    lab: &LabState,
    motion: &mut Motion,
) -> (Vec<Hit>, HashMap<u32, Rect>, Anchors) {
    let ctx = f.ctx;
    let view = &lab.view;
    let mut hits = Vec::new();
    let mut anchors = Anchors::new();
    ctx.clear_rect(0.0, 0.0, f.w, f.h);
    if f.w < 120.0 || f.h < 80.0 {
        return (hits, HashMap::new(), anchors);
    }
    let l = layout(f, view);
    let down = !matches!(view.status, JobStatus::Running);

    source(f, lab, &l, motion);

    // Channels, subtask boxes and their key-group cells.
    let max_kg_bytes = f.kg_ref;
    let mut cell_rects = HashMap::new();
    let mut max_bin = 1;
    let mut cells = CellBatch::default();
    // Barriers are drawn over the boxes, so a tag at a box's edge stays readable.
    let mut marks = Vec::new();
    for (s, b) in view.subtasks.iter().zip(&l.boxes) {
        anchors.push((Target::Subtask(s.index), *b));
        let before = marks.len();
        channel(f, lab, s, *b, &l, down, motion, &mut marks);
        for &(x, cy, channel_h, id, row_h) in &marks[before..] {
            let r = barrier_rect(f, x, cy, channel_h, row_h);
            anchors.push((
                Target::Barrier {
                    checkpoint: id,
                    subtask: s.index,
                },
                r,
            ));
        }
        let flash = motion
            .flashes
            .get(&s.index)
            .map(|t| 1.0 - (f.now_ms - t) / FLASH_MS);
        let bin = subtask_box(
            f,
            lab,
            s,
            *b,
            flash,
            down,
            max_kg_bytes,
            &mut cell_rects,
            &mut hits,
            motion,
            &mut cells,
        );
        max_bin = max_bin.max(bin);
    }
    cells.flush(ctx, if down { 0.35 } else { 1.0 });
    for (x, cy, channel_h, id, row_h) in marks {
        barrier_mark(f, x, cy, channel_h, id, row_h);
    }
    headings(f, &l, max_bin);
    dots(f, lab, &l, motion);
    link(f, lab, &l, &mut hits, &mut anchors);
    let columns = store(f, lab, &l, &mut hits);
    anchors.extend(cell_rects.iter().map(|(k, r)| (Target::KeyGroup(*k), *r)));
    anchors.extend(
        columns
            .iter()
            .map(|(id, r)| (Target::StoredCheckpoint(*id), *r)),
    );
    anchors.push((Target::Source, source_box(f, &l)));
    anchors.push((
        Target::Link,
        Rect::new(l.link_x, l.top, l.link_w, l.bottom - l.top),
    ));
    anchors.push((Target::Store, l.store));
    if down {
        status_overlay(f, view, &l);
    }
    footer(f, lab, &l);
    spotlight(f, &l, motion, &columns);
    (hits, cell_rects, anchors)
}

/// A place the model panel pointed at: a thick outline that fades over a few seconds.
fn spotlight(f: &Frame, l: &Layout, motion: &Motion, columns: &[(u64, Rect)]) {
    let Some((spot, since)) = motion.spotlight else {
        return;
    };
    let subtasks = || {
        let first = l.boxes.first().copied().unwrap_or_default();
        let last = l.boxes.last().copied().unwrap_or_default();
        Rect::new(first.x, first.y, l.subtasks_w, last.bottom() - first.y)
    };
    let rect = match spot {
        Spot::State => subtasks(),
        Spot::Source => l.source,
        Spot::Link => Rect::new(l.link_x, l.top, l.link_w, l.bottom - l.top),
        Spot::Store => l.store,
        Spot::Checkpoint(id) => match columns.iter().find(|(c, _)| *c == id) {
            Some((_, r)) => *r,
            None => l.store,
        },
    };
    let age = ((f.now_ms - since) / SPOTLIGHT_MS).clamp(0.0, 1.0);
    // Two pulses, then a fade.
    let pulse = 0.5 + 0.5 * (age * std::f64::consts::TAU * 2.0).cos();
    let ctx = f.ctx;
    ctx.set_global_alpha((1.0 - age) * (0.55 + 0.45 * pulse));
    ctx.set_stroke_style_str(ALERT);
    ctx.set_line_width(4.0 * f.scale);
    let m = 3.0 * f.scale;
    ctx.stroke_rect(rect.x - m, rect.y - m, rect.w + 2.0 * m, rect.h + 2.0 * m);
    ctx.set_global_alpha(1.0);
}

fn headings(f: &Frame, l: &Layout, bin: usize) {
    let ctx = f.ctx;
    ctx.set_fill_style_str(MUTED);
    ctx.set_font(&font(f, 10.5, true));
    ctx.set_text_baseline("alphabetic");
    ctx.set_text_align("left");
    let y = l.top - 5.0;
    let label = |s: &str, x: f64, w: f64| {
        if let Some(t) = fit(s, w, 10.5 * f.scale) {
            text(ctx, &t, x, y);
        }
    };
    label("SOURCE", l.source.x, l.source.w + 20.0);
    if l.narrow {
        label("SUBTASKS", l.subtasks_x, l.subtasks_w);
        label("STORE", l.store.x, l.store.w);
    } else {
        if bin > 1 {
            let heading = format!("KEYED SUBTASKS · 1 CELL = {bin} KEY GROUPS");
            label(&heading, l.subtasks_x, l.subtasks_w);
        } else {
            label("KEYED SUBTASKS · KEY GROUPS", l.subtasks_x, l.subtasks_w);
        }
        label("LINK", l.link_x + 4.0, l.link_w);
        label("CHECKPOINT STORE", l.store.x, l.store.w);
    }
}

/// The source's box, centred in its column.
fn source_box(f: &Frame, l: &Layout) -> Rect {
    let r = Rect::new(
        l.source.x,
        l.source.cy() - 60.0 * f.scale,
        l.source.w,
        120.0 * f.scale,
    );
    Rect::new(r.x, r.y.max(l.top), r.w, r.h.min(l.bottom - l.top))
}

fn source(f: &Frame, lab: &LabState, l: &Layout, motion: &Motion) {
    let ctx = f.ctx;
    let view = &lab.view;
    let r = source_box(f, l);
    ctx.set_fill_style_str("#f4f6f9");
    ctx.fill_rect(r.x, r.y, r.w, r.h);
    ctx.set_stroke_style_str(INK);
    ctx.set_line_width(1.5);
    ctx.stroke_rect(r.x, r.y, r.w, r.h);
    let px = 10.0;
    ctx.set_fill_style_str(INK);
    ctx.set_text_align("left");
    let mut y = r.y + 14.0 * f.scale;
    let lines = [
        ("offset", format::count(view.source.offset)),
        (
            "backlog",
            format::count(view.source.available.saturating_sub(view.source.offset)),
        ),
        ("rate", format::per_second(view.source.rate_per_s)),
    ];
    for (k, v) in lines {
        ctx.set_font(&font(f, 9.5, false));
        ctx.set_fill_style_str(MUTED);
        if let Some(t) = fit(k, r.w - 6.0, 9.5 * f.scale) {
            text(ctx, &t, r.x + 4.0, y);
        }
        y += 12.0 * f.scale;
        ctx.set_font(&font(f, px, true));
        ctx.set_fill_style_str(INK);
        if let Some(t) = fit(&v, r.w - 6.0, px * f.scale) {
            text(ctx, &t, r.x + 4.0, y);
        }
        y += 14.0 * f.scale;
    }
    if view.source.ended {
        ctx.set_font(&font(f, 9.5, false));
        ctx.set_fill_style_str(MUTED);
        text(ctx, "ended", r.x + 4.0, y);
    }
    // Replay: how far the rewound source has come back towards where it failed.
    if let Some(rec) = view
        .latest_recovery
        .as_ref()
        .filter(|r| r.restored_at_us.is_some() && r.caught_up_at_us.is_none())
    {
        let span = rec
            .offset_at_failure
            .saturating_sub(rec.restore_offset)
            .max(1) as f64;
        let done =
            (view.source.offset.saturating_sub(rec.restore_offset) as f64 / span).clamp(0.0, 1.0);
        let bar = Rect::new(r.x, r.bottom() + 6.0, r.w, 6.0 * f.scale);
        ctx.set_fill_style_str("#e3e8ef");
        ctx.fill_rect(bar.x, bar.y, bar.w, bar.h);
        ctx.set_fill_style_str(ACCENT);
        ctx.fill_rect(bar.x, bar.y, bar.w * done, bar.h);
        ctx.set_font(&font(f, 9.5, true));
        ctx.set_fill_style_str(ACCENT);
        if let Some(t) = fit("replaying", r.w, 9.5 * f.scale) {
            text(ctx, &t, r.x, bar.bottom() + 11.0 * f.scale);
        }
    }
    if let Some((t, _, to)) = motion.rewind {
        let a = 1.0 - ((f.now_ms - t) / REWIND_MS).clamp(0.0, 1.0);
        ctx.set_global_alpha(a.max(0.35));
        ctx.set_fill_style_str(ALERT);
        ctx.set_font(&font(f, 9.5, true));
        // Two short lines above the source box; how far it replays shows in the bar
        // under it, and the metrics' recovery readout has the offsets.
        let lines = ["↶ rewound".to_string(), format!("to {}", format::count(to))];
        let line_h = 11.0 * f.scale;
        let y0 = (r.y - 2.0 * line_h - 4.0).max(l.top + 2.0);
        for (i, line) in lines.iter().enumerate() {
            if let Some(s) = fit(line, l.channels_x - r.x, 9.5 * f.scale) {
                text(ctx, &s, r.x, y0 + line_h * (i as f64 + 1.0));
            }
        }
        ctx.set_global_alpha(1.0);
    }
}

fn source_port(l: &Layout) -> (f64, f64) {
    (l.source.right(), l.source.cy())
}

#[allow(clippy::too_many_arguments)]
fn channel(
    f: &Frame,
    lab: &LabState,
    s: &crate::engine::report::view::SubtaskView,
    b: Rect,
    l: &Layout,
    down: bool,
    motion: &Motion,
    marks: &mut Vec<(f64, f64, f64, u64, f64)>,
) {
    let ctx = f.ctx;
    let x0 = l.channels_x;
    let x1 = b.x - 3.0;
    let len = (x1 - x0).max(4.0);
    let hgt = (b.h * 0.32).clamp(3.0, 10.0 * f.scale);
    let y = b.cy() - hgt / 2.0;
    ctx.set_global_alpha(if down { 0.4 } else { 1.0 });
    ctx.set_fill_style_str("#eef1f5");
    ctx.fill_rect(x0, y, len, hgt);
    let cap = f64::from(s.channel_capacity.max(1));
    let fill = (f64::from(s.queued_records) / cap).clamp(0.0, 1.0);
    ctx.set_fill_style_str("#9aa6b5");
    ctx.fill_rect(x1 - len * fill, y, len * fill, hgt);
    ctx.set_stroke_style_str(LINE);
    ctx.set_line_width(1.0);
    ctx.stroke_rect(x0, y, len, hgt);
    ctx.set_global_alpha(1.0);

    // Where a barrier travelling for `t` (0..1) of its way to `target_x` is: out of the
    // source to the channel's entrance, then along the channel.
    let (sx, sy) = source_port(l);
    let travel = |t: f64, target_x: f64| -> (f64, f64) {
        let split = 0.55;
        if t < split {
            let u = ease(t / split);
            (
                sx + (x0 - sx) * u,
                sy + (b.cy() - sy) * (u * u * (3.0 - 2.0 * u)),
            )
        } else {
            let u = ease((t - split) / (1.0 - split));
            (x0 + (target_x - x0) * u, b.cy())
        }
    };
    // Barriers in the channel, where the engine says each sits among the queued records
    // (0 = next in line).
    for (pos, id) in &s.barriers {
        let bx = x1 - len * (f64::from(*pos) / cap).clamp(0.0, 1.0) - 2.0;
        let (x, cy) = match motion.barrier_travel(*id, f.now_ms) {
            Some(t) if t < 1.0 => travel(t, bx),
            _ => (bx, b.cy()),
        };
        marks.push((x, cy, hgt, *id, b.h));
    }
    // The running checkpoint's barrier once it reached this subtask, until the subtask's
    // snapshot is taken: at the subtask's edge (still on its way while it travels).
    let running = lab
        .history
        .iter()
        .rev()
        .find(|h| h.status == CheckpointStatus::InProgress);
    if let Some(h) = running.filter(|h| !s.barriers.iter().any(|(_, id)| *id == h.id)) {
        let st = h.subtasks.get(s.index as usize);
        let travelling = motion.barrier_travel(h.id, f.now_ms).filter(|t| *t < 1.0);
        let waiting = st.is_some_and(|st| st.start_delay_us.is_some() && st.sync_us.is_none());
        let at_edge = x1 - 4.0 * f.scale;
        if let Some(t) = travelling {
            let (x, cy) = travel(t, at_edge);
            marks.push((x, cy, hgt, h.id, b.h));
        } else if waiting && !down {
            marks.push((at_edge, b.cy(), hgt, h.id, b.h));
        }
    }
}

/// The bar a barrier is drawn as (its tag above it aside).
fn barrier_rect(f: &Frame, x: f64, cy: f64, channel_h: f64, row_h: f64) -> Rect {
    let w = 6.0 * f.scale;
    let h = (channel_h + 16.0 * f.scale).min(row_h.max(channel_h + 4.0));
    Rect::new(x - w / 2.0, cy - h / 2.0, w, h)
}

/// A checkpoint barrier: a dark bar across the channel, large enough to point at, with
/// its checkpoint's number in a tag above it when the row has room.
fn barrier_mark(f: &Frame, x: f64, cy: f64, channel_h: f64, id: u64, row_h: f64) {
    let ctx = f.ctx;
    let Rect { w, h, y: top, .. } = barrier_rect(f, x, cy, channel_h, row_h);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(x - w / 2.0 - 1.5, top - 1.5, w + 3.0, h + 3.0);
    ctx.set_fill_style_str(INK);
    ctx.fill_rect(x - w / 2.0, top, w, h);
    ctx.set_fill_style_str(SUBTASK_COLOURS[1]);
    ctx.fill_rect(x - w / 2.0 + 1.5, top + 1.5, (w - 3.0).max(1.0), h - 3.0);
    let px = 9.5 * f.scale;
    if row_h >= h + px + 4.0 {
        let label = format!("chk {id}");
        ctx.set_font(&font(f, 9.5, true));
        let tw = px * 0.6 * label.chars().count() as f64 + 6.0;
        let (tx, ty) = (x - tw / 2.0, top - px - 4.0);
        ctx.set_fill_style_str(INK);
        ctx.fill_rect(tx, ty, tw, px + 3.0);
        ctx.set_fill_style_str("#ffffff");
        ctx.set_text_align("center");
        text(ctx, &label, x, ty + px - 0.5);
        ctx.set_text_align("left");
    }
}

#[allow(clippy::too_many_arguments)]
fn subtask_box(
    f: &Frame,
    lab: &LabState,
    s: &crate::engine::report::view::SubtaskView,
    b: Rect,
    flash: Option<f64>,
    down: bool,
    max_kg_bytes: f64,
    cell_rects: &mut HashMap<u32, Rect>,
    hits: &mut Vec<Hit>,
    motion: &Motion,
    batch: &mut CellBatch,
) -> usize {
    let ctx = f.ctx;
    let view = &lab.view;
    let selected = lab.selection == Some(Selection::Subtask(s.index));
    ctx.set_global_alpha(if down { 0.35 } else { 1.0 });
    ctx.set_fill_style_str(PANEL);
    ctx.fill_rect(b.x, b.y, b.w, b.h);
    if let Some(a) = flash.filter(|_| !lab.reduced_motion) {
        ctx.set_global_alpha(a.clamp(0.0, 1.0) * 0.8);
        ctx.set_fill_style_str("#fff4c2");
        ctx.fill_rect(b.x, b.y, b.w, b.h);
        ctx.set_global_alpha(if down { 0.35 } else { 1.0 });
    }
    ctx.set_stroke_style_str(if s.busy_in_sync_phase || flash.is_some() {
        ACCENT
    } else {
        INK
    });
    ctx.set_line_width(if s.busy_in_sync_phase || flash.is_some() {
        2.5
    } else {
        1.2
    });
    ctx.stroke_rect(b.x, b.y, b.w, b.h);

    // Label: a strip on top when there is room, else a column on the left.
    let label_px = 10.0;
    let tall = b.h >= 34.0 * f.scale;
    // A scale model's sizes read as the real job's, with ≈ (`lab::scale`).
    let label = format!(
        "#{} · {}",
        s.index,
        crate::lab::scale::subtask_bytes(&lab.config, s.state_bytes, s.key_groups.len())
    );
    let cells_area = if tall {
        ctx.set_font(&font(f, label_px, true));
        ctx.set_fill_style_str(INK);
        ctx.set_text_align("left");
        if let Some(t) = fit(&label, b.w - 40.0, label_px * f.scale) {
            text(ctx, &t, b.x + 4.0, b.y + 11.0 * f.scale);
        }
        if s.busy_in_sync_phase {
            ctx.set_fill_style_str(ACCENT);
            ctx.set_text_align("right");
            text(ctx, "sync", b.right() - 4.0, b.y + 11.0 * f.scale);
            ctx.set_text_align("left");
        }
        Rect::new(
            b.x + 3.0,
            b.y + 14.0 * f.scale,
            b.w - 6.0,
            b.h - 14.0 * f.scale - 3.0,
        )
    } else {
        let lw = (30.0 * f.scale).min(b.w * 0.3);
        ctx.set_font(&font(f, label_px.min(b.h * 0.7 / f.scale).max(9.5), true));
        ctx.set_fill_style_str(INK);
        ctx.set_text_align("left");
        text(ctx, &format!("#{}", s.index), b.x + 3.0, b.cy() + 3.5);
        Rect::new(b.x + lw, b.y + 2.0, b.w - lw - 2.0, b.h - 4.0)
    };
    ctx.set_global_alpha(1.0);

    let range = s.key_groups;
    let n = range.len() as usize;
    // Thousands of key groups do not fit as cells: neighbours share a cell then (its
    // size their summed state, marked if any changed), and the footer says so.
    let bin = bin_size(n, cells_area);
    let cells = n.div_ceil(bin);
    let (cols, side) = grid(cells, cells_area);
    let moving = !motion.moves.is_empty();
    let t = motion.move_progress(f.now_ms);
    let mut pushed = 0;
    for i in 0..cells {
        let first = range.start + (i * bin) as u32;
        let last = (first + bin as u32 - 1).min(range.end);
        let members = view
            .key_groups
            .get(first as usize..=last as usize)
            .unwrap_or(&[]);
        if members.is_empty() {
            continue;
        }
        let bytes: u64 = members.iter().map(|k| k.raw_bytes).sum();
        let dirty = members.iter().any(|k| k.dirty);
        let slot = Rect::new(
            cells_area.x + (i % cols) as f64 * side,
            cells_area.y + (i / cols) as f64 * side,
            side,
            side,
        );
        cell_rects.insert(first, slot);
        let drawn = match motion.moves.get(&first) {
            Some((from, to)) if moving => Rect::lerp(*from, *to, t),
            _ => slot,
        };
        key_group_cell(
            batch,
            s.index,
            drawn,
            bytes,
            max_kg_bytes * bin as f64,
            dirty,
            down,
        );
        if matches!(lab.selection, Some(Selection::KeyGroup(kg)) if (first..=last).contains(&kg)) {
            batch.highlights.push(drawn);
        }
        hits.push(Hit {
            rect: slot,
            selection: Selection::KeyGroup(first),
        });
        pushed += 1;
    }
    if selected {
        highlight(ctx, b);
    }
    // The box itself is selectable where no cell is: its label strip and margins. Cells
    // were pushed first, so they win where they overlap (hits are searched last first).
    hits.insert(
        hits.len() - pushed.min(hits.len()),
        Hit {
            rect: b,
            selection: Selection::Subtask(s.index),
        },
    );
    bin
}

/// Cells drawn in layers, one canvas path per colour and layer: thousands of cells cost
/// a few dozen canvas calls instead of thousands (each call crosses into JavaScript).
#[derive(Default)]
struct CellBatch {
    backgrounds: Vec<Rect>,
    ghosts: Vec<Rect>,
    /// Indexed by key group colour; the last one is grey.
    fills: [Vec<Rect>; 8],
    hollows: [Vec<Rect>; 7],
    corners: Vec<Rect>,
    crosses: Vec<Rect>,
    zigzags: Vec<Rect>,
    highlights: Vec<Rect>,
}

const GREY: usize = 7;

fn colour_index(subtask: u32) -> usize {
    (subtask % 7) as usize
}

impl CellBatch {
    fn flush(&self, ctx: &Ctx, alpha: f64) {
        let rects = |list: &[Rect]| {
            ctx.begin_path();
            for r in list {
                ctx.rect(r.x, r.y, r.w, r.h);
            }
        };
        ctx.set_global_alpha(alpha);
        if !self.backgrounds.is_empty() {
            ctx.set_fill_style_str("#f1f3f6");
            rects(&self.backgrounds);
            ctx.fill();
        }
        if !self.ghosts.is_empty() {
            ctx.set_stroke_style_str("#9aa6b5");
            ctx.set_line_width(0.8);
            rects(&self.ghosts);
            ctx.stroke();
        }
        for (i, list) in self.fills.iter().enumerate() {
            if !list.is_empty() {
                ctx.set_fill_style_str(if i == GREY {
                    "#aeb6c1"
                } else {
                    SUBTASK_COLOURS[i]
                });
                rects(list);
                ctx.fill();
            }
        }
        for (i, list) in self.hollows.iter().enumerate() {
            if !list.is_empty() {
                ctx.set_stroke_style_str(SUBTASK_COLOURS[i]);
                ctx.set_line_width(1.4);
                rects(list);
                ctx.stroke();
            }
        }
        if !self.corners.is_empty() {
            ctx.set_fill_style_str(INK);
            ctx.begin_path();
            for r in &self.corners {
                ctx.move_to(r.x, r.y);
                ctx.line_to(r.x + r.w, r.y);
                ctx.line_to(r.x + r.w, r.y + r.h);
                ctx.close_path();
            }
            ctx.fill();
        }
        if !self.crosses.is_empty() {
            ctx.set_stroke_style_str(ALERT);
            ctx.set_line_width(1.6);
            ctx.begin_path();
            for r in &self.crosses {
                ctx.move_to(r.x, r.y);
                ctx.line_to(r.right(), r.bottom());
                ctx.move_to(r.right(), r.y);
                ctx.line_to(r.x, r.bottom());
            }
            ctx.stroke();
        }
        if !self.zigzags.is_empty() {
            ctx.set_stroke_style_str(INK);
            ctx.set_line_width(1.4);
            ctx.begin_path();
            for r in &self.zigzags {
                let y = r.cy();
                ctx.move_to(r.x, y);
                ctx.line_to(r.x + r.w * 0.33, y - r.h * 0.3);
                ctx.line_to(r.x + r.w * 0.66, y + r.h * 0.3);
                ctx.line_to(r.right(), y);
            }
            ctx.stroke();
        }
        ctx.set_global_alpha(1.0);
        for r in &self.highlights {
            highlight(ctx, *r);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn key_group_cell(
    batch: &mut CellBatch,
    subtask: u32,
    slot: Rect,
    bytes: u64,
    reference: f64,
    dirty: bool,
    down: bool,
) {
    let inset = if slot.w > 6.0 { 1.0 } else { 0.5 };
    let inner = slot.w - 2.0 * inset;
    batch
        .backgrounds
        .push(Rect::new(slot.x + inset, slot.y + inset, inner, inner));
    // A failed job's key groups are grey: their state is gone until the restore.
    let colour = if down { GREY } else { colour_index(subtask) };
    let side = side_for(bytes, reference, inner);
    if side > 0.0 {
        batch.fills[colour].push(Rect::new(
            slot.x + inset + (inner - side) / 2.0,
            slot.y + inset + (inner - side) / 2.0,
            side,
            side,
        ));
    }
    if dirty && inner >= 5.0 {
        // Changed since the last completed checkpoint: a dark corner.
        let m = (inner * 0.38).max(3.0);
        batch
            .corners
            .push(Rect::new(slot.x + inset + inner - m, slot.y + inset, m, m));
    }
}

fn highlight(ctx: &Ctx, r: Rect) {
    ctx.set_line_width(3.0);
    ctx.set_stroke_style_str("#ffffff");
    ctx.stroke_rect(r.x - 1.5, r.y - 1.5, r.w + 3.0, r.h + 3.0);
    ctx.set_line_width(2.0);
    ctx.set_stroke_style_str(INK);
    ctx.stroke_rect(r.x - 1.5, r.y - 1.5, r.w + 3.0, r.h + 3.0);
}

fn dots(f: &Frame, lab: &LabState, l: &Layout, motion: &Motion) {
    if lab.reduced_motion {
        flows(f, lab, l);
        return;
    }
    if motion.dots.is_empty() {
        return;
    }
    let ctx = f.ctx;
    let (sx, sy) = source_port(l);
    let spread = (l.source.h * 0.25).min(30.0 * f.scale);
    let r = 2.6 * f.scale;
    // With a key group selected, its records stand out and the others fade.
    let selected = match lab.selection {
        Some(Selection::KeyGroup(kg)) => Some(kg),
        _ => None,
    };
    let mut picked = Vec::new();
    for d in &motion.dots {
        let Some(b) = l.boxes.get(d.record.subtask as usize) else {
            continue;
        };
        let t = ease((f.now_ms - d.born_ms) / DOT_TRAVEL_MS);
        let y0 = sy + (d.lane - 0.5) * spread;
        let (x1, y1) = (l.channels_x, b.cy());
        // A gentle curve: out of the source horizontally, into the channel horizontally.
        let x = sx + (x1 - sx) * t;
        let y = y0 + (y1 - y0) * (t * t * (3.0 - 2.0 * t));
        if selected == Some(d.record.key_group) {
            picked.push((x, y, d.record.subtask));
            continue;
        }
        ctx.set_global_alpha(if selected.is_some() { 0.3 } else { 1.0 });
        ctx.set_fill_style_str(subtask_colour(d.record.subtask));
        ctx.begin_path();
        let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
        ctx.fill();
        ctx.set_line_width(0.6);
        ctx.set_stroke_style_str(INK);
        ctx.stroke();
    }
    ctx.set_global_alpha(1.0);
    for (x, y, subtask) in picked {
        ctx.set_fill_style_str(subtask_colour(subtask));
        ctx.begin_path();
        let _ = ctx.arc(x, y, r * 1.8, 0.0, std::f64::consts::TAU);
        ctx.fill();
        ctx.set_line_width(2.0);
        ctx.set_stroke_style_str(INK);
        ctx.stroke();
    }
}

/// Reduced motion: instead of travelling dots, a still line from the source to each
/// channel, as wide as that subtask's share of the records just emitted.
fn flows(f: &Frame, lab: &LabState, l: &Layout) {
    let ctx = f.ctx;
    let (sx, sy) = source_port(l);
    let mut share = vec![0usize; l.boxes.len()];
    for r in lab.emitted.iter() {
        if let Some(n) = share.get_mut(r.subtask as usize) {
            *n += 1;
        }
    }
    let total = share.iter().sum::<usize>().max(1) as f64;
    for (b, n) in l.boxes.iter().zip(&share) {
        let w = if *n == 0 {
            1.0
        } else {
            1.0 + 5.0 * *n as f64 / total * l.boxes.len() as f64 / 2.0
        };
        ctx.set_stroke_style_str(if *n == 0 { LINE } else { "#9aa6b5" });
        ctx.set_line_width(w.min(6.0));
        ctx.begin_path();
        ctx.move_to(sx, sy);
        ctx.line_to(l.channels_x, b.cy());
        ctx.stroke();
    }
}

/// Chunks on the link: uploads move right along their subtask's row, downloads left.
fn link(f: &Frame, lab: &LabState, l: &Layout, hits: &mut Vec<Hit>, anchors: &mut Anchors) {
    let ctx = f.ctx;
    let view = &lab.view;
    let x0 = l.link_x + 4.0;
    let x1 = l.store.x - 6.0;
    let span = (x1 - x0).max(10.0);
    // Guide lines.
    ctx.set_stroke_style_str(LINE);
    ctx.set_line_width(1.0);
    for b in &l.boxes {
        ctx.begin_path();
        ctx.move_to(x0 - 4.0, b.cy());
        ctx.line_to(x1, b.cy());
        ctx.stroke();
    }
    let latency_us = lab.config.link.latency_ms * 1000.0;
    // Chunks in flight are drawn large enough to point at: at least 6 px encoded and 10 px
    // raw (times the scale), however small their bytes.
    let max_side = |b: &Rect| (b.h * 0.5).clamp(10.0 * f.scale, 30.0 * f.scale);
    let draw_one = |t: &TransferView,
                    upward: bool,
                    hits: &mut Vec<Hit>,
                    anchors: &mut Anchors,
                    queued_per_row: &mut HashMap<u32, usize>| {
        let row = t.subtask.unwrap_or(0) as usize;
        let Some(b) = l.boxes.get(row).or_else(|| l.boxes.last()) else {
            return;
        };
        let side_max = max_side(b);
        let enc = side_for(t.encoded_bytes, f.size_ref, side_max).max(6.0 * f.scale);
        let raw = side_for(t.raw_bytes, f.size_ref, side_max)
            .max(enc)
            .max(10.0 * f.scale);
        // Sending takes the first 80 % of the way, propagation (latency) the rest.
        let progress = match t.arrives_at_us {
            Some(arrives) if latency_us > 0.0 => {
                let left = arrives.saturating_sub(view.now_us) as f64;
                0.8 + 0.2 * (1.0 - (left / latency_us).clamp(0.0, 1.0))
            }
            Some(_) => 1.0,
            None => 0.8 * t.sent_fraction,
        };
        let waiting = t.arrives_at_us.is_none() && t.sent_fraction == 0.0;
        let stack = if waiting {
            let n = queued_per_row.entry(row as u32).or_insert(0);
            *n += 1;
            if *n > 6 {
                return;
            }
            (*n - 1) as f64 * 3.0 * f.scale
        } else {
            0.0
        };
        let travel = span - raw;
        let cx = if upward {
            x0 + raw / 2.0 + travel * progress + stack
        } else {
            x1 - raw / 2.0 - travel * progress - stack
        };
        let cy = if upward {
            b.cy() - raw * 0.35
        } else {
            b.cy() + raw * 0.35
        };
        let ghost = Rect::new(cx - raw / 2.0, cy - raw / 2.0, raw, raw);
        ctx.set_line_width(1.0);
        ctx.set_stroke_style_str(MUTED);
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(ghost.x, ghost.y, ghost.w, ghost.h);
        let _ = ctx.set_line_dash(&dash(&[2.0, 1.5]));
        ctx.stroke_rect(ghost.x, ghost.y, ghost.w, ghost.h);
        let _ = ctx.set_line_dash(&dash(&[]));
        ctx.set_fill_style_str(subtask_colour(owner(view, t.key_group)));
        ctx.fill_rect(cx - enc / 2.0, cy - enc / 2.0, enc, enc);
        ctx.set_stroke_style_str(INK);
        ctx.stroke_rect(cx - enc / 2.0, cy - enc / 2.0, enc, enc);
        if lab.selection == Some(Selection::KeyGroup(t.key_group)) {
            highlight(ctx, ghost);
        }
        hits.push(Hit {
            rect: Rect::new(ghost.x - 2.0, ghost.y - 2.0, ghost.w + 4.0, ghost.h + 4.0),
            selection: Selection::KeyGroup(t.key_group),
        });
        let direction = if upward {
            Direction::Upload
        } else {
            Direction::Download
        };
        anchors.push((
            Target::ChunkOnLink {
                key_group: t.key_group,
                direction,
            },
            ghost,
        ));
    };
    // Drawn back to front: waiting chunks first, the ones on the wire on top. At most a
    // few waiting chunks per row are drawn, stacked; the footer counts them all.
    let mut queued = HashMap::new();
    for t in view.uploads.iter().rev() {
        draw_one(t, true, hits, anchors, &mut queued);
    }
    queued.clear();
    for t in view.downloads.iter().rev() {
        draw_one(t, false, hits, anchors, &mut queued);
    }
}

fn dash(parts: &[f64]) -> wasm_bindgen::JsValue {
    let array = js_sys::Array::new();
    for p in parts {
        array.push(&wasm_bindgen::JsValue::from_f64(*p));
    }
    array.into()
}

/// The store: a column per retained checkpoint, then any checkpoint still in progress.
/// Returns where each checkpoint's column is, for the spotlight.
fn store(f: &Frame, lab: &LabState, l: &Layout, hits: &mut Vec<Hit>) -> Vec<(u64, Rect)> {
    let mut columns_at = Vec::new();
    let ctx = f.ctx;
    let view = &lab.view;
    let area = l.store;
    ctx.set_fill_style_str("#f7f8fa");
    ctx.fill_rect(area.x, area.y, area.w, area.h);
    ctx.set_stroke_style_str(INK);
    ctx.set_line_width(1.2);
    ctx.stroke_rect(area.x, area.y, area.w, area.h);

    let in_progress: Vec<_> = lab
        .history
        .iter()
        .filter(|h| h.status == CheckpointStatus::InProgress)
        .collect();
    let columns = view.store.checkpoints.len() + in_progress.len();
    if columns == 0 {
        ctx.set_fill_style_str(MUTED);
        ctx.set_font(&font(f, 10.0, false));
        ctx.set_text_align("center");
        for (i, line) in ["no completed", "checkpoint", "yet"].iter().enumerate() {
            if let Some(t) = fit(line, area.w - 4.0, 10.0 * f.scale) {
                text(ctx, &t, area.cx(), area.cy() + i as f64 * 13.0 * f.scale);
            }
        }
        ctx.set_text_align("left");
        return columns_at;
    }
    let gap = 4.0;
    let col_w = (area.w - gap * (columns as f64 + 1.0)) / columns as f64;
    let head = 24.0 * f.scale;
    let max_p = view.key_groups.len().max(1);
    let latest = view.store.checkpoints.last().map(|c| c.id);
    let mut batch = CellBatch::default();
    for (i, c) in view.store.checkpoints.iter().enumerate() {
        let col = Rect::new(
            area.x + gap + i as f64 * (col_w + gap),
            area.y + gap,
            col_w,
            area.h - 2.0 * gap,
        );
        columns_at.push((c.id, col));
        let selected = lab.selection == Some(Selection::Checkpoint(c.id));
        ctx.set_fill_style_str(PANEL);
        ctx.fill_rect(col.x, col.y, col.w, col.h);
        ctx.set_stroke_style_str(if Some(c.id) == latest { ACCENT } else { LINE });
        ctx.set_line_width(if Some(c.id) == latest { 2.0 } else { 1.0 });
        ctx.stroke_rect(col.x, col.y, col.w, col.h);
        ctx.set_fill_style_str(INK);
        ctx.set_font(&font(f, 10.0, true));
        ctx.set_text_align("left");
        if let Some(t) = fit(&format!("chk {}", c.id), col.w - 4.0, 10.0 * f.scale) {
            text(ctx, &t, col.x + 3.0, col.y + 11.0 * f.scale);
        }
        ctx.set_font(&font(f, 9.5, false));
        ctx.set_fill_style_str(MUTED);
        if let Some(t) = fit(
            &format!("@{}", format::count(c.offset)),
            col.w - 4.0,
            9.5 * f.scale,
        ) {
            text(ctx, &t, col.x + 3.0, col.y + 21.0 * f.scale);
        }
        let header = Rect::new(col.x, col.y, col.w, head);
        let cells = Rect::new(col.x + 2.0, col.y + head, col.w - 4.0, col.h - head - 2.0);
        let bin = bin_size(max_p, cells);
        let (cols, side) = grid(max_p.div_ceil(bin), cells);
        let mut chunk_hits = Vec::new();
        for ch in &c.chunks {
            // Binned: the first chunk of each cell's key groups stands for them all.
            if ch.key_group as usize % bin != 0 {
                continue;
            }
            let i = ch.key_group as usize / bin;
            let slot = Rect::new(
                cells.x + (i % cols) as f64 * side,
                cells.y + (i / cols) as f64 * side,
                side,
                side,
            );
            let corrupted = lab.corrupted.contains(&ch.chunk);
            chunk_cell(
                f,
                &mut batch,
                ch,
                owner(view, ch.key_group),
                slot,
                corrupted,
            );
            let chosen = match &lab.selection {
                Some(Selection::Chunk(id)) => *id == ch.chunk,
                Some(Selection::KeyGroup(kg)) => *kg == ch.key_group,
                _ => false,
            };
            if chosen {
                batch.highlights.push(slot);
            }
            chunk_hits.push(Hit {
                rect: slot,
                selection: Selection::Chunk(ch.chunk),
            });
        }
        if selected {
            batch.highlights.push(col);
        }
        hits.push(Hit {
            rect: col,
            selection: Selection::Checkpoint(c.id),
        });
        hits.push(Hit {
            rect: header,
            selection: Selection::Checkpoint(c.id),
        });
        hits.extend(chunk_hits);
    }
    batch.flush(ctx, 1.0);
    // A checkpoint in progress: a dashed column where its chunks land as the store
    // acknowledges them (and the older chunks it will reference show hollow).
    let mut batch = CellBatch::default();
    for (j, h) in in_progress.iter().enumerate() {
        let i = view.store.checkpoints.len() + j;
        let col = Rect::new(
            area.x + gap + i as f64 * (col_w + gap),
            area.y + gap,
            col_w,
            area.h - 2.0 * gap,
        );
        columns_at.push((h.id, col));
        let _ = ctx.set_line_dash(&dash(&[4.0, 3.0]));
        ctx.set_stroke_style_str(ACCENT);
        ctx.set_line_width(1.5 * f.scale);
        ctx.stroke_rect(col.x, col.y, col.w, col.h);
        let _ = ctx.set_line_dash(&dash(&[]));
        ctx.set_fill_style_str(ACCENT);
        ctx.set_font(&font(f, 10.0, true));
        if let Some(t) = fit(&format!("chk {}", h.id), col.w - 4.0, 10.0 * f.scale) {
            text(ctx, &t, col.x + 3.0, col.y + 11.0 * f.scale);
        }
        let landed = view.store.in_progress.iter().find(|p| p.id == h.id);
        let own = landed.map_or(0, |p| {
            p.chunks.iter().filter(|c| c.shared_from.is_none()).count()
        });
        let shipped = h.key_groups_shipped.max(own as u32);
        ctx.set_font(&font(f, 9.5, false));
        let progress = if h.subtasks.iter().any(|s| s.sync_us.is_none()) {
            "snapshots being taken".to_string()
        } else {
            format!("{own} of {shipped} chunks landed")
        };
        if let Some(t) = fit(&progress, col.w - 4.0, 9.5 * f.scale) {
            text(ctx, &t, col.x + 3.0, col.y + 21.0 * f.scale);
        }
        let cells = Rect::new(col.x + 2.0, col.y + head, col.w - 4.0, col.h - head - 2.0);
        let bin = bin_size(max_p, cells);
        let (cols, side) = grid(max_p.div_ceil(bin), cells);
        for ch in landed.iter().flat_map(|p| p.chunks.iter()) {
            if ch.key_group as usize % bin != 0 {
                continue;
            }
            let k = ch.key_group as usize / bin;
            let slot = Rect::new(
                cells.x + (k % cols) as f64 * side,
                cells.y + (k / cols) as f64 * side,
                side,
                side,
            );
            chunk_cell(f, &mut batch, ch, owner(view, ch.key_group), slot, false);
            if matches!(&lab.selection, Some(Selection::KeyGroup(kg)) if *kg == ch.key_group) {
                batch.highlights.push(slot);
            }
        }
        if lab.selection == Some(Selection::Checkpoint(h.id)) {
            batch.highlights.push(col);
        }
        hits.push(Hit {
            rect: col,
            selection: Selection::Checkpoint(h.id),
        });
    }
    batch.flush(ctx, 1.0);
    columns_at
}

fn chunk_cell(
    f: &Frame,
    batch: &mut CellBatch,
    ch: &crate::engine::report::view::StoredChunkView,
    owner: u32,
    slot: Rect,
    corrupted: bool,
) {
    let inset = if slot.w > 6.0 { 1.0 } else { 0.5 };
    let inner = slot.w - 2.0 * inset;
    let inner_rect = Rect::new(slot.x + inset, slot.y + inset, inner, inner);
    if !ch.present {
        // Missing: a cross.
        batch.crosses.push(inner_rect);
        return;
    }
    let raw = side_for(ch.raw_bytes, f.size_ref, inner);
    let enc = side_for(ch.encoded_bytes, f.size_ref, inner).min(raw.max(1.5));
    let (cx, cy) = (slot.cx(), slot.cy());
    if ch.shared_from.is_some() {
        // Shared with an earlier checkpoint (incremental): a reference, drawn hollow.
        let s = raw.max(3.0);
        batch.hollows[colour_index(owner)].push(Rect::new(
            cx - s / 2.0 + 0.5,
            cy - s / 2.0 + 0.5,
            s - 1.0,
            s - 1.0,
        ));
    } else {
        if inner >= 6.0 {
            batch
                .ghosts
                .push(Rect::new(cx - raw / 2.0, cy - raw / 2.0, raw, raw));
        }
        batch.fills[colour_index(owner)].push(Rect::new(cx - enc / 2.0, cy - enc / 2.0, enc, enc));
    }
    if corrupted {
        // Corrupted from this page: a zigzag across the cell.
        batch.zigzags.push(inner_rect);
    }
}

fn status_overlay(f: &Frame, view: &SimView, l: &Layout) {
    let ctx = f.ctx;
    let msg = match &view.status {
        JobStatus::Running => return,
        JobStatus::Restarting { .. } => "failed: state lost, restarting".to_string(),
        JobStatus::Restoring {
            checkpoint,
            chunks_total,
            chunks_done,
        } => match checkpoint {
            Some(id) => format!("restoring chk {id}: {chunks_done}/{chunks_total}"),
            None => "no checkpoint: starting empty".to_string(),
        },
    };
    let px = 11.0;
    let w = l.subtasks_w - 8.0;
    let Some(t) = fit(&msg, w - 12.0, px * f.scale) else {
        return;
    };
    let h = 22.0 * f.scale;
    let r = Rect::new(l.subtasks_x + 4.0, (l.top + l.bottom) / 2.0 - h / 2.0, w, h);
    ctx.set_fill_style_str(INK);
    ctx.set_global_alpha(0.88);
    ctx.fill_rect(r.x, r.y, r.w, r.h);
    ctx.set_global_alpha(1.0);
    ctx.set_fill_style_str("#ffffff");
    ctx.set_font(&font(f, px, true));
    ctx.set_text_align("center");
    text(ctx, &t, r.cx(), r.cy() + 4.0 * f.scale);
    ctx.set_text_align("left");
}

fn footer(f: &Frame, lab: &LabState, l: &Layout) {
    let ctx = f.ctx;
    let y = f.h - 6.0;
    ctx.set_font(&font(f, 9.5, false));
    ctx.set_fill_style_str(MUTED);
    ctx.set_text_align("left");
    let view = &lab.view;
    let records = if lab.reduced_motion {
        "reduced motion: no travelling dots".to_string()
    } else if lab.dot_stride > 1 {
        format!("1 dot = {} records", format::count(lab.dot_stride))
    } else {
        "1 dot = 1 record".to_string()
    };
    if let Some(t) = fit(
        &records,
        l.subtasks_x - l.source.x + l.subtasks_w * 0.5,
        9.5 * f.scale,
    ) {
        text(ctx, &t, l.source.x, y);
    }
    let up: u64 = view.uploads.len() as u64;
    let down: u64 = view.downloads.len() as u64;
    let link = if down > 0 {
        format!("{up} up · {down} down")
    } else {
        format!("{up} in flight")
    };
    if !l.narrow {
        if let Some(t) = fit(&link, l.link_w + 10.0, 9.5 * f.scale) {
            text(ctx, &t, l.link_x + 2.0, y);
        }
    }
    let stored = crate::lab::scale::store_bytes(
        &lab.config,
        view.store.stored_bytes,
        u64::from(view.store.chunk_count),
    );
    let store = if l.narrow {
        stored
    } else {
        format!("{} chunks · {stored}", view.store.chunk_count)
    };
    ctx.set_text_align("right");
    if let Some(t) = fit(&store, l.store.w, 9.5 * f.scale) {
        text(ctx, &t, l.store.right(), y);
    }
    ctx.set_text_align("left");
    if let Some(last) = lab.history.last() {
        if let CheckpointStatus::Failed(_) = last.status {
            ctx.set_fill_style_str(ALERT);
            ctx.set_font(&font(f, 9.5, true));
            let msg = format!("chk {} failed", last.id);
            if let Some(t) = fit(&msg, l.subtasks_w, 9.5 * f.scale) {
                text(ctx, &t, l.subtasks_x, y);
            }
        }
    }
}
