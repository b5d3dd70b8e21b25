//! `storydedup._storydedup`: the Rust side of the Python package. Documents come in as
//! JSONL text (what pandas writes with `to_json(orient="records", lines=True)`), read by
//! the library's own JSONL reader, so a record is read, checked and refused exactly as the
//! command line reads a `.jsonl` file; results go back as the command line's CSV or JSON,
//! which the Python side turns into pandas objects. The GIL is released while Rust works.

mod split;

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use storydedup::candidates::{self, Engine};
use storydedup::config::{Candidates, ClusterConfig, Linkage, Measure, ScoreConfig, ShingleKind};
use storydedup::ingest::Source;
use storydedup::progress::Silent;
use storydedup::{Corpus, Error, Run, ingest, pipeline, report};

create_exception!(
    _storydedup,
    StorydedupError,
    PyValueError,
    "A bad input or setting: the one-line message the command line prints."
);

/// The name in-memory documents go by in messages (`docs:3: ...`).
const NAME: &str = "docs";

fn fail(e: &Error) -> PyErr {
    StorydedupError::new_err(format!("storydedup: {e}"))
}

fn usage(message: String) -> PyErr {
    StorydedupError::new_err(format!("storydedup: {message}"))
}

fn measure_of(name: &str) -> PyResult<Measure> {
    Measure::from_name(name).ok_or_else(|| {
        usage(format!(
            "measure {name:?}: expected story, jaccard or containment"
        ))
    })
}

fn linkage_of(name: &str) -> PyResult<Linkage> {
    Linkage::from_name(name).ok_or_else(|| {
        usage(format!(
            "linkage {name:?}: expected average, single or centroid"
        ))
    })
}

fn score_config(measure: &str, shingle: &str, window: u32) -> PyResult<ScoreConfig> {
    Ok(ScoreConfig {
        measure: measure_of(measure)?,
        shingle: shingle.parse::<ShingleKind>().map_err(|e| fail(&e))?,
        window_days: window,
    })
}

/// The clustering settings of `threshold` and `linkage` (`None`: the measure's defaults).
fn cluster_config(
    score: &ScoreConfig,
    threshold: Option<f64>,
    linkage: Option<&str>,
) -> PyResult<ClusterConfig> {
    Ok(ClusterConfig {
        threshold: match threshold {
            Some(t) => unit("threshold", t)?,
            None => score.measure.default_threshold(),
        },
        linkage: match linkage {
            Some(l) => linkage_of(l)?,
            None => score.measure.default_linkage(),
        },
    })
}

fn unit(name: &str, t: f64) -> PyResult<f64> {
    storydedup::config::check_unit(name, t).map_err(|e| fail(&e))
}

/// More threads than this only costs memory and start-up time (as on the command line).
const MAX_THREADS: usize = 1024;

/// Runs `work` on `threads` threads (`None`: one per core), without the GIL.
fn run_free<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<T> {
    if let Some(n) = threads.filter(|n| !(1..=MAX_THREADS).contains(n)) {
        return Err(usage(format!(
            "threads must be between 1 and {MAX_THREADS}, got {n}"
        )));
    }
    let result = py.allow_threads(|| match threads {
        None => Ok(work()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| e.to_string()),
    });
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(fail(&e)),
        Err(e) => Err(usage(format!("threads: {e}"))),
    }
}

fn read(jsonl: &str) -> Result<Corpus, Error> {
    let corpus = ingest::read_jsonl(NAME, jsonl.as_bytes())?;
    if corpus.is_empty() {
        return Err(Error::input(
            storydedup::error::Position::file(NAME),
            storydedup::error::InputError::NoDocuments,
        ));
    }
    Ok(corpus)
}

/// What a renderer writes, in memory.
fn rendered(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    render(&mut out).map_err(|source| Error::Output {
        path: "<memory>".into(),
        source,
    })?;
    Ok(out)
}

fn into_text(bytes: Vec<u8>) -> PyResult<String> {
    String::from_utf8(bytes).map_err(|e| usage(format!("output is not UTF-8: {e}")))
}

/// The clusters of the documents in `jsonl`, as `cluster -f csv` writes them.
#[pyfunction]
#[pyo3(signature = (jsonl, measure = "story", threshold = None, window = 3, linkage = None, shingle = "word:5", threads = None))]
// The keyword arguments of `storydedup.cluster`, one per command-line option.
#[allow(clippy::too_many_arguments)]
fn cluster_csv(
    py: Python<'_>,
    jsonl: &str,
    measure: &str,
    threshold: Option<f64>,
    window: u32,
    linkage: Option<&str>,
    shingle: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    let score = score_config(measure, shingle, window)?;
    let config = cluster_config(&score, threshold, linkage)?;
    let out = run_free(py, threads, || {
        // As `cluster -f csv` runs: each document's features taken as it is parsed, its
        // text let go (the CSV has no shared terms).
        let run = Run {
            candidates: Candidates::Auto,
            shared_terms: false,
            ..Run::default()
        };
        let mut prepared =
            run.read_from(Source::Jsonl(NAME, Box::new(jsonl.as_bytes())), &score)?;
        let clusters = run.cluster_prepared(&mut prepared, &score, &config)?;
        rendered(|out| report::csv::render(&clusters, &prepared.corpus, out))
    })?;
    into_text(out)
}

