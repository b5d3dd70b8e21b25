//! A clustering run cut into parts that machines sharing nothing can do (the Python
//! package's Dask runs), with the same result as one run over the whole collection.
//!
//! The collection is cut into parts of consecutive documents. In order:
//!
//! 1. [`part_counts`], on each part: what its documents add to the story measure's
//!    statistics; summed over the parts ([`Prior`] is a sum), they are the whole
//!    collection's.
//! 2. [`part_facts`], on each part, with those statistics: the little each document
//!    contributes to clustering (its id, date, number of terms, text digest); for the
//!    second search among short texts, the statistics of the short ones (also summed); and
//!    the part's weighed vectors ([`PartState`]), kept where the part is.
//! 3. [`pairs_between`], on each pair of parts (a part with itself included), from their
//!    scorer ([`scorer_of`] their states; [`copy_scorer`] for copy measures): the pairs
//!    at or above the edge floor with one document in each, found by the same exact search
//!    as a whole run, whose guards (terms too common to walk) read the whole collection's
//!    counts. Each pair comes with its row's owner (the document whose row it belongs to
//!    in a whole run) so that [`clusters_of`] can cut rows to the cap where a whole run
//!    does. For `jaccard` on collections where a whole run uses LSH, the candidate pairs
//!    come from grouping [`band_keys`] instead, and [`verify_listed`] scores them.
//! 4. [`clusters_of`], on one machine, from the pairs and the documents' facts alone:
//!    per-row caps, the neighbourhood judgement, the clustering and the joining of
//!    identical texts.
//! 5. [`describe_batch`], on each batch of clusters, with the members' documents: the
//!    clusters' descriptions, numbered as a whole run numbers them.
//!
//! Every part is read with its documents' line numbers in the whole collection
//! ([`read_lines`]), so default ids and error messages are those of a whole run.

use rayon::prelude::*;

use crate::candidates::lsh::Banding;
use crate::candidates::{self, AllPairs, Pair, Whole, cap_by, row_cap};
use crate::cluster::{Edge, cluster_dated, join_identical};
use crate::config::{ClusterConfig, Linkage, Measure, ScoreConfig};
use crate::document::{Corpus, Date};
use crate::error::{Error, InputError, Position};
use crate::explain;
use crate::facts::{Extract, TextFacts, assemble, assemble_counted, story_counts};
use crate::links;
use crate::report::{ClusterReport, Parameters};
use crate::score::{Features, Scorer, cosine_of};
use crate::sketch::BINS;
use crate::weigh::Prior;

/// The settings a run is cut with (those of `cluster`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How documents are compared.
    pub score: ScoreConfig,
    /// How they are clustered.
    pub config: ClusterConfig,
}

impl Settings {
    /// The lowest score a pair must reach to be kept (the edge floor).
    fn floor(&self) -> f64 {
        links::floor(&self.score, &self.config)
    }

    /// Whether a whole run of `documents` documents finds `jaccard` pairs by LSH (then
    /// [`band_keys`] and [`verify_listed`] replace [`pairs_between`]).
    pub fn uses_lsh(&self, documents: usize) -> bool {
        self.banding(documents).is_some()
    }

    /// The LSH banding of a whole run of `documents` documents, if it uses LSH.
    fn banding(&self, documents: usize) -> Option<Banding> {
        let auto = crate::config::Candidates::Auto;
        match candidates::plan(auto, self.score.measure, documents, self.floor()) {
            Ok(candidates::Engine::Lsh(b)) => Some(b),
            _ => None,
        }
    }

    /// Refuses what a cut run cannot do as a whole run does: a copy measure's exact search
    /// over more documents than the walk limit (its guard would count shingles over the
    /// whole collection, which no part holds).
    ///
    /// # Errors
    /// [`Error::Setting`] naming the limit.
    pub fn check(&self, documents: usize) -> Result<(), Error> {
        let copy = self.score.measure != Measure::Story;
        if copy && !self.uses_lsh(documents) && documents > candidates::WALK_MIN {
            return Err(Error::Setting(crate::error::SettingError::SplitCopy {
                documents,
                most: candidates::WALK_MIN,
            }));
        }
        Ok(())
    }
}

