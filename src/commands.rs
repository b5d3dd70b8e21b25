//! Runs one parsed command: arguments become validated configs, the library does the
//! work, and the result is rendered to stdout or an atomically written file.

use std::io::{IsTerminal, Write};

use storydedup::candidates::{self, Engine};
use storydedup::config::{
    Candidates, ClusterConfig, Linkage, ScoreConfig, ShingleKind, check_unit,
};
use storydedup::document::Corpus;
use storydedup::error::Error;
use storydedup::progress::{Progress, Silent};
use storydedup::report::{self, Output};
use storydedup::{dedup, eval, ingest, pipeline, tune};

use crate::bar::{Bars, message};
use crate::cli::{
    CandidatesArg, ClusterArgs, ClusterFormat, ClusteringArgs, ColorChoice, Command, DedupArgs,
    DiffArgs, DiffFormat, EvalArgs, EvalFormat, InputArgs, KeepArg, LevelArg, LinkageArg,
    MatrixArgs, MatrixFormat, MeasureArg, MetricArg, ReportArgs, TuneArgs, TuneFormat,
};
use crate::options::{check_window, field_names, measure, print_warning_list, set_threads};
use crate::output::{finish_output, open_output, write_stdout};

/// Runs a command to completion.
pub fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Cluster(args) => cluster(args),
        Command::Matrix(args) => matrix(args),
        Command::Diff(args) => diff(args),
        Command::Report(args) => report_html(args),
        Command::Eval(args) => evaluate(args),
        Command::Tune(args) => tune(args),
        Command::Dedup(args) => dedup(args),
        Command::Index(command) => crate::index_cmd::run(command),
        Command::Completions { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "storydedup", &mut out);
            write_stdout(&out)
        }
        Command::Man => {
            let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|source| Error::Output {
                    path: "<stdout>".into(),
                    source,
                })?;
            write_stdout(&out)
        }
    }
}

/// Refuses a `dedup` whose output would replace one of its inputs (which it reads again
/// while writing) or whose report would replace its output.
fn check_dedup_paths(args: &DedupArgs) -> Result<(), Error> {
    // The same file whether or not it exists yet: its directory, resolved, and its name.
    let place = |p: &std::path::Path| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        );
        (
            std::fs::canonicalize(dir).ok(),
            p.file_name().map(ToOwned::to_owned),
        )
    };
    let to_stdout = |p: Option<&std::path::Path>| p.is_none_or(report::is_stdout);
    if args.report.as_deref().is_some_and(report::is_stdout)
        && to_stdout(args.input.output.as_deref())
    {
        return Err(Error::Usage(
            "--report - and the kept records would both go to standard output; give -o FILE \
             for the records"
                .into(),
        ));
    }
    let Some(out) = args
        .input
        .output
        .as_deref()
        .filter(|o| !report::is_stdout(o))
    else {
        return Ok(());
    };
    let out_place = place(out);
    for input in args.input.inputs.iter().filter(|i| *i != "-") {
        if place(std::path::Path::new(input)) == out_place {
            return Err(Error::Usage(format!(
                "-o {} is also an input: dedup reads its inputs again while writing; write \
                 elsewhere, then replace the input if you wish",
                out.display()
            )));
        }
    }
    if args
        .report
        .as_deref()
        .is_some_and(|r| place(r) == out_place)
    {
        return Err(Error::Usage(format!(
            "--report and -o both name {}: give the report a file of its own",
            out.display()
        )));
    }
    Ok(())
}

