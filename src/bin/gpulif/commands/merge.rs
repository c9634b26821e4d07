//! `gpulif merge`.

use gpulif::output::grouped;

use super::super::args::MergeArgs;
use super::super::failure::{Failure, commit};

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    // The parts' reader and join have fuzz targets of their own.
    Failure::checked()?;
    let merged = gpulif::output::parts::merge(&args.parts, &args.out)?;
    commit(
        &[format!(
            "joined {} parts, {} neurons, into {}",
            merged.parts,
            grouped(merged.neurons as u64),
            args.out.display()
        )],
        args.quiet,
    )
}
