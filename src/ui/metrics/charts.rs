//! The metrics charts, drawn by plotters on canvases.
//!
//! The lab publishes a new state every animation frame; redrawing five charts that often
//! would steal the frame budget from the pipeline view. So a timer draws at most one
//! chart per tick, the stalest one on screen, and each chart at most
//! [`REDRAWS_PER_S`] times a second; nothing is drawn while the tab is hidden, and a
//! chart scrolled into view while the run is paused is drawn on the next tick. Canvases
//! are sized in device pixels and fonts and lines scaled to match, so charts stay sharp
//! on HiDPI screens.

use gloo_timers::callback::Interval;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::engine::report::metrics::Sample;
use crate::ui::context::LabState;

const REDRAWS_PER_S: f64 = 3.0;
/// One chart is drawn per tick, so a draw never stacks up with the others in one task.
const TICK_MS: u32 = 70;
/// Time series show the most recent stretch of virtual time.
const WINDOW_US: u64 = 120_000_000;

// Okabe–Ito, as in static/style.css.
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
const ORANGE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);
const SKY: RGBColor = RGBColor(0x56, 0xb4, 0xe9);
const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);
const VERMILLION: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
const PURPLE: RGBColor = RGBColor(0xcc, 0x79, 0xa7);
const INK: RGBColor = RGBColor(0x1d, 0x23, 0x2b);
const MUTED: RGBColor = RGBColor(0x4a, 0x55, 0x63);
const GRID: RGBColor = RGBColor(0xe3, 0xe7, 0xed);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Link,
    Shipped,
    State,
    Change,
    Ratio,
}

struct ChartInfo {
    kind: Kind,
    id: &'static str,
    title: &'static str,
    legend: &'static [(&'static str, &'static str)],
    about: &'static str,
}

const CHARTS: [ChartInfo; 5] = [
    ChartInfo {
        kind: Kind::Link,
        id: "link",
        title: "Bytes on the link",
        legend: &[
            ("blue", "up: chunks to the store"),
            ("vermillion", "down: restores"),
        ],
        about: "Checkpoints show as bursts of upload; a restore pulls chunks back down.",
    },
    ChartInfo {
        kind: Kind::Shipped,
        id: "shipped",
        title: "Shipped so far: raw vs encoded",
        legend: &[
            ("sky", "raw (serialised)"),
            ("blue", "encoded (on the link)"),
        ],
        about: "The gap between the lines is what the codec saved.",
    },
    ChartInfo {
        kind: Kind::State,
        id: "state",
        title: "State size",
        legend: &[("green", "serialised keyed state")],
        about: "All key groups together, before any codec.",
    },
    ChartInfo {
        kind: Kind::Change,
        id: "change",
        title: "Change rate D and interval I",
        legend: &[
            ("orange", "D: state changed per second (left)"),
            ("purple", "I: checkpoint interval (right)"),
        ],
        about: "D is measured over a sliding window; the adaptive policy makes I follow it (I = B / D).",
    },
    ChartInfo {
        kind: Kind::Ratio,
        id: "ratio",
        title: "Compression ratio per key group",
        legend: &[
            ("blue", "shipped by the latest checkpoint"),
            ("sky", "shared from an older one"),
            ("vermillion", "chunk lost"),
        ],
        about: "Raw ÷ encoded bytes of each chunk in the latest completed checkpoint.",
    },
];

/// What was last drawn on a canvas: the state, the pixel size and the font scale.
type DrawnKey = (u64, u32, u32, bool);

struct Slot {
    kind: Kind,
    node: NodeRef,
    drawn: Option<DrawnKey>,
    drawn_at_ms: f64,
}

struct Scheduler {
    lab: Option<LabState>,
    slots: Vec<Slot>,
}

/// One chart to draw: which slot, on which canvas, for which state and size.
struct Job {
    slot: usize,
    kind: Kind,
    canvas: HtmlCanvasElement,
    key: DrawnKey,
    lab: LabState,
    style: Style,
    at_ms: f64,
}

