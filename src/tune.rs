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

use crate::config::{Linkage, Measure, ShingleKind};
use crate::document::Corpus;
use crate::eval::{Agreement, agreement_within};

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

impl std::str::FromStr for Metric {
    type Err = String;

    fn from_str(s: &str) -> Result<Metric, String> {
        match s {
            "ari" => Ok(Metric::Ari),
            "bcubed" => Ok(Metric::Bcubed),
            "pairwise" => Ok(Metric::Pairwise),
            other => Err(format!(
                "unknown metric {other:?} (ari, bcubed or pairwise)"
            )),
        }
    }
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
    /// Agreement with the labels (see [`tune`] for how unlabelled documents count).
    #[serde(flatten)]
    pub agreement: Agreement,
    /// Distinct predicted clusters holding labelled documents.
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

/// How the partitions were made, as the table's header says it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Setting {
    /// The measure.
    #[serde(serialize_with = "as_text")]
    pub measure: Measure,
    /// The linkage.
    #[serde(serialize_with = "as_text")]
    pub linkage: Linkage,
    /// The shingles (copy measures).
    #[serde(serialize_with = "as_text")]
    pub shingle: ShingleKind,
    /// The date window in days (story measure; 0 = none).
    pub window_days: u32,
    /// Whether any document has a date.
    pub dated: bool,
}

/// A setting as the command line writes it.
fn as_text<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Every threshold measured, the best, and what is recommended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tuning {
    /// How the partitions were made.
    pub setting: Setting,
    /// What the thresholds are judged by.
    pub metric: Metric,
    /// Labelled documents found in the collection.
    pub documents: usize,
    /// Distinct true stories among them.
    pub stories: usize,
    /// Documents of the collection without a label: no labelled story holds them.
    pub unlabelled: usize,
    /// The threshold the run was given (or the measure's default).
    pub current: f64,
    /// The threshold scoring best on every labelled document (ties: the one nearest the
    /// current, then the lower).
    pub best: f64,
    /// Whether `best` is the lowest or highest of several thresholds tried (the best may
    /// lie beyond).
    pub best_at_edge: bool,
    /// The check on held-out stories; `None` when either half has fewer than
    /// [`MIN_STORIES`] stories of two or more documents, too few to measure a choice on.
    pub held_out: Option<HeldOut>,
    /// `best` if the held-out check says a choice made this way beats the current
    /// threshold by at least [`MIN_GAIN`] on stories it was not made on, else `current`.
    pub recommended: f64,
    /// One row per threshold, ascending.
    pub rows: Vec<Row>,
}

/// A threshold and the partition it gave: groups of document indices, every document in
/// one, numbered as `cluster` numbers them (so equal partitions measure equal, bit for bit).
pub type Tried = (f64, Vec<Vec<usize>>);

/// Each half of the labelled stories needs this many stories of two or more documents for
/// the held-out check (with fewer, one story decides).
pub const MIN_STORIES: usize = 3;

/// How much better than the current threshold, on held-out stories, a choice must do to be
/// recommended: on a few dozen stories, smaller gains are mostly which stories fell in
/// which half.
pub const MIN_GAIN: f64 = 0.01;

/// The most thresholds one run tries.
pub const MOST_THRESHOLDS: usize = 200;

/// The thresholds to try: `spec` as `FROM:TO:STEP` or a comma-separated list (default
/// `0.20:0.80:0.05`), with `current` among them; each rounded to a millionth (so that
/// `0.2 + 3 x 0.05` is 0.35, and a threshold prints as it was asked for), ascending, once.
///
/// # Errors
/// Why `spec` is refused, in words: not a number, outside 0..1, a range that runs
/// backwards or steps by less than a millionth, more than [`MOST_THRESHOLDS`].
pub fn grid(spec: Option<&str>, current: f64) -> Result<Vec<f64>, String> {
    let round = |x: f64| (x * 1e6).round() / 1e6 + 0.0;
    let parse = |x: &str| {
        let x = x.trim();
        match x.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => Ok(round(v)),
            Ok(_) => Err(format!("`{x}` is not between 0 and 1")),
            Err(_) => Err(format!("`{x}` is not a number")),
        }
    };
    let mut out = match spec.unwrap_or("0.20:0.80:0.05") {
        range if range.contains(':') => {
            let parts: Vec<&str> = range.split(':').collect();
            let [from, to, step] = parts[..] else {
                return Err("a range is FROM:TO:STEP".into());
            };
            let (from, to, step) = (parse(from)?, parse(to)?, parse(step)?);
            if step < 1e-6 || to < from {
                return Err("a range needs FROM <= TO and a STEP of at least 0.000001".into());
            }
            // Counted as a float first: a huge count must not overflow on the way.
            let steps = ((to - from) / step + 1e-9).floor();
            if steps + 1.0 > MOST_THRESHOLDS as f64 {
                return Err(format!(
                    "{} thresholds; at most {MOST_THRESHOLDS}",
                    steps + 1.0
                ));
            }
            (0..=steps as usize)
                .map(|k| round(from + k as f64 * step))
                .collect::<Vec<f64>>()
        }
        items => items
            .split(',')
            .map(parse)
            .collect::<Result<Vec<f64>, String>>()?,
    };
    out.sort_by(f64::total_cmp);
    out.dedup();
    if out.len() > MOST_THRESHOLDS {
        return Err(format!(
            "{} thresholds; at most {MOST_THRESHOLDS}",
            out.len()
        ));
    }
    out.push(current);
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}

