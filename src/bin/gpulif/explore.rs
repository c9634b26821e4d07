//! `gpulif explore`: a window in which sliders set the neuron, the currents and the
//! noise, and the tuning curve of up to 10⁶ neurons is simulated between frames on the
//! GPU that draws the window.
//!
//! The population lives on the renderer's own `wgpu::Device` and `Queue` (eframe's
//! `egui_wgpu::RenderState`) and is stepped through gpulif's embedding API:
//! [`GpuPopulation`] records a bounded number of steps and a non-blocking readback of
//! the counts into the frame's encoder, so the window stays responsive and the curve
//! refines as the run proceeds; a change of any parameter starts a new run. This module
//! is part of the `gpulif` binary, a crate apart from the library, so it can reach
//! nothing but the library's public API. Without a GPU renderer it steps a
//! [`CpuPopulation`] instead, with fewer neurons.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;
use egui_plot::{Line, LineStyle, Plot, PlotPoints, PlotTransform, Points};
use gpulif::cpu::Kernel;
use gpulif::curve::{CurveRun, CurveSpec, Thinned, TuningCurve};
use gpulif::output::AtomicOutput;
use gpulif::output::plot::{CurveFigure, MAX_LINE_POINTS, PlotOutput};
use gpulif::{
    BackendKind, CpuPopulation, CpuStepper, Currents, GpuPopulation, LifParams, LifPipeline,
    Method, Noise, PopulationDesc, PopulationOptions, Readback, Readings, Readout, Run, Trace,
};

/// The most neurons on a GPU, and on the CPU backend.
pub const MAX_GPU_NEURONS: usize = 1_000_000;
pub const MAX_CPU_NEURONS: usize = 100_000;
/// Points of the plotted curves: every neuron up to this many, else an even spread.
const PLOTTED: usize = 2000;
/// The work a frame records: about this much of the device's time (or half a frame,
/// when frames take longer), from its throughput measured on the first steps of a run.
const FRAME_BUDGET: Duration = Duration::from_millis(12);
/// The neuron-steps that measure a device's throughput.
const PROBE_WORK: u64 = 1 << 24;
/// Readbacks on their way at most: more frames' steps wait for them.
const MAX_IN_FLIGHT: usize = 3;

/// What the sliders set: the arguments of the equivalent `gpulif curve` command.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub neurons: usize,
    pub i_min: f64,
    pub i_max: f64,
    pub tau_rc: f64,
    pub tau_ref: f64,
    pub v_th: f64,
    pub dt: f64,
    pub duration: f64,
    pub method: Method,
    pub sigma: f64,
    pub noise_tau: f64,
    pub seed: u64,
}

impl Default for Settings {
    /// `gpulif curve`'s defaults, with 10⁵ neurons for 1 s.
    fn default() -> Self {
        let params = LifParams::default();
        Settings {
            neurons: 100_000,
            i_min: 0.0,
            i_max: 10.0,
            tau_rc: params.tau_rc,
            tau_ref: params.tau_ref,
            v_th: params.v_th,
            dt: params.dt,
            duration: 1.0,
            method: Method::Euler,
            sigma: 0.0,
            noise_tau: 0.0,
            seed: 1,
        }
    }
}

impl Settings {
    fn params(&self) -> LifParams {
        LifParams {
            tau_rc: self.tau_rc,
            tau_ref: self.tau_ref,
            v_th: self.v_th,
            dt: self.dt,
        }
    }

    fn noise(&self) -> Noise {
        if self.sigma == 0.0 {
            Noise::NONE
        } else if self.noise_tau == 0.0 {
            Noise::white(self.sigma, self.seed)
        } else {
            Noise::coloured(self.sigma, self.noise_tau, self.seed)
        }
    }

    /// The validated run, with the duration rounded to whole steps.
    fn prepare(&mut self) -> gpulif::Result<CurveRun> {
        if self.dt > 0.0 && self.dt.is_finite() {
            self.duration = (self.duration / self.dt).round().max(1.0) * self.dt;
        }
        let spec = CurveSpec {
            params: self.params(),
            duration: self.duration,
            currents: Currents::Sweep {
                i_min: self.i_min,
                i_max: self.i_max,
                neurons: self.neurons,
            },
            method: self.method,
        };
        spec.prepare()?.with_noise(self.noise(), true)
    }

