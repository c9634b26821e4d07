//! The window: the controls, the curve, a clicked neuron's trace.

#[cfg(feature = "plot")]
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Wake, Waker};

use eframe::egui;
use egui_plot::{Line, LineStyle, Plot, PlotPoints, PlotTransform, Points};
use web_time::{Duration, Instant};

use super::settings::Settings;
use super::simulation::{Engine, Population, Simulation};
use super::{MAX_CPU_NEURONS, MAX_GPU_NEURONS, grouped};
use crate::backend::cpu::Kernel;
use crate::experiment::curve::TuningCurve;
#[cfg(feature = "plot")]
use crate::output::plot::{CurveFigure, MAX_LINE_POINTS, PlotOutput};
#[cfg(feature = "plot")]
use crate::output::{AtomicOutput, Thinned};
use crate::{
    BackendKind, CpuPopulation, CpuStepper, GpuPopulation, Method, PopulationOptions, Run, Trace,
};

/// Where the Save buttons put a finished curve.
pub enum Saving {
    /// Files named from the "Save as" field, written by the command line's writers:
    /// CSV, PNG and SVG figures (a native window).
    #[cfg(feature = "plot")]
    Files,
    /// Downloads handed to the front end: the CSV, and the curve as the window shows
    /// it for PNG (a web page, where there are no files).
    Downloads(Box<dyn FnMut(Download)>),
}

/// A finished curve for the front end to hand to the user.
pub enum Download {
    /// The CSV that `gpulif curve --out NAME` writes for the same curve.
    Csv {
        /// The file name.
        name: String,
        /// Its contents.
        bytes: Vec<u8>,
    },
    /// The tuning curve as the window shows it.
    Png {
        /// The file name.
        name: String,
        /// The plot's pixels.
        image: egui::ColorImage,
    },
}

/// The window's pixels, once a screenshot asked for arrives.
type Shot = std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<egui::ColorImage>>>>;

/// A neuron's trace, shown when its point on the curve is clicked.
pub struct Selected {
    /// The neuron's index in the sweep.
    pub neuron: usize,
    /// The tutorial's sentence for it.
    pub sentence: String,
    /// Its voltage over time: (seconds, v).
    pub voltage: Vec<[f64; 2]>,
    /// The times of its spikes, in seconds.
    pub spikes: Vec<f64>,
}

/// The explorer's window.
pub struct Explorer {
    /// What the controls set.
    pub settings: Settings,
    /// Where the neurons are stepped.
    pub engine: Engine,
    /// The run of the current settings, if they can run.
    pub simulation: Option<Simulation>,
    /// What is wrong with the settings, when they cannot run.
    pub problem: Option<String>,
    /// Runs started so far (each change of a parameter starts one).
    pub runs: u32,
    /// The clicked neuron.
    pub selected: Option<Selected>,
    /// The tuning curve plot's last transform, to place a click.
    pub transform: Option<PlotTransform>,
    /// Where the tuning curve plot was last drawn, in points.
    pub plot_rect: Option<egui::Rect>,
    /// The same with its axes and their labels: what Save PNG saves in a browser.
    pub figure_rect: Option<egui::Rect>,
    /// Where the Save buttons write, without extension.
    pub save_stem: String,
    /// How the Save buttons save.
    pub saving: Saving,
    /// Where the sliders and the Save buttons were last drawn, by label, in points:
    /// for a front end's tests to click them.
    pub placed: Vec<(String, egui::Rect)>,
    /// A PNG asked for, by its file name, until the window's screenshot arrives.
    pending_png: Option<String>,
    shot: Shot,
    /// The last save's outcome.
    pub status: String,
    /// When the last frame began, and the frames' mean duration.
    pub last_frame: Option<Instant>,
    /// The frames' running mean duration.
    pub frame_time: Option<Duration>,
    /// Shows timings (off in snapshot tests, where they would differ run to run).
    pub show_timings: bool,
    /// The device's measured neuron-steps per second.
    pub throughput: Option<f64>,
    /// The stimulus file's text field, taken into the settings when it loses focus.
    pub stimulus_text: String,
    /// Why there is no GPU, said when the neurons run on the CPU.
    pub no_gpu: String,
    /// Where there are no paths to type (a browser), how a stimulus file is chosen:
    /// called with the slot the chosen file's name and content go in; the window takes
    /// them from there in a later frame.
    pub choose_stimulus: Option<Box<dyn FnMut(Chosen)>>,
    chosen: Chosen,
}

