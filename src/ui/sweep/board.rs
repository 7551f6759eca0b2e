//! The sweep's results, drawn over the stage while the sweep is shown: every cell's row
//! (its progress while it runs, its measured figures once done, Apply), the Pareto plot
//! (`super::plot`), and the recommendation in words with the Flink YAML to copy. Wide
//! screens put the table and the plot side by side; narrower ones stack them.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::engine::report::format::{bytes_f, count, percent, sig3};
use crate::engine::report::sweep::expected_recovery_s;
use crate::lab::intent::Intent;
use crate::lab::sweep::{approx, basis, CellRow, CellStatus, Stage, SweepIntent};
use crate::ui::context::LabState;

use super::plot::ParetoPlot;

#[derive(Properties, PartialEq)]
pub struct SweepBoardProps {
    pub lab: LabState,
}

fn secs(v: f64) -> String {
    if v.is_finite() {
        format!("{} s", sig3(v))
    } else {
        "never".into()
    }
}

/// One row of the results table.
fn row(lab: &LabState, i: usize, r: &CellRow, recommended: bool, approx: &str) -> Html {
    let apply = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Sweep(SweepIntent::Apply(i))))
    };
    let status = match &r.status {
        CellStatus::Done { .. } => html! { <span class="muted">{ r.doing() }</span> },
        _ => html! {
            <>
                <progress max="1" value={r.progress().to_string()} aria-label={format!("{} progress", r.label())} />
                <span class="sweep-doing">{ r.doing() }</span>
            </>
        },
    };
    let figures = match &r.result {
        Some(res) => {
            let e = &res.exposure;
            let mean_p95 = e.recovery_s.map_or("—".into(), |s| {
                format!("{} · {}", secs(expected_recovery_s(res)), secs(s.p95))
            });
            html! {
                <>
                    <td class="num">{ format!("{} / {}", res.checkpoints_completed, res.checkpoints_failed) }</td>
                    <td class="num">{ res.achieved_interval_s.map_or("—".into(), secs) }</td>
                    <td class="num">{ format!("{approx}{}", bytes_f(res.bytes_shipped_per_hour)) }</td>
                    <td class="num">{ percent(res.link_utilisation) }</td>
                    <td class="num">{ mean_p95 }</td>
                    <td class="num">{ e.recovery_point_s.map_or("—".into(), |s| secs(s.mean)) }</td>
                    <td class="num">{ e.replayed_records.map_or("—".into(), |s| format!("{approx}{}", count(s.mean.round() as u64))) }</td>
                    <td class="num per-hour">{ e.recovery_s_per_hour.map_or("—".into(), secs) }</td>
                </>
            }
        }
        None => html! { <td colspan="8" class="sweep-status">{ status }</td> },
    };
    let current = r.current;
    html! {
        <tr class={classes!(current.then_some("current"), recommended.then_some("recommended"))}
            data-testid="sweep-row" data-done={r.result.is_some().to_string()}>
            <th scope="row">
                // One setting per unbreakable piece: a long label wraps between settings.
                if r.cell.setting.is_empty() {
                    <span class="sweep-label">{ r.label() }</span>
                } else {
                    { for r.cell.setting.iter().map(|(p, v)| html! {
                        <><span class="sweep-label">{ format!("{}={v}", p.name()) }</span>{ " " }</>
                    }) }
                }
                if current && !r.cell.setting.is_empty() { <span class="tag">{ "current" }</span> }
                if recommended { <span class="tag best">{ "recommended" }</span> }
                if r.result.as_ref().is_some_and(|res| !res.flink_possible) {
                    <span class="tag beyond" title="Flink cannot run this setting (adaptive or Young–Daly scheduling, or LZ4)">{ "beyond Flink" }</span>
                }
            </th>
            { figures }
            <td>
                if !r.cell.setting.is_empty() && r.result.is_some() {
                    <button type="button" class="small" onclick={apply} data-testid="sweep-apply"
                        aria-label={format!("apply {} to the run", r.label())}>{ "Apply" }</button>
                }
            </td>
        </tr>
    }
}