/// Each document's true story from `truth` (id and label pairs): `None` where `truth` does
/// not name it or labels it blank (a document not labelled yet); and how many documents
/// `truth` names at all.
///
/// # Errors
/// Why there is nothing to tune on, in words: an id labelled twice, or no document of
/// `corpus` labelled.
pub fn labels_of<'a>(
    corpus: &Corpus,
    truth: &'a [(String, String)],
) -> Result<(Vec<Option<&'a str>>, usize), String> {
    let mut label_of: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (id, label) in truth {
        if label_of.insert(id, label).is_some() {
            return Err(format!("id {id:?} is labelled twice"));
        }
    }
    let found = corpus
        .docs
        .iter()
        .filter(|d| label_of.contains_key(d.id.as_str()))
        .count();
    let labels = corpus
        .docs
        .iter()
        .map(|d| {
            label_of
                .get(d.id.as_str())
                .copied()
                .filter(|l| !crate::eval::is_blank(l) && !l.trim().is_empty())
        })
        .collect::<Vec<_>>();
    if labels.iter().all(Option::is_none) {
        return Err(format!(
            "labels none of the {} documents read ({found} of its {} ids read; blank labels \
             do not count): nothing to tune on",
            corpus.len(),
            truth.len()
        ));
    }
    Ok((labels, found))
}

