//! Stage 4b, weigh: each document's salient-term vector, for the `story` measure.
//!
//! A term is a stemmed content word, a number, or a multi-word name ("Council on Foreign
//! Relations"). Its weight is sublinear TF-IDF — `(1 + ln tf) * (ln((1 + N) / (1 + df)) + 1)`
//! with document frequencies from the collection — times a boost for what marks a specific
//! story: names of people, organisations and places, and numbers. Headline words count
//! twice, and so do words of the lead (the first three sentences); words after it count
//! 0.7. Stop words and the words every report uses ("said", "reported") are dropped. A word counts as a name when, across
//! the whole collection, it is written capitalised in the middle of ordinary sentences at
//! least as often as in lower case; headline-case sentences give no evidence either way.
//! Vectors are L2-normalised, so the story score is a cosine in [0, 1].
//!
//! Guarantees: the result depends only on the multiset of documents, not their order or the
//! thread count (vocabulary ids are assigned in sorted key order).

use std::sync::Mutex;

use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap as HashMap;
use xxhash_rust::xxh3::xxh3_64;

use crate::document::Document;
use crate::normalize::{normalize, normalize_into};
use crate::stopwords::is_stop_word;
use crate::tokenize::{Shape, Token, Tokens, tokenize};

mod short_words;

use short_words::{InlineWord, ShortWords};

/// Weight multiplier of a number. Names and multi-word names get none: they already weigh
/// by their rarity, and a boost on top (2x and 1.6x, tuned on UCI headlines and SemEval)
/// made every report about the same person look alike. Measured leave one collection out
/// (docs/story-judgement.md): without it, the share of NeuS reports whose nearest neighbour
/// tells their story rose from 0.62 to 0.68, of the Reuters templates from 0.92 to 0.98.
const NUMBER_BOOST: f32 = 1.3;
/// A document's actors are the names of its headline and lead held by at most this share of
/// the collection's documents (or by two at most): a name every other report carries
/// ("Reuters", "March", "Inc") says nothing of who a story is about.
const ACTOR_SHARE: f32 = 0.1;
/// The lead: each occurrence in the first `LEAD_SENTENCES` sentences of the body counts
/// `LEAD_WEIGHT` times, since news puts what the story is about first; after it, each counts
/// `TAIL_WEIGHT`, since the tail holds background that related stories share (a follow-up
/// recaps the event before it). Measured (docs/tuning.md): 2 sentences, tail 1.0 ->
/// 3 sentences, tail 0.7: SemEval Pearson 0.819 -> 0.826, events4 without dates ARI 0.793 ->
/// 0.837, every other collection unchanged.
const LEAD_SENTENCES: u32 = 3;
/// See `LEAD_SENTENCES`.
const LEAD_WEIGHT: f32 = 2.0;
/// See `LEAD_SENTENCES`.
const TAIL_WEIGHT: f32 = 0.7;
/// Each occurrence in the headline counts this many times.
const TITLE_WEIGHT: f32 = 2.0;
/// Words whose stems each thread remembers.
const STEM_CACHE: usize = 200_000;
/// A sentence with at least this share of capitalised words is in headline case.
const HEADLINE_CASE_SHARE: f32 = 0.6;
/// Day names: capitalised, but never part of a multi-word name; the days a report names
/// ([`Weights::days`]), in this order.
pub(crate) const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
/// Lower-case words allowed inside a multi-word name.
const NAME_CONNECTORS: &[&str] = &[
    "al", "bin", "da", "de", "del", "der", "du", "for", "la", "le", "of", "on", "the", "van", "von",
];

/// A document's term weights: `(term id, weight)` sorted by id, L2-normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermVector {
    /// The non-zero entries, sorted by term id.
    pub terms: Vec<(u32, f32)>,
}

impl TermVector {
    /// The terms both vectors hold, in id order, with both weights: a merge of two sorted
    /// lists, shared by every measure over the pair so they sum in the same order.
    fn shared<'a>(&'a self, other: &'a TermVector) -> impl Iterator<Item = (u32, f64)> + 'a {
        let (a, b) = (&self.terms, &other.terms);
        let (mut i, mut j) = (0, 0);
        std::iter::from_fn(move || {
            while i < a.len() && j < b.len() {
                match a[i].0.cmp(&b[j].0) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        let out = (a[i].0, f64::from(a[i].1) * f64::from(b[j].1));
                        i += 1;
                        j += 1;
                        return Some(out);
                    }
                }
            }
            None
        })
    }

    /// The cosine with another vector split in two: the part carried by names, multi-word
    /// names and numbers (`salient[id]`), and the part carried by other words.
    pub fn cosine_parts(&self, other: &TermVector, salient: &[bool]) -> (f64, f64) {
        let (mut names, mut words) = (0.0f64, 0.0f64);
        for (t, x) in self.shared(other) {
            if salient.get(t as usize).copied().unwrap_or(false) {
                names += x;
            } else {
                words += x;
            }
        }
        (names, words)
    }

    /// Cosine similarity with another vector (both normalised).
    pub fn cosine(&self, other: &TermVector) -> f64 {
        let mut dot = 0.0f64;
        for (_, x) in self.shared(other) {
            dot += x;
        }
        dot.min(1.0)
    }
}

/// The weighted vectors of a collection, and the vocabulary behind the term ids.
#[derive(Debug, Clone, Default)]
pub struct Weights {
    /// One vector per document, in input order.
    pub vectors: Vec<TermVector>,
    /// Sorted term keys; a term id indexes this.
    pub keys: Vec<u64>,
    /// Document frequency of each term id among the documents weighed (a prior's counts
    /// left out).
    pub df: Vec<u32>,
    /// Whether each term id is a name, a multi-word name or a number (else a plain word).
    pub salient: Vec<bool>,
    /// Each document's actors, sorted term ids: the names and multi-word names of its
    /// headline and lead that at most a tenth of the collection's documents hold.
    pub actors: Vec<Vec<u32>>,
    /// Each document's security codes of its headline and lead, sorted term ids: tickers
    /// (`<CTYN>`, `(NYSE: ABC)`) and company names in angle brackets (`<MDS HEALTH GROUP
    /// LTD>`, read as a term of no weight).
    pub codes: Vec<Vec<u32>>,
    /// Each document's weekdays named in its headline and lead: bit `d` for
    /// `WEEKDAYS[d]` (Monday first). When a report's event happened, as news writes it.
    pub days: Vec<u8>,
}

/// What kind of term a key stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Kind {
    #[default]
    Word,
    Number,
    Phrase,
}

/// One term of one document before weighting. Sixteen bytes: every term of every document
/// is held until the collection's statistics are known, about half of a large run's peak
/// memory (32 bytes unpacked: a million generated articles peaked at 13.9 GB).
#[derive(Debug, Clone, PartialEq)]
struct Raw {
    key: u64,
    tf: f32,
    /// The term's [`Kind`] (bits 0-1), where it was met (bits 2-4: [`IN_HEAD`],
    /// [`SHOUTED`], [`CODE`]) and its occurrences in mid-sentence position of ordinary (not
    /// headline-case) sentences, capitalised (bits 5-17) and in lower case (bits 18-30),
    /// each saturating at [`Raw::MID_MAX`]; bit 31: a weekday named as a day in the head
    /// ([`Raw::DAY`]).
    bits: u32,
}

const _: () = assert!(std::mem::size_of::<Raw>() == 16);

impl Raw {
    /// The most mid-sentence occurrences of each case one document counts: far beyond what
    /// any text writes of one word, and a name is decided by comparing the two counts.
    const MID_MAX: u32 = (1 << 13) - 1;
    const MARKS_SHIFT: u32 = 2;
    const CAP_SHIFT: u32 = 5;
    const LOW_SHIFT: u32 = 18;
    /// A weekday met in the headline or lead as the day of something: not in the plural
    /// ("closed on Mondays") nor right after a name ("Good Friday", "Super Tuesday").
    const DAY: u32 = 1 << 31;

    fn new(key: u64, kind: Kind) -> Raw {
        let kind = match kind {
            Kind::Word => 0,
            Kind::Number => 1,
            Kind::Phrase => 2,
        };
        Raw {
            key,
            tf: 0.0,
            bits: kind,
        }
    }

    fn kind(&self) -> Kind {
        match self.bits & 3 {
            0 => Kind::Word,
            1 => Kind::Number,
            _ => Kind::Phrase,
        }
    }

    fn is_day(&self) -> bool {
        self.bits & Self::DAY != 0
    }

    fn marks(&self) -> u8 {
        ((self.bits >> Self::MARKS_SHIFT) & 7) as u8
    }

    fn cap_mid(&self) -> u32 {
        (self.bits >> Self::CAP_SHIFT) & Self::MID_MAX
    }

    fn low_mid(&self) -> u32 {
        (self.bits >> Self::LOW_SHIFT) & Self::MID_MAX
    }

    fn mark(&mut self, marks: u8) {
        self.bits |= u32::from(marks & 7) << Self::MARKS_SHIFT;
    }

    /// One more mid-sentence occurrence, capitalised or not.
    fn count_mid(&mut self, capital: bool) {
        let (now, shift) = if capital {
            (self.cap_mid(), Self::CAP_SHIFT)
        } else {
            (self.low_mid(), Self::LOW_SHIFT)
        };
        if now < Self::MID_MAX {
            self.bits += 1 << shift;
        }
    }
}

