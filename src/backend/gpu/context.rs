//! Finding an adapter and opening a device, for the command line, tests and examples.
//!
//! A host application that already owns a `Device` and `Queue` never needs this: it
//! passes them to [`crate::LifPipeline`] and [`crate::GpuPopulation`] directly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Which adapter to open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AdapterChoice {
    /// The best hardware adapter (discrete, then integrated, then virtual); software
    /// rasterisers such as Mesa's lavapipe are not picked. What `--backend auto` uses.
    Hardware,
    /// The best adapter of any kind, software ones included. What `--backend gpu` uses.
    #[default]
    Any,
    /// The best adapter whose name contains this text (case-insensitive).
    Named(String),
}

/// What `gpulif devices` shows of one adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AdapterSummary {
    /// The adapter's name ("NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// The graphics API wgpu reaches it through ("Vulkan", "Metal", "Dx12", "Gl").
    pub backend: String,
    /// Discrete, integrated, virtual, CPU (a software implementation) or other.
    pub device_type: String,
    /// Driver name and version, where the driver reports them.
    pub driver: String,
    /// Whether it can run compute shaders at all.
    pub compute: bool,
}

impl AdapterSummary {
    fn of(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let driver = [info.driver.as_str(), info.driver_info.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        AdapterSummary {
            name: info.name,
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver,
            compute: supports_compute(adapter),
        }
    }

    /// One line: `name (backend, type)`.
    pub fn describe(&self) -> String {
        format!("{} ({}, {})", self.name, self.backend, self.device_type)
    }
}

fn supports_compute(adapter: &wgpu::Adapter) -> bool {
    adapter
        .get_downlevel_capabilities()
        .flags
        .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
}

fn is_hardware(adapter: &wgpu::Adapter) -> bool {
    adapter.get_info().device_type != wgpu::DeviceType::Cpu
}

/// Lower is better: device type first, then the native APIs before OpenGL.
fn preference(adapter: &wgpu::Adapter) -> (u8, u8) {
    let info = adapter.get_info();
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    let api = match info.backend {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    };
    (device, api)
}

/// A wgpu instance on the native compute APIs (Vulkan, Metal, DX12), or on the
/// backends `WGPU_BACKEND` names (`WGPU_BACKEND=gl` for OpenGL), honouring the other
/// `WGPU_*` variables too.
///
/// On a headless Linux machine Mesa's device-select layer prints `error:
/// XDG_RUNTIME_DIR is invalid or not set` as the instance starts; it is harmless, and
/// `NODEVICE_SELECT=1` in the environment silences it (a library cannot set it safely
/// for its host: `std::env::set_var` is unsound once other threads run). OpenGL is left out by default: its adapters duplicate the
/// Vulkan ones where both exist, and probing it on a headless machine makes EGL print
/// warnings about missing display servers.
fn instance() -> wgpu::Instance {
    let descriptor = wgpu::InstanceDescriptor {
        backends: wgpu::Backends::PRIMARY,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    };
    wgpu::Instance::new(descriptor.with_env())
}

fn enumerate(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
}

/// Picks the adapter `choice` asks for from `adapters`, best first.
fn choose<'a>(adapters: &'a [wgpu::Adapter], choice: &AdapterChoice) -> Option<&'a wgpu::Adapter> {
    adapters
        .iter()
        .filter(|a| supports_compute(a))
        .filter(|a| match choice {
            AdapterChoice::Hardware => is_hardware(a),
            AdapterChoice::Any => true,
            AdapterChoice::Named(text) => a
                .get_info()
                .name
                .to_lowercase()
                .contains(&text.to_lowercase()),
        })
        .min_by_key(|a| preference(a))
}

/// Every adapter that runs compute shaders, best first (hardware before software,
/// discrete before integrated): what `gpulif bench` measures one by one.
pub fn compute_adapters() -> Vec<wgpu::Adapter> {
    let mut adapters: Vec<wgpu::Adapter> = enumerate(&instance())
        .into_iter()
        .filter(supports_compute)
        .collect();
    adapters.sort_by_key(preference);
    adapters
}

