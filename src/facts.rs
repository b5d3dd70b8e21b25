//! Stage 4, features with facts: each document's features for the measure ([`Scorer`]) and
//! what the report stage needs of its text later ([`TextFacts`]: cited outlets, a hash of
//! its bytes, its length), computed in one pass over the texts.
//!
//! With word shingles the pass walks each text's words once for both the shingles and the
//! citations. [`digest_dropping_text`] takes one document's share of that pass as the
//! document is read, and lets its text go at once, for runs whose later stages read
//! nothing else of the texts (copy measures on `word:5`, no shared terms): memory then
//! holds the shingle sets, never the texts and the sets together.

use std::cell::RefCell;
use std::ops::Range;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::cites::{cites, cites_of_words, has_trigger};
use crate::config::{Measure, ScoreConfig, ShingleKind};
use crate::document::{Date, Document};
use crate::progress::{Progress, Stage};
use crate::score::{Features, Scorer};
use crate::shingle::{
    Shingles, word_shingles_of_hashes, word_shingles_unsorted, word_shingles_with_spans,
};
use crate::weigh::{DocTerms, terms_seeing_body, weigh_terms};

/// Documents between two progress reports.
const PROGRESS_BLOCK: usize = 1024;

/// What later stages need of each text, in input order.
#[derive(Debug, Clone, Default)]
pub struct TextFacts {
    /// The outlets each text cites ([`crate::cites`]).
    pub cites: Vec<Vec<String>>,
    /// XXH3-64 of each text's bytes (`None` for a blank text): byte-identical articles are
    /// clustered together whatever else decides.
    pub identity: Vec<Option<u64>>,
    /// Each text's length in bytes.
    pub lengths: Vec<usize>,
    /// Each text's word 5-shingle set, when the run took them for its copy groups while
    /// reading the words anyway (the story measure's weighing).
    pub copy_sets: Option<Vec<Shingles>>,
}

/// The facts of one text, and its shingle set when the measure shingles words.
pub struct OneText {
    set: Option<Shingles>,
    cites: Vec<String>,
    identity: Option<u64>,
    length: usize,
}

thread_local! {
    /// Per-thread buffer of one text's word spans.
    static SPANS: RefCell<Vec<Range<usize>>> = const { RefCell::new(Vec::new()) };
}

/// The facts of `text`; with `word` = `Some(k)`, its word k-shingles from the same walk.
fn one_text(text: &str, word: Option<usize>) -> OneText {
    one_text_shingled(text, word, true)
}

/// [`one_text`] with the word shingles sorted (a set) or as the text gives them.
fn one_text_shingled(text: &str, word: Option<usize>, sorted: bool) -> OneText {
    let shingles = if sorted {
        word_shingles_with_spans
    } else {
        word_shingles_unsorted
    };
    let identity = (!text.trim().is_empty()).then(|| xxh3_64(text.as_bytes()));
    let (set, cites) = match word {
        // Only a text with an attribution word needs its words kept.
        Some(k) if !has_trigger(text) => (Some(shingles(text, k, None)), vec![]),
        Some(k) => SPANS.with(|cell| {
            let spans = &mut *cell.borrow_mut();
            let set = shingles(text, k, Some(spans));
            (Some(set), cites_of_words(text, spans))
        }),
        None => (None, cites(text)),
    };
    OneText {
        set,
        cites,
        identity,
        length: text.len(),
    }
}

/// The word shingle size when the measure shingles words (the one walk serves both).
pub fn word_shingles(config: &ScoreConfig) -> Option<usize> {
    match (config.measure, config.shingle) {
        (Measure::Jaccard | Measure::Containment, ShingleKind::Word(k)) => Some(k),
        _ => None,
    }
}

