//! `matrix`: the similarity of every pair, streamed in blocks of rows so memory stays flat
//! however many pairs there are.
//!
//! - dense: header `id,<id1>,...,<idN>`; row r, column c holds score(r, c) with four
//!   decimals (for `containment`, the share of r found in c); the diagonal is 1.
//!   `pd.read_csv(path, index_col=0)` loads it.
//! - long: header `a,b,score` plus the measure's parts (`names`, `terms`, `days_apart` for
//!   story: the parts of the score carried by shared names and numbers and by other words,
//!   which add up to it;
//!   `shared` for jaccard; `a_in_b,b_in_a` for containment); one row per pair `a` before
//!   `b` in input order with `score >= min_score`.

use std::io::Write;

use crate::candidates::{AllPairs, Pair};
use crate::config::Measure;
use crate::document::Corpus;
use crate::score::{Features, Scorer};

use super::csv::csv_io;
use super::fmt_score;

/// Rows computed in parallel before being written.
const BLOCK: usize = 256;

/// Writes the dense matrix.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_dense(corpus: &Corpus, scorer: &Scorer, out: impl Write) -> std::io::Result<()> {
    let engine = AllPairs::new(scorer);
    let n = corpus.len();
    let mut w = ::csv::Writer::from_writer(out);
    let mut header = Vec::with_capacity(n + 1);
    header.push("id");
    header.extend(corpus.docs.iter().map(|d| d.id.as_str()));
    w.write_record(&header).map_err(csv_io)?;
    let mut start = 0;
    let mut record: Vec<String> = Vec::with_capacity(n + 1);
    while start < n {
        let end = (start + BLOCK).min(n);
        for (r, row) in (start..end).zip(engine.dense_rows(start..end)) {
            record.clear();
            record.push(corpus.docs[r].id.clone());
            record.extend(row.into_iter().map(fmt_score));
            w.write_record(&record).map_err(csv_io)?;
        }
        start = end;
    }
    w.flush()
}

/// The header of the long format for a measure.
fn long_header(measure: Measure) -> &'static [&'static str] {
    match measure {
        Measure::Story => &["a", "b", "score", "names", "terms", "days_apart"],
        Measure::Jaccard => &["a", "b", "score", "shared"],
        Measure::Containment => &["a", "b", "score", "a_in_b", "b_in_a"],
    }
}

/// Writes the long pair list.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_long(
    corpus: &Corpus,
    scorer: &Scorer,
    min_score: f64,
    out: impl Write,
) -> std::io::Result<()> {
    let engine = AllPairs::new(scorer);
    let n = corpus.len();
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(long_header(scorer.config.measure))
        .map_err(csv_io)?;
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        write_pairs(
            &mut w,
            corpus,
            scorer,
            &engine.pairs_in(start..end, min_score),
        )?;
        start = end;
    }
    w.flush()
}

/// Writes the long pair list of pairs found beforehand (sorted by `(a, b)`), such as the
/// verified LSH candidates.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_pairs(
    corpus: &Corpus,
    scorer: &Scorer,
    pairs: &[Pair],
    out: impl Write,
) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(long_header(scorer.config.measure))
        .map_err(csv_io)?;
    write_pairs(&mut w, corpus, scorer, pairs)?;
    w.flush()
}

fn write_pairs<W: Write>(
    w: &mut ::csv::Writer<W>,
    corpus: &Corpus,
    scorer: &Scorer,
    pairs: &[Pair],
) -> std::io::Result<()> {
    let measure = scorer.config.measure;
    for p in pairs {
        let (a, b, d) = (
            &corpus.docs[p.a as usize].id,
            &corpus.docs[p.b as usize].id,
            p.detail,
        );
        let mut rec = vec![a.clone(), b.clone(), fmt_score(d.score)];
        match measure {
            Measure::Story => {
                // What carried the cosine: shared names and numbers, and other words.
                let (names, terms) = match &scorer.features {
                    Features::Story(w) if d.score > 0.0 || d.days_apart.is_some() => {
                        w.vectors[p.a as usize].cosine_parts(&w.vectors[p.b as usize], &w.salient)
                    }
                    _ => (0.0, 0.0),
                };
                // Shown as the parts of the score they carry, so that they add up to it.
                let total = names + terms;
                let share = |x: f64| {
                    if total > 0.0 {
                        d.score * x / total
                    } else {
                        0.0
                    }
                };
                rec.push(fmt_score(share(names)));
                rec.push(fmt_score(share(terms)));
                rec.push(d.days_apart.map(|x| x.to_string()).unwrap_or_default());
            }
            Measure::Jaccard => rec.push(d.shared.to_string()),
            Measure::Containment => {
                rec.push(fmt_score(d.a_in_b));
                rec.push(fmt_score(d.b_in_a));
            }
        }
        w.write_record(&rec).map_err(csv_io)?;
    }
    Ok(())
}