/// Every adapter that runs compute shaders whose name contains `name` (ignoring case;
/// every one when `None`): what `gpulif bench` measures one by one.
pub fn adapters_named(name: Option<&str>) -> Vec<wgpu::Adapter> {
    compute_adapters()
        .into_iter()
        .filter(|a| {
            name.is_none_or(|name| {
                a.get_info()
                    .name
                    .to_lowercase()
                    .contains(&name.to_lowercase())
            })
        })
        .collect()
}

/// The adapters `gpulif devices` numbers `indices` (every one that runs compute shaders
/// when `None`), in that order: what `--adapter all` and `--adapter 0,2` open.
pub fn adapters_by_index(indices: Option<&[usize]>) -> Result<Vec<wgpu::Adapter>> {
    let adapters = enumerate(&instance());
    let Some(indices) = indices else {
        let compute: Vec<wgpu::Adapter> = adapters.into_iter().filter(supports_compute).collect();
        if compute.is_empty() {
            return Err(Error::NoAdapter(
                "no adapter runs compute shaders (`gpulif devices` lists them)".into(),
            ));
        }
        return Ok(compute);
    };
    indices
        .iter()
        .map(|&k| match adapters.get(k) {
            Some(a) if supports_compute(a) => Ok(a.clone()),
            Some(a) => Err(Error::parameter(
                "adapter",
                k,
                format!(
                    "an adapter that runs compute shaders ({} does not)",
                    a.get_info().name
                ),
            )),
            None => Err(Error::parameter(
                "adapter",
                k,
                format!(
                    "an adapter of `gpulif devices`, 0 to {}",
                    adapters.len().saturating_sub(1)
                ),
            )),
        })
        .collect()
}

/// Every adapter wgpu finds, and which ones the two automatic choices would open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterList {
    /// The adapters, in wgpu's order.
    pub adapters: Vec<AdapterSummary>,
    /// The index of the adapter [`AdapterChoice::Hardware`] opens, if any.
    pub hardware: Option<usize>,
    /// The index of the adapter [`AdapterChoice::Any`] opens, if any.
    pub any: Option<usize>,
}

/// Enumerates the adapters once and says which each automatic choice would open.
pub fn list_adapters() -> AdapterList {
    let adapters = enumerate(&instance());
    let index_of = |choice: &AdapterChoice| {
        choose(&adapters, choice).and_then(|c| adapters.iter().position(|a| std::ptr::eq(a, c)))
    };
    AdapterList {
        hardware: index_of(&AdapterChoice::Hardware),
        any: index_of(&AdapterChoice::Any),
        adapters: adapters.iter().map(AdapterSummary::of).collect(),
    }
}

/// An adapter with its device and queue, opened with the adapter's own limits (not
/// WebGPU's defaults), and a record of errors the device reports outside any error
/// scope. Cheap to clone: clones share the device.
#[derive(Clone, Debug)]
pub struct GpuContext {
    /// The adapter the device was opened on.
    pub adapter: wgpu::Adapter,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    summary: AdapterSummary,
    errors: Arc<Mutex<Vec<Error>>>,
    lost: Arc<AtomicBool>,
}

impl GpuContext {
    /// Opens the adapter `choice` asks for. Blocks until the device is ready: native
    /// hosts only ([`GpuContext::new_async`] on the web).
    pub fn new(choice: &AdapterChoice) -> Result<Self> {
        pollster::block_on(Self::new_async(choice))
    }

    /// Opens the adapter `choice` asks for, without blocking: what a web page awaits.
    /// In a browser the one adapter WebGPU offers is requested (high performance)
    /// and must match `choice`; natively the adapters are enumerated and the best one
    /// `choice` allows is opened.
    pub async fn new_async(choice: &AdapterChoice) -> Result<Self> {
        let instance = instance();
        #[cfg(target_arch = "wasm32")]
        let adapters: Vec<wgpu::Adapter> = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .into_iter()
            .collect();
        #[cfg(not(target_arch = "wasm32"))]
        let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
        let adapter = choose(&adapters, choice)
            .cloned()
            .ok_or_else(|| Error::NoAdapter(no_adapter_message(&adapters, choice)))?;
        Self::open_async(adapter).await
    }