    /// The `gpulif curve` command that computes the same curve.
    pub fn command(&self) -> String {
        let mut command = format!(
            "gpulif curve --neurons {} --i-min {} --i-max {} --tau-rc {} --tau-ref {} \
             --v-th {} --dt {} --duration {} --method {}",
            self.neurons,
            self.i_min,
            self.i_max,
            self.tau_rc,
            self.tau_ref,
            self.v_th,
            self.dt,
            self.duration,
            self.method
        );
        if self.sigma > 0.0 {
            command += &format!(" --noise {} --seed {}", self.sigma, self.seed);
            if self.noise_tau > 0.0 {
                command += &format!(" --noise-tau {}", self.noise_tau);
            }
        }
        command
    }
}

/// Where the neurons are stepped.
enum Engine {
    /// The renderer's device, through the embedding API.
    Gpu {
        device: wgpu::Device,
        queue: wgpu::Queue,
        pipeline: LifPipeline,
        adapter: String,
    },
    /// The CPU backend, when there is no GPU renderer.
    Cpu,
}

enum Population {
    Gpu(Box<GpuPopulation>),
    Cpu(CpuPopulation),
}

/// One run of the current settings.
struct Simulation {
    run: CurveRun,
    currents: Vec<f64>,
    /// The analytic rate at the plotted neurons.
    analytic: Vec<[f64; 2]>,
    population: Population,
    /// Steps recorded so far, and the steps the counts in hand are at.
    recorded: u32,
    counted: u32,
    counts: Vec<u32>,
    /// Readbacks on their way, oldest first, each with the steps it is at.
    in_flight: std::collections::VecDeque<(Readback, u32)>,
    started: Instant,
    finished: Option<Duration>,
    frames: u32,
}

impl Simulation {
    fn steps(&self) -> u32 {
        self.run.run().steps()
    }

    fn is_complete(&self) -> bool {
        self.counted == self.steps()
    }

    /// The plotted neurons: every one, or [`PLOTTED`] spread evenly.
    fn plotted(neurons: usize) -> impl Iterator<Item = usize> {
        let shown = neurons.min(PLOTTED);
        (0..shown).map(move |k| {
            if shown == 1 {
                0
            } else {
                k * (neurons - 1) / (shown - 1)
            }
        })
    }

    fn rates(&self) -> Vec<[f64; 2]> {
        if self.counted == 0 {
            return Vec::new();
        }
        let seconds = f64::from(self.counted) * self.run.run().params().dt;
        Self::plotted(self.currents.len())
            .map(|k| [self.currents[k], f64::from(self.counts[k]) / seconds])
            .collect()
    }

    /// Records the next steps and takes the counts that came back. The first call of a
    /// run waits for its steps, to measure the device's throughput (`throughput`,
    /// neuron-steps per second, which sizes the next frames' steps); every other call
    /// returns at once.
    fn advance(
        &mut self,
        engine: &Engine,
        throughput: &mut Option<f64>,
        frame_time: Option<Duration>,
    ) -> gpulif::Result<()> {
        let total = self.steps();
        let neurons = self.currents.len() as f64;
        let budget = FRAME_BUDGET.max(frame_time.unwrap_or_default() / 2);
        let chunk_for =
            |rate: f64| (rate * budget.as_secs_f64() / neurons).clamp(1.0, f64::from(total)) as u32;
        match (&mut self.population, engine) {
            (Population::Gpu(population), Engine::Gpu { device, queue, .. }) => {
                // Polling completes readbacks without blocking the frame.
                let _ = device.poll(wgpu::PollType::Poll);
                while let Some((readback, at)) = self.in_flight.front() {
                    let Some(readings) = readback.try_take() else {
                        break;
                    };
                    if let Readings::Counts(counts) = readings? {
                        self.counts = counts;
                        self.counted = *at;
                    }
                    self.in_flight.pop_front();
                }
                if self.in_flight.len() < MAX_IN_FLIGHT && self.recorded < total {
                    // The first steps of each run measure the device's throughput.
                    let probe = self.recorded == 0;
                    let chunk = match *throughput {
                        Some(rate) => chunk_for(rate),
                        None => (PROBE_WORK as f64 / neurons).clamp(1.0, f64::from(total)) as u32,
                    };
                    let steps = chunk.min(total - self.recorded);
                    let sent = Instant::now();
                    let mut encoder = device.create_command_encoder(&Default::default());
                    population.encode_steps(&mut encoder, steps);
                    let readback =
                        population.encode_readback(device, &mut encoder, Readout::Counts);
                    queue.submit([encoder.finish()]);
                    readback.map();
                    if probe {
                        device.poll(wgpu::PollType::wait_indefinitely())?;
                        let rate = f64::from(steps) * neurons / sent.elapsed().as_secs_f64();
                        *throughput = Some(rate);
                    }
                    self.recorded += steps;
                    self.in_flight.push_back((readback, self.recorded));
                }
            }
            (Population::Cpu(population), _) => {
                if self.recorded < total {
                    let steps = match *throughput {
                        Some(rate) => chunk_for(rate),
                        None => (PROBE_WORK as f64 / neurons).clamp(1.0, f64::from(total)) as u32,
                    }
                    .min(total - self.recorded);
                    let sent = Instant::now();
                    population.step(steps);
                    *throughput = Some(f64::from(steps) * neurons / sent.elapsed().as_secs_f64());
                    self.recorded += steps;
                    self.counts = population.counts();
                    self.counted = self.recorded;
                }
            }
            (Population::Gpu(_), Engine::Cpu) => unreachable!("a GPU population needs a device"),
        }
        self.frames += 1;
        if self.is_complete() && self.finished.is_none() {
            self.finished = Some(self.started.elapsed());
        }
        Ok(())
    }
}

