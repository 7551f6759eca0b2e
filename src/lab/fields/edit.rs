//! Trying one edit: the text is applied to a copy of the configuration and checked by the
//! engine's own `Config::validate()`, so the panels never duplicate the engine's rules and
//! a value that fails them never leaves its field.

use super::spec::Spec;
use super::specs::label_of;
use crate::engine::config::Config;

/// Applies `text` to a copy of `config` and validates the result. On failure the message
/// names other fields when the engine blames them (a cross-field rule such as
/// parallelism ≤ max parallelism).
pub fn try_edit(spec: &Spec, config: &Config, text: &str) -> Result<Config, String> {
    let mut next = config.clone();
    (spec.set)(&mut next, text.trim())?;
    match next.validate() {
        Ok(()) => Ok(next),
        Err(errors) => {
            let own: Vec<&str> = errors
                .0
                .iter()
                .filter(|e| e.field == spec.path)
                .map(|e| e.message.as_str())
                .collect();
            if !own.is_empty() {
                return Err(own.join("; "));
            }
            Err(errors
                .0
                .iter()
                .map(|e| {
                    let field = label_of(&e.field).unwrap_or(&e.field);
                    format!("{field}: {}", e.message)
                })
                .collect::<Vec<_>>()
                .join("; "))
        }
    }
}
