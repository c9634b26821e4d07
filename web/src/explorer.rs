//! The explorer in the page: the library's egui explorer ([`gpulif::explore`]) on a
//! canvas, drawn by eframe's web runner on the same WebGPU device its population runs
//! on; without WebGPU, drawn with WebGL and simulating on the CPU backend in wasm.
//!
//! `startExplorer(canvas)` returns a handle whose `state()` says what the window
//! shows (for a page's script and the browser tests), and whose `screenshot()` gives
//! the window's pixels as a PNG data URL (a WebGPU canvas cannot be captured from
//! outside the page).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use eframe::egui;
use eframe::egui_wgpu::{WgpuConfiguration, WgpuSetup, WgpuSetupCreateNew};
use gpulif::LifPipeline;
use gpulif::explore::{Chosen, Download, Engine, Explorer, Saving, Settings};
use js_sys::{Array, Object, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlAnchorElement, HtmlCanvasElement,
    HtmlInputElement, ImageData, Url,
};

use super::set;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** How the explorer starts. */
export interface ExplorerOptions {
    /** Neurons (default 100,000). */
    neurons?: number;
    /** Simulate on the CPU backend even where WebGPU is there. */
    cpu?: boolean;
}

/** What the explorer's window shows. Rectangles are `[x, y, width, height]` in CSS pixels. */
export interface ExplorerState {
    engine: "gpu" | "cpu";
    adapter: string;
    /** Why the neurons run on the CPU. */
    notice?: string;
    runs: number;
    complete: boolean;
    neurons: number;
    /** The `gpulif curve` command of the shown curve. */
    command: string;
    counted?: number;
    steps?: number;
    counts?: Uint32Array;
    frames?: number;
    /** From the change of a setting to the last count. */
    milliseconds?: number;
    frameMilliseconds?: number;
    selected?: number;
    sentence?: string;
    problem?: string;
    status: string;
    plot?: [number, number, number, number];
    figure?: [number, number, number, number];
    placed: Record<string, [number, number, number, number]>;
}
"#;

/// A screenshot on its way to a page's promise.
type Shot = Arc<Mutex<Option<Arc<egui::ColorImage>>>>;

/// What the page's handle and the running app share.
#[derive(Default)]
struct Shared {
    /// The state the last frame showed.
    state: Option<Object>,
    /// Promises waiting for a screenshot, and the screenshot once it arrives.
    waiting: Vec<js_sys::Function>,
    asked: bool,
    shot: Shot,
    /// The window's context, to ask it for a frame.
    ctx: Option<egui::Context>,
}

/// gpulif's kernels on their way: the device's verdict on them is awaited.
type Kernels = Pin<Box<dyn Future<Output = gpulif::Result<LifPipeline>>>>;

/// Wakes the window when the device has answered.
struct Repaint(egui::Context);

impl Wake for Repaint {
    fn wake(self: Arc<Self>) {
        self.0.request_repaint();
    }
}

/// The explorer, with what the page asks of it.
struct WebExplorer {
    /// The explorer, once its engine is ready.
    explorer: Option<Explorer>,
    /// The kernels being built on the window's device, and the device.
    kernels: Option<(Kernels, wgpu::Device, wgpu::Queue, String)>,
    /// The settings of the first run.
    settings: Settings,
    shared: Rc<RefCell<Shared>>,
}

impl WebExplorer {
    /// The explorer, once its kernels are built (polled when the device answers).
    fn explorer(&mut self, ctx: &egui::Context) -> Result<Option<&mut Explorer>, String> {
        if let Some((kernels, ..)) = &mut self.kernels {
            let wake = Waker::from(Arc::new(Repaint(ctx.clone())));
            let Poll::Ready(built) = kernels.as_mut().poll(&mut Context::from_waker(&wake)) else {
                return Ok(None);
            };
            let (_, device, queue, adapter) = self.kernels.take().expect("matched above");
            let engine = match built {
                Ok(pipeline) => Engine::Gpu {
                    device,
                    queue,
                    pipeline,
                    adapter,
                },
                Err(error) => return Err(format!("gpulif's kernels failed on this GPU: {error}")),
            };
            self.explorer = Some(in_page(self.settings.clone(), engine, ctx));
        }
        Ok(self.explorer.as_mut())
    }
}