/// The scorer of `docs` and their text facts, counting documents on `progress`.
pub fn features(
    docs: &[Document],
    config: ScoreConfig,
    progress: &dyn Progress,
) -> (Scorer, TextFacts) {
    if config.measure == Measure::Story {
        progress.start(Stage::Signatures, Some(docs.len() as u64));
        let (terms, ones): (Vec<DocTerms>, Vec<OneText>) =
            docs.par_iter().map(|d| story_text(d, false)).unzip();
        progress.advance(docs.len() as u64);
        progress.finish();
        return from_story_digests(docs.iter().map(|d| d.date).collect(), config, terms, ones);
    }
    let Some(k) = word_shingles(&config) else {
        // The measure reads texts its own way: facts in a second pass.
        let scorer = Scorer::new_with(docs, config, progress);
        let (_, facts) = gather(docs.par_iter().map(|d| one_text(&d.text, None)).collect());
        return (scorer, facts);
    };
    progress.start(Stage::Signatures, Some(docs.len() as u64));
    let blocks: Vec<Vec<OneText>> = docs
        .par_chunks(PROGRESS_BLOCK)
        .map(|block| {
            let done = block.iter().map(|d| one_text(&d.text, Some(k))).collect();
            progress.advance(block.len() as u64);
            done
        })
        .collect();
    progress.finish();
    finish(docs, config, blocks)
}

/// Word shingles of the copy groups inside story clusters ([`crate::copies`]).
const COPY_SHINGLE: usize = 5;

/// One document's terms for the story measure and its text facts, from one reading of its
/// words: the weighing's tokens give the cited outlets, and, with `copy_set`, its word
/// hashes (one per distinct word, cached) the word 5-shingles of copy groups. A run that
/// keeps its texts leaves the sets out: the copy groups shingle the few texts they need,
/// and memory holds no set beside every text.
pub fn story_text(doc: &Document, copy_set: bool) -> (DocTerms, OneText) {
    let text = &doc.text;
    let identity = (!text.trim().is_empty()).then(|| xxh3_64(text.as_bytes()));
    let (mut set, mut cites) = (None, Vec::new());
    let terms = terms_seeing_body(doc, &mut |body| {
        if copy_set {
            set = Some(word_shingles_of_hashes(body.hashes, COPY_SHINGLE));
        }
        // Only a text with an attribution word needs its words looked at.
        if has_trigger(body.text) {
            SPANS.with_borrow_mut(|spans| {
                spans.clear();
                spans.extend(body.tokens.iter().map(|t| t.span.clone()));
                cites = cites_of_words(body.text, spans);
            });
        }
    });
    let one = OneText {
        set,
        cites,
        identity,
        length: text.len(),
    };
    (terms, one)
}

/// [`story_text`] with the copy set, letting the text go at once (for runs that read
/// nothing else of it).
pub fn story_text_dropping_text(doc: &mut Document) -> (DocTerms, OneText) {
    let digest = story_text(doc, true);
    // Cleared, not freed: the reader hands the buffer on to the next text.
    doc.text.clear();
    digest
}

/// The story scorer of documents dated `dates` and their text facts, from their digests
/// ([`story_text`]), in input order; the copy sets when every digest has one.
pub fn from_story_digests(
    dates: Vec<Option<Date>>,
    config: ScoreConfig,
    terms: Vec<DocTerms>,
    ones: Vec<OneText>,
) -> (Scorer, TextFacts) {
    let scorer = Scorer::from_features(config, Features::Story(weigh_terms(terms)), dates);
    let with_sets = ones.iter().all(|o| o.set.is_some());
    let (sets, mut facts) = gather(ones);
    facts.copy_sets = with_sets.then_some(sets);
    (scorer, facts)
}

/// The facts of one document, and its word `k`-shingles (unsorted: see
/// [`word_shingles_unsorted`]), taken as it is read
/// ([`crate::ingest::read_inputs_digesting`]); its text is let go at once, so a run whose
/// later stages read nothing else of the texts never holds them all.
pub fn digest_dropping_text(doc: &mut Document, k: usize) -> OneText {
    let one = one_text_shingled(&doc.text, Some(k), false);
    // Cleared, not freed: the reader hands the buffer on to the next text.
    doc.text.clear();
    one
}