/// Reads JSONL pieces of a larger file: each `(first line, text)` is placed at its line
/// (blank lines before it), so ids made from line numbers and the lines errors name are
/// those of the whole file, called `name`.
///
/// # Errors
/// As [`crate::ingest::read_jsonl`].
pub fn read_lines(name: &str, pieces: &[(u64, &str)]) -> Result<Corpus, Error> {
    let mut buf = String::new();
    let mut line = 1u64;
    for &(first, text) in pieces {
        assert!(first >= line, "pieces in order, not overlapping");
        while line < first {
            buf.push('\n');
            line += 1;
        }
        buf.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            buf.push('\n');
        }
        line += text.bytes().filter(|&b| b == b'\n').count() as u64
            + u64::from(!text.is_empty() && !text.ends_with('\n'));
    }
    crate::ingest::read_jsonl(name, buf.as_bytes())
}

/// The message of an id met again at `line` of `name`, first seen at line `first`, as a
/// whole run words it (the parts are read apart, so only the whole can see it).
pub fn duplicate_id(name: &str, id: &str, line: u64, first: u64) -> Error {
    Error::input(
        Position::line(name, line),
        InputError::DuplicateId {
            id: id.to_string(),
            first: Position::line(name, first),
        },
    )
}

/// Stage 1: what a part's documents add to the story measure's statistics (nothing for
/// copy measures).
pub fn part_counts(corpus: &Corpus, score: &ScoreConfig) -> Prior {
    match score.measure {
        Measure::Story => story_counts(&corpus.docs),
        Measure::Jaccard | Measure::Containment => Prior::default(),
    }
}

/// Sums statistics of parts (stage 1 and the short texts' of stage 2).
pub fn add_counts(into: &mut Prior, other: &Prior) {
    into.documents += other.documents;
    for (&key, c) in &other.terms {
        let e = into.terms.entry(key).or_default();
        e.df += c.df;
        e.cap_mid += c.cap_mid;
        e.low_mid += c.low_mid;
    }
}

/// The scorer and text facts of `corpus`, a part of a collection whose story statistics
/// are `whole` (the part's own documents counted in it).
///
/// Features are taken as the Python package's whole run takes them (the clusters' shared
/// terms left out): story runs take the copy groups' word sets while reading the words,
/// and copy measures' sets are sorted.
fn scored_within(corpus: &Corpus, score: &ScoreConfig, whole: &Prior) -> (Scorer, TextFacts) {
    let extract = Extract::new(score, score.measure != Measure::Story);
    let taken = corpus.docs.par_iter().map(|d| extract.take(d)).collect();
    let plan = extract.plan();
    drop(extract);
    let dates = corpus.docs.iter().map(|d| d.date).collect();
    let (features, facts) = if score.measure == Measure::Story {
        let mut known = |keys: &[u64]| -> Result<Prior, Error> {
            let terms = keys
                .iter()
                .filter_map(|k| whole.terms.get(k).map(|c| (*k, *c)))
                .collect();
            Ok(Prior {
                documents: whole.documents,
                terms,
            })
        };
        let (features, facts, _) = assemble_counted(plan, taken, corpus.len(), &mut known)
            .expect("statistics in memory cannot fail");
        (features, facts)
    } else {
        assemble(plan, taken)
    };
    (Scorer::from_features(score.clone(), features, dates), facts)
}

