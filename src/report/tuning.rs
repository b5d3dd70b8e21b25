//! `tune`: the thresholds measured against a user's labels ([`Tuning`]), as readable lines
//! or CSV (JSON is the model itself).

use std::io::Write;

use serde::Serialize;

use crate::tune::Tuning;

/// Writes one line per threshold, then the best, the held-out check and the
/// recommendation.
///
/// # Errors
/// Any I/O error of `out`.
pub fn table(t: &Tuning, out: &mut dyn Write) -> std::io::Result<()> {
    let metric = t.metric.name();
    writeln!(
        out,
        "{} labelled documents in {} stories; thresholds judged by {metric}\n",
        t.documents, t.stories
    )?;
    writeln!(
        out,
        "threshold     ARI  pairwise F1  B-cubed P  B-cubed R  B-cubed F1  clusters"
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
            "{:>9.3}  {:>6.4}  {:>11.4}  {:>9.4}  {:>9.4}  {:>10.4}  {:>8}  {}",
            r.threshold,
            a.ari,
            a.pairwise.f1,
            a.bcubed.precision,
            a.bcubed.recall,
            a.bcubed.f1,
            r.clusters,
            marks.join(", ")
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    let score = |threshold: f64| {
        t.rows
            .iter()
            .find(|r| r.threshold == threshold)
            .map_or(0.0, |r| t.metric.of(&r.agreement))
    };
    writeln!(
        out,
        "\nbest on every label: -t {:.3} ({metric} {:.4}; at the current -t {:.3}: {:.4})",
        t.best,
        score(t.best),
        t.current,
        score(t.current)
    )?;
    match &t.held_out {
        Some(h) => writeln!(
            out,
            "held out: chosen on half of the stories, measured on the other half, both ways \
             round: {metric} {:.4} (chose -t {:.3} and {:.3}), against {:.4} at the current -t",
            h.tuned, h.chosen[0], h.chosen[1], h.current
        )?,
        None => writeln!(
            out,
            "held out: not checked; each half of the stories needs {} stories of two or more \
             labelled documents",
            crate::tune::MIN_STORIES
        )?,
    }
    if t.recommended == t.current {
        writeln!(
            out,
            "recommended: keep -t {:.3} (no choice made this way was shown to do better on \
             stories it was not made on)",
            t.current
        )
    } else {
        writeln!(out, "recommended: -t {:.3}", t.recommended)
    }
}

#[derive(Serialize)]
struct CsvRow {
    threshold: String,
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
            threshold: format!("{:.3}", r.threshold),
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
