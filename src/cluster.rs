//! Stage 7, cluster: the thresholded similarity graph becomes a partition.
//!
//! - `average` linkage (default for stories): agglomerative UPGMA on the sparse graph. Two
//!   clusters merge only while the average similarity over all their cross pairs reaches
//!   the threshold, so one bridging document cannot chain two stories together. Pairs below the
//!   edge floor the caller kept count as 0 in those averages, which can only make merges
//!   rarer (the floor is half the threshold; see `pipeline`).
//! - `centroid` linkage: like `average`, but two clusters merge while the cosine of their
//!   centroids reaches the threshold. With unit vectors that cosine is the cross sum over
//!   the root of both clusters' `size + 2 * internal sum`, so it is computed from the same
//!   sparse sums; a loose group is judged by what it shares as a whole (and a growing
//!   group's centroid drifts toward its topic, which is why it is not the default).
//! - `single` linkage: connected components of the pairs at or above the threshold.
//!
//! Guarantees: every document is in exactly one cluster; clusters are numbered by size
//! (descending), then by their smallest member id; members are listed in input order. Ties
//! between equal similarities are broken by document id, never by input position, so a
//! shuffled input yields the same partition.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::config::{ClusterConfig, Linkage};
use crate::document::Date;

/// A link between two documents, on the clustering's scale (for the story measure, a cosine
/// weighed as evidence; see `pipeline`): all clustering reads of a scored pair, a sixth of
/// its size, which is what bounds memory on a dense collection (millions of pairs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// One document (an index into the collection).
    pub a: u32,
    /// The other document.
    pub b: u32,
    /// The similarity: pairs of clusters are judged by the sums of these between them.
    pub weight: f64,
}

/// Groups documents `0..ids.len()` using the links `edges` (each pair at most once, in
/// any order: the result does not depend on it).
pub fn cluster(ids: &[&str], edges: &[Edge], config: &ClusterConfig) -> Vec<Vec<usize>> {
    cluster_dated(ids, &[], 0, edges, config)
}

/// [`cluster`] that also keeps every average- and centroid-linkage cluster continuous in
/// time. Two clusters merge only if the days between their dated members' spans are at
/// most `window_days`: a story followed day by day may run longer than the window, but an
/// undated document cannot bridge two events weeks apart (`dates` is empty or has one
/// entry per document; `window_days == 0` means no window).
pub fn cluster_dated(
    ids: &[&str],
    dates: &[Option<Date>],
    window_days: u32,
    edges: &[Edge],
    config: &ClusterConfig,
) -> Vec<Vec<usize>> {
    let n = ids.len();
    let rank = ranks(ids);
    let span: Vec<Option<(i32, i32)>> = if window_days > 0 && dates.len() == n {
        dates
            .iter()
            .map(|d| d.map(|d| (d.days(), d.days())))
            .collect()
    } else {
        Vec::new()
    };
    let groups = match config.linkage {
        Linkage::Single => single(n, edges, config.threshold),
        Linkage::Average | Linkage::Centroid => {
            let rule = Rule {
                threshold: config.threshold,
                window: window_days,
                centroid: config.linkage == Linkage::Centroid,
            };
            average(n, edges, &rank, rule, span)
        }
    };
    order(groups, &rank)
}

/// Puts documents with the same `key` (identical texts) into one cluster whatever the
/// scores said (a reprint dated outside the window is still the same article): each such set
/// joins the cluster that already holds most of it. `None` keys (empty texts) stay put.
/// Clusters are renumbered by the usual rule.
pub fn join_identical(
    groups: Vec<Vec<usize>>,
    keys: &[Option<u64>],
    ids: &[&str],
) -> Vec<Vec<usize>> {
    let n = keys.len();
    let mut home = vec![0usize; n];
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            home[m] = g;
        }
    }
    // The documents of each key, by sorting (key, document): a map of a list per key was
    // a list per document, nearly all of them of one.
    let mut keyed: Vec<(u64, usize)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.map(|k| (k, i)))
        .collect();
    keyed.par_sort_unstable();
    let mut groups = groups;
    let mut moved = false;
    let mut sets: Vec<Vec<usize>> = keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same.len() > 1)
        .map(|same| same.iter().map(|&(_, i)| i).collect())
        .collect();
    sets.sort_unstable();
    for set in sets {
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for &d in &set {
            match counts.iter_mut().find(|c| c.0 == home[d]) {
                Some(c) => c.1 += 1,
                None => counts.push((home[d], 1)),
            }
        }
        if counts.len() < 2 {
            continue;
        }
        let target = counts
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map_or(0, |c| c.0);
        for &d in &set {
            if home[d] != target {
                groups[home[d]].retain(|&m| m != d);
                groups[target].push(d);
                home[d] = target;
                moved = true;
            }
        }
    }
    if !moved {
        return groups;
    }
    order(
        groups.into_iter().filter(|g| !g.is_empty()).collect(),
        &ranks(ids),
    )
}

