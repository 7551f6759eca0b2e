//! The open lesson's panel: where the lesson is (lesson n of N, its steps as dots to jump
//! to), the step's title and narration, the prediction with its choices and, once the run
//! has played, its explanation with this run's numbers, the "try it" with its hint and
//! "Show me", the callouts in words (so a screen reader and a callout in a tab that is
//! not shown are not lost), and Back / Next. The panel scrolls inside itself if a long
//! step does not fit; Back and Next stay at its foot.

use yew::prelude::*;

use super::send;
use crate::lab::lesson::view::{
    ChoiceView, NextAction, OpenView, PredictionStage, QuestionView, TryItPanel,
};
use crate::lab::lesson::LessonIntent;
use crate::lessons::StepStatus;
use crate::ui::browser::perf_now;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub open: OpenView,
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &PanelProps) -> Html {
    let force = use_force_update();
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let v = &props.open;
    // The hint shows after a while: one re-render when it is due.
    let hint_in = v
        .try_it
        .as_ref()
        .and_then(|t| t.hint_at_ms)
        .map(|at| at - perf_now())
        .filter(|ms| *ms > 0.0);
    use_effect_with(hint_in.map(|ms| ms.round() as i64), move |due| {
        let timer = due.map(|ms| {
            gloo_timers::callback::Timeout::new(ms.max(0) as u32 + 50, move || force.force_update())
        });
        move || drop(timer)
    });
    // A new step starts at the top of its text; an answer or a success that appears
    // below the fold is scrolled to (inside the panel only, never the page).
    let body = use_node_ref();
    {
        let body = body.clone();
        use_effect_with((v.id.clone(), v.step), move |_| {
            if let Some(b) = body.cast::<web_sys::Element>() {
                b.set_scroll_top(0);
            }
        });
    }
    {
        let body = body.clone();
        use_effect_with((v.id.clone(), v.step, v.status), move |_| {
            reveal_last(&body);
        });
    }
    let running = v.status == StepStatus::Running;
    let steps = (1..=v.steps).map(|n| {
        let title = v.step_titles.get(n - 1).cloned().unwrap_or_default();
        let state = if n == v.step {
            "current"
        } else if n < v.step {
            "done"
        } else {
            "ahead"
        };
        html! {
            <li>
                <button type="button" class={classes!("lesson-dot", state)}
                    aria-label={format!("Step {n}: {title}")} title={format!("Step {n}: {title}")}
                    aria-current={(n == v.step).then_some("step")}
                    onclick={send(&lab, LessonIntent::GoTo(n))}>
                    { n }
                </button>
            </li>
        }
    });
    let next_label = match &v.next {
        NextAction::Step => "Next".to_string(),
        NextAction::Lesson { title, .. } => format!("Next lesson: {title}"),
        NextAction::Finish => "Finish".to_string(),
    };
    let dock_callouts: Vec<_> = v.callouts.iter().filter(|c| c.visible).collect();
    html! {
        <section class="lesson-panel" aria-labelledby="lesson-step-title" data-testid="lesson-panel"
            data-lesson={v.id.clone()} data-step={v.step.to_string()}
            data-status={format!("{:?}", v.status).to_lowercase()}
            data-entry-digest={v.entry_digest.to_string()}
            data-end-digest={v.end_digest.map(|d| d.to_string()).unwrap_or_default()}>
            <header class="lesson-head">
                <div class="lesson-where">
                    <span class="lesson-kicker">
                        { if v.tour { "Tour · " } else { "" } }
                        { format!("Lesson {} of {}", v.number, v.lessons) }
                    </span>
                    <span class="lesson-title">{ v.title.clone() }</span>
                </div>
                <button type="button" class="lesson-icon" data-testid="lesson-pick"
                    title="All lessons" aria-label="All lessons" onclick={send(&lab, LessonIntent::TogglePicker)}>{ "☰" }</button>
                <button type="button" class="lesson-icon" data-testid="lesson-close"
                    title="Close the lesson (the run stays, to explore)" aria-label="Close the lesson"
                    onclick={send(&lab, LessonIntent::Close)}>{ "×" }</button>
            </header>
            <nav class="lesson-steps" aria-label={format!("Step {} of {}", v.step, v.steps)}>
                <ol>{ for steps }</ol>
                <span class="lesson-count">{ format!("Step {} of {}", v.step, v.steps) }</span>
            </nav>
            <div class="lesson-body" ref={body}>
                <h2 id="lesson-step-title" class="lesson-step-title">{ v.step_title.clone() }</h2>
                <p class="lesson-narration">{ v.narration.clone() }</p>
                if let Some(p) = &v.prediction {
                    { prediction(&lab, p) }
                }
                if let Some(after) = &v.after {
                    <p class="lesson-after" data-testid="lesson-after">{ after.clone() }</p>
                }
                if let Some(t) = &v.try_it {
                    { try_it(&lab, t, v.status) }
                }
                if !dock_callouts.is_empty() {
                    <ul class="lesson-callouts" aria-label="What to look at">
                        { for dock_callouts.iter().map(|c| html! {
                            <li class={classes!((!c.visible).then_some("waiting"))}>
                                <span class="lesson-callout-about">{ c.about.clone() }</span>
                                { ": " }{ c.text.clone() }
                            </li>
                        }) }
                    </ul>
                }
                if let Some(m) = &v.message {
                    <p class="lesson-message" role="alert">{ m.clone() }</p>
                }
            </div>
            <footer class="lesson-foot">
                <p class="lesson-status" aria-live="polite" data-testid="lesson-status">{ v.status_text() }</p>
                <div class="lesson-nav">
                    <button type="button" class="action" data-testid="lesson-back" disabled={v.step == 1}
                        title="Previous step, exactly as it began (← or PageUp)"
                        onclick={send(&lab, LessonIntent::Previous)}>{ "← Back" }</button>
                    // Both always there, one hidden: a click meant for "Skip to the end"
                    // as the step ends must not land on "Again" in its place.
                    <button type="button" class="action" data-testid="lesson-run-to-end" hidden={!running}
                        title="Let the run reach the step's end at once"
                        onclick={send(&lab, LessonIntent::RunToEnd)}>{ "Skip to the end" }</button>
                    <button type="button" class="action" data-testid="lesson-restart" hidden={running}
                        title="This step again from its beginning (as Reset does in a lesson)"
                        onclick={send(&lab, LessonIntent::RestartStep)}>{ "↺ Again" }</button>
                    <button type="button" class="action primary" data-testid="lesson-next"
                        title="Next step (→ or PageDown)"
                        onclick={send(&lab, LessonIntent::Next)}>{ next_label }{ " →" }</button>
                </div>
            </footer>
        </section>
    }
}

