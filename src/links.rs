//! Stage 7a, links: which scored pairs a clustering needs and on what scale it reads them.
//!
//! A pair is kept when its score reaches the edge floor (half the threshold for average and
//! centroid linkage; see `EDGE_FLOOR_SHARE`), or, for average linkage on the story
//! measure, when its evidence weight lifts it there (short texts: `short_pairs`). Each
//! becomes a [`cluster::Edge`](crate::cluster::Edge) on the clustering's scale as it is
//! found. For average linkage on the story measure, every edge is then judged against its
//! two documents' neighbourhoods (`judge_by_neighbourhood`): look-alikes of many others
//! need stronger links, reports few others resemble need less.

use crate::candidates::{self, Engine, Pair};
use crate::cluster::Edge;
use crate::config::{ClusterConfig, Linkage, Measure, ScoreConfig};
use crate::progress::{Progress, ShortTexts};
use crate::score::{
    Features, SHORT_SHARE, Scorer, UNDATED_LONG_TERMS, UNDATED_WEIGHT, calibrate, cosine_of,
    evidence_weight_of,
};
use crate::weigh::{TermVector, Weights};

/// Share of the threshold below which pairs are not kept for average linkage: they count as
/// 0 in cluster averages. Half the threshold keeps the kept graph sparse while a missing
/// pair can shift an average by less than that. The candidate search applies it to the
/// cosine; pairs of short texts whose evidence weight ([`Scorer::evidence_weight`]) lifts
/// them over it are found by a second search ([`short_pairs`]).
const EDGE_FLOOR_SHARE: f64 = 0.5;

/// Every link the clustering `config` needs between the scorer's documents, found by
/// `engine`, in a fixed order (the clustering does not depend on it). `rank` orders the
/// documents by id ([`crate::cluster::ranks`]), for choices that input order must not make.
pub fn edges(
    scorer: &Scorer,
    engine: &Engine,
    config: &ClusterConfig,
    rank: &[u32],
    progress: &dyn Progress,
) -> Vec<Edge> {
    let floor = floor(&scorer.config, config);
    let keep = |p: Pair| edge_of(scorer, config, p);
    let mut edges = candidates::find_map(scorer, engine, floor, progress, &keep);
    edges.extend(short_pairs(
        scorer,
        engine,
        config,
        cosine_of(floor),
        progress,
    ));
    if scorer.config.measure == Measure::Story && config.linkage == Linkage::Average {
        let centre = judge_by_neighbourhood(&mut edges, scorer, rank);
        progress.note(&format!(
            "links: each pair judged against its documents' {DENSITY_NEIGHBOURS} nearest \
             (median density, a mean cosine: {centre:.3})"
        ));
    }
    edges
}

/// A document's density is the mean cosine of its this many strongest links (missing links
/// count 0) ([`judge_by_neighbourhood`]).
pub const DENSITY_NEIGHBOURS: usize = 5;
/// The share of a pair's excess density (over what is usual around it) that its evidence
/// loses, or gains below it ([`judge_by_neighbourhood`]).
pub const DENSITY_SHARE: f64 = 0.7;
/// What is usual around a document: this share of its length class's median density, the
/// rest from the median density of its linked neighbours ([`judge_by_neighbourhood`]).
pub const CLASS_SHARE: f64 = 0.5;
/// Links at this cosine or above join copies of one text (wire reprints): they say nothing
/// of a document's neighbourhood and are left out of its density. Counted, three reprints
/// of a report filled its five strongest links, and every link to other outlets' reports
/// of the story lost most of its weight: reprinted NeuS reports kept 0.14 of their story
/// partners, 0.57 with copies left out (0.55 with no neighbourhood rule at all).
const COPY_COSINE: f64 = 0.95;
/// Length classes are half an octave of term counts wide ([`judge_by_neighbourhood`]).
const CLASSES_PER_OCTAVE: f64 = 2.0;