/// A file a front end was handed for the explorer, once it has been read: its name and
/// content.
pub type Chosen = std::sync::Arc<std::sync::Mutex<Option<(String, Vec<u8>)>>>;

impl Explorer {
    /// The explorer on `cc`'s renderer: its wgpu device when it has one (and `cpu` is
    /// false), else the CPU; the Save buttons write files. Builds the kernels
    /// blocking: native windows only (in a browser, build them with
    /// [`LifPipeline::try_new_async`](crate::LifPipeline::try_new_async) and call
    /// [`Explorer::with_engine`]).
    #[cfg(all(feature = "plot", not(target_arch = "wasm32")))]
    pub fn new(cc: &eframe::CreationContext<'_>, settings: Settings, cpu: bool) -> Self {
        let engine = match (&cc.wgpu_render_state, cpu) {
            (Some(state), false) => match crate::LifPipeline::try_new(&state.device) {
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
        Self::with_engine(settings, engine, Saving::Files)
    }

    /// The explorer stepping its neurons on `engine` and saving by `saving`; it starts
    /// its first run at once.
    pub fn with_engine(mut settings: Settings, engine: Engine, saving: Saving) -> Self {
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
            plot_rect: None,
            figure_rect: None,
            save_stem: "gpulif-explore".into(),
            saving,
            placed: Vec::new(),
            pending_png: None,
            shot: Shot::default(),
            status: String::new(),
            last_frame: None,
            frame_time: None,
            show_timings: true,
            throughput: None,
            stimulus_text,
            no_gpu: "No GPU renderer".into(),
            choose_stimulus: None,
            chosen: Chosen::default(),
        };
        explorer.restart();
        explorer
    }

    /// The most neurons the engine takes.
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
    pub fn counts(&self) -> Option<(&[u32], u32)> {
        self.simulation
            .as_ref()
            .map(|s| (s.counts.as_slice(), s.counted))
    }

    /// The sentence of the clicked neuron.
    pub fn sentence(&self) -> Option<&str> {
        self.selected.as_ref().map(|s| s.sentence.as_str())
    }

    /// The screen position of neuron `k`'s point on the curve, once the curve is drawn.
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

    /// A run of the settings as they are: its population is built on the engine (on a
    /// GPU, polled from the next frames until the device has accepted it).
    fn start(&mut self) -> crate::Result<Simulation> {
        let run = self.settings.prepare()?;
        let currents = run.currents().range(0..run.len());
        let population = match &self.engine {
            Engine::Gpu {
                device, pipeline, ..
            } => {
                let (device, pipeline) = (device.clone(), pipeline.clone());
                let (run, currents) = (run.clone(), currents.clone());
                Population::Building(Box::pin(async move {
                    let desc = run.desc(0, &currents);
                    let options = PopulationOptions::default();
                    GpuPopulation::from_desc_async(&device, &pipeline, &desc, &options).await
                }))
            }
            Engine::Cpu => Population::Cpu(CpuPopulation::from_desc(
                &run.desc(0, &currents),
                Kernel::detect(),
            )?),
        };
        let mut simulation = Simulation::new(run, currents, population);
        // Natively this finishes it; a browser's next frame polls it again, with a waker.
        simulation.poll_build(Waker::noop())?;
        Ok(simulation)
    }

    /// Follows neuron `k` alone for the whole run on the CPU backend, with its own
    /// noise and Poisson streams and the stimulus (the same drive as in the curve): its
    /// voltage, its spikes, and the tutorial's sentence.
    pub fn select(&mut self, k: usize) -> crate::Result<()> {
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

    /// The finished curve, as the library reports it.
    fn finished_curve(&self) -> Result<(&Simulation, TuningCurve), String> {
        let Some(simulation) = self.simulation.as_ref().filter(|s| s.is_complete()) else {
            return Err("the run is not finished: save when the curve is complete".into());
        };
        let (backend, device) = match &self.engine {
            Engine::Gpu { adapter, .. } => (BackendKind::Gpu, adapter.clone()),
            Engine::Cpu => (BackendKind::Cpu, "CPU".to_string()),
        };
        let curve = TuningCurve::of(
            &simulation.run,
            simulation.currents.clone(),
            simulation.counts.clone(),
            backend,
            device,
            simulation.finished.unwrap_or_default(),
        );
        Ok((simulation, curve))
    }

    /// The finished curve's CSV: the text `gpulif curve --out NAME.csv` writes for the
    /// displayed command.
    pub fn csv(&self) -> Result<Vec<u8>, String> {
        let (_, curve) = self.finished_curve()?;
        let mut bytes = Vec::new();
        crate::output::write_csv(&curve, &mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    }

    /// Writes the finished curve to `path` through the command line's writers: CSV, JSON
    /// or NPY by [`AtomicOutput`], PNG or SVG by [`PlotOutput`]; then renames it into
    /// place at once (the command line holds finished outputs until its run ends, so
    /// that Ctrl-C leaves nothing; a window's run does not end).
    #[cfg(feature = "plot")]
    pub fn save(&self, path: &Path) -> Result<(), String> {
        self.write(path)?;
        crate::output::interrupt::commit_held().map_err(|e| e.to_string())
    }

    /// Writes the finished curve to `path` (see [`Explorer::save`]), held until the
    /// command line's outputs are committed.
    #[cfg(feature = "plot")]
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let (simulation, curve) = self.finished_curve()?;
        let run = &simulation.run;
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
            let write = || -> crate::Result<()> {
                let mut writer = AtomicOutput::create(path)?.curve_writer(run)?;
                writer.write(run.run(), &simulation.currents, &simulation.counts)?;
                writer.finish(&report)
            };
            write().map_err(|e| e.to_string())
        }
    }

    /// The left panel: every parameter's control.
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
                        "{}: simulating on the CPU backend, at most {} neurons",
                        self.no_gpu,
                        grouped(MAX_CPU_NEURONS)
                    ),
                );
            }
        }
        ui.separator();
        let s = &mut self.settings;
        let before = s.clone();
        let mut placed = Vec::new();
        let max = match self.engine {
            Engine::Gpu { .. } => MAX_GPU_NEURONS,
            Engine::Cpu => MAX_CPU_NEURONS,
        };
        slider(
            ui,
            &mut placed,
            "neurons",
            egui::Slider::new(&mut s.neurons, 100..=max).logarithmic(true),
        );
        slider(
            ui,
            &mut placed,
            "i_min",
            egui::Slider::new(&mut s.i_min, -10.0..=50.0),
        );
        slider(
            ui,
            &mut placed,
            "i_max",
            egui::Slider::new(&mut s.i_max, -10.0..=50.0),
        );
        ui.separator();
        slider(
            ui,
            &mut placed,
            "tau_rc (s)",
            egui::Slider::new(&mut s.run.params.tau_rc, 0.001..=2.0).logarithmic(true),
        );
        slider(
            ui,
            &mut placed,
            "tau_ref (s)",
            egui::Slider::new(&mut s.run.params.tau_ref, 0.0..=0.05),
        );
        slider(
            ui,
            &mut placed,
            "v_th",
            egui::Slider::new(&mut s.run.params.v_th, 0.1..=5.0).logarithmic(true),
        );
        slider(
            ui,
            &mut placed,
            "dt (s)",
            egui::Slider::new(&mut s.run.params.dt, 0.00001..=0.01).logarithmic(true),
        );
        slider(
            ui,
            &mut placed,
            "duration (s)",
            egui::Slider::new(&mut s.run.duration, 0.01..=20.0).logarithmic(true),
        );
        ui.horizontal(|ui| {
            ui.label("method");
            ui.radio_value(&mut s.run.method, Method::Euler, "euler");
            ui.radio_value(&mut s.run.method, Method::Exact, "exact");
        });
        ui.separator();
        ui.add_enabled_ui(s.run.method == Method::Euler, |ui| {
            slider(
                ui,
                &mut placed,
                "noise sigma",
                egui::Slider::new(&mut s.run.noise.sigma, 0.0..=2.0),
            );
            slider(
                ui,
                &mut placed,
                "tau_noise (s)",
                egui::Slider::new(&mut s.run.noise.tau, 0.0..=0.1),
            );
            slider(
                ui,
                &mut placed,
                "poisson rate (Hz)",
                egui::Slider::new(&mut s.run.poisson.rate, 0.0..=20_000.0)
                    .logarithmic(true)
                    .smallest_positive(1.0)
                    .fixed_decimals(0),
            );
            slider(
                ui,
                &mut placed,
                "poisson weight",
                egui::Slider::new(&mut s.run.poisson.weight, -0.5..=0.5),
            );
            ui.horizontal(|ui| {
                let label = ui.label("seed");
                ui.add(egui::DragValue::new(&mut s.run.noise.seed))
                    .labelled_by(label.id);
            });
            ui.checkbox(&mut s.run.dt_correction, "analytic: step correction");
            let chosen = self.chosen.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some((name, bytes)) = chosen {
                s.stimulus_file = name;
                s.stimulus_bytes = Some(Arc::new(bytes));
            }
            if let Some(choose) = &mut self.choose_stimulus {
                ui.horizontal(|ui| {
                    ui.label("stimulus file");
                    let button = ui.button("Choose…");
                    placed.push(("Choose stimulus", button.rect));
                    if button.clicked() {
                        choose(self.chosen.clone());
                    }
                    if !s.stimulus_file.is_empty() {
                        ui.label(&s.stimulus_file);
                        let clear = ui.small_button("✖").on_hover_text("no stimulus");
                        placed.push(("Clear stimulus", clear.rect));
                        if clear.clicked() {
                            s.stimulus_file.clear();
                            s.stimulus_bytes = None;
                        }
                    }
                });
            } else {
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
                        s.stimulus_bytes = None;
                    }
                });
            }
        });
        if s.run.method == Method::Exact {
            ui.label("Noise, Poisson input and stimuli need the Euler method.");
            s.run.noise.sigma = 0.0;
            s.run.poisson.rate = 0.0;
            s.stimulus_file.clear();
            s.stimulus_bytes = None;
        }
        self.placed = placed
            .into_iter()
            .map(|(label, rect)| (label.to_owned(), rect))
            .collect();
        if *s != before {
            self.restart();
        }
        if let Some(problem) = &self.problem {
            ui.separator();
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
    }

    /// The run's progress, and its timing once complete.
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
                Some(took) if simulation.frames <= 1 => ui.label(format!(
                    "complete {:.0} ms after the change, in one frame",
                    took.as_secs_f64() * 1e3,
                )),
                Some(took) => ui.label(format!(
                    "complete {:.0} ms after the change, in {} frames of {:.1} ms on average",
                    took.as_secs_f64() * 1e3,
                    simulation.frames,
                    took.as_secs_f64() * 1e3 / f64::from(simulation.frames)
                )),
                None => ui.label("running…"),
            };
        }
    }

    /// The tuning curve beside the analytic one; a click selects a neuron.
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
        let corner = ui.cursor().min;
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
        self.plot_rect = Some(response.response.rect);
        // The plot's frame, widened to the axes drawn left of and below it.
        let below = ui.cursor().min.y - ui.spacing().item_spacing.y;
        self.figure_rect = Some(egui::Rect::from_min_max(
            corner,
            egui::pos2(response.response.rect.right(), below),
        ));
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

    /// The selected neuron's sentence, voltage and spikes.
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

    /// The equivalent `gpulif curve` command and the Save buttons.
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
            let extensions: &[&str] = match self.saving {
                #[cfg(feature = "plot")]
                Saving::Files => &["csv", "png", "svg"],
                Saving::Downloads(_) => &["csv", "png"],
            };
            for &extension in extensions {
                let button = ui.add_enabled(
                    complete,
                    egui::Button::new(format!("Save {}", extension.to_uppercase())),
                );
                let label = format!("Save {}", extension.to_uppercase());
                self.placed.push((label, button.rect));
                if button.clicked() {
                    self.status = self.save_as(ui.ctx(), extension);
                }
            }
            ui.label(&self.status);
        });
    }
}

