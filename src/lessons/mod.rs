//! Lessons: guided paths through the lab. The building blocks a lesson step is made of:
//! run-until conditions on the engine's typed events ([`condition`]), anchors for callouts
//! ([`anchor`]), probes that read the run's real numbers ([`probe`]), predictions answered
//! by them ([`prediction`]), texts filled with them ([`template`]), actions on the run
//! ([`action`]) and "try it" goals ([`try_it`]).

pub mod action;
pub mod anchor;
pub mod condition;
pub mod prediction;
pub mod probe;
pub mod template;
pub mod try_it;
