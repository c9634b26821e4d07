//! The properties the fuzz targets assert, one function per target, each panicking
//! when a property fails. The ordinary `cargo test` includes this file too
//! (`tests/fuzz_regressions.rs`) and replays the seed corpus and every input the
//! fuzzers found through the same functions.
//!
//! Every reader is given a file's bytes and must answer with what it read or with a
//! typed usage error of one line, never a panic, and must allocate no more than the
//! bytes justify (the fuzz runs set `-malloc_limit_mb`, so one allocation beyond that
//! bound fails the run).

use std::ffi::OsString;
use std::path::Path;

use gpulif::Error;
use gpulif::output::parts::{self, Part};

/// Between two parts of a [`merge`] input.
pub const PART_SEPARATOR: &[u8] = b"\n=part=\n";

/// A refusal: of the kind the reader gives, a usage error, one line.
fn refused(error: &Error, of_kind: bool) {
    assert!(of_kind, "a refusal of the wrong kind: {error:?}");
    assert!(
        error.is_usage(),
        "a refusal that is not a usage error: {error:?}"
    );
    one_line(&error.to_string());
}

fn one_line(message: &str) {
    assert!(
        !message.trim().is_empty() && !message.contains('\n'),
        "a refusal that is not one line: {message:?}"
    );
}

/// A currents file (`gpulif curve --currents @FILE`): one number per line.
pub fn currents(data: &[u8]) {
    match gpulif::Currents::parse_file(Path::new("currents.txt"), data) {
        Ok(values) => {
            // A number takes a byte at least, and every current was validated.
            assert!(!values.is_empty() && values.len() <= data.len());
            gpulif::Currents::List(values)
                .validate()
                .expect("read currents are valid");
        }
        Err(error) => refused(&error, matches!(error, Error::Currents(_))),
    }
}

/// A stimulus file: the first byte's low bit picks NPY or text, the next two the
/// run's steps, the rest is the file.
pub fn stimulus(data: &[u8]) {
    let [format, s0, s1, file @ ..] = data else {
        return;
    };
    let path = Path::new(if format & 1 == 0 {
        "stimulus.npy"
    } else {
        "stimulus.txt"
    });
    let steps = u32::from(u16::from_le_bytes([*s0, *s1])).max(1);
    match gpulif::experiment::stimulus::parse(path, file, steps) {
        Ok(values) => {
            assert_eq!(values.len(), steps as usize, "a signal cut to the run");
            assert!(values.iter().all(|x| x.is_finite()));
            // Four bytes a value at least (NPY float32), one in text ("1\n" is two).
            assert!(values.len() <= file.len());
        }
        Err(error) => refused(&error, matches!(error, Error::Stimulus(_))),
    }
}

/// The part of a sharded curve in `file`, read as NPY or JSON by `format`'s low bit.
fn part_of(format: u8, index: usize, file: &[u8]) -> gpulif::Result<Part> {
    let extension = if format & 1 == 0 { "npy" } else { "json" };
    let part = Part::parse(Path::new(&format!("part-{index}.{extension}")), file)?;
    let (k, n) = part.shard();
    assert!(k < n, "part {k} of {n} accepted");
    // A row is 32 bytes of NPY, or four JSON numbers of a byte and a comma each.
    assert!(part.rows().len() <= file.len() / 8);
    Ok(part)
}

/// One curve part (`gpulif merge`'s reader): the first byte's low bit picks NPY or
/// JSON.
pub fn part(data: &[u8]) {
    let [format, file @ ..] = data else {
        return;
    };
    if let Err(error) = part_of(*format, 0, file) {
        refused(&error, matches!(error, Error::Parts(_)));
    }
}

/// Several parts joined (`gpulif merge`): the first byte's bits pick each part's
/// format, [`PART_SEPARATOR`] separates them.
pub fn merge(data: &[u8]) {
    let [formats, rest @ ..] = data else {
        return;
    };
    let files = split(rest, PART_SEPARATOR);
    let read: gpulif::Result<Vec<Part>> = files
        .iter()
        .enumerate()
        .map(|(k, file)| part_of(formats >> (k % 8), k, file))
        .collect();
    let result = read.and_then(|parts| {
        let neurons: usize = parts.iter().map(|p| p.rows().len()).sum();
        let joined = parts::join(parts)?;
        assert_eq!(joined.rows.len(), neurons, "every row joined, once");
        assert_eq!(joined.run["neurons"].as_u64(), Some(neurons as u64));
        Ok(())
    });
    if let Err(error) = result {
        refused(&error, matches!(error, Error::Parts(_)));
    }
}

fn split<'a>(mut data: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = data.windows(separator.len()).position(|w| w == separator) {
        pieces.push(&data[..at]);
        data = &data[at + separator.len()..];
    }
    pieces.push(data);
    pieces
}

/// A command line: arguments separated by newlines, after `gpulif`, checked by the
/// program's own `check` (`check` returns the message and exit status of a refusal).
/// Arguments with a `/` are skipped, so that file names stay in the working folder.
pub fn cli(data: &[u8], check: impl Fn(&[OsString]) -> Result<(), (String, u8)>) {
    use std::os::unix::ffi::OsStringExt;
    let args = split(data, b"\n");
    if args.len() > 64 || args.iter().any(|a| a.contains(&b'/')) {
        return;
    }
    let argv: Vec<OsString> = std::iter::once(OsString::from("gpulif"))
        .chain(args.iter().map(|a| OsString::from_vec(a.to_vec())))
        .collect();
    if let Err((message, status)) = check(&argv) {
        assert_eq!(status, 2, "{argv:?}: exit status {status} for {message:?}");
        one_line(&message);
    }
}
