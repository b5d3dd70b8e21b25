//! Measuring a clustering against labels: adjusted Rand index, pairwise and B-cubed
//! precision/recall/F1. Used by the tests (fixtures) and by the benchmark scripts.

use std::collections::HashMap;

/// Precision, recall and their harmonic mean.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

impl Prf {
    fn new(precision: f64, recall: f64) -> Prf {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

/// Agreement between a predicted and a true partition of the same items.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Agreement {
    /// Adjusted Rand index (1 = identical, about 0 = chance).
    pub ari: f64,
    /// Over pairs of items put together.
    pub pairwise: Prf,
    /// Per item, averaged (Bagga & Baldwin).
    pub bcubed: Prf,
    /// Items compared.
    pub documents: usize,
}

/// Compares two labelings of the same items (`truth[i]` and `pred[i]` label item `i`).
///
/// ```
/// let a = storydedup::eval::agreement(&["x", "x", "y"], &["1", "1", "2"]);
/// assert_eq!(a.ari, 1.0);
/// ```
pub fn agreement<T: AsRef<str>, P: AsRef<str>>(truth: &[T], pred: &[P]) -> Agreement {
    assert_eq!(
        truth.len(),
        pred.len(),
        "labelings must cover the same items"
    );
    // Clusters numbered in label order: the sums then run in an order the items' order
    // does not change.
    let names: std::collections::BTreeSet<&str> = pred.iter().map(AsRef::as_ref).collect();
    let number: HashMap<&str, usize> = names.iter().enumerate().map(|(k, &p)| (p, k)).collect();
    let cluster: Vec<usize> = pred.iter().map(|p| number[p.as_ref()]).collect();
    let labels: Vec<Option<&str>> = truth.iter().map(|t| Some(t.as_ref())).collect();
    agreement_within(&cluster, &labels, &|_| true)
}

/// Agreement of the partition `cluster` (a cluster number per item) with `labels` (`None`:
/// an item known to be in none of the labelled stories; pairs of two such are not
/// judged) over the labelled items whose story `scope` accepts, with the whole clustering
/// around them: a pair is judged when either of its documents is in scope, so a merge
/// with a story out of scope, or with an unlabelled document, counts against it (measured
/// on the scope's documents alone, neither would be seen). ARI in Hubert and Arabie's
/// pair-count form (with every item labelled and in scope, the standard ARI); B-cubed over the
/// items in scope, each cluster counted whole. Sums run in cluster and label order,
/// so equal partitions measure equal whatever the input order.
pub fn agreement_within(
    cluster: &[usize],
    labels: &[Option<&str>],
    scope: &dyn Fn(&str) -> bool,
) -> Agreement {
    let pairs = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    // Per (cluster, story in scope): documents; per cluster: all, in scope; per story.
    let mut cell: std::collections::BTreeMap<(usize, &str), u64> =
        std::collections::BTreeMap::new();
    let mut by_cluster: std::collections::BTreeMap<usize, (u64, u64)> =
        std::collections::BTreeMap::new();
    let mut story: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for (i, &c) in cluster.iter().enumerate() {
        let here = by_cluster.entry(c).or_default();
        here.0 += 1;
        if let Some(l) = labels[i].filter(|l| scope(l)) {
            here.1 += 1;
            *cell.entry((c, l)).or_default() += 1;
            *story.entry(l).or_default() += 1;
        }
    }
    let all = cluster.len() as u64;
    let mine: u64 = story.values().sum();
    let together: f64 = cell.values().map(|&n| pairs(n)).sum();
    let same_cluster: f64 = by_cluster
        .values()
        .map(|&(n, m)| pairs(n) - pairs(n - m))
        .sum();
    let same_story: f64 = story.values().map(|&n| pairs(n)).sum();
    let total = pairs(all) - pairs(all - mine);
    let (tp, fp, fn_) = (together, same_cluster - together, same_story - together);
    let tn = total - tp - fp - fn_;
    let denominator = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    let ari = if denominator == 0.0 {
        1.0
    } else {
        2.0 * (tp * tn - fn_ * fp) / denominator
    };
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
    let (mut bp, mut br) = (0.0, 0.0);
    for (&(c, l), &n) in &cell {
        let n = n as f64;
        bp += n * n / by_cluster[&c].0 as f64;
        br += n * n / story[l] as f64;
    }
    let docs = mine.max(1) as f64;
    Agreement {
        ari,
        pairwise: Prf::new(ratio(tp, tp + fp), ratio(tp, tp + fn_)),
        bcubed: Prf::new(bp / docs, br / docs),
        documents: mine as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_example() {
        // truth: {a,b,c} {d,e}; pred: {a,b} {c,d,e}
        let truth = ["1", "1", "1", "2", "2"];
        let pred = ["x", "x", "y", "y", "y"];
        let a = agreement(&truth, &pred);
        // cells: (1,x)=2 (1,y)=1 (2,y)=2 -> sum C2 = 1+0+1 = 2; rows 3,2 -> 3+1=4; cols 2,3 -> 1+3=4
        // expected = 4*4/10 = 1.6; max = 4; ari = (2-1.6)/(4-1.6) = 1/6
        assert!((a.ari - 1.0 / 6.0).abs() < 1e-12);
        assert!((a.pairwise.precision - 0.5).abs() < 1e-12);
        assert!((a.pairwise.recall - 0.5).abs() < 1e-12);
        // B-cubed precision: (4/2 + 1/3 + 4/3) / 5 = (2 + 5/3)/5 = 11/15
        assert!((a.bcubed.precision - 11.0 / 15.0).abs() < 1e-12);
        // recall: (4/3 + 1/3 + 4/2) / 5 = 11/15
        assert!((a.bcubed.recall - 11.0 / 15.0).abs() < 1e-12);
    }

    #[test]
    fn identical_and_trivial_partitions() {
        assert_eq!(agreement(&["a", "b", "b"], &["z", "y", "y"]).ari, 1.0);
        assert_eq!(agreement(&["a", "b", "c"], &["a", "b", "c"]).ari, 1.0);
        assert!(agreement(&["a", "a", "b", "b"], &["1", "2", "1", "2"]).ari < 0.0);
    }
}

/// Opens a CSV file with a header row; the path as shown in messages comes back with it.
fn open_csv(
    path: &std::path::Path,
) -> crate::Result<(String, csv::Reader<std::io::BufReader<std::fs::File>>)> {
    use crate::error::{Error, InputError, Position};
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            InputError::NotFound
        } else {
            InputError::Read(e)
        };
        Error::input(Position::file(&shown), kind)
    })?;
    Ok((
        shown,
        csv::ReaderBuilder::new().from_reader(std::io::BufReader::new(file)),
    ))
}