/// A term met in the headline or the lead.
const IN_HEAD: u8 = 1;
/// A word written in capitals in the headline (wire slugs: `FLUOROCARBON CORP <FCBN> QTLY
/// DIVIDEND`), where case cannot tell a name from any other word.
const SHOUTED: u8 = 2;
/// A security code in the headline or the lead: the ticker wire copy and press releases put
/// after a company's name (`CITY NATIONAL CORP <CTYN>`, `(NYSE: ABC)`). It names one company
/// exactly, where the words of its name ("National", "Industries", "Franklin") are shared
/// by many.
const CODE: u8 = 4;
/// The longest security code read as one ([`CODE`]), in bytes.
const CODE_LEN: usize = 8;
/// Exchanges written before a ticker in parentheses: `(NYSE: ABC)`.
const EXCHANGES: &[&str] = &["NYSE", "NASDAQ", "Nasdaq", "AMEX", "TSX", "LSE", "OTC"];

/// One occurrence of a term, with the text it was read from (for explanations).
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// The term's key.
    pub key: u64,
    /// The surface form as written (possessive dropped).
    pub surface: String,
    /// True for a multi-word name.
    pub phrase: bool,
}

/// Builds the term vectors of a collection (parallel over documents).
pub fn weigh(docs: &[Document]) -> Weights {
    weigh_through(docs, Lexicon::new())
}

/// [`weigh`], reading the documents' terms through `lexicon` (dropped once they are read).
pub fn weigh_through(docs: &[Document], lexicon: Lexicon) -> Weights {
    let terms = docs
        .par_iter()
        .map(|d| DocTerms(extract(d, None, &lexicon)))
        .collect();
    drop(lexicon);
    weigh_terms(terms)
}

/// The term vectors of a collection from its documents' terms ([`terms_seeing_body`]), in
/// input order: the collection's statistics, then each document's weights.
pub fn weigh_terms(terms: Vec<DocTerms>) -> Weights {
    weigh_terms_after(terms, None)
}

/// What documents weighed before contribute to a term's statistics (a story index's
/// stored documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TermCounts {
    /// Documents holding the term.
    pub df: u32,
    /// Its mid-sentence occurrences capitalised.
    pub cap_mid: u32,
    /// Its mid-sentence occurrences in lower case.
    pub low_mid: u32,
}

/// The statistics of documents outside a weighing: their number and, per term key, their
/// counts (only the keys a weighing asks about need be present).
#[derive(Debug, Clone, Default)]
pub struct Prior {
    /// Documents counted.
    pub documents: u64,
    /// Counts per term key.
    pub terms: HashMap<u64, TermCounts>,
}

impl Prior {
    /// Adds what `terms` hold: one document each.
    pub fn count(&mut self, terms: &[DocTerms]) {
        self.documents += terms.len() as u64;
        for t in terms {
            for r in &t.0 {
                let c = self.terms.entry(r.key).or_default();
                c.df += 1;
                c.cap_mid += r.cap_mid();
                c.low_mid += r.low_mid();
            }
        }
    }
}

/// Every term key `terms` hold, sorted, once each.
pub fn keys_of(terms: &[DocTerms]) -> Vec<u64> {
    let mut keys: Vec<u64> = terms
        .iter()
        .flat_map(|t| t.0.iter().map(|r| r.key))
        .collect();
    keys.par_sort_unstable();
    keys.dedup();
    keys
}

/// [`weigh_terms`] in a larger collection: with `counted = Some((prior, k))`, the
/// statistics are those of `prior` plus the documents of `terms` from the `k`-th on (the
/// first `k` are counted in `prior` already).
pub fn weigh_terms_after(terms: Vec<DocTerms>, counted: Option<(&Prior, usize)>) -> Weights {
    let raws: Vec<Vec<Raw>> = terms.into_iter().map(|t| t.0).collect();
    let (prior, skip) = match counted {
        Some((prior, k)) => (Some(prior), k.min(raws.len())),
        None => (None, 0),
    };
    // The collection's statistics, in shards of the key space counted in parallel: each
    // shard reads every document in order (so a term's first kind is that of its first
    // occurrence, as one pass gives it) and counts only its own keys.
    let shards: Vec<HashMap<u64, Stats>> = (0..STAT_SHARDS)
        .into_par_iter()
        .map(|shard| {
            let mut stats: HashMap<u64, Stats> = HashMap::default();
            for (i, raw) in raws.iter().enumerate() {
                // Documents counted in the prior add their terms, not their counts.
                let counts = i >= skip;
                for r in raw.iter().filter(|r| shard_of(r.key) == shard) {
                    let e = stats.entry(r.key).or_insert_with(|| {
                        let p = prior
                            .and_then(|p| p.terms.get(&r.key))
                            .copied()
                            .unwrap_or_default();
                        Stats {
                            df: p.df,
                            local: 0,
                            cap_mid: p.cap_mid,
                            low_mid: p.low_mid,
                            kind: r.kind(),
                            id: 0,
                        }
                    });
                    e.local += 1;
                    if counts {
                        e.df += 1;
                        e.cap_mid += r.cap_mid();
                        e.low_mid += r.low_mid();
                    }
                }
            }
            stats
        })
        .collect();
    let mut keys: Vec<u64> = shards.iter().flat_map(|s| s.keys().copied()).collect();
    keys.par_sort_unstable();
    let mut stats: HashMap<u64, Stats> = HashMap::default();
    stats.reserve(keys.len());
    for shard in shards {
        stats.extend(shard);
    }
    let mut by_id: Vec<Stats> = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let e = stats.get_mut(k).expect("a key of the map");
        e.id = i as u32;
        by_id.push(*e);
    }
    let n = (raws.len() - skip) as f32 + prior.map_or(0.0, |p| p.documents as f32);
    // Everything but the term frequency depends on the term alone: computed once per term
    // rather than once per document holding it.
    let factors: Vec<(f32, f32)> = keys
        .par_iter()
        .zip(&by_id)
        .map(|(&k, s)| weight_factors(k, s.kind, s, n))
        .collect();
    let vectors = raws
        .par_iter()
        .map(|raw| {
            let terms: Vec<(u32, f32)> = raw
                .iter()
                // A bracketed name's code has no weight ([`bracketed_name_key`]).
                .filter(|r| r.tf > 0.0)
                .map(|r| {
                    let s = &stats[&r.key];
                    // A key has one kind unless two terms' hashes collide; then each
                    // occurrence keeps the weight of its own kind, as it always did.
                    let (idf, boost) = if r.kind() == s.kind {
                        factors[s.id as usize]
                    } else {
                        weight_factors(r.key, r.kind(), s, n)
                    };
                    (s.id, (1.0 + r.tf.ln()) * idf * boost)
                })
                .collect();
            unit_vector(terms)
        })
        .collect();
    let rare = |s: &Stats| s.df <= 2 || s.df as f32 <= n * ACTOR_SHARE;
    let actors = raws
        .par_iter()
        .map(|raw| {
            let mut ids: Vec<u32> = raw
                .iter()
                // A day is when, not who: `days` compares it. A bracketed name's code has
                // no weight, so no text could be found to name it.
                .filter(|r| r.marks() != 0 && weekday(r).is_none() && r.tf > 0.0)
                .map(|r| (r.marks(), &stats[&r.key]))
                .filter(|&(marks, s)| {
                    let name = marks & IN_HEAD != 0
                        && match s.kind {
                            // Only a multi-word name met mid-sentence somewhere: at the
                            // head of a sentence every word is capitalised.
                            Kind::Phrase => s.cap_mid > 0,
                            Kind::Word => s.is_name(),
                            Kind::Number => false,
                        };
                    // A capitalised headline word never written in lower case elsewhere:
                    // a name case could not reveal.
                    let shouted = marks & SHOUTED != 0 && s.kind == Kind::Word && s.low_mid == 0;
                    (name || shouted) && rare(s)
                })
                .map(|(_, s)| s)
                .map(|s| s.id)
                .collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    let codes = raws
        .par_iter()
        .map(|raw| {
            let mut ids: Vec<u32> = raw
                .iter()
                .filter(|r| r.marks() & CODE != 0)
                .map(|r| stats[&r.key].id)
                .collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    let days = raws.par_iter().map(|raw| weekdays_of(raw)).collect();
    let salient = by_id
        .iter()
        .map(|s| match s.kind {
            Kind::Phrase | Kind::Number => true,
            Kind::Word => s.is_name(),
        })
        .collect();
    Weights {
        vectors,
        keys,
        df: by_id.iter().map(|s| s.local).collect(),
        salient,
        actors,
        codes,
        days,
    }
}

/// The term keys of [`WEEKDAYS`], in its order: keyed as any word is (`word_key`), by the
/// hash of its stem.
fn weekday_keys() -> &'static [u64] {
    use std::sync::OnceLock;
    static KEYS: OnceLock<Vec<u64>> = OnceLock::new();
    KEYS.get_or_init(|| {
        WEEKDAYS
            .iter()
            .map(|d| xxh3_64(stemmer().stem(d).as_bytes()))
            .collect()
    })
}

/// The weekday (its index in [`WEEKDAYS`]) a term is, if it is one.
fn weekday(r: &Raw) -> Option<usize> {
    if r.kind() != Kind::Word {
        return None;
    }
    weekday_keys().iter().position(|&k| k == r.key)
}

/// The weekdays a document's headline and lead name as days ([`Weights::days`]).
fn weekdays_of(raw: &[Raw]) -> u8 {
    raw.iter()
        .filter(|r| r.is_day())
        .filter_map(weekday)
        .fold(0, |mask, d| mask | 1 << d)
}

/// Shards of the key space whose statistics are counted in parallel: enough to keep every
/// core of a usual machine busy, few enough that reading every document's terms once a
/// shard stays cheap.
const STAT_SHARDS: u64 = 1 << STAT_SHARD_BITS;
const STAT_SHARD_BITS: u32 = 2;

/// The shard of a term key (keys are hashes: their top bits are uniform).
fn shard_of(key: u64) -> u64 {
    key >> (u64::BITS - STAT_SHARD_BITS)
}

/// What the collection says of one term.
#[derive(Debug, Clone, Copy)]
struct Stats {
    /// Documents holding it, counted in a prior included.
    df: u32,
    /// Documents of this weighing holding it (the documents in memory, whatever a prior
    /// counts): what the pair search's costs follow.
    local: u32,
    /// Mid-sentence occurrences capitalised and in lower case (see [`Raw`]).
    cap_mid: u32,
    low_mid: u32,
    /// The kind of its first occurrence.
    kind: Kind,
    /// Its term id.
    id: u32,
}

impl Stats {
    /// Whether the word is written as a name at least as often as not.
    fn is_name(&self) -> bool {
        self.cap_mid > 0 && self.cap_mid >= self.low_mid
    }
}

/// The idf and the boost of a term of `kind` among `n` documents: its weight in a document
/// is `(1 + ln tf) * idf * boost`.
/// The term vector of `(term, weight)` pairs: sorted by term, scaled to unit length.
fn unit_vector(mut terms: Vec<(u32, f32)>) -> TermVector {
    terms.sort_unstable_by_key(|t| t.0);
    let norm = terms
        .iter()
        .map(|t| f64::from(t.1) * f64::from(t.1))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for t in &mut terms {
            t.1 = (f64::from(t.1) / norm) as f32;
        }
    }
    TermVector { terms }
}

fn weight_factors(key: u64, kind: Kind, s: &Stats, n: f32) -> (f32, f32) {
    let (bg_n, bg_df) = background(key, kind);
    let idf = ((1.0 + n + bg_n) / (1.0 + s.df as f32 + bg_df)).ln() + 1.0;
    let boost = match kind {
        Kind::Number => NUMBER_BOOST,
        Kind::Phrase | Kind::Word => 1.0,
    };
    (idf, boost)
}

/// Pseudo-documents of background English blended into the document frequencies: with two
/// articles (the seeds) the collection alone cannot tell "officials" from "Lavrov", so the
/// collection is counted as if it also held this many ordinary English documents; as the
/// collection grows, its own statistics take over (at 2,000 documents the background is 1%).
const BACKGROUND_DOCS: f32 = 20.0;
/// Background share of documents holding a word outside the top-English list (names, rare
/// words).
const BACKGROUND_RARE: f32 = 0.005;

/// The background's contribution to `(N, df)` for a term: `BACKGROUND_DOCS` documents, of
/// which a share holds the word. The share comes from the word's rank among the 1,000 most
/// frequent English words of the `top-english-words` crate, by a Zipf-like curve
/// `min(1, 3 / sqrt(rank + 3))` (rank 0 "the": 1; rank 100: 0.30; rank 999: 0.09); words not
/// in the list are rare. Numbers and multi-word names always count as rare.
fn background(key: u64, kind: Kind) -> (f32, f32) {
    use std::sync::OnceLock;
    static SHARES: OnceLock<HashMap<u64, f32>> = OnceLock::new();
    let shares = SHARES.get_or_init(|| {
        let words: Vec<String> = top_english_words::get_words();
        let stems = Stems::new();
        let mut map = HashMap::default();
        for (rank, w) in words.iter().enumerate() {
            if let Some((k, Kind::Word)) = word_key(&normalize(w), Shape::Lower, &stems) {
                let share = (3.0 / ((rank as f32) + 3.0).sqrt()).min(1.0);
                // Two words with one stem keep the more frequent one's share.
                map.entry(k).or_insert(share);
            }
        }
        map
    });
    let share = match kind {
        Kind::Word => shares.get(&key).copied().unwrap_or(BACKGROUND_RARE),
        Kind::Number | Kind::Phrase => BACKGROUND_RARE,
    };
    (BACKGROUND_DOCS, BACKGROUND_DOCS * share)
}

/// The terms of one document with their surface forms, for explaining a cluster.
pub fn occurrences(doc: &Document) -> Vec<Occurrence> {
    occurrences_where(doc, &|_| true, &Lexicon::new())
}

/// [`occurrences`] of the terms whose key `keep` accepts only (the others' surface forms
/// are not even copied).
pub fn occurrences_where(
    doc: &Document,
    keep: &dyn Fn(u64) -> bool,
    lexicon: &Lexicon,
) -> Vec<Occurrence> {
    let mut surfaces = Surfaces {
        out: Vec::new(),
        keep,
    };
    extract(doc, Some(&mut surfaces), lexicon);
    surfaces.out
}

/// Where a document's occurrences go while it is read, and which terms are wanted.
struct Surfaces<'a> {
    out: Vec<Occurrence>,
    keep: &'a dyn Fn(u64) -> bool,
}