impl eframe::App for WebExplorer {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        match self.explorer(ui.ctx()) {
            Ok(Some(explorer)) => explorer.ui(ui, frame),
            Ok(None) => {
                ui.label("Preparing gpulif's kernels on your GPU…");
                return;
            }
            Err(problem) => {
                ui.colored_label(ui.visuals().error_fg_color, problem);
                return;
            }
        }
        let explorer = self.explorer.as_ref().expect("shown above");
        let mut shared = self.shared.borrow_mut();
        if shared.asked {
            shared.asked = false;
            let (shot, repaint) = (shared.shot.clone(), ui.ctx().clone());
            ui.ctx().request_screenshot(move |image| {
                *shot.lock().unwrap_or_else(|e| e.into_inner()) = Some(image);
                repaint.request_repaint();
            });
        }
        let shot = shared.shot.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(image) = shot {
            let url = png_data_url(&image).unwrap_or_default();
            for resolve in shared.waiting.drain(..) {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str(&url));
            }
        }
        shared.state = state(explorer).ok();
    }
}

/// What the window shows: `{engine, adapter, notice, runs, complete, counted, steps,
/// neurons, command, selected, sentence, problem, status, counts, frames, milliseconds,
/// frameMilliseconds, plot, figure, placed}`. `notice` says why the neurons run on the
/// CPU; `plot` is the curve's rectangle, `figure` the same with its axes, and `placed`
/// the sliders' and buttons', by label, each `[x, y, width, height]` in CSS pixels of
/// the canvas.
fn state(explorer: &Explorer) -> Result<Object, JsError> {
    let out = Object::new();
    let (engine, adapter) = match &explorer.engine {
        Engine::Gpu { adapter, .. } => ("gpu", adapter.clone()),
        Engine::Cpu => {
            set(&out, "notice", explorer.no_gpu.as_str())?;
            ("cpu", String::new())
        }
    };
    set(&out, "engine", engine)?;
    set(&out, "adapter", adapter)?;
    set(&out, "runs", explorer.runs)?;
    set(&out, "complete", explorer.is_complete())?;
    set(&out, "neurons", explorer.settings.neurons as f64)?;
    set(&out, "command", explorer.settings.command())?;
    if let Some(simulation) = &explorer.simulation {
        set(&out, "counted", simulation.counted())?;
        set(&out, "steps", simulation.steps())?;
        set(&out, "counts", Uint32Array::from(simulation.counts()))?;
        set(&out, "frames", simulation.frames())?;
        if let Some(took) = simulation.finished() {
            set(&out, "milliseconds", took.as_secs_f64() * 1e3)?;
        }
    }
    if let Some(selected) = &explorer.selected {
        set(&out, "selected", selected.neuron as f64)?;
        set(&out, "sentence", selected.sentence.as_str())?;
    }
    if let Some(rect) = explorer.plot_rect {
        set(&out, "plot", rectangle(rect))?;
    }
    if let Some(rect) = explorer.figure_rect {
        set(&out, "figure", rectangle(rect))?;
    }
    if let Some(problem) = &explorer.problem {
        set(&out, "problem", problem.as_str())?;
    }
    set(&out, "status", explorer.status.as_str())?;
    if let Some(frame) = explorer.frame_time {
        set(&out, "frameMilliseconds", frame.as_secs_f64() * 1e3)?;
    }
    let placed = Object::new();
    for (label, rect) in &explorer.placed {
        set(&placed, label, rectangle(*rect))?;
    }
    set(&out, "placed", placed)?;
    Ok(out)
}

