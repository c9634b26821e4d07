//! Figures: the tuning curve beside the analytic one, and a trace (voltage and spikes
//! over time above, a spike raster below), as PNG or SVG.
//!
//! Text is set in DejaVu Sans, which ships inside the crate (`assets/fonts`), so that
//! figures render the same on a machine without any system font.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor;

use super::{Destination, grouped};
use crate::error::{Error, Result};
use crate::experiment::curve::CurveReport;
use crate::experiment::ensemble::{Ensemble, EnsembleCurves};
use crate::experiment::trace::Trace;
use crate::experiment::trains::SpikeTrains;
use crate::model::run::Run;

/// The most points one line of a figure is drawn with; longer series are reduced to
/// the minimum and maximum of each of this many buckets, which keeps every peak.
pub const MAX_LINE_POINTS: usize = 4000;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
const WIDTH: u32 = 1000;

/// The figure formats, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotFormat {
    /// `.png`, a bitmap.
    Png,
    /// `.svg`, vector graphics.
    Svg,
}

impl PlotFormat {
    /// The format for `path`'s extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self> {
        match super::extension(path).as_deref() {
            Some("png") => Ok(PlotFormat::Png),
            Some("svg") => Ok(PlotFormat::Svg),
            _ => Err(Error::Plot {
                path: path.to_owned(),
                reason: "unknown extension: expected .png or .svg".into(),
            }),
        }
    }
}

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok())
    {
        Ok(())
    } else {
        Err(Error::io(
            "loading the bundled font",
            std::io::Error::other("DejaVuSans.ttf is not a usable font"),
        ))
    }
}

/// A figure file that appears at its path only when complete. Create it before a long
/// simulation: that checks the extension and that the folder is writable.
#[derive(Clone, Debug)]
pub struct PlotOutput {
    destination: Destination,
    format: PlotFormat,
}

/// A tuning curve to draw: sampled points of the simulated curve and what it was.
#[derive(Clone, Debug)]
pub struct CurveFigure<'a> {
    /// The run, its parameters, and what simulated it.
    pub report: &'a CurveReport,
    /// `(current, rate)` of the neurons drawn (at most about [`MAX_LINE_POINTS`] of
    /// them, evenly spread over the input order).
    pub points: Vec<(f64, f64)>,
}

type DrawResult<T> = std::result::Result<T, String>;

