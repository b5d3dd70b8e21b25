//! What the user types: clap's view of the command line. Doc comments are the help text.
//! [`crate::commands`] turns these into the library's validated configs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find the same news story told by different outlets.
///
/// Reads articles from files, directories (recursively), JSONL/NDJSON (optionally .gz),
/// CSV, or `-` (JSONL on stdin); compares every pair in parallel; clusters the ones that
/// report the same story; exports similarities as CSV.
#[derive(Debug, Parser)]
#[command(name = "storydedup", version, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Group documents into stories (every document in exactly one cluster).
    #[command(after_help = "Examples:
  storydedup cluster articles/                          stories of a folder, as a table
  storydedup cluster feed.jsonl -f csv -o stories.csv   one row per document, for pandas
  storydedup cluster crawl.jsonl -m jaccard -t 0.6      near-copies instead of stories
  storydedup cluster export.csv --text-field body       a CSV whose text column is `body`")]
    Cluster(ClusterArgs),
    /// Similarity of every pair: a dense matrix or a long pair list, as CSV.
    #[command(after_help = "Examples:
  storydedup matrix articles/ -o matrix.csv              ids as header and first column
  storydedup matrix feed.jsonl -f long --min-score 0.3   a,b,score rows of the close pairs")]
    Matrix(MatrixArgs),
    /// Side-by-side comparison of two documents: what they share, where they differ.
    #[command(after_help = "Examples:
  storydedup diff one.txt other.txt                        two article files
  storydedup diff a17 b42 --corpus feed.jsonl              two documents of a collection, by id
  storydedup diff a17 b42 --corpus feed.jsonl -f html -o d.html")]
    Diff(DiffArgs),
    /// One self-contained HTML page: overview, every story with its diffs, singletons.
    #[command(after_help = "Examples:
  storydedup report articles/ -o report.html           open it in any browser; no network
  storydedup report feed.jsonl -t 0.35 -o report.html  a lower threshold, chosen on the histogram
  storydedup report feed.jsonl --diffs 2000 -o r.html  more diffs on the page")]
    Report(ReportArgs),
    /// Compare a clustering with true labels (ARI, pairwise and B-cubed F1).
    #[command(after_help = "Examples:
  storydedup cluster feed.jsonl -f csv -o pred.csv && storydedup eval --truth truth.csv --pred pred.csv
  storydedup eval --truth labels.csv --truth-column group --pred pred.csv
  storydedup matrix pairs.jsonl -f long -o scores.csv && storydedup eval --pairs rated.csv --scores scores.csv")]
    Eval(EvalArgs),
    /// Choose the threshold on your own labelled stories: every threshold measured, the
    /// choice checked on stories it was not made on.
    #[command(after_help = "Examples:
  storydedup tune feed.jsonl --truth stories.csv             ARI at 0.20, 0.25, ... 0.80
  storydedup tune feed.jsonl --truth stories.csv --thresholds 0.3:0.6:0.025 --metric bcubed
  storydedup tune feed.jsonl --truth stories.csv -f csv -o tuning.csv")]
    Tune(TuneArgs),
    /// The collection without its duplicates: kept records written as they were read.
    #[command(after_help = "Examples:
  storydedup dedup crawl.jsonl -o clean.jsonl              one of each group of near-copies
  storydedup dedup feed.csv --level story -o stories.csv   one report per story
  storydedup dedup crawl.jsonl -o clean.jsonl --report keep.csv
                                  keep.csv: id,kept,duplicate_of,cluster,similarity")]
    Dedup(DedupArgs),
    /// A live story index in SQLite: add each feed, ask which story a document joins.
    #[command(
        subcommand,
        after_help = "Examples:
  storydedup index add --db stories.db monday.jsonl     create the index, add a day's feed
  storydedup index add --db stories.db tuesday.jsonl    new documents join known stories
  storydedup index clusters --db stories.db -f csv -o stories.csv
  storydedup index query --db stories.db breaking.jsonl which story each would join
  storydedup index stats --db stories.db"
    )]
    Index(IndexCommand),
    /// A shell completion script on stdout (source it, or install it where your shell looks).
    #[command(after_help = "Examples:
  storydedup completions bash > ~/.local/share/bash-completion/completions/storydedup
  storydedup completions zsh > ~/.zfunc/_storydedup")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on stdout.
    #[command(after_help = "Example:
  storydedup man > storydedup.1 && man -l storydedup.1")]
    Man,
}