/// Judges each link against where its two documents sit, and returns the median density
/// (for `--verbose`).
///
/// A document's density is the mean cosine of its [`DENSITY_NEIGHBOURS`] strongest links,
/// links to copies of its own text aside ([`COPY_COSINE`]).
/// What is usual for it mixes two references: the median density of documents of its
/// length class (half an octave of term counts) and the median density among itself and
/// the documents it links to ([`CLASS_SHARE`] each). A link's evidence then loses
/// [`DENSITY_SHARE`] of how far its documents' mean density exceeds their mean usual
/// density, times the pair's evidence weight (and gains as much below it); links left at
/// 0 or less are dropped. An undated pair of headline-length texts keeps the lift of its
/// evidence weight only in the share of headlines around it ([`headline_share`]).
///
/// Why: what a cosine means depends on where the two documents sit. Formulaic notices of
/// many companies, or years of reports on one topic, are each close to dozens of others
/// that tell other stories; a report whose story two others tell is close to little
/// else, and its real partners may share little with it. The same threshold for both
/// merged the first and split the second. The references keep the correction relative:
/// against one median of the whole collection, a collection mixing kinds penalised the
/// kind that is denser by nature (UCI's headline stories in a mix of four collections:
/// ARI 0.82 -> 0.17; ECB+ beside the Reuters templates: 0.79 -> 0.16); against the length
/// class alone, long articles of big events beside notices still lost (ECB+ 0.79 ->
/// 0.68); against the neighbours alone, a big story is as dense as what surrounds it and
/// keeps its links, but so do formula families. Half of each held up on every collection
/// alone and in mixes (docs/story-judgement.md). Local scaling in the spirit of CSLS
/// (Conneau et al. 2018).
fn judge_by_neighbourhood(edges: &mut Vec<Edge>, scorer: &Scorer, rank: &[u32]) -> f64 {
    let terms: Vec<f64> = (0..scorer.len()).map(|i| scorer.mean_terms(i, i)).collect();
    let evidence = |a: usize, b: usize| (scorer.evidence_weight(a, b), scorer.dated(a, b));
    judge(edges, &terms, rank, &evidence)
}

/// [`judge_by_neighbourhood`] from what it reads of each document alone: its number of
/// terms and its date (a run whose documents are spread over machines: `crate::split`).
pub(crate) fn judge_by_lengths(
    edges: &mut Vec<Edge>,
    terms: &[u32],
    dates: &[Option<crate::document::Date>],
    window_days: u32,
    rank: &[u32],
) -> f64 {
    let evidence = |a: usize, b: usize| {
        let dated = window_days > 0 && dates[a].is_some() && dates[b].is_some();
        let terms = (f64::from(terms[a]) + f64::from(terms[b])) / 2.0;
        (evidence_weight_of(dated, terms), dated)
    };
    let terms: Vec<f64> = terms.iter().map(|&t| f64::from(t)).collect();
    judge(edges, &terms, rank, &evidence)
}

