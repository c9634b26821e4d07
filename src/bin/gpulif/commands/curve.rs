//! `gpulif curve`.

use gpulif::experiment::trains::{RecordSpec, SpikeTrains};
use gpulif::output::Thinned;
use gpulif::output::plot::{CurveFigure, MAX_LINE_POINTS, PlotOutput};
use gpulif::output::{AtomicOutput, SpikesOutput};
use gpulif::{Currents, CurveSpec, Run};

use super::super::args::CurveArgs;
use super::super::failure::{Failure, commit, usage};
use super::super::print::{Progress, SUMMARY_ROWS, print_summary};

pub fn run(args: CurveArgs) -> Result<(), Failure> {
    let currents = match &args.currents {
        None => Currents::Sweep {
            i_min: args.i_min,
            i_max: args.i_max,
            neurons: args.neurons,
        },
        Some(text) => match text.strip_prefix('@') {
            Some(path) => Currents::List(Currents::read_file(path.as_ref())?),
            None => Currents::List(Currents::parse_list(text)?),
        },
    };
    // The run and the currents are checked before the stimulus file is read.
    Run::new(args.run.neuron.params(args.run.method())?, args.duration)?;
    currents.validate()?;
    let spec = CurveSpec {
        run: args.run.spec(args.duration)?,
        currents,
        stepwise: args.stepwise,
    };
    let mut prepared = spec.prepare()?;
    if let Some((k, n)) = args.shard {
        if !args
            .out
            .as_deref()
            .is_some_and(|p| matches!(gpulif::output::OutputFormat::from_path(p), Ok(f) if f != gpulif::output::OutputFormat::Csv))
        {
            return Err(usage(
                "--shard needs --out with a .npy or .json part, which carries the run's identity \
                 for `gpulif merge`",
            ));
        }
        prepared = prepared.shard(k, n)?;
        if prepared.is_empty() && !args.quiet {
            eprintln!(
                "note: shard {k}/{n} holds none of the {} neurons (shard K takes neurons \
                 ⌊K·N/{n}⌋ up to ⌊(K+1)·N/{n}⌋); its part is written, empty, for `gpulif merge`",
                prepared.currents().len()
            );
        }
    }
    let unchecked = gpulif::model::analytic::unchecked_step(
        prepared.run().params(),
        &prepared.noise(),
        prepared.analytic().dt_correction(),
    );
    if let Some(ratio) = unchecked.filter(|_| !args.quiet) {
        eprintln!(
            "note: dt/tau_rc = {ratio:.4} is above {}, the largest step at which the \
             step-corrected Siegert rate is checked against simulation; the simulated rates \
             may sit a few Hz off the analytic curve (a smaller --dt brings them together)",
            gpulif::model::analytic::CHECKED_DT_RATIO
        );
    }
    let recorded = args
        .record
        .as_deref()
        .map(|spec| RecordSpec::parse(spec)?.indices(prepared.len()))
        .transpose()?;
    let spikes = args
        .spikes
        .as_deref()
        .map(SpikesOutput::create)
        .transpose()?;
    args.place.check()?;
    let output = args.out.as_deref().map(AtomicOutput::create).transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    let mut stepper = args.place.open(args.quiet)?;

    let neurons = prepared.len();
    let path = output.as_ref().map(|o| o.path().to_owned());
    let mut writer = output.map(|o| o.curve_writer(&prepared)).transpose()?;
    let run = *prepared.run();
    let mut drawn = Thinned::new(&run, neurons, MAX_LINE_POINTS);
    let recorded_steps =
        recorded.as_ref().map_or(0, |r| r.len() as u64) * u64::from(prepared.run().steps());
    let bar = Progress::new(prepared.neuron_steps() + recorded_steps, args.quiet);
    let mut report = prepared.stream(
        stepper.as_mut(),
        &|steps| bar.inc(steps),
        SUMMARY_ROWS,
        &mut |currents, counts| {
            if plot.is_some() {
                drawn.add(currents, counts);
            }
            match writer.as_mut() {
                Some(writer) => writer.write(&run, currents, counts),
                None => Ok(()),
            }
        },
    )?;
    let trains = recorded
        .map(|indices| {
            SpikeTrains::record(&prepared, stepper.as_mut(), &indices, &|steps| {
                bar.inc(steps)
            })
        })
        .transpose()?;
    bar.finish();
    if let Some(trains) = &trains {
        report.trains = trains.stats();
    }

    let mut written = Vec::new();
    if let (Some(spikes), Some(trains)) = (&spikes, &trains) {
        spikes.commit(trains)?;
        written.push(format!(
            "wrote the spike trains of {} neurons to {}",
            trains.neurons.len(),
            spikes.path().display()
        ));
    }
    if let (Some(writer), Some(path)) = (writer, path) {
        writer.finish(&report)?;
        written.push(format!("wrote {} neurons to {}", neurons, path.display()));
    }
    if let Some(plot) = plot {
        let figure = CurveFigure {
            report: &report,
            points: drawn.into_points(),
        };
        match &trains {
            Some(trains) => plot.tuning_curve_with_trains(&figure, trains)?,
            None => plot.tuning_curve(&figure)?,
        }
        written.push(format!(
            "drew the tuning curve in {}",
            plot.path().display()
        ));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        print_summary(&report);
    }
    Ok(())
}