/// A neuron's trace, shown when its point on the curve is clicked.
struct Selected {
    neuron: usize,
    sentence: String,
    voltage: Vec<[f64; 2]>,
    spikes: Vec<f64>,
}

/// The explorer's window.
pub struct Explorer {
    pub settings: Settings,
    engine: Engine,
    simulation: Option<Simulation>,
    /// What is wrong with the settings, when they cannot run.
    problem: Option<String>,
    /// Runs started so far (each change of a parameter starts one).
    pub runs: u32,
    selected: Option<Selected>,
    /// The tuning curve plot's last transform, to place a click.
    transform: Option<PlotTransform>,
    /// Where the Save buttons write, without extension.
    pub save_stem: String,
    status: String,
    last_frame: Option<Instant>,
    frame_time: Option<Duration>,
    /// Shows timings (off in snapshot tests, where they would differ run to run).
    pub show_timings: bool,
    /// The device's measured neuron-steps per second.
    throughput: Option<f64>,
}

impl Explorer {
    /// The explorer on `cc`'s renderer: its wgpu device when it has one, else the CPU.
    pub fn new(cc: &eframe::CreationContext<'_>, mut settings: Settings, cpu: bool) -> Self {
        let engine = match (&cc.wgpu_render_state, cpu) {
            (Some(state), false) => match LifPipeline::try_new(&state.device) {
                Ok(pipeline) => Engine::Gpu {
                    device: state.device.clone(),
                    queue: state.queue.clone(),
                    pipeline,
                    adapter: state.adapter.get_info().name,
                },
                Err(_) => Engine::Cpu,
            },
            _ => Engine::Cpu,
        };
        if matches!(engine, Engine::Cpu) {
            settings.neurons = settings.neurons.min(MAX_CPU_NEURONS);
        }
        let mut explorer = Explorer {
            settings,
            engine,
            simulation: None,
            problem: None,
            runs: 0,
            selected: None,
            transform: None,
            save_stem: "gpulif-explore".into(),
            status: String::new(),
            last_frame: None,
            frame_time: None,
            show_timings: true,
            throughput: None,
        };
        explorer.restart();
        explorer
    }

    fn max_neurons(&self) -> usize {
        match self.engine {
            Engine::Gpu { .. } => MAX_GPU_NEURONS,
            Engine::Cpu => MAX_CPU_NEURONS,
        }
    }

    /// True when the current run has every count.
    pub fn is_complete(&self) -> bool {
        self.simulation
            .as_ref()
            .is_some_and(Simulation::is_complete)
    }

    /// The counts in hand and the steps they are at.
    #[cfg_attr(not(test), allow(dead_code))] // read by the UI tests
    pub fn counts(&self) -> Option<(&[u32], u32)> {
        self.simulation
            .as_ref()
            .map(|s| (s.counts.as_slice(), s.counted))
    }

