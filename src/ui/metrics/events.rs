//! The event log: what happened and when on the virtual clock, filterable by category.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::report::events::{EventCategory, LogEntry};
use crate::engine::report::format::at;

/// Entries drawn at once; the log itself keeps far more.
const SHOWN: usize = 200;

const CATEGORIES: [(EventCategory, &str); 6] = [
    (EventCategory::Checkpoint, "checkpoint"),
    (EventCategory::Store, "store"),
    (EventCategory::Fault, "fault"),
    (EventCategory::Recovery, "recovery"),
    (EventCategory::Check, "check"),
    (EventCategory::Policy, "policy"),
];

fn name(c: EventCategory) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == c)
        .map_or("other", |(_, n)| n)
}

#[derive(Properties, Clone)]
pub struct EventsProps {
    pub events: Rc<Vec<LogEntry>>,
}

impl PartialEq for EventsProps {
    /// The log only grows at its end (old entries drop off the front).
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.events, &other.events)
            || (self.events.len() == other.events.len()
                && self.events.first() == other.events.first()
                && self.events.last() == other.events.last())
    }
}

#[function_component(Events)]
pub fn events(props: &EventsProps) -> Html {
    // Categories hidden by the person; all shown at first.
    let hidden = use_state(Vec::<EventCategory>::new);
    let counts = CATEGORIES.map(|(c, _)| props.events.iter().filter(|e| e.category == c).count());
    let chips = CATEGORIES.iter().zip(counts).map(|((c, label), n)| {
        let on = !hidden.contains(c);
        let onclick = {
            let hidden = hidden.clone();
            let c = *c;
            Callback::from(move |_: MouseEvent| {
                let mut next = (*hidden).clone();
                if let Some(i) = next.iter().position(|h| *h == c) {
                    next.remove(i);
                } else {
                    next.push(c);
                }
                hidden.set(next);
            })
        };
        html! {
            <button type="button" class={classes!("chip", format!("cat-{label}"))}
                    aria-pressed={on.to_string()} data-testid={format!("filter-{label}")} {onclick}>
                <span class="chip-mark" aria-hidden="true">{ if on { "✓" } else { "" } }</span>
                { format!("{label} ({n})") }
            </button>
        }
    });
    let only_all = {
        let hidden = hidden.clone();
        Callback::from(move |_: MouseEvent| hidden.set(Vec::new()))
    };
    // Keyed by position in the log, so a new entry at the top does not rewrite every row.
    let visible: Vec<(usize, &LogEntry)> = props
        .events
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, e)| !hidden.contains(&e.category))
        .take(SHOWN)
        .collect();
    let total_visible = props
        .events
        .iter()
        .filter(|e| !hidden.contains(&e.category))
        .count();
    html! {
        <div class="event-log">
            <div class="chips" role="group" aria-label="Show categories">
                { for chips }
                <button type="button" class="chip all" data-testid="filter-all"
                        disabled={hidden.is_empty()} onclick={only_all}>{ "show all" }</button>
            </div>
            if visible.is_empty() {
                <p class="placeholder" data-testid="event-log-empty">
                    { if props.events.is_empty() { "Nothing has happened yet." }
                      else { "No event in the chosen categories." } }
                </p>
            } else {
                <ol class="events" data-testid="event-log" aria-live="off">
                    { for visible.iter().map(|(i, e)| html! {
                        <li key={*i} data-category={name(e.category)}>
                            <time class="at">{ at(e.at_us) }</time>
                            <span class={classes!("cat", format!("cat-{}", name(e.category)))}>
                                { name(e.category) }
                            </span>
                            <span class="text">{ e.event.to_string() }</span>
                        </li>
                    }) }
                </ol>
                if total_visible > SHOWN {
                    <p class="table-note">{ format!("Newest {SHOWN} of {total_visible} shown.") }</p>
                }
            }
        </div>
    }
}