/// Each document's share of headline-length texts (under [`UNDATED_LONG_TERMS`] terms)
/// among the documents it links to most strongly (its links at or above `weakest`, its
/// [`DENSITY_NEIGHBOURS`]-th strongest cosine, ties all in, so that no order of the links
/// decides; links within a group of copies aside); 1 for a document without links.
///
/// Why: without dates, a pair of headline-length texts weighs up to `UNDATED_WEIGHT /
/// SHORT_SHARE` times its cosine, since in a collection of headlines two of one story share
/// a few words and no more ([`crate::score::evidence_weight_of`]). A headline among leads
/// or articles (a title whose text was lost, a one-line brief) has no such excuse: its few
/// words meet every other short text of its topic, and the lift let it bridge the topic's
/// stories (NeuS: "Shutdown's Initial Impact Likely to Be Minor", a title alone, joined
/// fourteen reports of six shutdown stories). So an undated pair keeps the lift above
/// `UNDATED_WEIGHT` in the mean share of its two documents ([`judge`]): whole in a
/// collection of headlines, none for a stub whose neighbours are all articles. Measured
/// (docs/story-judgement.md): NeuS ARI 0.612 -> 0.634, Reuters templates B-cubed F1 0.956
/// -> 0.958, ECB+ 0.871 -> 0.869, undated UCI headlines unchanged, and undated headlines
/// mixed with NeuS leads within 0.01; a share of the whole collection instead cost those
/// headlines 0.035.
fn headline_share(
    edges: &[Edge],
    group: &[u32],
    weakest: &[f64],
    terms: &[f64],
    cosine: &dyn Fn(&Edge) -> f64,
) -> Vec<f64> {
    let n = terms.len();
    let (mut linked, mut short) = (vec![0u32; n], vec![0u32; n]);
    for e in edges {
        let c = cosine(e);
        for (d, other) in [(e.a as usize, e.b as usize), (e.b as usize, e.a as usize)] {
            if group[d] != group[other] && c >= weakest[d] {
                linked[d] += 1;
                short[d] += u32::from(terms[other] < UNDATED_LONG_TERMS);
            }
        }
    }
    linked
        .iter()
        .zip(&short)
        .map(|(&l, &s)| {
            if l == 0 {
                1.0
            } else {
                f64::from(s) / f64::from(l)
            }
        })
        .collect()
}

/// The length class of a document of `terms` terms ([`CLASSES_PER_OCTAVE`]).
fn length_class(terms: f64) -> usize {
    ((terms + 1.0).log2() * CLASSES_PER_OCTAVE) as usize
}