impl PlotOutput {
    /// Prepares to write `path`, whose extension chooses the format.
    pub fn create(path: &Path) -> Result<Self> {
        let format = PlotFormat::from_path(path)?;
        let destination = Destination::new(path, |path, reason| Error::Plot { path, reason })?;
        Ok(PlotOutput {
            destination,
            format,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.destination.path
    }

    /// Draws the tuning curve: the simulated rates as a line, the analytic rate dashed
    /// over the same range, axes "Input current" and "Output rate (Hz)", a legend, and
    /// the parameters in the title.
    pub fn tuning_curve(&self, figure: &CurveFigure<'_>) -> Result<()> {
        self.render(640, Figure::Curve(figure))
    }

    /// [`PlotOutput::tuning_curve`], with the spike raster of the recorded neurons below
    /// it (at most [`RASTER_ROWS`] rows, evenly spread over the recorded neurons).
    pub fn tuning_curve_with_trains(
        &self,
        figure: &CurveFigure<'_>,
        trains: &SpikeTrains,
    ) -> Result<()> {
        let rows = trains.neurons.len().min(RASTER_ROWS) as u32;
        self.render(
            640 + RASTER_CAPTION + 70 + 40 * rows,
            Figure::CurveTrains(figure, trains),
        )
    }

    /// Draws a spike raster of an ensemble's `trains` (each row labelled with the
    /// neuron's bias) under `title`: at most [`RASTER_ROWS`] rows, evenly spread over
    /// the neurons, and a line above them that says how many of the neurons they are.
    pub fn raster(&self, title: &str, trains: &SpikeTrains) -> Result<()> {
        let rows = trains.neurons.len().min(RASTER_ROWS) as u32;
        self.render(
            60 + RASTER_CAPTION + 50 + 40 * rows,
            Figure::Raster(title, trains),
        )
    }

    /// Draws a sample of an ensemble's tuning curves (rate against `x`), as Nengo's
    /// documentation draws them: up to [`ENSEMBLE_CURVES_DRAWN`] neurons.
    pub fn ensemble(&self, ensemble: &Ensemble, curves: &EnsembleCurves) -> Result<()> {
        self.render(640, Figure::Ensemble(ensemble, curves))
    }

    /// Draws a trace: the first neuron's input current, threshold, voltage and spikes
    /// over time (above), and every neuron's spike raster (below).
    pub fn trace(&self, trace: &Trace) -> Result<()> {
        let rows = trace.currents().len() as u32;
        self.render(560 + 70 + 40 * rows, Figure::Trace(trace))
    }

    fn render(&self, height: u32, figure: Figure<'_>) -> Result<()> {
        register_font()?;
        let suffix = match self.format {
            PlotFormat::Png => ".png",
            PlotFormat::Svg => ".svg",
        };
        let file = self.destination.temporary(suffix)?;
        let temp = file.path().to_owned();
        let failed = |reason: String| {
            let context = format!("drawing {}", self.destination.path.display());
            Error::io(context, std::io::Error::other(reason))
        };
        let size = (WIDTH, height);
        match self.format {
            PlotFormat::Png => {
                let root = BitMapBackend::new(&temp, size).into_drawing_area();
                root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
                figure.draw(&root).map_err(failed)?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            PlotFormat::Svg => {
                let root = SVGBackend::new(&temp, size).into_drawing_area();
                root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
                figure.draw(&root).map_err(failed)?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
        }
        self.destination.persist(file)
    }
}

/// What a file shows.
#[derive(Clone, Copy)]
enum Figure<'a> {
    Curve(&'a CurveFigure<'a>),
    CurveTrains(&'a CurveFigure<'a>, &'a SpikeTrains),
    Raster(&'a str, &'a SpikeTrains),
    Trace(&'a Trace),
    Ensemble(&'a Ensemble, &'a EnsembleCurves),
}

impl Figure<'_> {
    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>) -> DrawResult<()> {
        match self {
            Figure::Curve(figure) => draw_curve(root, figure),
            Figure::Raster(title, trains) => {
                let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
                let (header, lower) = root.split_vertically(60);
                let (width, _) = header.dim_in_pixel();
                header
                    .draw(&Text::new(
                        title.to_owned(),
                        (width as i32 / 2, 30),
                        (FAMILY, 20)
                            .into_font()
                            .color(&BLACK)
                            .pos(text_anchor::Pos::new(
                                text_anchor::HPos::Center,
                                text_anchor::VPos::Center,
                            )),
                    ))
                    .map_err(e)?;
                let (caption, lower) = lower.split_vertically(RASTER_CAPTION);
                draw_raster_caption(&caption, trains, "neurons")?;
                draw_raster(&lower, &raster_rows(trains, "bias"), trains.duration)
            }
            Figure::CurveTrains(figure, trains) => {
                let (upper, lower) = root.split_vertically(640);
                draw_curve(&upper, figure)?;
                let (caption, lower) = lower.split_vertically(RASTER_CAPTION);
                draw_raster_caption(&caption, trains, "recorded neurons")?;
                draw_raster(
                    &lower,
                    &raster_rows(trains, "I"),
                    figure.report.run.duration(),
                )
            }
            Figure::Trace(trace) => draw_trace(root, trace),
            Figure::Ensemble(ensemble, curves) => draw_ensemble(root, ensemble, curves),
        }
    }
}

/// Matplotlib's "tab10" colours, which stay distinct and dark enough on white.
const TAB10: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Neurons drawn in an ensemble figure, evenly spread over the ensemble.
pub const ENSEMBLE_CURVES_DRAWN: usize = 40;

fn draw_ensemble<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    ensemble: &Ensemble,
    curves: &EnsembleCurves,
) -> DrawResult<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let neurons = ensemble.len();
    let drawn: Vec<usize> = if neurons <= ENSEMBLE_CURVES_DRAWN {
        (0..neurons).collect()
    } else {
        (0..ENSEMBLE_CURVES_DRAWN)
            .map(|k| k * (neurons - 1) / (ENSEMBLE_CURVES_DRAWN - 1))
            .collect()
    };
    let top = drawn
        .iter()
        .flat_map(|&n| (0..ensemble.x.len()).map(move |k| curves.rate(neurons, n, k)))
        .fold(0.0f32, f32::max);
    let top = if top > 0.0 {
        f64::from(top) * 1.08
    } else {
        1.0
    };
    let title = format!(
        "Ensemble tuning curves: {} of {} neurons, {}, {} s, {} method ({})",
        drawn.len(),
        grouped(neurons as u64),
        describe(&curves.run),
        curves.run.duration(),
        curves.run.method(),
        curves.backend
    );
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 18))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(-1.0..1.0, 0.0..top)
        .map_err(e)?;
    draw_axes(&mut chart, "Input signal x", "Firing rate (Hz)")?;
    for (i, &n) in drawn.iter().enumerate() {
        let color = TAB10[i % TAB10.len()];
        let points = ensemble
            .x
            .iter()
            .enumerate()
            .map(|(k, &x)| (x, f64::from(curves.rate(neurons, n, k))));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(e)?;
    }
    Ok(())
}