/// Each document's place among the documents sorted by id (ties by position): the order
/// that breaks ties wherever input order must not decide.
pub(crate) fn ranks(ids: &[&str]) -> Vec<u32> {
    let mut by_id: Vec<usize> = (0..ids.len()).collect();
    by_id.sort_by(|&x, &y| ids[x].cmp(ids[y]).then(x.cmp(&y)));
    let mut rank = vec![0u32; ids.len()];
    for (r, &i) in by_id.iter().enumerate() {
        rank[i] = r as u32;
    }
    rank
}

/// Sorts members by input position and clusters by size, then smallest member id.
fn order(mut groups: Vec<Vec<usize>>, rank: &[u32]) -> Vec<Vec<usize>> {
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_by_key(|g| {
        (
            std::cmp::Reverse(g.len()),
            g.iter().map(|&i| rank[i]).min().unwrap_or(0),
        )
    });
    groups
}

fn single(n: usize, edges: &[Edge], threshold: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for e in edges.iter().filter(|e| e.weight >= threshold) {
        let (ra, rb) = (
            find(&mut parent, e.a as usize),
            find(&mut parent, e.b as usize),
        );
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi] = lo;
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let r = find(&mut parent, i);
        groups[r].push(i);
    }
    groups.into_iter().filter(|g| !g.is_empty()).collect()
}

/// A candidate merge in the priority queue: the linkage of clusters `x` and `y` and their
/// ranks when it was computed, which may since have fallen (see [`average`]).
#[derive(Debug)]
struct Merge {
    avg: f64,
    /// Canonical ranks of the two clusters, smaller first: the tie-break.
    ranks: (u32, u32),
    x: u32,
    y: u32,
}

