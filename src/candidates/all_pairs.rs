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

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use crate::config::Measure;
use crate::progress::{Progress, Silent};
use crate::score::{Detail, Features, Scorer};

/// Shards of the shingle index build (a power of two), by the top bits of the hash.
const SHARDS: u64 = 16;
const SHARD_SHIFT: u32 = 64 - SHARDS.trailing_zeros();

/// The clustering's pair search ([`AllPairs::pairs_guarded`]) walks no term held by more
/// than `max(WALK_MIN, n / WALK_SHARE_DIV)` documents: with 200,000 short texts cut from one
/// template, every document holds the template's words, and walking them is `n^2` work for
/// pairs that rarer shared terms find anyway. Up to 20,000 documents nothing is left out;
/// beyond, a pair is missed only if it shares nothing but such terms.
pub const WALK_MIN: usize = 20_000;
/// See [`WALK_MIN`].
pub const WALK_SHARE_DIV: usize = 5;
/// The clustering keeps at most `max(ROW_MIN, EDGE_BUDGET / n)` pairs per document (its
/// best-scoring partners among those it meets): the similarity graph then holds about
/// `EDGE_BUDGET` pairs at most (about 1 GB with the clustering's own tables), however many
/// documents are alike. Stories are small, so news collections come nowhere near; thousands
/// of copies of one text do.
pub const EDGE_BUDGET: usize = 10_000_000;
/// See [`EDGE_BUDGET`].
pub const ROW_MIN: usize = 50;

/// What the guards of [`AllPairs::pairs_guarded`] left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Guarded {
    /// Terms too common to walk.
    pub skipped_terms: usize,
    /// Documents whose pairs were cut to the cap.
    pub capped_documents: usize,
    /// The cap: pairs kept per document.
    pub cap: usize,
}

/// The most documents a term may be held by and still be walked, in a collection of `n`
/// ([`WALK_MIN`]).
pub fn walk_limit(n: usize) -> usize {
    WALK_MIN.max(n / WALK_SHARE_DIV)
}

/// The most pairs a document keeps in a collection of `n` ([`EDGE_BUDGET`]).
pub fn row_cap(n: usize) -> usize {
    ROW_MIN.max(EDGE_BUDGET / n.max(1))
}

/// Cuts one document's row of pairs to its `cap` best (ties to the earlier pair); true
/// when it had more.
pub fn cap_row(row: &mut Vec<Pair>, cap: usize) -> bool {
    cap_by(row, cap, |p| (p.detail.score, p.a, p.b))
}

/// [`cap_row`] for rows of anything with a score and a pair (`key`: score, a, b).
pub fn cap_by<T>(row: &mut Vec<T>, cap: usize, key: impl Fn(&T) -> (f64, u32, u32)) -> bool {
    if row.len() <= cap {
        return false;
    }
    row.sort_unstable_by(|l, r| {
        let ((sl, al, bl), (sr, ar, br)) = (key(l), key(r));
        sr.total_cmp(&sl).then((al, bl).cmp(&(ar, br)))
    });
    row.truncate(cap);
    true
}

/// What a larger collection says of the terms of a search inside it
/// ([`AllPairs::rows_within`]).
pub struct Whole<'s> {
    /// Documents in the larger collection.
    pub documents: usize,
    /// Documents of the larger collection holding each term id of the searched one
    /// (story features; `None` for shingles, whose guard the larger collection must not
    /// need: at most [`WALK_MIN`] documents).
    pub df: Option<&'s [u32]>,
}

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

