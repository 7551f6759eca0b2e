//! Two branches side by side, in lockstep: beside the stage's pipeline (the branch
//! shown) the compared branch's pipeline at the same moment, drawn by the same painter,
//! smaller; both branches' series overlaid from their fork, with where they part; and,
//! on narrow screens instead of the second picture, a compact lane per branch. The
//! numbers side by side are the Branches tab's (`branches.rs`).

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::report::format;
use crate::lab::side_by_side::{companion_lab_view, lanes, overlay, Overlay, OVERLAID};
use crate::ui::context::LabState;
use crate::ui::pipeline::twin::TwinPipeline;

#[derive(Properties, PartialEq)]
pub struct SideProps {
    pub lab: LabState,
}

#[function_component(SideBySide)]
pub fn side_by_side(props: &SideProps) -> Html {
    let lab = &props.lab;
    let tl = &lab.timeline;
    let Some(c) = tl.companion.as_ref() else {
        return html! {};
    };
    let shown = tl
        .branches
        .get(tl.branch)
        .map_or_else(String::new, |b| b.name.clone());
    let twin = LabState::new(Rc::new(companion_lab_view(lab, c)), lab.dispatch.clone());
    let pic = &c.picture;
    let comparison = tl.comparison.as_ref();
    let from = comparison
        .and_then(|k| k.diverged_at_us)
        .unwrap_or(0)
        .min(c.now_us);
    let overlays: Vec<Overlay> = OVERLAID
        .iter()
        .map(|(label, series)| overlay(label, *series, &lab.samples, &pic.samples, from, c.now_us))
        .collect();
    let [lane_a, lane_b] = lanes(
        (&shown, &lab.view, &lab.history, &lab.samples),
        (&c.name, &pic.view, &pic.history, &pic.samples),
    );
    let when = if c.now_us < tl.now_us {
        format!(
            "catching up: at {} (runs alongside {shown})",
            format::at(c.now_us)
        )
    } else {
        format!("at {}, in lockstep with {shown}", format::at(c.now_us))
    };
    let first = comparison.map(|k| match (&k.first_difference, k.identical) {
        (_, true) => "identical so far (same digest)".to_string(),
        (Some(d), _) => format!("first different event at {}", format::at(d.at_us)),
        (None, _) => "same events so far; their state differs".to_string(),
    });
    let label = format!(
        "Branch {}'s pipeline at {}, beside branch {shown}'s",
        c.name,
        format::at(c.now_us)
    );
    let chart = |o: &Overlay| {
        let points = |ps: &[(f64, f64)]| {
            ps.iter()
                .map(|(x, y)| format!("{:.2},{:.2}", x * 100.0, 40.0 - y * 38.0))
                .collect::<Vec<_>>()
                .join(" ")
        };
        html! {
            <figure class="sbs-chart" data-testid="overlay">
                <figcaption>
                    { o.label }{ " · top " }{ format::bytes(o.y_max as u64) }
                </figcaption>
                <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img"
                    aria-label={format!("{}: {shown} solid, {} dashed", o.label, c.name)}>
                    if let Some(x) = o.parts_at {
                        <line class="sbs-parts" x1={format!("{:.2}", x * 100.0)} x2={format!("{:.2}", x * 100.0)} y1="0" y2="40" />
                    }
                    <polyline class="sbs-a" points={points(&o.a)} />
                    <polyline class="sbs-b" points={points(&o.b)} />
                </svg>
            </figure>
        }
    };
    let lane = |l: &crate::lab::side_by_side::Lane, which: &'static str| {
        html! {
            <li class={classes!("sbs-lane", which)} data-testid={format!("lane-{}", l.name)}>
                <strong>{ &l.name }</strong>
                <span class="sbs-status">{ &l.status }</span>
                { for l.bars.iter().map(|b| html! {
                    <span class={classes!("sbs-bar", b.differs.then_some("differs"))}>
                        <span class="sbs-bar-label">{ b.label }</span>
                        <span class="sbs-bar-track"><span class="sbs-bar-fill" style={format!("width:{:.1}%", b.fraction * 100.0)}></span></span>
                        <span class="sbs-bar-text">{ &b.text }</span>
                    </span>
                }) }
            </li>
        }
    };
    html! {
        <aside class="side-by-side" data-testid="side-by-side" data-compared={c.name.clone()}
            data-now-us={c.now_us.to_string()} aria-label={format!("Branch {} beside branch {shown}", c.name)}>
            <p class="sbs-head">
                <strong class="sbs-name">{ &c.name }</strong>
                <span>{ when }</span>
                if let Some(first) = first {
                    <span class="sbs-first" data-testid="sbs-first">{ first }</span>
                }
            </p>
            <TwinPipeline lab={twin} label={label} />
            <div class="sbs-charts">
                <p class="sbs-legend">
                    <span class="sbs-key a"></span>{ shown.clone() }
                    <span class="sbs-key b"></span>{ c.name.clone() }
                    <span class="sbs-key parts"></span>{ "they part" }
                </p>
                { for overlays.iter().map(chart) }
            </div>
            <ol class="sbs-lanes" aria-label="Both branches, compact">
                { lane(&lane_a, "a") }
                { lane(&lane_b, "b") }
            </ol>
        </aside>
    }
}
