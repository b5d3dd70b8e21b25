//! Stage 5, candidates: which pairs get scored.
//!
//! - [`all_pairs`] is exact: it finds every pair whose score reaches a floor by walking an
//!   inverted index (each document accumulates its overlap with every later document that
//!   shares a term), so pairs with nothing in common cost nothing, yet no pair is missed.
//!   For the story measure this is also what `--candidates index` runs.
//! - [`lsh`] (jaccard only) bands MinHash signatures ([`crate::sketch`]) and verifies every
//!   candidate with the exact measure: the same scores as all-pairs, for the pairs it finds.
//!
//! [`plan`] turns the user's `--candidates` choice into an engine (refusing combinations
//! that cannot be sound), and [`find`] runs it.

mod all_pairs;
pub mod lsh;

pub use all_pairs::{
    AllPairs, EDGE_BUDGET, Guarded, Pair, ROW_MIN, WALK_MIN, WALK_SHARE_DIV, Whole, all_pairs,
    cap_by, cap_row, row_cap, walk_limit,
};

use rayon::prelude::*;

use crate::config::{Candidates, Measure};
use crate::error::{Error, SettingError};
use crate::progress::{Progress, Stage, thousands};
use crate::score::Scorer;
use crate::shingle::{Shingles, normalise_set};
use crate::sketch::BINS;
use lsh::{Banding, choose_banding};

/// From this many documents on, `--candidates auto` uses LSH for `jaccard`. Measured on
/// prefixes of the generated 160k copy corpus (README, "Performance"): the exact index's
/// candidate stage costs 0.03 s at 1,000 documents (LSH 0.01 s), 0.23 s at 5,000 (0.04 s),
/// 5.9 s at 80,000 (0.8 s). LSH is faster from about 1,000 documents on, but below 5,000
/// the whole run takes under half a second either way, and exact results are worth the
/// 0.1 s or less.
pub const LSH_MIN_DOCS: usize = 5_000;
/// LSH needs a threshold at least this high: below it nearly every pair sharing a shingle
/// is a candidate, and the exact index is the better engine.
pub const LSH_MIN_THRESHOLD: f64 = 0.1;

/// The engine that finds the pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Engine {
    /// Every pair through the inverted index (exact).
    Exact,
    /// MinHash + LSH with this banding, candidates verified exactly.
    Lsh(Banding),
}

/// Picks the engine for `mode`, a measure, `docs` documents and the lowest score wanted.
///
/// # Errors
/// [`Error::Setting`] for `lsh` with anything but `jaccard` or with a floor below
/// [`LSH_MIN_THRESHOLD`], and for `index` with a copy measure.
pub fn plan(mode: Candidates, measure: Measure, docs: usize, floor: f64) -> Result<Engine, Error> {
    let lsh = || Engine::Lsh(choose_banding(floor, BINS));
    match (mode, measure) {
        (Candidates::AllPairs, _) | (Candidates::Index, Measure::Story) => Ok(Engine::Exact),
        (Candidates::Auto, Measure::Jaccard)
            if docs >= LSH_MIN_DOCS && floor >= LSH_MIN_THRESHOLD =>
        {
            Ok(lsh())
        }
        (Candidates::Auto, _) => Ok(Engine::Exact),
        (Candidates::Lsh, Measure::Jaccard) if floor >= LSH_MIN_THRESHOLD => Ok(lsh()),
        (Candidates::Lsh, Measure::Jaccard) => Err(Error::Setting(SettingError::LshThreshold {
            min: LSH_MIN_THRESHOLD,
            got: floor,
        })),
        (Candidates::Lsh, Measure::Containment) => {
            Err(Error::Setting(SettingError::LshContainment))
        }
        (Candidates::Lsh, Measure::Story) => Err(Error::Setting(SettingError::LshStory)),
        (Candidates::Index, m) => Err(Error::Setting(SettingError::IndexCopy(m.to_string()))),
    }
}

/// A one-line description of an engine, for `--verbose`.
pub fn describe(engine: &Engine, docs: usize) -> String {
    match engine {
        Engine::Exact => {
            format!(
                "candidates: all-pairs (exact inverted index) over {} documents",
                thousands(docs as u64)
            )
        }
        Engine::Lsh(b) => format!(
            "candidates: lsh over {docs} documents, {} MinHash bins (one-permutation, densified), \
             {} bands x {} rows for Jaccard >= {}: a pair at the threshold is found with \
             probability {:.3}, at {:.2} with {:.4}",
            BINS,
            b.bands,
            b.rows,
            b.threshold,
            b.probability(b.threshold),
            (b.threshold + 0.1).min(1.0),
            b.probability((b.threshold + 0.1).min(1.0))
        ),
    }
}

/// Every pair (`a < b`, sorted) with a symmetric score of at least `floor` that the engine
/// finds; all of them for [`Engine::Exact`].
pub fn find(scorer: &Scorer, engine: &Engine, floor: f64, progress: &dyn Progress) -> Vec<Pair> {
    let mut pairs = find_map(scorer, engine, floor, progress, &Some);
    pairs.sort_unstable_by_key(|p| (p.a, p.b));
    pairs
}

