//! Where a command's result goes: stdout, or a file written atomically (a temporary
//! file renamed into place), removed if the run is interrupted.

use std::io::Write;

use storydedup::error::Error;
use storydedup::report::Output;

use crate::bar::message;

/// The temporary output file being written, for the interrupt handler to remove: an
/// interrupted run leaves the old output (or none), and no litter.
static PENDING: std::sync::Mutex<Option<std::path::PathBuf>> = std::sync::Mutex::new(None);

/// Removes a half-written temporary output on Ctrl-C and exits with code 1. Installed once
/// by `main`; a failure to install it only loses the clean-up.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(mut pending) = PENDING.lock()
            && let Some(path) = pending.take()
        {
            let _ = std::fs::remove_file(path);
        }
        message("interrupted");
        std::process::exit(1);
    });
}

pub(crate) fn open_output(path: Option<&std::path::Path>) -> Result<Output, Error> {
    let out = Output::open(path)?;
    if let Ok(mut pending) = PENDING.lock() {
        *pending = out.temp_path().map(std::path::Path::to_path_buf);
    }
    Ok(out)
}

pub(crate) fn finish_output(out: Output) -> Result<(), Error> {
    let result = out.finish();
    if let Ok(mut pending) = PENDING.lock() {
        *pending = None;
    }
    result
}

pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Output {
            path: "<stdout>".into(),
            source,
        })
}
