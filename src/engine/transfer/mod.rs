//! Checkpoint transfer and scheduling: the coordinator that triggers checkpoints and
//! decides what each one ships, the policies behind those decisions, what each key group
//! changed since it was confirmed, the link to the checkpoint store, and the store itself.

pub mod coordinator;
pub mod link;
pub mod pipe;
pub mod policy;
pub mod store;
pub mod tracking;