    /// Opens a device on `adapter`, requesting all of its limits. Blocks until it is
    /// ready: native hosts only ([`GpuContext::open_async`] on the web).
    pub fn open(adapter: wgpu::Adapter) -> Result<Self> {
        pollster::block_on(Self::open_async(adapter))
    }

    /// Opens a device on `adapter`, requesting all of its limits, without blocking.
    pub async fn open_async(adapter: wgpu::Adapter) -> Result<Self> {
        let summary = AdapterSummary::of(&adapter);
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("gpulif"),
            required_limits: adapter.limits(),
            ..Default::default()
        };
        let (device, queue) = adapter
            .request_device(&descriptor)
            .await
            .map_err(|source| Error::RequestDevice {
                adapter: summary.name.clone(),
                source,
            })?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Error::from_wgpu(error));
        }));
        let sink = Arc::clone(&errors);
        let lost = Arc::new(AtomicBool::new(false));
        let lost_flag = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            lost_flag.store(true, Ordering::Relaxed);
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Error::DeviceLost(if message.is_empty() {
                    format!("{reason:?}")
                } else {
                    format!("{reason:?}: {message}")
                }));
        });
        Ok(GpuContext {
            adapter,
            device,
            queue,
            summary,
            errors,
            lost,
        })
    }

    /// True once the device has been lost (a driver reset, an unplugged GPU, a
    /// destroyed device): nothing more runs on it.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// The adapter's description.
    pub fn summary(&self) -> &AdapterSummary {
        &self.summary
    }

    /// Fails with the error the device reported outside an error scope since the last
    /// call, if any: a lost device before anything else, then the first reported.
    pub fn check_errors(&self) -> Result<()> {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        let lost = errors.iter().position(Error::is_device_lost);
        let first = match lost {
            Some(at) => Some(errors.swap_remove(at)),
            None if errors.is_empty() => None,
            None => Some(errors.remove(0)),
        };
        errors.clear();
        first.map_or(Ok(()), Err)
    }

    /// `result`, with its error replaced by the one the device reported meanwhile (a
    /// lost device explains a failed map or poll better than the failure itself).
    pub(crate) fn explain<T>(&self, result: Result<T>) -> Result<T> {
        match result {
            Ok(value) => self.check_errors().map(|()| value),
            Err(error) => {
                // A lost device reports itself when the device is next maintained.
                let _ = self.device.poll(wgpu::PollType::Poll);
                Err(self.check_errors().err().unwrap_or(error))
            }
        }
    }
}

fn no_adapter_message(adapters: &[wgpu::Adapter], choice: &AdapterChoice) -> String {
    let wanted = match choice {
        AdapterChoice::Hardware => "a hardware adapter that runs compute shaders".to_owned(),
        AdapterChoice::Any => "an adapter that runs compute shaders".to_owned(),
        AdapterChoice::Named(text) => format!("an adapter whose name contains {text:?}"),
    };
    let backends = match std::env::var("WGPU_BACKEND") {
        Ok(value) => format!("the backends WGPU_BACKEND={value} selects"),
        Err(_) => "Vulkan, Metal and DX12 (WGPU_BACKEND=gl adds OpenGL)".to_owned(),
    };
    let found = if adapters.is_empty() {
        "none were found".to_owned()
    } else {
        let names: Vec<String> = adapters
            .iter()
            .map(|a| AdapterSummary::of(a).describe())
            .collect();
        format!("found only {}", names.join(", "))
    };
    format!(
        "looked for {wanted} through {backends}, {found}. Install a GPU driver, or the \
         lavapipe software driver (Debian/Ubuntu: apt-get install mesa-vulkan-drivers), \
         or use the CPU backend"
    )
}