impl Scheduler {
    /// The stalest visible chart whose picture is out of date, if any may be drawn now.
    fn pick(&self) -> Option<Job> {
        let lab = self.lab.clone()?;
        let window = web_sys::window()?;
        if window.document().is_none_or(|d| d.hidden()) {
            return None;
        }
        let now = js_sys::Date::now();
        let dpr = window.device_pixel_ratio().clamp(1.0, 4.0);
        let view_h = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let mut best: Option<(usize, HtmlCanvasElement, DrawnKey)> = None;
        for (i, slot) in self.slots.iter().enumerate() {
            if now - slot.drawn_at_ms < 1000.0 / REDRAWS_PER_S {
                continue;
            }
            let Some(canvas) = slot.node.cast::<HtmlCanvasElement>() else {
                continue;
            };
            let rect = canvas.get_bounding_client_rect();
            if rect.width() < 1.0 || rect.bottom() < 0.0 || rect.top() > view_h {
                continue;
            }
            let w = (f64::from(canvas.client_width()) * dpr).round() as u32;
            let h = (f64::from(canvas.client_height()) * dpr).round() as u32;
            if w < 40 || h < 40 {
                continue;
            }
            let key = (lab.revision, w, h, lab.large_font);
            if slot.drawn == Some(key) {
                continue;
            }
            let stalest = best
                .as_ref()
                .is_none_or(|(b, ..)| slot.drawn_at_ms < self.slots[*b].drawn_at_ms);
            if stalest {
                best = Some((i, canvas, key));
            }
        }
        let (i, canvas, key) = best?;
        let style = Style {
            scale: dpr * if lab.large_font { 1.3 } else { 1.0 },
        };
        Some(Job {
            slot: i,
            kind: self.slots[i].kind,
            canvas,
            key,
            lab,
            style,
            at_ms: now,
        })
    }

    fn drawn(&mut self, job: &Job) {
        if let Some(slot) = self.slots.get_mut(job.slot) {
            slot.drawn = Some(job.key);
            slot.drawn_at_ms = job.at_ms;
        }
    }
}

/// One timer tick: picks a chart with the scheduler borrowed, draws it with nothing
/// borrowed, then records it. Were the drawing never to return (a wasm trap, such as an
/// allocation failing), no borrow would be left behind for the next tick or render to
/// trip over: a `RefCell already borrowed` panic would otherwise hide the real failure.
fn on_timer(scheduler: &std::cell::RefCell<Scheduler>) {
    if crate::ui::panic::stopped() {
        return;
    }
    let Some(job) = scheduler.try_borrow().ok().and_then(|s| s.pick()) else {
        return;
    };
    let canvas = job.canvas.clone();
    if canvas.width() != job.key.1 {
        canvas.set_width(job.key.1);
    }
    if canvas.height() != job.key.2 {
        canvas.set_height(job.key.2);
    }
    // A chart that cannot be drawn leaves its canvas blank; the caption and the tables
    // still carry the numbers, and a console error would only add noise.
    let _ = draw(job.kind, canvas, &job.lab, &job.style);
    if let Ok(mut s) = scheduler.try_borrow_mut() {
        s.drawn(&job);
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub lab: LabState,
}

#[function_component(Charts)]
pub fn charts(props: &ChartsProps) -> Html {
    let nodes = use_memo((), |_| {
        CHARTS
            .iter()
            .map(|c| (c.kind, NodeRef::default()))
            .collect::<Vec<_>>()
    });
    let scheduler = use_mut_ref(|| Scheduler {
        lab: None,
        slots: nodes
            .iter()
            .map(|(kind, node)| Slot {
                kind: *kind,
                node: node.clone(),
                drawn: None,
                drawn_at_ms: f64::NEG_INFINITY,
            })
            .collect(),
    });
    // Rendering only hands over the newest state; the timer draws, in its own task.
    if let Ok(mut s) = scheduler.try_borrow_mut() {
        s.lab = Some(props.lab.clone());
    }
    {
        let scheduler = scheduler.clone();
        use_effect_with((), move |_| {
            let timer = Interval::new(TICK_MS, move || on_timer(&scheduler));
            move || drop(timer)
        });
    }
    html! {
        <div class="charts">
            { for CHARTS.iter().zip(nodes.iter()).map(|(c, (_, node))| html! {
                <figure class="chart" data-chart={c.id}>
                    <figcaption>
                        <span class="chart-title">{ c.title }</span>
                        <span class="legend">
                            { for c.legend.iter().map(|(colour, label)| html! {
                                <span class="key"><span class={classes!("swatch", *colour)} aria-hidden="true"></span>{ *label }</span>
                            }) }
                        </span>
                    </figcaption>
                    <canvas ref={node.clone()} role="img" aria-label={format!("{}. {}", c.title, c.about)} />
                    <p class="chart-about">{ c.about }</p>
                </figure>
            }) }
        </div>
    }
}

/// Sizes in CSS pixels, turned into canvas pixels.
struct Style {
    scale: f64,
}

impl Style {
    fn px(&self, css: f64) -> u32 {
        (css * self.scale).round().max(1.0) as u32
    }
    fn font(&self) -> TextStyle<'static> {
        ("sans-serif", 12.0 * self.scale).into_font().color(&MUTED)
    }
    fn line(&self, color: RGBColor, css_width: f64) -> ShapeStyle {
        color.stroke_width(self.px(css_width))
    }
}

type Area = DrawingArea<CanvasBackend, Shift>;