fn stemmer() -> &'static Stemmer {
    use std::sync::OnceLock;
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The key of a word as it appears in the text (already normalised): its stem, or its
/// digits for a number. `None` for words that carry no story signal (stop words, lone
/// letters). Shared with the sentence aligner so both stages agree on what a word is.
pub(crate) fn word_key(norm: &str, shape: Shape, stems: &Stems) -> Option<(u64, Kind)> {
    let w = norm
        .strip_suffix("'s")
        .or_else(|| norm.strip_suffix('\''))
        .unwrap_or(norm);
    if w.is_empty() || is_stop_word(w) {
        return None;
    }
    if shape == Shape::Number || w.chars().any(|c| c.is_ascii_digit()) {
        let digits: String = w.chars().filter(|&c| c != ',').collect();
        return Some((xxh3_64(format!("#{digits}").as_bytes()), Kind::Number));
    }
    let mut letters = w.chars().filter(|c| c.is_alphanumeric());
    let first = letters.next()?;
    // A lone Latin letter is an initial or a list marker; one ideograph is a word.
    if letters.next().is_none() && first.is_ascii() {
        return None;
    }
    Some((stems.key(w), Kind::Word))
}

/// Shards of the stem cache, each behind its own lock.
const STEM_SHARDS: usize = 16;

type Shard = Mutex<HashMap<String, u64>>;

/// A cache of word stems' keys that threads share ([`Stems::key`]). Stemming is the
/// costliest step per word (thousands of instructions) and news repeats its words: with
/// one cache for all threads a word is stemmed once a run, not once a thread. Owned by
/// whoever weighs (a [`Lexicon`], the aligner) and freed with it, so a process that
/// weighs now and then (a service, a notebook) keeps nothing between runs.
pub(crate) struct Stems(Vec<Shard>);

impl Stems {
    pub(crate) fn new() -> Stems {
        Stems((0..STEM_SHARDS).map(|_| Shard::default()).collect())
    }

    /// The key of a word's stem. The lock is taken at most twice per word new to the
    /// cache, and a thread's word cache asks here only for words new to it.
    fn key(&self, w: &str) -> u64 {
        let shard = &self.0[xxh3_64(w.as_bytes()) as usize % STEM_SHARDS];
        // A poisoned lock (a panic elsewhere while holding it) only loses the cache.
        if let Ok(cache) = shard.lock()
            && let Some(&k) = cache.get(w)
        {
            return k;
        }
        let k = xxh3_64(stemmer().stem(w).as_bytes());
        if let Ok(mut cache) = shard.lock()
            // Bounded, so a huge vocabulary cannot grow it without limit.
            && cache.len() < STEM_CACHE / STEM_SHARDS * 2
        {
            cache.insert(w.to_owned(), k);
        }
        k
    }
}

/// The caches of one weighing: the shared stem cache and one word cache
/// (up to some 10 MB) for each thread of the pool, plus one for any
/// thread outside it. A run makes one, reads every document's terms through it
/// ([`terms_seeing_body`]) and drops it once they are read; caches never change a result,
/// only how fast it comes.
pub struct Lexicon {
    stems: Stems,
    words: Vec<Mutex<WordCache>>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::new()
    }
}

impl Lexicon {
    /// Empty caches, one word cache per thread of the current rayon pool.
    pub fn new() -> Lexicon {
        let slots = rayon::current_num_threads() + 1;
        Lexicon {
            stems: Stems::new(),
            words: (0..slots).map(|_| Mutex::default()).collect(),
        }
    }

    /// A lexicon whose word caches keep every word in a general hash map, without the
    /// short-word table: what the table is measured against (`benches/stages.rs`); not a
    /// stable interface.
    #[doc(hidden)]
    pub fn general_maps_only() -> Lexicon {
        let mut lexicon = Lexicon::new();
        for words in &mut lexicon.words {
            if let Ok(words) = words.get_mut() {
                words.general_only = true;
            }
        }
        lexicon
    }

    /// Runs `f` with the calling thread's word cache.
    fn with_words<R>(&self, f: impl FnOnce(&mut WordCache, &Stems) -> R) -> R {
        let spare = self.words.len() - 1;
        let slot = rayon::current_thread_index().map_or(spare, |i| i.min(spare));
        match self.words[slot].try_lock() {
            Ok(mut words) => f(&mut words, &self.stems),
            // Held by another thread outside the pool (or poisoned): an empty cache gives
            // the same answers, only slower.
            Err(_) => f(&mut WordCache::default(), &self.stems),
        }
    }

