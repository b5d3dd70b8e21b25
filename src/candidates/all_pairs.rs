//! Exact all-pairs scoring through an inverted index, parallel over documents.
//!
//! For document `a`, walking the postings of its terms adds `w_a * w_b` (story) or `1`
//! (shared shingle) into an accumulator slot per later document `b`; the accumulated value
//! is exactly the dot product or intersection size, summed in the same order (term id) as
//! the direct formula, so results equal [`Scorer::detail`] to the bit. Terms held by a
//! single document are left out of the index: they can never be shared.
//!
//! Guarantees: pairs come out sorted by `(a, b)` with `a < b`; identical for any thread
//! count.

use rayon::prelude::*;

use crate::config::Measure;
use crate::score::{Detail, Features, Scorer};

/// One scored pair of documents, `a < b` (indexes into the corpus).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// The earlier document.
    pub a: u32,
    /// The later document.
    pub b: u32,
    /// Its score and the score's parts.
    pub detail: Detail,
}

/// The inverted index: for each shared term, the documents holding it (ascending) and
/// their weights; and for each document, its shared terms.
struct Index {
    postings: Vec<Vec<(u32, f32)>>,
    doc_terms: Vec<Vec<(u32, f32)>>,
}

impl Index {
    fn build(scorer: &Scorer) -> Index {
        match &scorer.features {
            Features::Story(w) => {
                let mut postings: Vec<Vec<(u32, f32)>> =
                    w.df.iter()
                        .map(|&df| {
                            if df > 1 {
                                Vec::with_capacity(df as usize)
                            } else {
                                Vec::new()
                            }
                        })
                        .collect();
                let mut doc_terms = Vec::with_capacity(w.vectors.len());
                for (d, v) in w.vectors.iter().enumerate() {
                    let shared: Vec<(u32, f32)> = v
                        .terms
                        .iter()
                        .copied()
                        .filter(|&(t, _)| w.df[t as usize] > 1)
                        .collect();
                    for &(t, wt) in &shared {
                        postings[t as usize].push((d as u32, wt));
                    }
                    doc_terms.push(shared);
                }
                Index {
                    postings,
                    doc_terms,
                }
            }
            Features::Shingles(sets) => {
                let mut all: Vec<(u64, u32)> = sets
                    .iter()
                    .enumerate()
                    .flat_map(|(d, s)| s.iter().map(move |&h| (h, d as u32)))
                    .collect();
                all.par_sort_unstable();
                let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
                let mut doc_terms: Vec<Vec<(u32, f32)>> = vec![Vec::new(); sets.len()];
                for group in all.chunk_by(|x, y| x.0 == y.0) {
                    if group.len() < 2 {
                        continue;
                    }
                    let id = postings.len() as u32;
                    postings.push(group.iter().map(|&(_, d)| (d, 1.0)).collect());
                    for &(_, d) in group {
                        doc_terms[d as usize].push((id, 1.0));
                    }
                }
                Index {
                    postings,
                    doc_terms,
                }
            }
        }
    }
}

/// Per-worker scratch space: one accumulator slot per document, and the slots touched.
struct Scratch {
    acc: Vec<f64>,
    touched: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            acc: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    /// Accumulates document `a`'s overlap with every document `b` in `from..` sharing a term.
    fn accumulate(&mut self, index: &Index, a: usize, from: u32) {
        for &(t, wa) in &index.doc_terms[a] {
            let list = &index.postings[t as usize];
            let start = list.partition_point(|&(d, _)| d < from);
            for &(b, wb) in &list[start..] {
                if b as usize == a {
                    continue;
                }
                let slot = &mut self.acc[b as usize];
                if *slot == 0.0 {
                    self.touched.push(b);
                }
                *slot += f64::from(wa) * f64::from(wb);
            }
        }
    }

    /// Takes the accumulated values, leaving the scratch zeroed.
    fn drain(&mut self) -> Vec<(u32, f64)> {
        self.touched.sort_unstable();
        let out = self
            .touched
            .iter()
            .map(|&b| (b, std::mem::take(&mut self.acc[b as usize])))
            .collect();
        self.touched.clear();
        out
    }
}

/// Every pair `a < b` whose symmetric score is at least `min_score`, sorted by `(a, b)`.
/// With `min_score <= 0`, every pair is returned, including those with nothing in common.
pub fn all_pairs(scorer: &Scorer, min_score: f64) -> Vec<Pair> {
    AllPairs::new(scorer).pairs(min_score)
}

/// The exact all-pairs engine over one collection; build once, query many times.
pub struct AllPairs<'a> {
    scorer: &'a Scorer,
    index: Index,
}

