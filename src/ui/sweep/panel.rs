//! The dock's "What if" tab: the sweep's form (one or two settings and their values, the
//! look-ahead, the assumed MTBF), Run and Cancel, the sweep's progress in words, and the
//! run's own expected cost of failures beside what it pays for that protection. The
//! results, the plot and the recommendation are drawn over the stage (`super::board`).

use yew::prelude::*;

use crate::engine::report::format::{bytes_f, count, percent, sig3};
use crate::engine::report::sweep::Param;
use crate::lab::intent::Intent;
use crate::lab::sweep::form::{label, scale_label, HORIZONS_S, SCALES};
use crate::lab::sweep::{basis, Stage, SweepIntent, SweepView};
use crate::ui::context::LabState;

use super::workers::cores;

#[derive(Properties, PartialEq)]
pub struct SweepPanelProps {
    pub lab: LabState,
}

fn send(lab: &LabState, intent: SweepIntent) -> Callback<()> {
    let dispatch = lab.dispatch.clone();
    Callback::from(move |()| dispatch.emit(Intent::Sweep(intent.clone())))
}

#[function_component(SweepPanel)]
pub fn sweep_panel(props: &SweepPanelProps) -> Html {
    let lab = &props.lab;
    let sweep: &SweepView = &lab.sweep;
    let form = &sweep.form;
    let running = sweep
        .run
        .as_ref()
        .is_some_and(|r| r.stage == Stage::Running);
    let dispatch = lab.dispatch.clone();
    let emit = move |i: SweepIntent| dispatch.emit(Intent::Sweep(i));

    let param_select = |axis: usize, chosen: Option<Param>| {
        let emit = emit.clone();
        let onchange = Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let param = Param::ALL.into_iter().find(|p| p.name() == el.value());
            emit(SweepIntent::SetParam { axis, param });
        });
        html! {
            <select id={format!("sweep-param-{axis}")} data-testid={format!("sweep-param-{axis}")}
                {onchange} disabled={running}>
                if axis == 1 {
                    <option value="" selected={chosen.is_none()}>{ "nothing else" }</option>
                }
                { for Param::ALL.into_iter().map(|p| html! {
                    <option value={p.name()} selected={chosen == Some(p)}>{ label(p) }</option>
                }) }
            </select>
        }
    };
    let values_input = |axis: usize, text: &str, param: Param| {
        let emit = emit.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            emit(SweepIntent::SetValues {
                axis,
                text: el.value(),
            });
        });
        html! {
            <input id={format!("sweep-values-{axis}")} data-testid={format!("sweep-values-{axis}")}
                type="text" spellcheck="false" value={text.to_string()} {oninput} disabled={running}
                aria-label={format!("values of {}, separated by commas", label(param))} />
        }
    };
    let on_horizon = {
        let emit = emit.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(h) = el.value().parse() {
                emit(SweepIntent::SetHorizon(h));
            }
        })
    };
    let on_scale = {
        let emit = emit.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(choice) = el.value().parse() {
                emit(SweepIntent::SetScale(choice));
            }
        })
    };
    let on_mtbf = {
        let emit = emit.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            emit(SweepIntent::SetMtbf(el.value()));
        })
    };
    let on_submit = {
        let emit = emit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            emit(SweepIntent::Run { cores: cores() });
        })
    };
    let cancel = send(lab, SweepIntent::Cancel);
    let toggle = send(lab, SweepIntent::Show(!sweep.open));
    // The grid's size as the form stands (the sweep adds the current setting when the
    // grid does not hold it).
    let cells = form
        .axes()
        .ok()
        .map(|axes| axes.iter().map(|a| a.values.len()).product::<usize>());

    let progress = sweep.run.as_ref().map(|run| {
        let total = run.rows.len();
        let done = run.done();
        let state = match run.stage {
            Stage::Running => format!(
                "{done} of {total} cells measured on {} worker{} · {} s",
                run.workers,
                if run.workers == 1 { "" } else { "s" },
                sig3(sweep.elapsed_ms / 1000.0)
            ),
            Stage::Done => format!(
                "all {total} cells measured in {} s on {} worker{}",
                sig3(sweep.elapsed_ms / 1000.0),
                run.workers,
                if run.workers == 1 { "" } else { "s" }
            ),
            Stage::Cancelled => format!("cancelled: {done} of {total} cells measured"),
        };
        html! {
            <div class="sweep-progress" data-testid="sweep-progress" data-stage={format!("{:?}", run.stage).to_lowercase()}>
                <progress max={total.to_string()} value={done.to_string()} aria-label="cells measured" />
                <span role="status">{ state }</span>
                <p class="sentence muted small">{ basis(run) }</p>
                <p class="sentence small" data-testid="sweep-scale-plan" data-factor={run.scale.factor.to_string()}>
                    { format!("Scale: {}.", run.scale) }
                </p>
                if run.rebuilt_differs {
                    <p class="sentence warn small">
                        { "The workers rebuilt the run from its settings and seed, but this run was \
                           changed by hand (a crash, a fault or a setting under the running job): \
                           the cells fork from the rebuilt run, not exactly this one." }
                    </p>
                }
            </div>
        }
    });

    html! {
        <section class="sweep-panel" aria-labelledby="sweep-heading" data-testid="sweep-panel">
            <h2 id="sweep-heading">{ "What if: sweep the settings" }</h2>
            <p class="sentence muted small">
                { "Each cell is a fork of this run from now (same seed) with one setting changed, \
                   run ahead in its own Web Worker. Every figure is measured on the fork: for every \
                   moment a crash could come, the checkpoint it restores, the bytes it downloads and \
                   the records it replays, weighed by crash times with the MTBF below." }
            </p>
            <form class="sweep-form" onsubmit={on_submit}>
                <label for="sweep-param-0">{ "Vary" }</label>
                { param_select(0, Some(form.first.0)) }
                { values_input(0, &form.first.1, form.first.0) }
                <label for="sweep-param-1">{ "and" }</label>
                { param_select(1, form.second.as_ref().map(|s| s.0)) }
                if let Some((param, text)) = &form.second {
                    { values_input(1, text, *param) }
                }
                <label for="sweep-horizon">{ "Look ahead" }</label>
                <select id="sweep-horizon" onchange={on_horizon} disabled={running}>
                    { for HORIZONS_S.iter().map(|h| html! {
                        <option value={h.to_string()} selected={*h == form.horizon_s}>{ format!("{h} virtual s") }</option>
                    }) }
                </select>
                <label for="sweep-scale">{ "Run as" }</label>
                <select id="sweep-scale" data-testid="sweep-scale" onchange={on_scale} disabled={running}
                    title="auto: the real job, or the scale model at which the grid's estimated time fits 30 s natively (60 s here). A scale model 1:F keeps every key group and every Fth key, and divides rates, bandwidth and costs per byte by F: 1/F of the work; its bytes and replays are scaled back up, marked ≈">
                    { for SCALES.iter().map(|c| html! {
                        <option value={c.to_string()} selected={*c == form.scale}>{ scale_label(*c) }</option>
                    }) }
                </select>
                <span class="sweep-mtbf">
                    <label for="sweep-mtbf">{ "MTBF (h)" }</label>
                    <input id="sweep-mtbf" data-testid="sweep-mtbf" type="text" inputmode="decimal"
                        value={form.mtbf_h.clone()} oninput={on_mtbf} disabled={running}
                        title="mean time between failures assumed: crash times are exponential with this mean" />
                </span>
                <div class="sweep-buttons">
                    <button type="submit" data-testid="sweep-run" disabled={running || cells.is_none()}>
                        { match cells {
                            Some(n) => format!("Run {n} cell{}", if n == 1 { "" } else { "s" }),
                            None => "Run".into(),
                        } }
                    </button>
                    <button type="button" data-testid="sweep-cancel" disabled={!running}
                        onclick={move |_| cancel.emit(())}>{ "Cancel" }</button>
                    if sweep.run.is_some() {
                        <button type="button" data-testid="sweep-show" aria-pressed={sweep.open.to_string()}
                            onclick={move |_| toggle.emit(())}>
                            { if sweep.open { "Back to the pipeline" } else { "Show results" } }
                        </button>
                    }
                </div>
            </form>
            if let Some(why) = &sweep.refused {
                <p class="sentence sweep-refused" role="alert" data-testid="sweep-refused">{ why }</p>
            } else if let Err(e) = form.axes() {
                <p class="sentence sweep-refused" data-testid="sweep-refused">{ e.to_string() }</p>
            }
            { for progress }
            <RunCostBlock lab={lab.clone()} />
        </section>
    }
}

