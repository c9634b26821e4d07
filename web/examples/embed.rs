//! A web page that owns its WebGPU device and steps a gpulif population inside its own
//! frame loop: every animation frame it records 25 of the population's steps into its
//! command encoder, then, in the same command buffer, draws every neuron's rate so far
//! with its own render pipeline, which reads gpulif's spike-count buffer directly. Now
//! and then the same encoder also copies the counts out, delivered without blocking
//! (the page's status line says how far the run is). gpulif never creates a device,
//! never submits, and never waits.
//!
//! 100,000 neurons (currents 0 to 10 across them, white noise 0.5 with seed 1, the
//! tutorial's neuron with tau_rc 0.2 s) for 1 s: the counts are those of
//! `gpulif curve --neurons 100000 --i-max 10 --duration 1 --noise 0.5 --seed 1`.
//! `web/build.sh` builds it into `web/dist/embed/`, for `embed.html`.
#![cfg(target_arch = "wasm32")]

use gpulif::experiment::curve::Currents;
use gpulif::{
    GpuPopulation, LifParams, LifPipeline, Noise, PopulationDesc, PopulationOptions, Readback,
    Readings, Readout,
};
use js_sys::{Promise, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlCanvasElement};

/// The neurons, drawn in rows of `ROW`.
const NEURONS: usize = 100_000;
const ROW: u32 = 400;
/// The run's steps (of dt = 1 ms), and the steps each frame records.
const STEPS: u32 = 1000;
const STEPS_PER_FRAME: u32 = 25;
/// Counts are copied out every this many frames.
const READ_EVERY: u32 = 8;
/// The noise every neuron's input carries.
const NOISE: Noise = Noise {
    sigma: 0.5,
    tau: 0.0,
    seed: 1,
};

/// The host's shader: one cell per neuron, coloured by its rate so far.
const SHADER: &str = r#"
struct View {
    row: u32,
    neurons: u32,
    seconds: f32,
    top_rate: f32,
    size: vec2f,
}
@group(0) @binding(0) var<storage, read> counts: array<u32>;
@group(0) @binding(1) var<uniform> view: View;

