//! Stage 8, explain: what the report says about a clustering beyond its partition — each
//! cluster's similarity statistics, copy groups, cites and shared terms; the collection's
//! score histogram and heat map; each member aligned with its cluster's representative;
//! and the side-by-side comparison of any two documents.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::align::align;
use crate::candidates::AllPairs;
use crate::config::{Measure, ScoreConfig, ShingleKind};
use crate::copies::{copy_groups, copy_groups_of};
use crate::document::{Corpus, Document};
use crate::facts::TextFacts;
use crate::progress::{Progress, Stage};
use crate::report::{ClusterReport, DiffReport, Heatmap, Similarities, StoryCluster};
use crate::score::{Features, Lowering, Scorer};
use crate::shingle::Shingles;
use crate::weigh::{Lexicon, occurrences_where};

/// How much more a multi-word name counts than a single word when listing shared terms.
const PHRASE_DISPLAY: f64 = 2.0;
/// Shared terms listed per cluster.
const SHARED_TERMS: usize = 10;
/// Clusters larger than this get their similarity statistics from a sample of pairs.
const EXACT_STATS_MAX: usize = 400;
/// Bins of the score histogram in the HTML report.
const HISTOGRAM_BINS: usize = 50;
/// The heat map has at most this many cells per side; larger collections are averaged in
/// blocks, which keeps the page small whatever the collection size.
const HEATMAP_MAX: usize = 300;
/// Rows of the similarity matrix computed at once for the report's charts.
const ROW_BLOCK: usize = 256;

/// The report's charts over a clustered collection: the histogram of every pair's score
/// and the heat map, rows in cluster order (each cell the highest score among its pairs).
pub(crate) fn charts(
    scorer: &Scorer,
    clusters: &ClusterReport,
    progress: &dyn Progress,
) -> (Vec<u64>, Heatmap) {
    let n = scorer.len();
    progress.start(Stage::Charts, Some(n as u64));
    // Position of each document when ordered by cluster, and its heat-map block.
    let order: Vec<usize> = clusters
        .clusters
        .iter()
        .flat_map(|c| c.members.iter().copied())
        .collect();
    let size = n.clamp(1, HEATMAP_MAX);
    let mut block = vec![0usize; n];
    for (pos, &doc) in order.iter().enumerate() {
        block[doc] = pos * size / n.max(1);
    }
    let mut histogram = vec![0u64; HISTOGRAM_BINS];
    // Each block shows the highest score among its pairs (a document with itself aside):
    // averaging would wash small stories out once blocks hold several documents.
    let mut cells_max = vec![0.0f64; size * size];
    let engine = AllPairs::new(scorer);
    let mut start = 0;
    while start < n {
        let end = (start + ROW_BLOCK).min(n);
        for (a, row) in (start..end).zip(engine.dense_rows(start..end)) {
            for (b, &v) in row.iter().enumerate() {
                if b > a {
                    let bin = ((v * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
                    histogram[bin] += 1;
                }
                if a != b {
                    let cell = &mut cells_max[block[a] * size + block[b]];
                    *cell = cell.max(v);
                }
            }
        }
        progress.advance((end - start) as u64);
        start = end;
    }
    let mut cells: Vec<u8> = cells_max
        .iter()
        .map(|&v| (v * 63.0).round().clamp(0.0, 63.0) as u8)
        .collect();
    if size == n {
        // One document per cell: the diagonal is the document with itself.
        for i in 0..size {
            cells[i * size + i] = 63;
        }
    }
    progress.finish();
    (histogram, Heatmap { size, cells })
}

/// Diffs one story shows at most: past a few dozen, a reader compares by the member table,
/// and a blob of thousands would otherwise take the whole page.
pub const STORY_DIFFS: usize = 25;

/// How many diffs each cluster gets of `budget` in all: stories in report order (largest
/// first), each up to [`STORY_DIFFS`] of its other members, until the budget is spent.
fn diff_quotas(clusters: &ClusterReport, budget: usize) -> Vec<usize> {
    let mut left = budget;
    clusters
        .clusters
        .iter()
        .map(|c| {
            let n = c.members.len().saturating_sub(1).min(STORY_DIFFS).min(left);
            left -= n;
            n
        })
        .collect()
}

/// Per cluster: its representative and its first other members aligned with it, at most
/// `budget` diffs in all ([`diff_quotas`]): a page of 20,000 articles stays light enough
/// for a browser, and `storydedup diff` compares any other pair.
pub(crate) fn member_diffs<'a>(
    corpus: &'a Corpus,
    scorer: &Scorer,
    clusters: &ClusterReport,
    budget: usize,
    progress: &dyn Progress,
) -> Vec<(usize, Vec<DiffReport<'a>>)> {
    let quotas = diff_quotas(clusters, budget);
    progress.start(Stage::Diffs, Some(quotas.iter().sum::<usize>() as u64));
    let out = clusters
        .clusters
        .par_iter()
        .zip(quotas)
        .map(|(c, quota)| {
            if c.members.len() < 2 {
                return (c.members[0], Vec::new());
            }
            let rep = representative(corpus, &c.members);
            let diffs: Vec<DiffReport<'a>> = c
                .members
                .iter()
                .filter(|&&m| m != rep)
                .take(quota)
                .map(|&m| {
                    let pair = [corpus.docs[rep].clone(), corpus.docs[m].clone()];
                    DiffReport {
                        left: &corpus.docs[rep],
                        right: &corpus.docs[m],
                        similarities: similarities(&pair, story_score(scorer, &pair, rep, m)),
                        alignment: align(&corpus.docs[rep].text, &corpus.docs[m].text),
                    }
                })
                .collect();
            progress.advance(diffs.len() as u64);
            (rep, diffs)
        })
        .collect();
    progress.finish();
    out
}

/// The story score of a pair and what lowered it: from the collection's scorer when it
/// scores stories, else from the pair alone.
fn story_score(scorer: &Scorer, pair: &[Document; 2], a: usize, b: usize) -> (f64, Lowering) {
    if scorer.config.measure == Measure::Story {
        (scorer.score(a, b), scorer.lowering(a, b))
    } else {
        let alone = Scorer::new(pair, ScoreConfig::default());
        (alone.score(0, 1), alone.lowering(0, 1))
    }
}

/// The member the others are compared with: the earliest dated (the likely first report),
/// else the longest; ties go to the earlier in input order.
fn representative(corpus: &Corpus, members: &[usize]) -> usize {
    let key = |m: usize| {
        let d = &corpus.docs[m];
        (
            d.date.map_or(i64::MAX, |x| i64::from(x.days())),
            std::cmp::Reverse(d.text.len()),
            m,
        )
    };
    members.iter().copied().min_by_key(|&m| key(m)).unwrap_or(0)
}

/// Aligns documents `left` and `right` of a corpus; the story score uses the whole corpus'
/// term statistics (`window_days` as configured).
pub fn diff_documents(
    corpus: &Corpus,
    left: usize,
    right: usize,
    window_days: u32,
) -> DiffReport<'_> {
    assert!(!corpus.texts_dropped, "a diff shows the texts");
    let story = Scorer::new(
        &corpus.docs,
        ScoreConfig {
            window_days,
            ..ScoreConfig::default()
        },
    );
    let pair = [corpus.docs[left].clone(), corpus.docs[right].clone()];
    DiffReport {
        left: &corpus.docs[left],
        right: &corpus.docs[right],
        similarities: similarities(
            &pair,
            (story.score(left, right), story.lowering(left, right)),
        ),
        alignment: align(&corpus.docs[left].text, &corpus.docs[right].text),
    }
}

