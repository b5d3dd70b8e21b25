//! Exact all-pairs scoring through an inverted index, parallel over documents.
//!
//! For document `a`, walking the postings of its terms adds `w_a * w_b` (story) or `1`
//! (shared shingle) into an accumulator slot per later document `b`; the accumulated value
//! is exactly the dot product or intersection size, summed in the same order (term id) as
//! the direct formula, so results equal [`Scorer::detail`] to the bit. Terms held by a
//! single document are left out of the index: they can never be shared.
//!
//! With the story measure and a date window, the postings are laid out in date order and a
//! document only walks the stretch of each list that lies within the window of its own date
//! (plus the undated documents, which may pair with anyone): pairs the window forbids score 0
//! anyway, so skipping them loses nothing, and a collection spanning months costs what its
//! busiest week costs, times the number of weeks.
//!
//! Guarantees: pairs come out sorted by `(a, b)` with `a < b`; identical for any thread
//! count, and equal with and without the date layout.

use rayon::prelude::*;

use crate::config::Measure;
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
    /// For each term, the positions (see `layout`) of the documents holding it, ascending.
    postings: Csr,
    /// For each document (by input index), its shared terms.
    doc_terms: Csr,
    layout: Layout,
}

/// The order of documents inside the postings: by date when a window binds (dated documents
/// first, by day then input index; then the undated ones), else input order.
struct Layout {
    /// Position -> document.
    order: Vec<u32>,
    /// Document -> position.
    pos: Vec<u32>,
    /// Positions from here on are undated (or no window binds: then 0).
    undated: u32,
    /// For each dated position, the positions `lo..hi` dated within the window of it.
    window: Vec<(u32, u32)>,
}

impl Layout {
    fn new(scorer: &Scorer) -> Layout {
        let n = scorer.len();
        let binds = scorer.config.measure == Measure::Story
            && scorer.config.window_days > 0
            && scorer.dates.iter().any(Option::is_some);
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut undated = 0;
        let mut window = Vec::new();
        if binds {
            let day = |d: u32| scorer.dates[d as usize].map(|x| x.days());
            // Undated last (`None` sorts first, hence the flag), then by day, then index.
            order.sort_by_key(|&d| (day(d).is_none(), day(d), d));
            undated = order.partition_point(|&d| day(d).is_some()) as u32;
            let days: Vec<i64> = order[..undated as usize]
                .iter()
                .map(|&d| i64::from(day(d).unwrap_or(0)))
                .collect();
            let w = i64::from(scorer.config.window_days);
            window = days
                .iter()
                .map(|&x| {
                    let lo = days.partition_point(|&y| y < x - w) as u32;
                    let hi = days.partition_point(|&y| y <= x + w) as u32;
                    (lo, hi)
                })
                .collect();
        }
        let mut pos = vec![0u32; n];
        for (p, &d) in order.iter().enumerate() {
            pos[d as usize] = p as u32;
        }
        Layout {
            order,
            pos,
            undated,
            window,
        }
    }

    /// The position ranges a document at position `p` must visit: only later positions
    /// (`later`, each pair once) or all of them (every partner).
    fn ranges(&self, p: u32, later: bool) -> [(u32, u32); 2] {
        let n = self.order.len() as u32;
        let none = (n, n);
        if p < self.undated {
            let (lo, hi) = self.window[p as usize];
            let lo = if later { p + 1 } else { lo };
            [(lo, hi), (self.undated, n)]
        } else if later {
            [(p + 1, n), none]
        } else {
            [(0, n), none]
        }
    }
}