fn choices(
    lab: &LabState,
    choices: &[ChoiceView],
    open: bool,
    prefix: &str,
    answer: fn(usize) -> LessonIntent,
) -> Html {
    html! {
        <ol class="lesson-choices" role="list">
            { for choices.iter().enumerate().map(|(i, c)| {
                let class = classes!(
                    "lesson-choice",
                    c.chosen.then_some("chosen"),
                    c.correct.then_some("correct"),
                );
                let mark = match (c.chosen, c.correct) {
                    (_, true) => "✓ ",
                    (true, false) if !open => "✗ ",
                    _ => "",
                };
                html! {
                    <li>
                        <button type="button" {class} disabled={!open}
                            data-testid={format!("{prefix}-{i}")}
                            aria-pressed={c.chosen.to_string()}
                            onclick={send(lab, answer(i))}>
                            <span class="lesson-choice-letter" aria-hidden="true">{ letter(i) }</span>
                            <span>{ mark }{ c.text.clone() }</span>
                        </button>
                    </li>
                }
            }) }
        </ol>
    }
}

fn letter(i: usize) -> String {
    char::from(b'A' + (i % 26) as u8).to_string()
}

fn prediction(lab: &LabState, p: &crate::lab::lesson::view::PredictionView) -> Html {
    let asked = p.stage == PredictionStage::Asked;
    let reveal = match &p.stage {
        PredictionStage::Asked => html! {
            <button type="button" class="link-button" data-testid="lesson-skip"
                onclick={send(lab, LessonIntent::SkipPrediction)}>{ "Run without answering" }</button>
        },
        PredictionStage::Running => html! {
            <p class="lesson-wait">{ "Now watch the run: the answer comes from what the engine does." }</p>
        },
        PredictionStage::Revealed {
            explanation,
            right,
            problem,
        } => {
            let verdict = match right {
                Some(true) => "Right.",
                Some(false) => "Not this time.",
                None => "The answer:",
            };
            html! {
                <div class={classes!("lesson-reveal", match right {
                    Some(true) => "right", Some(false) => "wrong", None => "skipped" })}
                    data-testid="lesson-explanation">
                    <strong>{ verdict }</strong>{ " " }{ explanation.clone() }
                    if let Some(problem) = problem {
                        <p class="lesson-message">{ problem.clone() }</p>
                    }
                </div>
            }
        }
    };
    html! {
        <div class="lesson-predict" data-testid="lesson-prediction">
            <p class="lesson-question"><span class="lesson-tag">{ "Predict" }</span>{ p.question.clone() }</p>
            { choices(lab, &p.choices, asked, "choice", LessonIntent::Answer) }
            { reveal }
        </div>
    }
}

