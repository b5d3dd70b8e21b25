//! Stage 4, features with facts: each document's features for the measure ([`Scorer`]) and
//! what the report stage needs of its text later ([`TextFacts`]: cited outlets, a hash of
//! its bytes, its length), computed in one pass over the texts.
//!
//! One path from a document to what is taken of it, [`Extract`], whether the whole
//! collection is read first ([`features`]) or each document is taken as it is read and its
//! text let go at once ([`Extract::take_dropping_text`]), for runs whose later stages read
//! nothing else of the texts (no shared terms; story, or copy measures on `word:5`):
//! memory then holds the features, never the texts and the features together. With word
//! shingles the pass walks each text's words once for both the shingles and the
//! citations; the story measure's weighing shows its words to the citations and the copy
//! groups' shingles.

use std::cell::RefCell;
use std::ops::Range;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::cites::{cites, cites_of_words, has_trigger};
use crate::config::{Measure, ScoreConfig, ShingleKind};
use crate::document::Document;
use crate::error::Error;
use crate::progress::{Progress, Stage};
use crate::score::{Features, Scorer};
use crate::shingle::{
    Shingles, shingle_text, word_shingles_of_hashes, word_shingles_unsorted,
    word_shingles_with_spans,
};
use crate::weigh::{
    DocTerms, Lexicon, Prior, keys_of, terms_seeing_body, weigh_terms, weigh_terms_after,
};

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
    /// The documents whose text is all a site's wall (the story measure's weighing reads
    /// nothing of it: stage `furniture`), ascending.
    pub all_wall: Vec<usize>,
}

/// The facts of one text, and its shingle set when the measure shingles words.
pub struct OneText {
    set: Option<Shingles>,
    cites: Vec<String>,
    identity: Option<u64>,
    length: usize,
    all_wall: bool,
}

thread_local! {
    /// Per-thread buffer of one text's word spans.
    static SPANS: RefCell<Vec<Range<usize>>> = const { RefCell::new(Vec::new()) };
}

/// The facts of `text`; with `word` = `Some(k)`, its word k-shingles from the same walk,
/// sorted (a set) or as the text gives them.
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
        all_wall: false,
    }
}

/// The word shingle size when the measure shingles words (the one walk serves both).
fn word_shingles(config: &ScoreConfig) -> Option<usize> {
    match (config.measure, config.shingle) {
        (Measure::Jaccard | Measure::Containment, ShingleKind::Word(k)) => Some(k),
        _ => None,
    }
}

/// Word shingles of the copy groups inside story clusters ([`crate::copies`]).
const COPY_SHINGLE: usize = 5;

/// What a run takes of each document, decided once from its scoring settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plan {
    /// Story terms and facts; with `copy_sets`, the word 5-shingles of copy groups from
    /// the same reading of the words (when the texts will not be there to shingle later).
    Story { copy_sets: bool },
    /// Word `k`-shingles and facts from one walk: sorted sets, or as the text gives them
    /// (`sorted` false: a run that sorts only the sets it compares).
    Words { k: usize, sorted: bool },
    /// Shingles of another kind (characters), the facts from a second walk.
    Other(ShingleKind),
}

/// The one path from a document to its features and text facts, the same whether a run
/// reads the whole collection first ([`features`]) or takes each document as it is read
/// and lets its text go ([`Extract::take_dropping_text`]).
pub(crate) struct Extract {
    plan: Plan,
    /// The story measure's caches, dropped with the extract once every document is taken.
    lexicon: Option<Lexicon>,
}

/// What is taken of one document: its story terms (story measure) and its text facts
/// (with its shingle set for the copy measures).
pub(crate) struct Taken {
    terms: Option<DocTerms>,
    one: OneText,
}

impl Extract {
    /// The extract for `config`. With `texts_later` (a later stage reads the texts again:
    /// the clusters' shared terms), story runs leave the copy groups' sets to be shingled
    /// from the texts, and [`Extract::drops_texts`] is false.
    pub(crate) fn new(config: &ScoreConfig, texts_later: bool) -> Extract {
        let plan = match (config.measure, word_shingles(config)) {
            (Measure::Story, _) => Plan::Story {
                copy_sets: !texts_later,
            },
            (_, Some(k)) => Plan::Words {
                k,
                sorted: texts_later || k != COPY_SHINGLE,
            },
            (_, None) => Plan::Other(config.shingle),
        };
        let lexicon = matches!(plan, Plan::Story { .. }).then(Lexicon::new);
        Extract { plan, lexicon }
    }