/// Measures `partitions` against `labels` (one per document, `None` where it is not
/// labelled) and chooses. `partitions` must include `current`.
///
/// The labels are taken to cover whole stories: an unlabelled document belongs to none of
/// the labelled stories, so one in a labelled document's cluster is a false merge (pairs
/// of two unlabelled documents are not judged). A sample labelled alone, without the
/// collection around it, hides the merges the rest of the collection would cause.
///
/// # Panics
/// If `partitions` is empty or holds no partition at `current`, or if no document is
/// labelled.
pub fn tune(
    labels: &[Option<&str>],
    partitions: &[Tried],
    current: f64,
    metric: Metric,
    setting: Setting,
) -> Tuning {
    let labelled = labels.iter().filter(|l| l.is_some()).count();
    assert!(labelled > 0, "tuning needs labelled documents");
    debug_assert!(
        partitions
            .iter()
            .all(|(_, g)| g.iter().map(Vec::len).sum::<usize>() == labels.len()),
        "every partition holds every document once"
    );
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for l in labels.iter().flatten() {
        *sizes.entry(l).or_default() += 1;
    }
    // Halves of the stories: by size, then label, alternately, so that each half gets
    // stories of every size (and the same halves for any input order).
    let mut by_size: Vec<(&str, usize)> = sizes.iter().map(|(&l, &n)| (l, n)).collect();
    by_size.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let half_of: BTreeMap<&str, usize> = by_size
        .iter()
        .enumerate()
        .map(|(k, &(l, _))| (l, k % 2))
        .collect();
    let measurable = [0, 1].map(|h| {
        by_size
            .iter()
            .filter(|(l, n)| half_of[l] == h && *n >= 2)
            .count()
            >= MIN_STORIES
    });
    let mut order: Vec<&Tried> = partitions.iter().collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
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
        for (h, scores) in on_half.iter_mut().enumerate() {
            let within = |l: &str| half_of[l] == h;
            scores.push(metric.of(&agreement_within(&cluster, labels, &within)));
        }
        let mut held: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i].is_some())
            .map(|i| cluster[i])
            .collect();
        held.sort_unstable();
        held.dedup();
        rows.push(Row {
            threshold: *threshold,
            agreement: agreement_within(&cluster, labels, &|_| true),
            clusters: held.len(),
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
                        // In millionths, the grid's precision: 0.45 - 0.3 and 0.6 - 0.45
                        // differ in the last bits of a float.
                        let d =
                            |k: usize| ((rows[k].threshold - current).abs() * 1e6).round() as i64;
                        d(b).cmp(&d(a))
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
    let carries_over = held_out
        .as_ref()
        .is_some_and(|h| h.tuned >= h.current + MIN_GAIN);
    Tuning {
        setting,
        metric,
        documents: labelled,
        stories: sizes.len(),
        unlabelled: labels.len() - labelled,
        current,
        best: rows[best].threshold,
        best_at_edge: rows.len() > 1 && (best == 0 || best + 1 == rows.len()),
        recommended: if carries_over {
            rows[best].threshold
        } else {
            current
        },
        held_out,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::agreement;

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

    fn setting() -> Setting {
        Setting {
            measure: Measure::Story,
            linkage: Linkage::Average,
            shingle: ShingleKind::default(),
            window_days: 3,
            dated: false,
        }
    }

    fn run(labels: &[Option<String>], parts: &[Tried], current: f64, m: Metric) -> Tuning {
        tune(&refs(labels), parts, current, m, setting())
    }

    /// Cluster numbers per document from groups.
    fn numbered(groups: &[Vec<usize>], n: usize) -> Vec<usize> {
        let mut c = vec![0; n];
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                c[m] = g;
            }
        }
        c
    }

    #[test]
    fn the_threshold_that_recovers_the_stories_is_chosen_and_recommended() {
        let (labels, parts) = case();
        let t = run(&labels, &parts, 0.3, Metric::Ari);
        let tried: Vec<f64> = t.rows.iter().map(|r| r.threshold).collect();
        assert_eq!(tried, [0.3, 0.5, 0.7]);
        assert_eq!(t.best, 0.5);
        assert!(!t.best_at_edge);
        assert_eq!(t.rows[1].agreement.ari, 1.0);
        assert_eq!(t.rows[1].clusters, 6);
        assert!(t.rows[0].agreement.ari < 1.0 && t.rows[2].agreement.ari < 1.0);
        let h = t.held_out.expect("three stories of three in each half");
        assert_eq!(h.chosen, [0.5, 0.5]);
        assert_eq!(h.tuned, 1.0);
        assert!(h.current < 1.0 - MIN_GAIN);
        assert_eq!(t.recommended, 0.5);
        assert_eq!((t.documents, t.stories, t.unlabelled), (18, 6, 0));
    }

    #[test]
    fn the_current_threshold_stays_when_nothing_beats_it() {
        let (labels, parts) = case();
        let t = run(&labels, &parts, 0.5, Metric::Bcubed);
        assert_eq!((t.best, t.recommended), (0.5, 0.5));
    }

    #[test]
    fn too_few_stories_to_check_keep_the_current_threshold() {
        let (mut labels, parts) = case();
        // Only stories a and b labelled: one story per half.
        for l in labels.iter_mut().skip(6) {
            *l = None;
        }
        let t = run(&labels, &parts, 0.7, Metric::Ari);
        assert!(t.held_out.is_none());
        assert_eq!(t.best, 0.5);
        assert_eq!(t.recommended, 0.7);
        assert_eq!((t.documents, t.stories, t.unlabelled), (6, 2, 12));
    }

    #[test]
    fn a_best_at_the_end_of_the_grid_is_flagged() {
        let (labels, mut parts) = case();
        parts.retain(|(t, _)| *t != 0.7);
        let t = run(&labels, &parts, 0.3, Metric::Ari);
        assert_eq!(t.best, 0.5);
        assert!(t.best_at_edge);
    }

    #[test]
    fn ties_go_to_the_threshold_nearest_the_current() {
        let (labels, mut parts) = case();
        // 0.4 and 0.6 give the exact partition too.
        let exact = parts[2].1.clone();
        parts.push((0.4, exact.clone()));
        parts.push((0.6, exact));
        assert_eq!(run(&labels, &parts, 0.7, Metric::Ari).best, 0.6);
        assert_eq!(run(&labels, &parts, 0.3, Metric::Ari).best, 0.4);
    }

    #[test]
    fn equal_distances_from_the_current_threshold_go_to_the_lower() {
        // 0.45 - 0.3 and 0.6 - 0.45 differ in the last bits of a float.
        let (labels, parts) = case();
        let exact = parts[2].1.clone();
        let alone = parts[0].1.clone();
        let parts = vec![(0.3, exact.clone()), (0.45, alone), (0.6, exact)];
        assert_eq!(run(&labels, &parts, 0.45, Metric::Ari).best, 0.3);
    }

    #[test]
    fn grids_are_read_rounded_and_refused_in_words() {
        let default = grid(None, 0.45).unwrap();
        assert_eq!(default.len(), 13);
        assert_eq!((default[0], default[5], default[12]), (0.2, 0.45, 0.8));
        // The current threshold joins the grid once.
        assert_eq!(
            grid(Some("0.1:0.3:0.1"), 0.45).unwrap(),
            [0.1, 0.2, 0.3, 0.45]
        );
        assert_eq!(
            grid(Some("0.5, 0.4725,0.5,-0"), 0.45).unwrap(),
            [0.0, 0.45, 0.4725, 0.5]
        );
        assert!(grid(Some("-0"), 0.45).unwrap()[0].is_sign_positive());
        let refused = |spec: &str| grid(Some(spec), 0.45).unwrap_err();
        assert!(refused("0:1:1e-20").contains("STEP of at least"));
        assert!(refused("0.9:0.1:0.1").contains("FROM <= TO"));
        assert!(refused("0:1:0.001").contains("at most 200"));
        assert!(refused("0:1").contains("FROM:TO:STEP"));
        assert!(refused("0.2,half").contains("`half` is not a number"));
        for bad in ["2", "-1", "NaN", "inf"] {
            assert!(
                refused(bad).contains("between 0 and 1") || refused(bad).contains("not a number"),
                "{bad}"
            );
        }
        let many: Vec<String> = (0..300).map(|k| format!("{}", k as f64 / 1000.0)).collect();
        assert!(refused(&many.join(",")).contains("300 thresholds"));
        // Repeats are one threshold.
        assert_eq!(
            grid(Some(&vec!["0.5"; 5000].join(",")), 0.45).unwrap(),
            [0.45, 0.5]
        );
    }

    #[test]
    fn an_unlabelled_document_merged_with_a_story_is_a_false_merge() {
        let (mut labels, mut parts) = case();
        labels.push(None);
        labels.push(None);
        // Documents 18 and 19 (unlabelled) together, apart from every story: nothing
        // is judged of them.
        for (_, groups) in &mut parts {
            groups.push(vec![18, 19]);
        }
        let t = run(&labels, &parts, 0.3, Metric::Ari);
        assert_eq!(t.rows[1].agreement.ari, 1.0);
        assert_eq!((t.documents, t.unlabelled), (18, 2));
        // Document 18 in story a's cluster: a false merge for a.
        let mut joined = parts.clone();
        for (_, groups) in &mut joined {
            groups.last_mut().unwrap().retain(|&d| d != 18);
            groups[0].push(18);
        }
        let t = run(&labels, &joined, 0.3, Metric::Ari);
        assert!(t.rows[1].agreement.ari < 1.0);
        assert!(t.rows[1].agreement.bcubed.precision < 1.0);
        assert_eq!(t.rows[1].agreement.bcubed.recall, 1.0);
    }

    #[test]
    fn every_document_labelled_measures_as_eval_does() {
        let truth = ["a", "a", "a", "b", "b", "c", "d", "d"];
        let pred = [0, 0, 1, 1, 1, 2, 3, 2];
        let names: Vec<String> = pred.iter().map(usize::to_string).collect();
        let whole = agreement(&truth, &names);
        let labels: Vec<Option<&str>> = truth.iter().map(|&t| Some(t)).collect();
        let m = agreement_within(&pred, &labels, &|_| true);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(m.ari, whole.ari));
        assert!(close(m.pairwise.f1, whole.pairwise.f1));
        assert!(close(m.bcubed.precision, whole.bcubed.precision));
        assert!(close(m.bcubed.recall, whole.bcubed.recall));
        assert_eq!(m.documents, 8);
    }

    #[test]
    fn a_merge_with_the_other_half_counts_against_a_half() {
        // Stories a and c (one half) and b (the other): a merged with b.
        let labels = [
            Some("a"),
            Some("a"),
            Some("b"),
            Some("b"),
            Some("c"),
            Some("c"),
        ];
        let first = |l: &str| l != "b";
        let merged = numbered(&[vec![0, 1, 2, 3], vec![4, 5]], 6);
        let exact = numbered(&[vec![0, 1], vec![2, 3], vec![4, 5]], 6);
        for m in [Metric::Ari, Metric::Bcubed, Metric::Pairwise] {
            assert_eq!(
                m.of(&agreement_within(&exact, &labels, &first)),
                1.0,
                "{m:?}"
            );
            assert!(
                m.of(&agreement_within(&merged, &labels, &first)) < 1.0,
                "{m:?}"
            );
        }
    }
}
