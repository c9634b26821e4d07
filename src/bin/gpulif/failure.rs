//! How a run fails (the exit status each failure earns), how a command line is
//! checked without running it, and how an interrupt leaves the directory as it was.

use std::io::IsTerminal;
use std::time::Instant;

use clap::Parser;
use gpulif::Error;

use super::{Cli, run};

/// A failure and the exit status it earns.
pub struct Failure {
    /// What went wrong, one line without the `error: ` prefix.
    pub message: String,
    /// The exit status: 2 for what the user asked for, 1 for the run itself.
    pub status: u8,
}

thread_local! {
    /// Set while [`check`] runs: each command stops at the point where it would first
    /// open a backend, simulate or write, with [`Failure::checked`].
    static CHECK_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Failure {
    /// The exit status that [`Failure::checked`] carries: no process exits with it.
    const CHECKED: u8 = 0;

    /// Under [`check`], every check passed and the command stops here; otherwise
    /// nothing.
    pub fn checked() -> Result<(), Failure> {
        if CHECK_ONLY.get() {
            Err(Failure {
                message: String::new(),
                status: Failure::CHECKED,
            })
        } else {
            Ok(())
        }
    }
}

/// Parses `argv` (the program's name first) and runs every check its command makes
/// before it opens a backend, simulates or writes anything: the whole validation of a
/// command line, with no effect but the temporary files that an output's check creates
/// and removes. `Ok` when the command would run (or `--help` and `--version` would
/// print); otherwise the failure the command would print and exit with.
///
/// The command-line fuzz target (`fuzz/fuzz_targets/cli.rs`) drives it; the program
/// itself never calls it.
#[allow(dead_code)]
pub fn check(argv: &[std::ffi::OsString]) -> Result<(), Failure> {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(error) if error.exit_code() == 0 => return Ok(()),
        Err(error) => {
            // The program prints clap's whole block (the usage, a hint); its first line
            // is the refusal.
            let rendered = error.to_string();
            let first = rendered.lines().next().unwrap_or_default();
            return Err(Failure {
                message: first.strip_prefix("error: ").unwrap_or(first).to_owned(),
                status: error.exit_code() as u8,
            });
        }
    };
    CHECK_ONLY.set(true);
    let result = run(cli);
    CHECK_ONLY.set(false);
    match result {
        Err(failure) if failure.status == Failure::CHECKED => Ok(()),
        result => result,
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let status = if error.is_usage() { 2 } else { 1 };
        let message = match &error {
            Error::InvalidParameter {
                name,
                value,
                expected,
            } => format!(
                "{} {value} is out of range: expected {expected}",
                flag_for(name)
            ),
            Error::Currents(_) => format!("--currents: {error}"),
            Error::Stimulus(_) => format!("--stimulus: {error}"),
            Error::Output { .. } => format!("--out: {error}"),
            Error::Plot { .. } => format!("--plot: {error}"),
            _ => error.to_string(),
        };
        Failure { message, status }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure {
            message: format!("{error:#}"),
            status: 1,
        }
    }
}

/// The command-line flag of a library parameter: `tau_rc` → `--tau-rc`.
pub fn flag_for(name: &str) -> String {
    format!("--{}", name.replace('_', "-"))
}

pub fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        status: 2,
    }
}

/// Moves every finished output into place at once (until then they wait as temporary
/// files, which an interrupt removes), then says what was written.
pub fn commit(written: &[String], quiet: bool) -> Result<(), Failure> {
    gpulif::output::interrupt::commit()?;
    if !quiet {
        for line in written {
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// Ctrl-C (SIGINT) or SIGTERM at any moment of a run: every temporary file is removed,
/// nothing half-written is left, one line says so, and the exit status is 128 + the
/// signal's number (130, 143), as a shell reports a process the signal ended.
pub fn handle_interrupts() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    gpulif::output::interrupt::hold_commits();
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        // Without a handler the signal ends the process as usual, leaving temporary
        // files; say so rather than fail the run.
        Err(error) => {
            eprintln!(
                "note: cannot handle Ctrl-C ({error}); an interrupted run may leave .gpulif-*.partial files"
            );
            return;
        }
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let committed = gpulif::output::interrupt::discard();
            // Clear a progress bar's line first, where there is one.
            let clear = if std::io::stderr().is_terminal() {
                "\r\x1b[2K"
            } else {
                ""
            };
            let what = if committed {
                "interrupted; its output had already been written"
            } else {
                "interrupted; nothing written"
            };
            eprintln!("{clear}{what}");
            std::process::exit(128 + signal);
        }
    });
}

/// When the process started: the summary's "in all" counts from here (forming the
/// currents, opening the device, writing the outputs, not only simulating).
pub fn started() -> Instant {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}
