//! Choosing the threshold on a user's own labelled stories (`storydedup tune`).
//!
//! The defaults were chosen on several real collections, each setting judged on the ones it
//! was not chosen on (`docs/story-judgement.md`); a user's feed can still differ from all
//! of them. Given the partitions a run gives at several thresholds and true stories for some
//! of its documents, this scores every threshold and checks a choice the same way: chosen
//! on half of the labelled stories, measured on the other half, both ways round. A
//! threshold is recommended over the current one only when that check says it carries
//! over.

use std::collections::BTreeMap;

use crate::eval::{Agreement, agreement};

/// What a threshold is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Adjusted Rand index.
    Ari,
    /// B-cubed F1 (per document; kind to many small stories).
    Bcubed,
    /// Pairwise F1 (pairs of documents put together; weighs large stories most).
    Pairwise,
}

impl Metric {
    /// The value of this metric in `a`.
    pub fn of(self, a: &Agreement) -> f64 {
        match self {
            Metric::Ari => a.ari,
            Metric::Bcubed => a.bcubed.f1,
            Metric::Pairwise => a.pairwise.f1,
        }
    }

    /// Its name as tables print it.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Ari => "ARI",
            Metric::Bcubed => "B-cubed F1",
            Metric::Pairwise => "pairwise F1",
        }
    }
}

/// One threshold's clustering, measured on every labelled document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The threshold.
    pub threshold: f64,
    /// Agreement with the labels.
    #[serde(flatten)]
    pub agreement: Agreement,
    /// Distinct predicted clusters among the labelled documents.
    pub clusters: usize,
}

/// The choice checked on stories it was not made on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeldOut {
    /// The threshold chosen on each half of the labelled stories.
    pub chosen: [f64; 2],
    /// The metric at each half's choice, measured on the other half; the mean of both.
    pub tuned: f64,
    /// The metric at the current threshold, measured on each half; the mean of both.
    pub current: f64,
}

/// Every threshold measured, the best, and what is recommended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tuning {
    /// What the thresholds are judged by.
    pub metric: Metric,
    /// Labelled documents found in the collection.
    pub documents: usize,
    /// Distinct true stories among them.
    pub stories: usize,
    /// The threshold the run was given (or the measure's default).
    pub current: f64,
    /// The threshold scoring best on every labelled document (ties: the one nearest the
    /// current, then the lower).
    pub best: f64,
    /// The check on held-out stories; `None` when either half has fewer than
    /// [`MIN_STORIES`] stories of two or more documents, too few to measure a choice on.
    pub held_out: Option<HeldOut>,
    /// `best` if the held-out check says a choice made this way beats the current
    /// threshold on stories it was not made on, else `current`.
    pub recommended: f64,
    /// One row per threshold, ascending.
    pub rows: Vec<Row>,
}

/// A threshold and the partition it gave: groups of document indices, every document in
/// one.
pub type Tried = (f64, Vec<Vec<usize>>);

/// Each half of the labelled stories needs this many stories of two or more documents for
/// the held-out check (with fewer, one story decides).
pub const MIN_STORIES: usize = 3;

/// Measures `partitions` (each a threshold and the groups of document indices it gave,
/// every document in one group) against `labels` (one per document, `None` where it is
/// not labelled) and chooses. `partitions` must include `current`.
///
/// # Panics
/// If `partitions` is empty or holds no partition at `current`, or if no document is
/// labelled.
pub fn tune(labels: &[Option<&str>], partitions: &[Tried], current: f64, metric: Metric) -> Tuning {
    let labelled: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_some()).collect();
    assert!(!labelled.is_empty(), "tuning needs labelled documents");
    // Halves of the stories: the distinct labels in sorted order, alternately (stable for
    // any input order, and each half gets stories of every size).
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in &labelled {
        *sizes.entry(labels[i].expect("labelled")).or_default() += 1;
    }
    let half_of: BTreeMap<&str, usize> =
        sizes.keys().enumerate().map(|(k, &l)| (l, k % 2)).collect();
    let measurable = [0, 1].map(|h| {
        sizes
            .iter()
            .filter(|(l, n)| half_of[*l] == h && **n >= 2)
            .count()
            >= MIN_STORIES
    });
    let mut order: Vec<&Tried> = partitions.iter().collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let truth: Vec<&str> = labelled
        .iter()
        .map(|&i| labels[i].expect("labelled"))
        .collect();
    let half: Vec<usize> = truth.iter().map(|l| half_of[l]).collect();
    let mut rows = Vec::new();
    // The metric per threshold on each half, in `rows` order.
    let mut on_half: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for (threshold, groups) in order {
        let mut cluster = vec![usize::MAX; labels.len()];
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                cluster[m] = g;
            }
        }
        let pred: Vec<usize> = labelled.iter().map(|&i| cluster[i]).collect();
        for (h, scores) in on_half.iter_mut().enumerate() {
            scores.push(measured_on(metric, &truth, &pred, &half, h));
        }
        let names: Vec<String> = pred.iter().map(usize::to_string).collect();
        let mut distinct = pred.clone();
        distinct.sort_unstable();
        distinct.dedup();
        rows.push(Row {
            threshold: *threshold,
            agreement: agreement(&truth, &names),
            clusters: distinct.len(),
        });
    }
    let at = |t: f64| {
        rows.iter()
            .position(|r| r.threshold == t)
            .expect("partitions include the current threshold")
    };
    let cur = at(current);
    let best_of = |score: &dyn Fn(usize) -> f64| {
        (0..rows.len())
            .max_by(|&a, &b| {
                score(a)
                    .total_cmp(&score(b))
                    // Ties: nearer the current threshold, then the lower one.
                    .then_with(|| {
                        let d = |k: usize| (rows[k].threshold - current).abs();
                        d(b).total_cmp(&d(a))
                    })
                    .then_with(|| rows[b].threshold.total_cmp(&rows[a].threshold))
            })
            .expect("at least one threshold")
    };
    let best = best_of(&|k| metric.of(&rows[k].agreement));
    let held_out = (measurable[0] && measurable[1]).then(|| {
        let chosen = [0, 1].map(|h| best_of(&|k| on_half[h][k]));
        HeldOut {
            chosen: chosen.map(|k| rows[k].threshold),
            tuned: (on_half[1][chosen[0]] + on_half[0][chosen[1]]) / 2.0,
            current: (on_half[0][cur] + on_half[1][cur]) / 2.0,
        }
    });
    let carries_over = held_out.as_ref().is_some_and(|h| h.tuned > h.current);
    Tuning {
        metric,
        documents: labelled.len(),
        stories: sizes.len(),
        current,
        best: rows[best].threshold,
        recommended: if carries_over {
            rows[best].threshold
        } else {
            current
        },
        held_out,
        rows,
    }
}