fn dedup(args: DedupArgs) -> Result<(), Error> {
    let (config, score, bars, mode) = check_clustering(&args.input, &args.clustering)?;
    Output::check(args.report.as_deref())?;
    check_dedup_paths(&args)?;
    let names = field_names(&args.input.fields);
    let run = run_of(mode, &bars, &names, false);
    let corpus = run.reading().read(&args.input.inputs)?;
    // Refused before any work: inputs that cannot be written back as they are.
    ingest::verbatim::output_format(&corpus.docs)?;
    print_warnings(&corpus, &args.input);
    let report = run.cluster(&corpus, &score, &config)?;
    let level = match args.level {
        LevelArg::Copy => dedup::Level::Copy,
        LevelArg::Story => dedup::Level::Story,
    };
    let keep = match args.keep {
        KeepArg::Earliest => dedup::Keep::Earliest,
        KeepArg::Longest => dedup::Keep::Longest,
        KeepArg::First => dedup::Keep::First,
    };
    let decisions = dedup::decide(&report, &corpus.docs, level, keep);
    let kept: Vec<bool> = decisions.iter().map(|d| d.kept).collect();
    let mut out = open_output(args.input.output.as_deref())?;
    let name = out.name();
    ingest::verbatim::write_kept(&corpus.docs, &kept, &mut out).map_err(|e| match e {
        Error::Output { source, .. } => Error::Output { path: name, source },
        e => e,
    })?;
    finish_output(out)?;
    if let Some(path) = &args.report {
        let mut out = Output::open(Some(path))?;
        let name = out.name();
        report::csv::render_decisions(&corpus, &decisions, &mut out)
            .map_err(|source| Error::Output { path: name, source })?;
        out.finish()?;
    }
    if !args.input.quiet {
        let dropped = kept.iter().filter(|k| !**k).count();
        message(&format!(
            "kept {} of {} documents ({} duplicate{} left out)",
            report::thousands((kept.len() - dropped) as u64),
            report::thousands(kept.len() as u64),
            report::thousands(dropped as u64),
            if dropped == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

fn candidates_mode(c: CandidatesArg) -> Candidates {
    match c {
        CandidatesArg::Auto => Candidates::Auto,
        CandidatesArg::AllPairs => Candidates::AllPairs,
        CandidatesArg::Lsh => Candidates::Lsh,
        CandidatesArg::Index => Candidates::Index,
    }
}

/// Validates the shared options, sets up the thread pool and reads the input. The caller
/// prints the warnings once nothing can be refused any more, so a refusal stays one line.
fn prepare(args: &InputArgs, bars: &Bars) -> Result<(ScoreConfig, Corpus), Error> {
    let config = check_input(args)?;
    let names = field_names(&args.fields);
    let reading = ingest::Reading {
        progress: bars,
        fields: Some(&names),
    };
    Ok((config, reading.read(&args.inputs)?))
}

/// Validates the shared options and sets up the thread pool.
fn check_input(args: &InputArgs) -> Result<ScoreConfig, Error> {
    let shingle: ShingleKind = args.shingle.parse()?;
    check_window(args.window)?;
    set_threads(args.threads)?;
    Ok(ScoreConfig {
        measure: measure(args.measure),
        shingle,
        window_days: args.window,
    })
}

/// The read warnings a diff of documents `l` and `r` shows: theirs and the files' own,
/// not those of the collection's other documents (a day of a wire warns of dozens of
/// empty texts, none of them the two compared).
fn warnings_of_pair(corpus: &Corpus, l: usize, r: usize) -> Vec<storydedup::document::Warning> {
    let others: std::collections::HashSet<(&str, u64)> = corpus
        .docs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != l && i != r)
        .filter_map(|(_, d)| Some((d.origin.path.as_str(), d.origin.line?)))
        .collect();
    let mine = |w: &storydedup::document::Warning| {
        w.pos
            .line
            .is_none_or(|line| !others.contains(&(w.pos.path.as_str(), line)))
    };
    corpus
        .warnings
        .iter()
        .filter(|w| mine(w))
        .cloned()
        .collect()
}

fn print_warnings(corpus: &Corpus, args: &InputArgs) {
    print_warning_list(&corpus.warnings, args.quiet, args.verbose);
}

fn cluster_config(args: &ClusteringArgs, m: MeasureArg) -> Result<ClusterConfig, Error> {
    let threshold = match args.threshold {
        Some(t) => check_unit("--threshold", t)?,
        None => measure(m).default_threshold(),
    };
    let linkage = match args.linkage {
        Some(LinkageArg::Average) => Linkage::Average,
        Some(LinkageArg::Single) => Linkage::Single,
        Some(LinkageArg::Centroid) => Linkage::Centroid,
        None => measure(m).default_linkage(),
    };
    Ok(ClusterConfig { threshold, linkage })
}

/// What `cluster` and `report` share before reading: the options checked (an engine that
/// cannot be sound is refused before anything is read) and the progress bars.
fn check_clustering(
    input: &InputArgs,
    clustering: &ClusteringArgs,
) -> Result<(ClusterConfig, ScoreConfig, Bars, Candidates), Error> {
    let config = cluster_config(clustering, input.measure)?;
    Output::check(input.output.as_deref())?;
    let bars = Bars::new(input.quiet, input.verbose);
    let mode = candidates_mode(input.candidates);
    let score = check_input(input)?;
    pipeline::check_engine(mode, &score, &config)?;
    Ok((config, score, bars, mode))
}

/// The run of a clustering command: its engine, progress and field names, and whether
/// clusters are described with their shared terms.
fn run_of<'a>(
    mode: Candidates,
    bars: &'a Bars,
    names: &'a ingest::FieldNames,
    shared_terms: bool,
) -> pipeline::Run<'a> {
    pipeline::Run {
        candidates: mode,
        shared_terms,
        progress: bars,
        fields: Some(names),
        ..pipeline::Run::default()
    }
}

fn cluster(args: ClusterArgs) -> Result<(), Error> {
    let (config, score, bars, mode) = check_clustering(&args.input, &args.clustering)?;
    let names = field_names(&args.input.fields);
    // The CSV has no column for shared terms.
    let run = run_of(
        mode,
        &bars,
        &names,
        !matches!(args.format, ClusterFormat::Csv),
    );
    // The renderers read ids and metadata only: texts can go once no stage needs them.
    let mut prepared = run.read(&args.input.inputs, &score)?;
    print_warnings(&prepared.corpus, &args.input);
    let report = run.cluster_prepared(&mut prepared, &score, &config)?;
    let corpus = &prepared.corpus;
    let mut out = open_output(args.input.output.as_deref())?;
    let name = out.name();
    match args.format {
        ClusterFormat::Table => report::table::render(&report, corpus, &mut out),
        ClusterFormat::Csv => report::csv::render(&report, corpus, &mut out),
        ClusterFormat::Json => report::json::render(&report, corpus, &mut out),
    }
    .map_err(|source| Error::Output { path: name, source })?;
    let finished = finish_output(out);
    // The process ends here: freeing the collection's allocations one by one (a few per
    // document) would only delay the exit; the system takes the memory back at once.
    std::mem::forget((prepared, report));
    finished
}

fn matrix(args: MatrixArgs) -> Result<(), Error> {
    let min_score = check_unit("--min-score", args.min_score)?;
    Output::check(args.input.output.as_deref())?;
    let bars = Bars::new(args.input.quiet, args.input.verbose);
    let mode = candidates_mode(args.input.candidates);
    let m = measure(args.input.measure);
    match args.format {
        // A dense matrix holds every pair: only an exact engine can fill it.
        MatrixFormat::Dense if matches!(mode, Candidates::Lsh) => {
            return Err(Error::Usage(
                "--candidates lsh cannot fill a dense matrix (it holds every pair); use -f long --min-score".into(),
            ));
        }
        MatrixFormat::Dense => candidates::plan(mode, m, 0, 1.0).map(|_| ())?,
        MatrixFormat::Long => candidates::plan(mode, m, 0, min_score).map(|_| ())?,
    }
    let (score, corpus) = prepare(&args.input, &bars)?;
    if matches!(args.format, MatrixFormat::Dense) {
        check_dense_fits(corpus.len(), available_memory())?;
    }
    print_warnings(&corpus, &args.input);
    let engine = match args.format {
        MatrixFormat::Dense => Engine::Exact,
        MatrixFormat::Long => candidates::plan(mode, m, corpus.len(), min_score)?,
    };
    bars.note(&candidates::describe(&engine, corpus.len()));
    let scorer = pipeline::scorer(&corpus, score, &bars);
    // The exact matrix is computed while it is written, block by block; LSH pairs are
    // found first, then written.
    let mut out = open_output(args.input.output.as_deref())?;
    let name = out.name();
    match (args.format, engine) {
        (MatrixFormat::Dense, _) => report::matrix::render_dense(&corpus, &scorer, &mut out),
        (MatrixFormat::Long, Engine::Exact) => {
            report::matrix::render_long(&corpus, &scorer, min_score, &mut out)
        }
        (MatrixFormat::Long, engine) => {
            let pairs = candidates::find(&scorer, &engine, min_score, &bars);
            report::matrix::render_pairs(&corpus, &scorer, &pairs, &mut out)
        }
    }
    .map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

/// Bytes of one dense cell once loaded (a float64 in pandas or numpy); the CSV takes about
/// as much on disk (`0.1234,`).
const DENSE_CELL_BYTES: u64 = 8;

/// Refuses a dense matrix that nothing on this machine could hold: its N x N cells,
/// loaded, would exceed the memory available. Better said up front than after hours of
/// writing terabytes.
fn check_dense_fits(n: usize, available: Option<u64>) -> Result<(), Error> {
    let Some(available) = available else {
        return Ok(());
    };
    let cells = (n as u64).saturating_mul(n as u64);
    let needed = cells.saturating_mul(DENSE_CELL_BYTES);
    if needed <= available {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "matrix -f dense of {n} documents is {cells} cells: about {} to hold and about {} of CSV, but {} of memory is available; use -f long --min-score 0.3 for the pairs that matter",
        human_bytes(needed),
        human_bytes(cells.saturating_mul(7)),
        human_bytes(available)
    )))
}