/// [`judge_by_neighbourhood`] over documents of `terms` terms (and of id order `rank`),
/// whose pairs weigh `evidence(a, b).0` times their cosine and are dated when
/// `evidence(a, b).1` (both dated, a window set).
fn judge(
    edges: &mut Vec<Edge>,
    terms: &[f64],
    rank: &[u32],
    evidence: &dyn Fn(usize, usize) -> (f64, bool),
) -> f64 {
    let n = terms.len();
    let class: Vec<usize> = terms.iter().map(|&t| length_class(t)).collect();
    let cosine = |e: &Edge| e.weight / evidence(e.a as usize, e.b as usize).0;
    // Copies of one text (links at COPY_COSINE or above) count as one document: each group
    // is named by its member of smallest id, so that the same member speaks for it (its
    // density, its links) whatever the input order.
    let mut group: Vec<u32> = (0..n as u32).collect();
    fn root(group: &mut [u32], mut i: u32) -> u32 {
        while group[i as usize] != i {
            let up = group[group[i as usize] as usize];
            group[i as usize] = up;
            i = up;
        }
        i
    }
    for e in edges.iter().filter(|e| cosine(e) >= COPY_COSINE) {
        let (x, y) = (root(&mut group, e.a), root(&mut group, e.b));
        let (low, high) = if rank[x as usize] < rank[y as usize] {
            (x, y)
        } else {
            (y, x)
        };
        group[high as usize] = low;
    }
    for i in 0..n as u32 {
        group[i as usize] = root(&mut group, i);
    }
    // Each document's strongest links to other texts, one per group of copies, best first.
    let mut best = vec![[(u32::MAX, 0.0f64); DENSITY_NEIGHBOURS]; n];
    for e in edges.iter() {
        let c = cosine(e);
        for (d, other) in [(e.a, e.b), (e.b, e.a)] {
            let g = group[other as usize];
            if g == group[d as usize] {
                continue;
            }
            let row = &mut best[d as usize];
            let end = match row.iter().position(|&(h, _)| h == g) {
                Some(_) if row.iter().any(|&(h, w)| h == g && w >= c) => continue,
                Some(at) => at,
                None if c > row[DENSITY_NEIGHBOURS - 1].1 => DENSITY_NEIGHBOURS - 1,
                None => continue,
            };
            let at = row[..end].partition_point(|&(_, w)| w >= c);
            row.copy_within(at..end, at + 1);
            row[at] = (g, c);
        }
    }
    let density: Vec<f64> = best
        .iter()
        .map(|row| row.iter().map(|&(_, w)| w).sum::<f64>() / DENSITY_NEIGHBOURS as f64)
        .collect();
    let weakest: Vec<f64> = best
        .iter()
        .map(|row| row[DENSITY_NEIGHBOURS - 1].1)
        .collect();
    drop(best);
    let headlines = headline_share(edges, &group, &weakest, terms, &cosine);
    drop(weakest);
    let median = |v: &mut [f64]| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        let mid = v.len() / 2;
        *v.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    // The length classes' medians.
    let classes = class.iter().max().map_or(0, |&m| m + 1);
    let mut by_class: Vec<Vec<f64>> = vec![Vec::new(); classes];
    let is_root = |i: usize| group[i] as usize == i;
    for (i, &c) in class.iter().enumerate().filter(|&(i, _)| is_root(i)) {
        by_class[c].push(density[i]);
    }
    let class_median: Vec<f64> = by_class.iter_mut().map(|v| median(v)).collect();
    drop(by_class);
    // Each document's neighbours' densities, itself included, a group of copies once (by
    // the link to its member of smallest id, which speaks for it) (rows of one flat array).
    let counted = |e: &Edge| group[e.a as usize] != group[e.b as usize];
    let mut offsets = vec![0usize; n + 1];
    for e in edges.iter().filter(|e| counted(e)) {
        if is_root(e.b as usize) {
            offsets[e.a as usize + 1] += 1;
        }
        if is_root(e.a as usize) {
            offsets[e.b as usize + 1] += 1;
        }
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i] + 1;
    }
    let mut around = vec![0.0f64; offsets[n]];
    let mut fill: Vec<usize> = offsets[..n].to_vec();
    for (i, d) in density.iter().enumerate() {
        around[fill[i]] = *d;
        fill[i] += 1;
    }
    for e in edges.iter().filter(|e| counted(e)) {
        let (a, b) = (e.a as usize, e.b as usize);
        if is_root(b) {
            around[fill[a]] = density[b];
            fill[a] += 1;
        }
        if is_root(a) {
            around[fill[b]] = density[a];
            fill[b] += 1;
        }
    }
    drop(fill);
    let usual: Vec<f64> = (0..n)
        .map(|i| {
            let neighbours = median(&mut around[offsets[i]..offsets[i + 1]]);
            CLASS_SHARE * class_median[class[i]] + (1.0 - CLASS_SHARE) * neighbours
        })
        .collect();
    drop(around);
    for e in edges.iter_mut() {
        let (a, b) = (e.a as usize, e.b as usize);
        let excess = (density[a] + density[b]) / 2.0 - (usual[a] + usual[b]) / 2.0;
        let (weight, dated) = evidence(a, b);
        if dated || weight <= UNDATED_WEIGHT {
            e.weight -= weight * DENSITY_SHARE * excess;
        } else {
            // The headline lift kept in the share of headlines around the pair.
            let share = (headlines[a] + headlines[b]) / 2.0;
            let kept = UNDATED_WEIGHT + (weight - UNDATED_WEIGHT) * share;
            e.weight = kept * (e.weight / weight - DENSITY_SHARE * excess);
        }
    }
    edges.retain(|e| e.weight > 0.0);
    let mut all = density;
    median(&mut all)
}

/// The lowest score of a pair that clustering needs, on the scale of reported scores.
pub fn floor(score: &ScoreConfig, config: &ClusterConfig) -> f64 {
    let story = score.measure == Measure::Story;
    let threshold = if story {
        cosine_of(config.threshold)
    } else {
        config.threshold
    };
    let floor = match config.linkage {
        Linkage::Average | Linkage::Centroid => threshold * EDGE_FLOOR_SHARE,
        Linkage::Single => threshold,
    };
    // A floor of exactly 0 would ask for every pair; the smallest positive score will do.
    let floor = if story { calibrate(floor) } else { floor };
    floor.max(f64::MIN_POSITIVE)
}

