//! The "Your job" tab: bring a real Flink job in (its REST answers dropped as files, or
//! fetched from a JobManager), see where each calibrated value came from, real vs
//! simulated side by side, tell the lab what REST cannot show, open the job in the lab,
//! and take the lab's settings, a runnable Flink job, the history and the metrics out.
//! The logic is `lab::calibration` and `lab::export`; this draws and carries files in.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::flink::compare::fmt_value;
use crate::flink::fetch::{fetch_job, JobManagerUrl};
use crate::flink::LoadError;
use crate::lab::calibration::{self, Calibrated};
use crate::lab::export::Export;
use crate::lab::intent::Intent;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct FlinkProps {
    pub lab: LabState,
}

#[function_component(FlinkJob)]
pub fn flink_job(props: &FlinkProps) -> Html {
    let lab = &props.lab;
    let view = &lab.calibration;
    let url = use_state(|| "http://localhost:8081".to_string());
    let dragging = use_state(|| false);

    let on_files = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(list) = input.files() {
                read_answers(list, dispatch.clone());
            }
            input.set_value("");
        })
    };
    let on_drop = {
        let dispatch = lab.dispatch.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(list) = e.data_transfer().and_then(|d| d.files()) {
                read_answers(list, dispatch.clone());
            }
        })
    };
    let on_drag_over = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let on_drag_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_url = {
        let url = url.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            url.set(input.value());
        })
    };
    let on_fetch = {
        let dispatch = lab.dispatch.clone();
        let url = url.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            fetch_answers((*url).clone(), dispatch.clone());
        })
    };
    let on_known = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|l| l.get(0)) {
                let dispatch = dispatch.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    dispatch.emit(match read_text(&file).await {
                        Ok(text) => Intent::FlinkKnown {
                            name: file.name(),
                            text,
                        },
                        Err(failed) => failed,
                    })
                });
            }
            input.set_value("");
        })
    };
    let forget_known = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Intent::FlinkForgetKnown))
    };

    let compact = view.calibrated.is_some();
    html! {
        <section class="flink-panel" aria-labelledby="flink-heading" data-testid="flink-panel">
            <h2 id="flink-heading">{ "Your Flink job: calibrate, compare, export" }</h2>
            if let Some(c) = &view.calibrated {
                { calibrated(c, lab) }
            }
            <div class={classes!("flink-drop", dragging.then_some("dragging"), compact.then_some("compact"))}
                 data-testid="flink-drop"
                 ondragover={on_drag_over} ondragleave={on_drag_leave} ondrop={on_drop}>
                <p class="sentence">
                    if compact {
                        { "Another job: drop its answers here, or " }
                    } else {
                        { "Drop a job's REST answers here (" }<code>{ "job.json" }</code>{ ", " }
                        <code>{ "checkpoints.json" }</code>{ ", " }<code>{ "checkpoints-config.json" }</code>
                        { ", and any of its config, checkpoint details, subtasks and metrics), or " }
                    }
                    <label class="file-button">
                        { "choose files" }
                        <input type="file" multiple=true accept=".json,application/json"
                               data-testid="flink-files" onchange={on_files.clone()} />
                    </label>
                    { "." }
                </p>
                <form class="flink-fetch" onsubmit={on_fetch}>
                    <label for="flink-url">{ "or fetch from a JobManager" }</label>
                    <input id="flink-url" type="url" value={(*url).clone()} oninput={on_url}
                           spellcheck="false" autocomplete="off" data-testid="flink-url" />
                    <button type="submit" disabled={view.fetching.is_some()}
                            data-testid="flink-fetch">{ "Fetch" }</button>
                </form>
                if !compact {
                    <p class="sentence muted">
                        { "The lab reads what Flink reports (bytes, timings, settings), says where \
                           each value came from, and runs the job beside the lab to compare; \
                           nothing leaves this page." }
                    </p>
                }
            </div>
            if let Some(u) = &view.fetching {
                <p class="sentence" role="status">{ format!("Fetching {u} …") }</p>
            }
            if let Some(e) = &view.error {
                <p class="field-error" role="alert" data-testid="flink-error">{ e }</p>
            }
            <div class="flink-known">
                <span class="sentence">
                    { "What REST cannot show (keys, their spelling and order, values): " }
                    if let Some(k) = &view.known {
                        <strong data-testid="flink-known">{ k }</strong>
                        <button type="button" class="small" onclick={forget_known}>{ "Forget" }</button>
                    } else {
                        <label class="file-button">
                            { "a workload JSON" }
                            <input type="file" accept=".json,application/json"
                                   data-testid="flink-known-file" onchange={on_known} />
                        </label>
                    }
                </span>
            </div>
            { exports(lab) }
        </section>
    }
}