/// Story score (and what lowered it) as given, and the copy measures of a pair computed on
/// the pair alone.
fn similarities(pair: &[Document; 2], (story, lowering): (f64, Lowering)) -> Similarities {
    let copy = Scorer::new(
        pair,
        ScoreConfig {
            measure: Measure::Containment,
            shingle: ShingleKind::Word(5),
            window_days: 0,
        },
    );
    let d = copy.detail(0, 1);
    let jaccard = {
        let (a, b) = (d.a_in_b, d.b_in_a);
        // |A∩B|/|A∪B| from the two containments: 1/J = 1/a + 1/b - 1.
        if a > 0.0 && b > 0.0 {
            1.0 / (1.0 / a + 1.0 / b - 1.0)
        } else {
            0.0
        }
    };
    Similarities {
        story,
        jaccard,
        containment: d.score,
        lowering,
        wall_sentences: pair
            .each_ref()
            .map(|doc| crate::furniture::wall_sentences(&doc.text)),
    }
}

/// Similarity statistics and shared terms of one cluster.
pub(crate) fn describe(
    corpus: &Corpus,
    scorer: &Scorer,
    facts: &TextFacts,
    number: usize,
    members: Vec<usize>,
    shared_terms_through: Option<&Lexicon>,
) -> StoryCluster {
    let k = members.len();
    let mut attachment = vec![0.0; k];
    let (mut min, mut sum, mut count) = (f64::INFINITY, 0.0, 0usize);
    if k > 1 {
        // Every pair for small clusters; a fixed stride of pairs for huge ones.
        let step = if k <= EXACT_STATS_MAX {
            1
        } else {
            k / EXACT_STATS_MAX + 1
        };
        let mut seen = vec![0usize; k];
        for i in 0..k {
            for j in (i + 1..k).step_by(step) {
                let s = scorer.score(members[i], members[j]);
                min = min.min(s);
                sum += s;
                count += 1;
                attachment[i] += s;
                attachment[j] += s;
                seen[i] += 1;
                seen[j] += 1;
            }
        }
        for (a, n) in attachment.iter_mut().zip(&seen) {
            if *n > 0 {
                *a /= *n as f64;
            }
        }
    }
    let (min_similarity, mean_similarity) = if count > 0 {
        (Some(min), Some(sum / count as f64))
    } else {
        (None, None)
    };
    let shared_terms = match shared_terms_through {
        Some(lexicon) if k > 1 => shared_terms(corpus, scorer, &members, lexicon),
        _ => Vec::new(),
    };
    // Copy groups are made of word 5-shingles: the run's own, or those the story measure
    // took while reading the words; else the members' texts are shingled now.
    let copy_sets: Option<&[Shingles]> = match &scorer.features {
        Features::Shingles(sets) if scorer.config.shingle == ShingleKind::Word(5) => Some(sets),
        _ => facts.copy_sets.as_deref(),
    };
    let copies = match copy_sets {
        _ if k < 2 => Vec::new(),
        Some(sets) => {
            let refs: Vec<&[u64]> = members.iter().map(|&m| sets[m].as_slice()).collect();
            let lengths: Vec<usize> = members.iter().map(|&m| facts.lengths[m]).collect();
            copy_groups_of(&corpus.docs, &members, &lengths, &refs)
        }
        None => copy_groups(&corpus.docs, &members),
    };
    // An outlet naming itself ("told the Meridian Press") is no citation.
    let own = |m: usize, name: &str| {
        let bare = |s: &str| {
            s.trim()
                .trim_start_matches("The ")
                .trim_start_matches("the ")
                .to_lowercase()
        };
        corpus.docs[m]
            .source
            .as_deref()
            .is_some_and(|src| bare(src) == bare(name))
    };
    let cites: Vec<Vec<String>> = members
        .iter()
        .map(|&m| {
            facts.cites[m]
                .iter()
                .filter(|c| !own(m, c))
                .cloned()
                .collect()
        })
        .collect();
    let mut cited_sources: Vec<(String, usize)> = Vec::new();
    for c in cites.iter().flatten() {
        match cited_sources.iter_mut().find(|(name, _)| name == c) {
            Some(entry) => entry.1 += 1,
            None => cited_sources.push((c.clone(), 1)),
        }
    }
    cited_sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    StoryCluster {
        number,
        copies,
        cites,
        cited_sources,
        members,
        attachment: if k > 1 {
            attachment.into_iter().map(Some).collect()
        } else {
            vec![None]
        },
        min_similarity,
        mean_similarity,
        shared_terms,
    }
}