/// The memory this run may use: `STORYDEDUP_MEMORY_LIMIT` (bytes; for tests and for
/// users who want a lower ceiling), else `MemAvailable` of `/proc/meminfo`; `None` when
/// neither is known (then nothing is refused).
fn available_memory() -> Option<u64> {
    if let Some(limit) = std::env::var("STORYDEDUP_MEMORY_LIMIT")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return Some(limit);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// `1.5 GB`, `320.0 MB`, `12 bytes`.
fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if b < 1000 {
        return format!("{b} bytes");
    }
    let mut x = b as f64 / 1000.0;
    let mut unit = 0;
    while x >= 1000.0 && unit + 1 < UNITS.len() {
        x /= 1000.0;
        unit += 1;
    }
    format!("{x:.1} {}", UNITS[unit])
}

fn evaluate(args: EvalArgs) -> Result<(), Error> {
    let (truth_path, pred_path) = match (&args.truth, &args.pred, &args.pairs, &args.scores) {
        (Some(t), Some(p), _, _) => (t, p),
        (_, _, Some(pairs), Some(scores)) => {
            return evaluate_pairs(pairs, scores, &args.label, args.format);
        }
        _ => {
            return Err(Error::Usage(
                "eval needs --truth and --pred, or --pairs and --scores".into(),
            ));
        }
    };
    let read = |path: &std::path::Path, column: Option<&str>, option: &str| {
        let (labels, used) = eval::read_labels(path, column, option)?;
        if column.is_none() && used != eval::LABEL_COLUMNS[0] {
            message(&format!(
                "note: {}: no `cluster` column; labels read from `{used}`",
                path.display()
            ));
        }
        Ok::<_, Error>(labels)
    };
    let truth = read(truth_path, args.truth_column.as_deref(), "--truth-column")?;
    let pred = read(pred_path, args.pred_column.as_deref(), "--pred-column")?;
    let c = eval::compare(&truth, &pred);
    if c.agreement.documents == 0 {
        return Err(Error::Usage(format!(
            "{} and {} have no id in common ({} and {} ids): nothing to compare",
            truth_path.display(),
            pred_path.display(),
            truth.len(),
            pred.len()
        )));
    }
    if c.missing.0 > 0 || c.missing.1 > 0 {
        // The figures stand, but only for the ids both files hold: say so where it is seen.
        message(&format!(
            "warning: scored on the {} ids both files hold; {} of {} are not in {}, {} of {} \
             not in {}",
            c.agreement.documents,
            c.missing.0,
            truth_path.display(),
            pred_path.display(),
            c.missing.1,
            pred_path.display(),
            truth_path.display()
        ));
    }
    let mut out = open_output(None)?;
    let name = out.name();
    let written = match args.format {
        EvalFormat::Json => serde_json::to_writer_pretty(&mut out, &c)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        EvalFormat::Table => {
            let a = &c.agreement;
            writeln!(
                out,
                "documents {}  clusters truth {} / predicted {}  missing from predicted {} / from truth {}\n\
                 ARI       {:.4}\n\
                 pairwise  precision {:.4}  recall {:.4}  F1 {:.4}\n\
                 B-cubed   precision {:.4}  recall {:.4}  F1 {:.4}",
                a.documents,
                c.clusters.0,
                c.clusters.1,
                c.missing.0,
                c.missing.1,
                a.ari,
                a.pairwise.precision,
                a.pairwise.recall,
                a.pairwise.f1,
                a.bcubed.precision,
                a.bcubed.recall,
                a.bcubed.f1
            )
        }
    };
    written.map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

fn tune(args: TuneArgs) -> Result<(), Error> {
    let (config, score, bars, mode) = check_clustering(&args.input, &args.clustering)?;
    let grid = tune::grid(args.thresholds.as_deref(), config.threshold).map_err(|why| {
        // A long list is shown by its start.
        let given = args.thresholds.as_deref().unwrap_or_default();
        let shown: String = given.chars().take(40).collect();
        let more = if shown.len() < given.len() { "..." } else { "" };
        Error::Usage(format!("--thresholds {shown}{more}: {why}"))
    })?;
    pipeline::check_grid(mode, &score, &config, &grid).map_err(|(t, e)| match e {
        Error::Setting(why) => Error::Usage(format!("--thresholds {t}: {why}")),
        other => other,
    })?;
    let (truth, _) =
        eval::read_labels(&args.truth, args.truth_column.as_deref(), "--truth-column")?;
    let names = field_names(&args.input.fields);
    let run = run_of(mode, &bars, &names, false);
    let corpus = run.reading().read(&args.input.inputs)?;
    let (labels, found) = tune::labels_of(&corpus, &truth)
        .map_err(|why| Error::Usage(format!("{} {why}", args.truth.display())))?;
    // Warnings once nothing can be refused any more.
    print_warnings(&corpus, &args.input);
    if found < truth.len() {
        message(&format!(
            "warning: {} of the {} ids of {} are not in the collection; tuned on the {found} \
             that are",
            truth.len() - found,
            truth.len(),
            args.truth.display()
        ));
    }
    let metric = match args.metric {
        MetricArg::Ari => tune::Metric::Ari,
        MetricArg::Bcubed => tune::Metric::Bcubed,
        MetricArg::Pairwise => tune::Metric::Pairwise,
    };
    let tuning = run.tune(&corpus, &score, &config, &labels, &grid, metric)?;
    let mut out = open_output(args.input.output.as_deref())?;
    let name = out.name();
    match args.format {
        TuneFormat::Table => report::tuning::table(&tuning, &mut out),
        TuneFormat::Csv => report::tuning::csv(&tuning, &mut out),
        TuneFormat::Json => serde_json::to_writer_pretty(&mut out, &tuning)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
    }
    .map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

fn evaluate_pairs(
    pairs: &std::path::Path,
    scores: &std::path::Path,
    label: &str,
    format: EvalFormat,
) -> Result<(), Error> {
    let labels = eval::read_pairs(pairs, label)?;
    let scored = eval::read_pairs(scores, "score")?;
    let c = eval::correlate(&labels, &scored);
    if c.pairs < 2 {
        return Err(Error::Usage(format!(
            "{} and {}: only {} labelled pairs have a score; nothing to correlate",
            pairs.display(),
            scores.display(),
            c.pairs
        )));
    }
    if c.missing > 0 {
        message(&format!(
            "warning: {} of the labelled pairs in {} have no score in {}; the correlation \
             covers the other {}",
            c.missing,
            pairs.display(),
            scores.display(),
            c.pairs
        ));
    }
    let mut out = open_output(None)?;
    let name = out.name();
    let written = match format {
        EvalFormat::Json => serde_json::to_writer_pretty(&mut out, &c)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        EvalFormat::Table => writeln!(
            out,
            "pairs {} (labelled without a score: {})\nPearson   {:.4}\nSpearman  {:.4}",
            c.pairs, c.missing, c.pearson, c.spearman
        ),
    };
    written.map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

fn report_html(args: ReportArgs) -> Result<(), Error> {
    let (config, score, bars, mode) = check_clustering(&args.input, &args.clustering)?;
    let names = field_names(&args.input.fields);
    let run = pipeline::Run {
        diffs: args.diffs,
        ..run_of(mode, &bars, &names, true)
    };
    let corpus = run.reading().read(&args.input.inputs)?;
    print_warnings(&corpus, &args.input);
    let view = run.collection_view(&corpus, &score, &config)?;
    let mut out = open_output(args.input.output.as_deref())?;
    let name = out.name();
    report::html::render_collection(&view, &corpus, &mut out)
        .map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

/// Reads the two documents to compare: by id from `--corpus`, or one article per file.
fn diff_inputs(args: &DiffArgs) -> Result<(Corpus, usize, usize), Error> {
    if !args.corpus.is_empty() {
        let names = field_names(&args.fields);
        let reading = ingest::Reading {
            progress: &Silent,
            fields: Some(&names),
        };
        let corpus = reading.read(&args.corpus)?;
        let find = |id: &str| {
            corpus.position(id).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: no document with id {id:?} ({} documents read)",
                    args.corpus.join(" "),
                    corpus.len()
                ))
            })
        };
        let (l, r) = (find(&args.left)?, find(&args.right)?);
        return Ok((corpus, l, r));
    }
    let mut docs = Vec::new();
    let mut warnings = Vec::new();
    for path in [&args.left, &args.right] {
        // Not a file: most likely an id, given without the collection that holds it.
        if path != "-" && !std::path::Path::new(path).exists() {
            return Err(Error::Usage(format!(
                "{path}: no such file; to compare two documents of a collection by id, pass \
                 the collection with --corpus (storydedup diff --corpus FEED ID1 ID2)"
            )));
        }
        let c = ingest::read_inputs(std::slice::from_ref(path))?;
        if c.len() != 1 {
            return Err(Error::Usage(format!(
                "{path}: holds {} documents; to compare two of them, name their ids and pass the file with --corpus",
                c.len()
            )));
        }
        warnings.extend(c.warnings);
        docs.extend(c.docs);
    }
    if docs[0].id == docs[1].id {
        // Same file name in two directories: tell them apart in the output.
        docs[1].id.push_str(" (right)");
    }
    Ok((
        Corpus {
            docs,
            warnings,
            texts_dropped: false,
        },
        0,
        1,
    ))
}