    /// Words held in the word caches (tests).
    #[cfg(test)]
    fn cached_words(&self) -> usize {
        self.words
            .iter()
            .map(|w| w.lock().map_or(0, |w| w.short.len() + w.long.len()))
            .sum()
    }
}

/// What the weigh stage needs of one word as written, remembered per thread: most words of
/// a collection are repeats, and normalising, looking up and stemming each one again was a
/// quarter of the weighing. Everything is a plain value, 24 bytes, so a hit reads one
/// small entry of the cache's table (the normalised form itself is only needed inside
/// names, and is recomputed there).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct WordInfo {
    /// The term key, as [`word_key`] gives it (meaningful with [`WordInfo::HAS_KEY`]).
    key: u64,
    /// The word's hash as the shingle stage takes it: XXH3-64 of the normalised form
    /// (meaningful unless [`WordInfo::blank`]).
    hash: u64,
    /// Length of the normalised form without its possessive ending.
    bare: u32,
    /// The kind of the key.
    kind: Kind,
    /// The flags below.
    flags: u8,
    /// Normalisation leaves nothing of the word (the shingle stage skips it).
    blank: bool,
    /// The bare form is a day name: its place in [`WEEKDAYS`] plus one (0: it is not).
    day: u8,
}

impl WordInfo {
    /// [`word_key`] gave a key.
    const HAS_KEY: u8 = 1;
    /// The normalised form has a possessive ending (`bare` is shorter).
    const POSSESSIVE: u8 = 2;
    /// The bare form is a stop word.
    const STOP: u8 = 4;
    /// The normalised form is a name connector.
    const CONNECTOR: u8 = 16;
    /// The bare form is a name connector.
    const BARE_CONNECTOR: u8 = 32;
    /// The bare form is "new".
    const NEW: u8 = 64;
    /// The bare form is "news".
    const NEWS: u8 = 128;

    fn of(raw: &str, shape: Shape, stems: &Stems) -> WordInfo {
        let norm = normalize(raw);
        let bare = strip_possessive(&norm);
        let key = word_key(&norm, shape, stems);
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        WordInfo {
            key: key.map_or(0, |k| k.0),
            hash: xxh3_64(norm.as_bytes()),
            blank: norm.is_empty(),
            day: WEEKDAYS
                .iter()
                .position(|d| *d == bare)
                .map_or(0, |d| d as u8 + 1),
            bare: bare.len() as u32,
            kind: key.map_or(Kind::Word, |k| k.1),
            flags: flag(key.is_some(), Self::HAS_KEY)
                | flag(bare.len() != norm.len(), Self::POSSESSIVE)
                | flag(is_stop_word(bare), Self::STOP)
                | flag(NAME_CONNECTORS.contains(&norm.as_str()), Self::CONNECTOR)
                | flag(NAME_CONNECTORS.contains(&bare), Self::BARE_CONNECTOR)
                | flag(bare == "new", Self::NEW)
                | flag(bare == "news", Self::NEWS),
        }
    }

    fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The term key and its kind, as [`word_key`] gives them.
    fn key(&self) -> Option<(u64, Kind)> {
        self.is(Self::HAS_KEY).then_some((self.key, self.kind))
    }
}

/// The per-thread word cache, bounded at [`STEM_CACHE`] words: short words in a table of
/// their own ([`ShortWords`]), longer ones (rare) keyed by a boxed copy.
#[derive(Default)]
struct WordCache {
    short: ShortWords<WordInfo>,
    long: HashMap<Box<str>, WordInfo>,
    /// The keys of the words of the text at hand, with their hashes (see
    /// [`WordCache::prepare`]).
    ahead: Vec<Option<(InlineWord, u64)>>,
    /// Every word goes to the general map (`long`): what the short-word table is measured
    /// against ([`Lexicon::general_maps_only`]).
    general_only: bool,
}

impl WordCache {
    /// Keys the tokens of `text` and asks for their entries (see [`ShortWords`]): the
    /// look-ups that follow, [`WordCache::info_of`], then find them at hand.
    fn prepare(&mut self, text: &str, tokens: &[Token]) {
        self.ahead.clear();
        if self.general_only {
            self.ahead.resize(tokens.len(), None);
            return;
        }
        for tok in tokens {
            let key = InlineWord::within(text, tok.span.clone()).map(|k| (k, k.hash()));
            if let Some((_, h)) = key {
                self.short.prefetch(h);
            }
            self.ahead.push(key);
        }
    }

    /// What the weigh stage needs of the `i`-th token of the text last
    /// [prepared](Self::prepare), `raw` as written.
    fn info_of(&mut self, i: usize, raw: &str, shape: Shape, stems: &Stems) -> WordInfo {
        match self.ahead[i] {
            Some((k, h)) => self.short_info(k, h, raw, shape, stems),
            None => self.long_info(raw, shape, stems),
        }
    }

    /// The shape comes from the written word itself, so the word alone is the key.
    #[cfg(test)]
    fn info(&mut self, raw: &str, shape: Shape, stems: &Stems) -> WordInfo {
        match InlineWord::new(raw) {
            Some(k) => self.short_info(k, k.hash(), raw, shape, stems),
            None => self.long_info(raw, shape, stems),
        }
    }

    fn full(&self) -> bool {
        self.short.len() + self.long.len() >= STEM_CACHE
            // Short words stop where the table would double past 2^18 slots (10.5 MB):
            // the last doubling would take it to 21 MB for 17,000 more words.
            || self.short.len() >= ShortWords::<WordInfo>::holds_below(1 << 18)
    }

    fn short_info(
        &mut self,
        k: InlineWord,
        hash: u64,
        raw: &str,
        shape: Shape,
        stems: &Stems,
    ) -> WordInfo {
        if let Some(w) = self.short.get(k, hash) {
            return w;
        }
        let w = WordInfo::of(raw, shape, stems);
        if !self.full() {
            self.short.insert(k, hash, w);
        }
        w
    }

    fn long_info(&mut self, raw: &str, shape: Shape, stems: &Stems) -> WordInfo {
        if let Some(&w) = self.long.get(raw) {
            return w;
        }
        let w = WordInfo::of(raw, shape, stems);
        if !self.full() {
            self.long.insert(raw.into(), w);
        }
        w
    }
}

/// The key of a multi-word name from its words' normalised forms, `@` and the words
/// joined by spaces (built in `buf`).
fn phrase_key<'a>(words: impl Iterator<Item = &'a str>, buf: &mut String) -> u64 {
    buf.clear();
    buf.push('@');
    for (i, w) in words.enumerate() {
        if i > 0 {
            buf.push(' ');
        }
        buf.push_str(w);
    }
    xxh3_64(buf.as_bytes())
}

/// A word (or connector) of a run of capitalised words that may be a name: its normalised
/// form is `norms[norm]` of the [`NameRun`].
struct RunWord<'t> {
    norm: std::ops::Range<usize>,
    surface: &'t str,
    connector: bool,
}

/// A run of capitalised words being read, with their normalised forms end to end in one
/// buffer: no allocation per word.
#[derive(Default)]
struct NameRun<'t> {
    norms: String,
    words: Vec<RunWord<'t>>,
    /// The run opened a sentence, where any word is capitalised: "Pay April 30" at the
    /// head of a line of a wire notice reads like a name and is not one.
    opens_sentence: bool,
}

impl<'t> NameRun<'t> {
    fn push(&mut self, norm: &str, surface: &'t str, connector: bool) {
        let from = self.norms.len();
        self.norms.push_str(norm);
        self.words.push(RunWord {
            norm: from..self.norms.len(),
            surface,
            connector,
        });
    }

    fn clear(&mut self) {
        self.norms.clear();
        self.words.clear();
        self.opens_sentence = false;
    }
}

/// A word without its possessive ending ("Lavrov's", "Reuters'"), curly or straight.
pub(crate) fn strip_possessive(s: &str) -> &str {
    s.strip_suffix("'s")
        .or_else(|| s.strip_suffix("\u{2019}s"))
        .or_else(|| s.strip_suffix('\''))
        .or_else(|| s.strip_suffix('\u{2019}'))
        .unwrap_or(s)
}

/// Extracts the raw terms of a document: headline first (unless the text repeats it), then
/// body. With `surfaces`, also records every occurrence's surface form.
fn extract(doc: &Document, surfaces: Option<&mut Surfaces<'_>>, lexicon: &Lexicon) -> Vec<Raw> {
    extract_seeing_body(doc, surfaces, None, lexicon)
}

/// [`extract`], showing the body's words to `body` on the way.
fn extract_seeing_body(
    doc: &Document,
    surfaces: Option<&mut Surfaces<'_>>,
    body: Option<&mut dyn FnMut(BodyWords<'_>)>,
    lexicon: &Lexicon,
) -> Vec<Raw> {
    lexicon.with_words(|words, stems| extract_with(doc, surfaces, words, stems, body))
}

/// What the weighing of one document saw of its body (the text, not the title), for a
/// stage that reads the same words: the body, its tokens (the words of
/// [`crate::tokenize::for_each_word`]), and the hash of every word that normalisation
/// leaves something of, in order, as the shingle stage hashes words (XXH3-64 of the
/// normalised form). Each distinct word is normalised and hashed once per thread, not once
/// per occurrence.
pub struct BodyWords<'a> {
    /// The body.
    pub text: &'a str,
    /// Its tokens.
    pub tokens: &'a [Token],
    /// Its words' hashes.
    pub hashes: &'a [u64],
    /// Every sentence of it is a site's wall (stage `furniture`): the story measure reads
    /// nothing of it.
    pub all_wall: bool,
}

