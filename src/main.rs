//! The `storydedup` binary: parse, run, pick the exit code. Everything else is in the
//! library; see `commands` for how arguments become configs.

mod bar;
mod cli;
mod commands;

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
            commands::message(
                "missing a command: cluster, matrix, diff, report or eval (see --help)",
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            commands::message(&format!("{} (see --help)", one_line(&e.to_string())));
            return ExitCode::from(2);
        }
    };
    commands::install_interrupt_handler();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) means the reader has what it wanted.
        Err(Error::Output { source, .. }) if source.kind() == ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            commands::message(&e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}

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