/// What clustering reads of one part's documents (stage 2), in input order.
#[derive(Debug, Clone, Default)]
pub struct PartFacts {
    /// Ids.
    pub ids: Vec<String>,
    /// Dates.
    pub dates: Vec<Option<Date>>,
    /// Terms in each story vector (0 for copy measures).
    pub terms: Vec<u32>,
    /// Digests of the texts (identical texts are joined).
    pub identity: Vec<Option<u64>>,
    /// The statistics of the part's short texts, which the second search reads
    /// (`documents`: how many; `df` only).
    pub short: Prior,
    /// What the pair search reads of the part.
    pub state: PartState,
}

/// Stage 2: what clustering reads of each document of a part, weighed against the whole
/// collection's statistics `whole`.
pub fn part_facts(corpus: &Corpus, settings: &Settings, whole: &Prior) -> PartFacts {
    let (scorer, facts) = scored_within(corpus, &settings.score, whole);
    let mut short = Prior::default();
    let terms = match &scorer.features {
        Features::Story(w) => {
            if settings.config.linkage == Linkage::Average {
                for (i, v) in w.vectors.iter().enumerate() {
                    if scorer.may_weigh_more(i) {
                        short.documents += 1;
                        for &(t, _) in &v.terms {
                            short.terms.entry(w.keys[t as usize]).or_default().df += 1;
                        }
                    }
                }
            }
            w.vectors.iter().map(|v| v.terms.len() as u32).collect()
        }
        Features::Shingles(_) => vec![0; corpus.len()],
    };
    PartFacts {
        ids: corpus.docs.iter().map(|d| d.id.clone()).collect(),
        dates: scorer.dates.clone(),
        terms,
        identity: facts.identity,
        short,
        state: state_of(&scorer),
    }
}

/// What the pair search reads of a part's documents, weighed against the whole
/// collection (stage 2 makes it; stage 3 joins two parts' states instead of reading and
/// weighing their texts again). Terms are named by their keys, which order them as a
/// whole run's term ids do.
#[derive(Debug, Clone, Default)]
pub struct PartState {
    /// Dates, in input order.
    pub dates: Vec<Option<Date>>,
    /// Each document's story vector (`(key, weight)` by key), or its shingle set (keys,
    /// weights empty).
    pub terms: Vec<Vec<(u64, f32)>>,
    /// Each document's actors (keys, sorted).
    pub actors: Vec<Vec<u64>>,
    /// Each document's security codes (keys, sorted).
    pub codes: Vec<Vec<u64>>,
    /// Each document's weekdays of its headline and lead ([`crate::weigh::Weights::days`]).
    pub days: Vec<u8>,
    /// The part's keys that are names, multi-word names or numbers (sorted).
    pub salient: Vec<u64>,
}

/// The state of a part for the pair search (see [`PartState`]).
fn state_of(scorer: &Scorer) -> PartState {
    match &scorer.features {
        Features::Story(w) => {
            let key = |t: &u32| w.keys[*t as usize];
            PartState {
                dates: scorer.dates.clone(),
                terms: w
                    .vectors
                    .iter()
                    .map(|v| v.terms.iter().map(|(t, x)| (key(t), *x)).collect())
                    .collect(),
                actors: w
                    .actors
                    .iter()
                    .map(|a| a.iter().map(key).collect())
                    .collect(),
                codes: w
                    .codes
                    .iter()
                    .map(|c| c.iter().map(key).collect())
                    .collect(),
                days: w.days.clone(),
                salient: (0..w.keys.len())
                    .filter(|&t| w.salient[t])
                    .map(|t| w.keys[t])
                    .collect(),
            }
        }
        Features::Shingles(sets) => PartState {
            dates: scorer.dates.clone(),
            terms: sets
                .iter()
                .map(|s| s.iter().map(|&h| (h, 0.0)).collect())
                .collect(),
            ..PartState::default()
        },
    }
}

/// The scorer of parts read together for a copy measure's pair search, from their
/// documents (`corpus`: the parts in order): shingling the texts again costs less than
/// moving and rebuilding their sets (4 KB a document against 2 KB of text).
pub fn copy_scorer(corpus: &Corpus, score: &ScoreConfig) -> Scorer {
    assert!(
        score.measure != Measure::Story,
        "story scorers come from states"
    );
    scored_within(corpus, score, &Prior::default()).0
}

