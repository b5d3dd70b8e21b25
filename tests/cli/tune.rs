//! `tune`: every threshold measured against the user's labels, as `cluster -t` would
//! cluster, and a recommendation only where it holds on stories it was not chosen on.

use std::collections::HashSet;

use super::{clusters_of, run, truth, write};
use storydedup::eval::agreement;

const DOCS: &str = "fixtures/events4/articles-nodates.jsonl";
const TRUTH: &str = "fixtures/events4/truth.csv";

/// ARI against `truth_file` and the number of clusters among its documents of `cluster`
/// with `args` (options and input).
fn cluster_ari(args: &[&str], truth_file: &str) -> (f64, usize) {
    let mut all = vec!["cluster", "-q", "-f", "csv"];
    all.extend(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    let pred = clusters_of(&out);
    let labels = truth(&super::root().join(truth_file));
    let (mut t, mut p) = (Vec::new(), Vec::new());
    for (id, c) in &labels {
        t.push(c.clone());
        let found = pred.iter().find(|(i, _)| i == id).expect("every document");
        p.push(found.1.clone());
    }
    (
        agreement(&t, &p).ari,
        p.iter().collect::<HashSet<_>>().len(),
    )
}

/// `cluster -t threshold` on the fixture: [`cluster_ari`].
fn cluster_at(threshold: &str) -> (f64, usize) {
    cluster_ari(&["-t", threshold, DOCS], TRUTH)
}

/// The JSON of a successful `tune -q` with `args`, as text.
fn tune_text(args: &[&str]) -> String {
    let mut all = vec!["tune", "-q"];
    all.extend(args);
    all.extend(["-f", "json"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// [`tune_text`], parsed.
fn tune_json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&tune_text(args)).unwrap()
}

#[test]
fn tune_measures_each_threshold_as_cluster_clusters() {
    let (code, out, err) = run(&[
        "tune",
        "-q",
        DOCS,
        "--truth",
        TRUTH,
        "--thresholds",
        "0.3,0.45,0.6",
        "-f",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let header = rdr.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // The default threshold (0.45) is the current one and is not tried twice.
    let tried: Vec<&str> = rows.iter().map(|r| &r[col("threshold")]).collect();
    assert_eq!(tried, ["0.3", "0.45", "0.6"]);
    let mut aris = Vec::new();
    for r in &rows {
        let (ari, clusters) = cluster_at(&r[col("threshold")]);
        let tuned: f64 = r[col("ari")].parse().unwrap();
        assert!(
            (tuned - ari).abs() < 1e-6,
            "{}: {tuned} vs {ari}",
            &r[col("threshold")]
        );
        assert_eq!(r[col("clusters")].parse::<usize>().unwrap(), clusters);
        assert_eq!(&r[col("documents")], "72");
        aris.push(ari);
    }
    assert_eq!(&rows[1][col("current")], "true");
    // The best row is flagged, and it is the highest ARI.
    let best = rows.iter().position(|r| &r[col("best")] == "true").unwrap();
    assert!(aris.iter().all(|&a| a <= aris[best]), "{aris:?}");
}

#[test]
fn tune_recommends_a_threshold_that_holds_out_and_keeps_one_that_is_best() {
    // A current threshold that splits every story: something lower does better on both
    // halves of the stories.
    let v = tune_json(&[DOCS, "--truth", TRUTH, "-t", "0.9"]);
    let best = v["best"].as_f64().unwrap();
    assert!(best < 0.9, "{v}");
    assert_eq!(v["recommended"].as_f64().unwrap(), best);
    let held = &v["held_out"];
    assert!(
        held["tuned"].as_f64().unwrap() > held["current"].as_f64().unwrap(),
        "{held}"
    );
    assert_eq!(
        v["rows"].as_array().unwrap().len(),
        14,
        "0.20..0.80 by 0.05 and 0.9"
    );
    // Started from the best, the current threshold stays.
    let (_, out, _) = run(&[
        "tune",
        "-q",
        DOCS,
        "--truth",
        TRUTH,
        "-t",
        &best.to_string(),
    ]);
    assert!(
        out.contains(&format!("recommended: keep -t {best} ")),
        "{out}"
    );
    assert!(out.contains("current, best"), "{out}");
}

#[test]
fn tune_refuses_bad_settings_and_labels_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("tuning.csv");
    let out_path = out_file.to_str().unwrap();
    let other = write(dir.path(), "other.csv", b"id,cluster\nnobody,1\nnone,1\n");
    let no_label = write(dir.path(), "bad.csv", b"id,story\na,1\n");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--thresholds", "0.6:0.2:0.1"],
            "--thresholds 0.6:0.2:0.1: a range needs",
        ),
        (&["--thresholds", "0.2,half"], "`half` is not a number"),
        (&["--thresholds", "0:1:0.001"], "at most 200"),
        (&["--truth", &other], "labels none of the 72 documents read"),
        (&["--truth", &no_label], "bad.csv:1:"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["tune", "-q", DOCS, "-o", out_path];
        if !extra.contains(&"--truth") {
            args.extend(["--truth", TRUTH]);
        }
        args.extend(extra);
        let (code, stdout, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(stdout.is_empty());
        assert!(
            err.starts_with("storydedup: ") && err.contains(message),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!out_file.exists(), "{args:?} left an output file");
    }
}

#[test]
fn tune_warns_about_labels_of_documents_it_did_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut labels = std::fs::read_to_string(super::root().join(TRUTH)).unwrap();
    labels.push_str("ghost-1,zz\nghost-2,zz\n");
    let t = write(dir.path(), "t.csv", labels.as_bytes());
    let (code, out, err) = run(&["tune", "-q", DOCS, "--truth", &t, "--thresholds", "0.45"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: 2 of the 74 ids"), "{err}");
    assert!(
        out.contains("\n72 documents labelled in 24 stories\n"),
        "{out}"
    );
}

#[test]
fn tune_reads_blank_labels_as_not_labelled_and_counts_merges_with_them() {
    // Stories of the first 36 lines labelled, the rest blank: the others are not judged
    // among themselves, but one merged into a labelled story is a false merge.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(super::root().join(TRUTH)).unwrap();
    let mut lines = text.lines();
    let mut labels = format!("{}\n", lines.next().unwrap());
    for (k, line) in lines.enumerate() {
        let (id, story) = line.split_once(',').unwrap();
        let story = if k < 36 { story } else { "" };
        labels.push_str(&format!("{id},{story}\n"));
    }
    let t = write(dir.path(), "t.csv", labels.as_bytes());
    let v = tune_json(&[DOCS, "--truth", &t, "--thresholds", "0.1,0.45"]);
    assert_eq!(
        (v["documents"].as_u64(), v["unlabelled"].as_u64()),
        (Some(36), Some(36))
    );
    // At 0.1, clusters of labelled stories take in unlabelled documents: B-cubed
    // precision falls under 1, though each labelled story's documents may be together.
    let lowest = &v["rows"].as_array().unwrap()[0];
    assert_eq!(lowest["threshold"].as_f64(), Some(0.1));
    let (_, pred, _) = run(&["cluster", "-q", "-f", "csv", "-t", "0.1", DOCS]);
    let pred = clusters_of(&pred);
    let labelled: HashSet<&str> = labels
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(','))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let cluster_of = |id: &str| pred.iter().find(|(i, _)| i == id).unwrap().1.clone();
    let holding: HashSet<String> = labelled.iter().map(|l| cluster_of(l)).collect();
    let absorbed = pred
        .iter()
        .filter(|(id, c)| !labelled.contains(id.as_str()) && holding.contains(c))
        .count();
    assert!(absorbed > 0, "the fixture merges at 0.1");
    // Counted among the labelled documents alone, the precision would be higher.
    let story: std::collections::HashMap<&str, &str> = labels
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let alone: f64 = labelled
        .iter()
        .map(|&d| {
            let mates: Vec<&str> = labelled
                .iter()
                .copied()
                .filter(|&o| cluster_of(o) == cluster_of(d))
                .collect();
            let same = mates.iter().filter(|&&o| story[o] == story[d]).count();
            same as f64 / mates.len() as f64
        })
        .sum::<f64>()
        / labelled.len() as f64;
    let precision = lowest["bcubed"]["precision"].as_f64().unwrap();
    assert!(
        precision < alone - 1e-9,
        "{absorbed} absorbed: precision {precision}, labelled alone {alone}"
    );
}

#[test]
fn tune_gives_the_same_bytes_for_any_input_order_and_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(super::root().join(DOCS)).unwrap();
    let reversed: Vec<&str> = text.lines().rev().collect();
    let shuffled = write(
        dir.path(),
        "r.jsonl",
        (reversed.join("\n") + "\n").as_bytes(),
    );
    let json = |docs: &str, threads: &str| {
        tune_text(&[
            docs,
            "--truth",
            TRUTH,
            "--metric",
            "bcubed",
            "--threads",
            threads,
        ])
    };
    let first = json(DOCS, "1");
    assert_eq!(first, json(DOCS, "2"));
    assert_eq!(first, json(&shuffled, "2"));
}

#[test]
fn tune_measures_copy_measures_as_cluster_clusters() {
    let docs = "fixtures/events3/articles.jsonl";
    let truth_file = "fixtures/events3/truth.csv";
    let v = tune_json(&[
        docs,
        "--truth",
        truth_file,
        "-m",
        "jaccard",
        "--thresholds",
        "0.1,0.3",
    ]);
    assert_eq!(v["setting"]["measure"], "jaccard");
    assert_eq!(v["setting"]["shingle"], "word:5");
    for row in v["rows"].as_array().unwrap() {
        let t = row["threshold"].as_f64().unwrap().to_string();
        let (ari, _) = cluster_ari(&["-m", "jaccard", "-t", &t, docs], truth_file);
        assert!(
            (row["ari"].as_f64().unwrap() - ari).abs() < 1e-9,
            "{t}: {row} vs {ari}"
        );
    }
}

#[test]
fn an_engine_that_cannot_serve_a_threshold_is_refused_before_reading() {
    // LSH serves jaccard from 0.1; average linkage needs pairs from half the threshold.
    let lsh_average = [
        "-m",
        "jaccard",
        "--candidates",
        "lsh",
        "--linkage",
        "average",
    ];
    let tune = [
        &["tune", DOCS, "--truth", TRUTH][..],
        &lsh_average,
        &["--thresholds", "0.15,0.5"],
    ]
    .concat();
    let (code, out, err) = run(&tune);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("storydedup: --thresholds 0.15: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let cluster = [&["cluster", DOCS][..], &lsh_average, &["-t", "0.15"]].concat();
    let (code, _, err) = run(&cluster);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
}