    /// Whether each text can go once its features are taken: nothing later reads it (no
    /// shared terms; copy groups from the sets taken here, which needs word 5-shingles).
    pub(crate) fn drops_texts(&self) -> bool {
        match self.plan {
            Plan::Story { copy_sets } => copy_sets,
            Plan::Words { k, sorted } => k == COPY_SHINGLE && !sorted,
            Plan::Other(_) => false,
        }
    }

    /// The plan, to assemble what was taken ([`assemble`]) once the extract (and its
    /// caches) is gone.
    pub(crate) fn plan(&self) -> Plan {
        self.plan
    }

    /// Takes `doc`'s features and facts.
    pub(crate) fn take(&self, doc: &Document) -> Taken {
        match self.plan {
            Plan::Story { copy_sets } => {
                let lexicon = self
                    .lexicon
                    .as_ref()
                    .expect("story extracts have a lexicon");
                let (terms, one) = story_text(doc, copy_sets, lexicon);
                Taken {
                    terms: Some(terms),
                    one,
                }
            }
            Plan::Words { k, sorted } => Taken {
                terms: None,
                one: one_text_shingled(&doc.text, Some(k), sorted),
            },
            Plan::Other(kind) => Taken {
                terms: None,
                one: OneText {
                    set: Some(shingle_text(&doc.text, kind)),
                    ..one_text_shingled(&doc.text, None, true)
                },
            },
        }
    }

    /// [`Extract::take`], then lets the text go (for runs that read nothing else of it:
    /// [`Extract::drops_texts`]).
    pub(crate) fn take_dropping_text(&self, doc: &mut Document) -> Taken {
        let taken = self.take(doc);
        // Cleared, not freed: the reader hands the buffer on to the next text.
        doc.text.clear();
        taken
    }
}

/// The features of a collection (in input order) and its text facts from what `plan`
/// took of each document. Story terms are weighed against the whole collection here.
pub(crate) fn assemble(plan: Plan, taken: Vec<Taken>) -> (Features, TextFacts) {
    let mut terms = Vec::with_capacity(taken.len());
    let mut ones = Vec::with_capacity(taken.len());
    for t in taken {
        terms.extend(t.terms);
        ones.push(t.one);
    }
    let (sets, mut facts) = gather(ones);
    match plan {
        Plan::Story { copy_sets } => {
            facts.copy_sets = copy_sets.then_some(sets);
            (Features::Story(weigh_terms(terms)), facts)
        }
        Plan::Words { .. } | Plan::Other(_) => (Features::Shingles(sets), facts),
    }
}

/// [`assemble`] for the story measure inside a larger collection (a story index): the
/// statistics are what `prior` gives for the keys asked (the larger collection's counts,
/// the first `stored` documents of `taken` included) plus the documents from the
/// `stored`-th on. Also returns what those documents add to the statistics.
///
/// # Errors
/// What `prior` returns.
pub(crate) fn assemble_counted(
    plan: Plan,
    taken: Vec<Taken>,
    stored: usize,
    prior: &mut dyn FnMut(&[u64]) -> Result<Prior, Error>,
) -> Result<(Features, TextFacts, Prior), Error> {
    let mut terms = Vec::with_capacity(taken.len());
    let mut ones = Vec::with_capacity(taken.len());
    for t in taken {
        terms.extend(t.terms);
        ones.push(t.one);
    }
    assert_eq!(terms.len(), ones.len(), "story terms for every document");
    let mut added = Prior::default();
    added.count(&terms[stored.min(terms.len())..]);
    let known = prior(&keys_of(&terms))?;
    let (sets, mut facts) = gather(ones);
    if let Plan::Story { copy_sets: true } = plan {
        facts.copy_sets = Some(sets);
    }
    let weights = weigh_terms_after(terms, Some((&known, stored)));
    Ok((Features::Story(weights), facts, added))
}

/// What `docs` add to a collection's statistics, their terms taken as the story measure
/// takes them (what a story index subtracts when it replaces stored documents).
pub(crate) fn story_counts(docs: &[Document]) -> Prior {
    let extract = Extract::new(&ScoreConfig::default(), true);
    let terms: Vec<DocTerms> = docs
        .par_iter()
        .filter_map(|d| extract.take(d).terms)
        .collect();
    let mut counts = Prior::default();
    counts.count(&terms);
    counts
}

