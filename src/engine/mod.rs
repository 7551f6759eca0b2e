//! The pure, deterministic simulation engine.
pub mod keygroups;