/// The index of a header column, by name: case, surrounding spaces and a BOM ignored.
fn column(header: &csv::StringRecord, name: &str) -> Option<usize> {
    header.iter().position(|h| {
        h.trim()
            .trim_start_matches('\u{feff}')
            .eq_ignore_ascii_case(name)
    })
}

/// A CSV error as an input error at its line (the csv crate's own "CSV error:" prefix
/// dropped, since the message adds one).
fn csv_error(shown: &str, e: &csv::Error) -> crate::Error {
    use crate::error::{Error, InputError, Position};
    let pos = e
        .position()
        .map_or(Position::file(shown), |p| Position::line(shown, p.line()));
    let message = e.to_string();
    Error::input(
        pos,
        InputError::Csv(
            message
                .strip_prefix("CSV error: ")
                .unwrap_or(&message)
                .to_owned(),
        ),
    )
}

/// Label columns tried, in order, when none is named: `cluster` (storydedup's own), then
/// the names truth files commonly use.
pub const LABEL_COLUMNS: [&str; 3] = ["cluster", "group", "label"];

/// What a blank label becomes in [`read_labels`], followed by the document's id.
const BLANK: &str = "\u{0}singleton\u{0}";

/// Whether `label` stands for a blank one in the file ([`read_labels`]).
pub fn is_blank(label: &str) -> bool {
    label.starts_with(BLANK)
}

