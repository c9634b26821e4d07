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
pub use stepper::{GpuOptions, GpuStepper};