/// In the story postings, the entries of a term that is one of its document's actors
/// ([`crate::weigh::Weights::actors`]) are stored negated: a walk learns for free whether a
/// pair shares an actor of either document (it visits every shared term), which the score
/// needs, instead of looking each actor up in the other document's vector afterwards (a
/// fifth of a run on a large collection, waiting on memory). Weights are positive, so the
/// sign is free, and magnitudes are summed as before.
const ACTOR_SIGN: u32 = 1 << 31;

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

    /// The rows `row(0..n)`, packed in order: each row's length counted first, then the
    /// rows written straight to their places, in parallel blocks (no second copy to pack).
    fn from_rows<I>(n: usize, weighted: bool, row: impl Fn(usize) -> I + Sync) -> Csr
    where
        I: IntoIterator<Item = (u32, f32)>,
    {
        const BLOCK: usize = 256;
        let lens: Vec<usize> = (0..n)
            .into_par_iter()
            .map(|d| row(d).into_iter().count())
            .collect();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for len in lens {
            offsets.push(offsets.last().expect("offsets start with 0") + len);
        }
        let total = offsets[n];
        let mut items = vec![0u32; total];
        let mut weights = vec![0f32; if weighted { total } else { 0 }];
        let bounds: Vec<usize> = (0..n).step_by(BLOCK).chain([n]).collect();
        let parts = split_rows(&offsets, &bounds, &mut items, &mut weights, weighted);
        parts.into_par_iter().for_each(|(lo, hi, part, wpart)| {
            let mut k = 0;
            for d in lo..hi {
                for (item, w) in row(d) {
                    part[k] = item;
                    if weighted {
                        wpart[k] = w;
                    }
                    k += 1;
                }
            }
            debug_assert_eq!(k, part.len(), "row() gives the same rows twice");
        });
        Csr {
            offsets,
            items,
            weights: weighted.then_some(weights),
        }
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
    /// Terms left out for being held by more documents than the walk limit.
    skipped: usize,
    /// For each document, its left-out terms (story features; empty otherwise).
    common: Csr,
    /// For each document, the length of its vector over the left-out terms (story
    /// features with terms left out; empty otherwise): by Cauchy-Schwarz, what those terms
    /// can add to a pair's dot product is at most the product of the two lengths.
    common_norms: Vec<f64>,
    /// Aligned with `doc_terms`: the index of the document itself in each term's postings
    /// (story features; empty otherwise, and then searched for).
    own_slot: Vec<u32>,
    /// For each term, the first index in its postings of an undated position.
    undated_from: Vec<u32>,
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

/// Rows `lo..hi` of a [`Csr`] being filled: `(lo, hi, items, weights)`.
type RowsPart<'a> = (usize, usize, &'a mut [u32], &'a mut [f32]);

/// Cuts `items` and `weights` (empty when not `weighted`), laid out by `offsets`, at the
/// rows `bounds` (ascending, first 0, last the row count): for each pair of neighbouring
/// bounds, its rows `lo..hi` and their items and weights, for tasks that fill them apart.
fn split_rows<'a>(
    offsets: &[usize],
    bounds: &[usize],
    mut items: &'a mut [u32],
    mut weights: &'a mut [f32],
    weighted: bool,
) -> Vec<RowsPart<'a>> {
    let mut parts = Vec::with_capacity(bounds.len().saturating_sub(1));
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let len = offsets[hi] - offsets[lo];
        let (part, rest) = std::mem::take(&mut items).split_at_mut(len);
        items = rest;
        let (wpart, wrest) =
            std::mem::take(&mut weights).split_at_mut(if weighted { len } else { 0 });
        weights = wrest;
        parts.push((lo, hi, part, wpart));
    }
    parts
}

/// Most parts the story postings are built in (see [`postings_of`]).
const MAX_BUILD_PARTS: usize = 8;

/// The postings of `doc_terms` (`terms` terms): each term's documents by position in
/// `order`, with their weights; and, aligned with `doc_terms`, where each document sits in
/// each of its lists, so that a walk over the later documents starts there without a
/// search (searches were two thirds of the walk on long lists). Laid out by counting: each
/// list's length first, then every document written straight to its place, with no list
/// of its own to grow and copy.
fn postings_of(doc_terms: &Csr, terms: usize, order: &[u32]) -> (Csr, Vec<u32>) {
    let mut offsets = vec![0usize; terms + 1];
    for &t in &doc_terms.items {
        offsets[t as usize + 1] += 1;
    }
    for t in 0..terms {
        offsets[t + 1] += offsets[t];
    }
    let total = offsets[terms];
    let mut items = vec![0u32; total];
    let doc_weights = doc_terms.weights.as_deref();
    let mut weights = vec![0f32; if doc_weights.is_some() { total } else { 0 }];
    // Each part of the term range is written by one task, which reads every document's
    // terms and places those in its range: the writes, which land all over the lists and
    // wait for memory, are shared out, and each list is still filled in position order.
    // Each (document, term) has one writer, so relaxed stores need no other order, and
    // the end of the parallel loop (a join) makes them all visible to this thread. Every
    // task reads all the rows, so the parts are few: enough to share out the writes.
    let own_slot: Vec<AtomicU32> = doc_terms.items.iter().map(|_| AtomicU32::new(0)).collect();
    let parts = (rayon::current_num_threads() * 2).clamp(1, MAX_BUILD_PARTS.min(terms.max(1)));
    let mut bounds = vec![0usize];
    for k in 1..parts {
        let t = offsets
            .partition_point(|&o| o < total * k / parts)
            .min(terms);
        bounds.push(t.max(*bounds.last().expect("bounds start with 0")));
    }
    bounds.push(terms);
    let tasks = split_rows(
        &offsets,
        &bounds,
        &mut items,
        &mut weights,
        doc_weights.is_some(),
    );
    tasks.into_par_iter().for_each(|(lo, hi, part, wpart)| {
        if lo == hi {
            return;
        }
        let base = offsets[lo];
        let mut next: Vec<usize> = offsets[lo..hi].iter().map(|&o| o - base).collect();
        for (p, &d) in order.iter().enumerate() {
            let row = doc_terms.offsets[d as usize]..doc_terms.offsets[d as usize + 1];
            for i in row {
                let t = doc_terms.items[i] as usize;
                if t < lo || t >= hi {
                    continue;
                }
                let at = next[t - lo];
                own_slot[i].store((base + at - offsets[t]) as u32, Ordering::Relaxed);
                part[at] = p as u32;
                if let Some(w) = doc_weights {
                    wpart[at] = w[i];
                }
                next[t - lo] += 1;
            }
        }
    });
    let postings = Csr {
        offsets,
        items,
        weights: doc_weights.map(|_| weights),
    };
    let own_slot = own_slot.into_iter().map(AtomicU32::into_inner).collect();
    (postings, own_slot)
}