/// Labels read from a CSV with an `id` column and a label column, in file order: the column
/// `label` names, else the first of [`LABEL_COLUMNS`] the file has (`option` is the flag
/// that names another, for the message when none is found); an empty label makes a
/// cluster of its own. Also returns the label column's name.
///
/// # Errors
/// An input error naming the file (and line) when it cannot be read, lacks a column, or
/// repeats an id.
pub fn read_labels(
    path: &std::path::Path,
    label: Option<&str>,
    option: &str,
) -> crate::Result<(Vec<(String, String)>, String)> {
    use crate::error::{Error, InputError, Position};
    let (shown, mut rdr) = open_csv(path)?;
    let csv_err = |e: csv::Error| csv_error(&shown, &e);
    let header = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| column(&header, name);
    let wanted: Vec<&str> = label.map_or(LABEL_COLUMNS.to_vec(), |l| vec![l]);
    let found = wanted.iter().find_map(|&name| col(name).map(|i| (i, name)));
    let (Some(id), Some((cluster, used))) = (col("id"), found) else {
        return Err(Error::input(
            Position::line(&shown, 1),
            InputError::Csv(format!(
                "needs an `id` column and a label column ({}; has: {})",
                match label {
                    Some(l) => format!("`{l}`"),
                    None => format!("`cluster`, `group` or `label`; name another with {option}"),
                },
                header.iter().collect::<Vec<_>>().join(",")
            )),
        ));
    };
    let used = used.to_owned();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| rec.get(i).unwrap_or("").to_owned();
        let key = get(id);
        if let Some(&first) = seen.get(&key) {
            return Err(Error::input(
                Position::line(&shown, line),
                InputError::DuplicateId {
                    id: key,
                    first: Position::line(&shown, first),
                },
            ));
        }
        seen.insert(key.clone(), line);
        // An empty label puts the document in no group: a cluster of its own, rather
        // than one cluster of every unlabelled document.
        let label = match get(cluster) {
            l if l.trim().is_empty() => format!("{BLANK}{key}"),
            l => l,
        };
        out.push((key, label));
    }
    Ok((out, used))
}

/// The outcome of comparing two label files.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// Scores over the ids present in both files.
    #[serde(flatten)]
    pub agreement: Agreement,
    /// Distinct clusters among those ids: (truth, predicted).
    pub clusters: (usize, usize),
    /// Ids in only one file: (only in truth, only in predicted).
    pub missing: (usize, usize),
}

/// Compares predicted labels with true ones, over the ids both contain.
pub fn compare(truth: &[(String, String)], pred: &[(String, String)]) -> Comparison {
    let pred_of: HashMap<&str, &str> = pred.iter().map(|(i, c)| (i.as_str(), c.as_str())).collect();
    let truth_ids: std::collections::HashSet<&str> =
        truth.iter().map(|(i, _)| i.as_str()).collect();
    let (mut t, mut p) = (Vec::new(), Vec::new());
    for (id, c) in truth {
        if let Some(pc) = pred_of.get(id.as_str()) {
            t.push(c.as_str());
            p.push(*pc);
        }
    }
    let distinct = |v: &[&str]| v.iter().collect::<std::collections::HashSet<_>>().len();
    Comparison {
        agreement: agreement(&t, &p),
        clusters: (distinct(&t), distinct(&p)),
        missing: (
            truth.len() - t.len(),
            pred.iter()
                .filter(|(i, _)| !truth_ids.contains(i.as_str()))
                .count(),
        ),
    }
}