/// `points` reduced to at most about `2·buckets` points: the first and last, and the
/// lowest and highest of each bucket in order, so that peaks survive.
pub fn reduce(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * buckets.max(1) {
        return points.to_vec();
    }
    let size = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets + 2);
    for chunk in points.chunks(size) {
        let (mut lo, mut hi) = (0, 0);
        for (k, p) in chunk.iter().enumerate() {
            if p.1 < chunk[lo].1 {
                lo = k;
            }
            if p.1 > chunk[hi].1 {
                hi = k;
            }
        }
        let (a, b) = (lo.min(hi), lo.max(hi));
        out.push(chunk[a]);
        if b != a {
            out.push(chunk[b]);
        }
    }
    out
}

/// A tuning curve of at most this many neurons marks each of them.
pub const MARKED_POINTS: usize = 60;

/// A chart of the figures: both axes in seconds, currents or rates.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Axes in the figures' style: the descriptions, the bundled font, the major grid
/// only, and clean tick labels.
fn draw_axes<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, x: &str, y: &str) -> DrawResult<()> {
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(|e| e.to_string())
}

/// The legend of the labelled series, in a light box at `position`.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
) -> DrawResult<()> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, 15))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(|e| e.to_string())
}

/// An axis label: the value rounded to 10⁻⁶ in its shortest form, so that no label
/// reads `-0.0` or `0.30000000000000004`.
fn tick(value: &f64) -> String {
    let rounded = (value * 1e6).round() / 1e6;
    format!("{}", if rounded == 0.0 { 0.0 } else { rounded })
}

/// "tau_rc 0.2 s, tau_ref 0.002 s, v_th 1, dt 0.001 s".
fn describe(run: &Run) -> String {
    let p = run.params();
    format!(
        "tau_rc {} s, tau_ref {} s, v_th {}, dt {} s",
        p.tau_rc, p.tau_ref, p.v_th, p.dt
    )
}

/// The analytic curve over `[lo, hi]`, dense near the threshold where it rises
/// steeply.
fn analytic_points(report: &CurveReport, lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let p = report.run.params();
    let mut currents: Vec<f64> = (0..=1000)
        .map(|k| lo + (hi - lo) * f64::from(k) / 1000.0)
        .collect();
    currents.extend((1..=400).map(|k| p.v_th * (1.0 + 1e-7 * 1.05f64.powi(k))));
    currents.push(p.v_th);
    currents.retain(|i| (lo..=hi).contains(i));
    currents.sort_by(f64::total_cmp);
    currents
        .into_iter()
        .map(|i| (i, report.analytic.rate(i)))
        .collect()
}

