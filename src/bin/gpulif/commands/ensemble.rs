//! `gpulif ensemble`.

use gpulif::experiment::ensemble::{EnsembleRun, EnsembleSpec};
use gpulif::experiment::trains::{RecordSpec, SpikeTrains};
use gpulif::output::plot::PlotOutput;
use gpulif::output::{EnsembleOutput, SpikesOutput};
use gpulif::{LifParams, Run};

use super::super::args::EnsembleArgs;
use super::super::failure::{Failure, commit};
use super::super::print::{Progress, poisson_input, print_ensemble, print_trains};

pub fn run(args: EnsembleArgs) -> Result<(), Failure> {
    let spec = EnsembleSpec {
        params: LifParams {
            tau_rc: args.tau_rc,
            tau_ref: args.tau_ref,
            v_th: args.v_th,
            dt: args.dt,
        },
        neurons: args.neurons,
        max_rates: args.max_rates,
        intercepts: args.intercepts,
        x_points: args.x_points,
        seed: args.seed,
    };
    let ensemble = spec.build()?;
    let run = Run::new(spec.params, args.duration)?.with_method(args.method.into());
    let noise = gpulif::Noise::coloured(args.sigma, args.noise_tau, args.seed);
    noise.validate_for(run.method())?;
    args.poisson
        .poisson()
        .validate_for(run.method(), run.params())?;
    if let Some(path) = &args.stimulus {
        return ensemble_signal(&args, &ensemble, &run, noise, path);
    }
    args.place.check()?;
    let output = args
        .out
        .as_deref()
        .map(EnsembleOutput::create)
        .transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    let mut stepper = args.place.open(args.quiet)?;
    let steps = (args.duration / args.dt).round() as u64;
    let bar = Progress::new(
        (ensemble.len() * ensemble.x.len()) as u64 * steps,
        args.quiet,
    );
    let how = EnsembleRun {
        duration: args.duration,
        method: args.method.into(),
        noise,
        poisson: args.poisson.poisson(),
        stepwise: args.stepwise,
    };
    let curves = ensemble.simulate(stepper.as_mut(), &how, &|done| bar.inc(done))?;
    bar.finish();
    let mut written = Vec::new();
    if let Some(output) = output {
        output.commit(&ensemble, &curves)?;
        written.push(format!(
            "wrote {} neurons × {} points to {}",
            ensemble.len(),
            ensemble.x.len(),
            output.path().display()
        ));
    }
    if let Some(plot) = plot {
        plot.ensemble(&ensemble, &curves)?;
        written.push(format!(
            "drew the tuning curves in {}",
            plot.path().display()
        ));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        print_ensemble(&ensemble, &curves);
        if noise.is_on() {
            outln!(
                "  noise     sigma {}, tau {} s, seed {} (--seed)",
                noise.sigma,
                noise.tau,
                noise.seed
            );
        }
        let poisson = args.poisson.poisson();
        if poisson.is_on() {
            outln!("  poisson   {}", poisson_input(poisson, args.seed));
        }
    }
    Ok(())
}

/// `gpulif ensemble --stimulus`: the ensemble driven by a signal, its spike trains.
pub fn ensemble_signal(
    args: &EnsembleArgs,
    ensemble: &gpulif::experiment::ensemble::Ensemble,
    run: &Run,
    noise: gpulif::Noise,
    path: &std::path::Path,
) -> Result<(), Failure> {
    let signal = gpulif::experiment::stimulus::read(path, run.steps())?;
    let gains = ensemble.signal_gains();
    let desc = ensemble
        .driven_by(run, &signal, &gains, noise)
        .with_poisson(args.poisson.poisson());
    desc.validate()?;
    RecordSpec::All.indices(ensemble.len())?;
    let spikes = args
        .spikes
        .as_deref()
        .map(SpikesOutput::create)
        .transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    args.place.check()?;
    let mut stepper = args.place.open(args.quiet)?;
    let bar = Progress::new(ensemble.len() as u64 * u64::from(run.steps()), args.quiet);
    let trains =
        SpikeTrains::record_desc(stepper.as_mut(), &desc, run.steps(), &|done| bar.inc(done))?;
    bar.finish();
    let mut written = Vec::new();
    if let Some(spikes) = &spikes {
        spikes.commit(&trains)?;
        written.push(format!(
            "wrote the spike trains of {} neurons to {}",
            ensemble.len(),
            spikes.path().display()
        ));
    }
    if let Some(plot) = plot {
        let title = format!(
            "{} neurons driven by {} ({})",
            ensemble.len(),
            path.file_name()
                .map_or("the signal".into(), |n| n.to_string_lossy()),
            stepper.kind()
        );
        plot.raster(&title, &trains)?;
        written.push(format!("drew the raster in {}", plot.path().display()));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        outln!(
            "{} neurons driven by x(t) from {} for {} s ({} steps) on {}: {}",
            gpulif::output::grouped(ensemble.len() as u64),
            path.display(),
            run.duration(),
            gpulif::output::grouped(u64::from(run.steps())),
            stepper.kind(),
            stepper.device()
        );
        if noise.is_on() {
            outln!("  noise     sigma {}, seed {}", noise.sigma, noise.seed);
        }
        let poisson = args.poisson.poisson();
        if poisson.is_on() {
            outln!("  poisson   {}", poisson_input(poisson, args.seed));
        }
        print_trains(&trains.stats(), "bias");
    }
    Ok(())
}
