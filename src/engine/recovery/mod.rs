//! Recovery: the job's life after a failure (restart, restore with fallback, rewind and
//! replay) and the no-failure oracle that every recovery is checked against.

pub mod oracle;
pub mod plans;
pub(crate) mod restore;
pub mod retained;
