//! The GPU backend: the WGSL kernels through wgpu, and the embedding API.
//!
//! A host application that owns its `Device` and `Queue` uses [`LifPipeline`] and
//! [`GpuPopulation`]; the library's own runs open a device with [`GpuContext`] and step
//! [`GpuRunner`]s through [`GpuStepper`].

pub mod context;
pub(crate) mod layout;
mod multi;
pub mod pipeline;
pub mod population;
mod stepper;

pub use context::{
    AdapterChoice, AdapterList, AdapterSummary, GpuContext, adapters_by_index, adapters_named,
    compute_adapters, list_adapters,
};
pub use layout::{DispatchShape, STIMULUS_WINDOW, WORKGROUP_SIZE};
pub use multi::MultiGpuStepper;
pub use pipeline::{LifPipeline, PHILOX_WGSL};
pub use population::{GpuPopulation, PopulationOptions, Readback, Readings, Readout};
pub use stepper::{
    DEFAULT_MAX_BATCH_NEURONS, DISPATCHES_PER_SUBMISSION, GpuOptions, GpuRunner, GpuStepper,
    MIN_STEPS_PER_DISPATCH, TARGET_DISPATCH_SECONDS,
};