/// `metric` of the labelled documents of one half (`truth`, `pred` and `half` per labelled
/// document), with the whole clustering around them: a pair counts when either of its
/// documents is in the half, so a story of this half merged with one of the other half is
/// a false merge here too (measured on the half's documents alone, it would not be seen).
/// ARI from the pair counts (Hubert and Arabie's form), B-cubed over the half's documents.
fn measured_on(metric: Metric, truth: &[&str], pred: &[usize], half: &[usize], h: usize) -> f64 {
    let half_of: BTreeMap<&str, usize> = truth.iter().copied().zip(half.iter().copied()).collect();
    let pairs = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    let mut cell: BTreeMap<(usize, &str), u64> = BTreeMap::new();
    let mut by_pred: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    let mut by_truth: BTreeMap<&str, u64> = BTreeMap::new();
    for k in 0..truth.len() {
        *cell.entry((pred[k], truth[k])).or_default() += 1;
        let p = by_pred.entry(pred[k]).or_default();
        p.0 += 1;
        p.1 += u64::from(half[k] == h);
        *by_truth.entry(truth[k]).or_default() += 1;
    }
    if metric == Metric::Bcubed {
        // Per document of the half: its cluster's share of its story, and its story's
        // share of its cluster, the cluster counted whole.
        let (mut p, mut r, mut n) = (0.0, 0.0, 0.0);
        for k in (0..truth.len()).filter(|&k| half[k] == h) {
            let both = cell[&(pred[k], truth[k])] as f64;
            p += both / by_pred[&pred[k]].0 as f64;
            r += both / by_truth[truth[k]] as f64;
            n += 1.0;
        }
        let (p, r) = (p / n, r / n);
        return if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
    }
    let mine = half.iter().filter(|&&x| x == h).count() as u64;
    let all = truth.len() as u64;
    // Same story means same half: those pairs lie inside the half.
    let together = cell
        .iter()
        .filter(|((_, t), _)| half_of[t] == h)
        .map(|(_, &n)| pairs(n))
        .sum::<f64>();
    let same_pred: f64 = by_pred
        .values()
        .map(|&(n, m)| pairs(n) - pairs(n - m))
        .sum();
    let same_truth: f64 = by_truth
        .iter()
        .filter(|(t, _)| half_of[*t] == h)
        .map(|(_, &n)| pairs(n))
        .sum();
    let total = pairs(all) - pairs(all - mine);
    let (tp, fp, fn_) = (together, same_pred - together, same_truth - together);
    let tn = total - tp - fp - fn_;
    match metric {
        Metric::Pairwise => {
            let (p, r) = (tp / (tp + fp).max(1.0), tp / (tp + fn_).max(1.0));
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            }
        }
        _ => {
            let denominator = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
            if denominator == 0.0 {
                1.0
            } else {
                2.0 * (tp * tn - fn_ * fp) / denominator
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Six stories of three documents (labels a..f), clustered at three thresholds: 0.3
    /// merges two pairs of stories, 0.5 is exact, 0.7 leaves every document alone.
    fn case() -> (Vec<Option<String>>, Vec<Tried>) {
        let labels: Vec<Option<String>> = (0..18)
            .map(|i| Some(((b'a' + (i / 3) as u8) as char).to_string()))
            .collect();
        let exact: Vec<Vec<usize>> = (0..6).map(|s| (3 * s..3 * s + 3).collect()).collect();
        // a with c and b with d: stories of the same half (a, c, e | b, d, f).
        let merged: Vec<Vec<usize>> = vec![
            vec![0, 1, 2, 6, 7, 8],
            vec![3, 4, 5, 9, 10, 11],
            vec![12, 13, 14],
            vec![15, 16, 17],
        ];
        let alone: Vec<Vec<usize>> = (0..18).map(|i| vec![i]).collect();
        (labels, vec![(0.7, alone), (0.3, merged), (0.5, exact)])
    }

    fn refs(labels: &[Option<String>]) -> Vec<Option<&str>> {
        labels.iter().map(|l| l.as_deref()).collect()
    }

    #[test]
    fn the_threshold_that_recovers_the_stories_is_chosen_and_recommended() {
        let (labels, parts) = case();
        let t = tune(&refs(&labels), &parts, 0.3, Metric::Ari);
        assert_eq!(
            t.rows.iter().map(|r| r.threshold).collect::<Vec<_>>(),
            [0.3, 0.5, 0.7]
        );
        assert_eq!(t.best, 0.5);
        assert_eq!(t.rows[1].agreement.ari, 1.0);
        assert_eq!(t.rows[1].clusters, 6);
        assert!(t.rows[0].agreement.ari < 1.0 && t.rows[2].agreement.ari < 1.0);
        let h = t.held_out.expect("three stories of three in each half");
        assert_eq!(h.chosen, [0.5, 0.5]);
        assert_eq!(h.tuned, 1.0);
        assert!(h.current < 1.0);
        assert_eq!(t.recommended, 0.5);
        assert_eq!((t.documents, t.stories), (18, 6));
    }

    #[test]
    fn the_current_threshold_stays_when_nothing_beats_it() {
        let (labels, parts) = case();
        let t = tune(&refs(&labels), &parts, 0.5, Metric::Bcubed);
        assert_eq!((t.best, t.recommended), (0.5, 0.5));
    }

    #[test]
    fn too_few_stories_to_check_keep_the_current_threshold() {
        let (mut labels, parts) = case();
        // Only stories a and b labelled: one story per half.
        for l in labels.iter_mut().skip(6) {
            *l = None;
        }
        let t = tune(&refs(&labels), &parts, 0.7, Metric::Ari);
        assert!(t.held_out.is_none());
        assert_eq!(t.best, 0.5);
        assert_eq!(t.recommended, 0.7);
        assert_eq!((t.documents, t.stories), (6, 2));
    }

    #[test]
    fn ties_go_to_the_threshold_nearest_the_current() {
        let (labels, mut parts) = case();
        // 0.4 and 0.6 give the exact partition too.
        let exact = parts[2].1.clone();
        parts.push((0.4, exact.clone()));
        parts.push((0.6, exact));
        assert_eq!(tune(&refs(&labels), &parts, 0.7, Metric::Ari).best, 0.6);
        assert_eq!(tune(&refs(&labels), &parts, 0.3, Metric::Ari).best, 0.4);
    }

    #[test]
    fn a_half_holding_every_document_measures_as_eval_does() {
        let truth = ["a", "a", "a", "b", "b", "c", "d", "d"];
        let pred = [0, 0, 1, 1, 1, 2, 3, 2];
        let names: Vec<String> = pred.iter().map(usize::to_string).collect();
        let whole = agreement(&truth, &names);
        let everyone = [0; 8];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            measured_on(Metric::Ari, &truth, &pred, &everyone, 0),
            whole.ari
        ));
        assert!(close(
            measured_on(Metric::Pairwise, &truth, &pred, &everyone, 0),
            whole.pairwise.f1
        ));
        assert!(close(
            measured_on(Metric::Bcubed, &truth, &pred, &everyone, 0),
            whole.bcubed.f1
        ));
    }

    #[test]
    fn a_merge_with_the_other_half_counts_against_a_half() {
        // Stories a (half 0) and b (half 1) merged; c (half 0) alone.
        let truth = ["a", "a", "b", "b", "c", "c"];
        let half = [0, 0, 1, 1, 0, 0];
        let merged = [0, 0, 0, 0, 1, 1];
        let exact = [0, 0, 2, 2, 1, 1];
        for m in [Metric::Ari, Metric::Bcubed, Metric::Pairwise] {
            assert_eq!(measured_on(m, &truth, &exact, &half, 0), 1.0, "{m:?}");
            assert!(measured_on(m, &truth, &merged, &half, 0) < 1.0, "{m:?}");
        }
    }

    #[test]
    fn unlabelled_documents_are_clustered_but_not_measured() {
        let (mut labels, mut parts) = case();
        labels.push(None);
        for (_, groups) in &mut parts {
            groups[0].push(18);
        }
        let t = tune(&refs(&labels), &parts, 0.3, Metric::Ari);
        assert_eq!(t.documents, 18);
        assert_eq!(t.rows[1].agreement.ari, 1.0);
    }
}
