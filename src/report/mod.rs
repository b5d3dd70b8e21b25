//! Stage 8, report: the models that outputs are rendered from, one module per format, and
//! atomic output files.
//!
//! A model ([`ClusterReport`]) is computed first, then rendered to any `impl Write` by
//! [`table`], [`csv`] or [`json`]; the similarity matrix streams from the candidate engine
//! through [`matrix`]. [`Output`] writes a file atomically: into a temporary file in the
//! same directory, renamed over the target only when rendering succeeded, so a failed or
//! interrupted run never leaves a partial file and never truncates an existing one.

pub use crate::progress::thousands;

pub mod csv;
pub mod html;
pub mod index;
pub mod json;
pub mod matrix;
pub mod table;
pub mod terminal;
pub mod tuning;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::align::Alignment;
use crate::config::{Linkage, Measure, ShingleKind};
use crate::document::Document;
use crate::error::Error;

/// What follows the measure and linkage in a table's header: the date window (story
/// measure) or the shingles (copy measures). The window binds only dated pairs: saying
/// "window 3 days" of an undated collection would claim a check that never ran.
pub(crate) fn window_or_shingles(
    measure: Measure,
    window_days: u32,
    shingle: ShingleKind,
    dated: bool,
) -> String {
    match (measure, window_days, dated) {
        (Measure::Story, 0, _) => ", no date window".to_owned(),
        (Measure::Story, w, false) => format!(", window {w} days (no document dated)"),
        (Measure::Story, w, true) => format!(", window {w} days"),
        _ => format!(", shingles {shingle}"),
    }
}

/// `n` (with thousands separators) and `noun`, plural when `n` is not 1.
pub(crate) fn count(n: usize, noun: &str) -> String {
    let plural = match noun.strip_suffix('y') {
        Some(stem) if n != 1 => format!("{stem}ies"),
        _ if n != 1 => format!("{noun}s"),
        _ => noun.to_owned(),
    };
    format!("{} {plural}", thousands(n as u64))
}

/// The settings a clustering ran with, echoed in outputs so a result explains itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    /// Similarity measure.
    pub measure: Measure,
    /// Clustering threshold.
    pub threshold: f64,
    /// Linkage.
    pub linkage: Linkage,
    /// Shingles (copy measures).
    pub shingle: ShingleKind,
    /// Date window in days (story measure; 0 = off).
    pub window_days: u32,
}

/// One cluster: its members and why they belong together.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryCluster {
    /// 1-based number: by size (descending), then smallest member id.
    pub number: usize,
    /// Member indexes into the corpus, in input order.
    pub members: Vec<usize>,
    /// Per member (same order): its mean similarity to the other members.
    pub attachment: Vec<Option<f64>>,
    /// Lowest pairwise similarity among members (none for a singleton).
    pub min_similarity: Option<f64>,
    /// Mean pairwise similarity among members (none for a singleton).
    pub mean_similarity: Option<f64>,
    /// Salient terms most members share, best first.
    pub shared_terms: Vec<String>,
    /// Groups of near-copies among the members (two or more each), with their originals.
    pub copies: Vec<crate::copies::CopyGroup>,
    /// Per member (same order): the outlets it cites.
    pub cites: Vec<Vec<String>>,
    /// Outlets cited by members, with how many members cite each, most cited first.
    pub cited_sources: Vec<(String, usize)>,
}

/// The story a document would join (`index query`).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The document's id.
    pub id: String,
    /// The story it would join; `None` when it would start one.
    pub story: Option<u64>,
    /// Its mean similarity to the story's members it was clustered with.
    pub similarity: Option<f64>,
    /// Its title.
    pub title: Option<String>,
}

/// What a story index holds (`index stats`).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexStats {
    /// Documents stored.
    pub documents: u64,
    /// Stories.
    pub stories: u64,
    /// Stories of two or more documents.
    pub multi: u64,
    /// Batches added.
    pub batches: u64,
    /// The earliest and latest dates.
    pub dates: Option<(String, String)>,
    /// Bytes on disk (the database and its write-ahead log).
    pub bytes: u64,
    /// The settings fixed when the index was made.
    pub parameters: Parameters,
}

/// What `dedup` made of one input document ([`crate::dedup::decide`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Whether it is kept.
    pub kept: bool,
    /// The document kept in its place (its group's keeper), when it is dropped.
    pub duplicate_of: Option<usize>,
    /// Its cluster (story) number in the clustering.
    pub cluster: usize,
    /// Its mean similarity to the other members of its cluster (none alone).
    pub similarity: Option<f64>,
}

