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
use std::collections::{BinaryHeap, HashMap};

use rayon::prelude::*;

use crate::candidates::Pair;
use crate::config::{ClusterConfig, Linkage};
use crate::document::Date;

/// Groups documents `0..ids.len()` using the scored pairs `edges` (each `a < b`).
pub fn cluster(ids: &[&str], edges: &[Pair], config: &ClusterConfig) -> Vec<Vec<usize>> {
    cluster_dated(ids, &[], 0, edges, config)
}

/// [`cluster`] that also keeps every average- and centroid-linkage cluster within a date
/// window. Two clusters merge only if all their dated members lie within `window_days` of
/// each other, so an undated or in-between document cannot bridge two events weeks apart
/// (`dates` is empty or has one entry per document; `window_days == 0` means no window).
pub fn cluster_dated(
    ids: &[&str],
    dates: &[Option<Date>],
    window_days: u32,
    edges: &[Pair],
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
        Linkage::Average => average(n, edges, config.threshold, &rank, span, window_days, false),
        Linkage::Centroid => average(n, edges, config.threshold, &rank, span, window_days, true),
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

/// Each document's canonical rank: its position when sorted by id (then input position).
fn ranks(ids: &[&str]) -> Vec<u32> {
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

fn single(n: usize, edges: &[Pair], threshold: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for e in edges.iter().filter(|e| e.detail.score >= threshold) {
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

/// A candidate merge in the priority queue.
#[derive(Debug)]
struct Merge {
    avg: f64,
    /// Canonical ranks of the two clusters, smaller first: the tie-break.
    ranks: (u32, u32),
    x: u32,
    y: u32,
    versions: (u32, u32),
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

/// The date span of two clusters together, if it fits the window (`None` = no dates).
fn joint_span(
    a: Option<(i32, i32)>,
    b: Option<(i32, i32)>,
    window: u32,
) -> Result<Option<(i32, i32)>, ()> {
    match (a, b) {
        (Some(x), Some(y)) => {
            let s = (x.0.min(y.0), x.1.max(y.1));
            if (s.1 - s.0) as u32 > window {
                Err(())
            } else {
                Ok(Some(s))
            }
        }
        (x, y) => Ok(x.or(y)),
    }
}

fn average(
    n: usize,
    edges: &[Pair],
    threshold: f64,
    rank: &[u32],
    mut span: Vec<Option<(i32, i32)>>,
    window: u32,
    centroid: bool,
) -> Vec<Vec<usize>> {
    let dated = !span.is_empty();
    // Sum of similarities inside each cluster (each pair once), for the centroid criterion:
    // with unit vectors, |sum of a cluster's vectors|^2 = size + 2 * intra.
    let mut intra = vec![0.0f64; n];
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut alive = vec![true; n];
    let mut version = vec![0u32; n];
    let mut crank: Vec<u32> = rank.to_vec();
    // Sum of pair similarities between two clusters, keyed by the other cluster.
    let mut links: Vec<HashMap<u32, f64>> = vec![HashMap::new(); n];
    let mut heap = BinaryHeap::new();
    for e in edges {
        let (a, b, s) = (e.a, e.b, e.detail.score);
        if s <= 0.0 {
            continue;
        }
        *links[a as usize].entry(b).or_insert(0.0) += s;
        *links[b as usize].entry(a).or_insert(0.0) += s;
        if s >= threshold {
            heap.push(merge_of(s, a, b, &crank, &version));
        }
    }
    while let Some(m) = heap.pop() {
        if m.avg < threshold {
            break;
        }
        let (x, y) = (m.x as usize, m.y as usize);
        if !alive[x] || !alive[y] || version[x] != m.versions.0 || version[y] != m.versions.1 {
            continue;
        }
        let merged_span = if dated {
            match joint_span(span[x], span[y], window) {
                Ok(s) => s,
                // Would stretch past the window: never merge these two.
                Err(()) => continue,
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
        for (c, s) in gone_links {
            if c as usize == keep {
                continue;
            }
            *links[keep].entry(c).or_insert(0.0) += s;
            let other = &mut links[c as usize];
            other.remove(&(gone as u32));
        }
        let moved = std::mem::take(&mut members[gone]);
        members[keep].extend(moved);
        alive[gone] = false;
        if dated {
            span[keep] = merged_span;
        }
        crank[keep] = crank[keep].min(crank[gone]);
        version[keep] += 1;
        let size_keep = members[keep].len() as f64;
        let mut updates: Vec<(u32, f64)> = links[keep].iter().map(|(&c, &s)| (c, s)).collect();
        updates.sort_unstable_by_key(|u| u.0);
        for (c, s) in updates {
            links[c as usize].insert(keep as u32, s);
            let avg = if centroid {
                let norm = |k: usize| members[k].len() as f64 + 2.0 * intra[k];
                s / (norm(keep) * norm(c as usize)).sqrt()
            } else {
                s / (size_keep * members[c as usize].len() as f64)
            };
            if avg >= threshold {
                heap.push(merge_of(avg, keep as u32, c, &crank, &version));
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

fn merge_of(avg: f64, x: u32, y: u32, crank: &[u32], version: &[u32]) -> Merge {
    let (rx, ry) = (crank[x as usize], crank[y as usize]);
    Merge {
        avg,
        ranks: (rx.min(ry), rx.max(ry)),
        x,
        y,
        versions: (version[x as usize], version[y as usize]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::Detail;

    fn pair(a: u32, b: u32, score: f64) -> Pair {
        Pair {
            a,
            b,
            detail: Detail {
                score,
                ..Detail::default()
            },
        }
    }

    fn run(n: usize, edges: &[Pair], linkage: Linkage) -> Vec<Vec<usize>> {
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
}