fn calibrated(c: &Calibrated, lab: &LabState) -> Html {
    let cal = &c.calibration;
    let open = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Intent::OpenCalibrated))
    };
    let comparison = match (&c.comparison, c.progress, &c.not_compared) {
        (Some(cmp), _, _) => html! {
            <>
                <div class="flink-compare-wrap">
                <table class="flink-compare" data-testid="flink-compare">
                    <caption>{ format!("Real vs simulated, {:.1} virtual s (the job's running time)", cmp.seconds) }</caption>
                    <thead><tr>
                        <th scope="col">{ "figure" }</th><th scope="col">{ "real" }</th>
                        <th scope="col">{ "simulated" }</th><th scope="col">{ "error" }</th>
                    </tr></thead>
                    <tbody>
                        { for cmp.rows.iter().map(|r| {
                            let miss = r.size_aim && r.error.is_some_and(|e| e.abs() > crate::flink::compare::SIZE_AIM);
                            html! {
                                <tr class={classes!(miss.then_some("miss"))}>
                                    <th scope="row">{ &r.figure }
                                        if r.size_aim { <span class="aim">{ " aim ±2 %" }</span> }</th>
                                    <td>{ fmt_value(r.real, r.unit) }</td>
                                    <td>{ fmt_value(r.simulated, r.unit) }</td>
                                    <td>{ r.error.map_or("–".to_string(), |e| format!("{:+.1} %", e * 100.0)) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                </div>
                <p class="sentence" data-testid="flink-aims">
                    { if c.misses.is_empty() {
                        "Size aims (±2 %): met.".to_string()
                    } else {
                        let n = cmp.rows.iter().filter(|r| r.size_aim).count();
                        format!(
                            "Size aims (±2 %): missed by {} of {n} size figures.{}",
                            c.misses.len(),
                            if c.known.is_none() {
                                " If you know the job's keys and values, tell the lab (a workload JSON, below)."
                            } else {
                                ""
                            }
                        )
                    } }
                </p>
                { for cmp.notes.iter().map(|n| html! { <p class="sentence muted">{ n }</p> }) }
            </>
        },
        (None, Some(p), _) => html! {
            <p class="sentence" data-testid="flink-progress">
                <progress max="1" value={p.to_string()} />
                { format!(" running the calibrated job for {:.1} virtual s … {:.0} %", cal.real.running_s, p * 100.0) }
            </p>
        },
        (None, None, Some(why)) => {
            html! { <p class="sentence">{ format!("Not compared: {why}.") }</p> }
        }
        (None, None, None) => html! {},
    };
    html! {
        <div class="flink-result" data-testid="flink-result">
            <p class="sentence flink-headline">{ cal.headline() }
                { if c.from.ends_with(" files") || c.from.ends_with(" file") {
                    format!(" — from {}.", c.from)
                } else {
                    format!(" — from {} ({} answers).", c.from, c.files.len())
                } }</p>
            { comparison }
            <button type="button" onclick={open} data-testid="flink-open">{ "Run this job in the lab" }</button>
            <details class="flink-provenance">
                <summary>{ format!("Where each of {} values comes from", cal.provenance.len()) }</summary>
                <ul>
                    { for cal.provenance.iter().map(|p| html! {
                        <li><code>{ format!("{} = {}", p.setting, p.value) }</code>{ " ← " }{ p.source.to_string() }</li>
                    }) }
                </ul>
            </details>
            <details class="flink-gaps" open=true>
                <summary>{ format!("What the answers could not tell ({})", cal.not_inferred.len()) }</summary>
                <ul data-testid="flink-gaps">
                    { for cal.not_inferred.iter().map(|n| html! { <li><strong>{ &n.what }</strong>{ ": " }{ &n.why }</li> }) }
                </ul>
            </details>
        </div>
    }
}

fn exports(lab: &LabState) -> Html {
    html! {
        <div class="flink-exports" data-testid="flink-exports">
            <h3>{ "Take the lab's run out" }</h3>
            <p class="sentence muted">
                { "The running configuration as Flink YAML or as a runnable Java DataStream job \
                   (run it on your cluster, then bring its REST answers back here), and what this \
                   run measured." }
            </p>
            <div class="button-row">
                { for Export::ALL.iter().map(|e| {
                    let dispatch = lab.dispatch.clone();
                    let e = *e;
                    html! {
                        <button type="button" class="small" data-testid={format!("export-{}", e.id())}
                                onclick={Callback::from(move |_| dispatch.emit(Intent::Export(e)))}>
                            { e.label() }
                        </button>
                    }
                }) }
            </div>
        </div>
    }
}

/// Reads every chosen file as text, then hands them over together.
fn read_answers(list: web_sys::FileList, dispatch: Callback<Intent>) {
    let n = list.length() as usize;
    let from = if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    };
    if let Err(message) = calibration::check_count(n) {
        dispatch.emit(Intent::FlinkFetchFailed { url: from, message });
        return;
    }
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    wasm_bindgen_futures::spawn_local(async move {
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            match read_text(&f).await {
                Ok(text) => out.push((f.name(), text)),
                Err(failed) => return dispatch.emit(failed),
            }
        }
        out.sort();
        dispatch.emit(Intent::FlinkAnswers { from, files: out });
    });
}

/// A chosen file's text, or the intent that says it could not be read.
async fn read_text(f: &web_sys::File) -> Result<String, Intent> {
    match wasm_bindgen_futures::JsFuture::from(f.text()).await {
        Ok(text) => Ok(text.as_string().unwrap_or_default()),
        Err(_) => Err(Intent::FlinkFetchFailed {
            url: f.name(),
            message: "the browser could not read this file".into(),
        }),
    }
}

/// Fetches a job's answers with the browser's `fetch` (Flink's REST API answers any
/// origin by default), through the same sequence the CLI uses.
fn fetch_answers(url_text: String, dispatch: Callback<Intent>) {
    let url = match JobManagerUrl::parse(&url_text) {
        Ok(u) => u,
        Err(e) => {
            dispatch.emit(Intent::FlinkFetchFailed {
                url: url_text,
                message: e.message,
            });
            return;
        }
    };
    dispatch.emit(Intent::FlinkFetching(url.base()));
    wasm_bindgen_futures::spawn_local(async move {
        let base = url.base();
        let result = fetch_job(&url, |path: String| get(format!("{base}{path}"))).await;
        dispatch.emit(match result {
            Ok(files) => Intent::FlinkAnswers {
                from: base.clone(),
                files,
            },
            Err(e) => Intent::FlinkFetchFailed {
                url: base.clone(),
                message: e.to_string(),
            },
        });
    });
}

async fn get(endpoint: String) -> Result<String, LoadError> {
    let err = |m: String| LoadError {
        file: endpoint.clone(),
        at: String::new(),
        message: m,
    };
    let window = web_sys::window().ok_or_else(|| err("no window".into()))?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&endpoint))
        .await
        .map_err(|_| {
            err("the browser could not reach it (is the JobManager running, and does it answer this page's origin? Flink allows any origin by default)".into())
        })?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| err("not an HTTP response".into()))?;
    let status = response.status();
    let text = response
        .text()
        .map_err(|_| err("the answer has no body".into()))?;
    let text = wasm_bindgen_futures::JsFuture::from(text)
        .await
        .map_err(|_| err("the answer could not be read".into()))?
        .as_string()
        .unwrap_or_default();
    if status != 200 {
        let snippet: String = text.chars().take(300).collect();
        return Err(err(format!("HTTP status {status}: {snippet}")));
    }
    Ok(text)
}
