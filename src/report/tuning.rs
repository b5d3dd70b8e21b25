//! `tune`: the thresholds measured against a user's labels ([`Tuning`]), as readable lines
//! or CSV (JSON is the model itself). Thresholds are written as they were tried (`0.4725`,
//! not rounded), so that what is recommended can be passed to `cluster -t` as it is.

use std::io::Write;

use serde::Serialize;

use super::count;
use crate::tune::{MIN_GAIN, MIN_STORIES, Tuning};

/// Writes the setting and the labels, one line per threshold, then the best, the held-out
/// check and the recommendation.
///
/// # Errors
/// Any I/O error of `out`.
pub fn table(t: &Tuning, out: &mut dyn Write) -> std::io::Result<()> {
    let metric = t.metric.name();
    let s = &t.setting;
    let window = super::window_or_shingles(s.measure, s.window_days, s.shingle, s.dated);
    writeln!(
        out,
        "measure {}, linkage {}{window}; thresholds judged by {metric}",
        s.measure, s.linkage
    )?;
    writeln!(
        out,
        "{} labelled in {}{}\n",
        count(t.documents, "document"),
        count(t.stories, "story"),
        if t.unlabelled > 0 {
            format!(
                "; {} not labelled (in a labelled story's cluster, a false merge)",
                count(t.unlabelled, "other document")
            )
        } else {
            String::new()
        }
    )?;
    let width = t
        .rows
        .iter()
        .map(|r| r.threshold.to_string().len())
        .max()
        .unwrap_or(0)
        .max("threshold".len());
    writeln!(
        out,
        "{:>width$}     ARI  pairwise P  pairwise R  pairwise F1  B-cubed P  B-cubed R  B-cubed F1  clusters",
        "threshold"
    )?;
    for r in &t.rows {
        let a = &r.agreement;
        let mut marks = Vec::new();
        if r.threshold == t.current {
            marks.push("current");
        }
        if r.threshold == t.best {
            marks.push("best");
        }
        let line = format!(
            "{:>width$}  {:>6.4}  {:>10.4}  {:>10.4}  {:>11.4}  {:>9.4}  {:>9.4}  {:>10.4}  {:>8}  {}",
            r.threshold.to_string(),
            a.ari,
            a.pairwise.precision,
            a.pairwise.recall,
            a.pairwise.f1,
            a.bcubed.precision,
            a.bcubed.recall,
            a.bcubed.f1,
            r.clusters,
            marks.join(", ")
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "(clusters: those holding labelled documents)")?;
    let score = |threshold: f64| {
        t.rows
            .iter()
            .find(|r| r.threshold == threshold)
            .map_or(0.0, |r| t.metric.of(&r.agreement))
    };
    writeln!(
        out,
        "\nbest on every label: -t {} ({metric} {:.4}; at the current -t {}: {:.4})",
        t.best,
        score(t.best),
        t.current,
        score(t.current)
    )?;
    if t.best_at_edge {
        writeln!(
            out,
            "note: -t {} is the end of the thresholds tried; the best may lie beyond \
             (--thresholds)",
            t.best
        )?;
    }
    match &t.held_out {
        Some(h) => writeln!(
            out,
            "held out: chosen on half of the stories, measured on the other half, both ways \
             round: {metric} {:.4} (chose -t {} and {}), against {:.4} at the current -t",
            h.tuned, h.chosen[0], h.chosen[1], h.current
        )?,
        None => writeln!(
            out,
            "held out: not checked; each half of the stories needs {MIN_STORIES} stories of \
             two or more labelled documents"
        )?,
    }
    if t.recommended != t.current {
        return writeln!(out, "recommended: -t {}", t.recommended);
    }
    let why = match &t.held_out {
        _ if t.best == t.current => "the best on every label".to_owned(),
        None => "too few labelled stories to tell whether another threshold does better".to_owned(),
        Some(_) => format!(
            "chosen this way, no threshold did {MIN_GAIN} better on stories it was not \
             chosen on"
        ),
    };
    writeln!(out, "recommended: keep -t {} ({why})", t.current)
}

#[derive(Serialize)]
struct CsvRow {
    threshold: f64,
    ari: String,
    pairwise_precision: String,
    pairwise_recall: String,
    pairwise_f1: String,
    bcubed_precision: String,
    bcubed_recall: String,
    bcubed_f1: String,
    clusters: usize,
    documents: usize,
    current: bool,
    best: bool,
    recommended: bool,
}

/// Writes one CSV row per threshold, with flags for the current, best and recommended one.
///
/// # Errors
/// Any I/O error of `out`.
pub fn csv(t: &Tuning, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let f = |x: f64| format!("{x:.6}");
    for r in &t.rows {
        let a = &r.agreement;
        w.serialize(CsvRow {
            threshold: r.threshold,
            ari: f(a.ari),
            pairwise_precision: f(a.pairwise.precision),
            pairwise_recall: f(a.pairwise.recall),
            pairwise_f1: f(a.pairwise.f1),
            bcubed_precision: f(a.bcubed.precision),
            bcubed_recall: f(a.bcubed.recall),
            bcubed_f1: f(a.bcubed.f1),
            clusters: r.clusters,
            documents: a.documents,
            current: r.threshold == t.current,
            best: r.threshold == t.best,
            recommended: r.threshold == t.recommended,
        })
        .map_err(std::io::Error::other)?;
    }
    w.flush()
}