@vertex
fn cover(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    let corner = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4f(corner * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn rates(@builtin(position) at: vec4f) -> @location(0) vec4f {
    let rows = (view.neurons + view.row - 1u) / view.row;
    let cell = vec2u(at.xy / view.size * vec2f(f32(view.row), f32(rows)));
    let k = cell.y * view.row + cell.x;
    if k >= view.neurons || view.seconds == 0.0 {
        return vec4f(0.0, 0.0, 0.0, 1.0);
    }
    let x = clamp(f32(counts[k]) / view.seconds / view.top_rate, 0.0, 1.0);
    // Dark blue through teal to yellow.
    let low = mix(vec3f(0.05, 0.03, 0.25), vec3f(0.1, 0.55, 0.55), clamp(2.0 * x, 0.0, 1.0));
    return vec4f(mix(low, vec3f(0.99, 0.9, 0.15), clamp(2.0 * x - 1.0, 0.0, 1.0)), 1.0);
}
"#;

/// The shader's `View`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct View {
    row: u32,
    neurons: u32,
    seconds: f32,
    top_rate: f32,
    size: [f32; 2],
}

/// Resolves at the browser's next animation frame: the page's frame loop.
async fn next_frame() -> Result<(), JsValue> {
    let frame = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    JsFuture::from(frame).await.map(drop)
}

/// Runs the population on `canvas`, saying how far it is in `status`; resolves to the
/// spike counts at the end.
#[wasm_bindgen]
pub async fn start(canvas: HtmlCanvasElement, status: Element) -> Result<Uint32Array, JsError> {
    let error = |e: &dyn std::fmt::Display| JsError::new(&e.to_string());
    let (width, height) = (canvas.width(), canvas.height());

    // The page's own device, and its canvas.
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let surface = instance
        .create_surface(wgpu::SurfaceTarget::Canvas(canvas))
        .map_err(|e| error(&e))?;
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            compatible_surface: Some(&surface),
            ..Default::default()
        })
        .await
        .map_err(|e| error(&e))?;
    let (device, queue) = adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("page device"),
            required_limits: adapter.limits(),
            ..Default::default()
        })
        .await
        .map_err(|e| error(&e))?;
    let config = surface
        .get_default_config(&adapter, width, height)
        .ok_or_else(|| JsError::new("the canvas cannot be drawn by this adapter"))?;
    surface.configure(&device, &config);

    // gpulif: its kernels and one population, on the page's device.
    let params = LifParams::default();
    let currents = Currents::Sweep {
        i_min: 0.0,
        i_max: 10.0,
        neurons: NEURONS,
    }
    .values()
    .map_err(|e| error(&e))?;
    let pipeline = LifPipeline::try_new_async(&device)
        .await
        .map_err(|e| error(&e))?;
    let desc = PopulationDesc::new(&params, &currents).with_noise(NOISE);
    let population =
        GpuPopulation::from_desc_async(&device, &pipeline, &desc, &PopulationOptions::default())
            .await
            .map_err(|e| error(&e))?;

    // The page's render pipeline, reading gpulif's spike-count buffer.
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("page rates"),
        source: wgpu::ShaderSource::Wgsl(SHADER.into()),
    });
    let render = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("page rates"),
        layout: None,
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("cover"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some("rates"),
            compilation_options: Default::default(),
            targets: &[Some(config.format.into())],
        }),
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        multiview_mask: None,
        cache: None,
    });
    let view = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("page view"),
        size: size_of::<View>() as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bindings = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("page rates"),
        layout: &render.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: population.spike_count_buffer().as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: view.as_entire_binding(),
            },
        ],
    });

    // The frame loop: steps, the picture, and now and then the counts, in one submit.
    let mut stepped = 0;
    let mut frame = 0;
    let mut reading: Option<(Readback, u32)> = None;
    while stepped < STEPS {
        next_frame()
            .await
            .map_err(|_| JsError::new("no animation frame"))?;
        let texture = match surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(texture)
            | wgpu::CurrentSurfaceTexture::Suboptimal(texture) => texture,
            other => return Err(JsError::new(&format!("the canvas: {other:?}"))),
        };
        let steps = STEPS_PER_FRAME.min(STEPS - stepped);
        stepped += steps;
        frame += 1;
        let seconds = (f64::from(stepped) * params.dt) as f32;
        queue.write_buffer(
            &view,
            0,
            bytemuck::bytes_of(&View {
                row: ROW,
                neurons: NEURONS as u32,
                seconds,
                top_rate: 45.0,
                size: [width as f32, height as f32],
            }),
        );
        let mut encoder = device.create_command_encoder(&Default::default());
        population.encode_steps(&mut encoder, steps);
        {
            let target = texture.texture.create_view(&Default::default());
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("page rates"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            pass.set_pipeline(&render);
            pass.set_bind_group(0, &bindings, &[]);
            pass.draw(0..3, 0..1);
        }
        let copy = (reading.is_none() && frame % READ_EVERY == 0)
            .then(|| population.encode_readback(&device, &mut encoder, Readout::Counts));
        queue.submit([encoder.finish()]);
        queue.present(texture);
        if let Some(readback) = copy {
            readback.map();
            reading = Some((readback, stepped));
        }
        // Counts that arrived since the last frame: the page's event loop mapped them.
        if let Some((readback, at)) = &reading
            && let Some(readings) = readback.try_take()
        {
            if let Readings::Counts(counts) = readings.map_err(|e| error(&e))? {
                let spikes: u64 = counts.iter().map(|&c| u64::from(c)).sum();
                let rate = spikes as f64 / NEURONS as f64 / (f64::from(*at) * params.dt);
                status.set_text_content(Some(&format!(
                    "step {stepped} of {STEPS}; at step {at}, a mean rate of {rate:.2} Hz"
                )));
            }
            reading = None;
        }
    }
    let mut encoder = device.create_command_encoder(&Default::default());
    let readback = population.encode_readback(&device, &mut encoder, Readout::Counts);
    queue.submit([encoder.finish()]);
    let Readings::Counts(counts) = readback.wait_async().await.map_err(|e| error(&e))? else {
        return Err(JsError::new("counts expected"));
    };
    let spikes: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    status.set_text_content(Some(&format!(
        "{STEPS} steps of {} neurons in {frame} frames: {spikes} spikes",
        NEURONS
    )));
    Ok(Uint32Array::from(&counts[..]))
}