/// `rect` as `[x, y, width, height]`, in egui's points: the canvas's CSS pixels.
fn rectangle(rect: egui::Rect) -> Array {
    [rect.min.x, rect.min.y, rect.width(), rect.height()]
        .into_iter()
        .map(|value| JsValue::from_f64(f64::from(value)))
        .collect()
}

/// `image` as a PNG data URL, through a 2D canvas.
fn png_data_url(image: &egui::ColorImage) -> Result<String, JsValue> {
    let canvas = image_canvas(image)?;
    canvas.to_data_url_with_type("image/png")
}

/// A canvas holding `image`.
fn image_canvas(image: &egui::ColorImage) -> Result<HtmlCanvasElement, JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    let [width, height] = image.size;
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2D context")?
        .dyn_into()?;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|pixel| pixel.to_srgba_unmultiplied())
        .collect();
    let data =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), width as u32, height as u32)?;
    context.put_image_data(&data, 0.0, 0.0)?;
    Ok(canvas)
}

/// The explorer on `engine`, saving by downloads and choosing a stimulus file with the
/// browser's file picker.
fn in_page(settings: Settings, engine: Engine, ctx: &egui::Context) -> Explorer {
    let mut explorer =
        Explorer::with_engine(settings, engine, Saving::Downloads(Box::new(download)));
    let ctx = ctx.clone();
    explorer.choose_stimulus = Some(Box::new(move |chosen| {
        if let Err(error) = choose_file(chosen, ctx.clone()) {
            web_sys::console::error_1(&error);
        }
    }));
    explorer
}

/// Opens the browser's file picker; the chosen file's name and content go in `chosen`
/// once read, and the window is woken to take them.
fn choose_file(chosen: Chosen, ctx: egui::Context) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let input: HtmlInputElement = document.create_element("input")?.dyn_into()?;
    input.set_type("file");
    input.set_accept(".npy,.txt,.csv,.dat");
    let picker = input.clone();
    let on_change = Closure::once(move || {
        let Some(file) = picker.files().and_then(|files| files.get(0)) else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => {
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    *chosen.lock().unwrap_or_else(|e| e.into_inner()) = Some((file.name(), bytes));
                    ctx.request_repaint();
                }
                Err(error) => web_sys::console::error_1(&error),
            }
        });
    });
    input.set_onchange(Some(on_change.as_ref().unchecked_ref()));
    // The picker calls back at most once; its closure lives as long as the page.
    on_change.forget();
    input.click();
    Ok(())
}

/// Hands `href` to the browser as a download named `name`.
fn download_url(href: &str, name: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(href);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

/// Saves by downloads: the CSV as a file, the PNG from the window's pixels.
fn download(download: Download) {
    let result = match download {
        Download::Csv { name, bytes } => (|| {
            let parts = Array::of1(&js_sys::Uint8Array::from(&bytes[..]));
            let options = BlobPropertyBag::new();
            options.set_type("text/csv");
            let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
            let url = Url::create_object_url_with_blob(&blob)?;
            download_url(&url, &name)?;
            Url::revoke_object_url(&url)
        })(),
        Download::Png { name, image } => {
            png_data_url(&image).and_then(|url| download_url(&url, &name))
        }
    };
    if let Err(error) = result {
        web_sys::console::error_1(&error);
    }
}

/// The page's hold on a running explorer.
#[wasm_bindgen]
pub struct ExplorerHandle {
    shared: Rc<RefCell<Shared>>,
    runner: eframe::WebRunner,
}

#[wasm_bindgen]
impl ExplorerHandle {
    /// What the window showed in its last frame, or `null` before the first.
    #[wasm_bindgen(unchecked_return_type = "ExplorerState | null")]
    pub fn state(&self) -> JsValue {
        self.shared
            .borrow()
            .state
            .clone()
            .map_or(JsValue::NULL, JsValue::from)
    }

    /// A `Promise` of the window's pixels as a PNG data URL, from its next frame.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn screenshot(&self) -> js_sys::Promise {
        let shared = self.shared.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let mut shared = shared.borrow_mut();
            shared.waiting.push(resolve);
            shared.asked = true;
        });
        // A frame must run for the request to be seen.
        if let Some(ctx) = &self.shared.borrow().ctx {
            ctx.request_repaint();
        }
        promise
    }

    /// Stops the explorer and frees its canvas.
    pub fn destroy(&self) {
        self.runner.destroy();
    }
}

