//! The `storydedup` binary: parse, run, pick the exit code. Everything else is in the
//! library; see `commands` for how arguments become configs.

mod bar;
mod cli;
mod commands;
mod index_cmd;
mod options;
mod output;

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind as ClapKind;

use storydedup::Error;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ClapKind::DisplayHelp | ClapKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ClapKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let index = std::env::args().skip(1).any(|a| a == "index");
            bar::message(if index {
                "missing an index command: add, query, clusters or stats (see index --help)"
            } else {
                "missing a command: cluster, dedup, matrix, diff, report, eval or index (see --help)"
            });
            return ExitCode::from(2);
        }
        Err(e) => {
            bar::message(&format!("{} (see --help)", one_line(&e.to_string())));
            return ExitCode::from(2);
        }
    };
    grow_heaps_in_large_steps();
    output::install_interrupt_handler();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) means the reader has what it wanted.
        Err(Error::Output { source, .. }) if source.kind() == ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            bar::message(&worded(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

/// An error as the command line says it: the library's typed errors with the flags that
/// set what went wrong named.
fn worded(e: &Error) -> String {
    use storydedup::error::{InputError, SettingError};
    let setting = match e {
        Error::Setting(s) => s,
        Error::Input {
            kind: InputError::MissingText,
            ..
        } => return format!("{e} (--text-field names another)"),
        Error::Input {
            kind: InputError::NoTextColumn(_),
            ..
        } => return format!("{e}; --text-field names another"),
        _ => return e.to_string(),
    };
    match setting {
        SettingError::LshThreshold { min, got } => format!(
            "--candidates lsh needs a threshold of at least {min} (got {got}; -t, or \
             --min-score for matrix): below it nearly every pair is a candidate; use \
             --candidates all-pairs"
        ),
        SettingError::LshContainment => "--candidates lsh is for -m jaccard only: a containment \
             threshold bounds no Jaccard without the documents' sizes, so LSH could miss pairs; \
             use all-pairs (auto does)"
            .into(),
        SettingError::LshStory => "--candidates lsh is for -m jaccard only; the story measure \
             uses index (or all-pairs, the same exact engine)"
            .into(),
        SettingError::IndexCopy(m) => {
            format!("--candidates index is for -m story only; -m {m} uses lsh or all-pairs")
        }
        SettingError::Shingle(s) => {
            format!("--shingle {s:?}: expected word:K or char:K with K from 1 to 64")
        }
        // Only the Python package cuts runs into parts.
        SettingError::SplitCopy { .. } => setting.to_string(),
    }
}

/// glibc grows each thread's heap 128 KiB at a time, one `mprotect` call each time. A run
/// keeps hundreds of megabytes of shingle sets or term vectors, made a few kilobytes at a
/// time on the pool's threads: a copy-level run spent a sixth of its time in those calls.
/// Growing by 64 MiB makes them rare. The pad is address space only: pages are not
/// touched, so resident memory does not grow.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn grow_heaps_in_large_steps() {
    // SAFETY: mallopt only sets a tuning parameter of the allocator, before any thread
    // of ours allocates; a refusal (return value 0) leaves the default, which is fine.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn grow_heaps_in_large_steps() {}

/// clap's message on one line, as the contract wants: without its usage block, its
/// "try --help" hint and its "error:" prefix.
fn one_line(text: &str) -> String {
    let message = text.split("\n\nUsage:").next().unwrap_or(text);
    let message = message
        .split("\n\nFor more information")
        .next()
        .unwrap_or(message);
    let message = message.trim_start_matches("error: ");
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