fn draw_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &CurveFigure<'_>,
) -> DrawResult<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let report = figure.report;
    let mut simulated = figure.points.clone();
    simulated.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (lo, hi) = match (simulated.first(), simulated.last()) {
        (Some(first), Some(last)) if last.0 > first.0 => (first.0, last.0),
        (Some(only), _) => (only.0 - 0.5, only.0 + 0.5),
        _ => (0.0, 1.0),
    };
    let analytic = analytic_points(report, lo, hi);
    let top = simulated
        .iter()
        .chain(&analytic)
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let (noise, poisson) = (report.noise, report.poisson);
    let mut drive: Vec<String> = Vec::new();
    match (noise.is_on(), noise.is_coloured()) {
        (false, _) => {}
        (true, false) => drive.push(format!("Noise {} (white)", noise.sigma)),
        (true, true) => drive.push(format!("Noise {} (tau {} s)", noise.sigma, noise.tau)),
    }
    if poisson.is_on() {
        drive.push(format!("Poisson {} Hz × {}", poisson.rate, poisson.weight));
    }
    let title = format!(
        "{}: {}, {} s, {} neurons ({})",
        if drive.is_empty() {
            "LIF tuning curve".to_owned()
        } else {
            drive.join(", ")
        },
        describe(&report.run),
        report.run.duration(),
        grouped(report.summary.neurons as u64),
        report.backend,
    );
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 20))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, 0.0..top)
        .map_err(e)?;
    draw_axes(&mut chart, "Input current", "Output rate (Hz)")?;
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(255, 127, 14);
    let noisy = noise.is_on() || poisson.is_on();
    if noisy {
        // Noisy rates scatter about the analytic curve: joined by a line they make a
        // band that hides it, so each neuron is a dot, and the analytic curve is drawn
        // over them.
        chart
            .draw_series(
                simulated
                    .iter()
                    .map(|&point| Circle::new(point, 2, blue.mix(0.55).filled())),
            )
            .map_err(e)?
            .label("Simulated (one dot a neuron)")
            .legend(move |(x, y)| Circle::new((x + 12, y), 3, blue.filled()));
    } else {
        chart
            .draw_series(LineSeries::new(
                reduce(&simulated, MAX_LINE_POINTS / 2),
                blue.stroke_width(2),
            ))
            .map_err(e)?
            .label("Simulated")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], blue.stroke_width(2)));
    }
    // A curve of a few neurons shows each of them: a bare line between a handful of
    // points hides where the simulated values are.
    if simulated.len() <= MARKED_POINTS && !noisy {
        chart
            .draw_series(
                simulated
                    .iter()
                    .map(|&point| Circle::new(point, 4, blue.filled())),
            )
            .map_err(e)?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            analytic,
            8,
            6,
            orange.stroke_width(2),
        ))
        .map_err(e)?
        .label(analytic_label(report))
        .legend(move |(x, y)| {
            // Dashed, as the curve is.
            EmptyElement::at((x, y))
                + PathElement::new([(0, 0), (9, 0)], orange.stroke_width(2))
                + PathElement::new([(15, 0), (24, 0)], orange.stroke_width(2))
        });
    // Below the curve, which rises from threshold and saturates: the lower right stays
    // empty.
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// The analytic curve's name in a legend, with a warning where the step-corrected
/// Siegert rate is used outside the steps it is checked at
/// ([`crate::model::analytic::CHECKED_DT_RATIO`]).
fn analytic_label(report: &CurveReport) -> String {
    let noise = report.noise;
    match (noise.is_on(), report.analytic.dt_correction()) {
        _ if report.poisson.is_on() => "Diffusion approximation".into(),
        (false, _) => "Analytical".into(),
        (true, true) if !noise.is_coloured() => {
            match crate::model::analytic::unchecked_step(report.run.params(), &noise, true) {
                Some(ratio) => format!(
                    "Siegert, step-corrected (unchecked at dt/tau_rc {})",
                    tick(&ratio)
                ),
                None => "Siegert, step-corrected".into(),
            }
        }
        (true, _) => "Siegert".into(),
    }
}

/// Width of the trace figure's left label area, shared by the voltage chart and the
/// raster so that their time axes line up.
const TRACE_LABEL_AREA: u32 = 130;

