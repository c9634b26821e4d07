//! The window driven through AccessKit and pointer events, rendered by wgpu (on
//! lavapipe in CI), its population on the renderer's device.

use std::time::Instant;

use clap::Parser;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use gpulif::{CpuStepper, NeuronParams, PopulationDesc, Run, RunSpec, Stepper, Trace};

use eframe::egui;
use gpulif::explore::{Engine, Explorer, MAX_CPU_NEURONS, Settings};
use std::time::Duration;

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
    let settings = Settings::default();
    Settings {
        neurons: 200,
        run: RunSpec {
            duration: 0.5,
            ..settings.run
        },
        ..settings
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
    // hundred pixels of 1280×800). The folder is named from the package root: a test
    // that runs beside this one may have moved the working directory.
    let options = SnapshotOptions::new()
        .max_failed_pixels(400)
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
    harness.snapshot_options("explore", &options);
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
    assert_eq!(harness.state().settings.run.params.tau_ref, 0.02);
    assert_eq!(harness.state().runs, runs + 1, "a new run started");
    finish(&mut harness);
    let (after, steps) = harness.state().counts().unwrap();
    assert_ne!(after, &before[..], "the curve changed");
    // The curve flattens below 1/tau_ref = 50 Hz: at i_max, the analytic rate with
    // the new tau_ref (24.3 Hz), within one spike of 0.5 s.
    let settings = &harness.state().settings;
    let seconds = f64::from(steps) * settings.run.params.dt;
    let top = f64::from(*after.iter().max().unwrap()) / seconds;
    let expected = gpulif::model::analytic::rate(&settings.run.params, settings.i_max);
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
    let run = Run::new(settings.run.params, settings.run.duration).unwrap();
    let current = settings.i_min + (settings.i_max - settings.i_min) * k as f64 / 199.0;
    let expected = Trace::record(
        &mut CpuStepper::new(),
        &run,
        &PopulationDesc::for_run(&run, &[current], NeuronParams::SHARED),
    )
    .unwrap()
    .sentence(0);
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
    slider_change_to_complete(Settings::default());
}

#[test]
fn a_slider_change_gives_a_complete_curve_of_a_million_neurons() {
    slider_change_to_complete(Settings {
        neurons: 1_000_000,
        ..Settings::default()
    });
}

#[test]
fn a_slider_change_gives_a_complete_noisy_curve_streamed_a_frame_at_a_time() {
    // With noise the run is stepped, not counted from the periods: the frames stream it.
    let mut settings = Settings {
        neurons: 100_000,
        ..Settings::default()
    };
    settings.run.noise.sigma = 1.4;
    slider_change_to_complete(settings);
}

/// Every frame rendered through wgpu, as in a window: the time from a change of tau_ref
/// to the complete curve of `settings`, and the frames it took.
fn slider_change_to_complete(settings: Settings) {
    let (neurons, noise) = (settings.neurons, settings.run.noise.sigma);
    let mut harness = explorer(settings);
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
        "explore, {} neurons × 1,000 steps, noise {noise}, after a slider change: complete in \
         {:.0} ms, {frames} frames of {:.1} ms on average, the longest {:.1} ms",
        gpulif::output::grouped(neurons as u64),
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e3 / f64::from(frames),
        longest.as_secs_f64() * 1e3
    );
    assert_eq!(harness.state().settings.run.params.tau_ref, 0.01);
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
                {
                    let settings = Settings::default();
                    Settings {
                        neurons: 500_000,
                        run: RunSpec {
                            duration: 0.2,
                            ..settings.run
                        },
                        ..settings
                    }
                },
                false,
            )
        });
    assert!(matches!(harness.state().engine, Engine::Cpu));
    assert_eq!(harness.state().settings.neurons, MAX_CPU_NEURONS);
    finish(&mut harness);
    harness.get_by_label_contains("No GPU renderer: simulating on the CPU backend");
    let settings = harness.state().settings.clone();
    let run = Run::new(settings.run.params, settings.run.duration).unwrap();
    let currents =
        gpulif::experiment::curve::sweep(settings.i_min, settings.i_max, settings.neurons).unwrap();
    let expected = CpuStepper::new()
        .simulate(
            &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
            run.steps(),
            &|_| {},
        )
        .unwrap();
    assert_eq!(harness.state().counts().unwrap().0, &expected[..]);
}

#[test]
fn the_saved_csv_equals_the_displayed_command() {
    saved_csv_equals_displayed_command(|settings| {
        settings.run.noise = gpulif::Noise::white(0.5, 7);
    });
}

#[test]
fn a_stimulus_file_and_every_noise_control_reach_the_displayed_command() {
    saved_csv_equals_displayed_command(|settings| {
        settings.run.noise = gpulif::Noise::coloured(0.4, 0.003, 9);
        settings.run.dt_correction = false;
        settings.stimulus_file = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sine.npy").into();
    });
}

#[test]
fn poisson_input_alone_reaches_the_displayed_command_with_its_seed() {
    saved_csv_equals_displayed_command(|settings| {
        settings.run.noise = gpulif::Noise::coloured(0.0, 0.0, 11);
        settings.run.poisson = gpulif::Poisson::new(900.0, 0.04);
    });
}

/// The explorer at `small()` changed by `change` saves the CSV that its displayed
/// command writes.
fn saved_csv_equals_displayed_command(change: impl FnOnce(&mut Settings)) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = small();
    change(&mut settings);
    let mut harness = explorer(settings);
    assert!(
        harness.state().problem.is_none(),
        "{:?}",
        harness.state().problem
    );
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
    super::super::commands::curve::run(args)
        .map_err(|f| f.message)
        .unwrap();
    assert_eq!(saved, std::fs::read(&out).unwrap(), "{command}");
    assert!(String::from_utf8_lossy(&saved).lines().count() == 201);
}
