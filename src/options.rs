//! Options every command shares, checked one way: field names, threads, the window, the
//! measure, and how warnings are shown.

use storydedup::config::Measure;
use storydedup::error::Error;
use storydedup::ingest;

use crate::bar::message;
use crate::cli::{FieldArgs, MeasureArg};

/// More threads than this only costs memory and start-up time.
const MAX_THREADS: usize = 1024;

/// Warnings printed one by one before the rest are summarised.
const WARNINGS_SHOWN: usize = 5;

/// The record fields the user named, the standard ones elsewhere.
pub(crate) fn field_names(args: &FieldArgs) -> ingest::FieldNames {
    let mut names = ingest::FieldNames::default();
    for (slot, given) in [
        (&mut names.text, &args.text_field),
        (&mut names.id, &args.id_field),
        (&mut names.title, &args.title_field),
        (&mut names.source, &args.source_field),
        (&mut names.date, &args.date_field),
        (&mut names.url, &args.url_field),
    ] {
        if let Some(name) = given {
            name.clone_into(slot);
        }
    }
    names
}

/// Refuses a window longer than a century.
pub(crate) fn check_window(days: u32) -> Result<u32, Error> {
    if days > 36_500 {
        return Err(Error::Usage(format!(
            "--window must be at most 36500 days, got {days}"
        )));
    }
    Ok(days)
}

/// Sets up the thread pool (`None`: one thread per core).
pub(crate) fn set_threads(threads: Option<usize>) -> Result<(), Error> {
    if let Some(threads) = threads {
        if !(1..=MAX_THREADS).contains(&threads) {
            return Err(Error::Usage(format!(
                "--threads must be between 1 and {MAX_THREADS}, got {threads}"
            )));
        }
        // Fails only if a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global();
    }
    Ok(())
}

pub(crate) fn measure(m: MeasureArg) -> Measure {
    match m {
        MeasureArg::Story => Measure::Story,
        MeasureArg::Jaccard => Measure::Jaccard,
        MeasureArg::Containment => Measure::Containment,
    }
}

/// The first few warnings one per line, then one line counting the rest (all with
/// `verbose`, none when `quiet`): thousands of messy documents must not bury the result.
pub(crate) fn print_warning_list(
    warnings: &[storydedup::document::Warning],
    quiet: bool,
    verbose: bool,
) {
    if quiet || warnings.is_empty() {
        return;
    }
    let shown = if verbose {
        warnings.len()
    } else {
        WARNINGS_SHOWN
    };
    for w in warnings.iter().take(shown) {
        message(&format!("warning: {}: {}", w.pos, w.message));
    }
    let rest = warnings.len().saturating_sub(shown);
    if rest > 0 {
        message(&format!(
            "{rest} more warnings ({} in all; --verbose lists them)",
            warnings.len()
        ));
    }
}