/// The similarity measures.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MeasureArg {
    /// Same event in different words: weighted cosine over names, numbers and rare words,
    /// lower for reports about different actors (default threshold 0.45, lower for dated
    /// headlines).
    Story,
    /// Jaccard of word or character shingles: near-copies (default threshold 0.50).
    Jaccard,
    /// Share of one document's shingles found in the other: reprints and excerpts
    /// (default threshold 0.80).
    Containment,
}

/// Clustering linkage.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LinkageArg {
    /// Join only while the average similarity to the cluster clears the threshold (no chaining).
    Average,
    /// Connected components of the pairs above the threshold.
    Single,
    /// Join while the cosine of the two clusters' centroids clears the threshold.
    Centroid,
}

/// Candidate engines (`--candidates`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CandidatesArg {
    /// All-pairs for small inputs, LSH for large jaccard runs.
    Auto,
    /// Every pair, exactly.
    AllPairs,
    /// MinHash + LSH, candidates verified exactly (jaccard).
    Lsh,
    /// The exact inverted index over weighted terms (story).
    Index,
}

/// Options shared by the commands that read a collection.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories, or `-` for JSONL on stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Similarity measure.
    #[arg(short, long, value_enum, default_value = "story", display_order = 1)]
    pub measure: MeasureArg,

    /// Shingles for jaccard/containment: word:K or char:K.
    #[arg(
        long,
        default_value = "word:5",
        value_name = "word:K|char:K",
        display_order = 5
    )]
    pub shingle: String,

    /// Story measure: documents dated further apart than this many days are never linked
    /// (0 = no window; ignored when either date is unknown).
    #[arg(long, value_name = "DAYS", default_value_t = storydedup::config::DEFAULT_WINDOW_DAYS, allow_negative_numbers = true, display_order = 4)]
    pub window: u32,

    /// How candidate pairs are found: auto (all-pairs for small inputs, containment and
    /// story; lsh for jaccard from 5000 documents), all-pairs (exact), lsh (jaccard:
    /// MinHash + LSH, every candidate verified exactly; may miss a few pairs near the
    /// threshold), index (story: the exact inverted index, same as all-pairs).
    #[arg(long, value_enum, default_value = "auto", display_order = 6)]
    pub candidates: CandidatesArg,

    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, value_name = "N", allow_negative_numbers = true, help_heading = RUN)]
    pub threads: Option<usize>,

    /// Write here instead of stdout (atomically: a failed run leaves no partial file; `-`
    /// is stdout).
    #[arg(short, long, value_name = "FILE", help_heading = RUN)]
    pub output: Option<PathBuf>,

    /// Print no warnings.
    #[arg(short, long, help_heading = RUN)]
    pub quiet: bool,

    /// List every warning instead of a summary, and say which candidate engine (and LSH
    /// banding) was chosen.
    #[arg(long, conflicts_with = "quiet", help_heading = RUN)]
    pub verbose: bool,
}

/// The help heading of the options about output and the run itself.
const RUN: &str = "Output and run";

/// The record fields of JSONL, JSON and CSV/TSV input, when not the standard names.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// The JSONL key or CSV/TSV column holding the article's text (default `text`).
    #[arg(long, value_name = "NAME", help_heading = "Input fields")]
    pub text_field: Option<String>,

    /// ... holding its id (default `id`).
    #[arg(long, value_name = "NAME", help_heading = "Input fields")]
    pub id_field: Option<String>,

    /// ... holding its headline (default `title`).
    #[arg(long, value_name = "NAME", help_heading = "Input fields")]
    pub title_field: Option<String>,

    /// ... holding its outlet (default `source`).
    #[arg(long, value_name = "NAME", help_heading = "Input fields")]
    pub source_field: Option<String>,

    /// ... holding its publication date (default `date`).
    #[arg(long, value_name = "NAME", help_heading = "Input fields")]
    pub date_field: Option<String>,

    /// ... holding its address (default `url`).
    #[arg(long, value_name = "NAME", help_heading = "Input fields")]
    pub url_field: Option<String>,
}