impl Index {
    fn build(scorer: &Scorer) -> Index {
        let layout = Layout::new(scorer);
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
                let shared = |v: &'_ crate::weigh::TermVector| {
                    v.terms
                        .iter()
                        .copied()
                        .filter(|&(t, _)| w.df[t as usize] > 1)
                        .collect::<Vec<_>>()
                };
                for (p, &d) in layout.order.iter().enumerate() {
                    for (t, wt) in shared(&w.vectors[d as usize]) {
                        lists[t as usize].push((p as u32, wt));
                    }
                }
                let mut doc_terms = Csr::new(true);
                for v in &w.vectors {
                    doc_terms.push_row(shared(v));
                }
                let mut postings = Csr::new(true);
                for list in lists {
                    postings.push_row(list);
                }
                Index {
                    postings,
                    doc_terms,
                    layout,
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
                    layout,
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

    /// Accumulates document `a`'s overlap with every document sharing a term whose position
    /// lies in one of `ranges` (see [`Layout::ranges`]). Each slot sums over `a`'s terms in
    /// id order, as the direct formula does.
    fn accumulate(&mut self, index: &Index, a: usize, ranges: &[(u32, u32)]) {
        let own = index.layout.pos[a];
        let (terms, term_weights) = index.doc_terms.row(a);
        for (k, &t) in terms.iter().enumerate() {
            let wa = term_weights.map_or(1.0, |w| f64::from(w[k]));
            let (docs, doc_weights) = index.postings.row(t as usize);
            for &(lo, hi) in ranges {
                let start = docs.partition_point(|&p| p < lo);
                for (j, &p) in docs.iter().enumerate().skip(start) {
                    if p >= hi {
                        break;
                    }
                    if p == own {
                        continue;
                    }
                    let wb = doc_weights.map_or(1.0, |w| f64::from(w[j]));
                    let slot = &mut self.acc[p as usize];
                    if *slot == 0.0 {
                        self.touched.push(p);
                    }
                    *slot += wa * wb;
                }
            }
        }
    }

    /// Takes the accumulated values as `(document, value)` sorted by document, leaving the
    /// scratch zeroed.
    fn drain(&mut self, layout: &Layout) -> Vec<(u32, f64)> {
        let mut out: Vec<(u32, f64)> = self
            .touched
            .iter()
            .map(|&p| {
                (
                    layout.order[p as usize],
                    std::mem::take(&mut self.acc[p as usize]),
                )
            })
            .collect();
        out.sort_unstable_by_key(|x| x.0);
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
        let scorer = self.scorer;
        let n = scorer.len();
        if min_score <= 0.0 {
            return self.pairs_in(0..n, min_score);
        }
        let layout = &self.index.layout;
        // Each document visits the positions after its own, so every pair is met once, by
        // whichever of the two comes first in the layout.
        let rows: Vec<Vec<Pair>> = (0..n as u32)
            .into_par_iter()
            .map_init(
                || Scratch::new(n),
                |scratch, p| {
                    let a = layout.order[p as usize] as usize;
                    scratch.accumulate(&self.index, a, &layout.ranges(p, true));
                    let mut row = Vec::new();
                    for (b, raw) in scratch.drain(layout) {
                        let (x, y) = if (b as usize) < a {
                            (b as usize, a)
                        } else {
                            (a, b as usize)
                        };
                        let detail = scorer.finish(x, y, raw);
                        if detail.score >= min_score {
                            row.push(Pair {
                                a: x as u32,
                                b: y as u32,
                                detail,
                            });
                        }
                    }
                    row
                },
            )
            .collect();
        let mut pairs: Vec<Pair> = rows.into_iter().flatten().collect();
        pairs.sort_unstable_by_key(|p| (p.a, p.b));
        pairs
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
                    let layout = &self.index.layout;
                    scratch.accumulate(&self.index, a, &layout.ranges(layout.pos[a], false));
                    let found: Vec<(u32, f64)> = scratch
                        .drain(layout)
                        .into_iter()
                        .filter(|&(b, _)| b as usize > a)
                        .collect();
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
                    let layout = &self.index.layout;
                    scratch.accumulate(&self.index, a, &layout.ranges(layout.pos[a], false));
                    let mut row = vec![0.0; n];
                    for (b, raw) in scratch.drain(layout) {
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
