//! `gpulif trace`.

use gpulif::output::TraceOutput;
use gpulif::output::plot::PlotOutput;
use gpulif::{Run, Trace};

use super::super::args::TraceArgs;
use super::super::failure::{Failure, commit, usage};

pub fn run(args: TraceArgs) -> Result<(), Failure> {
    let params = args.run.neuron.params(args.run.method())?;
    if args.current.is_empty() {
        return Err(usage(
            "--current: give at least one input current, e.g. --current 1.1 (a list or \
             a repeated flag gives one neuron each)",
        ));
    }
    let run = Run::new(params, args.duration)?.with_method(args.run.method());
    args.place.check()?;
    let output = args.out.as_deref().map(TraceOutput::create).transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    gpulif::experiment::trace::check(&run, &args.current)?;
    let spec = args.run.spec(args.duration)?;
    let noise = spec.noise;
    let desc = spec.desc(&args.current);
    desc.validate()?;
    let mut stepper = args.place.open(args.quiet)?;
    let trace = Trace::record(stepper.as_mut(), &run, &desc)?;
    let mut written = Vec::new();
    if let Some(output) = output {
        output.commit(&trace)?;
        written.push(format!(
            "wrote {} steps × {} neurons to {}",
            run.steps(),
            trace.currents().len(),
            output.path().display()
        ));
    }
    if let Some(plot) = plot {
        plot.trace(&trace)?;
        written.push(format!("drew the trace in {}", plot.path().display()));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        if noise.is_on() {
            outln!("noise sigma {}, seed {}", noise.sigma, noise.seed);
        }
        if spec.poisson.is_on() {
            outln!(
                "poisson {}",
                super::super::print::poisson_input(spec.poisson, noise.seed)
            );
        }
        for n in 0..trace.currents().len() {
            outln!("{}", trace.sentence(n));
        }
    }
    Ok(())
}