impl Index {
    /// The index; terms held by more than `walk_limit` documents get no postings (see
    /// [`WALK_MIN`]), and `skipped` counts them. With `whole_df` (story features: each term
    /// id's document frequency in a larger collection this one is part of), that count
    /// decides which terms are too common, as it would in the larger collection.
    fn build(scorer: &Scorer, walk_limit: usize, whole_df: Option<&[u32]>) -> Index {
        let layout = Layout::new(scorer);
        let walked = |df: usize| df > 1 && df <= walk_limit;
        match &scorer.features {
            Features::Story(w) => {
                let too_common = |t: u32| {
                    whole_df.map_or(w.df[t as usize], |d| d[t as usize]) as usize > walk_limit
                };
                let walked = |t: u32| w.df[t as usize] > 1 && !too_common(t);
                // An actor's entries carry a negative weight (see `ACTOR_SIGN`).
                let doc_terms = Csr::from_rows(w.vectors.len(), true, |d| {
                    let actors = w.actors.get(d).map_or(&[][..], Vec::as_slice);
                    w.vectors[d]
                        .terms
                        .iter()
                        .copied()
                        .filter(|&(t, _)| walked(t))
                        .map(move |(t, x)| {
                            if actors.binary_search(&t).is_ok() {
                                (t, -x)
                            } else {
                                (t, x)
                            }
                        })
                });
                let (postings, own_slot) = postings_of(&doc_terms, w.df.len(), &layout.order);
                let undated_from = (0..postings.offsets.len() - 1)
                    .into_par_iter()
                    .map(|t| {
                        let row = postings.row(t).0;
                        row.partition_point(|&p| p < layout.undated) as u32
                    })
                    .collect();
                let skipped = (0..w.df.len() as u32).filter(|&t| too_common(t)).count();
                // Each document's unwalked terms, to complete the walked part of a dot
                // product; none when nothing was left out.
                let common = if skipped > 0 {
                    Csr::from_rows(w.vectors.len(), true, |d| {
                        w.vectors[d]
                            .terms
                            .iter()
                            .copied()
                            .filter(|&(t, _)| too_common(t))
                    })
                } else {
                    Csr::new(true)
                };
                let common_norms = if skipped > 0 {
                    (0..w.vectors.len())
                        .map(|d| {
                            let weights = common.row(d).1.unwrap_or(&[]);
                            weights
                                .iter()
                                .map(|&x| f64::from(x) * f64::from(x))
                                .sum::<f64>()
                                .sqrt()
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Index {
                    postings,
                    doc_terms,
                    layout,
                    skipped,
                    common,
                    common_norms,
                    own_slot,
                    undated_from,
                }
            }
            Features::Shingles(sets) => {
                assert!(
                    whole_df.is_none(),
                    "a larger collection's counts are of terms"
                );
                let mut skipped = 0;
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
                        if !walked(group.len()) {
                            skipped += usize::from(group.len() > 1);
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
                    skipped,
                    common: Csr::new(true),
                    common_norms: Vec::new(),
                    own_slot: Vec::new(),
                    undated_from: Vec::new(),
                }
            }
        }
    }

    /// At least what the unwalked terms can add to the dot product of `a` and `b` (story
    /// features; infinite when unknown): the product of the two vectors' lengths over
    /// those terms, with a margin far above the rounding of the sum it bounds.
    fn common_bound(&self, a: usize, b: usize) -> f64 {
        match (self.common_norms.get(a), self.common_norms.get(b)) {
            (Some(x), Some(y)) => x * y * (1.0 + 1e-9) + 1e-12,
            _ => f64::INFINITY,
        }
    }

    /// What the unwalked terms add to the dot product of `a` and `b` (story features only;
    /// `None` for shingles, whose pairs are then scored directly).
    fn common_part(&self, a: usize, b: usize) -> Option<f64> {
        if self.common.offsets.len() <= 1 {
            return None;
        }
        let (ta, wa) = self.common.row(a);
        let (tb, wb) = self.common.row(b);
        let (wa, wb) = (wa?, wb?);
        let (mut i, mut j, mut sum) = (0, 0, 0.0f64);
        while i < ta.len() && j < tb.len() {
            match ta[i].cmp(&tb[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += f64::from(wa[i]) * f64::from(wb[j]);
                    i += 1;
                    j += 1;
                }
            }
        }
        Some(sum)
    }
}

/// Per-worker scratch space: one accumulator slot per document, and the slots touched.
struct Scratch {
    acc: Vec<f64>,
    /// The slots touched, in the order first touched: the first `count` entries of a
    /// buffer with room for every document, so that recording one is a store and an add
    /// rather than a branch on whether the slot was empty (which no predictor can guess
    /// on a long list, and which doubled the cost of a walk).
    touched: Vec<u32>,
    count: usize,
    /// For each slot, 1 once a shared term was an actor of either document (story walks
    /// over the later documents only; see [`ACTOR_SIGN`]).
    named: Vec<u8>,
    /// The lists a story walk visits: term, where to start and end in the postings'
    /// items, the document's weight.
    walks: Vec<(u32, usize, usize, f32)>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            acc: vec![0.0; n],
            touched: vec![0; n + 1],
            count: 0,
            named: vec![0; n],
            walks: Vec::new(),
        }
    }

    /// Accumulates document `a`'s overlap with every document sharing a term whose position
    /// lies in one of `ranges` (see [`Layout::ranges`]). Each slot sums over `a`'s terms in
    /// id order, as the direct formula does.
    fn accumulate(&mut self, index: &Index, a: usize, ranges: &[(u32, u32)]) {
        let own = index.layout.pos[a];
        let (terms, term_weights) = index.doc_terms.row(a);
        for (k, &t) in terms.iter().enumerate() {
            let wa = term_weights.map_or(1.0, |w| f64::from(w[k].abs()));
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
                    let wb = doc_weights.map_or(1.0, |w| f64::from(w[j].abs()));
                    let slot = &mut self.acc[p as usize];
                    self.touched[self.count] = p;
                    self.count += usize::from(*slot == 0.0);
                    *slot += wa * wb;
                }
            }
        }
    }

    /// [`Self::accumulate`] over the positions after `a`'s own (`Layout::ranges(.., true)`),
    /// starting each list at `a`'s own place in it rather than searching for it.
    fn accumulate_later(&mut self, index: &Index, a: usize) {
        let layout = &index.layout;
        let own = layout.pos[a];
        if index.own_slot.is_empty() {
            return self.accumulate(index, a, &layout.ranges(own, true));
        }
        let n = layout.order.len() as u32;
        let dated = own < layout.undated;
        let hi = if dated {
            layout.window[own as usize].1
        } else {
            n
        };
        let (terms, term_weights) = index.doc_terms.row(a);
        let first = index.doc_terms.offsets[a];
        let Scratch {
            acc,
            touched,
            count,
            named,
            walks,
        } = self;
        // Story postings carry weights (`own_slot` is only kept for them).
        let term_weights = term_weights.expect("story terms are weighted");
        let undated = dated && layout.undated < n;
        // First only which lists have anything to walk, in a loop of independent reads: the
        // start of each list is far from the last one's in memory, and reads side by side
        // wait for memory together, where the walk below would wait for each in turn. A
        // list left out adds nothing to any sum, so every sum keeps its order.
        let postings = &index.postings;
        let items = &postings.items;
        let weights = postings
            .weights
            .as_deref()
            .expect("story postings are weighted");
        walks.clear();
        for ((&t, &wa), &own) in terms.iter().zip(term_weights).zip(&index.own_slot[first..]) {
            let t = t as usize;
            let (start, end) = (postings.offsets[t], postings.offsets[t + 1]);
            let after = start + own as usize + 1;
            if (after < end && items[after] < hi) || undated {
                // The weights live in an array of their own: read this list's first one
                // now too (a load nothing waits on), or the walk would wait for it as long
                // as this loop waited for the position.
                if after < end {
                    std::hint::black_box(weights[after]);
                }
                walks.push((t as u32, after, end, wa));
            }
        }
        // Plain slices and a local count, so that the loop keeps them in registers (through
        // the fields, every step stored the count back and reloaded the bases).
        let (acc, touched, named) = (&mut acc[..], &mut touched[..], &mut named[..]);
        let mut seen = *count;
        for &(t, after, end, wa) in walks.iter() {
            let a_actor = (wa.to_bits() & ACTOR_SIGN) >> 31;
            let wa = f64::from(wa.abs());
            let mut add = |p: u32, wb: f32| {
                let slot = &mut acc[p as usize];
                touched[seen] = p;
                seen += usize::from(*slot == 0.0);
                *slot += wa * f64::from(wb.abs());
                named[p as usize] |= (a_actor | ((wb.to_bits() & ACTOR_SIGN) >> 31)) as u8;
            };
            // From the document's own place on, as far as its window reaches.
            for (&p, &wb) in items[after..end].iter().zip(&weights[after..end]) {
                if p >= hi {
                    break;
                }
                add(p, wb);
            }
            // A dated document also pairs with every undated one (after it, at the end).
            if dated {
                let from = postings.offsets[t as usize] + index.undated_from[t as usize] as usize;
                for (&p, &wb) in items[from..end].iter().zip(&weights[from..end]) {
                    add(p, wb);
                }
            }
        }
        *count = seen;
    }

    /// Takes the accumulated values as `(document, value, shares an actor)` in the order
    /// first touched, leaving the scratch zeroed.
    fn drain_unsorted<'s>(
        &'s mut self,
        layout: &'s Layout,
    ) -> impl Iterator<Item = (u32, f64, bool)> + 's {
        let Scratch {
            acc,
            touched,
            count,
            named,
            ..
        } = self;
        let seen = std::mem::take(count);
        touched[..seen].iter().map(|&p| {
            (
                layout.order[p as usize],
                std::mem::take(&mut acc[p as usize]),
                std::mem::take(&mut named[p as usize]) != 0,
            )
        })
    }

    /// Takes the accumulated values as `(document, value)` sorted by document, leaving the
    /// scratch zeroed.
    fn drain(&mut self, layout: &Layout) -> Vec<(u32, f64)> {
        let seen = std::mem::take(&mut self.count);
        let mut out: Vec<(u32, f64)> = self.touched[..seen]
            .iter()
            .map(|&p| {
                (
                    layout.order[p as usize],
                    std::mem::take(&mut self.acc[p as usize]),
                )
            })
            .collect();
        out.sort_unstable_by_key(|x| x.0);
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
    /// The full index, built on first use (a guarded search may build its own instead).
    full: std::sync::OnceLock<Index>,
    /// Told of the documents searched, in blocks of [`PROGRESS_BLOCK`].
    progress: &'a dyn Progress,
}