/// A scored pair as clustering reads it. Story scores are calibrated cosines; clustering
/// sums and averages the cosines themselves. Average linkage weighs each as evidence by
/// what the dates and lengths say of the pair; centroid linkage needs them as they are (its
/// sums are dot products of unit vectors), and single linkage would chain on every
/// weighted pair. `None` for a pair that adds nothing (a score of 0).
pub fn edge_of(scorer: &Scorer, config: &ClusterConfig, p: Pair) -> Option<Edge> {
    let (a, b) = (p.a as usize, p.b as usize);
    let weight = match scorer.config.measure {
        Measure::Story if config.linkage == Linkage::Average => {
            cosine_of(p.detail.score) * scorer.evidence_weight(a, b)
        }
        Measure::Story => cosine_of(p.detail.score),
        _ => p.detail.score,
    };
    (weight > 0.0).then_some(Edge {
        a: p.a,
        b: p.b,
        weight,
    })
}

/// The pairs of short texts whose evidence weight ([`Scorer::evidence_weight`], up to
/// `1 / SHORT_SHARE` for two dated headlines) lifts them to the edge floor `floor` (a
/// cosine) although their cosine is below it: average linkage on the story measure only.
/// Found by a second search among the texts short enough for that alone
/// ([`Scorer::may_weigh_more`]), so that a collection of articles pays nothing for it.
/// (Headlines of one big story share little pair by pair: UCI ARI 0.79 -> 0.83.)
///
/// The sub-collection counts its own document frequencies, which decide what its search
/// walks; scores read only the two documents, so they are those of the whole collection.
/// Two limits: a headline paired with a text too long to qualify on its own is not
/// searched, though their mean length may qualify; and where the search's per-document cap
/// binds (a document like thousands of others), it keeps the best pairs, which are the
/// ones the first search already has (the cap's warning is shown).
fn short_pairs(
    scorer: &Scorer,
    engine: &Engine,
    config: &ClusterConfig,
    floor: f64,
    progress: &dyn Progress,
) -> Vec<Edge> {
    if config.linkage != Linkage::Average {
        return Vec::new();
    }
    let Some((short, sub)) = short_texts(scorer) else {
        return Vec::new();
    };
    let keep = |p: Pair| short_edge(scorer, &short, floor, p);
    candidates::find_map(
        &sub,
        engine,
        short_floor(floor),
        &ShortTexts(progress),
        &keep,
    )
}

/// The edge floor of the second search (a score), from the first's (`floor`, a cosine).
pub(crate) fn short_floor(floor: f64) -> f64 {
    calibrate(floor * SHORT_SHARE).max(f64::MIN_POSITIVE)
}

/// The documents a second search reads ([`Scorer::may_weigh_more`]: their indexes,
/// ascending) and their scorer (story features; `None` for fewer than two). Its
/// sub-collection counts its own document frequencies; scores read only the two
/// documents, so they are those of the whole collection.
pub(crate) fn short_texts(scorer: &Scorer) -> Option<(Vec<usize>, Scorer)> {
    let Features::Story(w) = &scorer.features else {
        return None;
    };
    let short: Vec<usize> = (0..w.vectors.len())
        .filter(|&i| scorer.may_weigh_more(i))
        .collect();
    if short.len() < 2 {
        return None;
    }
    let vectors: Vec<TermVector> = short.iter().map(|&i| w.vectors[i].clone()).collect();
    let mut df = vec![0u32; w.df.len()];
    for t in vectors.iter().flat_map(|v| &v.terms) {
        df[t.0 as usize] += 1;
    }
    let weights = Weights {
        vectors,
        keys: w.keys.clone(),
        df,
        salient: w.salient.clone(),
        actors: short.iter().map(|&i| w.actors[i].clone()).collect(),
        codes: short.iter().map(|&i| w.codes[i].clone()).collect(),
        days: short.iter().map(|&i| w.days[i]).collect(),
    };
    let dates = short.iter().map(|&i| scorer.dates[i]).collect();
    let sub = Scorer::from_features(scorer.config.clone(), Features::Story(weights), dates);
    Some((short, sub))
}