fn fail<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn draw(kind: Kind, canvas: HtmlCanvasElement, lab: &LabState, st: &Style) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?;
    let root: Area = backend.into_drawing_area();
    root.fill(&WHITE).map_err(fail)?;
    let samples = window(&lab.samples);
    match kind {
        Kind::Ratio => draw_ratio(&root, lab, st)?,
        _ if samples.len() < 2 => note(&root, st, "Waiting for samples…")?,
        Kind::Link => {
            let up = series(samples, |s| s.upload_bytes_per_s);
            let down = series(samples, |s| s.download_bytes_per_s);
            time_chart(
                &root,
                st,
                samples,
                "/s",
                &[(&up, BLUE, true), (&down, VERMILLION, true)],
            )?
        }
        Kind::Shipped => {
            let raw = series(samples, |s| s.shipped_raw_total as f64);
            let enc = series(samples, |s| s.shipped_encoded_total as f64);
            time_chart(
                &root,
                st,
                samples,
                "",
                &[(&raw, SKY, false), (&enc, BLUE, true)],
            )?
        }
        Kind::State => {
            let state = series(samples, |s| s.state_bytes as f64);
            time_chart(&root, st, samples, "", &[(&state, GREEN, true)])?
        }
        Kind::Change => draw_change(&root, st, samples)?,
    }
    root.present().map_err(fail)
}

/// The samples inside the time window, oldest first.
fn window(samples: &[Sample]) -> &[Sample] {
    let Some(last) = samples.last() else {
        return samples;
    };
    let from = last.at_us.saturating_sub(WINDOW_US);
    let start = samples.partition_point(|s| s.at_us < from);
    &samples[start..]
}

fn series(samples: &[Sample], f: impl Fn(&Sample) -> f64) -> Vec<(f64, f64)> {
    samples
        .iter()
        .map(|s| (s.at_us as f64 / 1e6, f(s)))
        .collect()
}

/// The time axis and grid every chart here shares.
fn draw_time_mesh(
    chart: &mut ChartContext<'_, CanvasBackend, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    st: &Style,
) -> Result<(), String> {
    chart
        .configure_mesh()
        .x_labels(5)
        .y_labels(4)
        .x_label_formatter(&|v| format!("{v:.0} s"))
        .y_label_formatter(&|v| tick(*v))
        .label_style(st.font())
        .axis_style(st.line(MUTED, 1.0))
        .bold_line_style(st.line(GRID, 1.0))
        .max_light_lines(0)
        .draw()
        .map_err(fail)
}

/// A binary unit for an axis whose largest value is `max` bytes: (divisor, name).
fn byte_unit(max: f64) -> (f64, &'static str) {
    const UNITS: [(f64, &str); 4] = [
        (1024.0 * 1024.0 * 1024.0, "GiB"),
        (1024.0 * 1024.0, "MiB"),
        (1024.0, "KiB"),
        (1.0, "B"),
    ];
    UNITS
        .into_iter()
        .find(|(d, _)| max >= *d * 1.5)
        .unwrap_or((1.0, "B"))
}

/// Axis label: as few digits as tell the ticks apart.
fn tick(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        return "0".into();
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn x_range(samples: &[Sample]) -> std::ops::Range<f64> {
    let first = samples.first().map_or(0.0, |s| s.at_us as f64 / 1e6);
    let last = samples.last().map_or(1.0, |s| s.at_us as f64 / 1e6);
    first..last.max(first + 1.0)
}

/// Points, colour, and whether to fill the area under the line.
type Line<'a> = (&'a Vec<(f64, f64)>, RGBColor, bool);