/// The unsorted shingle sets and the text facts of documents from their digests
/// ([`digest_dropping_text`]).
pub fn from_digests(digests: Vec<OneText>) -> (Vec<Shingles>, TextFacts) {
    gather(digests)
}

/// The scorer of documents dated `dates` whose shingle sets are sorted (see
/// [`crate::shingle::normalise_set`]); `config` is a copy measure.
pub fn scorer_of_sets(
    config: ScoreConfig,
    sets: Vec<Shingles>,
    dates: Vec<Option<Date>>,
) -> Scorer {
    debug_assert!(sets.iter().all(|s| s.windows(2).all(|w| w[0] < w[1])));
    Scorer::from_features(config, Features::Shingles(sets), dates)
}

/// The scorer and facts from the per-block results of a word-shingle pass.
fn finish(
    docs: &[Document],
    config: ScoreConfig,
    blocks: Vec<Vec<OneText>>,
) -> (Scorer, TextFacts) {
    let (sets, facts) = gather(blocks.into_iter().flatten().collect());
    let scorer = Scorer::from_features(
        config,
        Features::Shingles(sets),
        docs.iter().map(|d| d.date).collect(),
    );
    (scorer, facts)
}

/// Splits per-text results into shingle sets (those that have one) and facts.
fn gather(all: Vec<OneText>) -> (Vec<Shingles>, TextFacts) {
    let mut sets = Vec::with_capacity(all.len());
    let mut facts = TextFacts {
        cites: Vec::with_capacity(all.len()),
        identity: Vec::with_capacity(all.len()),
        lengths: Vec::with_capacity(all.len()),
        copy_sets: None,
    };
    for one in all {
        sets.extend(one.set);
        facts.cites.push(one.cites);
        facts.identity.push(one.identity);
        facts.lengths.push(one.length);
    }
    (sets, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    fn docs() -> Vec<Document> {
        [
            "Officials closed the Harbor Bridge on Monday, the Meridian Press reported.",
            "Officials closed the Harbor Bridge on Monday, the Meridian Press reported.",
            "  ",
            "Grain prices rose 40 percent, according to Reuters, after the harvest failed.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Document::new(format!("d{i}"), *t))
        .collect()
    }

    #[test]
    fn one_pass_equals_the_stages_apart() {
        let docs = docs();
        for config in [
            ScoreConfig {
                measure: Measure::Jaccard,
                shingle: ShingleKind::Word(5),
                window_days: 0,
            },
            ScoreConfig {
                measure: Measure::Containment,
                shingle: ShingleKind::Char(4),
                window_days: 0,
            },
            ScoreConfig::default(),
        ] {
            let (scorer, facts) = features(&docs, config.clone(), &Silent);
            let apart = Scorer::new(&docs, config.clone());
            for a in 0..docs.len() {
                for b in 0..docs.len() {
                    assert_eq!(scorer.detail(a, b), apart.detail(a, b), "{config:?}");
                }
            }
            let cited: Vec<Vec<String>> = docs.iter().map(|d| cites(&d.text)).collect();
            assert_eq!(facts.cites, cited);
            assert_eq!(facts.cites[0], ["Meridian Press"]);
            assert_eq!(facts.identity[0], facts.identity[1]);
            assert_ne!(facts.identity[0], facts.identity[3]);
            assert_eq!(facts.identity[2], None);
            assert_eq!(facts.lengths[3], docs[3].text.len());
        }
    }

    #[test]
    fn digests_taken_while_reading_equal_the_pass_over_kept_texts() {
        let config = ScoreConfig {
            measure: Measure::Jaccard,
            shingle: ShingleKind::Word(3),
            window_days: 0,
        };
        let kept = docs();
        let (scorer, facts) = features(&kept, config.clone(), &Silent);
        let mut dropped = docs();
        let digests = dropped
            .iter_mut()
            .map(|d| digest_dropping_text(d, 3))
            .collect();
        let (mut sets, lean_facts) = from_digests(digests);
        sets.iter_mut().for_each(crate::shingle::normalise_set);
        let dates = dropped.iter().map(|d| d.date).collect();
        let lean = scorer_of_sets(config, sets, dates);
        assert!(dropped.iter().all(|d| d.text.is_empty()));
        assert_eq!(lean_facts.cites, facts.cites);
        assert_eq!(lean_facts.identity, facts.identity);
        assert_eq!(lean_facts.lengths, facts.lengths);
        for a in 0..kept.len() {
            for b in 0..kept.len() {
                assert_eq!(lean.detail(a, b), scorer.detail(a, b));
            }
        }
        assert!(lean.detail(0, 1).score > 0.99 && lean.detail(0, 3).score < 0.5);
        // The story measure reads texts again later: it has no such digest.
        assert_eq!(word_shingles(&ScoreConfig::default()), None);
    }

    #[test]
    fn the_story_reading_gives_the_same_facts_and_copy_sets() {
        use crate::config::ShingleKind;
        use crate::shingle::shingle_text;
        let mut docs = docs();
        docs.push(Document::new(
            "odd",
            "\u{201c}Caf\u{e9} CLOSED\u{201d}, the Meridian Press reported; Ines\u{200B} Calder\u{2019}s \u{6771}\u{4eac} \u{301}x  U.S. 4.2 don't",
        ));
        for d in &docs {
            let (_, with_set) = story_text(d, true);
            let (_, without) = story_text(d, false);
            assert_eq!(with_set.cites, cites(&d.text), "{:?}", d.text);
            assert_eq!(without.cites, with_set.cites);
            assert_eq!(
                with_set.set.as_deref(),
                Some(&shingle_text(&d.text, ShingleKind::Word(5))[..])
            );
            assert!(without.set.is_none());
            assert_eq!(with_set.identity, one_text(&d.text, None).identity);
        }
        let (terms, ones): (Vec<_>, Vec<_>) = docs.iter().map(|d| story_text(d, true)).unzip();
        let dates = docs.iter().map(|d| d.date).collect();
        let (scorer, facts) = from_story_digests(dates, ScoreConfig::default(), terms, ones);
        let apart = Scorer::new(&docs, ScoreConfig::default());
        assert_eq!(scorer.detail(0, 1), apart.detail(0, 1));
        assert_eq!(scorer.detail(0, 3), apart.detail(0, 3));
        assert_eq!(facts.copy_sets.as_ref().map(Vec::len), Some(docs.len()));
        assert_eq!(facts.cites[0], ["Meridian Press"]);
    }
}

#[cfg(test)]
mod pipeline_tests {
    //! The pipeline's reading path: features taken while reading equal a whole run.
    use crate::config::{Candidates, ClusterConfig, Measure, ScoreConfig, ShingleKind};
    use crate::document::Corpus;
    use crate::ingest;
    use crate::pipeline::{Run, Taken, cluster_corpus_with, cluster_prepared, read_for_clustering};

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
            let expected = cluster_corpus_with(&whole, &score, &config, lean).unwrap();
            let mut prepared = read_for_clustering(&inputs, &score, lean).unwrap();
            assert!(prepared.features.is_some());
            assert!(prepared.corpus.docs.iter().all(|d| d.text.is_empty()));
            let ids = |c: &Corpus| c.docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&prepared.corpus), ids(&whole));
            assert_eq!(prepared.corpus.warnings, whole.warnings, "{path:?}");
            assert_eq!(prepared.corpus.warnings.len(), 1, "the blank text");
            let got = cluster_prepared(&mut prepared, &score, &config, lean).unwrap();
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
        let expected = cluster_corpus_with(&whole, &story, &story_config, &lean).unwrap();
        let mut prepared = read_for_clustering(&inputs, &story, &lean).unwrap();
        assert!(matches!(prepared.features, Some(Taken::Story(..))));
        assert!(prepared.corpus.docs.iter().all(|d| d.text.is_empty()));
        let got = cluster_prepared(&mut prepared, &story, &story_config, &lean).unwrap();
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
        let kept = read_for_clustering(&inputs, &score, &Run::default()).unwrap();
        assert!(kept.features.is_none() && kept.corpus.docs[0].text == base);
    }
}