/// The adapter as the page names it: browsers often withhold its name.
fn describe(adapter: &wgpu::Adapter) -> String {
    let info = adapter.get_info();
    let kind = match info.device_type {
        wgpu::DeviceType::Cpu => "a software adapter",
        _ => "a hardware adapter",
    };
    match info.name.as_str() {
        "" => format!("WebGPU, {kind}"),
        name => format!("WebGPU, {name} ({kind})"),
    }
}

/// Starts the explorer on `canvas`: on the visitor's GPU through WebGPU, where the
/// browser offers it (the window's device, opened with the adapter's own limits,
/// steps the neurons), else on the CPU backend (at most 100,000 neurons) drawn with
/// WebGL. Options: `neurons` (default 100,000). Resolves to a handle once the first
/// frame can be drawn.
#[wasm_bindgen(js_name = startExplorer)]
pub async fn start_explorer(
    canvas: HtmlCanvasElement,
    #[wasm_bindgen(unchecked_param_type = "ExplorerOptions")] options: JsValue,
) -> Result<ExplorerHandle, JsError> {
    let options = super::Options(options);
    let mut settings = Settings::default();
    settings.neurons = options.whole("neurons", settings.neurons as u64)? as usize;
    let cpu = options
        .get("cpu")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let mut web_options = eframe::WebOptions::default();
    let webgpu = wgpu::util::is_browser_webgpu_supported().await;
    if webgpu {
        web_options.renderer = eframe::Renderer::Wgpu;
        web_options.wgpu_options = WgpuConfiguration {
            wgpu_setup: WgpuSetup::CreateNew(WgpuSetupCreateNew {
                instance_descriptor: wgpu::InstanceDescriptor {
                    backends: wgpu::Backends::BROWSER_WEBGPU,
                    ..wgpu::InstanceDescriptor::new_without_display_handle()
                },
                power_preference: wgpu::PowerPreference::HighPerformance,
                device_descriptor: Arc::new(|adapter| wgpu::DeviceDescriptor {
                    label: Some("gpulif explore"),
                    required_limits: adapter.limits(),
                    ..Default::default()
                }),
                ..WgpuSetupCreateNew::without_display_handle()
            }),
            ..Default::default()
        };
    } else {
        web_options.renderer = eframe::Renderer::Glow;
    }
    let shared = Rc::new(RefCell::new(Shared::default()));
    let runner = eframe::WebRunner::new();
    let app_shared = shared.clone();
    runner
        .start(
            canvas,
            web_options,
            Box::new(move |cc| {
                app_shared.borrow_mut().ctx = Some(cc.egui_ctx.clone());
                let mut app = WebExplorer {
                    explorer: None,
                    kernels: None,
                    settings: settings.clone(),
                    shared: app_shared,
                };
                match &cc.wgpu_render_state {
                    Some(state) if !cpu => {
                        let device = state.device.clone();
                        let build = device.clone();
                        let kernels: Kernels =
                            Box::pin(async move { LifPipeline::try_new_async(&build).await });
                        let adapter = describe(&state.adapter);
                        app.kernels = Some((kernels, device, state.queue.clone(), adapter));
                    }
                    _ => {
                        let mut explorer = in_page(settings, Engine::Cpu, &cc.egui_ctx);
                        explorer.no_gpu = "No WebGPU in this browser".into();
                        app.explorer = Some(explorer);
                    }
                }
                Ok(Box::new(app))
            }),
        )
        .await
        .map_err(|error| {
            JsError::new(&format!(
                "the explorer could not start: {}",
                error.as_string().unwrap_or_else(|| format!("{error:?}"))
            ))
        })?;
    Ok(ExplorerHandle { shared, runner })
}
