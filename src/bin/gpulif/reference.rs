//! The command line's reference, made from its own flag definitions: shell completions
//! (`gpulif completions SHELL`), man pages (`gpulif man`), and the book's Markdown page
//! of every command and flag (`book/src/reference/cli.md`), which a test keeps current
//! with the man pages committed in `docs/man/`.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::args::{CompletionsArgs, ManArgs};
use super::failure::{Failure, usage};

/// Width the help texts are set at in the man pages and the Markdown page.
const WIDTH: usize = 100;

/// The whole command line, built: every subcommand knows its full name.
fn command() -> clap::Command {
    let mut command = super::Cli::command().term_width(WIDTH);
    command.build();
    command
}

/// The subcommands a reference describes: every command but `help`.
fn subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
}

/// `gpulif completions SHELL`: the completion script on standard output.
pub fn completions(args: CompletionsArgs) -> Result<(), Failure> {
    let mut command = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "gpulif", &mut out);
    write_stdout(&out)
}

/// `gpulif man`: the man page of gpulif or of one command on standard output, or every
/// page written into a folder.
pub fn man(args: ManArgs) -> Result<(), Failure> {
    let pages = man_pages()?;
    if let Some(dir) = &args.dir {
        if !dir.is_dir() {
            return Err(usage(format!(
                "--dir {} is out of range: expected an existing folder",
                dir.display()
            )));
        }
        for (name, page) in &pages {
            write_atomically(&dir.join(name), page)?;
        }
        return Ok(());
    }
    let wanted = match &args.command {
        None => "gpulif.1".to_owned(),
        Some(name) => format!("gpulif-{name}.1"),
    };
    match pages.iter().find(|(name, _)| *name == wanted) {
        Some((_, page)) => write_stdout(page),
        None => Err(usage(format!(
            "COMMAND {} is out of range: expected one of {}",
            args.command.as_deref().unwrap_or_default(),
            subcommands(&command())
                .map(|sub| sub.get_name().to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Writes `bytes` to `path` through a temporary file beside it, so that the path holds
/// the old file or the whole new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let context = |error: std::io::Error| {
        Failure::from(anyhow::anyhow!("writing {}: {error}", path.display()))
    };
    let mut file = tempfile::Builder::new()
        .prefix(".gpulif-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(context)?;
    file.write_all(bytes).map_err(context)?;
    file.persist(path).map_err(|error| context(error.error))?;
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`gpulif man | head`) is not an error.
    let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
    Ok(())
}

/// Every man page: `gpulif.1`, and `gpulif-COMMAND.1` for each command.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let command = command();
    let mut pages = Vec::new();
    let mut render = |name: String, command: clap::Command| -> Result<(), Failure> {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|error| Failure::from(anyhow::anyhow!("writing the man page: {error}")))?;
        pages.push((name, page));
        Ok(())
    };
    render("gpulif.1".into(), command.clone())?;
    for sub in subcommands(&command) {
        render(format!("gpulif-{}.1", sub.get_name()), sub.clone())?;
    }
    Ok(pages)
}

/// The book's page of every command and flag: each command's `--help`, as printed.
#[cfg(test)]
fn markdown() -> String {
    let mut command = command();
    let mut page = String::from(
        "# Command-line reference\n\n\
         <!-- Made by gpulif from its own flag definitions (src/bin/gpulif/reference.rs); \
         a test fails when it is stale. Remake it with: \
         GPULIF_UPDATE_REFERENCE=1 cargo test --release --bin gpulif reference -->\n\n\
         Every command and flag, as `gpulif COMMAND --help` prints them. The same text is \
         in the man pages (`gpulif man --dir DIR` writes them; `man gpulif-curve`), and \
         `gpulif completions bash|zsh|fish|elvish|powershell` prints a completion \
         script for the shell.\n\n\
         Every flag that takes a number says its range; a value outside it is refused \
         with a line that names the flag and the range, exit status 2, and no output \
         file.\n\n",
    );
    page += "Commands:\n\n";
    for sub in subcommands(&command) {
        page += &format!(
            "* [`gpulif {}`](#gpulif-{}): {}\n",
            sub.get_name(),
            sub.get_name(),
            sub.get_about()
                .map(|about| about.to_string())
                .unwrap_or_default()
        );
    }
    let help = |command: &mut clap::Command| {
        let text = command.render_long_help().to_string();
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        lines.join("\n").trim_end().to_owned()
    };
    page += &format!("\n## gpulif\n\n```text\n{}\n```\n", help(&mut command));
    let names: Vec<String> = subcommands(&command)
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let sub = command
            .find_subcommand_mut(&name)
            .expect("the subcommand just listed");
        page += &format!("\n## gpulif {name}\n\n```text\n{}\n```\n", help(sub));
    }
    page
}

/// Where the committed copies live, under the crate's root.
#[cfg(test)]
const MARKDOWN_PATH: &str = "book/src/reference/cli.md";
#[cfg(test)]
const MAN_DIR: &str = "docs/man";

/// Writes the committed copies (for `GPULIF_UPDATE_REFERENCE=1`).
#[cfg(test)]
fn write_committed(root: &Path) -> Result<(), Failure> {
    write_atomically(&root.join(MARKDOWN_PATH), markdown().as_bytes())?;
    for (name, page) in man_pages()? {
        write_atomically(&root.join(MAN_DIR).join(name), &page)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The book's reference and the man pages in `docs/man/` are the ones the flags
    /// make now: a flag added or reworded without remaking them fails here.
    #[test]
    fn the_committed_reference_is_current() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("GPULIF_UPDATE_REFERENCE").is_some() {
            assert!(write_committed(root).is_ok(), "writing the reference");
        }
        let stale = "stale: remake it with GPULIF_UPDATE_REFERENCE=1 cargo test --release \
                     --bin gpulif reference";
        let committed = std::fs::read_to_string(root.join(MARKDOWN_PATH)).unwrap_or_default();
        assert!(committed == markdown(), "{MARKDOWN_PATH} is {stale}");
        let Ok(pages) = man_pages() else {
            panic!("rendering the man pages")
        };
        let mut names: Vec<String> = std::fs::read_dir(root.join(MAN_DIR))
            .map(|dir| {
                dir.map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut made: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
        made.sort();
        assert_eq!(
            names, made,
            "{MAN_DIR} holds other pages than the commands: {stale}"
        );
        for (name, page) in pages {
            let committed = std::fs::read(root.join(MAN_DIR).join(&name)).unwrap();
            assert!(committed == page, "{MAN_DIR}/{name} is {stale}");
        }
    }

    #[test]
    fn the_reference_names_every_command_and_flag() {
        let page = markdown();
        for needle in [
            "## gpulif curve",
            "## gpulif merge",
            "## gpulif completions",
            "--neurons <N>",
            "--poisson <RATE:WEIGHT>",
            "--shard <K/N>",
        ] {
            assert!(page.contains(needle), "{needle}");
        }
        assert!(!page.contains("## gpulif help"));
    }

    #[test]
    fn completions_know_the_commands_and_their_flags() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut super::super::Cli::command(), "gpulif", &mut out);
            let script = String::from_utf8(out).unwrap();
            for word in ["curve", "ensemble", "neurons", "noise-tau"] {
                assert!(script.contains(word), "{shell}: {word}");
            }
        }
    }
}
