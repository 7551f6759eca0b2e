//! The trace upload's preview as Settings draws it: the first records in a small table,
//! the key and value columns marked, and the words saying which column is which (or the
//! error in their place). Everything it shows is `lab::trace_preview`'s.

use yew::prelude::*;

use crate::lab::trace_preview::{Role, TracePreviewView};

#[derive(Properties, PartialEq)]
pub struct TracePreviewProps {
    /// What is previewed: a file's name or "the pasted lines".
    pub origin: String,
    pub view: TracePreviewView,
    /// Loads the previewed file again with the columns it shows (a file is loaded when
    /// chosen; pasted lines have their own button).
    #[prop_or_default]
    pub reload: Option<Callback<MouseEvent>>,
}

fn class(role: Role) -> Option<&'static str> {
    match role {
        Role::Key => Some("col-key"),
        Role::Value => Some("col-value"),
        Role::Other => None,
    }
}

fn mark(role: Role) -> &'static str {
    match role {
        Role::Key => " · key",
        Role::Value => " · value",
        Role::Other => "",
    }
}

#[function_component(TracePreview)]
pub fn trace_preview(props: &TracePreviewProps) -> Html {
    let v = &props.view;
    let (words, error) = match &v.words {
        Ok(w) => (w.clone(), false),
        Err(e) => (e.clone(), true),
    };
    html! {
        <figure class="trace-preview" data-testid="trace-preview">
            <figcaption>{ format!(
                "Preview of {}: the first {} {}",
                props.origin,
                v.rows.len(),
                // Without a layout no header was told apart: the rows are lines.
                if error { "lines" } else { "records" }
            ) }</figcaption>
            <div class="trace-preview-scroll">
                <table>
                    <thead><tr>
                        <th scope="col" class="line-no">{ "line" }</th>
                        { for v.headings.iter().map(|(text, role)| html! {
                            <th scope="col" class={classes!(class(*role))} data-role={mark(*role).trim_start_matches(" · ").to_string()}>
                                { text }{ mark(*role) }
                            </th>
                        }) }
                    </tr></thead>
                    <tbody>
                        { for v.rows.iter().map(|(line, cells)| html! {
                            <tr>
                                <td class="line-no">{ line }</td>
                                { for cells.iter().map(|(text, role)| html! {
                                    <td class={classes!(class(*role))}>{ text }</td>
                                }) }
                            </tr>
                        }) }
                        if v.more {
                            <tr><td class="line-no">{ "…" }</td></tr>
                        }
                    </tbody>
                </table>
            </div>
            <p class={classes!("field-msg", error.then_some("error"))} data-testid="trace-preview-words">{ words }</p>
            if let (Some(onclick), false) = (props.reload.clone(), error) {
                <button type="button" class="small" {onclick} data-testid="trace-reload">
                    { format!("Load {} with these columns", props.origin) }
                </button>
            }
        </figure>
    }
}