fn try_it(lab: &LabState, t: &TryItPanel, status: StepStatus) -> Html {
    let hint_due = t.hint_at_ms.is_some_and(|at| perf_now() >= at);
    let question = t.question.as_ref().map(|q: &QuestionView| {
        let open = t.handed_over && q.right != Some(true);
        html! {
            <div class="lesson-try-question">
                <p>{ q.text.clone() }</p>
                { choices(lab, &q.choices, open, "try-choice", LessonIntent::AnswerTryIt) }
                if q.right == Some(false) {
                    <p class="lesson-wait">{ "Not that one: look again and pick another." }</p>
                }
            </div>
        }
    });
    html! {
        <div class={classes!("lesson-try", t.achieved.then_some("achieved"))} data-testid="lesson-try">
            <p><span class="lesson-tag">{ "Try it" }</span>{ t.task.clone() }</p>
            if !t.handed_over {
                <p class="lesson-wait">{ "The controls are yours once the run above ends." }</p>
            }
            { for question }
            if t.achieved {
                <p class="lesson-success" data-testid="lesson-success">
                    { if t.shown { "Shown: " } else { "Done: " } }{ t.success.clone() }
                </p>
            } else if t.handed_over {
                if hint_due {
                    <p class="lesson-hint"><strong>{ "Hint: " }</strong>{ t.hint.clone() }</p>
                }
                <button type="button" class="action" data-testid="lesson-show-me"
                    disabled={t.showing || status != StepStatus::Trying}
                    onclick={send(lab, LessonIntent::ShowMe)}>
                    { if t.showing { "Showing…" } else { "Show me" } }
                </button>
            }
        </div>
    }
}

/// Scrolls the panel's text so the last answer or success shown is in view.
fn reveal_last(body: &NodeRef) {
    use wasm_bindgen::JsCast;
    let Some(b) = body.cast::<web_sys::HtmlElement>() else {
        return;
    };
    let Ok(Some(el)) = b.query_selector(".lesson-success, .lesson-reveal") else {
        return;
    };
    let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() else {
        return;
    };
    let bottom = el.offset_top() + el.offset_height() + 8;
    let visible = b.scroll_top() + b.client_height();
    if bottom > visible {
        // Its bottom in view, but never past its top.
        let top = (bottom - b.client_height()).min(el.offset_top() - 8).max(0);
        b.set_scroll_top(top);
    }
}