    /// The sentence of the clicked neuron.
    #[cfg_attr(not(test), allow(dead_code))] // read by the UI tests
    pub fn sentence(&self) -> Option<&str> {
        self.selected.as_ref().map(|s| s.sentence.as_str())
    }

    /// The screen position of neuron `k`'s point on the curve, once the curve is drawn.
    #[cfg_attr(not(test), allow(dead_code))] // read by the UI tests
    pub fn point_position(&self, k: usize) -> Option<egui::Pos2> {
        let (simulation, transform) = (self.simulation.as_ref()?, self.transform.as_ref()?);
        let seconds = f64::from(simulation.counted) * simulation.run.run().params().dt;
        let rate = f64::from(simulation.counts[k]) / seconds;
        Some(
            transform.position_from_point(&egui_plot::PlotPoint::new(simulation.currents[k], rate)),
        )
    }

    /// Starts a run of the settings as they are.
    fn restart(&mut self) {
        self.runs += 1;
        self.selected = None;
        self.simulation = None;
        self.problem = None;
        let max = self.max_neurons();
        self.settings.neurons = self.settings.neurons.clamp(1, max);
        match self.start() {
            Ok(simulation) => self.simulation = Some(simulation),
            Err(error) => self.problem = Some(error.to_string()),
        }
    }

    fn start(&mut self) -> gpulif::Result<Simulation> {
        let run = self.settings.prepare()?;
        let currents = run.currents().range(0..run.len());
        let desc = run.desc(0, &currents);
        let population = match &self.engine {
            Engine::Gpu {
                device, pipeline, ..
            } => Population::Gpu(Box::new(GpuPopulation::from_desc(
                device,
                pipeline,
                &desc,
                &PopulationOptions::default(),
            )?)),
            Engine::Cpu => Population::Cpu(CpuPopulation::from_desc(&desc, Kernel::detect())?),
        };
        let analytic = Simulation::plotted(currents.len())
            .map(|k| [currents[k], run.analytic().rate(currents[k])])
            .collect();
        Ok(Simulation {
            counts: vec![0; currents.len()],
            run,
            currents,
            analytic,
            population,
            recorded: 0,
            counted: 0,
            in_flight: Default::default(),
            started: Instant::now(),
            finished: None,
            frames: 0,
        })
    }

    /// Follows neuron `k` alone for the whole run on the CPU backend, with its own
    /// noise stream (the same draws as in the curve): its voltage, its spikes, and the
    /// tutorial's sentence.
    fn select(&mut self, k: usize) -> gpulif::Result<()> {
        let Some(simulation) = &self.simulation else {
            return Ok(());
        };
        let run: Run = *simulation.run.run();
        let current = [simulation.currents[k]];
        let desc = PopulationDesc::for_run(&run, &current, gpulif::NeuronParams::SHARED)
            .with_noise(simulation.run.noise())
            .with_first_index(k as u64);
        let trace = Trace::record_desc(&mut CpuStepper::new(), &run, &desc)?;
        self.selected = Some(Selected {
            neuron: k,
            sentence: trace.sentence(0),
            voltage: trace
                .voltages(0)
                .iter()
                .enumerate()
                .map(|(step, &v)| [trace.time(step as u32), v])
                .collect(),
            spikes: trace
                .spike_steps(0)
                .iter()
                .map(|&step| trace.time(step))
                .collect(),
        });
        Ok(())
    }

