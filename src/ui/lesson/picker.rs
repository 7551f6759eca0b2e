//! The lesson picker: every lesson in the order they build on each other, with its
//! summary, its number of steps and how long it takes at its default pace (measured by
//! walking it on the engine, the reading estimated; asked for once the picker shows).

use yew::prelude::*;

use super::send;
use crate::lab::intent::Intent;
use crate::lab::lesson::view::PickerEntry;
use crate::lab::lesson::LessonIntent;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    pub entries: Vec<PickerEntry>,
    /// A lesson is open behind the picker (closing the picker returns to it).
    pub open: bool,
}

#[function_component(Picker)]
pub fn picker(props: &PickerProps) -> Html {
    let lab = use_context::<LabState>();
    let measure = lab.as_ref().map(|l| l.dispatch.clone());
    use_effect_with((), move |_| {
        if let Some(dispatch) = measure {
            dispatch.emit(Intent::Lesson(LessonIntent::Measure));
        }
    });
    let Some(lab) = lab else {
        return html! {};
    };
    html! {
        <section class="lesson-picker" aria-labelledby="lesson-picker-title" data-testid="lesson-picker">
            <header class="lesson-head">
                <h2 id="lesson-picker-title" class="lesson-title">{ "Lessons" }</h2>
                <button type="button" class="lesson-icon" aria-label={if props.open { "Back to the lesson" } else { "Close the lessons" }}
                    title={if props.open { "Back to the lesson" } else { "Close" }}
                    data-testid="lesson-picker-close"
                    onclick={send(&lab, LessonIntent::TogglePicker)}>{ "×" }</button>
            </header>
            <p class="lesson-picker-note">
                { "Each lesson runs the real engine: predict what it will do, then watch it. Times are at the default pace, reading estimated at 180 words a minute." }
            </p>
            <ol class="lesson-list">
                { for props.entries.iter().map(|e| {
                    let minutes = e.minutes.map_or_else(|| "…".to_string(), |m| format!("≈ {m} min"));
                    html! {
                        <li>
                            <button type="button" class={classes!("lesson-entry", e.current.then_some("current"))}
                                data-testid={format!("lesson-pick-{}", e.id)}
                                aria-current={e.current.then_some("true")}
                                onclick={send(&lab, LessonIntent::Open { id: e.id.clone(), step: 1 })}>
                                <span class="lesson-entry-head">
                                    <span class="lesson-entry-title">{ format!("{}. {}", e.number, e.title) }</span>
                                    if e.in_tour {
                                        <span class="lesson-badge" title="Part of the 10-minute tour">{ "tour" }</span>
                                    }
                                </span>
                                <span class="lesson-entry-summary" title={e.summary.clone()}>{ e.summary.clone() }</span>
                                <span class="lesson-entry-meta">{ format!("{} steps · {minutes}", e.steps) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
