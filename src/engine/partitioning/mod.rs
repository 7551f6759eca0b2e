//! Partitioning: which key group a key belongs to and which subtask owns it (Flink's
//! rules), the run's key space, and the records that flow in (generated or a trace).

pub mod keygroups;
pub mod trace;
pub mod workload;