/// The run on the page, if it failed: its expected recovery and what it pays for it.
#[function_component(RunCostBlock)]
fn run_cost_block(props: &SweepPanelProps) -> Html {
    let Some(now) = &props.lab.sweep.now else {
        return html! {
            <p class="sentence muted small">{ "This run's own expected cost of failures shows once it has run a second." }</p>
        };
    };
    let e = &now.exposure;
    let spread = |s: Option<crate::engine::report::exposure::Spread>,
                  unit: &dyn Fn(f64) -> String| {
        s.map_or("—".to_string(), |s| {
            format!(
                "{} mean · {} p50 · {} p95 · {} max",
                unit(s.mean),
                unit(s.p50),
                unit(s.p95),
                unit(s.max)
            )
        })
    };
    let secs = |v: f64| format!("{} s", sig3(v));
    let records = |v: f64| count(v.round() as u64);
    html! {
        <section class="sweep-now" aria-labelledby="sweep-now-heading" data-testid="sweep-now">
            <h3 id="sweep-now-heading">{ "This run, if it fails" }</h3>
            <p class="sentence muted small">
                { format!("Over the {} s run so far, no failure injected: every crash moment weighed \
                           with one failure every {} h (exponential).",
                          sig3((e.to_us - e.from_us) as f64 / 1e6), sig3(now.mtbf_s / 3600.0)) }
            </p>
            <dl class="sweep-figures">
                <dt>{ "Recovery time" }</dt>
                <dd>{ spread(e.recovery_s, &secs) }</dd>
                <dt>{ "Recovery point" }</dt>
                <dd>{ spread(e.recovery_point_s, &secs) }<span class="muted">{ " (age of the restored state)" }</span></dd>
                <dt>{ "Records replayed" }</dt>
                <dd>{ spread(e.replayed_records, &records) }</dd>
                <dt>{ "Expected cost" }</dt>
                <dd>{ match (e.failures_per_hour, e.recovery_s_per_hour) {
                    (Some(f), Some(r)) => format!("{} failures/h × mean recovery = {} s of recovery per hour", sig3(f), sig3(r)),
                    _ => "—".into(),
                } }</dd>
                <dt>{ "Paid for it" }</dt>
                <dd>{ format!("{} shipped per hour · {} of the link", bytes_f(now.bytes_shipped_per_hour), percent(now.link_utilisation)) }</dd>
            </dl>
            if e.never_catches_up > 0 {
                <p class="sentence warn small">
                    { format!("{} of {} crash moments never catch up within the run: those recoveries are not in the figures.", e.never_catches_up, e.moments) }
                </p>
            }
        </section>
    }
}
