//! The window: the controls, the curve, a clicked neuron's trace.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;
use egui_plot::{Line, LineStyle, Plot, PlotPoints, PlotTransform, Points};
use gpulif::backend::cpu::Kernel;
use gpulif::experiment::curve::TuningCurve;
use gpulif::output::AtomicOutput;
use gpulif::output::Thinned;
use gpulif::output::plot::{CurveFigure, MAX_LINE_POINTS, PlotOutput};
use gpulif::{
    BackendKind, CpuPopulation, CpuStepper, GpuPopulation, LifPipeline, Method, PopulationOptions,
    Run, Trace,
};

use super::settings::Settings;
use super::simulation::{Engine, Population, Simulation};
use super::{MAX_CPU_NEURONS, MAX_GPU_NEURONS, grouped};

/// A neuron's trace, shown when its point on the curve is clicked.
pub struct Selected {
    pub neuron: usize,
    pub sentence: String,
    pub voltage: Vec<[f64; 2]>,
    pub spikes: Vec<f64>,
}

/// The explorer's window.
pub struct Explorer {
    pub settings: Settings,
    pub engine: Engine,
    pub simulation: Option<Simulation>,
    /// What is wrong with the settings, when they cannot run.
    pub problem: Option<String>,
    /// Runs started so far (each change of a parameter starts one).
    pub runs: u32,
    pub selected: Option<Selected>,
    /// The tuning curve plot's last transform, to place a click.
    pub transform: Option<PlotTransform>,
    /// Where the Save buttons write, without extension.
    pub save_stem: String,
    pub status: String,
    pub last_frame: Option<Instant>,
    pub frame_time: Option<Duration>,
    /// Shows timings (off in snapshot tests, where they would differ run to run).
    pub show_timings: bool,
    /// The device's measured neuron-steps per second.
    pub throughput: Option<f64>,
    /// The stimulus file's text field, taken into the settings when it loses focus.
    pub stimulus_text: String,
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
        let stimulus_text = settings.stimulus_file.clone();
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
            stimulus_text,
        };
        explorer.restart();
        explorer
    }

    pub fn max_neurons(&self) -> usize {
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
    pub fn restart(&mut self) {
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

    pub fn start(&mut self) -> gpulif::Result<Simulation> {
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
        let by_period = desc.is_countable();
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
            by_period,
        })
    }

    /// Follows neuron `k` alone for the whole run on the CPU backend, with its own
    /// noise and Poisson streams and the stimulus (the same drive as in the curve): its
    /// voltage, its spikes, and the tutorial's sentence.
    pub fn select(&mut self, k: usize) -> gpulif::Result<()> {
        let Some(simulation) = &self.simulation else {
            return Ok(());
        };
        let run: Run = *simulation.run.run();
        let current = [simulation.currents[k]];
        let desc = simulation.run.desc(k, &current);
        let trace = Trace::record(&mut CpuStepper::new(), &run, &desc)?;
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

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let Some(simulation) = self.simulation.as_ref().filter(|s| s.is_complete()) else {
            return Err("the run is not finished: save when the curve is complete".into());
        };
        let run = &simulation.run;
        let (backend, device) = match &self.engine {
            Engine::Gpu { adapter, .. } => (BackendKind::Gpu, adapter.clone()),
            Engine::Cpu => (BackendKind::Cpu, "CPU".to_string()),
        };
        let curve = TuningCurve::of(
            run,
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

    pub fn controls(&mut self, ui: &mut egui::Ui) {
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
            egui::Slider::new(&mut s.run.params.tau_rc, 0.001..=2.0)
                .logarithmic(true)
                .text("tau_rc (s)"),
        );
        ui.add(egui::Slider::new(&mut s.run.params.tau_ref, 0.0..=0.05).text("tau_ref (s)"));
        ui.add(
            egui::Slider::new(&mut s.run.params.v_th, 0.1..=5.0)
                .logarithmic(true)
                .text("v_th"),
        );
        ui.add(
            egui::Slider::new(&mut s.run.params.dt, 0.00001..=0.01)
                .logarithmic(true)
                .text("dt (s)"),
        );
        ui.add(
            egui::Slider::new(&mut s.run.duration, 0.01..=20.0)
                .logarithmic(true)
                .text("duration (s)"),
        );
        ui.horizontal(|ui| {
            ui.label("method");
            ui.radio_value(&mut s.run.method, Method::Euler, "euler");
            ui.radio_value(&mut s.run.method, Method::Exact, "exact");
        });
        ui.separator();
        ui.add_enabled_ui(s.run.method == Method::Euler, |ui| {
            ui.add(egui::Slider::new(&mut s.run.noise.sigma, 0.0..=2.0).text("noise sigma"));
            ui.add(egui::Slider::new(&mut s.run.noise.tau, 0.0..=0.1).text("tau_noise (s)"));
            ui.add(
                egui::Slider::new(&mut s.run.poisson.rate, 0.0..=20_000.0)
                    .logarithmic(true)
                    .smallest_positive(1.0)
                    .fixed_decimals(0)
                    .text("poisson rate (Hz)"),
            );
            ui.add(egui::Slider::new(&mut s.run.poisson.weight, -0.5..=0.5).text("poisson weight"));
            ui.horizontal(|ui| {
                let label = ui.label("seed");
                ui.add(egui::DragValue::new(&mut s.run.noise.seed))
                    .labelled_by(label.id);
            });
            ui.checkbox(&mut s.run.dt_correction, "analytic: step correction");
            ui.horizontal(|ui| {
                let label = ui.label("stimulus file");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.stimulus_text)
                            .hint_text("none (.npy or text)")
                            .desired_width(140.0),
                    )
                    .labelled_by(label.id);
                if edit.lost_focus() {
                    s.stimulus_file = self.stimulus_text.trim().to_owned();
                }
            });
        });
        if s.run.method == Method::Exact {
            ui.label("Noise, Poisson input and stimuli need the Euler method.");
            s.run.noise.sigma = 0.0;
            s.run.poisson.rate = 0.0;
            s.stimulus_file.clear();
        }
        if *s != before {
            self.restart();
        }
        if let Some(problem) = &self.problem {
            ui.separator();
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
    }

    pub fn progress(&self, ui: &mut egui::Ui) {
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

    pub fn curve(&mut self, ui: &mut egui::Ui, height: f32) {
        let Some(simulation) = &self.simulation else {
            return;
        };
        let rates = simulation.rates();
        let analytic = simulation.analytic.clone();
        let dashed = if simulation.run.poisson().is_on() {
            "diffusion approximation"
        } else if simulation.run.noise().is_on() {
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

    pub fn trace(&self, ui: &mut egui::Ui) {
        let Some(selected) = &self.selected else {
            ui.label("Click the curve to follow one neuron.");
            return;
        };
        ui.label(format!("neuron {}: {}", selected.neuron, selected.sentence));
        let threshold = self.settings.run.params.v_th;
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

    pub fn command_bar(&mut self, ui: &mut egui::Ui) {
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