/// The edge of a pair the second search found among `short` (indexes into it), when its
/// evidence weight lifts it to `floor` (a cosine) from below.
pub(crate) fn short_edge(scorer: &Scorer, short: &[usize], floor: f64, p: Pair) -> Option<Edge> {
    let (a, b) = (short[p.a as usize], short[p.b as usize]);
    let cosine = cosine_of(p.detail.score);
    let weight = cosine * scorer.evidence_weight(a, b);
    (cosine < floor && weight >= floor).then_some(Edge {
        a: a as u32,
        b: b as u32,
        weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids in input order.
    fn identity(n: u32) -> Vec<u32> {
        (0..n).collect()
    }

    #[test]
    fn copies_are_judged_the_same_in_any_input_order() {
        // By id: 0 and 1 are copies of one text with different other links (0 close to
        // many, 1 to few), so which of them speaks for the pair changes densities.
        let by_id = [
            (0, 1, 0.97),
            (0, 2, 0.6),
            (0, 3, 0.55),
            (0, 4, 0.5),
            (0, 5, 0.45),
            (0, 6, 0.4),
            (1, 7, 0.5),
            (2, 3, 0.35),
            (3, 4, 0.3),
            (4, 5, 0.25),
            (5, 6, 0.2),
            (6, 7, 0.3),
            (7, 8, 0.45),
        ];
        let one = |_: usize, _: usize| (1.0, true);
        // Documents placed at `at[id]`; the judged links, by id, in a fixed order.
        let judged = |at: &[u32]| {
            let mut edges: Vec<Edge> = by_id
                .iter()
                .map(|&(a, b, weight)| Edge {
                    a: at[a],
                    b: at[b],
                    weight,
                })
                .collect();
            let mut rank = vec![0; at.len()];
            for (id, &p) in at.iter().enumerate() {
                rank[p as usize] = id as u32;
            }
            judge(&mut edges, &[0.0; 9], &rank, &one);
            let mut out: Vec<(u32, u32, f64)> = edges
                .iter()
                .map(|e| {
                    let (a, b) = (rank[e.a as usize], rank[e.b as usize]);
                    (a.min(b), a.max(b), e.weight)
                })
                .collect();
            out.sort_by_key(|x| (x.0, x.1));
            out
        };
        let reversed: Vec<u32> = (0..9).rev().collect();
        assert_eq!(judged(&identity(9)), judged(&reversed));
    }

    #[test]
    fn links_are_judged_against_their_neighbourhoods() {
        let edge = |a: u32, b: u32, weight: f64| Edge { a, b, weight };
        let weight = |edges: &[Edge], a: u32, b: u32| {
            edges
                .iter()
                .find(|e| (e.a, e.b) == (a, b))
                .map(|e| e.weight)
        };
        // Documents 0-5: a family of look-alikes, each linked to all others at 0.3.
        // Documents 6-7: two reports linked to each other alone, also at 0.3. Documents
        // 8-19 have no links. One length class, evidence weight 1.
        let mut edges = Vec::new();
        for a in 0..6 {
            for b in a + 1..6 {
                edges.push(edge(a, b, 0.3));
            }
        }
        edges.push(edge(6, 7, 0.3));
        let one = |_: usize, _: usize| (1.0, true);
        let median = judge(&mut edges, &[0.0; 20], &identity(20), &one);
        assert_eq!(median, 0.0);
        // The family: density 0.3, its neighbours' median 0.3, the class median 0: what
        // is usual for it is 0.15, and its links lose 0.7 x 0.15.
        let family = 0.3 - DENSITY_SHARE * (0.3 - (1.0 - CLASS_SHARE) * 0.3);
        assert!((weight(&edges, 0, 1).unwrap() - family).abs() < 1e-12);
        // The lone pair: density 0.06, usual 0.03: it loses far less.
        let lone = 0.3 - DENSITY_SHARE * (0.06 - (1.0 - CLASS_SHARE) * 0.06);
        assert!((weight(&edges, 6, 7).unwrap() - lone).abs() < 1e-12);
        assert!(weight(&edges, 6, 7) > weight(&edges, 0, 1));
        // A big story whose documents are all alike is judged against itself: alone in
        // its class, the family keeps its links whole.
        let mut alone: Vec<Edge> = (0..6)
            .flat_map(|a| (a + 1..6).map(move |b| edge(a, b, 0.3)))
            .collect();
        judge(&mut alone, &[0.0; 6], &identity(6), &one);
        assert_eq!(weight(&alone, 0, 1), Some(0.3));
        // The evidence weight scales what a link loses; the density reads cosines.
        let mut weighted = vec![edge(0, 1, 0.6)];
        let double = |_: usize, _: usize| (2.0, true);
        judge(&mut weighted, &[0.0; 5], &identity(5), &double);
        // Cosine 0.3, density 0.06 each; the class median (five documents) is 0, the
        // neighbours' 0.06: excess 0.03, times 2.
        assert!((weighted[0].weight - (0.6 - 2.0 * DENSITY_SHARE * 0.03)).abs() < 1e-12);
        // A link pushed to 0 or below is dropped.
        let mut edges = vec![edge(0, 1, 0.01)];
        for b in 2..8 {
            edges.push(edge(0, b, 0.9));
            edges.push(edge(1, b, 0.9));
        }
        judge(
            &mut edges,
            &[
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
            ],
            &identity(16),
            &one,
        );
        assert!(!edges.iter().any(|e| (e.a, e.b) == (0, 1)));
        // Reprints of a text do not make a neighbourhood dense: document 0 with three
        // copies (1-3, linked to everything 0 is) and another outlet's report (4) keep the
        // link 0-4 as if the text had been printed once.
        let story = |copies: &[u32]| {
            let mut edges = vec![edge(0, 4, 0.3)];
            for &c in copies {
                edges.push(edge(0, c, 1.0));
                edges.push(edge(c, 4, 0.3));
                for &d in copies.iter().filter(|&&d| d > c) {
                    edges.push(edge(c, d, 1.0));
                }
            }
            judge(&mut edges, &[0.0; 10], &identity(10), &one);
            weight(&edges, 0, 4).unwrap()
        };
        assert_eq!(story(&[1, 2, 3]), story(&[]));
    }

    #[test]
    fn issue_13_a_headline_keeps_its_lift_only_among_headlines() {
        // Two undated headlines (0, 1: 8 terms) linked at cosine 0.2, each linked at 0.3
        // to the same four documents (2-5): headlines too, or articles of 80 terms.
        let lifted = UNDATED_WEIGHT / SHORT_SHARE;
        let judged = |around: f64, dated: bool| {
            let terms = [8.0, 8.0, around, around, around, around];
            let evidence = |a: usize, b: usize| {
                let short = terms[a] < UNDATED_LONG_TERMS && terms[b] < UNDATED_LONG_TERMS;
                (if short { lifted } else { 1.0 }, dated)
            };
            let mut edges = vec![Edge {
                a: 0,
                b: 1,
                weight: 0.2 * lifted,
            }];
            for b in 2..6u32 {
                for a in 0..2u32 {
                    let weight = 0.3 * evidence(a as usize, b as usize).0;
                    edges.push(Edge { a, b, weight });
                }
            }
            judge(&mut edges, &terms, &identity(6), &evidence);
            edges[0].weight
        };
        // Densities: 0 and 1, (4 x 0.3 + 0.2) / 5 = 0.28; 2-5, 0.12. The headlines'
        // neighbours' median is 0.12 either way.
        // Among headlines (one length class, median 0.12): usual 0.12, excess 0.16; the
        // lift is whole.
        let among_headlines = lifted * (0.2 - DENSITY_SHARE * 0.16);
        assert!((judged(8.0, false) - among_headlines).abs() < 1e-12);
        // Among articles (their class median 0.28): usual 0.2, excess 0.08; one of each
        // headline's five links is a headline, so a fifth of the lift above the undated
        // weight is kept.
        let kept = UNDATED_WEIGHT + (lifted - UNDATED_WEIGHT) / 5.0;
        let among_articles = kept * (0.2 - DENSITY_SHARE * 0.08);
        assert!((judged(80.0, false) - among_articles).abs() < 1e-12);
        assert!(among_articles < 0.6 * among_headlines);
        // Dated pairs keep their weight: the date says what the words cannot.
        assert!((judged(80.0, true) - lifted * (0.2 - DENSITY_SHARE * 0.08)).abs() < 1e-12);
    }

    use crate::document::Document;
    use crate::progress::Silent;

    #[test]
    fn issue_13_dated_headlines_below_the_floor_are_found_by_their_weight() {
        // Two headlines of one story sharing one word of a dozen (cosine 0.06, under the
        // floor of 0.10), among others on other stories.
        let texts = [
            "Council promises quick repairs as mayor unveils traffic plan for weary drivers downtown",
            "Steel prices and heavy rain delay start of bridge repair work, contractor warns investors",
            "Farmers count losses after hail flattens wheat",
            "Museum reopens wing with medieval tapestries",
            "Striking nurses return to wards after pay deal",
            "Late goal sends Rovers into cup final",
            "Airline cancels flights as pilots walk out",
            "Lighthouse sold at auction to private buyer",
            "Roof repair bill shocks church wardens",
            "Repair crews restore water to town",
        ];
        let mut docs: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Document::new(format!("h{i}"), *t))
            .collect();
        // Articles that also mention repairs: the word is held by more documents than the
        // short texts number, which the second search must still walk.
        for i in 0..12u8 {
            let words: String = (0..70u8)
                .map(|j| format!("zo{}{}q ", (b'a' + i) as char, (b'a' + j % 26) as char))
                .collect();
            docs.push(Document::new(format!("a{i}"), format!("{words} repair")));
        }
        let config = ClusterConfig::for_measure(Measure::Story);
        let floor = cosine_of(floor(&ScoreConfig::default(), &config));
        let found = |docs: &[Document]| {
            let scorer = Scorer::new(docs, ScoreConfig::default());
            short_pairs(&scorer, &Engine::Exact, &config, floor, &Silent)
                .into_iter()
                .map(|e| {
                    let cosine = cosine_of(scorer.score(e.a as usize, e.b as usize));
                    assert!(cosine < floor, "{e:?}");
                    let weight = cosine * scorer.evidence_weight(e.a as usize, e.b as usize);
                    assert!(weight >= floor && weight == e.weight, "{e:?}");
                    (e.a, e.b)
                })
                .collect::<Vec<_>>()
        };
        for d in &mut docs {
            d.date = crate::document::Date::parse("2025-03-02");
        }
        let dated = found(&docs);
        assert!(dated.contains(&(0, 1)), "{dated:?}");
        // Every pair found is one the first search left out.
        let scorer = Scorer::new(&docs, ScoreConfig::default());
        let first: Vec<(u32, u32)> =
            candidates::find(&scorer, &Engine::Exact, calibrate(floor), &Silent)
                .into_iter()
                .map(|p| (p.a, p.b))
                .collect();
        assert!(
            dated.iter().all(|p| !first.contains(p)),
            "{dated:?} {first:?}"
        );
        // Centroid linkage takes cosines as they are: no second search.
        let centroid = ClusterConfig {
            linkage: Linkage::Centroid,
            ..config.clone()
        };
        assert!(short_pairs(&scorer, &Engine::Exact, &centroid, floor, &Silent).is_empty());
    }
}