/// Options of the commands that cluster (`cluster`, `report`).
#[derive(Debug, Args)]
pub struct ClusteringArgs {
    /// Link pairs scoring at least this (0..1). Default: 0.45 story (lower for dated
    /// headlines and briefs, higher for undated pairs), 0.50 jaccard, 0.80 containment.
    #[arg(
        short,
        long,
        value_name = "0..1",
        allow_negative_numbers = true,
        display_order = 2
    )]
    pub threshold: Option<f64>,

    /// How linked pairs become clusters. Default: average for story, single for jaccard
    /// and containment.
    #[arg(long, value_enum, display_order = 3)]
    pub linkage: Option<LinkageArg>,
}

/// `cluster` output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClusterFormat {
    /// A readable summary.
    Table,
    /// One row per document, columns
    /// `cluster,id,source,title,date,url,size,similarity,copy_group,cites,copy_of`.
    Csv,
    /// One object with every cluster, its members, similarity and shared terms.
    Json,
}

/// Arguments of `cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub clustering: ClusteringArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "table", help_heading = RUN)]
    pub format: ClusterFormat,
}

/// What `dedup` treats as duplicates.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    /// Near-copies of one text (reprints, light edits, truncations): one kept per group;
    /// other reports of the same story are kept.
    Copy,
    /// Every report of one story: one kept per story.
    Story,
}

/// Which member of a group `dedup` keeps.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeepArg {
    /// The earliest dated (the likely first report), then the longest, then the first read.
    Earliest,
    /// The longest text, then the first read.
    Longest,
    /// The first read.
    First,
}

/// Arguments of `dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub clustering: ClusteringArgs,

    /// What counts as a duplicate.
    #[arg(long, value_enum, default_value = "copy")]
    pub level: LevelArg,

    /// Which member of a group is kept.
    #[arg(long, value_enum, default_value = "earliest")]
    pub keep: KeepArg,

    /// Also write a CSV with a row for every input document:
    /// id,kept,duplicate_of,cluster,similarity (`-`: on stdout, with -o FILE).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// `matrix` output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatrixFormat {
    /// Header id,<id1>,...; one row per document; diagonal 1.
    Dense,
    /// Header a,b,score plus the measure's parts; one row per pair.
    Long,
}

/// Arguments of `matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "dense", help_heading = RUN)]
    pub format: MatrixFormat,

    /// Long format: only pairs scoring at least this (0..1).
    #[arg(
        long,
        value_name = "0..1",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub min_score: f64,
}

/// `eval` output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EvalFormat {
    /// Readable lines.
    Table,
    /// One JSON object.
    Json,
}

/// Arguments of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// True labels: a CSV with an `id` column and a `cluster` (or `group`, `label`) column.
    #[arg(long, value_name = "CSV", requires = "pred", conflicts_with_all = ["pairs", "scores"])]
    pub truth: Option<PathBuf>,

    /// Predicted labels: a CSV with `id` and `cluster` columns (e.g. `cluster -f csv`).
    #[arg(long, value_name = "CSV", requires = "truth")]
    pub pred: Option<PathBuf>,

    /// The label column of --truth (default: `cluster`, else `group` or `label`).
    #[arg(long, value_name = "COLUMN", requires = "truth")]
    pub truth_column: Option<String>,

    /// The label column of --pred (default: `cluster`, else `group` or `label`).
    #[arg(long, value_name = "COLUMN", requires = "pred")]
    pub pred_column: Option<String>,

    /// Graded pairs: a CSV with two id columns (`id1,id2` or `a,b`) and a label column.
    #[arg(long, value_name = "CSV", requires = "scores")]
    pub pairs: Option<PathBuf>,

    /// Pair scores: a `matrix -f long` CSV (`a,b,score`).
    #[arg(long, value_name = "CSV", requires = "pairs")]
    pub scores: Option<PathBuf>,

    /// The label column of --pairs.
    #[arg(long, value_name = "COLUMN", default_value = "label")]
    pub label: String,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: EvalFormat,
}