/// The scorer of parts read together, from their states (in order): what
/// `scored_within` gives for the parts' documents, without their texts.
pub fn scorer_of(parts: &[&PartState], score: &ScoreConfig) -> Scorer {
    let dates: Vec<Option<Date>> = parts.iter().flat_map(|p| p.dates.iter().copied()).collect();
    let docs = parts.iter().flat_map(|p| p.terms.iter());
    if score.measure != Measure::Story {
        let sets = docs.map(|t| t.iter().map(|&(h, _)| h).collect()).collect();
        return Scorer::from_features(score.clone(), Features::Shingles(sets), dates);
    }
    // The codes too: a name in brackets is a code of no weight, in no vector.
    let codes = parts.iter().flat_map(|p| p.codes.iter().flatten());
    let mut keys: Vec<u64> = docs
        .clone()
        .flatten()
        .map(|&(k, _)| k)
        .chain(codes.copied())
        .collect();
    keys.par_sort_unstable();
    keys.dedup();
    let id = |k: &u64| keys.binary_search(k).expect("a key of the parts") as u32;
    let mut df = vec![0u32; keys.len()];
    let vectors: Vec<crate::weigh::TermVector> = docs
        .map(|t| crate::weigh::TermVector {
            terms: t.iter().map(|(k, x)| (id(k), *x)).collect(),
        })
        .collect();
    for v in &vectors {
        for &(t, _) in &v.terms {
            df[t as usize] += 1;
        }
    }
    let mut salient = vec![false; keys.len()];
    for p in parts {
        for k in &p.salient {
            if let Ok(t) = keys.binary_search(k) {
                salient[t] = true;
            }
        }
    }
    let ids = |lists: &[Vec<u64>]| -> Vec<Vec<u32>> {
        lists.iter().map(|l| l.iter().map(id).collect()).collect()
    };
    let weights = crate::weigh::Weights {
        vectors,
        df,
        salient,
        actors: parts.iter().flat_map(|p| ids(&p.actors)).collect(),
        codes: parts.iter().flat_map(|p| ids(&p.codes)).collect(),
        days: parts.iter().flat_map(|p| p.days.iter().copied()).collect(),
        keys,
    };
    Scorer::from_features(score.clone(), Features::Story(weights), dates)
}

/// One pair a part found (stage 3), in the whole collection's indexes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// 0: the first search; 1: the second, among short texts.
    pub search: u8,
    /// The document whose row the pair belongs to (its row is capped as a whole).
    pub owner: u32,
    /// The earlier document.
    pub a: u32,
    /// The later one.
    pub b: u32,
    /// Its score.
    pub score: f64,
    /// Its weight on the clustering's scale (0: it adds nothing once its row is capped).
    pub weight: f64,
}

/// Two parts read together (part `first` then part `second`, or one part alone): their
/// scorer ([`scorer_of`] their states, or [`copy_scorer`]), and where each part starts in
/// the whole collection.
pub struct Joined<'c> {
    /// The scorer of the parts' documents, in order.
    pub scorer: &'c Scorer,
    /// How many documents the first part holds.
    pub first_len: usize,
    /// The index in the whole collection of each part's first document.
    pub offsets: [usize; 2],
    /// True when the first part is read alone (then every pair is wanted).
    pub alone: bool,
}

impl Joined<'_> {
    fn global(&self, local: usize) -> u32 {
        let g = if local < self.first_len {
            self.offsets[0] + local
        } else {
            self.offsets[1] + local - self.first_len
        };
        g as u32
    }

    fn found(&self, search: u8, owner: usize, p: Pair, weight: f64) -> Found {
        Found {
            search,
            owner: self.global(owner),
            a: self.global(p.a as usize),
            b: self.global(p.b as usize),
            score: p.detail.score,
            weight,
        }
    }

    fn wanted(&self, a: usize, b: usize) -> bool {
        self.alone || (a < self.first_len) != (b < self.first_len)
    }
}