#[function_component(SweepBoard)]
pub fn sweep_board(props: &SweepBoardProps) -> Html {
    let lab = &props.lab;
    let sweep = &lab.sweep;
    let copied = use_state(|| None::<bool>);
    let promise_callbacks =
        use_mut_ref(|| None::<(Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(JsValue)>)>);
    let Some(run) = &sweep.run else {
        return html! {};
    };
    let advice = sweep.advice.as_ref();
    let back = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Sweep(SweepIntent::Show(false))))
    };
    let copy = {
        let copied = copied.clone();
        let yaml = advice
            .and_then(|a| a.flink_yaml.clone())
            .unwrap_or_default();
        let keep = promise_callbacks.clone();
        Callback::from(move |_: MouseEvent| copy_text(&yaml, copied.clone(), &keep))
    };
    let title = run
        .rows
        .iter()
        .find(|r| !r.cell.setting.is_empty())
        .map(|r| {
            r.cell
                .setting
                .iter()
                .map(|(p, _)| crate::lab::sweep::form::label(*p))
                .collect::<Vec<_>>()
                .join(" × ")
        })
        .unwrap_or_default();
    let running = run.stage == Stage::Running;
    let current_measured = run.current().is_some_and(|c| run.rows[c].result.is_some());
    html! {
        <section class="sweep-board" aria-labelledby="sweep-board-heading" data-testid="sweep-board">
            <header class="sweep-board-head">
                <h2 id="sweep-board-heading">{ format!("Sweep: {title}") }</h2>
                <p class="sentence muted small">
                    if run.scale.is_model() {
                        <strong data-testid="sweep-scale-tag" title={run.scale.to_string()}>
                            { format!("≈ scale model 1:{}", run.scale.factor) }
                        </strong>{ " · " }
                    }
                    { basis(run) }
                    { if run.scale.is_model() {
                        ". Bytes and replays ≈: the model's, scaled back up to the real job; durations are the model's own, which are the real job's. Recovery: mean · p95 over crash times."
                    } else {
                        ". Recovery: mean · p95 over crash times."
                    } }
                </p>
                <button type="button" class="small" onclick={back} data-testid="sweep-back">{ "Back to the pipeline" }</button>
            </header>
            <div class="sweep-board-body">
                <div class="sweep-table-wrap">
                    <table class="sweep-table" data-testid="sweep-table">
                        <thead>
                            <tr>
                                <th scope="col">{ "Setting" }</th>
                                <th scope="col" title="checkpoints completed / failed over the look-ahead">{ "Ckpts" }</th>
                                <th scope="col" title="achieved interval: the mean gap between completed checkpoints, not the one asked for">{ "Interval" }</th>
                                <th scope="col" title="checkpointed bytes uploaded per hour (encoded)">{ "Shipped/h" }</th>
                                <th scope="col" title="share of the link's capacity used by uploads">{ "Link" }</th>
                                <th scope="col" title="recovery time after a crash: mean · p95 over crash times">{ "Recovery" }</th>
                                <th scope="col" title="recovery point: the age of the restored state, mean over crash times">{ "Rec. point" }</th>
                                <th scope="col" title="records replayed after a crash, mean over crash times">{ "Replayed" }</th>
                                <th scope="col" class="per-hour" title="recovery seconds per hour: failures per hour × mean recovery time">{ "Recovery/h" }</th>
                                <th scope="col"><span class="visually-hidden">{ "Apply" }</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            { for run.rows.iter().enumerate().map(|(i, r)| row(lab, i, r, advice.is_some_and(|a| a.cell == i), approx(run))) }
                        </tbody>
                    </table>
                </div>
                <div class="sweep-side">
                    <ParetoPlot lab={lab.clone()} />
                    <section class="sweep-advice" aria-labelledby="sweep-advice-heading" data-testid="sweep-advice">
                        <h3 id="sweep-advice-heading">{ "Recommendation" }</h3>
                        if let Some(a) = advice {
                            <p class="sentence">{ &a.text }</p>
                            if running {
                                <p class="sentence muted small">{ "Over the cells measured so far; the rest are still running." }</p>
                            }
                            if let Some(yaml) = &a.flink_yaml {
                                <div class="sweep-yaml">
                                    <label for="sweep-yaml-text">{ "Flink configuration (flink-conf.yaml / config.yaml)" }</label>
                                    <textarea id="sweep-yaml-text" data-testid="sweep-yaml" readonly=true
                                        rows={yaml.lines().count().clamp(3, 12).to_string()} value={yaml.clone()} />
                                    <button type="button" class="small" onclick={copy} data-testid="sweep-copy-yaml">{ "Copy YAML" }</button>
                                    { match *copied {
                                        Some(true) => html! { <span role="status" class="small">{ " copied" }</span> },
                                        Some(false) => html! { <span role="status" class="small">{ " the browser refused: the text is selected, press Ctrl+C" }</span> },
                                        None => html! {},
                                    } }
                                </div>
                            }
                        } else if running {
                            <p class="sentence muted">{ "Comes once the current setting's cell and another are measured." }</p>
                        } else if current_measured {
                            <p class="sentence muted">{ "No recommendation: in every cell measured the job never catches up with its source after some crashes, so no setting has a bounded expected recovery to weigh against its overhead." }</p>
                        } else {
                            <p class="sentence muted">{ "No recommendation: it is measured against the current setting, whose cell was not measured (cancelled or failed)." }</p>
                        }
                    </section>
                </div>
            </div>
        </section>
    }
}

type PromiseCallbacks =
    Rc<RefCell<Option<(Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(JsValue)>)>>>;

/// Copies the YAML through the clipboard when the browser allows; otherwise selects it
/// so Ctrl+C does.
fn copy_text(text: &str, copied: UseStateHandle<Option<bool>>, keep: &PromiseCallbacks) {
    let select = || {
        if let Some(area) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("sweep-yaml-text"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        {
            let _ = area.focus();
            area.select();
        }
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        select();
        copied.set(Some(false));
        return;
    }
    let promise = navigator.clipboard().write_text(text);
    let ok = copied.clone();
    let on_ok = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| ok.set(Some(true)));
    let on_err = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        select();
        copied.set(Some(false));
    });
    let _ = promise.then2(&on_ok, &on_err);
    // Kept until the next copy: the promise calls one of them later.
    *keep.borrow_mut() = Some((on_ok, on_err));
}
