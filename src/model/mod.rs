//! The neuron model, backend-free: parameters and their validation, the run, the
//! constants each method is stepped with (formed once, in float64, on the host), the
//! scalar steps every backend mirrors, the float64 reference, and the analytic rate.
//!
//! Adding a method touches this module and each backend's population, nothing else.

pub mod analytic;
pub mod euler;
pub mod exact;
pub mod fastmath;
pub mod noise;
pub mod params;
pub mod reference;
pub mod run;
