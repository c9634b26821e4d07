//! The shortest useful gpulif program: a 10,000-neuron tuning curve on a hardware GPU
//! if there is one, else on the CPU (the command line's `--backend auto`), printed as
//! CSV.
//!
//! ```text
//! cargo run --release --example tuning_curve > curve.csv
//! ```

use gpulif::{BackendChoice, Currents, CurveSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = CurveSpec {
        currents: Currents::Sweep {
            i_min: 0.0,
            i_max: 10.0,
            neurons: 10_000,
        },
        ..CurveSpec::default()
    };
    let opened = gpulif::open(&BackendChoice::Auto, None)?;
    if let Some(note) = &opened.note {
        eprintln!("note: {note}");
    }
    let mut stepper = opened.stepper;
    let curve = spec.prepare()?.simulate(stepper.as_mut(), &|_| {})?;
    gpulif::output::write_csv(&curve, &mut std::io::stdout().lock())?;
    Ok(())
}