impl Explorer {
    /// Saves the finished curve as `extension` the way [`Explorer::saving`] says; what
    /// to tell the user.
    fn save_as(&mut self, ctx: &egui::Context, extension: &str) -> String {
        let name = format!("{}.{extension}", self.save_stem);
        match &mut self.saving {
            #[cfg(feature = "plot")]
            Saving::Files => {
                let path = PathBuf::from(&name);
                match self.save(&path) {
                    Ok(()) => format!("wrote {}", path.display()),
                    Err(error) => error,
                }
            }
            Saving::Downloads(_) if extension == "png" => {
                // The plot's pixels come with a later frame's screenshot.
                let (shot, repaint) = (self.shot.clone(), ctx.clone());
                ctx.request_screenshot(move |image| {
                    *shot.lock().unwrap_or_else(|e| e.into_inner()) = Some(image);
                    repaint.request_repaint();
                });
                self.pending_png = Some(name);
                String::new()
            }
            Saving::Downloads(_) => match self.csv() {
                Ok(bytes) => {
                    self.hand(Download::Csv {
                        name: name.clone(),
                        bytes,
                    });
                    format!("downloaded {name}")
                }
                Err(error) => error,
            },
        }
    }

    /// Hands `download` to the front end, where saving is by downloads.
    fn hand(&mut self, download: Download) {
        #[allow(irrefutable_let_patterns)] // the only variant without the `plot` feature
        if let Saving::Downloads(hand) = &mut self.saving {
            hand(download);
        }
    }