/// Everything the collection page shows, computed before rendering.
#[derive(Debug, Clone)]
pub struct CollectionView<'a> {
    /// The clustering.
    pub clusters: ClusterReport,
    /// Counts of pairwise scores in equal bins over [0, 1] (last bin includes 1).
    pub histogram: Vec<u64>,
    /// The heat map: `size` x `size` cells of levels 0..=63, rows in cluster order; each
    /// cell is the highest score among the pairs it covers.
    pub heatmap: Heatmap,
    /// Per cluster (same order as `clusters.clusters`): its representative and the diff of
    /// every other member against it.
    pub diffs: Vec<(usize, Vec<DiffReport<'a>>)>,
}

/// A downsampled similarity matrix, ordered by cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Cells per side.
    pub size: usize,
    /// Row-major levels 0..=63 (0 = dissimilar, 63 = identical).
    pub cells: Vec<u8>,
}

/// The result of `cluster`: every document in exactly one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterReport {
    /// Number of input documents.
    pub documents: usize,
    /// Clusters in numbering order; singletons included.
    pub clusters: Vec<StoryCluster>,
    /// The settings used.
    pub parameters: Parameters,
}

/// The overall similarity of two documents under each measure.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Similarities {
    /// The story measure (term weights from the collection the documents came from).
    pub story: f64,
    /// Jaccard of word 5-shingles.
    pub jaccard: f64,
    /// Containment of word 5-shingles (the larger direction).
    pub containment: f64,
    /// What lowered the story score (dates, actors, days named).
    pub lowering: crate::score::Lowering,
    /// Sentences of the left and right texts that the story score leaves out as a site's
    /// wall (sign-up, pay and newsletter boxes, copyright notices); the copy measures count
    /// them.
    pub wall_sentences: [usize; 2],
}

impl Similarities {
    /// The line saying what of the texts the story score left out, when it left out
    /// anything.
    pub fn left_out(&self) -> Option<String> {
        let [l, r] = self.wall_sentences;
        let sentences = |n: usize| if n == 1 { "sentence" } else { "sentences" };
        let side = |n: usize, which: &str| format!("{n} {} of the {which}", sentences(n));
        let parts: Vec<String> = [(l, "left"), (r, "right")]
            .into_iter()
            .filter(|&(n, _)| n > 0)
            .map(|(n, which)| side(n, which))
            .collect();
        (!parts.is_empty()).then(|| {
            format!(
                "story score leaves out the site's own sentences (walls, newsletter boxes, \
                 copyright notices): {}",
                parts.join(", ")
            )
        })
    }
}

/// The result of `diff`: two documents, their similarities and their alignment.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffReport<'a> {
    /// The left document.
    pub left: &'a Document,
    /// The right document.
    pub right: &'a Document,
    /// Overall similarities.
    pub similarities: Similarities,
    /// Sentence-by-sentence alignment.
    pub alignment: Alignment,
}

/// Where rendered output goes: stdout, or a file written atomically.
pub enum Output {
    /// Standard output (buffered).
    Stdout(BufWriter<io::Stdout>),
    /// A temporary file that becomes `target` on [`Output::finish`].
    File {
        /// The temporary file, in the target's directory.
        temp: BufWriter<tempfile::NamedTempFile>,
        /// The final path.
        target: PathBuf,
    },
    /// An existing file that is not a regular one (`/dev/null`, a named pipe, a
    /// terminal), written directly: renaming a temporary file over it would replace the
    /// device itself with a regular file.
    Device {
        /// The open file.
        file: BufWriter<fs::File>,
        /// Its path.
        path: PathBuf,
    },
}

/// Whether an output path means standard output: `-`.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