/// Each term id's document frequency in `whole` (0 where it has none).
fn whole_df(scorer: &Scorer, whole: &Prior) -> Vec<u32> {
    match &scorer.features {
        Features::Story(w) => w
            .keys
            .iter()
            .map(|k| whole.terms.get(k).map_or(0, |c| c.df))
            .collect(),
        Features::Shingles(_) => Vec::new(),
    }
}

/// Stage 3: the pairs between two parts (or inside one) at or above the edge floor, as a
/// whole run finds them before its rows are capped. `whole` and `short_whole` are the
/// whole collection's statistics (stage 1) and its short texts' (stage 2).
pub fn pairs_between(
    joined: &Joined<'_>,
    settings: &Settings,
    whole: &Prior,
    short_whole: &Prior,
) -> Vec<Found> {
    let scorer = joined.scorer;
    let floor = settings.floor();
    let wanted = |a: usize, b: usize| joined.wanted(a, b);
    let df = whole_df(scorer, whole);
    let story = settings.score.measure == Measure::Story;
    let documents = if story {
        whole.documents as usize
    } else {
        // Copy measures (exact search only up to the walk limit: `Settings::check`).
        0
    };
    let engine = AllPairs::new(scorer);
    let rows = engine.rows_within(
        floor,
        &Whole {
            documents,
            df: story.then_some(df.as_slice()),
        },
        &wanted,
    );
    let mut found = Vec::new();
    for (owner, row) in rows {
        for p in row {
            let weight = links::edge_of(scorer, &settings.config, p).map_or(0.0, |e| e.weight);
            found.push(joined.found(0, owner as usize, p, weight));
        }
    }
    if settings.config.linkage != Linkage::Average {
        return found;
    }
    let Some((short, sub)) = links::short_texts(scorer) else {
        return found;
    };
    let sub_df = whole_df(&sub, short_whole);
    let cosine_floor = cosine_of(floor);
    let sub_wanted = |a: usize, b: usize| joined.wanted(short[a], short[b]);
    let rows = AllPairs::new(&sub).rows_within(
        links::short_floor(cosine_floor),
        &Whole {
            documents: short_whole.documents as usize,
            df: Some(&sub_df),
        },
        &sub_wanted,
    );
    for (owner, row) in rows {
        for p in row {
            let weight =
                links::short_edge(scorer, &short, cosine_floor, p).map_or(0.0, |e| e.weight);
            let q = Pair {
                a: short[p.a as usize] as u32,
                b: short[p.b as usize] as u32,
                detail: p.detail,
            };
            found.push(joined.found(1, short[owner as usize], q, weight));
        }
    }
    found
}

/// Stage 2 for `jaccard` where a whole run uses LSH: each document's band keys of a part
/// of state `state`, one per band (`u32::MAX`: none), band after band for each document in
/// turn.
pub fn band_keys(state: &PartState, settings: &Settings, documents: usize) -> (usize, Vec<u32>) {
    let banding = settings
        .banding(documents)
        .expect("band keys only where a whole run uses LSH");
    let sets: Vec<Vec<u64>> = state
        .terms
        .iter()
        .map(|t| t.iter().map(|&(h, _)| h).collect())
        .collect();
    (
        banding.bands,
        candidates::lsh::band_keys(&sets, BINS, &banding),
    )
}

