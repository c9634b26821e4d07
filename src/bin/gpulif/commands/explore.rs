//! `gpulif explore`.

use super::super::args::ExploreArgs;
#[cfg(feature = "explore")]
use super::super::explore;
use super::super::failure::{Failure, usage};

#[cfg(feature = "explore")]
pub fn run(args: ExploreArgs) -> Result<(), Failure> {
    if !(100..=explore::MAX_GPU_NEURONS).contains(&args.neurons) {
        return Err(usage(format!(
            "--neurons {} is out of range: expected 100 to {}",
            args.neurons,
            explore::MAX_GPU_NEURONS
        )));
    }
    Failure::checked()?;
    let settings = explore::Settings {
        neurons: args.neurons,
        ..explore::Settings::default()
    };
    explore::run(settings, args.cpu).map_err(|message| Failure { message, status: 1 })
}

#[cfg(not(feature = "explore"))]
pub fn run(_: ExploreArgs) -> Result<(), Failure> {
    Err(usage(
        "this gpulif was built without the explorer; build and run it with \
         `cargo run --release --features explore -- explore`",
    ))
}
