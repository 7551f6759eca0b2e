//! The lessons in the page: the column beside the pipeline ([`LessonColumn`]: the open
//! lesson's panel, the lesson picker, a link that could not be opened), the first-visit
//! start screen ([`StartScreen`]) and the callouts over the pipeline and the dock
//! ([`callouts`]). Everything they show comes from the published
//! [`LessonsView`](crate::lab::lesson::view::LessonsView); everything they do is a
//! [`LessonIntent`](crate::lab::lesson::LessonIntent) sent to the session.

pub mod callouts;
mod panel;
mod picker;
mod start;

use yew::prelude::*;

use super::context::LabState;
use crate::lab::intent::Intent;
use crate::lab::lesson::LessonIntent;
use panel::LessonPanel;
use picker::Picker;
pub use start::StartScreen;

/// A callback that sends one lesson intent.
pub(crate) fn send(lab: &LabState, intent: LessonIntent) -> Callback<MouseEvent> {
    let dispatch = lab.dispatch.clone();
    Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Lesson(intent.clone())))
}

/// The lesson column (the workspace's `lesson` area), when there is something to show.
#[function_component(LessonColumn)]
pub fn lesson_column() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let lessons = &lab.lessons;
    if !lessons.has_column() {
        return html! {};
    }
    html! {
        <aside class="lesson-column" aria-label="Lesson" data-testid="lesson-column">
            if let Some(problem) = &lessons.problem {
                <p class="lesson-problem" role="alert" data-testid="lesson-problem">{ problem.clone() }</p>
            }
            if let Some(entries) = &lessons.picker {
                <Picker entries={entries.clone()} open={lessons.open.is_some()} />
            } else if let Some(open) = &lessons.open {
                <LessonPanel open={open.clone()} />
            }
        </aside>
    }
}