/// Stage 3 for LSH: candidate pairs `pairs` (whole-collection indexes) scored, those at
/// the floor kept. `corpus` holds just the documents the pairs name, in order, and
/// `globals` their whole-collection indexes (ascending): only they are shingled.
pub fn verify_listed(
    corpus: &Corpus,
    globals: &[u32],
    settings: &Settings,
    pairs: &[(u32, u32)],
) -> Vec<Found> {
    let scorer = copy_scorer(corpus, &settings.score);
    let local = |g: u32| globals.binary_search(&g).expect("a listed document") as u32;
    let mut pairs: Vec<(u32, u32)> = pairs.iter().map(|&(a, b)| (local(a), local(b))).collect();
    pairs.sort_unstable();
    candidates::lsh::verify(&scorer, &pairs, settings.floor())
        .into_iter()
        .map(|p| {
            let weight = links::edge_of(&scorer, &settings.config, p).map_or(0.0, |e| e.weight);
            let (a, b) = (globals[p.a as usize], globals[p.b as usize]);
            Found {
                search: 0,
                owner: a,
                a,
                b,
                score: p.detail.score,
                weight,
            }
        })
        .collect()
}

/// Stage 4: the clusters of the whole collection (members by whole-collection index), from
/// every part's facts (in order) and every pair found. `lsh`: the pairs came from LSH
/// (whose rows a whole run does not cap).
pub fn clusters_of(
    facts: &[PartFacts],
    mut found: Vec<Found>,
    settings: &Settings,
    lsh: bool,
) -> Vec<Vec<usize>> {
    let ids: Vec<&str> = facts
        .iter()
        .flat_map(|f| f.ids.iter().map(String::as_str))
        .collect();
    let dates: Vec<Option<Date>> = facts.iter().flat_map(|f| f.dates.iter().copied()).collect();
    let terms: Vec<u32> = facts.iter().flat_map(|f| f.terms.iter().copied()).collect();
    let identity: Vec<Option<u64>> = facts
        .iter()
        .flat_map(|f| f.identity.iter().copied())
        .collect();
    let n = ids.len();
    let short_n: u64 = facts.iter().map(|f| f.short.documents).sum();
    // Each row whole, capped as a whole run caps it, then what clustering keeps of it.
    found.par_sort_unstable_by(|x, y| {
        (x.search, x.owner, x.a, x.b).cmp(&(y.search, y.owner, y.a, y.b))
    });
    let mut edges: Vec<Edge> = Vec::new();
    for row in found.chunk_by(|x, y| (x.search, x.owner) == (y.search, y.owner)) {
        let cap = if lsh {
            usize::MAX
        } else if row[0].search == 0 {
            row_cap(n)
        } else {
            row_cap(short_n as usize)
        };
        let mut kept: Vec<&Found> = row.iter().collect();
        cap_by(&mut kept, cap, |f| (f.score, f.a, f.b));
        edges.extend(kept.iter().filter(|f| f.weight > 0.0).map(|f| Edge {
            a: f.a,
            b: f.b,
            weight: f.weight,
        }));
    }
    drop(found);
    let story = settings.score.measure == Measure::Story;
    if story && settings.config.linkage == Linkage::Average {
        links::judge_by_lengths(
            &mut edges,
            &terms,
            &dates,
            settings.score.window_days,
            &crate::cluster::ranks(&ids),
        );
    }
    let internal = ClusterConfig {
        threshold: if story {
            cosine_of(settings.config.threshold)
        } else {
            settings.config.threshold
        },
        ..settings.config.clone()
    };
    let window = if story { settings.score.window_days } else { 0 };
    let groups = cluster_dated(&ids, &dates, window, &edges, &internal);
    drop(edges);
    join_identical(groups, &identity, &ids)
}

/// Stage 5: the report of a batch of clusters: `groups` are `(number, members)` with the
/// members as indexes into `corpus`, which holds the batch's documents (and only those, in
/// their whole-collection order); `whole` as for [`part_facts`].
pub fn describe_batch(
    corpus: &Corpus,
    groups: Vec<(usize, Vec<usize>)>,
    settings: &Settings,
    whole: &Prior,
) -> ClusterReport {
    let (scorer, facts) = scored_within(corpus, &settings.score, whole);
    let clusters = groups
        .into_par_iter()
        .map(|(number, members)| explain::describe(corpus, &scorer, &facts, number, members, None))
        .collect();
    ClusterReport {
        documents: corpus.len(),
        clusters,
        parameters: Parameters {
            measure: settings.score.measure,
            threshold: settings.config.threshold,
            linkage: settings.config.linkage,
            shingle: settings.score.shingle,
            window_days: settings.score.window_days,
        },
    }
}

