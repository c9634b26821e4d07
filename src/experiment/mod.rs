//! Experiments: drivers over the backends' [`Population`](crate::Population)s and
//! [`Stepper`](crate::Stepper)s. None knows a backend's internals.
//!
//! * [`curve`]: a tuning curve, one current per neuron, streamed in batches;
//! * [`trace`]: a few neurons followed step by step;
//! * [`ensemble`]: Nengo-style ensembles of neurons with gains and biases;
//! * [`bench`](mod@bench) and [`agreement`]: speed, and how the backends' counts agree.

pub mod agreement;
pub mod bench;
pub mod curve;
pub mod ensemble;
pub mod spec;
pub mod stimulus;
pub mod trace;
pub mod trains;