impl Output {
    /// Checks, before any work is done, that `path` can become an output file: its
    /// directory exists and it is not itself a directory.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the problem.
    pub fn check(path: Option<&Path>) -> Result<(), Error> {
        let Some(path) = path.filter(|p| !is_stdout(p)) else {
            return Ok(());
        };
        let shown = path.display().to_string();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "{shown}: output directory {} does not exist",
                dir.display()
            )));
        }
        if path.is_dir() {
            return Err(Error::Usage(format!("{shown}: is a directory")));
        }
        Ok(())
    }

    /// Opens stdout (`None`, or `-` as the shell convention has it) or a temporary file
    /// beside `path`. Open it once the result is computed, so an interrupted computation
    /// leaves nothing behind.
    ///
    /// # Errors
    /// As [`Output::check`]; [`Error::Output`] when the temporary file cannot be created.
    pub fn open(path: Option<&Path>) -> Result<Output, Error> {
        Output::check(path)?;
        let Some(path) = path.filter(|p| !is_stdout(p)) else {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            )));
        };
        let shown = path.display().to_string();
        if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let file = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|source| Error::Output {
                    path: shown,
                    source,
                })?;
            return Ok(Output::Device {
                file: BufWriter::with_capacity(1 << 16, file),
                path: path.to_path_buf(),
            });
        }
        // Write through a symbolic link rather than replace it with a regular file.
        let target = match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
            }
            _ => path.to_path_buf(),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".storydedup-").suffix(".tmp");
        #[cfg(unix)]
        builder.permissions(mode_for(&target));
        let temp = builder.tempfile_in(&dir).map_err(|source| Error::Output {
            path: shown,
            source,
        })?;
        Ok(Output::File {
            temp: BufWriter::with_capacity(1 << 16, temp),
            target,
        })
    }

    /// The temporary file being written, if any: what an interrupt handler should remove.
    pub fn temp_path(&self) -> Option<&Path> {
        match self {
            Output::Stdout(_) | Output::Device { .. } => None,
            Output::File { temp, .. } => Some(temp.get_ref().path()),
        }
    }

    /// The path to name in messages.
    pub fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "<stdout>".to_owned(),
            Output::File { target, .. } => target.display().to_string(),
            Output::Device { path, .. } => path.display().to_string(),
        }
    }

    /// Flushes and, for a file, renames the temporary file over the target.
    ///
    /// # Errors
    /// [`Error::Output`] when flushing or renaming fails.
    pub fn finish(self) -> Result<(), Error> {
        let name = self.name();
        let wrap = |source| Error::Output {
            path: name.clone(),
            source,
        };
        match self {
            Output::Stdout(mut w) => w.flush().map_err(wrap),
            Output::Device { mut file, .. } => file.flush().map_err(wrap),
            Output::File { temp, target } => {
                let temp = temp.into_inner().map_err(|e| wrap(e.into_error()))?;
                temp.as_file().sync_all().map_err(wrap)?;
                temp.persist(&target).map_err(|e| wrap(e.error))?;
                Ok(())
            }
        }
    }
}

/// The mode of a new output file: an existing target's own mode, else that of any new file
/// (0666 less the umask, which the system applies when the file is created). Temporary
/// files are otherwise created private, which would leave the result unreadable to others.
#[cfg(unix)]
fn mode_for(target: &Path) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    match fs::metadata(target) {
        Ok(m) => m.permissions(),
        Err(_) => fs::Permissions::from_mode(0o666),
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File { temp, .. } => temp.write(buf),
            Output::Device { file, .. } => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { temp, .. } => temp.flush(),
            Output::Device { file, .. } => file.flush(),
        }
    }
}

/// Replaces control characters (escape sequences included) with spaces, so document text
/// can never drive the user's terminal.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || crate::normalize::is_invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A message line for the terminal: control and invisible characters in it (which a
/// file name, CSV header or id may carry) are written as `\u{1b}` escapes, so an input
/// can neither drive the terminal nor hide what the message names.
pub fn escape_controls(s: &str) -> String {
    if !s
        .chars()
        .any(|c| c.is_control() || crate::normalize::is_invisible(c))
    {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() || crate::normalize::is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A score with four decimals, as every output shows it.
pub fn fmt_score(x: f64) -> String {
    format!("{x:.4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_output_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        fs::write(&target, "old").unwrap();
        {
            let mut out = Output::open(Some(&target)).unwrap();
            out.write_all(b"new").unwrap();
            // Dropped without finish: the old content stays, the temp file goes.
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut out = Output::open(Some(&target)).unwrap();
        out.write_all(b"new").unwrap();
        out.finish().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn missing_directory_is_a_usage_error() {
        let r = Output::open(Some(Path::new("/nonexistent-dir-xyz/out.csv")));
        assert!(matches!(r, Err(Error::Usage(_))));
    }

    #[test]
    fn printable_strips_escapes() {
        assert_eq!(printable("a\u{1b}[31mb\tc"), "a [31mb c");
    }

    #[test]
    fn messages_escape_controls_and_bidi() {
        assert_eq!(
            escape_controls("h.csv: id,\u{1b}[31mred\u{202e}x"),
            "h.csv: id,\\u{1b}[31mred\\u{202e}x"
        );
        assert_eq!(escape_controls("plain ü 東京"), "plain ü 東京");
    }
}
