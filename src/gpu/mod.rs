//! The GPU backend: the WGSL kernel through wgpu.

pub mod context;
pub mod layout;
pub mod pipeline;
pub mod population;
mod stepper;

pub use context::{
    AdapterChoice, AdapterList, AdapterSummary, GpuContext, compute_adapters, list_adapters,
};
pub use pipeline::LifPipeline;
pub use population::{GpuPopulation, PopulationDesc, PopulationOptions};
pub use stepper::{
    DEFAULT_MAX_BATCH_NEURONS, DISPATCHES_PER_SUBMISSION, GpuOptions, GpuStepper,
    MIN_STEPS_PER_DISPATCH, TARGET_DISPATCH_SECONDS,
};