/// One document's terms before the collection weighs them ([`weigh_terms`]).
pub struct DocTerms(Vec<Raw>);

/// The terms of `doc` for [`weigh_terms`], showing its body's words to `body` on the way
/// (one reading of the text for both).
pub fn terms_seeing_body(
    doc: &Document,
    body: &mut dyn FnMut(BodyWords<'_>),
    lexicon: &Lexicon,
) -> DocTerms {
    DocTerms(extract_seeing_body(doc, None, Some(body), lexicon))
}

/// A run of names ends: records it (and its last two words) as multi-word names when it
/// holds at least two names.
fn flush(
    run: &mut NameRun<'_>,
    weight: f32,
    head: u8,
    slots: &mut HashMap<u64, u32>,
    raws: &mut Vec<Raw>,
    surfaces: &mut Option<&mut Surfaces<'_>>,
    buf: &mut String,
) {
    let names = run.words.iter().filter(|w| !w.connector).count();
    if names >= 2 {
        let opens = run.opens_sentence;
        // A multi-word name's case evidence: met mid-sentence (`Some(true)`) or only where
        // every word is capitalised anyway.
        let mut emit = |part: &[RunWord<'_>], mid: bool| {
            let key = phrase_key(part.iter().map(|w| &run.norms[w.norm.clone()]), buf);
            let evidence = mid.then_some(true);
            bump(slots, raws, key, Kind::Phrase, weight, evidence, head);
            if let Some(s) = surfaces.as_deref_mut()
                && (s.keep)(key)
            {
                let surface = part.iter().map(|w| w.surface).collect::<Vec<_>>().join(" ");
                s.out.push(Occurrence {
                    key,
                    surface,
                    phrase: true,
                });
            }
        };
        emit(&run.words, !opens);
        // A title or an organisation often runs into a person's name ("Foreign
        // Minister Sergey Lavrov", "Council of Foreign Relations Richard Haass"):
        // the last two words are also a name of their own, so that the report
        // that writes plain "Sergey Lavrov" shares it (and "Council on Foreign
        // Relations" shares "Foreign Relations" with "Council of ...").
        let tail = &run.words[run.words.len().saturating_sub(2)..];
        if names >= 3 && tail.iter().all(|w| !w.connector) {
            emit(tail, true);
        }
    }
    run.clear();
}

fn extract_with(
    doc: &Document,
    mut surfaces: Option<&mut Surfaces<'_>>,
    words: &mut WordCache,
    stems: &Stems,
    mut body: Option<&mut dyn FnMut(BodyWords<'_>)>,
) -> Vec<Raw> {
    // Each term's place in `raws`, which keeps the terms in the order first met.
    let mut slots: HashMap<u64, u32> = HashMap::default();
    let mut raws: Vec<Raw> = Vec::new();
    let mut buf = String::new();
    let mut norm = String::new();
    // The body is read first: its site's own sentences (walls, sign-up prompts) say
    // nothing of the story.
    let body_tokens = tokenize(&doc.text);
    let body_furniture = crate::furniture::furniture(&doc.text, &body_tokens);
    let title = doc
        .title
        .as_deref()
        .map(str::trim)
        // A title the text repeats is read there, unless the text runs it into a wall
        // ("Oil to outperform TAKE A FREE TRIAL ..."), which takes the sentence away.
        .filter(|t| {
            !t.is_empty()
                && (!doc.text.trim_start().starts_with(t) || body_furniture.first() == Some(&true))
        });
    let parts =
        title
            .map(|t| (t, TITLE_WEIGHT, false))
            .into_iter()
            .chain([(doc.text.as_str(), 1.0, true)]);
    let mut hashes: Vec<u64> = Vec::new();
    for (text, weight, is_body) in parts {
        let title_tokens;
        let (tokens, furniture): (&Tokens, &[bool]) = if is_body {
            (&body_tokens, &body_furniture)
        } else {
            title_tokens = tokenize(text);
            (&title_tokens, &[])
        };
        words.prepare(text, &tokens.tokens);
        let seen = is_body && body.is_some();
        // Most words are new to the document: room for them up front (growing the table
        // rehashed it several times a document).
        slots.reserve(tokens.tokens.len() / 2);
        let headline_case = headline_case_sentences(text, &tokens.tokens, tokens.sentences.len());
        // The lead is the story's first sentences, not the page's: each sentence's place
        // counts only the sentences kept before it.
        let mut kept = 0u32;
        let places: Vec<u32> = furniture
            .iter()
            .map(|&f| {
                let at = kept;
                kept += u32::from(!f);
                at
            })
            .collect();
        let place = |s: u32| places.get(s as usize).copied().unwrap_or(s);
        let mut run = NameRun::default();
        // A connector awaiting a name ("of" in "Council of ..."): its surface.
        let mut pending: Option<&str> = None;
        let mut last_sentence = u32::MAX;
        let mut last_end = 0usize;
        for (i, tok) in tokens.tokens.iter().enumerate() {
            let raw_text = tok.text(text);
            let info = words.info_of(i, raw_text, tok.shape, stems);
            if seen && !info.blank {
                hashes.push(info.hash);
            }
            if furniture.get(tok.sentence as usize) == Some(&true) {
                continue;
            }
            // A name never spans punctuation ("Relations, Europe", "Zelensky: Russia") or
            // a weekday ("Assembly on Tuesday").
            let gap = &text.as_bytes()[last_end.min(tok.span.start)..tok.span.start];
            // Most gaps are one space: decoded only when they hold anything else.
            let punctuated = !gap.iter().all(|&b| b == b' ')
                && text[last_end.min(tok.span.start)..tok.span.start]
                    .chars()
                    .any(|c| !c.is_whitespace());
            // A day name right after a name, in its sentence, is part of it ("Good
            // Friday", "Super Tuesday"), and so is one between "the" and a capitalised
            // word ("the Sunday Times"): not the day of anything.
            let in_name = info.day != 0
                && ((tok.sentence == last_sentence
                    && !punctuated
                    && !run.words.is_empty()
                    && pending.is_none())
                    || titled(text, &tokens.tokens, i));
            // A day name as written, not its possessive ("Friday's" may end a name run).
            let weekday = info.day != 0 && !info.is(WordInfo::POSSESSIVE);
            if tok.sentence != last_sentence || punctuated || weekday {
                flush(
                    &mut run,
                    weight,
                    in_head(is_body, place(last_sentence)),
                    &mut slots,
                    &mut raws,
                    &mut surfaces,
                    &mut buf,
                );
                pending = None;
                last_sentence = tok.sentence;
            }
            last_end = tok.span.end;
            let headline = headline_case
                .get(tok.sentence as usize)
                .copied()
                .unwrap_or(false);
            let capital = matches!(tok.shape, Shape::Capitalized | Shape::AllCaps);
            // Names: runs of capitalised words, joined by a few lower-case connectors.
            // "New" is a stop word but opens many names ("New York", "New Delhi").
            // "News" is a stop word but ends many outlets' names ("NBC News", "Sky News").
            let name_word = !info.is(WordInfo::STOP)
                || (info.is(WordInfo::NEW) && !tok.sentence_start)
                || (info.is(WordInfo::NEWS) && !run.words.is_empty());
            if !headline && capital && name_word {
                if let Some(connector) = pending.take() {
                    normalize_into(connector, &mut norm);
                    run.push(&norm, connector, true);
                }
                if run.words.is_empty() {
                    run.opens_sentence = tok.sentence_start;
                }
                normalize_into(raw_text, &mut norm);
                run.push(
                    &norm[..info.bare as usize],
                    strip_possessive(raw_text),
                    info.is(WordInfo::BARE_CONNECTOR),
                );
                if info.is(WordInfo::POSSESSIVE) {
                    // A possessive ends the name: "Lavrov's aide".
                    flush(
                        &mut run,
                        weight,
                        in_head(is_body, place(last_sentence)),
                        &mut slots,
                        &mut raws,
                        &mut surfaces,
                        &mut buf,
                    );
                }
            } else if !run.words.is_empty() && info.is(WordInfo::CONNECTOR) && pending.is_none() {
                pending = Some(raw_text);
            } else {
                flush(
                    &mut run,
                    weight,
                    in_head(is_body, place(last_sentence)),
                    &mut slots,
                    &mut raws,
                    &mut surfaces,
                    &mut buf,
                );
                pending = None;
            }
            let head = in_head(is_body, place(tok.sentence));
            // A bracketed name is a code too: a term of no weight, read only as a code. Its
            // first word may be a stop word (`<FIRST UNION CORP>`, `<THE MONEY STORE>`).
            if head != 0
                && let Some(key) = bracketed_name_key(text, tok, &mut norm)
            {
                bump(&mut slots, &mut raws, key, Kind::Phrase, 0.0, None, CODE);
            }
            let Some((key, kind)) = info.key() else {
                continue;
            };
            let evidence = if headline || tok.sentence_start {
                None
            } else {
                Some(capital)
            };
            let lead = if weight != 1.0 {
                1.0
            } else if place(tok.sentence) < LEAD_SENTENCES {
                LEAD_WEIGHT
            } else {
                TAIL_WEIGHT
            };
            let shouted = if !is_body && tok.shape == Shape::AllCaps {
                SHOUTED
            } else {
                0
            };
            let code = if head != 0 && is_code(text, tok) {
                CODE
            } else {
                0
            };
            let head = head | shouted | code;
            bump(
                &mut slots,
                &mut raws,
                key,
                kind,
                weight * lead,
                evidence,
                head,
            );
            if info.day != 0 && head & IN_HEAD != 0 && !in_name {
                raws[slots[&key] as usize].bits |= Raw::DAY;
            }
            if let Some(s) = surfaces.as_deref_mut()
                && (s.keep)(key)
            {
                s.out.push(Occurrence {
                    key,
                    surface: strip_possessive(raw_text).to_owned(),
                    phrase: false,
                });
            }
        }
        flush(
            &mut run,
            weight,
            in_head(is_body, place(last_sentence)),
            &mut slots,
            &mut raws,
            &mut surfaces,
            &mut buf,
        );
        if seen && let Some(body) = body.as_deref_mut() {
            body(BodyWords {
                text,
                tokens: &tokens.tokens,
                hashes: &hashes,
                all_wall: !furniture.is_empty() && furniture.iter().all(|&f| f),
            });
        }
    }
    // Sized exactly: these vectors are the largest thing held while a collection is
    // weighed.
    raws.shrink_to_fit();
    raws
}

/// Whether the token at `i` stands between "the" and a capitalised word of its sentence,
/// with only spaces between: the middle of a title ("the Sunday Times").
fn titled(text: &str, tokens: &[Token], i: usize) -> bool {
    let spaced = |a: &Token, b: &Token| {
        a.sentence == b.sentence && text[a.span.end..b.span.start].chars().all(|c| c == ' ')
    };
    let (Some(before), Some(after)) = (i.checked_sub(1).map(|j| &tokens[j]), tokens.get(i + 1))
    else {
        return false;
    };
    before.text(text).eq_ignore_ascii_case("the")
        && spaced(before, &tokens[i])
        && spaced(&tokens[i], after)
        && matches!(after.shape, Shape::Capitalized | Shape::AllCaps)
}

/// Whether `tok` is a security code ([`CODE`]): capitals (and digits) right after `<` up
/// to a `>` with no space between (`<CTYN>`, `<MEG.A>`), or after an exchange's name in
/// parentheses (`(NYSE: ABC)`).
fn is_code(text: &str, tok: &Token) -> bool {
    if tok.shape != Shape::AllCaps {
        return false;
    }
    let (before, after) = (&text[..tok.span.start], &text[tok.span.start..]);
    let closes = |close: char| {
        after
            .find(close)
            .is_some_and(|end| end <= CODE_LEN && !after[..end].contains(char::is_whitespace))
    };
    if before.ends_with('<') {
        return closes('>');
    }
    let Some(open) = before.trim_end().strip_suffix(':') else {
        return false;
    };
    EXCHANGES
        .iter()
        .any(|x| open.strip_suffix(x).is_some_and(|o| o.ends_with('(')))
        && closes(')')
}

/// Words a company's name may end with or not (`<MDS HEALTH GROUP LIMITED>`, `<MDS
/// Health Group Ltd>`): left out of the end of its key ([`bracketed_name_key`]).
const NAME_SUFFIXES: &[&str] = &[
    "ag",
    "co",
    "company",
    "corp",
    "corporation",
    "cos",
    "inc",
    "limited",
    "llc",
    "lp",
    "ltd",
    "nv",
    "plc",
    "sa",
    "the",
];

/// The key of the company name in angle brackets that `tok` opens, when it opens one of
/// two words or more (`<MDS HEALTH GROUP LIMITED>`, `<MCV Holdings Inc>`): the wire's mark
/// of a company without a ticker, kept as text by the cleaning. A code as a ticker is
/// ([`CODE`]): it names one company exactly, whatever words it shares with another's.
/// Its key is of its words in lower case without dots or dashes, a leading "the" and the
/// company suffixes it ends with aside, in a space of its own.
fn bracketed_name_key(text: &str, tok: &Token, buf: &mut String) -> Option<u64> {
    if !matches!(tok.shape, Shape::AllCaps | Shape::Capitalized)
        || !text[..tok.span.start].ends_with('<')
    {
        return None;
    }
    let after = &text[tok.span.start..];
    let end = after.find(['>', '<'])?;
    let inside = &after[..end];
    // One name of two words or more, perhaps wrapped over a line.
    if !after[end..].starts_with('>')
        || end > 80
        || inside.matches('\n').count() > 1
        || !inside.contains(char::is_whitespace)
        || inside.ends_with(char::is_whitespace)
    {
        return None;
    }
    // Each word in lower case without its dots and dashes (`S.A.` as `SA`,
    // `Hewlett-Packard` as `HEWLETT-PACKARD`).
    let words: Vec<String> = inside
        .split(char::is_whitespace)
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    // A company's suffixes at the end, and a leading "the", may be written or not.
    let mut name: &[String] = &words;
    while let [rest @ .., last] = name
        && NAME_SUFFIXES.contains(&last.as_str())
    {
        name = rest;
    }
    if let [first, rest @ ..] = name
        && first == "the"
    {
        name = rest;
    }
    if name.is_empty() {
        return None;
    }
    buf.clear();
    buf.push_str("\u{1}<");
    for word in name {
        buf.push(' ');
        buf.push_str(word);
    }
    Some(xxh3_64(buf.as_bytes()))
}

/// [`IN_HEAD`] for a term met in the headline (not the body) or the lead.
fn in_head(is_body: bool, sentence: u32) -> u8 {
    if !is_body || sentence < LEAD_SENTENCES {
        IN_HEAD
    } else {
        0
    }
}

fn bump(
    slots: &mut HashMap<u64, u32>,
    raws: &mut Vec<Raw>,
    key: u64,
    kind: Kind,
    weight: f32,
    capital: Option<bool>,
    marks: u8,
) {
    let at = *slots.entry(key).or_insert_with(|| {
        raws.push(Raw::new(key, kind));
        (raws.len() - 1) as u32
    });
    let e = &mut raws[at as usize];
    e.tf += weight;
    e.mark(marks);
    if let Some(capital) = capital {
        e.count_mid(capital);
    }
}

/// For each sentence, whether it is written in headline case (most words capitalised), in
/// which case capitals say nothing about names.
fn headline_case_sentences(text: &str, tokens: &[Token], sentences: usize) -> Vec<bool> {
    let mut counts = vec![(0u32, 0u32); sentences.max(1)];
    for t in tokens {
        let word = t.text(text);
        if t.shape == Shape::Number || !word.chars().next().is_some_and(char::is_alphabetic) {
            continue;
        }
        if let Some(c) = counts.get_mut(t.sentence as usize) {
            c.1 += 1;
            if matches!(t.shape, Shape::Capitalized | Shape::AllCaps) {
                c.0 += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(|(cap, all)| all >= 3 && cap as f32 >= HEADLINE_CASE_SHARE * all as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Document {
        Document::new(id, text)
    }

    #[test]
    fn weighing_after_a_prior_equals_weighing_everything() {
        let docs: Vec<Document> = [
            "Mayor Ines Calder closed the Harbor Bridge on Monday after cracks were found.",
            "Cracks found: Harbor Bridge shut on Monday by Mayor Ines Calder.",
            "Wheat prices rose 40 percent on the Tamsin exchange.",
            "The Tamsin exchange halted wheat trading after prices rose 40 percent.",
            "Harbor crews inspected the bridge girders overnight.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| doc(&format!("d{i}"), t))
        .collect();
        let lexicon = Lexicon::new();
        let terms = |ds: &[Document]| -> Vec<DocTerms> {
            ds.iter()
                .map(|d| DocTerms(extract(d, None, &lexicon)))
                .collect()
        };
        let whole = weigh_terms(terms(&docs));
        // The first two and the last are "stored" (the prior); the middle two are read
        // back with two of the stored ones, as an index's add does.
        let mut prior = Prior::default();
        prior.count(&terms(&docs[..2]));
        prior.count(&terms(&docs[4..]));
        let window = [
            docs[0].clone(),
            docs[1].clone(),
            docs[2].clone(),
            docs[3].clone(),
        ];
        let part = weigh_terms_after(terms(&window), Some((&prior, 2)));
        for (i, v) in part.vectors.iter().enumerate() {
            let by_key = |w: &Weights, v: &TermVector| -> Vec<(u64, f32)> {
                v.terms
                    .iter()
                    .map(|&(t, x)| (w.keys[t as usize], x))
                    .collect()
            };
            let (got, want) = (by_key(&part, v), by_key(&whole, &whole.vectors[i]));
            assert_eq!(got.len(), want.len(), "document {i}");
            for ((k, x), (l, y)) in got.iter().zip(&want) {
                assert_eq!(k, l);
                assert!((x - y).abs() < 1e-6, "document {i}: {x} against {y}");
            }
        }
        // The pair search's frequencies count the documents weighed, not the prior's.
        assert!(part.df.iter().all(|&df| df <= 4));
        assert_eq!(
            keys_of(&terms(&docs[..1])).len(),
            whole.vectors[0].terms.len()
        );
    }

    #[test]
    fn caches_belong_to_the_lexicon_that_filled_them() {
        let doc = doc(
            "a",
            "Harbor crews closed the Tamsin bridge on Monday after inspectors found cracks.",
        );
        let lexicon = Lexicon::new();
        assert_eq!(lexicon.cached_words(), 0);
        let first = extract(&doc, None, &lexicon);
        // The cache fills as a document is read, and a fresh lexicon starts empty...
        assert!(lexicon.cached_words() > 5, "{}", lexicon.cached_words());
        assert_eq!(Lexicon::new().cached_words(), 0);
        // ...and answers as an empty one would.
        assert_eq!(
            extract(&doc, None, &lexicon),
            extract(&doc, None, &Lexicon::new())
        );
        assert_eq!(extract(&doc, None, &lexicon), first);
    }

    #[test]
    fn a_raw_term_keeps_its_kind_marks_and_counts_apart() {
        for kind in [Kind::Word, Kind::Number, Kind::Phrase] {
            let mut r = Raw::new(7, kind);
            r.mark(SHOUTED);
            r.mark(CODE);
            for _ in 0..3 {
                r.count_mid(true);
            }
            r.count_mid(false);
            assert_eq!(r.kind(), kind);
            assert_eq!(r.marks(), SHOUTED | CODE);
            assert_eq!((r.cap_mid(), r.low_mid()), (3, 1));
        }
        // Counts saturate without spilling into each other.
        let mut r = Raw::new(7, Kind::Phrase);
        r.mark(IN_HEAD);
        for _ in 0..Raw::MID_MAX + 5 {
            r.count_mid(true);
        }
        assert_eq!((r.cap_mid(), r.low_mid()), (Raw::MID_MAX, 0));
        for _ in 0..Raw::MID_MAX + 5 {
            r.count_mid(false);
        }
        assert_eq!((r.cap_mid(), r.low_mid()), (Raw::MID_MAX, Raw::MID_MAX));
        assert_eq!((r.kind(), r.marks()), (Kind::Phrase, IN_HEAD));
    }

    #[test]
    fn security_codes_are_read_from_brackets_and_exchange_prefixes() {
        let codes = |text: &str| -> Vec<String> {
            tokenize(text)
                .tokens
                .iter()
                .filter(|t| is_code(text, t))
                .map(|t| t.text(text).to_owned())
                .collect()
        };
        assert_eq!(codes("CITY NATIONAL CORP <CTYN> RAISES DIVIDEND"), ["CTYN"]);
        assert_eq!(codes("MEDIA GENERAL <MEG.A> UPS DIVIDEND"), ["MEG"]);
        assert_eq!(codes("FORD MOTOR CO OF CANADA LTD<FC> CUTS DIV"), ["FC"]);
        assert_eq!(
            codes("Velland Corp (NYSE: VIC) raised its dividend"),
            ["VIC"]
        );
        assert_eq!(codes("Velland Corp (Nasdaq:VIC) raised it"), ["VIC"]);
        // A name in brackets, a lower-case word, an unknown prefix, a run too long.
        assert!(codes("<FRANKLIN GOLD FUND> CUTS DIVIDEND").is_empty());
        assert!(codes("a <b> tag and (D: CA) and (Rep: NY)").is_empty());
        assert!(codes("<ABCDEFGHIJ> notice").is_empty());
    }

    #[test]
    fn codes_are_kept_per_document_from_the_headline_and_lead() {
        let mut a = doc("a", "Qtly div 12 cts vs ten cts prior.");
        a.title = Some("CITY NATIONAL CORP <CTYN> RAISES DIVIDEND".into());
        let b = doc(
            "b",
            "The board met on Monday. Nothing was decided. Rain fell. Later <ZZQ> came.",
        );
        let w = weigh(&[a, b]);
        assert_eq!(w.codes[0].len(), 1);
        assert_eq!(w.keys[w.codes[0][0] as usize], xxh3_64(b"ctyn"));
        // Past the lead, a bracketed code is not the document's.
        assert!(w.codes[1].is_empty());
    }

    #[test]
    fn a_name_in_brackets_is_a_code_of_no_weight() {
        let titled = |id: &str, title: &str, text: &str| {
            let mut d = doc(id, text);
            d.title = Some(title.into());
            d
        };
        let docs = [
            titled(
                "a",
                "<FRANKLIN GOLD FUND> CUTS DIVIDEND",
                "Qtly div 12 cts vs 15 cts.",
            ),
            titled(
                "b",
                "<FRANKLIN UTILITIES FUND> SETS PAYOUT",
                "Qtly div 9 cts vs 9 cts.",
            ),
            doc(
                "c",
                "The board of <Franklin Gold Fund Inc> cut its dividend. Qtly div 12 cts.",
            ),
            // One word in brackets is a ticker's form, and a lower-case run is no name.
            titled(
                "d",
                "<ZETA> SETS PAYOUT",
                "Profits rose at <the fund> today.",
            ),
        ];
        let w = weigh(&docs);
        assert_eq!(w.codes[0].len(), 1);
        // Case and a company's suffix aside, one name: one code.
        assert_eq!(w.codes[0], w.codes[2]);
        assert_eq!(w.codes[1].len(), 1);
        assert_ne!(w.codes[0], w.codes[1]);
        assert_eq!(w.codes[3].len(), 1);
        assert_eq!(w.keys[w.codes[3][0] as usize], xxh3_64(b"zeta"));
        // A stop word first, a name wrapped over a line, dotted and plain suffixes, a
        // suffix word that opens a name.
        let more = [
            titled(
                "e",
                "<FIRST UNION CORP> TO BUY BANK",
                "Terms were not given.",
            ),
            doc(
                "f",
                "The board of <First Union\nCorporation> approved the purchase.",
            ),
            titled("g", "<BANCO RIO S.A.> SETS PAYOUT", "Div 5 cts."),
            titled("h", "<BANCO RIO SA> YEAR NET", "Net rose."),
            titled("i", "<SA BREWERIES LTD> YEAR NET", "Net rose."),
            titled("j", "<BREWERIES LTD> YEAR NET", "Net fell."),
            titled("k", "<CO LTD> YEAR NET", "Net fell."),
        ];
        let m = weigh(&more);
        assert_eq!(m.codes[0].len(), 1);
        assert_eq!(m.codes[0], m.codes[1]);
        assert_eq!(m.codes[2].len(), 1);
        assert_eq!(m.codes[2], m.codes[3]);
        assert_eq!(m.codes[4].len(), 1);
        assert_ne!(m.codes[4], m.codes[5]);
        // Nothing but suffixes: no name.
        assert!(m.codes[6].is_empty());
        // The code weighs nothing: no vector holds it, and it is no actor.
        for (i, v) in w.vectors.iter().enumerate() {
            for code in w.codes.iter().flatten() {
                assert!(v.terms.iter().all(|t| t.0 != *code) || i == 3, "{i}");
                assert!(!w.actors[i].contains(code) || i == 3, "{i}");
            }
        }
    }

    #[test]
    fn weekdays_are_read_from_the_headline_and_lead() {
        let mut a = doc(
            "a",
            "The mill burned on Tuesday night. Crews came at dawn. No one was hurt. \
             A hearing is set for Friday.",
        );
        a.title = Some("Fire at Calder mill; Sunday's market moved".into());
        let b = doc("b", "The mill burned. Crews came at dawn. No one was hurt.");
        // Days in names and in the plural are no day of the event.
        let c = doc(
            "c",
            "Shops opened early for Black Friday as voters in Ohio marked Super Tuesday. \
             The market, closed on Mondays, reopened. Crowds came.",
        );
        let d = doc(
            "d",
            "The Assembly on Thursday passed the bill. Good Friday is near.",
        );
        let e = doc(
            "e",
            "The Sunday Times said the vote was lost. On the Monday before, polls opened.",
        );
        let w = weigh(&[a, b, c, d, e]);
        let bit = |day: &str| 1u8 << WEEKDAYS.iter().position(|d| *d == day).unwrap();
        // Headline and lead, possessive included; the fourth sentence is past the lead.
        assert_eq!(w.days[0], bit("tuesday") | bit("sunday"));
        assert_eq!(w.days[1], 0);
        assert_eq!(w.days[2], 0);
        // A connector between a name and the day leaves it a day.
        assert_eq!(w.days[3], bit("thursday"));
        // "the Sunday Times" is a title; "the Monday before" a day.
        assert_eq!(w.days[4], bit("monday"));
    }

    #[test]
    fn vectors_are_normalised_and_identical_texts_score_one() {
        let docs = vec![
            doc("a", "Lavrov met Haass in New York."),
            doc("b", "Lavrov met Haass in New York."),
            doc("c", "Rain fell on the farms."),
        ];
        let w = weigh(&docs);
        for v in &w.vectors {
            let n: f32 = v.terms.iter().map(|t| t.1 * t.1).sum();
            assert!((n - 1.0).abs() < 1e-4);
        }
        assert!((w.vectors[0].cosine(&w.vectors[1]) - 1.0).abs() < 1e-6);
        assert_eq!(w.vectors[0].cosine(&w.vectors[2]), 0.0);
    }

    #[test]
    fn occurrences_of_wanted_terms_are_the_others_left_out() {
        let d = doc("a", NAMES);
        let all = occurrences(&d);
        assert!(all.iter().any(|o| o.phrase) && all.iter().any(|o| !o.phrase));
        // Every other distinct key, phrases and words alike.
        let mut keys: Vec<u64> = all.iter().map(|o| o.key).collect();
        keys.sort_unstable();
        keys.dedup();
        let wanted: Vec<u64> = keys.iter().copied().step_by(2).collect();
        let some = occurrences_where(&d, &|k| wanted.contains(&k), &Lexicon::new());
        let want: Vec<&Occurrence> = all.iter().filter(|o| wanted.contains(&o.key)).collect();
        assert!(!some.is_empty() && some.len() < all.len());
        assert_eq!(some.iter().collect::<Vec<_>>(), want);
        assert!(occurrences_where(&d, &|_| false, &Lexicon::new()).is_empty());
    }

    #[test]
    fn names_phrases_and_possessives() {
        let d = doc(
            "a",
            "Officials said Sergey Lavrov's aide met the Council on Foreign Relations. Lavrov left.",
        );
        let occ = occurrences(&d);
        let phrases: Vec<&str> = occ
            .iter()
            .filter(|o| o.phrase)
            .map(|o| o.surface.as_str())
            .collect();
        assert_eq!(
            phrases,
            [
                "Sergey Lavrov",
                "Council on Foreign Relations",
                "Foreign Relations"
            ]
        );
        // A title running into a name also yields the name alone.
        let titled = occurrences(&doc(
            "b",
            "Officials said that Foreign Minister Sergey Lavrov left the talks early on the second day.",
        ));
        let titled: Vec<&str> = titled
            .iter()
            .filter(|o| o.phrase)
            .map(|o| o.surface.as_str())
            .collect();
        assert_eq!(titled, ["Foreign Minister Sergey Lavrov", "Sergey Lavrov"]);
        let words: Vec<&str> = occ
            .iter()
            .filter(|o| !o.phrase)
            .map(|o| o.surface.as_str())
            .collect();
        assert!(words.contains(&"Lavrov") && !words.contains(&"said") && !words.contains(&"the"));
    }

    #[test]
    fn stop_words_and_typography_do_not_count() {
        let docs = vec![
            doc("a", "He said that the talks were “secret”."),
            doc("b", "The talk was \"secret,\" she told them."),
        ];
        let w = weigh(&docs);
        assert!(
            (w.vectors[0].cosine(&w.vectors[1]) - 1.0).abs() < 1e-6,
            "talks/talk stem alike, quotes fold"
        );
    }

    #[test]
    fn headline_case_gives_no_name_evidence() {
        let text = "Fed Official Says Weak Data Caused By Weather";
        let t = tokenize(text);
        assert_eq!(
            headline_case_sentences(text, &t.tokens, t.sentences.len()),
            [true]
        );
        let t2 = tokenize("Fed official says weak data caused by weather");
        assert_eq!(
            headline_case_sentences(
                "Fed official says weak data caused by weather",
                &t2.tokens,
                1
            ),
            [false]
        );
    }

    #[test]
    fn order_of_documents_does_not_change_scores() {
        let a = doc(
            "a",
            "Storm hits Harbor City; mayor Ines Calder orders evacuation of 4,000.",
        );
        let b = doc(
            "b",
            "Mayor Calder ordered 4,000 people out as the storm reached Harbor City.",
        );
        let c = doc("c", "Grain prices rose in Velda after the harvest.");
        let w1 = weigh(&[a.clone(), b.clone(), c.clone()]);
        let w2 = weigh(&[c, b, a]);
        let s1 = w1.vectors[0].cosine(&w1.vectors[1]);
        let s2 = w2.vectors[2].cosine(&w2.vectors[1]);
        assert!((s1 - s2).abs() < 1e-9);
        assert!(s1 > 0.3);
    }

    /// Names with connectors, possessives, weekdays, outlets, a headline-case line and
    /// abbreviations: the multi-word names found, as the weigh stage found them before its
    /// word cache and name runs were rewritten for speed.
    const NAMES: &str = "Officials at the Council of the European Union met with the heirs of Ludwig van Beethoven's estate in a small room in New York on Tuesday, and they said that it went well. \
        The reporters of NBC News said that Van Morrison and the doctor Ines de la Cruz, of the Banco del Sur, had flown to the city of Sao Paulo on Monday night with their friends. \
        It was the New Harbor Authority of Kestwick Port that told a reporter of Reuters' desk, Jan Kowalski, about it over the phone. \
        After that the minister Foreign Minister Sergey Lavrov of Russia spoke for an hour with the man Abu Bakr al Baghdadi of the group and then with Al Gore for a show on CNN News late in the evening. \
        THE BIG STORY Of The Day\n\nNew rules for the bank Banco Central de Chile came out on Sunday from the office of Mary O\u{2019}Neil and of Jean-Luc Picard, who said they were of the view that the Council on Foreign Relations Richard Haass was right. \
        We were told that the trip to the van of the Bank of England by the people of the City of London did not go well for the U.S. and the U.K. at all.";

    #[test]
    fn multi_word_names_are_unchanged() {
        let occ = occurrences(&doc("a", NAMES));
        let phrases: Vec<&str> = occ
            .iter()
            .filter(|o| o.phrase)
            .map(|o| o.surface.as_str())
            .collect();
        assert_eq!(
            phrases,
            [
                "European Union",
                "Ludwig van Beethoven",
                "New York",
                "NBC News",
                "Banco del Sur",
                "Sao Paulo",
                "New Harbor Authority of Kestwick Port",
                "Kestwick Port",
                "Jan Kowalski",
                "Foreign Minister Sergey Lavrov of Russia",
                "Abu Bakr al Baghdadi",
                "CNN News",
                "Banco Central de Chile",
                "Mary O\u{2019}Neil",
                "Jean-Luc Picard",
                "Council on Foreign Relations Richard Haass",
                "Richard Haass",
                "Bank of England",
                "City of London",
            ]
        );
        // Keys from the words' normalised forms, and every word's key as `word_key` gives
        // it through a fresh stem cache.
        let stems = Stems::new();
        for o in &occ {
            let want = if o.phrase {
                xxh3_64(format!("@{}", normalize(&o.surface)).as_bytes())
            } else {
                word_key(
                    &normalize(&o.surface),
                    crate::tokenize::shape(&o.surface),
                    &stems,
                )
                .expect("only words with a key occur")
                .0
            };
            assert_eq!(o.key, want, "{}", o.surface);
        }
    }

    #[test]
    fn the_word_cache_answers_as_the_words_themselves() {
        let stems = Stems::new();
        let mut cache = WordCache::default();
        let long = "a".repeat(short_words::INLINE);
        let longer = "b".repeat(short_words::INLINE + 1);
        let words = [
            "a",
            "a\0",
            "\0a",
            "Lavrov's",
            "Reuters\u{2019}",
            "New",
            "news",
            "van",
            "Van",
            "Tuesday",
            "1,000",
            "4.2",
            "the",
            "Straße",
            &long,
            &longer,
            &long[1..],
        ];
        assert_ne!(InlineWord::new("a"), InlineWord::new("a\0"));
        assert_eq!(InlineWord::new(&longer), None);
        for round in 0..2 {
            for w in words {
                let shape = crate::tokenize::shape(w);
                assert_eq!(
                    cache.info(w, shape, &stems),
                    WordInfo::of(w, shape, &stems),
                    "{w} {round}"
                );
            }
        }
        assert_eq!(cache.short.len() + cache.long.len(), words.len());
        // The same through a prepared text, keys read in place (a fresh cache, then a
        // warm one).
        let text = format!("{} Tuesday, van Straße {}", words.join(" "), &longer);
        let tokens = tokenize(&text).tokens;
        for tok in &tokens {
            cache.info(tok.text(&text), tok.shape, &stems);
        }
        let warm = (cache.short.len(), cache.long.len());
        for (round, mut cache) in [WordCache::default(), cache].into_iter().enumerate() {
            for _ in 0..2 {
                cache.prepare(&text, &tokens);
                for (i, tok) in tokens.iter().enumerate() {
                    let w = tok.text(&text);
                    assert_eq!(
                        cache.info_of(i, w, tok.shape, &stems),
                        WordInfo::of(w, tok.shape, &stems),
                        "{w}"
                    );
                }
            }
            if round == 1 {
                // The warm cache had every word of the text from `info` (keys copied):
                // the keys read in place found them, and nothing was added.
                assert_eq!((cache.short.len(), cache.long.len()), warm);
            }
        }
    }

    /// The weights as first written, per occurrence of each term (the shipped code computes
    /// the idf and boost once per term).
    fn reference_vectors(docs: &[Document]) -> Vec<TermVector> {
        let raws: Vec<Vec<Raw>> = docs
            .iter()
            .map(|d| extract(d, None, &Lexicon::new()))
            .collect();
        let mut stats: HashMap<u64, u32> = HashMap::default();
        for r in raws.iter().flatten() {
            *stats.entry(r.key).or_insert(0) += 1;
        }
        let mut keys: Vec<u64> = stats.keys().copied().collect();
        keys.sort_unstable();
        let n = docs.len() as f32;
        raws.iter()
            .map(|raw| {
                let terms: Vec<(u32, f32)> = raw
                    .iter()
                    .filter(|r| r.tf > 0.0)
                    .map(|r| {
                        let id = keys.binary_search(&r.key).expect("a key") as u32;
                        let df = stats[&r.key];
                        let (bg_n, bg_df) = background(r.key, r.kind());
                        let idf = ((1.0 + n + bg_n) / (1.0 + df as f32 + bg_df)).ln() + 1.0;
                        let boost = if r.kind() == Kind::Number {
                            NUMBER_BOOST
                        } else {
                            1.0
                        };
                        (id, (1.0 + r.tf.ln()) * idf * boost)
                    })
                    .collect();
                unit_vector(terms)
            })
            .collect()
    }

    #[test]
    fn weights_equal_the_per_occurrence_formula() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/news/articles.jsonl");
        let file = std::io::BufReader::new(std::fs::File::open(path).expect("the fixture"));
        let mut docs = crate::ingest::read_jsonl(path, file)
            .expect("it parses")
            .docs;
        docs.push(doc("extra", NAMES));
        let w = weigh(&docs);
        assert_eq!(w.vectors, reference_vectors(&docs));
    }
}