/// `tune -f json` of the documents in `jsonl` against `truth` (id and story pairs; a blank
/// story: not labelled).
#[pyfunction]
#[pyo3(signature = (jsonl, truth, thresholds = None, metric = "ari", measure = "story", threshold = None, window = 3, linkage = None, shingle = "word:5", threads = None))]
// The keyword arguments of `storydedup.tune`, one per command-line option.
#[allow(clippy::too_many_arguments)]
fn tune_json(
    py: Python<'_>,
    jsonl: &str,
    truth: Vec<(String, String)>,
    thresholds: Option<&str>,
    metric: &str,
    measure: &str,
    threshold: Option<f64>,
    window: u32,
    linkage: Option<&str>,
    shingle: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    let score = score_config(measure, shingle, window)?;
    let config = cluster_config(&score, threshold, linkage)?;
    let metric: storydedup::tune::Metric = metric.parse().map_err(usage)?;
    let grid = storydedup::tune::grid(thresholds, config.threshold)
        .map_err(|why| usage(format!("thresholds {thresholds:?}: {why}")))?;
    pipeline::check_grid(Candidates::Auto, &score, &config, &grid)
        .map_err(|(t, e)| usage(format!("thresholds {t}: {e}")))?;
    let out = run_free(py, threads, || {
        let corpus = read(jsonl)?;
        let (labels, _) = storydedup::tune::labels_of(&corpus, &truth)
            .map_err(|why| Error::Usage(format!("truth {why}")))?;
        let tuning = Run::default().tune(&corpus, &score, &config, &labels, &grid, metric)?;
        rendered(|out| serde_json::to_writer(out, &tuning).map_err(std::io::Error::from))
    })?;
    into_text(out)
}

/// Every pair scoring at least `min_score`, as `matrix -f long` writes them.
#[pyfunction]
#[pyo3(signature = (jsonl, measure = "story", min_score = 0.0, window = 3, shingle = "word:5", threads = None))]
fn pairs_csv(
    py: Python<'_>,
    jsonl: &str,
    measure: &str,
    min_score: f64,
    window: u32,
    shingle: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    let score = score_config(measure, shingle, window)?;
    let min_score = unit("min_score", min_score)?;
    let out = run_free(py, threads, || {
        let corpus = read(jsonl)?;
        // The engine `matrix -f long` picks: LSH for large jaccard collections.
        let engine = candidates::plan(Candidates::Auto, score.measure, corpus.len(), min_score)?;
        let scorer = pipeline::scorer(&corpus, score, &Silent);
        rendered(|out| match engine {
            Engine::Exact => report::matrix::render_long(&corpus, &scorer, min_score, out),
            engine => {
                let pairs = candidates::find(&scorer, &engine, min_score, &Silent);
                report::matrix::render_pairs(&corpus, &scorer, &pairs, out)
            }
        })
    })?;
    into_text(out)
}

/// The side-by-side comparison of the two documents in `jsonl`, as `diff -f json` writes it.
#[pyfunction]
#[pyo3(signature = (jsonl, window = 3))]
fn diff_json(py: Python<'_>, jsonl: &str, window: u32) -> PyResult<String> {
    let out = run_free(py, None, || {
        let corpus = read(jsonl)?;
        let d = pipeline::diff_documents(&corpus, 0, 1, window);
        rendered(|out| report::json::render_diff(&d, out))
    })?;
    into_text(out)
}

/// JSON lines of string columns (`None`: null), one record per row, fields in the order of
/// `names`: what pandas' `to_json(orient="records", lines=True)` writes for such columns,
/// five times faster (pandas 3 takes a quarter of a second for 10,000 articles, half the
/// time of the run itself).
#[pyfunction]
fn jsonl_of_columns(
    names: Vec<String>,
    columns: Vec<Vec<Option<Bound<'_, PyString>>>>,
) -> PyResult<String> {
    let rows = columns.first().map_or(0, Vec::len);
    if names.len() != columns.len() || columns.iter().any(|c| c.len() != rows) {
        return Err(usage("columns of different lengths".into()));
    }
    // The strings are read in place (no copy of an ASCII text), so the GIL stays held: the
    // whole takes a few hundredths of a second for 10,000 articles.
    let mut out = String::new();
    for r in 0..rows {
        out.push('{');
        for (k, (name, column)) in names.iter().zip(&columns).enumerate() {
            if k > 0 {
                out.push(',');
            }
            json_string(&mut out, name);
            out.push(':');
            match &column[r] {
                Some(v) => json_string(&mut out, v.to_str()?),
                None => out.push_str("null"),
            }
        }
        out.push_str("}\n");
    }
    Ok(out)
}

/// `s` as a JSON string: runs of plain bytes copied whole, the rest escaped.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if escaped.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escaped);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

#[pymodule]
fn _storydedup(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cluster_csv, m)?)?;
    m.add_function(wrap_pyfunction!(pairs_csv, m)?)?;
    m.add_function(wrap_pyfunction!(diff_json, m)?)?;
    m.add_function(wrap_pyfunction!(tune_json, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl_of_columns, m)?)?;
    m.add_function(wrap_pyfunction!(split::part_counts, m)?)?;
    m.add_function(wrap_pyfunction!(split::add_counts, m)?)?;
    m.add_function(wrap_pyfunction!(split::duplicate_id, m)?)?;
    m.add_function(wrap_pyfunction!(split::check, m)?)?;
    m.add_function(wrap_pyfunction!(split::part_facts, m)?)?;
    m.add_function(wrap_pyfunction!(split::bucket_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(split::pairs_between, m)?)?;
    m.add_function(wrap_pyfunction!(split::verify_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(split::clusters_of, m)?)?;
    m.add_function(wrap_pyfunction!(split::describe_batch, m)?)?;
    m.add("StorydedupError", m.py().get_type::<StorydedupError>())?;
    Ok(())
}
