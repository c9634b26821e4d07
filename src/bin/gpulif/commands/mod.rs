//! One file per command, each with its `run`.

pub mod bench;
pub mod curve;
pub mod devices;
pub mod ensemble;
pub mod explore;
pub mod merge;
pub mod trace;