/// The salient terms most members share, best first: each term's weight summed over the
/// members holding it, among terms held by at least half the members (and at least two).
fn shared_terms(
    corpus: &Corpus,
    scorer: &Scorer,
    members: &[usize],
    lexicon: &Lexicon,
) -> Vec<String> {
    struct Term {
        holders: usize,
        weight: f64,
        phrase: bool,
        surfaces: Vec<(String, usize)>,
        first_seen: usize,
    }
    // Fx maps: the keys are hashes already, and the order of a map is never read.
    let mut terms: FxHashMap<u64, Term> = FxHashMap::default();
    let mut seen_order = 0usize;
    // Visit members in id order, so ties (and float sums) do not depend on input order.
    let mut by_id = members.to_vec();
    by_id.sort_by(|&a, &b| corpus.docs[a].id.cmp(&corpus.docs[b].id));
    let need = members.len().div_ceil(2).max(2);
    // With term vectors, the terms enough members hold are known before the texts are
    // read again: only their written forms are gathered (the others could never be shown).
    let wanted: Option<FxHashSet<u64>> = match &scorer.features {
        Features::Story(w) => {
            let mut holders: FxHashMap<u32, usize> = FxHashMap::default();
            for &m in members {
                for &(id, _) in &w.vectors[m].terms {
                    *holders.entry(id).or_default() += 1;
                }
            }
            Some(
                holders
                    .into_iter()
                    .filter(|&(_, h)| h >= need)
                    .map(|(id, _)| w.keys[id as usize])
                    .collect(),
            )
        }
        Features::Shingles(_) => None,
    };
    if wanted.as_ref().is_some_and(FxHashSet::is_empty) {
        return Vec::new();
    }
    let keep = |key: u64| wanted.as_ref().is_none_or(|w| w.contains(&key));
    for &m in &by_id {
        let occ = occurrences_where(&corpus.docs[m], &keep, lexicon);
        // The member's weight of each of its terms, by key (a search of the collection's
        // sorted keys per term waited on memory at every step).
        let weights: FxHashMap<u64, f32> = match &scorer.features {
            Features::Story(w) => w.vectors[m]
                .terms
                .iter()
                .map(|&(id, x)| (w.keys[id as usize], x))
                .collect(),
            Features::Shingles(_) => FxHashMap::default(),
        };
        let mut local: FxHashMap<u64, usize> = FxHashMap::default();
        for o in occ {
            *local.entry(o.key).or_default() += 1;
            let t = terms.entry(o.key).or_insert_with(|| {
                seen_order += 1;
                Term {
                    holders: 0,
                    weight: 0.0,
                    phrase: o.phrase,
                    surfaces: Vec::new(),
                    first_seen: seen_order,
                }
            });
            match t.surfaces.iter_mut().find(|(s, _)| *s == o.surface) {
                Some(entry) => entry.1 += 1,
                None => t.surfaces.push((o.surface, 1)),
            }
        }
        for (key, tf) in local {
            let t = terms.get_mut(&key).expect("term recorded above");
            t.holders += 1;
            t.weight += match &scorer.features {
                // The weight without its term-frequency factor: a name said once in each
                // report explains the story as well as one said ten times.
                Features::Story(_) => weights
                    .get(&key)
                    .map_or(0.0, |&x| f64::from(x) / (1.0 + (tf as f64).ln())),
                // Without term weights (copy measures), prefer names and repeated terms.
                Features::Shingles(_) => {
                    (1.0 + (tf as f64).ln()) * if t.phrase { 2.0 } else { 1.0 }
                }
            };
        }
    }
    let mut ranked: Vec<&Term> = terms
        .values()
        .filter(|t| t.holders >= need && t.weight > 0.0)
        .collect();
    // A multi-word name explains a cluster better than its parts: rank it ahead of them.
    let shown = |t: &Term| t.weight * if t.phrase { PHRASE_DISPLAY } else { 1.0 };
    ranked.sort_by(|a, b| {
        shown(b)
            .total_cmp(&shown(a))
            .then(a.first_seen.cmp(&b.first_seen))
    });
    let mut out: Vec<String> = Vec::new();
    let mut covered: Vec<String> = Vec::new();
    for t in ranked {
        // The most frequent surface form; the earliest seen among equals.
        let surface = t
            .surfaces
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|s| s.0.clone())
            .unwrap_or_default();
        let lower = surface.to_lowercase();
        if covered.iter().any(|c| c == &lower) {
            continue;
        }
        let words_of = |s: &str| {
            s.to_lowercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        if !t.phrase && out.iter().any(|o| words_of(o).contains(&lower)) {
            continue;
        }
        let inside = |short: &str, long: &str| {
            let (s, l) = (words_of(short), words_of(long));
            s.len() < l.len() && l.windows(s.len()).any(|w| w == s.as_slice())
        };
        // "Sergey Lavrov" adds nothing after "Foreign Minister Sergey Lavrov".
        if t.phrase && out.iter().any(|o| inside(&surface, o)) {
            continue;
        }
        if t.phrase {
            // A name replaces the single words of it already listed.
            let parts = words_of(&surface);
            out.retain(|o| o.contains(' ') || !parts.contains(&o.to_lowercase()));
        }
        covered.push(lower);
        out.push(surface);
        if out.len() == SHARED_TERMS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::{ClusterConfig, ScoreConfig};
    use crate::document::{Corpus, Document};
    use crate::pipeline::cluster_corpus;

    #[test]
    fn clusters_and_explains_a_tiny_corpus() {
        let texts = [
            (
                "a",
                "Mayor Ines Calder closed the Harbor Bridge on Monday after inspectors found cracks in two steel girders.",
            ),
            (
                "b",
                "Inspectors found cracks in the Harbor Bridge girders, and Mayor Ines Calder shut it on Monday.",
            ),
            (
                "c",
                "The Velda grain harvest failed, and wheat prices rose 40 percent at the Tamsin exchange.",
            ),
        ];
        let corpus = Corpus::new(texts.iter().map(|(i, t)| Document::new(*i, *t)).collect());
        let r = cluster_corpus(
            &corpus,
            &ScoreConfig::default(),
            &ClusterConfig::for_measure(crate::config::Measure::Story),
        );
        assert_eq!(r.clusters.len(), 2);
        assert_eq!(r.clusters[0].members, vec![0, 1]);
        assert!(
            r.clusters[0]
                .shared_terms
                .iter()
                .any(|t| t.contains("Ines Calder")),
            "{:?}",
            r.clusters[0].shared_terms
        );
        assert!(r.clusters[0].min_similarity.unwrap() >= 0.3);
        assert_eq!(r.clusters[1].mean_similarity, None);
    }
}