/// Correlation of pair scores with graded labels.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Correlation {
    /// Pearson's r.
    pub pearson: f64,
    /// Spearman's rho (Pearson of the ranks, ties averaged).
    pub spearman: f64,
    /// Pairs found in both files.
    pub pairs: usize,
    /// Labelled pairs without a score.
    pub missing: usize,
}

/// Pearson correlation; NaN when either side is constant or empty.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks from 1, ties sharing their average rank.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman rank correlation.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// Reads `(a, b, value)` rows from a CSV: ids from `id1,id2` or `a,b`, the value from column
/// `value`. Pairs are unordered.
///
/// # Errors
/// An input error naming the file (and line) for unreadable files, missing columns and
/// values that are not numbers.
pub fn read_pairs(
    path: &std::path::Path,
    value: &str,
) -> crate::Result<Vec<(String, String, f64)>> {
    use crate::error::{Error, InputError, Position};
    let (shown, mut rdr) = open_csv(path)?;
    let csv_err = |e: csv::Error| csv_error(&shown, &e);
    let header = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| column(&header, name);
    let ids = col("id1")
        .zip(col("id2"))
        .or_else(|| col("a").zip(col("b")));
    let (Some((a, b)), Some(v)) = (ids, col(value)) else {
        return Err(Error::input(
            Position::line(&shown, 1),
            InputError::Csv(format!(
                "needs id columns (id1,id2 or a,b) and a `{value}` column (has: {})",
                header.iter().collect::<Vec<_>>().join(",")
            )),
        ));
    };
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let raw = rec.get(v).unwrap_or("").trim();
        let x: f64 = raw.parse().map_err(|_| {
            Error::input(
                Position::line(&shown, line),
                InputError::Csv(format!("`{value}` is not a number: {raw:?}")),
            )
        })?;
        out.push((
            rec.get(a).unwrap_or("").to_owned(),
            rec.get(b).unwrap_or("").to_owned(),
            x,
        ));
    }
    Ok(out)
}

/// Correlates labelled pairs with scored pairs (matched in either order).
pub fn correlate(
    labels: &[(String, String, f64)],
    scores: &[(String, String, f64)],
) -> Correlation {
    let key = |a: &str, b: &str| {
        if a <= b {
            (a.to_owned(), b.to_owned())
        } else {
            (b.to_owned(), a.to_owned())
        }
    };
    let by_pair: HashMap<(String, String), f64> =
        scores.iter().map(|(a, b, s)| (key(a, b), *s)).collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (a, b, label) in labels {
        if let Some(&s) = by_pair.get(&key(a, b)) {
            x.push(s);
            y.push(*label);
        }
    }
    Correlation {
        pearson: pearson(&x, &y),
        spearman: spearman(&x, &y),
        pairs: x.len(),
        missing: labels.len() - x.len(),
    }
}

#[cfg(test)]
mod correlation_tests {
    use super::*;

    #[test]
    fn hand_computed_correlations() {
        // x = 1,2,3,4; y = 2,4,5,4: by hand sxy = 3.5, sxx = 5, syy = 4.75
        let r = pearson(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 5.0, 4.0]);
        assert!((r - 3.5 / (5.0f64 * 4.75).sqrt()).abs() < 1e-12);
        // ranks of y with ties: 1, 2.5, 4, 2.5
        assert_eq!(ranks(&[2.0, 4.0, 5.0, 4.0]), vec![1.0, 2.5, 4.0, 2.5]);
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }

    #[test]
    fn pairs_match_in_either_order() {
        let labels = vec![
            ("a".into(), "b".into(), 1.0),
            ("c".into(), "a".into(), 3.0),
            ("x".into(), "y".into(), 2.0),
        ];
        let scores = vec![("b".into(), "a".into(), 0.9), ("a".into(), "c".into(), 0.1)];
        let c = correlate(&labels, &scores);
        assert_eq!((c.pairs, c.missing), (2, 1));
        assert!((c.pearson + 1.0).abs() < 1e-12);
    }
}
