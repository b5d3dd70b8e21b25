//! Property tests of the invariants every stage promises (proptest).

use proptest::prelude::*;

use crate::candidates::all_pairs;
use crate::config::{ClusterConfig, Linkage, Measure, ScoreConfig, ShingleKind};
use crate::document::{Corpus, Document};
use crate::pipeline::cluster_corpus;
use crate::score::Scorer;

const VOCAB: &[&str] = &[
    "harbor", "bridge", "mayor", "Calder", "cracks", "river", "flood", "Velda", "grain", "prices",
    "council", "vote", "budget", "Marrow", "strike", "teachers", "museum", "theft", "4,000",
    "2025",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 1..40).prop_map(|w| w.join(" "))
}

fn corpus(texts: Vec<String>) -> Vec<Document> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| Document::new(format!("d{i:03}"), t))
        .collect()
}

fn measures() -> [ScoreConfig; 4] {
    [
        ScoreConfig::default(),
        ScoreConfig {
            measure: Measure::Jaccard,
            shingle: ShingleKind::Word(3),
            ..ScoreConfig::default()
        },
        ScoreConfig {
            measure: Measure::Containment,
            shingle: ShingleKind::Word(2),
            ..ScoreConfig::default()
        },
        ScoreConfig {
            measure: Measure::Jaccard,
            shingle: ShingleKind::Char(4),
            ..ScoreConfig::default()
        },
    ]
}

/// The partition as sorted lists of ids, independent of numbering.
fn partition(docs: &[Document], clusters: &[crate::report::StoryCluster]) -> Vec<Vec<String>> {
    let mut p: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| {
            let mut ids: Vec<String> = c.members.iter().map(|&m| docs[m].id.clone()).collect();
            ids.sort();
            ids
        })
        .collect();
    p.sort();
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn measures_are_symmetric_bounded_and_one_on_identical_texts(texts in prop::collection::vec(text(), 2..8)) {
        let mut docs = corpus(texts);
        let copy = Document::new("copy", docs[0].text.clone());
        docs.push(copy);
        let last = docs.len() - 1;
        for config in measures() {
            let s = Scorer::new(&docs, config.clone());
            for a in 0..docs.len() {
                for b in 0..docs.len() {
                    let x = s.score(a, b);
                    prop_assert!((0.0..=1.0).contains(&x));
                    prop_assert_eq!(x, s.score(b, a));
                    let d = s.directional(a, b);
                    prop_assert!((0.0..=1.0).contains(&d));
                }
            }
            prop_assert!((s.score(0, last) - 1.0).abs() < 1e-6, "{:?}: {}", config.measure, s.score(0, last));
        }
    }

    #[test]
    fn the_index_finds_exactly_what_direct_scoring_finds(texts in prop::collection::vec(text(), 2..12), floor in 0.05f64..0.9) {
        let docs = corpus(texts);
        for config in measures() {
            let s = Scorer::new(&docs, config);
            let found = all_pairs(&s, floor);
            let mut expected = Vec::new();
            for a in 0..docs.len() {
                for b in a + 1..docs.len() {
                    if s.score(a, b) >= floor {
                        expected.push((a as u32, b as u32));
                    }
                }
            }
            prop_assert_eq!(found.iter().map(|p| (p.a, p.b)).collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn the_date_layout_finds_exactly_what_direct_scoring_finds(
        texts in prop::collection::vec(text(), 2..16),
        days in prop::collection::vec(prop::option::of(0u32..12), 16),
        window in 1u32..5,
        floor in 0.05f64..0.9,
    ) {
        let mut docs = corpus(texts);
        for (d, day) in docs.iter_mut().zip(&days) {
            d.date = day.and_then(|x| crate::Date::parse(&format!("2025-03-{:02}", x + 1)));
        }
        let s = Scorer::new(&docs, ScoreConfig { window_days: window, ..ScoreConfig::default() });
        let found = all_pairs(&s, floor);
        let mut expected = Vec::new();
        for a in 0..docs.len() {
            for b in a + 1..docs.len() {
                if s.score(a, b) >= floor {
                    expected.push((a as u32, b as u32, s.detail(a, b)));
                }
            }
        }
        prop_assert_eq!(found.iter().map(|p| (p.a, p.b, p.detail)).collect::<Vec<_>>(), expected);
        // Every pair, scored or not, for the pair list of `matrix -f long --min-score 0`.
        let every = all_pairs(&s, 0.0);
        prop_assert_eq!(every.len(), docs.len() * (docs.len() - 1) / 2);
        for p in &every {
            prop_assert_eq!(p.detail, s.detail(p.a as usize, p.b as usize));
        }
    }

    #[test]
    fn every_document_is_in_exactly_one_cluster(texts in prop::collection::vec(text(), 1..30), t in 0.05f64..0.95, single in any::<bool>()) {
        let docs = corpus(texts);
        let n = docs.len();
        let c = Corpus::new(docs);
        let linkage = if single { Linkage::Single } else { Linkage::Average };
        let r = cluster_corpus(&c, &ScoreConfig::default(), &ClusterConfig { threshold: t, linkage });
        let mut all: Vec<usize> = r.clusters.iter().flat_map(|c| c.members.iter().copied()).collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        for (i, cl) in r.clusters.iter().enumerate() {
            prop_assert_eq!(cl.number, i + 1);
            prop_assert_eq!(cl.attachment.len(), cl.members.len());
        }
        prop_assert!(r.clusters.windows(2).all(|w| w[0].members.len() >= w[1].members.len()));
    }

    #[test]
    fn partition_ignores_input_order_and_thread_count(texts in prop::collection::vec(text(), 2..25), seed in any::<u64>()) {
        let docs = corpus(texts);
        let mut shuffled = docs.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let config = ClusterConfig::for_measure(Measure::Story);
        let run = |docs: &[Document], threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let c = Corpus::new(docs.to_vec());
            pool.install(|| cluster_corpus(&c, &ScoreConfig::default(), &config))
        };
        let one = run(&docs, 1);
        let three = run(&docs, 3);
        prop_assert_eq!(&one, &three);
        let other = run(&shuffled, 2);
        prop_assert_eq!(partition(&docs, &one.clusters), partition(&shuffled, &other.clusters));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary text, markup and all, never panics the cleaning, tokenizing, weighing,
    /// shingling, alignment or citation stages, and token spans stay on char boundaries.
    #[test]
    fn arbitrary_text_never_panics(raw in "\\PC{0,300}", other in "[<>&a-zA-Z .,!?\"'\u{2019}\u{4e00}-\u{4e10}\u{0301}\n-]{0,200}") {
        for text in [raw.as_str(), other.as_str()] {
            let clean = crate::ingest::clean_text(text);
            let t = crate::tokenize::tokenize(&clean);
            for tok in &t.tokens {
                prop_assert!(clean.is_char_boundary(tok.span.start) && clean.is_char_boundary(tok.span.end));
            }
            // The shingle stage's fast word walk finds exactly the tokenizer's words.
            let mut words = Vec::new();
            crate::tokenize::for_each_word(&clean, |_, w| words.push(w.to_owned()));
            let tokens: Vec<String> = t.tokens.iter().map(|tok| tok.text(&clean).to_owned()).collect();
            prop_assert_eq!(words, tokens);
            let _ = crate::shingle::shingle_text(&clean, ShingleKind::Word(3));
            let _ = crate::shingle::shingle_text(&clean, ShingleKind::Char(4));
            let _ = crate::cites::cites(&clean);
            let _ = crate::align::align(&clean, text);
            let _ = crate::weigh::weigh(&[Document::new("a", clean.clone()), Document::new("b", text)]);
        }
    }
}