/// Documents searched between two progress reports.
const PROGRESS_BLOCK: u32 = 1024;

impl<'a> AllPairs<'a> {
    /// The engine over the scorer's features (the index is built when first needed).
    pub fn new(scorer: &'a Scorer) -> AllPairs<'a> {
        AllPairs {
            scorer,
            full: std::sync::OnceLock::new(),
            progress: &Silent,
        }
    }

    /// The engine, counting the documents a search has done on `progress` (the caller
    /// starts and finishes the stage).
    pub fn with_progress(self, progress: &'a dyn Progress) -> AllPairs<'a> {
        AllPairs { progress, ..self }
    }

    fn index(&self) -> &Index {
        self.full
            .get_or_init(|| Index::build(self.scorer, self.scorer.len(), None))
    }

    /// See [`all_pairs`].
    pub fn pairs(&self, min_score: f64) -> Vec<Pair> {
        let n = self.scorer.len();
        if min_score <= 0.0 {
            return self.pairs_in(0..n, min_score);
        }
        let mut pairs = self
            .search(min_score, n, None, &|_, _| true, &|_, row| row)
            .0;
        pairs.sort_unstable_by_key(|p| (p.a, p.b));
        pairs
    }

    /// The pairs clustering needs (score at least `min_score`, raised to the smallest
    /// positive score), with the two guards that keep a collection of look-alike texts from
    /// costing `n^2` time and memory: terms too common to walk ([`WALK_MIN`]) and a cap on
    /// pairs per document ([`EDGE_BUDGET`]). When neither applies, as in every news
    /// collection we measured, the result is that of [`Self::pairs`].
    pub fn pairs_guarded(&self, min_score: f64) -> (Vec<Pair>, Guarded) {
        let (mut pairs, guarded) = self.pairs_guarded_map(min_score, &Some);
        pairs.sort_unstable_by_key(|p| (p.a, p.b));
        (pairs, guarded)
    }

    /// [`Self::pairs_guarded`], each pair turned into what the caller keeps of it (or
    /// dropped) as soon as it is found: a caller that needs less than a [`Pair`] (a
    /// clustering needs a sixth of it) never holds all the pairs at full size. The order
    /// is fixed (whatever the thread count) but not sorted.
    pub fn pairs_guarded_map<T: Send>(
        &self,
        min_score: f64,
        keep: &(dyn Fn(Pair) -> Option<T> + Sync),
    ) -> (Vec<T>, Guarded) {
        let n = self.scorer.len();
        let cap = row_cap(n);
        let capped = std::sync::atomic::AtomicUsize::new(0);
        let finish = |_, mut row: Vec<Pair>| {
            if cap_row(&mut row, cap) {
                capped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            // Only what the caller keeps, in an allocation of its own size (collecting
            // from `row.into_iter()` would reuse the pairs' allocation, six times as large).
            let mut kept: Vec<T> = row.iter().filter_map(|&p| keep(p)).collect();
            kept.shrink_to_fit();
            kept
        };
        let (pairs, skipped_terms) = self.search(
            min_score.max(f64::MIN_POSITIVE),
            walk_limit(n),
            None,
            &|_, _| true,
            &finish,
        );
        let guarded = Guarded {
            skipped_terms,
            capped_documents: capped.into_inner(),
            cap,
        };
        (pairs, guarded)
    }

    /// The search of [`Self::pairs_guarded`] for a collection that is part of a larger one
    /// (`whole`: its guards decide), reporting only the pairs `wanted(a, b)` accepts, each
    /// row whole: `(owner, its pairs)`, where the owner is the document whose row the pair
    /// belongs to in the larger collection's search too. The caller applies the per-row cap
    /// ([`cap_row`] with [`row_cap`] of the larger collection) once it has gathered a row
    /// from every part.
    pub fn rows_within(
        &self,
        min_score: f64,
        whole: &Whole<'_>,
        wanted: &(dyn Fn(usize, usize) -> bool + Sync),
    ) -> Vec<(u32, Vec<Pair>)> {
        let finish = |owner: u32, row: Vec<Pair>| {
            if row.is_empty() {
                Vec::new()
            } else {
                vec![(owner, row)]
            }
        };
        self.search(
            min_score.max(f64::MIN_POSITIVE),
            walk_limit(whole.documents),
            whole.df,
            wanted,
            &finish,
        )
        .0
    }

    /// Every pair reaching `min_score > 0` that `wanted` accepts, walking terms held by at
    /// most `walk` documents (by `whole_df` where given, else by this collection's
    /// counts), each document's row of pairs turned into what the caller keeps by
    /// `finish(document, row)`; in the order of the documents that find them (see
    /// `Layout`), each one's in the order met. Also returns how many terms were too common
    /// to walk.
    fn search<T: Send>(
        &self,
        min_score: f64,
        walk: usize,
        whole_df: Option<&[u32]>,
        wanted: &(dyn Fn(usize, usize) -> bool + Sync),
        finish: &(dyn Fn(u32, Vec<Pair>) -> Vec<T> + Sync),
    ) -> (Vec<T>, usize) {
        let scorer = self.scorer;
        let n = scorer.len();
        let own;
        let index = if walk >= n && whole_df.is_none() {
            self.index()
        } else {
            own = Index::build(scorer, walk, whole_df);
            &own
        };
        // With terms left out, the walk sums only part of each overlap.
        let partial = index.skipped > 0;
        let layout = &index.layout;
        // Each document visits the positions after its own, so every pair is met once, by
        // whichever of the two comes first in the layout.
        let rows: Vec<Vec<T>> = (0..n as u32)
            .into_par_iter()
            .map_init(
                || Scratch::new(n),
                |scratch, p| {
                    let a = layout.order[p as usize] as usize;
                    if p % PROGRESS_BLOCK == PROGRESS_BLOCK - 1 {
                        self.progress.advance(u64::from(PROGRESS_BLOCK));
                    }
                    scratch.accumulate_later(index, a);
                    let mut row = Vec::new();
                    // Unsorted: rows are cut by score (ties by pair) and the pairs sorted
                    // at the end, so the order they are met in does not matter.
                    for (b, raw, named) in scratch.drain_unsorted(layout) {
                        // Most partners share a few common words and nothing more: the
                        // bound on the score rules them out before the dates are read.
                        // With terms left out, the bound adds the most they can.
                        let bound = if partial {
                            raw + index.common_bound(a, b as usize)
                        } else {
                            raw
                        };
                        if !scorer.may_reach(bound, min_score) {
                            continue;
                        }
                        let (x, y) = if (b as usize) < a {
                            (b as usize, a)
                        } else {
                            (a, b as usize)
                        };
                        if !wanted(x, y) {
                            continue;
                        }
                        let detail = if partial {
                            // The walked part plus the common terms' part: the whole dot
                            // product, summed in two parts (equal up to rounding).
                            match index.common_part(x, y) {
                                Some(rest) => scorer.finish(x, y, raw + rest),
                                None => scorer.detail(x, y),
                            }
                        } else {
                            scorer.finish_named(x, y, raw, named)
                        };
                        if detail.score >= min_score {
                            row.push(Pair {
                                a: x as u32,
                                b: y as u32,
                                detail,
                            });
                        }
                    }
                    // The rows are kept until all are done: only what `finish` keeps.
                    finish(a as u32, row)
                },
            )
            .collect();
        self.progress.advance(u64::from(n as u32 % PROGRESS_BLOCK));
        let mut pairs = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            pairs.extend(row);
        }
        (pairs, index.skipped)
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
                    let index = self.index();
                    let layout = &index.layout;
                    scratch.accumulate(index, a, &layout.ranges(layout.pos[a], false));
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
                    let index = self.index();
                    let layout = &index.layout;
                    scratch.accumulate(index, a, &layout.ranges(layout.pos[a], false));
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

    /// The guarded search with walk limit `walk` and row cap `cap`.
    fn guarded(engine: &AllPairs<'_>, min: f64, walk: usize, cap: usize) -> (Vec<Pair>, Guarded) {
        let capped = std::sync::atomic::AtomicUsize::new(0);
        let finish = |_, mut row: Vec<Pair>| {
            if cap_row(&mut row, cap) {
                capped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            row
        };
        let (pairs, skipped_terms) = engine.search(min, walk, None, &|_, _| true, &finish);
        let guarded = Guarded {
            skipped_terms,
            capped_documents: capped.into_inner(),
            cap,
        };
        (pairs, guarded)
    }

    /// A search's pairs in the order `pairs` gives them.
    fn sorted((mut pairs, g): (Vec<Pair>, Guarded)) -> (Vec<Pair>, Guarded) {
        pairs.sort_unstable_by_key(|p| (p.a, p.b));
        (pairs, g)
    }

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

    /// Rows of a few terms each (none for some), `d`-dependent, in term order.
    fn some_row(d: usize) -> impl Iterator<Item = (u32, f32)> {
        (0..(d * 7 % 5) as u32).map(move |k| (k * 3 + (d % 11) as u32, (d * 10) as f32 + k as f32))
    }

    #[test]
    fn rows_packed_in_parallel_equal_rows_pushed_one_by_one() {
        for n in [0, 1, 255, 256, 257, 700] {
            for weighted in [true, false] {
                let packed = Csr::from_rows(n, weighted, some_row);
                let mut pushed = Csr::new(weighted);
                for d in 0..n {
                    pushed.push_row(some_row(d));
                }
                assert_eq!(packed.offsets, pushed.offsets, "{n} {weighted}");
                assert_eq!(packed.items, pushed.items, "{n} {weighted}");
                assert_eq!(packed.weights, pushed.weights, "{n} {weighted}");
            }
        }
    }

    #[test]
    fn postings_list_each_term_s_documents_in_layout_order() {
        let n = 700;
        let doc_terms = Csr::from_rows(n, true, some_row);
        let terms = 11 + 3 * 5;
        // A layout that is not input order: odd documents first.
        let order: Vec<u32> = (0..n as u32)
            .filter(|d| d % 2 == 1)
            .chain((0..n as u32).filter(|d| d % 2 == 0))
            .collect();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (postings, own_slot) = pool.install(|| postings_of(&doc_terms, terms, &order));
            for t in 0..terms {
                // Naively: the positions of the documents holding t, ascending.
                let mut want = Vec::new();
                for (p, &d) in order.iter().enumerate() {
                    let (items, weights) = doc_terms.row(d as usize);
                    if let Some(k) = items.iter().position(|&x| x as usize == t) {
                        want.push((p as u32, weights.unwrap()[k]));
                    }
                }
                let (items, weights) = postings.row(t);
                let got: Vec<(u32, f32)> = items
                    .iter()
                    .copied()
                    .zip(weights.unwrap().iter().copied())
                    .collect();
                assert_eq!(got, want, "term {t}, {threads} threads");
            }
            // Each (document, term) knows its own place in the term's list.
            for d in 0..n {
                let p = order.iter().position(|&x| x as usize == d).unwrap() as u32;
                let (items, _) = doc_terms.row(d);
                for (k, &t) in items.iter().enumerate() {
                    let slot = own_slot[doc_terms.offsets[d] + k] as usize;
                    assert_eq!(postings.row(t as usize).0[slot], p, "doc {d} term {t}");
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

    #[test]
    fn guards_bound_template_collections_and_change_nothing_elsewhere() {
        // Forty texts from one template: every pair shares the template's words.
        let docs: Vec<Document> = (0..40)
            .map(|i| {
                Document::new(
                    format!("t{i:02}"),
                    format!("Item {i} of the harbor log {}.", i % 3),
                )
            })
            .collect();
        let s = Scorer::new(&docs, ScoreConfig::default());
        let engine = AllPairs::new(&s);
        let exact = engine.pairs(0.2);
        // Nothing left out when the limits are not reached.
        let (same, g) = sorted(guarded(&engine, 0.2, docs.len(), usize::MAX));
        assert_eq!(same, exact);
        assert_eq!(
            g,
            Guarded {
                skipped_terms: 0,
                capped_documents: 0,
                cap: usize::MAX
            }
        );
        // Not walking the template's words: pairs sharing only them are missed, and every
        // pair found still has its whole score.
        let (walked, g) = sorted(guarded(&engine, 0.2, 20, usize::MAX));
        assert!(g.skipped_terms >= 2, "{g:?}");
        assert!(!walked.is_empty() && walked.len() < exact.len());
        for p in &walked {
            let want = s.detail(p.a as usize, p.b as usize).score;
            assert!((p.detail.score - want).abs() < 1e-9, "{p:?} {want}");
            assert!(
                p.a % 3 == p.b % 3,
                "only the shared last number links {p:?}"
            );
        }
        // At any floor, exactly the pairs that share a walked term: the bound that rules
        // pairs out early (walked part plus the most the left-out terms can add) never
        // drops one of them, though at high floors the walked part alone falls short.
        let Features::Story(w) = &s.features else {
            unreachable!("a story scorer")
        };
        let walked_term = |t: u32| (2..=20).contains(&(w.df[t as usize] as usize));
        let shares_walked = |a: u32, b: u32| {
            w.vectors[a as usize].terms.iter().any(|&(t, _)| {
                walked_term(t) && w.vectors[b as usize].terms.iter().any(|&(u, _)| u == t)
            })
        };
        for floor in [0.2, 0.5, 0.7] {
            let expected: Vec<(u32, u32)> = engine
                .pairs(floor)
                .iter()
                .filter(|p| shares_walked(p.a, p.b))
                .map(|p| (p.a, p.b))
                .collect();
            let (walked, _) = sorted(guarded(&engine, floor, 20, usize::MAX));
            let got: Vec<(u32, u32)> = walked.iter().map(|p| (p.a, p.b)).collect();
            assert!(!expected.is_empty(), "{floor}");
            assert_eq!(got, expected, "{floor}");
        }
        // A cap of 5 pairs per document keeps each document's best.
        let (capped, g) = sorted(guarded(&engine, 0.2, docs.len(), 5));
        assert!(g.capped_documents > 0 && g.cap == 5);
        let mut per_doc = std::collections::BTreeMap::new();
        for p in &capped {
            *per_doc.entry(p.a).or_insert(0) += 1;
        }
        assert!(per_doc.values().all(|&k| k <= 5), "{per_doc:?}");
        let best = exact
            .iter()
            .filter(|p| p.a == 0)
            .map(|p| p.detail.score)
            .fold(0.0f64, f64::max);
        assert!(capped.iter().any(|p| p.a == 0 && p.detail.score == best));
    }
}