/// [`find`], each pair turned into what the caller keeps of it (or dropped) as soon as it is
/// found, in a fixed order (the same for any thread count) but not sorted.
pub fn find_map<T: Send>(
    scorer: &Scorer,
    engine: &Engine,
    floor: f64,
    progress: &dyn Progress,
    keep: &(dyn Fn(Pair) -> Option<T> + Sync),
) -> Vec<T> {
    match engine {
        Engine::Exact => {
            progress.start(Stage::Candidates, Some(scorer.len() as u64));
            let (pairs, guarded) = AllPairs::new(scorer)
                .with_progress(progress)
                .pairs_guarded_map(floor, keep);
            progress.finish();
            progress.note(&format!(
                "candidates: {} pairs kept",
                thousands(pairs.len() as u64)
            ));
            if guarded.skipped_terms > 0 {
                progress.note(&format!(
                    "candidates: {} terms held by too many documents were not walked ({} \
                     documents or more); pairs sharing only such terms are not linked",
                    guarded.skipped_terms,
                    WALK_MIN.max(scorer.len() / WALK_SHARE_DIV) + 1
                ));
            }
            if guarded.capped_documents > 0 {
                progress.warn(&format!(
                    "{} documents resemble more than {} others; only the {} closest pairs of \
                     each were kept, so clusters of look-alike texts may be split",
                    thousands(guarded.capped_documents as u64),
                    thousands(guarded.cap as u64),
                    thousands(guarded.cap as u64)
                ));
            }
            pairs
        }
        Engine::Lsh(banding) => {
            let pairs = match lsh::shingle_sets(scorer) {
                Some(sets) => {
                    progress.start(Stage::Candidates, None);
                    let cands = lsh::candidates(sets, BINS, banding);
                    let pairs = lsh::verify(scorer, &cands, floor);
                    lsh_done(progress, cands.len(), pairs.len());
                    pairs
                }
                // `plan` gives LSH to jaccard only, whose features are shingle sets.
                None => all_pairs(scorer, floor),
            };
            pairs.into_iter().filter_map(keep).collect()
        }
    }
}

/// [`find`] for shingle sets not sorted yet ([`crate::shingle::word_shingles_unsorted`]),
/// sorting only those the run will compare: with LSH the candidate pairs come from the
/// sets as they are (a signature sees neither order nor repeats), and only the sets of
/// documents in a candidate pair are sorted (the others are let go); the exact engine
/// sorts every set. `scorer` makes the scorer of the sorted sets, which verifies or finds
/// the pairs.
pub fn find_unsorted(
    mut sets: Vec<Shingles>,
    engine: &Engine,
    floor: f64,
    progress: &dyn Progress,
    scorer: impl FnOnce(Vec<Shingles>) -> Scorer,
) -> (Scorer, Vec<Pair>) {
    let Engine::Lsh(banding) = engine else {
        sets.par_iter_mut().for_each(normalise_set);
        let scorer = scorer(sets);
        let pairs = find(&scorer, engine, floor, progress);
        return (scorer, pairs);
    };
    progress.start(Stage::Candidates, None);
    let cands = lsh::candidates(&sets, BINS, banding);
    let mut paired = vec![false; sets.len()];
    for &(a, b) in &cands {
        paired[a as usize] = true;
        paired[b as usize] = true;
    }
    sets.par_iter_mut().zip(&paired).for_each(|(set, &paired)| {
        if paired {
            normalise_set(set);
        } else {
            *set = Vec::new();
        }
    });
    let scorer = scorer(sets);
    let pairs = lsh::verify(&scorer, &cands, floor);
    lsh_done(progress, cands.len(), pairs.len());
    (scorer, pairs)
}

/// Ends the candidate stage of an LSH run, with its counts as a note.
fn lsh_done(progress: &dyn Progress, candidates: usize, kept: usize) {
    progress.advance(candidates as u64);
    progress.finish();
    progress.note(&format!(
        "candidates: {candidates} pairs from LSH buckets, {kept} kept after exact verification"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_refuse_what_cannot_be_sound() {
        use Candidates::*;
        assert_eq!(
            plan(Auto, Measure::Jaccard, 10, 0.5).unwrap(),
            Engine::Exact
        );
        assert!(matches!(
            plan(Auto, Measure::Jaccard, LSH_MIN_DOCS, 0.5).unwrap(),
            Engine::Lsh(_)
        ));
        assert_eq!(
            plan(Auto, Measure::Containment, LSH_MIN_DOCS * 10, 0.8).unwrap(),
            Engine::Exact
        );
        assert_eq!(plan(Index, Measure::Story, 5, 0.1).unwrap(), Engine::Exact);
        assert!(matches!(
            plan(Lsh, Measure::Jaccard, 5, 0.5),
            Ok(Engine::Lsh(_))
        ));
        for (mode, m, floor) in [
            (Lsh, Measure::Story, 0.5),
            (Lsh, Measure::Containment, 0.8),
            (Lsh, Measure::Jaccard, 0.01),
            (Index, Measure::Jaccard, 0.5),
        ] {
            assert!(
                matches!(plan(mode, m, 5, floor), Err(Error::Setting(_))),
                "{mode} {m} {floor}"
            );
        }
    }
}