/// `tune` output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TuneFormat {
    /// Readable lines: one per threshold, then the choice.
    Table,
    /// One row per threshold: `threshold,ari,pairwise_*,bcubed_*,clusters,documents`, and
    /// `current,best,recommended` (true or false).
    Csv,
    /// One object: every threshold, the best, the held-out check and the recommendation.
    Json,
}

/// What `tune` judges a threshold by.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MetricArg {
    /// Adjusted Rand index.
    Ari,
    /// B-cubed F1 (per document: kind to many small stories).
    Bcubed,
    /// Pairwise F1 (per pair: large stories weigh most).
    Pairwise,
}

/// Arguments of `tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub clustering: ClusteringArgs,

    /// True stories: a CSV with an `id` column and a `cluster` (or `group`, `label`)
    /// column. Label whole stories: a document it does not name (or labels blank) is
    /// taken to be in none of them, so one clustered with a labelled story is a false
    /// merge; pairs of two such documents are not judged.
    #[arg(long, value_name = "CSV")]
    pub truth: PathBuf,

    /// The label column of --truth (default: `cluster`, else `group` or `label`).
    #[arg(long, value_name = "COLUMN")]
    pub truth_column: Option<String>,

    /// Thresholds to try: FROM:TO:STEP or a comma-separated list (the current threshold,
    /// -t or the default, is always tried). Default: 0.20:0.80:0.05.
    #[arg(long, value_name = "LIST")]
    pub thresholds: Option<String>,

    /// What a threshold is judged by.
    #[arg(long, value_enum, default_value = "ari")]
    pub metric: MetricArg,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "table", help_heading = RUN)]
    pub format: TuneFormat,
}

/// `diff` output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    /// Two columns side by side.
    Terminal,
    /// One JSON object with every row.
    Json,
    /// A self-contained HTML page.
    Html,
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always (e.g. for `less -R`).
    Always,
    /// Never.
    Never,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The left document: an article file, or an id when --corpus is given.
    pub left: String,

    /// The right document: an article file, or an id when --corpus is given.
    pub right: String,

    /// Look LEFT and RIGHT up by id in this input (file, directory, or -; repeat for
    /// more); the collection also supplies the term statistics of the story score.
    #[arg(long, value_name = "INPUT", action = clap::ArgAction::Append)]
    pub corpus: Vec<String>,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "terminal")]
    pub format: DiffFormat,

    /// Total width of the terminal view (default: the terminal's width, else 100).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub width: Option<usize>,

    /// Colour in the terminal view.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,

    /// Story measure date window in days (0 = off).
    #[arg(long, value_name = "DAYS", default_value_t = storydedup::config::DEFAULT_WINDOW_DAYS, allow_negative_numbers = true)]
    pub window: u32,

    /// Write here instead of stdout (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print no warnings.
    #[arg(short, long)]
    pub quiet: bool,

    /// List every warning (by default the first five, then a count).
    #[arg(long, conflicts_with = "quiet")]
    pub verbose: bool,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub clustering: ClusteringArgs,

    /// Diffs on the page: the largest stories first, up to 25 members each. Every member
    /// is listed whatever this is; `storydedup diff` compares any other pair.
    #[arg(long, value_name = "N", default_value_t = storydedup::pipeline::REPORT_DIFFS)]
    pub diffs: usize,
}

/// What `index` does.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Add documents: each joins a story already known or starts one, in one transaction.
    Add(IndexAddArgs),
    /// The story each document would join, writing nothing.
    Query(IndexQueryArgs),
    /// The current stories, in the formats of `cluster` (story numbers stay from one add
    /// to the next).
    Clusters(IndexClustersArgs),
    /// Documents, stories, dates, size on disk and settings.
    Stats(IndexStatsArgs),
}

