//! The binary's view of the library's progress: indicatif bars on stderr when it is a
//! terminal (never with `-q`), and `--verbose` notes as plain lines, with each stage's
//! count and time.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use storydedup::progress::{Progress, Stage};
use storydedup::report::escape_controls;

/// Writes one `storydedup: ...` line to stderr, with control characters escaped (the line
/// may name an id, a CSV header or a file name from the input). A closed or full stderr is
/// no reason to fail, let alone panic as `eprintln!` would.
pub fn message(text: &str) {
    let line = format!("storydedup: {}\n", escape_controls(text));
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Progress bars on stderr, and notes when asked for.
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    /// The current stage, when it started, and items done (for `--verbose` timings).
    stage: Mutex<Option<(Stage, Instant)>>,
    done: AtomicU64,
    show: bool,
    verbose: bool,
    quiet: bool,
}

impl Bars {
    /// Bars unless `quiet` or stderr is not a terminal; notes printed when `verbose`.
    pub fn new(quiet: bool, verbose: bool) -> Bars {
        Bars {
            bar: Mutex::new(None),
            stage: Mutex::new(None),
            done: AtomicU64::new(0),
            show: !quiet && std::io::stderr().is_terminal(),
            verbose,
            quiet,
        }
    }

    fn current(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|b| b.clone())
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: Option<u64>) {
        if let Ok(mut s) = self.stage.lock() {
            *s = Some((stage, Instant::now()));
        }
        self.done.store(0, Ordering::Relaxed);
        if !self.show {
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{msg:>15} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>15} {spinner} {pos} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(stage.label());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        if let Ok(mut slot) = self.bar.lock()
            && let Some(old) = slot.replace(bar)
        {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
        if let Some(bar) = self.current() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        let ended = self.stage.lock().ok().and_then(|mut s| s.take());
        if let Some((stage, started)) = ended {
            self.note(&format!(
                "{}: {} in {:.2} s",
                stage.label(),
                storydedup::report::thousands(self.done.load(Ordering::Relaxed)),
                started.elapsed().as_secs_f64()
            ));
        }
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }

    fn note(&self, message: &str) {
        if self.verbose {
            self.say(message);
        }
    }

    fn warn(&self, message: &str) {
        if !self.quiet {
            self.say(&format!("warning: {message}"));
        }
    }
}

impl Bars {
    /// One line on stderr, around the bar if one is drawn.
    fn say(&self, message: &str) {
        match self.current() {
            Some(bar) => bar.suspend(|| self::message(message)),
            None => self::message(message),
        }
    }
}
