//! Recovery: the no-failure oracle that every restore is checked against.

pub mod oracle;
