//! What one configuration field is: where it lives in the [`Config`], how it reads and
//! writes its value as text, what it is called in the panel and in Flink, and which kind
//! of input shows it.

use crate::engine::config::Config;

/// Parses the text and writes it into the configuration, or says why it cannot.
pub type Setter = fn(&mut Config, &str) -> Result<(), String>;
/// Formats the field's current value.
pub type Getter = fn(&Config) -> String;

/// What a field edits and how. `path` is the dotted path `Config::validate()` reports
/// errors under, so its messages land next to this input.
pub struct Spec {
    pub path: &'static str,
    pub label: &'static str,
    /// The Flink option this setting mirrors, shown under the label (no hover needed).
    pub option: Option<&'static str>,
    pub unit: Option<&'static str>,
    pub get: Getter,
    pub set: Setter,
    pub kind: Kind,
}

pub enum Kind {
    /// Free text parsed by `set`; `decimal` picks the phone keyboard.
    Number { decimal: bool },
    /// Free text taken as it is (a key's spelling); `set` checks it.
    Text,
    /// One of a fixed list of `(value, label)`; `set` receives the value.
    Choice(&'static [(&'static str, &'static str)]),
    /// A number that may be absent: a box to tick for the absent case, labelled
    /// `none_label`. `set` receives "" for absent; `fallback` is the value the number
    /// takes when the box is unticked.
    Optional {
        none_label: &'static str,
        fallback: Getter,
    },
}