impl PartialEq for Merge {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Merge {}
impl PartialOrd for Merge {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Merge {
    fn cmp(&self, other: &Self) -> Ordering {
        // Highest average first; among equals, the pair with the smallest ranks first.
        self.avg
            .total_cmp(&other.avg)
            .then_with(|| other.ranks.cmp(&self.ranks))
    }
}

/// Sums of pair similarities between one cluster and each cluster it is linked to. Hashed
/// by one multiplication (the standard keyed hash cost a fifth of a large clustering): keys
/// are cluster numbers, not input an adversary picks, and iteration order never reaches the
/// result (see [`average`]).
type Links = rustc_hash::FxHashMap<u32, f64>;

/// The date span of two clusters together, unless the days between their spans exceed the
/// window (`None` = no dates). Measured against the whole span fitting the window: ECB+ ARI
/// 0.8485 -> 0.8569 (reports of one event over five days, such as a crash, the arrest and
/// the charges, were split), every other collection and the fixtures unchanged
/// (docs/story-judgement.md).
fn joint_span(
    a: Option<(i32, i32)>,
    b: Option<(i32, i32)>,
    window: u32,
) -> Result<Option<(i32, i32)>, ()> {
    match (a, b) {
        (Some(x), Some(y)) => {
            let gap = x.0.max(y.0) - x.1.min(y.1);
            if gap > 0 && gap as u32 > window {
                Err(())
            } else {
                Ok(Some((x.0.min(y.0), x.1.max(y.1))))
            }
        }
        (x, y) => Ok(x.or(y)),
    }
}

/// When [`average`] merges two clusters: the linkage clears `threshold` (the average of
/// their cross pairs, or with `centroid` the cosine of their centroids) and the days
/// between their dated members' spans are at most `window` (0: no window).
#[derive(Debug, Clone, Copy)]
struct Rule {
    threshold: f64,
    window: u32,
    centroid: bool,
}

/// Average (or centroid) linkage over the sparse graph `edges`.
///
/// Each merge costs the links of the smaller side (by number of links), not those of the
/// cluster it joins: a cluster of thousands absorbing one document at a time would
/// otherwise recompute its linkage to every neighbour at every step. This works because a
/// merge can only lower the linkage of the grown cluster to a neighbour that only it was
/// linked to (the sum stays, the size grows): its queued entry becomes an upper bound,
/// checked when it comes to the top, and queued again with its current value if that is
/// lower. The pair merged is thus always the one with the highest current linkage (ties to
/// the smallest ranks), as if every linkage were recomputed at every step. A merge the
/// window refuses may be allowed once either cluster's span has grown toward the other's:
/// it is set aside and queued again when either cluster next merges.
fn average(
    n: usize,
    edges: &[Edge],
    rank: &[u32],
    rule: Rule,
    mut span: Vec<Option<(i32, i32)>>,
) -> Vec<Vec<usize>> {
    let Rule {
        threshold,
        window,
        centroid,
    } = rule;
    let dated = !span.is_empty();
    // Sum of similarities inside each cluster (each pair once), for the centroid criterion:
    // with unit vectors, |sum of a cluster's vectors|^2 = size + 2 * intra.
    let mut intra = vec![0.0f64; n];
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut alive = vec![true; n];
    // Clusters each cluster was refused a merge with by the window (see `joint_span`).
    let mut refused: Vec<Vec<u32>> = vec![Vec::new(); if dated { n } else { 0 }];
    let mut crank: Vec<u32> = rank.to_vec();
    let mut degree = vec![0u32; n];
    for e in edges.iter().filter(|e| e.weight > 0.0) {
        degree[e.a as usize] += 1;
        degree[e.b as usize] += 1;
    }
    let mut links: Vec<Links> = degree
        .iter()
        .map(|&d| Links::with_capacity_and_hasher(d as usize, Default::default()))
        .collect();
    // The queue: the pairs' own linkages, sorted once, read in order; and a heap of the
    // linkages computed while merging. Most entries of the first are read only to be
    // passed over (a cluster they name is gone): read in sequence, that costs little, where
    // popping them off one heap of millions cost a fifth of a run.
    let mut initial = Vec::new();
    for e in edges {
        let (a, b, s) = (e.a, e.b, e.weight);
        if s <= 0.0 {
            continue;
        }
        *links[a as usize].entry(b).or_insert(0.0) += s;
        *links[b as usize].entry(a).or_insert(0.0) += s;
        if s >= threshold {
            initial.push(merge_of(s, a, b, &crank));
        }
    }
    initial.par_sort_unstable_by(|l, r| r.cmp(l));
    let mut initial = initial.into_iter().peekable();
    let mut heap = BinaryHeap::new();
    let mut next = |heap: &mut BinaryHeap<Merge>| match (initial.peek(), heap.peek()) {
        (Some(i), Some(h)) if h > i => heap.pop(),
        (Some(_), _) => initial.next(),
        (None, _) => heap.pop(),
    };
    let linkage = |x: usize, y: usize, s: f64, members: &[Vec<usize>], intra: &[f64]| {
        if centroid {
            let norm = |k: usize| members[k].len() as f64 + 2.0 * intra[k];
            s / (norm(x) * norm(y)).sqrt()
        } else {
            s / (members[x].len() as f64 * members[y].len() as f64)
        }
    };
    while let Some(m) = next(&mut heap) {
        if m.avg < threshold {
            break;
        }
        let (x, y) = (m.x as usize, m.y as usize);
        if !alive[x] || !alive[y] {
            continue;
        }
        let Some(&sum) = links[x].get(&m.y) else {
            continue;
        };
        let now = merge_of(linkage(x, y, sum, &members, &intra), m.x, m.y, &crank);
        if now != m {
            if now.avg >= threshold {
                heap.push(now);
            }
            continue;
        }
        let merged_span = if dated {
            match joint_span(span[x], span[y], window) {
                Ok(s) => s,
                Err(()) => {
                    refused[x].push(m.y);
                    refused[y].push(m.x);
                    continue;
                }
            }
        } else {
            None
        };
        // Keep the cluster with more links; fold the other into it.
        let (keep, gone) = if links[x].len() >= links[y].len() {
            (x, y)
        } else {
            (y, x)
        };
        let gone_links = std::mem::take(&mut links[gone]);
        let between = links[keep].remove(&(gone as u32)).unwrap_or(0.0);
        intra[keep] += intra[gone] + between;
        let moved = std::mem::take(&mut members[gone]);
        members[keep].extend(moved);
        alive[gone] = false;
        crank[keep] = crank[keep].min(crank[gone]);
        let mut again = Vec::new();
        if dated {
            // Partners either side was refused: the grown span may reach them now (those of
            // `keep` only if its span changed). Those in `gone_links` are queued below.
            if span[keep] != merged_span {
                again = std::mem::take(&mut refused[keep]);
            }
            again.append(&mut refused[gone]);
            again.retain(|&c| {
                let c = c as usize;
                c != keep && c != gone && alive[c] && !gone_links.contains_key(&(c as u32))
            });
            again.sort_unstable();
            again.dedup();
            span[keep] = merged_span;
        }
        for c in again {
            let Some(&total) = links[keep].get(&c) else {
                continue;
            };
            if joint_span(span[keep], span[c as usize], window).is_err() {
                // Still too far: set aside again, on both sides.
                refused[keep].push(c);
                refused[c as usize].push(keep as u32);
                continue;
            }
            let avg = linkage(keep, c as usize, total, &members, &intra);
            if avg >= threshold {
                heap.push(merge_of(avg, keep as u32, c, &crank));
            }
        }
        for (c, s) in gone_links {
            if c as usize == keep {
                continue;
            }
            let total = {
                let slot = links[keep].entry(c).or_insert(0.0);
                *slot += s;
                *slot
            };
            let other = &mut links[c as usize];
            other.remove(&(gone as u32));
            other.insert(keep as u32, total);
            let avg = linkage(keep, c as usize, total, &members, &intra);
            if avg >= threshold {
                heap.push(merge_of(avg, keep as u32, c, &crank));
            }
        }
    }
    members
        .into_iter()
        .zip(alive)
        .filter(|(_, a)| *a)
        .map(|(m, _)| m)
        .collect()
}

fn merge_of(avg: f64, x: u32, y: u32, crank: &[u32]) -> Merge {
    let (rx, ry) = (crank[x as usize], crank[y as usize]);
    Merge {
        avg,
        ranks: (rx.min(ry), rx.max(ry)),
        x,
        y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32, weight: f64) -> Edge {
        Edge { a, b, weight }
    }

    fn run(n: usize, edges: &[Edge], linkage: Linkage) -> Vec<Vec<usize>> {
        let ids: Vec<String> = (0..n).map(|i| format!("d{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        cluster(
            &ids,
            edges,
            &ClusterConfig {
                threshold: 0.5,
                linkage,
            },
        )
    }

    #[test]
    fn average_linkage_does_not_chain() {
        // 0-1 and 2-3 are tight; 1-2 is a single bridge.
        let edges = [pair(0, 1, 0.9), pair(1, 2, 0.6), pair(2, 3, 0.9)];
        assert_eq!(
            run(4, &edges, Linkage::Average),
            vec![vec![0, 1], vec![2, 3]]
        );
        assert_eq!(run(4, &edges, Linkage::Single), vec![vec![0, 1, 2, 3]]);
    }

    #[test]
    fn average_linkage_merges_cohesive_groups() {
        let edges = [
            pair(0, 1, 0.9),
            pair(0, 2, 0.6),
            pair(1, 2, 0.55),
            pair(3, 4, 0.2),
        ];
        assert_eq!(
            run(5, &edges, Linkage::Average),
            vec![vec![0, 1, 2], vec![3], vec![4]]
        );
    }

    #[test]
    fn every_document_once_and_ordering_rule() {
        let edges = [pair(3, 4, 0.8), pair(0, 5, 0.7), pair(4, 5, 0.1)];
        let c = run(6, &edges, Linkage::Average);
        assert_eq!(c, vec![vec![0, 5], vec![3, 4], vec![1], vec![2]]);
        let mut all: Vec<usize> = c.concat();
        all.sort_unstable();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn the_window_keeps_an_undated_bridge_from_joining_distant_events() {
        // 0 and 1 are eight days apart; 2 is undated and identical to both.
        let dates = [Date::parse("2024-01-01"), Date::parse("2024-01-09"), None];
        let edges = [pair(0, 1, 0.0), pair(0, 2, 1.0), pair(1, 2, 1.0)];
        let ids = ["a", "b", "c"];
        let config = ClusterConfig {
            threshold: 0.3,
            linkage: Linkage::Average,
        };
        assert_eq!(cluster(&ids, &edges, &config), vec![vec![0, 1, 2]]);
        assert_eq!(
            cluster_dated(&ids, &dates, 3, &edges, &config),
            vec![vec![0, 2], vec![1]]
        );
    }

    #[test]
    fn a_story_followed_day_by_day_may_outlast_the_window() {
        // Days 1, 3, 5 and 7: each report linked to the next (dated pairs further apart than
        // the window have no link). A 3-day window lets the story grow step by step; an
        // undated report close to the last one and to a report of day 14 does not carry it
        // over the week's gap.
        let day = |d: &str| Date::parse(d);
        let dates = [
            day("2024-01-01"),
            day("2024-01-03"),
            day("2024-01-05"),
            day("2024-01-07"),
            day("2024-01-14"),
            None,
        ];
        let edges = [
            pair(0, 1, 0.875),
            pair(1, 2, 0.875),
            pair(2, 3, 0.875),
            pair(3, 5, 0.5),
            pair(4, 5, 0.625),
        ];
        let ids = ["a", "b", "c", "d", "e", "f"];
        let config = ClusterConfig {
            threshold: 0.125,
            linkage: Linkage::Average,
        };
        let groups = cluster_dated(&ids, &dates, 3, &edges, &config);
        assert_eq!(groups, vec![vec![0, 1, 2, 3], vec![4, 5]]);
    }

    #[test]
    fn a_merge_the_window_refused_is_made_once_a_span_reaches_it() {
        // 0 (day 1) and the undated 3 are close, but 3 has joined 2 (day 7): six days from 0,
        // refused. Once 0 has taken in 1 (day 4), the gap is three days and the two merge.
        let day = |d: &str| Date::parse(d);
        let dates = [
            day("2024-01-01"),
            day("2024-01-04"),
            day("2024-01-07"),
            None,
        ];
        let edges = [pair(2, 3, 0.875), pair(0, 3, 0.75), pair(0, 1, 0.25)];
        let ids = ["a", "b", "c", "d"];
        let config = ClusterConfig {
            threshold: 0.125,
            linkage: Linkage::Average,
        };
        assert_eq!(
            cluster_dated(&ids, &dates, 3, &edges, &config),
            vec![vec![0, 1, 2, 3]]
        );
        // Undated, 1 does not bring the span any closer.
        let undated = [dates[0], None, dates[2], None];
        assert_eq!(
            cluster_dated(&ids, &undated, 3, &edges, &config),
            vec![vec![0, 1], vec![2, 3]]
        );
    }

    #[test]
    fn centroid_linkage_judges_a_group_as_a_whole() {
        // 2 shares 0.35 with each of 0 and 1: below 0.4 on average, but the centroid of
        // {0, 1} is closer to it than either document alone.
        let edges = [pair(0, 1, 0.5), pair(0, 2, 0.35), pair(1, 2, 0.35)];
        let ids = ["a", "b", "c"];
        let average = ClusterConfig {
            threshold: 0.4,
            linkage: Linkage::Average,
        };
        let centroid = ClusterConfig {
            threshold: 0.4,
            linkage: Linkage::Centroid,
        };
        assert_eq!(cluster(&ids, &edges, &average), vec![vec![0, 1], vec![2]]);
        assert_eq!(cluster(&ids, &edges, &centroid), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn identical_texts_end_up_together() {
        let groups = vec![vec![0, 1], vec![2], vec![3]];
        let keys = [Some(7), None, Some(9), Some(7)];
        let ids = ["a", "b", "c", "d"];
        assert_eq!(
            join_identical(groups, &keys, &ids),
            vec![vec![0, 1, 3], vec![2]]
        );
    }

    #[test]
    fn ties_break_by_id_not_position() {
        // Document 1 is equally close to 0 and 2, which are far apart: whichever merges
        // first wins; the winner must be decided by ids.
        let ids = ["b", "m", "a"];
        let edges = [pair(0, 1, 0.8), pair(1, 2, 0.8)];
        let c = cluster(
            &ids,
            &edges,
            &ClusterConfig {
                threshold: 0.5,
                linkage: Linkage::Average,
            },
        );
        assert_eq!(c, vec![vec![1, 2], vec![0]]);
    }

    /// The linkage recomputed for every pair of clusters at every step, straight from the
    /// definition: what `average` must equal, ties and window included.
    fn reference(
        n: usize,
        edges: &[Edge],
        threshold: f64,
        rank: &[u32],
        days: &[Option<i32>],
        window: Option<u32>,
        centroid: bool,
    ) -> Vec<Vec<usize>> {
        let mut sim = vec![vec![0.0f64; n]; n];
        for e in edges.iter().filter(|e| e.weight > 0.0) {
            sim[e.a as usize][e.b as usize] += e.weight;
            sim[e.b as usize][e.a as usize] += e.weight;
        }
        let mut groups: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
        let cross = |x: &[usize], y: &[usize]| -> f64 {
            x.iter()
                .map(|&i| y.iter().map(|&j| sim[i][j]).sum::<f64>())
                .sum()
        };
        loop {
            let mut best: Option<(Merge, usize, usize)> = None;
            for x in 0..groups.len() {
                for y in x + 1..groups.len() {
                    let s = cross(&groups[x], &groups[y]);
                    if s <= 0.0 {
                        continue;
                    }
                    if let Some(w) = window {
                        let span = |g: &[usize]| {
                            let dated: Vec<i32> = g.iter().filter_map(|&i| days[i]).collect();
                            dated.iter().min().copied().zip(dated.iter().max().copied())
                        };
                        if let (Some(a), Some(b)) = (span(&groups[x]), span(&groups[y])) {
                            let gap = a.0.max(b.0) - a.1.min(b.1);
                            if gap > 0 && gap as u32 > w {
                                continue;
                            }
                        }
                    }
                    let avg = if centroid {
                        let norm = |g: &[usize]| g.len() as f64 + cross(g, g);
                        s / (norm(&groups[x]) * norm(&groups[y])).sqrt()
                    } else {
                        s / (groups[x].len() * groups[y].len()) as f64
                    };
                    let r = |g: &[usize]| g.iter().map(|&i| rank[i]).min().unwrap_or(0);
                    let (rx, ry) = (r(&groups[x]), r(&groups[y]));
                    let m = Merge {
                        avg,
                        ranks: (rx.min(ry), rx.max(ry)),
                        x: 0,
                        y: 0,
                    };
                    if avg >= threshold && best.as_ref().is_none_or(|b| m > b.0) {
                        best = Some((m, x, y));
                    }
                }
            }
            let Some((_, x, y)) = best else {
                return groups;
            };
            let moved = groups.remove(y);
            groups[x].extend(moved);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn average_equals_recomputing_every_linkage_at_every_step(
            n in 2usize..18,
            raw in proptest::collection::vec((0u32..18, 0u32..18, 0usize..6), 0..60),
            days in proptest::collection::vec(proptest::option::weighted(0.75, 0i32..20), 18),
            window in proptest::option::of(0u32..6),
            threshold in proptest::sample::select(vec![0.125, 0.25, 0.375, 0.5]),
            centroid in proptest::bool::ANY,
        ) {
            // Few distinct scores, so that ties are common; exact in binary, so that a tie
            // is a tie whatever order a sum was taken in.
            let levels = [0.125, 0.25, 0.375, 0.5, 0.875, 0.25];
            let mut seen = std::collections::BTreeSet::new();
            let edges: Vec<Edge> = raw
                .iter()
                .filter(|&&(a, b, _)| a != b && (a as usize) < n && (b as usize) < n)
                .map(|&(a, b, l)| (a.min(b), a.max(b), l))
                .filter(|&(a, b, _)| seen.insert((a, b)))
                .map(|(a, b, l)| pair(a, b, levels[l]))
                .collect();
            let ids: Vec<String> = (0..n).map(|i| format!("d{:02}", (i * 7) % 19)).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let rank = ranks(&ids);
            let days = &days[..n];
            let span = match window {
                Some(_) => days.iter().map(|d| d.map(|d| (d, d))).collect(),
                None => Vec::new(),
            };
            let fast = order(
                average(
                    n,
                    &edges,
                    &rank,
                    Rule {
                        threshold,
                        window: window.unwrap_or(0),
                        centroid,
                    },
                    span,
                ),
                &rank,
            );
            let slow = order(
                reference(n, &edges, threshold, &rank, days, window, centroid),
                &rank,
            );
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}
