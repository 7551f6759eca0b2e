//! The configuration fields the panels offer, without the panels: what each field edits
//! and what Flink calls it ([`spec`]), every field ([`specs`]), how numbers are typed
//! ([`numbers`]) and how one edit is tried against the engine's own rules ([`edit`]).
//! The Yew inputs that show them live in `ui/controls/field.rs`.

pub mod edit;
pub mod numbers;
pub mod spec;
pub mod specs;

#[cfg(test)]
mod tests;
