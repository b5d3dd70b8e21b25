//! The pipeline's reading path: features taken while reading equal a whole run.
use crate::config::{Candidates, ClusterConfig, Measure, ScoreConfig, ShingleKind};
use crate::document::Corpus;
use crate::facts::Plan;
use crate::ingest;
use crate::pipeline::Run;

#[test]
fn features_taken_while_reading_give_the_same_clusters() {
    // Copies, a near copy, a blank text, a text needing cleaning, a cited outlet and
    // thousands of others, in JSONL (digested as parsed, in parallel) and in CSV
    // (digested once read).
    let base = "Harbor crews closed the Tamsin bridge on Monday after inspectors found cracks in two girders, the Meridian Press reported, and the council said repairs would take weeks";
    let mut records: Vec<(String, String)> = vec![
        ("orig".into(), base.into()),
        ("copy".into(), base.into()),
        ("near".into(), format!("{base}. Staff contributed.")),
        ("blank".into(), "   ".into()),
        ("markup".into(), format!("<p>{base}</p> &amp; more")),
    ];
    for i in 0..3000 {
        records.push((
            format!("filler-{i}"),
            format!(
                "Filler story {i} about ward {} and its {} lanterns, told once.",
                i % 13,
                i * 7
            ),
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("docs.jsonl");
    let lines: Vec<String> = records
        .iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string())
        .collect();
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let csv_path = dir.path().join("docs.csv");
    let mut w = csv::Writer::from_path(&csv_path).unwrap();
    w.write_record(["id", "text"]).unwrap();
    for (id, text) in &records {
        w.write_record([id, text]).unwrap();
    }
    w.flush().unwrap();
    let score = ScoreConfig {
        measure: Measure::Jaccard,
        shingle: ShingleKind::Word(5),
        window_days: 0,
    };
    let config = ClusterConfig::for_measure(Measure::Jaccard);
    let lean = Run {
        shared_terms: false,
        ..Run::default()
    };
    // LSH too, whose run sorts only the sets of documents in a candidate pair.
    let lean_lsh = Run {
        candidates: Candidates::Lsh,
        ..lean
    };
    for (path, lean) in [(&jsonl, &lean), (&csv_path, &lean), (&jsonl, &lean_lsh)] {
        let inputs = [path.to_string_lossy().into_owned()];
        let whole = ingest::read_inputs(&inputs).unwrap();
        let expected = lean.cluster(&whole, &score, &config).unwrap();
        let mut prepared = lean.read(&inputs, &score).unwrap();
        assert!(prepared.taken.is_some() && prepared.corpus.texts_dropped);
        assert!(prepared.corpus.docs.iter().all(|d| d.text.is_empty()));
        let ids = |c: &Corpus| c.docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&prepared.corpus), ids(&whole));
        assert_eq!(prepared.corpus.warnings, whole.warnings, "{path:?}");
        assert_eq!(prepared.corpus.warnings.len(), 1, "the blank text");
        let got = lean
            .cluster_prepared(&mut prepared, &score, &config)
            .unwrap();
        assert_eq!(got, expected, "{path:?}");
        let first = &got.clusters[0];
        assert_eq!(first.members, vec![0, 1, 2, 4], "{path:?}");
        assert_eq!(first.cited_sources, vec![("Meridian Press".to_owned(), 4)]);
    }
    // The story measure, taken while reading too (copy groups from the weighing's word
    // hashes), equals the run over the whole collection.
    let story = ScoreConfig::default();
    let story_config = ClusterConfig::for_measure(Measure::Story);
    let inputs = [jsonl.to_string_lossy().into_owned()];
    let whole = ingest::read_inputs(&inputs).unwrap();
    let expected = lean.cluster(&whole, &story, &story_config).unwrap();
    let mut prepared = lean.read(&inputs, &story).unwrap();
    assert!(matches!(
        prepared.taken,
        Some((Plan::Story { copy_sets: true }, _))
    ));
    assert!(prepared.corpus.docs.iter().all(|d| d.text.is_empty()));
    let got = lean
        .cluster_prepared(&mut prepared, &story, &story_config)
        .unwrap();
    assert_eq!(got, expected);
    let home = got
        .clusters
        .iter()
        .find(|c| c.members.contains(&0))
        .unwrap();
    assert!(
        home.copies
            .iter()
            .any(|g| g.members.starts_with(&[0, 1, 2])),
        "{:?}",
        home.copies
    );
    // Shared terms read the texts again: they are kept.
    let inputs = [jsonl.to_string_lossy().into_owned()];
    let kept = Run::default().read(&inputs, &score).unwrap();
    assert!(kept.taken.is_none() && !kept.corpus.texts_dropped);
    assert_eq!(kept.corpus.docs[0].text, base);
}

#[test]
#[should_panic(expected = "clustering needs the texts")]
fn a_corpus_without_its_texts_is_not_clustered_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docs.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"a\",\"text\":\"Harbor crews closed the Tamsin bridge on Monday.\"}\n",
    )
    .unwrap();
    let lean = Run {
        shared_terms: false,
        ..Run::default()
    };
    let score = ScoreConfig::default();
    let prepared = lean
        .read(&[path.to_string_lossy().into_owned()], &score)
        .unwrap();
    assert!(prepared.corpus.texts_dropped);
    let config = ClusterConfig::for_measure(Measure::Story);
    let _ = lean.cluster(&prepared.corpus, &score, &config);
}
