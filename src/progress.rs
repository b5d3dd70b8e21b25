//! Progress and notes from the long stages, for whoever runs the pipeline to show (the
//! binary draws bars on a terminal; the library draws nothing).
//!
//! Stages report through [`Progress`]; [`Silent`] ignores everything. Implementations
//! must be cheap and thread-safe: parallel stages call [`Progress::advance`] from worker
//! threads. Nothing reported here ever changes a result.

/// A long stage of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading documents (counted as they are read).
    Reading,
    /// Per-document features: shingles (and, for LSH, signatures) or term vectors.
    Signatures,
    /// Candidate pairs: banding and exact verification, or the exact index walk.
    Candidates,
    /// The second candidate search, among short texts (story measure).
    ShortCandidates,
    /// Clustering the similarity graph and describing the clusters.
    Clusters,
    /// The report's charts: every pair's score, row by row.
    Charts,
    /// Aligning story members with their representative, for the report.
    Diffs,
}

impl Stage {
    /// A short label for display.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Reading => "documents read",
            Stage::Signatures => "features",
            Stage::Candidates => "candidates",
            Stage::ShortCandidates => "short-text candidates",
            Stage::Clusters => "clusters",
            Stage::Charts => "chart rows",
            Stage::Diffs => "diffs",
        }
    }
}

/// Receives progress from the pipeline.
pub trait Progress: Sync {
    /// A stage begins, with its total count when known.
    fn start(&self, _stage: Stage, _total: Option<u64>) {}
    /// `n` more items of the current stage are done.
    fn advance(&self, _n: u64) {}
    /// The current stage is done.
    fn finish(&self) {}
    /// A decision worth telling a user who asked for details (`--verbose`), such as the
    /// candidate engine and the LSH banding chosen.
    fn note(&self, _message: &str) {}
    /// Something a user should know even without `--verbose`: a result that is not what an
    /// exact run would give (shown unless `--quiet`).
    fn warn(&self, _message: &str) {}
}

/// Forwards to another progress, the candidate stage renamed: the second search
/// among short texts reports as [`Stage::ShortCandidates`].
pub struct ShortTexts<'a>(pub &'a dyn Progress);

impl Progress for ShortTexts<'_> {
    fn start(&self, stage: Stage, total: Option<u64>) {
        let stage = match stage {
            Stage::Candidates => Stage::ShortCandidates,
            other => other,
        };
        self.0.start(stage, total);
    }
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }
    fn finish(&self) {
        self.0.finish();
    }
    fn note(&self, message: &str) {
        self.0
            .note(&message.replacen("candidates:", "short-text candidates:", 1));
    }
    fn warn(&self, message: &str) {
        self.0.warn(message);
    }
}

/// Forwards to another progress, each note and warning headed by `prefix`: one of several
/// runs over one collection (`tune`'s thresholds) says which it is.
pub struct Prefixed<'a> {
    /// Where everything goes.
    pub inner: &'a dyn Progress,
    /// What heads each note and warning.
    pub prefix: String,
}

impl Progress for Prefixed<'_> {
    fn start(&self, stage: Stage, total: Option<u64>) {
        self.inner.start(stage, total);
    }
    fn advance(&self, n: u64) {
        self.inner.advance(n);
    }
    fn finish(&self) {
        self.inner.finish();
    }
    fn note(&self, message: &str) {
        self.inner.note(&format!("{}{message}", self.prefix));
    }
    fn warn(&self, message: &str) {
        self.inner.warn(&format!("{}{message}", self.prefix));
    }
}

/// Progress that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// A count for people to read: thousands separated by commas (`232,794,253`). Machine
/// outputs (CSV, JSON) write plain numbers.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn counts_get_thousands_separators() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (50_000, "50,000"),
            (232_794_253, "232,794,253"),
        ];
        for (n, want) in cases {
            assert_eq!(thousands(n), want);
        }
    }
}
