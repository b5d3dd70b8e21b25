//! Runs one parsed command: arguments become validated configs, the library does the
//! work, and the result is rendered to stdout or an atomically written file.

use std::io::Write;

use storydedup::config::{ClusterConfig, Linkage, Measure, ScoreConfig, ShingleKind, check_unit};
use storydedup::document::Corpus;
use storydedup::error::Error;
use storydedup::report::{self, Output};
use storydedup::score::Scorer;
use storydedup::{eval, ingest, pipeline};

use crate::cli::{
    ClusterArgs, ClusterFormat, Command, EvalArgs, EvalFormat, InputArgs, LinkageArg, MatrixArgs,
    MatrixFormat, MeasureArg,
};

/// Warnings printed one by one before the rest are summarised.
const WARNINGS_SHOWN: usize = 5;

/// Runs a command to completion.
pub fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Cluster(args) => cluster(args),
        Command::Matrix(args) => matrix(args),
        Command::Eval(args) => evaluate(args),
    }
}

fn measure(m: MeasureArg) -> Measure {
    match m {
        MeasureArg::Story => Measure::Story,
        MeasureArg::Jaccard => Measure::Jaccard,
        MeasureArg::Containment => Measure::Containment,
    }
}

/// Validates the shared options, sets up the thread pool and reads the input.
fn prepare(args: &InputArgs) -> Result<(ScoreConfig, Corpus), Error> {
    let shingle: ShingleKind = args.shingle.parse()?;
    if args.window > 36_500 {
        return Err(Error::Usage(format!(
            "--window must be at most 36500 days, got {}",
            args.window
        )));
    }
    if let Some(threads) = args.threads {
        if threads == 0 {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        // Fails only if a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global();
    }
    let config = ScoreConfig {
        measure: measure(args.measure),
        shingle,
        window_days: args.window,
    };
    let corpus = ingest::read_inputs(&args.inputs)?;
    print_warnings(&corpus, args);
    Ok((config, corpus))
}

fn print_warnings(corpus: &Corpus, args: &InputArgs) {
    if args.quiet || corpus.warnings.is_empty() {
        return;
    }
    let shown = if args.verbose {
        corpus.warnings.len()
    } else {
        WARNINGS_SHOWN
    };
    for w in corpus.warnings.iter().take(shown) {
        eprintln!("storydedup: warning: {}: {}", w.pos, w.message);
    }
    let rest = corpus.warnings.len().saturating_sub(shown);
    if rest > 0 {
        eprintln!(
            "storydedup: {rest} more warnings ({} in all; --verbose lists them)",
            corpus.warnings.len()
        );
    }
}

fn cluster(args: ClusterArgs) -> Result<(), Error> {
    let threshold = match args.threshold {
        Some(t) => check_unit("--threshold", t)?,
        None => measure(args.input.measure).default_threshold(),
    };
    let linkage = match args.linkage {
        LinkageArg::Average => Linkage::Average,
        LinkageArg::Single => Linkage::Single,
    };
    let mut out = Output::open(args.input.output.as_deref())?;
    let (score, corpus) = prepare(&args.input)?;
    let report = pipeline::cluster_corpus(&corpus, &score, &ClusterConfig { threshold, linkage });
    let name = out.name();
    match args.format {
        ClusterFormat::Table => report::table::render(&report, &corpus, &mut out),
        ClusterFormat::Csv => report::csv::render(&report, &corpus, &mut out),
        ClusterFormat::Json => report::json::render(&report, &corpus, &mut out),
    }
    .map_err(|source| Error::Output { path: name, source })?;
    out.finish()
}

fn matrix(args: MatrixArgs) -> Result<(), Error> {
    let min_score = check_unit("--min-score", args.min_score)?;
    let mut out = Output::open(args.input.output.as_deref())?;
    let (score, corpus) = prepare(&args.input)?;
    let scorer = Scorer::new(&corpus.docs, score);
    let name = out.name();
    match args.format {
        MatrixFormat::Dense => report::matrix::render_dense(&corpus, &scorer, &mut out),
        MatrixFormat::Long => report::matrix::render_long(&corpus, &scorer, min_score, &mut out),
    }
    .map_err(|source| Error::Output { path: name, source })?;
    out.finish()
}

fn evaluate(args: EvalArgs) -> Result<(), Error> {
    let truth = eval::read_labels(&args.truth)?;
    let pred = eval::read_labels(&args.pred)?;
    let c = eval::compare(&truth, &pred);
    let mut out = Output::open(None)?;
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
    out.finish()
}
