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

use crate::score::{Detail, Features, Scorer};

/// Shards of the shingle index build (a power of two), by the top bits of the hash.
const SHARDS: u64 = 16;
const SHARD_SHIFT: u32 = 64 - SHARDS.trailing_zeros();

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

/// Rows of numbers packed end to end (compressed sparse rows): one allocation instead of
/// one per row, and no weights stored when they are all 1 (shingles).
#[derive(Default)]
struct Csr {
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Option<Vec<f32>>,
}

impl Csr {
    fn new(weighted: bool) -> Csr {
        Csr {
            offsets: vec![0],
            items: Vec::new(),
            weights: weighted.then(Vec::new),
        }
    }

    fn push_row(&mut self, row: impl IntoIterator<Item = (u32, f32)>) {
        for (item, w) in row {
            self.items.push(item);
            if let Some(ws) = &mut self.weights {
                ws.push(w);
            }
        }
        self.offsets.push(self.items.len());
    }

    fn row(&self, i: usize) -> (&[u32], Option<&[f32]>) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.items[r.clone()], self.weights.as_ref().map(|w| &w[r]))
    }
}

/// The inverted index: for each shared term, the documents holding it (ascending) and their
/// weights; and for each document, its shared terms. Terms held by one document are left
/// out: they can never be shared.
struct Index {
    postings: Csr,
    doc_terms: Csr,
}

impl Index {
    fn build(scorer: &Scorer) -> Index {
        match &scorer.features {
            Features::Story(w) => {
                let mut lists: Vec<Vec<(u32, f32)>> =
                    w.df.iter()
                        .map(|&df| {
                            if df > 1 {
                                Vec::with_capacity(df as usize)
                            } else {
                                Vec::new()
                            }
                        })
                        .collect();
                let mut doc_terms = Csr::new(true);
                for (d, v) in w.vectors.iter().enumerate() {
                    let shared = v
                        .terms
                        .iter()
                        .copied()
                        .filter(|&(t, _)| w.df[t as usize] > 1);
                    for (t, wt) in shared.clone() {
                        lists[t as usize].push((d as u32, wt));
                    }
                    doc_terms.push_row(shared);
                }
                let mut postings = Csr::new(true);
                for list in lists {
                    postings.push_row(list);
                }
                Index {
                    postings,
                    doc_terms,
                }
            }
            Features::Shingles(sets) => {
                let mut postings = Csr::new(false);
                let mut memberships: Vec<(u32, u32)> = Vec::new(); // (document, term id)
                // Sorting every (shingle, document) pair at once would hold them all in
                // memory; shards by the hash's top bits hold a sixteenth each, and since each
                // set is sorted, a document's shard is one contiguous slice. Term ids still
                // follow the global hash order.
                for shard in 0..SHARDS {
                    let (lo, hi) = (
                        shard << SHARD_SHIFT,
                        ((shard + 1) << SHARD_SHIFT).wrapping_sub(1),
                    );
                    let mut all: Vec<(u64, u32)> = sets
                        .iter()
                        .enumerate()
                        .flat_map(|(d, s)| {
                            let from = s.partition_point(|&h| h < lo);
                            let to = s.partition_point(|&h| h <= hi);
                            s[from..to].iter().map(move |&h| (h, d as u32))
                        })
                        .collect();
                    all.par_sort_unstable();
                    for group in all.chunk_by(|x, y| x.0 == y.0) {
                        if group.len() < 2 {
                            continue;
                        }
                        let id = (postings.offsets.len() - 1) as u32;
                        postings.push_row(group.iter().map(|&(_, d)| (d, 1.0)));
                        memberships.extend(group.iter().map(|&(_, d)| (d, id)));
                    }
                }
                memberships.par_sort_unstable();
                let mut doc_terms = Csr::new(false);
                let mut at = 0;
                for d in 0..sets.len() as u32 {
                    let start = at;
                    while at < memberships.len() && memberships[at].0 == d {
                        at += 1;
                    }
                    doc_terms.push_row(memberships[start..at].iter().map(|&(_, t)| (t, 1.0)));
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
        let (terms, term_weights) = index.doc_terms.row(a);
        for (k, &t) in terms.iter().enumerate() {
            let wa = term_weights.map_or(1.0, |w| f64::from(w[k]));
            let (docs, doc_weights) = index.postings.row(t as usize);
            let start = docs.partition_point(|&d| d < from);
            for (j, &b) in docs.iter().enumerate().skip(start) {
                if b as usize == a {
                    continue;
                }
                let wb = doc_weights.map_or(1.0, |w| f64::from(w[j]));
                let slot = &mut self.acc[b as usize];
                if *slot == 0.0 {
                    self.touched.push(b);
                }
                *slot += wa * wb;
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
                        row[b as usize] = scorer.directional_of(&d);
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
    use crate::config::{Measure, ScoreConfig, ShingleKind};
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