    /// Hands a screenshot a Save PNG asked for to the front end, cut to the curve and
    /// its axes.
    fn take_screenshot(&mut self, ctx: &egui::Context) {
        let Some(name) = self.pending_png.clone() else {
            return;
        };
        let shot = self.shot.lock().unwrap_or_else(|e| e.into_inner()).take();
        let (Some(image), Some(rect)) = (shot, self.figure_rect) else {
            return;
        };
        self.pending_png = None;
        let image = image.region(&rect, Some(ctx.pixels_per_point()));
        self.hand(Download::Png {
            name: name.clone(),
            image,
        });
        self.status = format!("downloaded {name}");
    }
}

/// Adds `slider`, labelled `label`, and notes where it was drawn.
fn slider(
    ui: &mut egui::Ui,
    placed: &mut Vec<(&'static str, egui::Rect)>,
    label: &'static str,
    slider: egui::Slider<'_>,
) {
    placed.push((label, ui.add(slider.text(label)).rect));
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
        self.take_screenshot(ui.ctx());
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
            let wake = Waker::from(Arc::new(Repaint(ui.ctx().clone())));
            match simulation.advance(&self.engine, &mut self.throughput, self.frame_time, &wake) {
                Ok(true) => ui.ctx().request_repaint(),
                Ok(false) => {}
                Err(error) => {
                    self.problem = Some(error.to_string());
                    self.simulation = None;
                    ui.ctx().request_repaint();
                }
            }
        }
    }
}

/// Wakes the window: a frame follows when the device has something for it.
struct Repaint(egui::Context);

impl Wake for Repaint {
    fn wake(self: Arc<Self>) {
        self.0.request_repaint();
    }
}