    /// Writes the finished curve to `path` through the command line's writers: CSV, JSON
    /// or NPY by [`AtomicOutput`], PNG or SVG by [`PlotOutput`]; then renames it into
    /// place at once (the command line holds finished outputs until its run ends, so
    /// that Ctrl-C leaves nothing; a window's run does not end).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        self.write(path)?;
        gpulif::output::interrupt::commit_held().map_err(|e| e.to_string())
    }

    fn write(&self, path: &Path) -> Result<(), String> {
        let Some(simulation) = self.simulation.as_ref().filter(|s| s.is_complete()) else {
            return Err("the run is not finished: save when the curve is complete".into());
        };
        let run = &simulation.run;
        let (backend, device) = match &self.engine {
            Engine::Gpu { adapter, .. } => (BackendKind::Gpu, adapter.clone()),
            Engine::Cpu => (BackendKind::Cpu, "CPU".to_string()),
        };
        let curve = TuningCurve::against(
            *run.run(),
            *run.analytic(),
            simulation.currents.clone(),
            simulation.counts.clone(),
            backend,
            device,
            simulation.finished.unwrap_or_default(),
        );
        let report = curve.report(0);
        let is_plot = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png") || e.eq_ignore_ascii_case("svg"));
        if is_plot {
            let mut drawn = Thinned::new(run.run(), curve.len(), MAX_LINE_POINTS);
            drawn.add(&simulation.currents, &simulation.counts);
            let plot = PlotOutput::create(path).map_err(|e| e.to_string())?;
            plot.tuning_curve(&CurveFigure {
                report: &report,
                points: drawn.into_points(),
            })
            .map_err(|e| e.to_string())
        } else {
            let write = || -> gpulif::Result<()> {
                let mut writer = AtomicOutput::create(path)?.curve_writer(run)?;
                writer.write(run.run(), &simulation.currents, &simulation.counts)?;
                writer.finish(&report)
            };
            write().map_err(|e| e.to_string())
        }
    }

    fn controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("gpulif explore");
        match &self.engine {
            Engine::Gpu { adapter, .. } => {
                ui.label(format!("GPU: {adapter}"));
            }
            Engine::Cpu => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "No GPU renderer: simulating on the CPU backend, at most {} neurons",
                        grouped(MAX_CPU_NEURONS)
                    ),
                );
            }
        }
        ui.separator();
        let s = &mut self.settings;
        let before = s.clone();
        let max = match self.engine {
            Engine::Gpu { .. } => MAX_GPU_NEURONS,
            Engine::Cpu => MAX_CPU_NEURONS,
        };
        ui.add(
            egui::Slider::new(&mut s.neurons, 100..=max)
                .logarithmic(true)
                .text("neurons"),
        );
        ui.add(egui::Slider::new(&mut s.i_min, -10.0..=50.0).text("i_min"));
        ui.add(egui::Slider::new(&mut s.i_max, -10.0..=50.0).text("i_max"));
        ui.separator();
        ui.add(
            egui::Slider::new(&mut s.tau_rc, 0.001..=2.0)
                .logarithmic(true)
                .text("tau_rc (s)"),
        );
        ui.add(egui::Slider::new(&mut s.tau_ref, 0.0..=0.05).text("tau_ref (s)"));
        ui.add(
            egui::Slider::new(&mut s.v_th, 0.1..=5.0)
                .logarithmic(true)
                .text("v_th"),
        );
        ui.add(
            egui::Slider::new(&mut s.dt, 0.00001..=0.01)
                .logarithmic(true)
                .text("dt (s)"),
        );
        ui.add(
            egui::Slider::new(&mut s.duration, 0.01..=20.0)
                .logarithmic(true)
                .text("duration (s)"),
        );
        ui.horizontal(|ui| {
            ui.label("method");
            ui.radio_value(&mut s.method, Method::Euler, "euler");
            ui.radio_value(&mut s.method, Method::Exact, "exact");
        });
        ui.separator();
        ui.add_enabled_ui(s.method == Method::Euler, |ui| {
            ui.add(egui::Slider::new(&mut s.sigma, 0.0..=2.0).text("noise sigma"));
            ui.add(egui::Slider::new(&mut s.noise_tau, 0.0..=0.1).text("tau_noise (s)"));
            ui.horizontal(|ui| {
                let label = ui.label("seed");
                ui.add(egui::DragValue::new(&mut s.seed))
                    .labelled_by(label.id);
            });
        });
        if s.method == Method::Exact {
            ui.label("Noise needs the Euler method.");
            s.sigma = 0.0;
        }
        if *s != before {
            self.restart();
        }
        if let Some(problem) = &self.problem {
            ui.separator();
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
    }

    fn progress(&self, ui: &mut egui::Ui) {
        let Some(simulation) = &self.simulation else {
            return;
        };
        let text = format!(
            "{} neurons, {} of {} steps",
            grouped(simulation.currents.len()),
            grouped(simulation.counted as usize),
            grouped(simulation.steps() as usize)
        );
        ui.label(text);
        if self.show_timings {
            match simulation.finished {
                Some(took) => ui.label(format!(
                    "complete {:.0} ms after the change, in {} frames of {:.1} ms on average",
                    took.as_secs_f64() * 1e3,
                    simulation.frames,
                    took.as_secs_f64() * 1e3 / f64::from(simulation.frames.max(1))
                )),
                None => ui.label("running…"),
            };
        }
    }

    fn curve(&mut self, ui: &mut egui::Ui, height: f32) {
        let Some(simulation) = &self.simulation else {
            return;
        };
        let rates = simulation.rates();
        let analytic = simulation.analytic.clone();
        let dashed = if simulation.run.noise().is_on() {
            "Siegert rate"
        } else {
            "analytic rate"
        };
        let response = Plot::new("tuning curve")
            .height(height)
            .x_axis_label("input current")
            .y_axis_label("rate (Hz)")
            .legend(egui_plot::Legend::default())
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(
                    Line::new(dashed, PlotPoints::from(analytic))
                        .style(LineStyle::dashed_loose())
                        .color(egui::Color32::GRAY),
                );
                plot.line(Line::new("simulated", PlotPoints::from(rates)).width(2.0));
            });
        self.transform = Some(response.transform);
        if response.response.clicked()
            && let Some(position) = response.response.interact_pointer_pos()
        {
            let x = response.transform.value_from_position(position).x;
            let simulation = self.simulation.as_ref().expect("drawn above");
            let span = simulation.currents.len() - 1;
            let (lo, hi) = (self.settings.i_min, self.settings.i_max);
            let k = if hi > lo && span > 0 {
                (((x - lo) / (hi - lo) * span as f64).round()).clamp(0.0, span as f64) as usize
            } else {
                0
            };
            if let Err(error) = self.select(k) {
                self.status = error.to_string();
            }
        }
    }

    fn trace(&self, ui: &mut egui::Ui) {
        let Some(selected) = &self.selected else {
            ui.label("Click the curve to follow one neuron.");
            return;
        };
        ui.label(format!("neuron {}: {}", selected.neuron, selected.sentence));
        let threshold = self.settings.v_th;
        let spikes: Vec<[f64; 2]> = selected.spikes.iter().map(|&t| [t, threshold]).collect();
        Plot::new("trace")
            .x_axis_label("time (s)")
            .y_axis_label("v")
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new(
                    "voltage",
                    PlotPoints::from(selected.voltage.clone()),
                ));
                plot.points(
                    Points::new("spikes", PlotPoints::from(spikes))
                        .radius(2.5)
                        .color(egui::Color32::RED),
                );
            });
    }

    fn command_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.label("Reproduce:");
            ui.add(egui::Label::new(
                egui::RichText::new(self.settings.command()).monospace(),
            ));
        });
        ui.horizontal(|ui| {
            let label = ui.label("Save as");
            ui.add(egui::TextEdit::singleline(&mut self.save_stem).desired_width(180.0))
                .labelled_by(label.id);
            let complete = self.is_complete();
            for extension in ["csv", "png", "svg"] {
                let button = ui.add_enabled(
                    complete,
                    egui::Button::new(format!("Save {}", extension.to_uppercase())),
                );
                if button.clicked() {
                    let path = PathBuf::from(format!("{}.{extension}", self.save_stem));
                    self.status = match self.save(&path) {
                        Ok(()) => format!("wrote {}", path.display()),
                        Err(error) => error,
                    };
                }
            }
            ui.label(&self.status);
        });
    }
}

