//! The seed document's three formulas with the run's current numbers and one plain
//! sentence each.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::report::format::{byte_rate, bytes, bytes_f, count, sig3};
use crate::engine::transfer::policy::PolicyConfig;
use crate::ui::context::LabState;

const MIB: f64 = 1024.0 * 1024.0;

#[derive(Properties, PartialEq)]
pub struct ModelProps {
    pub lab: LabState,
}

#[function_component(Model)]
pub fn model(props: &ModelProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    let z_text = use_state(|| "64".to_string());
    let z_mib: Result<f64, String> = match z_text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e9 => Ok(v),
        Ok(_) => Err("must be more than 0 MiB".into()),
        Err(_) => Err(format!("`{}` is not a number", z_text.trim())),
    };
    let on_z = {
        let z_text = z_text.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            z_text.set(el.value());
        })
    };

    // The numbers come from the engine's model; this component only words them.
    let z_bytes = z_mib.as_ref().map_or(64.0 * MIB, |z| z * MIB) as u64;
    let model = view.seed_model(z_bytes.max(1));
    // P = S / Z
    let s = model.state_bytes;
    let key_groups = view.key_groups.len();
    let p_line = match &z_mib {
        Ok(z) => {
            let p = model.partitions;
            html! {
                <>
                    <p class="formula" data-testid="formula-p">
                        <span class="lhs">{ "P = S / Z" }</span>
                        { format!(" = {} / {} MiB = {}", bytes(s), sig3(*z), count(p)) }
                    </p>
                    <p class="sentence">
                        { format!("At Z = {} MiB per partition, today's {} of keyed state needs {} \
                                   partition{}; the job can spread it over at most {key_groups} \
                                   (its key groups).", sig3(*z), bytes(s), count(p),
                                  if p == 1 { "" } else { "s" }) }
                    </p>
                </>
            }
        }
        Err(_) => html! {
            <p class="formula"><span class="lhs">{ "P = S / Z" }</span>{ format!(" with S = {}", bytes(s)) }</p>
        },
    };

    // C = S / T, from the latest completed checkpoint.
    let c_line = match view.store.checkpoints.last() {
        Some(cp) => {
            let (raw, enc) = (model.checkpoint_raw_bytes, model.checkpoint_encoded_bytes);
            let codec = cp.chunks.first().map_or("—", |c| c.codec.name());
            let c = model.compression_ratio.unwrap_or(0.0);
            html! {
                <>
                    <p class="formula" data-testid="formula-c">
                        <span class="lhs">{ "C = S / T" }</span>
                        { format!(" = {} / {} = {}×", bytes(raw), bytes(enc), sig3(c)) }
                    </p>
                    <p class="sentence">
                        { format!("Checkpoint {} holds {} of serialised state in {} encoded with \
                                   {codec}: it is {}× smaller on the link and in the store.",
                                  cp.id, bytes(raw), bytes(enc), sig3(c)) }
                    </p>
                </>
            }
        }
        None => html! {
            <>
                <p class="formula" data-testid="formula-c"><span class="lhs">{ "C = S / T" }</span>{ " = —" }</p>
                <p class="sentence">{ "Measured once a checkpoint completes: raw size over compressed size." }</p>
            </>
        },
    };

    // T = D / F, read by statelab as "how long D takes to fill a change budget".
    let d = model.change_bytes_per_s;
    let policy = &view.policy;
    let interval_s = model.interval_ms.map(|ms| ms / 1e3);
    let t_text = interval_s.map_or_else(|| "off".to_string(), |t| format!("{} s", sig3(t)));
    let t_sentence = match (&lab.config.checkpointing.policy, interval_s) {
        (_, None) => "Checkpointing is off: nothing is shipped, and a failure replays from \
                      the start."
            .to_string(),
        (
            PolicyConfig::Adaptive {
                change_budget_bytes,
                ..
            },
            Some(_),
        ) => format!(
            "statelab's rule: the interval is how long the change rate D takes to fill the \
             change budget B = {}, so T = B / D, kept within its bounds.",
            bytes(*change_budget_bytes)
        ),
        (PolicyConfig::YoungDaly { .. }, Some(t)) => format!(
            "Young–Daly sets T from the checkpoint cost and the failure rate, not from D; \
             at T = {t_text} each checkpoint captures about D·T = {} of changes.",
            bytes_f(d * t)
        ),
        (PolicyConfig::Fixed, Some(t)) => format!(
            "The fixed interval (Flink's rule) ignores D: every {t_text} a checkpoint \
             captures about D·T = {} of changes. statelab's adaptive policy instead \
             checkpoints when the changes fill a budget B: T = B / D.",
            bytes_f(d * t)
        ),
    };
    let explanation = policy.decision.as_ref().map(|dec| dec.rule.to_string());
    let reasons = policy
        .ship_counts
        .iter()
        .map(|(reason, n)| format!("{n} {}", reason.explain()))
        .collect::<Vec<_>>();
    let policy_name = format!(
        "{}{}",
        policy.name,
        if policy.in_flink {
            ""
        } else {
            " (beyond Flink)"
        }
    );

    html! {
        <div class="model">
            <div class="formula-block">
                { p_line }
                <div class={classes!("field", "inline", z_mib.is_err().then_some("invalid"))}>
                    <label for="target-partition" class="field-label">
                        <span class="field-name">{ "Target partition size Z" }</span>
                    </label>
                    <span class="field-input">
                        <input id="target-partition" type="text" inputmode="decimal"
                               value={(*z_text).clone()} aria-invalid={z_mib.is_err().to_string()}
                               aria-describedby="target-partition-msg" oninput={on_z} />
                        <span class="unit">{ "MiB" }</span>
                    </span>
                    <p id="target-partition-msg" class="field-msg error" data-testid="field-message">
                        { z_mib.err().unwrap_or_default() }
                    </p>
                </div>
            </div>
            <div class="formula-block">{ c_line }</div>
            <div class="formula-block">
                <p class="formula" data-testid="formula-t">
                    <span class="lhs">{ "T = D / F" }</span>
                    { format!(": D = {}, T = {t_text}", byte_rate(d)) }
                </p>
                <p class="sentence">{ t_sentence }</p>
                <p class="sentence muted">
                    { "D is the state change rate: bytes of state changed per second, measured over \
                       a sliding window." }
                </p>
                if let Some(text) = explanation {
                    <p class="sentence policy-says" data-testid="policy-explanation">
                        <strong>{ format!("Policy — {policy_name}: ") }</strong>{ text }
                    </p>
                }
                if !reasons.is_empty() {
                    <ul class="ship-reasons" aria-label="Why key groups were shipped or not">
                        { for reasons.iter().map(|r| html! { <li>{ r.clone() }</li> }) }
                    </ul>
                }
            </div>
        </div>
    }
}
