//! `storydedup index ...`: the live story index's commands (flags to settings, library
//! call, render, write atomically).

use storydedup::config::{Linkage, ShingleKind, check_unit};
use storydedup::error::Error;
use storydedup::error::InputError;
use storydedup::index::{AddSummary, Index, Wanted};
use storydedup::progress::thousands;
use storydedup::{ingest, pipeline, report};

use crate::bar::Bars;
use crate::cli::{
    ClusterFormat, IndexAddArgs, IndexClustersArgs, IndexCommand, IndexQueryArgs, IndexRunArgs,
    IndexStatsArgs, LinkageArg, QueryFormat, StatsFormat,
};
use crate::options::{check_window, field_names, measure, print_warning_list, set_threads};
use crate::output::{finish_output, open_output, write_stdout};

pub fn run(command: IndexCommand) -> Result<(), Error> {
    match command {
        IndexCommand::Add(args) => add(args),
        IndexCommand::Query(args) => query(args),
        IndexCommand::Clusters(args) => clusters(args),
        IndexCommand::Stats(args) => stats(args),
    }
}

fn bars_of(args: &IndexRunArgs) -> Result<Bars, Error> {
    set_threads(args.threads)?;
    Ok(Bars::new(args.quiet, args.verbose))
}

/// The run every index command clusters with: the exact engine, shared terms as the
/// output needs them.
fn run_of<'a>(bars: &'a Bars, shared_terms: bool) -> pipeline::Run<'a> {
    pipeline::Run {
        shared_terms,
        progress: bars,
        ..pipeline::Run::default()
    }
}

fn wanted(args: &IndexAddArgs) -> Result<Wanted, Error> {
    Ok(Wanted {
        measure: args.measure.map(measure),
        shingle: args
            .shingle
            .as_deref()
            .map(str::parse::<ShingleKind>)
            .transpose()?,
        window_days: args.window.map(check_window).transpose()?,
        threshold: args
            .threshold
            .map(|t| check_unit("--threshold", t))
            .transpose()?,
        linkage: args.linkage.map(|l| match l {
            LinkageArg::Average => Linkage::Average,
            LinkageArg::Single => Linkage::Single,
            LinkageArg::Centroid => Linkage::Centroid,
        }),
    })
}

fn add(args: IndexAddArgs) -> Result<(), Error> {
    let wanted = wanted(&args)?;
    let bars = bars_of(&args.input.index)?;
    let names = field_names(&args.input.fields);
    let reading = ingest::Reading {
        progress: &bars,
        fields: Some(&names),
    };
    // Read before the database is touched: bad input leaves no trace. A quiet day (an
    // empty file or standard input; a missing path or an empty directory is refused by the
    // reader) adds nothing and is no error.
    let corpus = match reading.read(&args.input.inputs) {
        Err(Error::Input {
            kind: InputError::NoDocuments,
            ..
        }) => None,
        read => Some(read?),
    };

    let mut index = Index::open_for_adding(&args.input.index.db, &wanted)?;
    let s = match corpus {
        Some(corpus) => {
            print_warning_list(
                &corpus.warnings,
                args.input.index.quiet,
                args.input.index.verbose,
            );
            index.add(corpus, args.replace, &run_of(&bars, false))?
        }
        None => AddSummary::default(),
    };
    let totals = index.stats()?;
    let n = |x: usize| thousands(x as u64);
    let mut line = format!(
        "added {} documents: {} joined known stories, {} formed {} new stories",
        n(s.added),
        n(s.joined),
        n(s.added - s.joined),
        n(s.new_stories),
    );
    if s.merged > 0 || s.moved > 0 {
        line.push_str(&format!(
            "; {} stories merged into others, {} stored documents moved",
            n(s.merged),
            n(s.moved)
        ));
    }
    if s.replaced > 0 {
        line.push_str(&format!("; {} replaced", n(s.replaced)));
    }
    line.push_str(&format!(
        " ({}: {} documents in {} stories)\n",
        args.input.index.db.display(),
        thousands(totals.documents),
        thousands(totals.stories)
    ));
    write_stdout(line.as_bytes())
}

fn query(args: IndexQueryArgs) -> Result<(), Error> {
    report::Output::check(args.output.as_deref())?;
    let bars = bars_of(&args.input.index)?;
    let index = Index::open(&args.input.index.db)?;
    let names = field_names(&args.input.fields);
    let reading = ingest::Reading {
        progress: &bars,
        fields: Some(&names),
    };
    let corpus = reading.read(&args.input.inputs)?;
    print_warning_list(
        &corpus.warnings,
        args.input.index.quiet,
        args.input.index.verbose,
    );
    let answers = index.query(corpus, &run_of(&bars, false))?;
    let mut out = open_output(args.output.as_deref())?;
    let name = out.name();
    match args.format {
        QueryFormat::Table => report::index::answers_table(&answers, &mut out),
        QueryFormat::Csv => report::index::answers_csv(&answers, &mut out),
        QueryFormat::Json => report::index::answers_json(&answers, &mut out),
    }
    .map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

fn clusters(args: IndexClustersArgs) -> Result<(), Error> {
    report::Output::check(args.output.as_deref())?;
    let bars = bars_of(&args.index)?;
    let index = Index::open(&args.index.db)?;
    let shared_terms = !matches!(args.format, ClusterFormat::Csv);
    let (corpus, report) = index.clusters(&run_of(&bars, shared_terms))?;
    let mut out = open_output(args.output.as_deref())?;
    let name = out.name();
    match args.format {
        ClusterFormat::Table => report::table::render(&report, &corpus, &mut out),
        ClusterFormat::Csv => report::csv::render(&report, &corpus, &mut out),
        ClusterFormat::Json => report::json::render(&report, &corpus, &mut out),
    }
    .map_err(|source| Error::Output { path: name, source })?;
    finish_output(out)
}

fn stats(args: IndexStatsArgs) -> Result<(), Error> {
    let index = Index::open(&args.db)?;
    let s = index.stats()?;
    let path = args.db.display().to_string();
    let mut text = Vec::new();
    match args.format {
        StatsFormat::Table => report::index::stats_table(&s, &path, &mut text),
        StatsFormat::Json => report::index::stats_json(&s, &path, &mut text),
    }
    .map_err(|source| Error::Output {
        path: "<stdout>".into(),
        source,
    })?;
    write_stdout(&text)
}