fn diff(args: DiffArgs) -> Result<(), Error> {
    if args.window > 36_500 {
        return Err(Error::Usage(format!(
            "--window must be at most 36500 days, got {}",
            args.window
        )));
    }
    if let Some(w) = args.width
        && !(40..=1000).contains(&w)
    {
        return Err(Error::Usage(format!(
            "--width must be between 40 and 1000, got {w}"
        )));
    }
    Output::check(args.output.as_deref())?;
    let (corpus, l, r) = diff_inputs(&args)?;
    print_warning_list(&warnings_of_pair(&corpus, l, r), args.quiet, args.verbose);
    let d = pipeline::diff_documents(&corpus, l, r, args.window);
    let mut out = open_output(args.output.as_deref())?;
    let name = out.name();
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let result = match args.format {
        DiffFormat::Json => report::json::render_diff(&d, &mut out),
        DiffFormat::Html => report::html::render_diff(&d, &mut out),
        DiffFormat::Terminal => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            let width = args.width.unwrap_or_else(|| {
                if to_terminal {
                    terminal_size::terminal_size()
                        .map_or(100, |(w, _)| usize::from(w.0))
                        .clamp(40, 1000)
                } else {
                    100
                }
            });
            report::terminal::render(&d, &report::terminal::Style { width, color }, &mut out)
        }
    };
    result.map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dense_matrix_larger_than_memory_is_refused_with_an_estimate() {
        assert!(check_dense_fits(1000, Some(8_000_000)).is_ok());
        assert!(check_dense_fits(1_000_000, None).is_ok());
        match check_dense_fits(1_000_000, Some(16_000_000_000)) {
            Err(Error::Usage(m)) => {
                assert!(m.contains("8.0 TB to hold"), "{m}");
                assert!(m.contains("16.0 GB of memory"), "{m}");
                assert!(m.contains("-f long"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
