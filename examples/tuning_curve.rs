//! The shortest useful gpulif program: a 10,000-neuron tuning curve on a hardware GPU
//! if there is one, else on the CPU, printed as CSV.
//!
//! ```text
//! cargo run --release --example tuning_curve > curve.csv
//! ```

use gpulif::{
    AdapterChoice, CpuStepper, Currents, CurveSpec, GpuContext, GpuStepper, LifParams, Method,
    Stepper,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = CurveSpec {
        params: LifParams::default(),
        duration: 10.0,
        currents: Currents::Sweep {
            i_min: 0.0,
            i_max: 10.0,
            neurons: 10_000,
        },
        method: Method::Euler,
    };
    let mut stepper: Box<dyn Stepper> = match GpuContext::new(&AdapterChoice::Hardware) {
        Ok(context) => Box::new(GpuStepper::new(context)),
        Err(_) => Box::new(CpuStepper::new()),
    };
    let curve = spec.sweep()?.simulate(stepper.as_mut(), &|_| {})?;
    gpulif::output::write_csv(&curve, &mut std::io::stdout().lock())?;
    Ok(())
}