/// The scorer of `docs` and their text facts, counting documents on `progress`; the
/// texts are left in place for later stages.
pub(crate) fn features(
    docs: &[Document],
    config: ScoreConfig,
    progress: &dyn Progress,
) -> (Scorer, TextFacts) {
    let extract = Extract::new(&config, true);
    progress.start(Stage::Signatures, Some(docs.len() as u64));
    // In blocks, so progress moves while the order of the output is kept.
    let taken: Vec<Vec<Taken>> = docs
        .par_chunks(PROGRESS_BLOCK)
        .map(|block| {
            let done = block.iter().map(|d| extract.take(d)).collect();
            progress.advance(block.len() as u64);
            done
        })
        .collect();
    progress.finish();
    let plan = extract.plan();
    drop(extract);
    let (features, facts) = assemble(plan, taken.into_iter().flatten().collect());
    let dates = docs.iter().map(|d| d.date).collect();
    (Scorer::from_features(config, features, dates), facts)
}

/// Warns on `progress` of the documents whose text is all a site's wall (`walls`: their
/// indexes into `docs`, ascending), when the story measure reads them
/// ([`all_wall_warning`]).
pub(crate) fn warn_all_wall(
    docs: &[Document],
    config: &ScoreConfig,
    walls: &[usize],
    progress: &dyn Progress,
) {
    if config.measure == Measure::Story
        && let Some(message) = all_wall_warning(docs, walls)
    {
        progress.warn(&message);
    }
}

/// How many documents' ids a warning names before it counts the rest.
const WARN_IDS: usize = 3;

/// The warning for the documents `walls` (indexes into `docs`) whose text is all a site's
/// wall, if any: the story measure reads their titles alone, as it does an empty text's,
/// and a user should know why such a page is a singleton or clustered by its headline.
fn all_wall_warning(docs: &[Document], walls: &[usize]) -> Option<String> {
    let first = &docs[*walls.first()?];
    if walls.len() == 1 {
        let what = if first.title.is_some() {
            "compared by its title alone"
        } else {
            "a singleton"
        };
        return Some(format!(
            "document {:?} is all a site's wall (sign-in, subscription or cookie notices); \
             it is {what}",
            first.id
        ));
    }
    let mut named: Vec<String> = walls
        .iter()
        .take(WARN_IDS)
        .map(|&i| format!("{:?}", docs[i].id))
        .collect();
    if walls.len() > WARN_IDS {
        named.push(format!("{} more", walls.len() - WARN_IDS));
    }
    Some(format!(
        "{} documents are all a site's wall (sign-in, subscription or cookie notices): {}; \
         each is compared by its title alone, or is a singleton without one",
        walls.len(),
        named.join(", ")
    ))
}

/// One document's terms for the story measure and its text facts, from one reading of its
/// words: the weighing's tokens give the cited outlets, and, with `copy_set`, its word
/// hashes (one per distinct word, cached) the word 5-shingles of copy groups. A run that
/// keeps its texts leaves the sets out: the copy groups shingle the few texts they need,
/// and memory holds no set beside every text.
fn story_text(doc: &Document, copy_set: bool, lexicon: &Lexicon) -> (DocTerms, OneText) {
    let text = &doc.text;
    let mut identity = (!text.trim().is_empty()).then(|| xxh3_64(text.as_bytes()));
    let mut all_wall = false;
    let (mut set, mut cites) = (None, Vec::new());
    let terms = terms_seeing_body(
        doc,
        &mut |body| {
            // Two pages whose texts are one site's wall and nothing else are not one
            // story, though their texts are identical.
            if body.all_wall {
                identity = None;
                all_wall = true;
            }
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
        },
        lexicon,
    );
    let one = OneText {
        set,
        cites,
        identity,
        length: text.len(),
        all_wall,
    };
    (terms, one)
}