fn draw_trace<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, trace: &Trace) -> DrawResult<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let run = trace.run();
    let p = run.params();
    let (upper, lower) = root.split_vertically(560);
    let (header, upper) = upper.split_vertically(64);
    let end = run.duration();
    let current = trace.currents()[0];
    // The input over time: constant, or the current plus the stimulus.
    let input: Vec<(f64, f64)> = match trace.stimulus() {
        None => vec![(0.0, current), (end, current)],
        Some(_) => (0..trace.voltages(0).len() as u32)
            .map(|k| (trace.time(k), trace.input(0, k)))
            .collect(),
    };
    let (input_lo, input_hi) = input
        .iter()
        .fold((current, current), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let voltage: Vec<(f64, f64)> = trace
        .voltages(0)
        .iter()
        .enumerate()
        .map(|(k, &v)| (trace.time(k as u32), v))
        .collect();
    // The data's range, 0 and the threshold always in view.
    let v_min = voltage
        .iter()
        .map(|p| p.1)
        .fold(0.0f64, f64::min)
        .min(input_lo);
    let v_max = voltage
        .iter()
        .map(|p| p.1)
        .fold(p.v_th, f64::max)
        .max(input_hi);
    let span = v_max - v_min;
    let spike_lo = v_max + 0.05 * span;
    let spike_hi = v_max + 0.15 * span;
    let y_top = v_max + 0.2 * span;
    let y_bottom = v_min - 0.04 * span;

    let grey = RGBColor(110, 110, 110);
    let green = RGBColor(44, 160, 44);
    let blue = RGBColor(31, 119, 180);
    let red = RGBColor(214, 39, 40);

    // The title, and the legend in one row beneath it: above the data, never over it.
    let noise = trace.noise();
    let title = format!(
        "LIF neuron, input {current}{}{}{}: {} ({})",
        if trace.stimulus().is_some() {
            " + stimulus"
        } else {
            ""
        },
        if noise.is_on() {
            format!(", noise {}", noise.sigma)
        } else {
            String::new()
        },
        if trace.poisson().is_on() {
            format!(
                ", Poisson {} Hz × {}",
                trace.poisson().rate,
                trace.poisson().weight
            )
        } else {
            String::new()
        },
        describe(run),
        trace.backend()
    );
    let (width, _) = header.dim_in_pixel();
    header
        .draw(&Text::new(
            title,
            (width as i32 / 2, 10),
            (FAMILY, 20)
                .into_font()
                .color(&BLACK)
                .pos(text_anchor::Pos::new(
                    text_anchor::HPos::Center,
                    text_anchor::VPos::Top,
                )),
        ))
        .map_err(e)?;
    let entries: [(&str, Legend); 4] = [
        ("Input current", Legend::Line(grey, false)),
        ("Threshold v_th", Legend::Line(green, true)),
        ("Voltage v", Legend::Line(blue, false)),
        ("Spikes", Legend::Tick(red)),
    ];
    let mut x = TRACE_LABEL_AREA as i32 + 16;
    for (label, sample) in entries {
        let y = 48;
        match sample {
            Legend::Line(colour, dashed) => {
                let segments: &[(i32, i32)] = if dashed {
                    &[(0, 9), (15, 24)]
                } else {
                    &[(0, 24)]
                };
                for &(a, b) in segments {
                    header
                        .draw(&PathElement::new(
                            [(x + a, y), (x + b, y)],
                            colour.stroke_width(2),
                        ))
                        .map_err(e)?;
                }
            }
            Legend::Tick(colour) => {
                header
                    .draw(&PathElement::new(
                        [(x + 12, y - 7), (x + 12, y + 7)],
                        colour.stroke_width(2),
                    ))
                    .map_err(e)?;
            }
        }
        let style = (FAMILY, 15)
            .into_font()
            .color(&BLACK)
            .pos(text_anchor::Pos::new(
                text_anchor::HPos::Left,
                text_anchor::VPos::Center,
            ));
        let (text_width, _) = header.estimate_text_size(label, &style).map_err(e)?;
        header
            .draw(&Text::new(label, (x + 32, y), style))
            .map_err(e)?;
        x += 32 + text_width as i32 + 28;
    }

    let mut chart = ChartBuilder::on(&upper)
        .margin_left(16)
        .margin_right(16)
        .margin_bottom(8)
        .x_label_area_size(45)
        .y_label_area_size(TRACE_LABEL_AREA - 16)
        .build_cartesian_2d(0.0..end, y_bottom..y_top)
        .map_err(e)?;
    draw_axes(&mut chart, "Time (s)", "Voltage, current (model units)")?;
    // The current solid and the threshold dashed over it: where they coincide (an input
    // just above threshold) both stay visible.
    chart
        .draw_series(LineSeries::new(
            reduce(&input, MAX_LINE_POINTS / 2),
            grey.stroke_width(2),
        ))
        .map_err(e)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, p.v_th), (end, p.v_th)],
            9,
            6,
            green.stroke_width(2),
        ))
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            reduce(&voltage, MAX_LINE_POINTS / 2),
            blue.stroke_width(1),
        ))
        .map_err(e)?;
    chart
        .draw_series(trace.spike_steps(0).iter().map(|&k| {
            let t = trace.time(k);
            PathElement::new([(t, spike_lo), (t, spike_hi)], red.stroke_width(2))
        }))
        .map_err(e)?;

    // The raster: one row per current, a tick per spike, each row labelled on its left
    // with its input and its count.
    let rows: Vec<RasterRow> = (0..trace.currents().len())
        .map(|n| RasterRow {
            label: format!("I = {}", trace.currents()[n]),
            note: format!("{} spikes", trace.count(n)),
            times: trace
                .spike_steps(n)
                .iter()
                .map(|&k| trace.time(k))
                .collect(),
        })
        .collect();
    draw_raster(&lower, &rows, end)
}

/// The most rows a curve's raster draws.
pub const RASTER_ROWS: usize = 20;