impl<'a> AllPairs<'a> {
    /// Builds the inverted index of the scorer's features.
    pub fn new(scorer: &'a Scorer) -> AllPairs<'a> {
        AllPairs {
            scorer,
            index: Index::build(scorer),
        }
    }

    /// See [`all_pairs`].
    pub fn pairs(&self, min_score: f64) -> Vec<Pair> {
        self.pairs_in(0..self.scorer.len(), min_score)
    }

    /// The pairs `(a, b)` with `a` in `rows` (and `b > a`), as [`all_pairs`] would list them.
    pub fn pairs_in(&self, rows: std::ops::Range<usize>, min_score: f64) -> Vec<Pair> {
        let scorer = self.scorer;
        let n = scorer.len();
        let rows: Vec<Vec<Pair>> = rows
            .into_par_iter()
            .map_init(
                || Scratch::new(n),
                |scratch, a| {
                    scratch.accumulate(&self.index, a, a as u32 + 1);
                    let found = scratch.drain();
                    let mut row = Vec::new();
                    if min_score <= 0.0 {
                        let mut it = found.iter().peekable();
                        for b in a + 1..n {
                            let raw = match it.peek() {
                                Some(&&(d, raw)) if d as usize == b => {
                                    it.next();
                                    raw
                                }
                                _ => 0.0,
                            };
                            row.push(Pair {
                                a: a as u32,
                                b: b as u32,
                                detail: scorer.finish(a, b, raw),
                            });
                        }
                    } else {
                        for (b, raw) in found {
                            let detail = scorer.finish(a, b as usize, raw);
                            if detail.score >= min_score {
                                row.push(Pair {
                                    a: a as u32,
                                    b,
                                    detail,
                                });
                            }
                        }
                    }
                    row
                },
            )
            .collect();
        rows.into_iter().flatten().collect()
    }

    /// Rows `rows` of the dense matrix: the directional score of each row's document
    /// against every document, 1 on the diagonal (parallel over rows).
    pub fn dense_rows(&self, rows: std::ops::Range<usize>) -> Vec<Vec<f64>> {
        let scorer = self.scorer;
        let n = scorer.len();
        rows.into_par_iter()
            .map_init(
                || Scratch::new(n),
                |scratch, a| {
                    scratch.accumulate(&self.index, a, 0);
                    let mut row = vec![0.0; n];
                    for (b, raw) in scratch.drain() {
                        let d = scorer.finish(a, b as usize, raw);
                        row[b as usize] = match scorer.config.measure {
                            Measure::Containment => d.a_in_b,
                            _ => d.score,
                        };
                    }
                    row[a] = 1.0;
                    row
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ScoreConfig, ShingleKind};
    use crate::document::Document;

    fn corpus() -> Vec<Document> {
        [
            "Mayor Ines Calder closed the Harbor Bridge after cracks were found on Monday.",
            "Harbor Bridge shut: Mayor Calder cites cracks found Monday by inspectors.",
            "Grain prices in Velda rose 4% after the harvest failed.",
            "",
            "Mayor Ines Calder closed the Harbor Bridge after cracks were found on Monday.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Document::new(format!("d{i}"), *t))
        .collect()
    }

    #[test]
    fn index_equals_direct_scoring_for_every_measure() {
        for measure in [Measure::Story, Measure::Jaccard, Measure::Containment] {
            let docs = corpus();
            let s = Scorer::new(
                &docs,
                ScoreConfig {
                    measure,
                    shingle: ShingleKind::Word(2),
                    window_days: 3,
                },
            );
            let pairs = all_pairs(&s, 0.0);
            assert_eq!(pairs.len(), 10);
            for p in &pairs {
                assert!(p.a < p.b);
                assert_eq!(
                    p.detail,
                    s.detail(p.a as usize, p.b as usize),
                    "{measure} {p:?}"
                );
            }
            let dense = AllPairs::new(&s).dense_rows(0..docs.len());
            for (a, row) in dense.iter().enumerate() {
                for (b, &v) in row.iter().enumerate() {
                    let want = if a == b { 1.0 } else { s.directional(a, b) };
                    assert_eq!(v, want, "{measure} {a} {b}");
                }
            }
        }
    }

    #[test]
    fn floor_filters_and_keeps_order() {
        let docs = corpus();
        let s = Scorer::new(&docs, ScoreConfig::default());
        let pairs = all_pairs(&s, 0.2);
        let ids: Vec<(u32, u32)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert!(ids.contains(&(0, 1)) && ids.contains(&(0, 4)) && ids.contains(&(1, 4)));
        assert!(
            !ids.iter()
                .any(|&(a, b)| a == 2 || b == 2 || a == 3 || b == 3)
        );
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