/// A part's band keys grouped into candidate pairs is done by the caller (a shuffle by
/// key); this turns one group's documents (ascending) into its pairs, as LSH does.
pub fn bucket_pairs(docs: &[u32]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for (i, &a) in docs.iter().enumerate() {
        for &b in &docs[i + 1..] {
            out.push((a, b));
        }
    }
    out
}

/// Sorts pairs and drops repeats (the candidate pairs of many buckets).
pub fn unique_pairs(mut pairs: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::pipeline::Run;

    /// The CSV of a whole run of `docs`.
    fn whole(docs: &[Document], settings: &Settings) -> String {
        let corpus = Corpus::new(docs.to_vec());
        let report = Run::default()
            .cluster(&corpus, &settings.score, &settings.config)
            .expect("auto candidates");
        let mut out = Vec::new();
        crate::report::csv::render(&report, &corpus, &mut out).expect("in memory");
        String::from_utf8(out).expect("UTF-8")
    }

    /// The CSV of the same run cut into parts at `cuts`, every stage as a machine of its
    /// own would do it (exact search: no LSH at these sizes).
    fn cut(docs: &[Document], cuts: &[usize], settings: &Settings) -> String {
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(docs.len());
        let parts: Vec<Corpus> = bounds
            .windows(2)
            .map(|w| Corpus::new(docs[w[0]..w[1]].to_vec()))
            .collect();
        let mut counts = Prior::default();
        for p in &parts {
            add_counts(&mut counts, &part_counts(p, &settings.score));
        }
        let facts: Vec<PartFacts> = parts
            .iter()
            .map(|p| part_facts(p, settings, &counts))
            .collect();
        let mut short = Prior::default();
        for f in &facts {
            add_counts(&mut short, &f.short);
        }
        let mut found = Vec::new();
        for i in 0..parts.len() {
            for j in i..parts.len() {
                let states: Vec<&PartState> = if i == j {
                    vec![&facts[i].state]
                } else {
                    vec![&facts[i].state, &facts[j].state]
                };
                let scorer = scorer_of(&states, &settings.score);
                let joined = Joined {
                    scorer: &scorer,
                    first_len: parts[i].len(),
                    offsets: [bounds[i], bounds[j]],
                    alone: i == j,
                };
                found.extend(pairs_between(&joined, settings, &counts, &short));
            }
        }
        let groups = clusters_of(&facts, found, settings, false);
        // Two batches of clusters, each with its members' documents only.
        let half = groups.len().div_ceil(2);
        let mut csv = String::new();
        for (k, batch) in [&groups[..half], &groups[half..]].into_iter().enumerate() {
            if batch.is_empty() {
                continue;
            }
            let offset = if k == 0 { 1 } else { half + 1 };
            let mut members: Vec<usize> = batch.iter().flatten().copied().collect();
            members.sort_unstable();
            let at = |g: usize| members.binary_search(&g).expect("a member");
            let local = batch
                .iter()
                .enumerate()
                .map(|(i, ms)| (offset + i, ms.iter().map(|&m| at(m)).collect()))
                .collect();
            let corpus = Corpus::new(members.iter().map(|&m| docs[m].clone()).collect());
            let report = describe_batch(&corpus, local, settings, &counts);
            let mut out = Vec::new();
            crate::report::csv::render(&report, &corpus, &mut out).expect("in memory");
            let text = String::from_utf8(out).expect("UTF-8");
            csv.push_str(if k == 0 {
                &text
            } else {
                text.split_once('\n').map_or("", |x| x.1)
            });
        }
        csv
    }

    fn settings(score: ScoreConfig) -> Settings {
        let config = ClusterConfig::for_measure(score.measure);
        Settings { score, config }
    }

    #[test]
    #[ignore = "a minute in a debug build; CI runs it in release"]
    fn a_cut_run_equals_the_whole_run_where_rows_are_capped() {
        // 3,200 dated headlines of one template: each meets every other, more than the
        // cap of pairs a row keeps (3,125 at this size) in both searches, so the cut run
        // must cap each row as a whole, from the pairs of every part.
        let docs: Vec<Document> = (0..3200)
            .map(|i| {
                let mut d = Document::new(
                    format!("h{i:04}"),
                    format!(
                        "Harbor bridge closed after cracks found in span {} by crew {}",
                        i % 7,
                        i % 11
                    ),
                );
                d.date = Date::parse(&format!("2025-03-{:02}", 1 + i % 3));
                d
            })
            .collect();
        let s = settings(ScoreConfig::default());
        let want = whole(&docs, &s);
        assert!(want.lines().count() == 3201);
        assert_eq!(cut(&docs, &[1000, 2300], &s), want);
    }

    #[test]
    fn a_cut_run_equals_the_whole_run_on_a_days_coded_notices() {
        // Codes decide whether short dated texts keep their lift (`Scorer::codes_conflict`):
        // a pair across two parts must be judged as in one run.
        let docs: Vec<Document> = (0..24)
            .map(|i| {
                let code = ["HRLM", "PXF", "QTX", "DNSH", "VLP", "OSG"][i % 6];
                // Each company's notices worded differently: not copies of one text.
                let form = ["SETS QUARTERLY DIVIDEND", "QTLY DIV", "SETS PAYOUT"][i / 6 % 3];
                let mut d = Document::new(
                    format!("n{i:02}"),
                    format!(
                        "Qtly div {} cts vs {} cts prior. Pay April 1.",
                        10 + i % 6,
                        10 + i % 6
                    ),
                );
                // Half the companies carry a ticker, half their name in brackets (a code
                // of no weight, in no vector).
                d.title = Some(if i % 2 == 0 {
                    format!("{code} HOLDINGS INC <{code}> {form}")
                } else {
                    format!("<{code} HOLDINGS INC> {form}")
                });
                d.date = Date::parse("1987-03-02");
                d
            })
            .collect();
        let s = settings(ScoreConfig::default());
        let want = whole(&docs, &s);
        let clusters: std::collections::HashSet<&str> = want
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .collect();
        assert_eq!(clusters.len(), 6, "{want}");
        assert_eq!(cut(&docs, &[7, 15], &s), want);
    }

    #[test]
    fn a_cut_run_equals_the_whole_run_on_the_fixtures_for_every_measure() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        for name in ["news", "events4", "events3"] {
            let corpus = crate::ingest::read_inputs(&[format!("{root}/{name}/articles.jsonl")])
                .expect("fixtures read");
            let n = corpus.len();
            for score in [
                ScoreConfig::default(),
                ScoreConfig {
                    window_days: 0,
                    ..ScoreConfig::default()
                },
                ScoreConfig {
                    measure: Measure::Jaccard,
                    shingle: crate::config::ShingleKind::Word(3),
                    window_days: 3,
                },
            ] {
                let s = settings(score);
                let want = whole(&corpus.docs, &s);
                // Stories were found, so equal outputs say something.
                let clusters: std::collections::HashSet<&str> = want
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split(',').next())
                    .collect();
                assert!(
                    s.score.measure != Measure::Story || clusters.len() < n,
                    "{name}"
                );
                for cuts in [vec![n / 2], vec![n / 4, n / 2, 3 * n / 4]] {
                    assert_eq!(cut(&corpus.docs, &cuts, &s), want, "{name} {cuts:?}");
                }
            }
        }
    }
}