/// Height of the line above a raster that says which neurons its rows are.
const RASTER_CAPTION: u32 = 34;

/// "Spike trains of the 30 neurons", or, where the rows are a sample, "Spike trains of
/// 20 of the 900 recorded neurons, evenly spread (the file written with --spikes holds
/// them all)".
fn draw_raster_caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    trains: &SpikeTrains,
    what: &str,
) -> DrawResult<()> {
    let total = trains.neurons.len();
    let shown = total.min(RASTER_ROWS);
    let text = if shown < total {
        format!(
            "Spike trains of {shown} of the {} {what}, evenly spread (the file written with \
             --spikes holds them all)",
            grouped(total as u64)
        )
    } else {
        format!("Spike trains of the {} {what}", grouped(total as u64))
    };
    area.draw(&Text::new(
        text,
        (16, RASTER_CAPTION as i32 / 2),
        (FAMILY, 16)
            .into_font()
            .color(&BLACK.mix(0.8))
            .pos(text_anchor::Pos::new(
                text_anchor::HPos::Left,
                text_anchor::VPos::Center,
            )),
    ))
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// The raster rows of recorded neurons: all of them up to [`RASTER_ROWS`], else that
/// many evenly spread.
fn raster_rows(trains: &SpikeTrains, input: &str) -> Vec<RasterRow> {
    crate::experiment::curve::sample_indices(trains.neurons.len(), RASTER_ROWS)
        .into_iter()
        .map(|i| RasterRow {
            label: format!("{input} = {}", compact_number(trains.currents[i])),
            note: format!("#{}: {} spikes", trains.neurons[i], trains.steps[i].len()),
            times: trains.times(i),
        })
        .collect()
}

/// A current in at most 6 significant digits.
fn compact_number(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

/// One row of a spike raster: its label, a note beneath it, and its spike times.
struct RasterRow {
    label: String,
    note: String,
    times: Vec<f64>,
}

/// A spike raster over `[0, end]` seconds: one row per entry, top to bottom, a tick per
/// spike, each row labelled on its left. Shared by traces and recorded curves.
fn draw_raster<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[RasterRow],
    end: f64,
) -> DrawResult<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let red = RGBColor(214, 39, 40);
    let count = rows.len();
    let label = |size| {
        (FAMILY, size)
            .into_font()
            .color(&BLACK)
            .pos(text_anchor::Pos::new(
                text_anchor::HPos::Right,
                text_anchor::VPos::Center,
            ))
    };
    // The label area of the trace figure (its time axis lines up with the voltage's),
    // wider where a label would come within 12 pixels of the figure's edge (long
    // biases): a label ends 10 pixels left of the chart, which starts 16 pixels in.
    let mut widest = 0;
    for row in rows {
        widest = widest
            .max(
                area.estimate_text_size(&row.label, &label(15))
                    .map_err(e)?
                    .0,
            )
            .max(area.estimate_text_size(&row.note, &label(13)).map_err(e)?.0);
    }
    let label_area = (TRACE_LABEL_AREA - 16).max(widest + 6);
    let mut raster = ChartBuilder::on(area)
        .margin_left(16)
        .margin_right(16)
        .margin_bottom(10)
        .x_label_area_size(40)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..end, 0.0..count as f64)
        .map_err(e)?;
    raster
        .configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_label_formatter(&tick)
        .x_desc("Time (s)")
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .draw()
        .map_err(e)?;
    for (n, row) in rows.iter().enumerate() {
        // Row 0 on top; its ticks fill the middle of the row.
        let y = (count - 1 - n) as f64;
        raster
            .draw_series(
                row.times
                    .iter()
                    .map(|&t| PathElement::new([(t, y + 0.2), (t, y + 0.8)], red.stroke_width(1))),
            )
            .map_err(e)?;
        let (left, middle) = raster.backend_coord(&(0.0, y + 0.5));
        let (x0, y0) = area.get_base_pixel();
        let at = |dy: i32| (left - x0 - 10, middle - y0 + dy);
        area.draw(&Text::new(row.label.clone(), at(-8), label(15)))
            .map_err(e)?;
        area.draw(&Text::new(
            row.note.clone(),
            at(10),
            label(13).color(&BLACK.mix(0.7)),
        ))
        .map_err(e)?;
    }
    Ok(())
}

/// A legend entry's sample: a line (solid or dashed) or a spike tick.
#[derive(Clone, Copy)]
enum Legend {
    Line(RGBColor, bool),
    Tick(RGBColor),
}