fn time_chart(
    root: &Area,
    st: &Style,
    samples: &[Sample],
    per: &str,
    lines: &[Line<'_>],
) -> Result<(), String> {
    let max = lines
        .iter()
        .flat_map(|(pts, ..)| pts.iter().map(|p| p.1))
        .fold(0.0f64, f64::max);
    let (div, unit) = byte_unit(max);
    let y_max = (max / div * 1.1).max(1.0);
    let y_label = format!("{unit}{per}");
    let mut chart = ChartBuilder::on(root)
        .margin(st.px(6.0))
        .margin_right(st.px(12.0))
        .x_label_area_size(st.px(22.0))
        .y_label_area_size(st.px(44.0))
        .caption(
            y_label,
            ("sans-serif", 12.0 * st.scale).into_font().color(&INK),
        )
        .build_cartesian_2d(x_range(samples), 0.0..y_max)
        .map_err(fail)?;
    draw_time_mesh(&mut chart, st)?;
    for (pts, color, area) in lines {
        let scaled = pts.iter().map(|(x, y)| (*x, y / div));
        if *area {
            chart
                .draw_series(
                    AreaSeries::new(scaled, 0.0, color.mix(0.18))
                        .border_style(st.line(*color, 2.0)),
                )
                .map_err(fail)?;
        } else {
            chart
                .draw_series(LineSeries::new(scaled, st.line(*color, 2.5)))
                .map_err(fail)?;
        }
    }
    Ok(())
}

fn draw_change(root: &Area, st: &Style, samples: &[Sample]) -> Result<(), String> {
    let d = series(samples, |s| s.change_bytes_per_s);
    let t: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|s| s.interval_ms.map(|ms| (s.at_us as f64 / 1e6, ms / 1e3)))
        .collect();
    let d_max = d.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let (div, unit) = byte_unit(d_max);
    let t_max = (t.iter().map(|p| p.1).fold(0.0f64, f64::max) * 1.2).max(1.0);
    let mut chart = ChartBuilder::on(root)
        .margin(st.px(6.0))
        .x_label_area_size(st.px(22.0))
        .y_label_area_size(st.px(44.0))
        .right_y_label_area_size(st.px(40.0))
        .caption(
            format!("D in {unit}/s · T in s"),
            ("sans-serif", 12.0 * st.scale).into_font().color(&INK),
        )
        .build_cartesian_2d(x_range(samples), 0.0..(d_max / div * 1.1).max(1.0))
        .map_err(fail)?
        .set_secondary_coord(x_range(samples), 0.0..t_max);
    draw_time_mesh(&mut chart, st)?;
    chart
        .configure_secondary_axes()
        .y_labels(4)
        .y_label_formatter(&|v| tick(*v))
        .label_style(st.font())
        .axis_style(st.line(MUTED, 1.0))
        .draw()
        .map_err(fail)?;
    chart
        .draw_series(
            AreaSeries::new(d.iter().map(|(x, y)| (*x, y / div)), 0.0, ORANGE.mix(0.18))
                .border_style(st.line(ORANGE, 2.0)),
        )
        .map_err(fail)?;
    if t.is_empty() {
        return Ok(());
    }
    chart
        .draw_secondary_series(LineSeries::new(t, st.line(PURPLE, 2.5)))
        .map_err(fail)?;
    Ok(())
}

fn draw_ratio(root: &Area, lab: &LabState, st: &Style) -> Result<(), String> {
    let Some(cp) = lab.view.store.checkpoints.last() else {
        return note(root, st, "Waiting for the first completed checkpoint.");
    };
    let ratio = |raw: u64, enc: u64| {
        if enc == 0 {
            0.0
        } else {
            raw as f64 / enc as f64
        }
    };
    let n = cp.chunks.iter().map(|c| c.key_group + 1).max().unwrap_or(1) as f64;
    let r_max = cp
        .chunks
        .iter()
        .map(|c| ratio(c.raw_bytes, c.encoded_bytes))
        .fold(1.0f64, f64::max)
        * 1.15;
    let mut chart = ChartBuilder::on(root)
        .margin(st.px(6.0))
        .margin_right(st.px(12.0))
        .x_label_area_size(st.px(22.0))
        .y_label_area_size(st.px(44.0))
        .caption(
            format!("checkpoint {} · raw ÷ encoded", cp.id),
            ("sans-serif", 12.0 * st.scale).into_font().color(&INK),
        )
        .build_cartesian_2d(0.0..n, 0.0..r_max)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(4)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{}×", tick(*v)))
        .label_style(st.font())
        .axis_style(st.line(MUTED, 1.0))
        .bold_line_style(st.line(GRID, 1.0))
        .max_light_lines(0)
        .disable_x_mesh()
        .draw()
        .map_err(fail)?;
    let gap = if n > 64.0 { 0.0 } else { 0.15 };
    chart
        .draw_series(cp.chunks.iter().map(|c| {
            let x = f64::from(c.key_group);
            let (top, color) = if !c.present {
                (r_max * 0.06, VERMILLION)
            } else if c.shared_from.is_some() {
                (ratio(c.raw_bytes, c.encoded_bytes), SKY)
            } else {
                (ratio(c.raw_bytes, c.encoded_bytes), BLUE)
            };
            Rectangle::new([(x + gap, 0.0), (x + 1.0 - gap, top)], color.filled())
        }))
        .map_err(fail)?;
    chart
        .draw_series(LineSeries::new([(0.0, 1.0), (n, 1.0)], st.line(INK, 1.0)))
        .map_err(fail)?;
    Ok(())
}

fn note(root: &Area, st: &Style, text: &str) -> Result<(), String> {
    let (w, h) = root.dim_in_pixel();
    let style = ("sans-serif", 13.0 * st.scale)
        .into_font()
        .color(&MUTED)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    root.draw(&Text::new(
        text.to_string(),
        ((w / 2) as i32, (h / 2) as i32),
        style,
    ))
    .map_err(fail)
}
