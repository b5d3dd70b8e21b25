//! Errors of every stage, and where in the input they happened.
//!
//! Input errors carry a [`Position`] (path and, where one exists, a 1-based line) so the
//! binary can print the one-line `storydedup: <file>:<line>: <problem>` the command-line
//! contract promises. Tests match on the variants, never on the rendered strings.

use std::fmt;
use std::io;

/// Where in the input something happened: a path and, when it applies, a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The path as the user gave it (or `<stdin>`).
    pub path: String,
    /// 1-based line number, when the problem belongs to one line.
    pub line: Option<u64>,
}

impl Position {
    /// A position naming a whole file.
    pub fn file(path: impl Into<String>) -> Position {
        Position {
            path: path.into(),
            line: None,
        }
    }

    /// A position naming one line of a file.
    pub fn line(path: impl Into<String>, line: u64) -> Position {
        Position {
            path: path.into(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path, line),
            None => write!(f, "{}", self.path),
        }
    }
}

/// What is wrong with an input.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The path does not exist.
    #[error("no such file or directory")]
    NotFound,
    /// The file or directory could not be read.
    #[error("cannot read: {0}")]
    Read(io::Error),
    /// A JSONL line that does not parse as JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A JSONL line that is JSON but not an object.
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    /// A record without the required `text` field.
    #[error("record has no `text` field")]
    MissingText,
    /// A field holding a value of the wrong type.
    #[error("field `{field}` must be {expected}, found {found}")]
    FieldType {
        /// The field's name.
        field: &'static str,
        /// What the field should hold.
        expected: &'static str,
        /// What it holds.
        found: &'static str,
    },
    /// An id that appeared before.
    #[error("duplicate id {id:?} (first seen at {first})")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Where it was first seen.
        first: Position,
    },
    /// A CSV file whose header has no `text` column.
    #[error("CSV header has no `text` column (columns: {0})")]
    NoTextColumn(String),
    /// A CSV syntax problem (quoting, ragged rows).
    #[error("CSV error: {0}")]
    Csv(String),
    /// A directory holding no article files.
    #[error(
        "no articles found (looked for .txt, .md, .jsonl, .ndjson, .json, .csv, .tsv, optionally .gz)"
    )]
    EmptyDirectory,
    /// The inputs, taken together, hold no documents.
    #[error("no documents in the input")]
    NoDocuments,
}

/// A setting, or a combination of settings, that does not apply. The library says what is
/// wrong in its own terms; the binary names the flags behind each setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingError {
    /// LSH candidates below the lowest threshold they serve.
    #[error(
        "LSH candidates need a threshold of at least {min} (got {got}): below it nearly every \
         pair is a candidate; use the exact search"
    )]
    LshThreshold {
        /// The lowest threshold LSH serves.
        min: f64,
        /// The threshold asked for.
        got: f64,
    },
    /// LSH candidates with the containment measure.
    #[error(
        "LSH candidates are for the jaccard measure only: a containment threshold bounds no \
         Jaccard without the documents' sizes, so LSH could miss pairs; use the exact search"
    )]
    LshContainment,
    /// LSH candidates with the story measure.
    #[error(
        "LSH candidates are for the jaccard measure only; the story measure uses its exact index"
    )]
    LshStory,
    /// The story term index with a copy measure (named).
    #[error("the term index is for the story measure only; {0} uses LSH or the exact search")]
    IndexCopy(String),
    /// A shingle kind that does not parse (as given).
    #[error("shingles {0:?}: expected word:K or char:K with K from 1 to 64")]
    Shingle(String),
    /// A copy measure's exact search cut into parts beyond the walk limit.
    #[error(
        "a run cut into parts searches a copy measure exactly over at most {most} documents \
         (got {documents}): beyond, the search's guard counts shingles across the whole \
         collection; use measure=\"jaccard\", whose LSH search has no such limit, or one machine"
    )]
    SplitCopy {
        /// Documents in the collection.
        documents: usize,
        /// The most a cut run searches exactly.
        most: usize,
    },
}

/// What is wrong with a story index ([`crate::index`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    /// No index at the path.
    #[error("no index here")]
    Missing,
    /// A directory where the index file should be.
    #[error("is a directory, not an index file")]
    Directory,
    /// A file that is not a storydedup index.
    #[error("not a storydedup index ({0})")]
    NotAnIndex(String),
    /// A damaged database.
    #[error("damaged database ({0})")]
    Damaged(String),
    /// An index written by a newer storydedup.
    #[error("written by a newer storydedup (schema {found}; this one reads up to {supported})")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// Term counts kept by a build that reads words otherwise.
    #[error(
        "its term counts come from another storydedup (terms {found}; this one keys terms \
         {supported}): add its documents to a new index"
    )]
    OtherTerms {
        /// The file's term-key version.
        found: u32,
        /// This build's.
        supported: u32,
    },
    /// Settings other than the index's own.
    #[error("the index was made with other settings: {0}")]
    Settings(String),
    /// A database that cannot be written.
    #[error("read-only: the index cannot be written")]
    ReadOnly,
    /// A database that cannot be opened.
    #[error("cannot open ({0})")]
    CannotOpen(String),
    /// Another process holds the database for too long.
    #[error("busy: another process is writing the index")]
    Busy,
    /// Any other database failure.
    #[error("database error ({0})")]
    Database(String),
}

/// Every error the library can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input data: exit code 2.
    #[error("{pos}: {kind}")]
    Input {
        /// Where the problem is.
        pos: Position,
        /// What the problem is.
        kind: InputError,
    },
    /// A bad option or combination of options: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// A setting that does not apply: exit code 2.
    #[error("{0}")]
    Setting(SettingError),
    /// A story index that cannot be used as asked: exit code 2.
    #[error("{path}: {problem}")]
    Index {
        /// The database file.
        path: String,
        /// What is wrong.
        problem: IndexError,
    },
    /// A failure while writing output: exit code 1.
    #[error("{path}: {source}")]
    Output {
        /// The output path (or `<stdout>`).
        path: String,
        /// The underlying I/O error.
        source: io::Error,
    },
}

impl Error {
    /// Shorthand for an input error.
    pub fn input(pos: Position, kind: InputError) -> Error {
        Error::Input { pos, kind }
    }

    /// The process exit code for this error: 2 for bad input or usage, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input { .. } | Error::Usage(_) | Error::Setting(_) | Error::Index { .. } => 2,
            Error::Output { .. } => 1,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
