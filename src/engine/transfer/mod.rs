//! Checkpoint transfer and scheduling: the policies that decide when to checkpoint and
//! what to ship, the link to the checkpoint store, and the store itself.

pub mod link;
pub mod policy;
pub mod store;