impl eframe::App for Explorer {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let now = Instant::now();
        if let Some(last) = self.last_frame {
            let took = now - last;
            self.frame_time = Some(match self.frame_time {
                Some(mean) => mean.mul_f64(0.9) + took.mul_f64(0.1),
                None => took,
            });
        }
        self.last_frame = Some(now);
        egui::Panel::left("settings")
            .resizable(false)
            .default_size(300.0)
            .show(ui, |ui| self.controls(ui));
        egui::Panel::bottom("command").show(ui, |ui| self.command_bar(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            self.progress(ui);
            let height = if self.selected.is_some() {
                ui.available_height() * 0.6
            } else {
                ui.available_height() - 30.0
            };
            self.curve(ui, height);
            self.trace(ui);
        });
        if let Some(simulation) = &mut self.simulation
            && !simulation.is_complete()
        {
            if let Err(error) =
                simulation.advance(&self.engine, &mut self.throughput, self.frame_time)
            {
                self.problem = Some(error.to_string());
                self.simulation = None;
            }
            ui.ctx().request_repaint();
        }
    }
}

/// `n` with thousands separators.
fn grouped(n: usize) -> String {
    gpulif::output::grouped(n as u64)
}

/// Opens the window; returns the one line to print when it cannot.
pub fn run(settings: Settings, cpu: bool) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(
            "gpulif explore needs a display to open its window on, and neither DISPLAY nor \
             WAYLAND_DISPLAY is set"
                .into(),
        );
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("gpulif explore"),
        ..Default::default()
    };
    eframe::run_native(
        "gpulif explore",
        options,
        Box::new(move |cc| Ok(Box::new(Explorer::new(cc, settings, cpu)))),
    )
    .map_err(|error| format!("gpulif explore could not open its window: {error}"))
}

