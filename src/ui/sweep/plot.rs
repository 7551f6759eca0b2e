//! The Pareto plot as SVG: the geometry comes from `lab::sweep::plot` (positions, ticks,
//! the front's staircase); this draws it. Each cell is a point that can be hovered or
//! focused (Tab) for its numbers and clicked (or Enter) to put its setting on the run.
//! Circles are settings Flink can run; diamonds go beyond Flink. Filled points are on
//! the front; the current setting is ringed, the recommended one starred.

use yew::prelude::*;

use crate::engine::report::format::{bytes_f, count, percent, sig3};
use crate::engine::report::sweep::expected_recovery_s;
use crate::lab::intent::Intent;
use crate::lab::sweep::plot::{layout, Exposure, Overhead};
use crate::lab::sweep::{approx, SweepIntent};
use crate::ui::context::LabState;

/// The plot's drawing size; the SVG scales to its box.
const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 330.0;

#[derive(Properties, PartialEq)]
pub struct ParetoPlotProps {
    pub lab: LabState,
}

#[function_component(ParetoPlot)]
pub fn pareto_plot(props: &ParetoPlotProps) -> Html {
    let lab = &props.lab;
    let sweep = &lab.sweep;
    let hovered = use_state(|| None::<usize>);
    let Some(run) = &sweep.run else {
        return html! {};
    };
    let results = run.results();
    let recommended = sweep.advice.as_ref().map(|a| a.cell);
    let plot = layout(
        &results,
        run.current(),
        sweep.overhead,
        sweep.exposure,
        WIDTH,
        HEIGHT,
    );
    let (left, top, right, bottom) = plot.area;
    let dispatch = lab.dispatch.clone();
    let emit = move |i: SweepIntent| dispatch.emit(Intent::Sweep(i));

    let points = plot.points.iter().map(|p| {
        let cell = p.cell;
        let label = run.rows[cell].label();
        let apply = run.rows[cell].cell.setting.is_empty().then_some(()).is_none();
        let onclick = {
            let emit = emit.clone();
            Callback::from(move |_: MouseEvent| {
                if apply {
                    emit(SweepIntent::Apply(cell))
                }
            })
        };
        let onkeydown = {
            let emit = emit.clone();
            Callback::from(move |e: KeyboardEvent| {
                if apply && (e.key() == "Enter" || e.key() == " ") {
                    e.prevent_default();
                    e.stop_propagation();
                    emit(SweepIntent::Apply(cell));
                }
            })
        };
        let show = {
            let hovered = hovered.clone();
            Callback::from(move |_: FocusEvent| hovered.set(Some(cell)))
        };
        let enter = {
            let hovered = hovered.clone();
            Callback::from(move |_: MouseEvent| hovered.set(Some(cell)))
        };
        let r = 6.0;
        let shape = if p.flink_possible {
            html! { <circle cx={p.x.to_string()} cy={p.y.to_string()} r={r.to_string()} /> }
        } else {
            let d = format!(
                "M{x} {y1} L{x2} {y} L{x} {y2} L{x1} {y} Z",
                x = p.x,
                y = p.y,
                x1 = p.x - r * 1.2,
                x2 = p.x + r * 1.2,
                y1 = p.y - r * 1.2,
                y2 = p.y + r * 1.2
            );
            html! { <path d={d} /> }
        };
        html! {
            <g class={classes!("point", p.on_front.then_some("front"), p.current.then_some("current"),
                    (recommended == Some(cell)).then_some("recommended"), (*hovered == Some(cell)).then_some("hovered"))}
                tabindex="0" role="button" data-testid="sweep-point" data-cell={cell.to_string()}
                aria-label={if apply { format!("{label}: apply to the run") } else { format!("{label} (the current setting)") }}
                {onclick} {onkeydown} onfocus={show} onmouseenter={enter}>
                <title>{ label.clone() }</title>
                if p.current {
                    <circle class="ring" cx={p.x.to_string()} cy={p.y.to_string()} r={(r + 4.0).to_string()} />
                }
                { shape }
                if recommended == Some(cell) {
                    <text class="star" x={(p.x + 9.0).to_string()} y={(p.y - 7.0).to_string()}>{ "★" }</text>
                }
            </g>
        }
    });
    let front = plot
        .front
        .iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    let shown = (*hovered).or(recommended).or(run.current());
    let caption = shown.and_then(|cell| {
        let row = run.rows.get(cell)?;
        let res = row.result.as_ref()?;
        let e = &res.exposure;
        Some(format!(
            "{}: ships {}{} per hour ({} of the link); recovery {} mean, {} p95; restores state {} old on average; replays {}{} records on average",
            row.label(),
            approx(run),
            bytes_f(res.bytes_shipped_per_hour),
            percent(res.link_utilisation),
            secs(expected_recovery_s(res)),
            e.recovery_s.map_or("—".into(), |s| secs(s.p95)),
            e.recovery_point_s.map_or("—".into(), |s| secs(s.mean)),
            approx(run),
            e.replayed_records.map_or("—".into(), |s| count(s.mean.round() as u64)),
        ))
    });
    let on_overhead = {
        let emit = emit.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            emit(SweepIntent::SetOverhead(if el.value() == "link" {
                Overhead::LinkUse
            } else {
                Overhead::BytesPerHour
            }));
        })
    };
    let on_exposure = {
        let emit = emit.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            emit(SweepIntent::SetExposure(if el.value() == "point" {
                Exposure::RecoveryPoint
            } else {
                Exposure::RecoveryTime
            }));
        })
    };
    html! {
        <figure class="sweep-plot" data-testid="sweep-plot">
            <figcaption class="sweep-plot-axes">
                <label for="sweep-y">{ "Up:" }</label>
                <select id="sweep-y" onchange={on_exposure}>
                    <option value="time" selected={sweep.exposure == Exposure::RecoveryTime}>{ "expected recovery time" }</option>
                    <option value="point" selected={sweep.exposure == Exposure::RecoveryPoint}>{ "recovery point (state age)" }</option>
                </select>
                <label for="sweep-x">{ "Across:" }</label>
                <select id="sweep-x" onchange={on_overhead}>
                    <option value="bytes" selected={sweep.overhead == Overhead::BytesPerHour}>{ "bytes shipped per hour" }</option>
                    <option value="link" selected={sweep.overhead == Overhead::LinkUse}>{ "link use" }</option>
                </select>
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="group"
                aria-label={format!("Pareto plot: {} against {}; lower and further left is better", plot.y_label, plot.x_label)}>
                { for plot.y_ticks.iter().map(|t| html! {
                    <g class="tick">
                        <line x1={left.to_string()} x2={right.to_string()} y1={t.at.to_string()} y2={t.at.to_string()} />
                        <text x={(left - 6.0).to_string()} y={(t.at + 4.0).to_string()} text-anchor="end">{ &t.text }</text>
                    </g>
                }) }
                { for plot.x_ticks.iter().enumerate().map(|(i, t)| html! {
                    <g class="tick">
                        <line x1={t.at.to_string()} x2={t.at.to_string()} y1={top.to_string()} y2={bottom.to_string()} />
                        // The last label ends at its tick, so it stays inside the plot.
                        <text x={t.at.to_string()} y={(bottom + 16.0).to_string()}
                            text-anchor={if i + 1 == plot.x_ticks.len() { "end" } else { "middle" }}>{ &t.text }</text>
                    </g>
                }) }
                <line class="axis" x1={left.to_string()} x2={right.to_string()} y1={bottom.to_string()} y2={bottom.to_string()} />
                <line class="axis" x1={left.to_string()} x2={left.to_string()} y1={top.to_string()} y2={bottom.to_string()} />
                <text class="axis-label" x={((left + right) / 2.0).to_string()} y={(HEIGHT - 6.0).to_string()} text-anchor="middle">
                    { match sweep.overhead {
                        // A scale model's bytes are its own scaled back up; link use is a share.
                        Overhead::BytesPerHour if run.scale.is_model() => format!("≈ {} (scale model 1:{}) →", plot.x_label, run.scale.factor),
                        _ => format!("{} →", plot.x_label),
                    } }
                </text>
                <text class="axis-label" x="12" y={((top + bottom) / 2.0).to_string()} text-anchor="middle"
                    transform={format!("rotate(-90 12 {})", (top + bottom) / 2.0)}>
                    { format!("{} →", short_y(sweep.exposure)) }
                </text>
                if plot.front.len() > 1 {
                    <polyline class="front" points={front} />
                }
                { for points }
            </svg>
            <p class="sentence small sweep-plot-legend">
                <span class="key circle" />{ " Flink can run it · " }
                <span class="key diamond" />{ " beyond Flink · filled: on the Pareto front (nothing is better on both) · ringed: current · ★ recommended. Click or Enter applies a point's setting to the run." }
            </p>
            <p class="sentence small" data-testid="sweep-plot-caption" aria-live="polite">
                { caption.unwrap_or_else(|| "Points appear as cells are measured.".into()) }
            </p>
            if !plot.off_chart.is_empty() && plot.points.is_empty() {
                <p class="sentence small warn" data-testid="sweep-off-chart">
                    { format!("None of the {} cells measured is on the plot: in each, the job never \
                               catches up with its source after some of the crashes (its expected \
                               recovery is unbounded). The table has what was measured.",
                              plot.off_chart.len()) }
                </p>
            } else if !plot.off_chart.is_empty() {
                <p class="sentence small warn" data-testid="sweep-off-chart">
                    { format!("Not on the plot (the job never catches up after some crashes): {}",
                        plot.off_chart.iter().map(|&c| run.rows[c].label()).collect::<Vec<_>>().join(", ")) }
                </p>
            }
        </figure>
    }
}

fn short_y(e: Exposure) -> &'static str {
    match e {
        Exposure::RecoveryTime => "expected recovery time",
        Exposure::RecoveryPoint => "expected recovery point",
    }
}

fn secs(v: f64) -> String {
    if v.is_finite() {
        format!("{} s", sig3(v))
    } else {
        "never".into()
    }
}
