//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in gpulif, as values rather than panics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside the range the model accepts.
    ///
    /// `name` is the parameter's name in the library (`tau_rc`, `i_min`, …); the
    /// command-line front end turns it into the matching flag (`--tau-rc`, `--i-min`).
    #[error("{name} = {value} is out of range: expected {expected}")]
    InvalidParameter {
        /// The parameter's name, in snake case.
        name: &'static str,
        /// The value as the caller gave it.
        value: String,
        /// The accepted range, as a phrase ("a finite number > 0 (seconds)").
        expected: String,
    },

    /// A list of input currents could not be read or parsed.
    #[error("{0}")]
    Currents(String),

    /// Parts of a sharded run that cannot be joined: missing, duplicated, or of
    /// another run.
    #[error("{0}")]
    Parts(String),

    /// An error on one device of several, naming it.
    #[error("on {device}: {source}")]
    OnDevice {
        /// The device, as the multi-device stepper numbers it.
        device: String,
        /// What failed there.
        source: Box<Error>,
    },

    /// The caller's progress sink asked the run to stop ([`crate::backend::ProgressSink::stop`]).
    /// A population stopped part way is in no defined state: reset it before using it
    /// again.
    #[error("stopped at the caller's request")]
    Cancelled,

    /// A stimulus file that cannot be used: missing, malformed, empty, of the wrong
    /// type, too short, or holding a value that is not finite. The message names the
    /// file and what is wrong.
    #[error("{0}")]
    Stimulus(String),

    /// An output path is unusable (unknown extension, unwritable folder).
    #[error("cannot write {}: {reason}", path.display())]
    Output {
        /// The path the caller asked for.
        path: PathBuf,
        /// Why it cannot be written.
        reason: String,
    },

    /// A figure path is unusable (unknown extension, unwritable folder).
    #[error("cannot draw {}: {reason}", path.display())]
    Plot {
        /// The path the caller asked for.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// No adapter matched the request.
    #[error("no GPU adapter found: {0}")]
    NoAdapter(String),

    /// The adapter refused to create a device.
    #[error("could not open a device on {adapter}: {source}")]
    RequestDevice {
        /// The adapter's name.
        adapter: String,
        /// What wgpu reported.
        #[source]
        source: wgpu::RequestDeviceError,
    },

    /// A population does not fit in one storage binding of the device.
    #[error(
        "{neurons} neurons need {bytes} bytes per state buffer, more than this device's \
         storage binding limit of {limit} bytes; split them into batches"
    )]
    PopulationTooLarge {
        /// Neurons asked for.
        neurons: usize,
        /// Bytes one per-neuron buffer would need.
        bytes: u64,
        /// The device's `max_storage_buffer_binding_size` (or `max_buffer_size`, if smaller).
        limit: u64,
    },

    /// The device ran out of memory: `what` says for what.
    #[error("the GPU ran out of memory {what}: {message}")]
    OutOfMemory {
        /// What was being allocated or run ("allocating 10000000 neurons (280 MB)").
        what: String,
        /// What wgpu reported.
        message: String,
    },

    /// The device was lost (destroyed, reset by the driver, or removed).
    #[error("the GPU device was lost: {0}")]
    DeviceLost(String),

    /// wgpu rejected a call: a shader, a pipeline, a binding or a command the device
    /// does not accept.
    #[error("the GPU rejected gpulif's work: {0}")]
    Validation(String),

    /// The device's limits are below what the kernels need.
    #[error(
        "this device's {limit} is {available}, below the {required} gpulif's kernels need \
         (open the device with the adapter's limits, or wgpu::Limits::default())"
    )]
    MissingLimit {
        /// The `wgpu::Limits` field.
        limit: &'static str,
        /// What the kernels need.
        required: u64,
        /// What the device has.
        available: u64,
    },

    /// The backend cannot do what was asked of it.
    #[error("{0}")]
    Unsupported(String),

    /// Any other GPU error (an internal error of the driver or of wgpu).
    #[error("GPU error: {0}")]
    Gpu(String),

    /// Mapping a buffer for readback failed.
    #[error("reading results back from the GPU failed: {0}")]
    Map(#[from] wgpu::BufferAsyncError),

    /// Waiting for submitted GPU work failed.
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),

    /// An I/O error while writing results.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The typed error for an error wgpu reported.
    pub fn from_wgpu(error: wgpu::Error) -> Self {
        match error {
            wgpu::Error::OutOfMemory { source } => Error::OutOfMemory {
                what: "running gpulif's kernels".to_owned(),
                message: source.to_string(),
            },
            wgpu::Error::Validation { description, .. } => Error::Validation(description),
            other => Error::Gpu(other.to_string()),
        }
    }

    /// True when the error says the device is gone: lost, or destroyed.
    pub fn is_device_lost(&self) -> bool {
        matches!(self, Error::DeviceLost(_))
    }

    /// An [`Error::InvalidParameter`] for `name`, whose value was `value`.
    pub(crate) fn parameter(
        name: &'static str,
        value: impl ParameterValue,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: value.show(),
            expected: expected.into(),
        }
    }

    /// An [`Error::Io`] with the action that failed.
    #[cfg(feature = "output")]
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True when the error comes from what the caller asked for (a parameter, an input
    /// file, an output path) rather than from the machine or the GPU.
    pub fn is_usage(&self) -> bool {
        if let Error::OnDevice { source, .. } = self {
            return source.is_usage();
        }
        matches!(
            self,
            Error::InvalidParameter { .. }
                | Error::Currents(_)
                | Error::Stimulus(_)
                | Error::Parts(_)
                | Error::Output { .. }
                | Error::Plot { .. }
        )
    }
}

/// A parameter value as an error message shows it: floats in their shortest
/// round-trip form, with an exponent when very large or small.
pub(crate) trait ParameterValue {
    fn show(&self) -> String;
}

impl ParameterValue for f64 {
    fn show(&self) -> String {
        shortest(*self)
    }
}

impl ParameterValue for usize {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl ParameterValue for String {
    fn show(&self) -> String {
        self.clone()
    }
}

impl ParameterValue for u32 {
    fn show(&self) -> String {
        self.to_string()
    }
}

/// `Result` with gpulif's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl ParameterValue for &str {
    fn show(&self) -> String {
        (*self).to_owned()
    }
}

/// A float64 in the shortest form that parses back to the same value: plain decimals
/// for ordinary magnitudes, exponent notation for very large or small ones.
pub(crate) fn shortest(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || (1e-5..1e16).contains(&magnitude) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}