#[cfg(all(test, feature = "explore-tests"))]
mod tests {
    //! The window driven through AccessKit and pointer events, rendered by wgpu (on
    //! lavapipe in CI), its population on the renderer's device.

    use super::*;
    use clap::Parser;
    use egui_kittest::kittest::Queryable;
    use egui_kittest::{Harness, SnapshotOptions};
    use gpulif::Stepper;

    /// A window at `settings`, stepped until its run is complete.
    fn explorer(settings: Settings) -> Harness<'static, Explorer> {
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .wgpu()
            .build_eframe(move |cc| {
                let mut explorer = Explorer::new(cc, settings, false);
                explorer.show_timings = false;
                explorer
            });
        assert!(
            matches!(harness.state().engine, Engine::Gpu { .. }),
            "the explorer runs on the renderer's device"
        );
        finish(&mut harness);
        harness
    }

    fn finish(harness: &mut Harness<'_, Explorer>) {
        for _ in 0..100_000 {
            if harness.state().is_complete() {
                // One more frame draws the complete curve.
                harness.step();
                return;
            }
            harness.step();
        }
        panic!("the run did not complete");
    }

    fn small() -> Settings {
        Settings {
            neurons: 200,
            duration: 0.5,
            ..Settings::default()
        }
    }

    #[test]
    fn the_window_at_fixed_parameters_matches_its_snapshot() {
        let mut harness = explorer(Settings {
            neurons: 2000,
            ..Settings::default()
        });
        // Text and curves are rasterised by the adapter's driver: a small tolerance for
        // anti-aliasing differences between drivers (the default threshold, and a few
        // hundred pixels of 1280×800).
        harness.snapshot_options("explore", &SnapshotOptions::new().max_failed_pixels(400));
    }

    #[test]
    fn moving_a_slider_restarts_the_run_and_changes_the_curve() {
        let mut harness = explorer(small());
        let runs = harness.state().runs;
        let before = harness.state().counts().unwrap().0.to_vec();
        harness
            .get_by_role_and_label(egui::accesskit::Role::Slider, "tau_ref (s)")
            .set_value_accesskit(0.02);
        harness.step();
        assert_eq!(harness.state().settings.tau_ref, 0.02);
        assert_eq!(harness.state().runs, runs + 1, "a new run started");
        finish(&mut harness);
        let (after, steps) = harness.state().counts().unwrap();
        assert_ne!(after, &before[..], "the curve changed");
        // The curve flattens below 1/tau_ref = 50 Hz: at i_max, the analytic rate with
        // the new tau_ref (24.3 Hz), within one spike of 0.5 s.
        let settings = &harness.state().settings;
        let seconds = f64::from(steps) * settings.dt;
        let top = f64::from(*after.iter().max().unwrap()) / seconds;
        let expected = gpulif::analytic::rate(&settings.params(), settings.i_max);
        assert!(
            (top - expected).abs() <= 2.0 && top < 50.0,
            "top rate {top} Hz"
        );
        assert!(
            harness
                .state()
                .settings
                .command()
                .contains("--tau-ref 0.02 "),
            "the command follows the slider"
        );
    }

    #[test]
    fn a_click_on_the_curve_opens_the_neurons_trace_and_sentence() {
        let mut harness = explorer(small());
        let k = 150;
        let position = harness.state().point_position(k).unwrap();
        for pressed in [true, false] {
            harness.event(egui::Event::PointerMoved(position));
            harness.event(egui::Event::PointerButton {
                pos: position,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
            harness.step();
        }
        harness.step();
        // The sentence of the neuron under the click, from a trace of it alone.
        let settings = harness.state().settings.clone();
        let run = Run::new(settings.params(), settings.duration).unwrap();
        let current = settings.i_min + (settings.i_max - settings.i_min) * k as f64 / 199.0;
        let expected = Trace::cpu(&run, &[current]).unwrap().sentence(0);
        assert_eq!(harness.state().sentence(), Some(expected.as_str()));
        harness.get_by_label_contains(&expected);
        // The trace has as many spikes as the curve counted for that neuron.
        let counted = harness.state().counts().unwrap().0[k];
        assert!(
            expected.contains(&format!("produces {counted} spikes")),
            "{expected}"
        );
    }

    #[test]
    fn a_slider_change_gives_a_complete_curve_of_a_hundred_thousand_neurons() {
        // Every frame rendered through wgpu, as in a window: the time from a change of
        // tau_ref to the complete 10⁵-neuron, 1 s curve, and the frames it took.
        let mut harness = explorer(Settings::default());
        harness.set_render_every_step(true);
        harness
            .get_by_role_and_label(egui::accesskit::Role::Slider, "tau_ref (s)")
            .set_value_accesskit(0.01);
        let runs = harness.state().runs;
        let changed = Instant::now();
        let mut frames = 0u32;
        let mut longest = Duration::ZERO;
        while harness.state().runs == runs || !harness.state().is_complete() {
            let frame = Instant::now();
            harness.step();
            longest = longest.max(frame.elapsed());
            frames += 1;
            assert!(frames < 100_000, "the run did not complete");
        }
        let took = changed.elapsed();
        println!(
            "explore, 100,000 neurons × 1,000 steps after a slider change: complete in {:.0} ms, \
             {frames} frames of {:.1} ms on average, the longest {:.1} ms",
            took.as_secs_f64() * 1e3,
            took.as_secs_f64() * 1e3 / f64::from(frames),
            longest.as_secs_f64() * 1e3
        );
        assert_eq!(harness.state().settings.tau_ref, 0.01);
        assert_eq!(harness.state().counts().unwrap().1, 1000);
    }

    #[test]
    fn without_a_gpu_renderer_it_simulates_on_the_cpu_and_says_so() {
        // No wgpu renderer in the harness: no render state for the explorer.
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_eframe(|cc| {
                Explorer::new(
                    cc,
                    Settings {
                        neurons: 500_000,
                        duration: 0.2,
                        ..Settings::default()
                    },
                    false,
                )
            });
        assert!(matches!(harness.state().engine, Engine::Cpu));
        assert_eq!(harness.state().settings.neurons, MAX_CPU_NEURONS);
        finish(&mut harness);
        harness.get_by_label_contains("No GPU renderer: simulating on the CPU backend");
        let settings = harness.state().settings.clone();
        let run = Run::new(settings.params(), settings.duration).unwrap();
        let currents =
            gpulif::curve::sweep(settings.i_min, settings.i_max, settings.neurons).unwrap();
        let expected = CpuStepper::new()
            .spike_counts(&run, &currents, &|_| {})
            .unwrap();
        assert_eq!(harness.state().counts().unwrap().0, &expected[..]);
    }

    #[test]
    fn the_saved_csv_equals_the_displayed_command() {
        let dir = tempfile::tempdir().unwrap();
        let mut harness = explorer(Settings {
            sigma: 0.5,
            seed: 7,
            ..small()
        });
        harness.state_mut().save_stem = dir.path().join("view").display().to_string();
        harness.get_by_label("Save CSV").click();
        harness.step();
        let saved = std::fs::read(dir.path().join("view.csv")).unwrap();

        let command = harness.state().settings.command();
        let out = dir.path().join("shell.csv");
        let arguments = command
            .split_whitespace()
            .map(str::to_owned)
            .chain(["--backend", "cpu", "-q", "--out"].map(str::to_owned))
            .chain([out.display().to_string()]);
        let super::super::Command::Curve(args) = super::super::Cli::try_parse_from(arguments)
            .unwrap()
            .command
        else {
            panic!("{command} is a curve command");
        };
        super::super::curve(args).map_err(|f| f.message).unwrap();
        assert_eq!(saved, std::fs::read(&out).unwrap(), "{command}");
        assert!(String::from_utf8_lossy(&saved).lines().count() == 201);
    }
}