/// The index file, and how a run goes.
#[derive(Debug, Args)]
pub struct IndexRunArgs {
    /// The index: an SQLite database (`index add` creates it).
    #[arg(long, value_name = "FILE", display_order = 0)]
    pub db: PathBuf,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", allow_negative_numbers = true, help_heading = RUN)]
    pub threads: Option<usize>,

    /// No progress bars or warnings on stderr.
    #[arg(short, long, help_heading = RUN)]
    pub quiet: bool,

    /// Every warning, and each stage's count and time, on stderr.
    #[arg(long, conflicts_with = "quiet", help_heading = RUN)]
    pub verbose: bool,
}

/// The documents an `index` command reads, and the index.
#[derive(Debug, Args)]
pub struct IndexInputArgs {
    /// Files, directories, or `-` (JSONL on stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    #[command(flatten)]
    pub index: IndexRunArgs,

    #[command(flatten)]
    pub fields: FieldArgs,
}

/// `index add`.
#[derive(Debug, Args)]
pub struct IndexAddArgs {
    #[command(flatten)]
    pub input: IndexInputArgs,

    /// Replace stored documents that have the id of a new one (else such an id is refused).
    #[arg(long)]
    pub replace: bool,

    /// Similarity measure (fixed when the index is created).
    #[arg(
        short,
        long,
        value_enum,
        help_heading = "Settings (fixed when the index is created)"
    )]
    pub measure: Option<MeasureArg>,

    /// Threshold (0..1; default: the measure's).
    #[arg(
        short,
        long,
        value_name = "0..1",
        allow_negative_numbers = true,
        help_heading = "Settings (fixed when the index is created)"
    )]
    pub threshold: Option<f64>,

    /// How links become clusters (default: the measure's).
    #[arg(
        long,
        value_enum,
        help_heading = "Settings (fixed when the index is created)"
    )]
    pub linkage: Option<LinkageArg>,

    /// Date window in days (story measure; 0 = off; default 3).
    #[arg(
        long,
        value_name = "DAYS",
        help_heading = "Settings (fixed when the index is created)"
    )]
    pub window: Option<u32>,

    /// Shingles for jaccard/containment: word:K or char:K (default word:5).
    #[arg(
        long,
        value_name = "word:K|char:K",
        help_heading = "Settings (fixed when the index is created)"
    )]
    pub shingle: Option<String>,
}

/// How `index query` writes its answers.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QueryFormat {
    /// One line per document: its story, or "new story".
    Table,
    /// Header `id,cluster,similarity,title`; `cluster` empty for a new story.
    Csv,
    /// One JSON array of objects with the CSV's fields.
    Json,
}

/// `index query`.
#[derive(Debug, Args)]
pub struct IndexQueryArgs {
    #[command(flatten)]
    pub input: IndexInputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "table", help_heading = RUN)]
    pub format: QueryFormat,

    /// Write to this file instead of stdout (`-`: stdout).
    #[arg(short, long, value_name = "FILE", help_heading = RUN)]
    pub output: Option<PathBuf>,
}

/// `index clusters`.
#[derive(Debug, Args)]
pub struct IndexClustersArgs {
    #[command(flatten)]
    pub index: IndexRunArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "table", help_heading = RUN)]
    pub format: ClusterFormat,

    /// Write to this file instead of stdout (`-`: stdout).
    #[arg(short, long, value_name = "FILE", help_heading = RUN)]
    pub output: Option<PathBuf>,
}

/// How `index stats` writes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatsFormat {
    /// One line per figure.
    Table,
    /// One JSON object.
    Json,
}

/// `index stats`.
#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// The index: an SQLite database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,

    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: StatsFormat,

    /// Accepted for symmetry with the other commands (stats shows no progress).
    #[arg(short, long)]
    pub quiet: bool,
}