/// Splits per-text results into shingle sets (those that have one) and facts.
fn gather(all: Vec<OneText>) -> (Vec<Shingles>, TextFacts) {
    let mut sets = Vec::with_capacity(all.len());
    let mut facts = TextFacts {
        cites: Vec::with_capacity(all.len()),
        identity: Vec::with_capacity(all.len()),
        lengths: Vec::with_capacity(all.len()),
        copy_sets: None,
        all_wall: Vec::new(),
    };
    for (i, one) in all.into_iter().enumerate() {
        if one.all_wall {
            facts.all_wall.push(i);
        }
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

    #[test]
    fn the_wall_warning_names_the_pages_read_by_their_titles() {
        let mut docs: Vec<Document> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| Document::new(*id, "Sign up now."))
            .collect();
        docs[0].title = Some("Ferry aground".into());
        assert_eq!(
            all_wall_warning(&docs, &[1]).unwrap(),
            "document \"b\" is all a site's wall (sign-in, subscription or cookie notices); \
             it is a singleton"
        );
        let one = all_wall_warning(&docs, &[0]).unwrap();
        assert!(one.ends_with("it is compared by its title alone"), "{one}");
        let many = all_wall_warning(&docs, &[1, 2, 3, 4]).unwrap();
        assert!(
            many.starts_with("4 documents are all a site's wall"),
            "{many}"
        );
        assert!(many.contains("\"b\", \"c\", \"d\", 1 more;"), "{many}");
        assert!(all_wall_warning(&docs, &[]).is_none());
    }

    #[test]
    fn a_text_that_is_all_wall_is_listed_whatever_the_plan() {
        let wall = "You have reached the limit of free access to our journalism. \
                    Subscribers, click below to log in or register your subscription.";
        let docs = vec![
            Document::new("w", wall),
            Document::new("r", "The ferry ran aground on Tuesday. Nobody was hurt."),
            Document::new("b", "   "),
        ];
        let (_, facts) = features(&docs, ScoreConfig::default(), &crate::progress::Silent);
        assert_eq!(facts.all_wall, [0]);
        // The copy measures read every word of it.
        let jaccard = ScoreConfig {
            measure: Measure::Jaccard,
            ..ScoreConfig::default()
        };
        let (_, facts) = features(&docs, jaccard, &crate::progress::Silent);
        assert!(facts.all_wall.is_empty());
    }

    fn one_text(text: &str, word: Option<usize>) -> OneText {
        one_text_shingled(text, word, true)
    }

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
    fn features_taken_while_reading_equal_the_pass_over_kept_texts() {
        let config = ScoreConfig {
            measure: Measure::Jaccard,
            shingle: ShingleKind::Word(5),
            window_days: 0,
        };
        let kept = docs();
        let (scorer, facts) = features(&kept, config.clone(), &Silent);
        let extract = Extract::new(&config, false);
        assert!(extract.drops_texts());
        let mut dropped = docs();
        let taken = dropped
            .iter_mut()
            .map(|d| extract.take_dropping_text(d))
            .collect();
        let (Features::Shingles(mut sets), lean_facts) = assemble(extract.plan(), taken) else {
            panic!("a copy measure takes shingle sets");
        };
        sets.iter_mut().for_each(crate::shingle::normalise_set);
        let dates = dropped.iter().map(|d| d.date).collect();
        let lean = Scorer::from_features(config, Features::Shingles(sets), dates);
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
        // Other shingles, or shared terms to find later: the texts stay.
        let word3 = ScoreConfig {
            measure: Measure::Jaccard,
            shingle: ShingleKind::Word(3),
            window_days: 0,
        };
        assert!(!Extract::new(&word3, false).drops_texts());
        assert!(!Extract::new(&ScoreConfig::default(), true).drops_texts());
        assert!(Extract::new(&ScoreConfig::default(), false).drops_texts());
    }

    #[test]
    fn the_story_reading_gives_the_same_facts_and_copy_sets() {
        use crate::shingle::shingle_text;
        let mut docs = docs();
        docs.push(Document::new(
            "odd",
            "\u{201c}Caf\u{e9} CLOSED\u{201d}, the Meridian Press reported; Ines\u{200B} Calder\u{2019}s \u{6771}\u{4eac} \u{301}x  U.S. 4.2 don't",
        ));
        let lexicon = Lexicon::new();
        for d in &docs {
            let (_, with_set) = story_text(d, true, &lexicon);
            let (_, without) = story_text(d, false, &lexicon);
            assert_eq!(with_set.cites, cites(&d.text), "{:?}", d.text);
            assert_eq!(without.cites, with_set.cites);
            assert_eq!(
                with_set.set.as_deref(),
                Some(&shingle_text(&d.text, ShingleKind::Word(5))[..])
            );
            assert!(without.set.is_none());
            assert_eq!(with_set.identity, one_text(&d.text, None).identity);
        }
        let extract = Extract::new(&ScoreConfig::default(), false);
        let taken = docs.iter().map(|d| extract.take(d)).collect();
        let (features, facts) = assemble(extract.plan(), taken);
        let dates = docs.iter().map(|d| d.date).collect();
        let scorer = Scorer::from_features(ScoreConfig::default(), features, dates);
        let apart = Scorer::new(&docs, ScoreConfig::default());
        assert_eq!(scorer.detail(0, 1), apart.detail(0, 1));
        assert_eq!(scorer.detail(0, 3), apart.detail(0, 3));
        assert_eq!(facts.copy_sets.as_ref().map(Vec::len), Some(docs.len()));
        assert_eq!(facts.cites[0], ["Meridian Press"]);
    }
}
