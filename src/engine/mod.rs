//! The pure, deterministic simulation engine.
