//! LSH banding over MinHash signatures ([`crate::sketch`]): the sub-quadratic candidate
//! stage of `jaccard`.
//!
//! A signature of `bands x rows` bins is cut into `bands` bands of `rows` bins; two
//! documents whose bins agree on a whole band become a candidate pair. A pair of Jaccard
//! `s` is found with probability `1 - (1 - s^rows)^bands`, an S-curve; [`choose_banding`]
//! places it for a threshold by minimising the weighted areas of missed pairs above the
//! threshold and of useless pairs below it. Buckets are formed by sorting `(band hash,
//! document)` arrays, one band at a time, not with hash maps.
//!
//! Every candidate is then scored with the exact measure ([`Scorer::detail`]), so a pair
//! that comes out has exactly the score all-pairs gives it: precision is that of
//! all-pairs; only recall can be lower, by the pairs no band caught.
//!
//! Not for `containment`: `|A ∩ B| >= t·|A|` bounds the Jaccard only through the sizes
//! (`J >= t·|A| / (|A| + |B| - t·|A|)`, near 0 for a short text inside a long one), so a
//! Jaccard S-curve would miss such pairs; [`super::plan`] refuses the combination and
//! `auto` uses the exact index there.
//!
//! Guarantees: pairs sorted by `(a, b)`, `a < b`; seeds fixed; identical for any thread
//! count.

use rayon::prelude::*;

use crate::score::{Features, Scorer};
use crate::sketch::sketch_into;

use super::Pair;

/// How much a missed pair (above the threshold) weighs against a useless candidate (below
/// it) when placing the S-curve. A useless candidate costs one exact check; a missed pair
/// is a wrong answer, so misses weigh 19 times more (at 0.9, 128 bins and Jaccard 0.5,
/// LSH found 97.8% of the pairs of a 20k copy corpus; at 0.95 and 256 bins, see README).
const MISS_WEIGHT: f64 = 0.95;
/// Steps of the numerical integration of the S-curve's areas.
const STEPS: usize = 400;

/// The cut of a signature into bands, and the threshold it was chosen for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Banding {
    /// Bands: a pair is a candidate when one band agrees entirely.
    pub bands: usize,
    /// Bins per band.
    pub rows: usize,
    /// The Jaccard threshold the cut was chosen for.
    pub threshold: f64,
}

impl Banding {
    /// The probability that a pair of Jaccard `s` becomes a candidate.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }
}

/// The cut of `bins` signature bins into `bands x rows` (at most `bins`) whose S-curve best
/// fits `threshold`: the one of least weighted useless and missed area (ties: fewer bins)
/// — the area under the curve below the threshold (candidates that fail verification)
/// and above it beyond the threshold (pairs never found).
pub fn choose_banding(threshold: f64, bins: usize) -> Banding {
    let t = threshold.clamp(0.0, 1.0);
    // The midpoints of the two integrals' steps, below and above the threshold.
    let points = |from: f64, to: f64| -> Vec<f64> {
        let step = (to - from) / STEPS as f64;
        (0..STEPS).map(|i| from + (i as f64 + 0.5) * step).collect()
    };
    let (below, above) = (points(0.0, t), points(t, 1.0));
    let (step_below, step_above) = (t / STEPS as f64, (1.0 - t) / STEPS as f64);
    let mut best: Option<(f64, Banding)> = None;
    let (mut miss_below, mut miss_above) = (vec![0.0; STEPS], vec![0.0; STEPS]);
    for rows in 1..=bins {
        // A pair of similarity s escapes one band with probability 1 - s^rows, and all
        // `bands` of them with its power: kept band by band, one product a point per
        // banding (a power per point and banding took 13 ms a call; the same choices
        // for every threshold from 0.05 to 0.99 and 64, 128 and 256 bins).
        let escape = |s: &f64| 1.0 - s.powi(rows as i32);
        let one_below: Vec<f64> = below.iter().map(escape).collect();
        let one_above: Vec<f64> = above.iter().map(escape).collect();
        miss_below.fill(1.0);
        miss_above.fill(1.0);
        for bands in 1..=bins / rows {
            for (m, q) in miss_below.iter_mut().zip(&one_below) {
                *m *= q;
            }
            for (m, q) in miss_above.iter_mut().zip(&one_above) {
                *m *= q;
            }
            let useless = miss_below.iter().map(|m| 1.0 - m).sum::<f64>() * step_below;
            let missed = miss_above.iter().sum::<f64>() * step_above;
            let cost = (1.0 - MISS_WEIGHT) * useless + MISS_WEIGHT * missed;
            if best.is_none_or(|(c, _)| cost < c) {
                let b = Banding {
                    bands,
                    rows,
                    threshold: t,
                };
                best = Some((cost, b));
            }
        }
    }
    best.map_or(
        Banding {
            bands: 1,
            rows: 1,
            threshold: t,
        },
        |(_, b)| b,
    )
}

/// Mixes a band's bins into one 32-bit bucket key (fixed). Two different bands colliding
/// on a key only adds a candidate, which verification then drops.
fn band_key(band: &[u32]) -> u32 {
    let mut h = 0x2545_F491_4F6C_DD1Du64;
    for &v in band {
        h ^= u64::from(v);
        h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (h ^ (h >> 31)) as u32
}

/// The band keys of every set, `bands` per document (document-major), computed straight
/// from the shingle sets: each signature lives only while its keys are taken, so memory
/// holds 4 bytes per band and document instead of 4 per bin. A document with no shingle
/// gets `NO_KEY` keys.
pub fn band_keys(sets: &[Vec<u64>], bins: usize, banding: &Banding) -> Vec<u32> {
    let bands = banding.bands;
    let mut keys = vec![NO_KEY; sets.len() * bands];
    keys.par_chunks_mut(bands)
        .zip(sets.par_iter())
        .for_each_init(
            || vec![0u32; bins],
            |sig, (out, set)| {
                if set.is_empty() {
                    return;
                }
                sketch_into(set, sig);
                for (band, key) in out.iter_mut().enumerate() {
                    *key = band_key(&sig[band * banding.rows..(band + 1) * banding.rows]);
                }
            },
        );
    keys
}

/// The band key of a document without shingles (it takes no part in banding). A real key
/// equal to it only loses that band for that document.
const NO_KEY: u32 = u32::MAX;

/// Documents per tile of [`by_band`]: a tile's keys, read and written, stay in the cache.
const TILE: usize = 64;

/// The band keys of `n` documents (document by document) laid out band by band, so that
/// each band's pass reads its keys in a row: read in place, every band's pass touched
/// every cache line of the whole array.
fn by_band(keys: &[u32], n: usize, bands: usize) -> Vec<u32> {
    let mut out = vec![NO_KEY; keys.len()];
    for start in (0..n).step_by(TILE) {
        let end = (start + TILE).min(n);
        for band in 0..bands {
            for d in start..end {
                out[band * n + d] = keys[d * bands + band];
            }
        }
    }
    out
}

/// The candidate pairs `(a, b)`, `a < b`, sorted and without repeats: documents whose
/// signatures agree on at least one band. Documents without shingles take no part.
pub fn candidates(sets: &[Vec<u64>], bins: usize, banding: &Banding) -> Vec<(u32, u32)> {
    let n = sets.len();
    let bands = banding.bands;
    let keys = by_band(&band_keys(sets, bins, banding), n, bands);
    let per_band: Vec<Vec<u64>> = (0..bands)
        .into_par_iter()
        // One buffer of entries per thread, reused band after band (a fresh one per band
        // was fresh memory, page by page, every time).
        .map_init(Vec::new, |entries: &mut Vec<u64>, band| {
            // (key, document) packed in one u64, so one integer sort forms the buckets
            // with documents ascending inside each.
            entries.clear();
            entries.extend(
                keys[band * n..(band + 1) * n]
                    .iter()
                    .enumerate()
                    .filter(|&(_, &key)| key != NO_KEY)
                    .map(|(d, &key)| u64::from(key) << 32 | d as u64),
            );
            entries.sort_unstable();
            let mut pairs = Vec::new();
            for bucket in entries.chunk_by(|x, y| x >> 32 == y >> 32) {
                for (i, &a) in bucket.iter().enumerate() {
                    for &b in &bucket[i + 1..] {
                        pairs.push((a & 0xFFFF_FFFF) << 32 | (b & 0xFFFF_FFFF));
                    }
                }
            }
            pairs.sort_unstable();
            pairs.dedup();
            pairs
        })
        .collect();
    drop(keys);
    let mut all: Vec<u64> = per_band.concat();
    drop(per_band);
    all.par_sort_unstable();
    all.dedup();
    all.into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

/// The candidates of [`candidates`] scored exactly, keeping those whose symmetric score
/// is at least `min_score`; sorted by `(a, b)`.
pub fn verify(scorer: &Scorer, pairs: &[(u32, u32)], min_score: f64) -> Vec<Pair> {
    let kept: Vec<Vec<Pair>> = pairs
        .par_chunks(4096)
        .map(|chunk| {
            chunk
                .iter()
                .filter_map(|&(a, b)| {
                    let detail = scorer.detail(a as usize, b as usize);
                    (detail.score >= min_score).then_some(Pair { a, b, detail })
                })
                .collect()
        })
        .collect();
    kept.concat()
}

/// The shingle sets of a copy-measure scorer (`None` for the story measure).
pub fn shingle_sets(scorer: &Scorer) -> Option<&[Vec<u64>]> {
    match &scorer.features {
        Features::Shingles(sets) => Some(sets),
        Features::Story(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::candidates::all_pairs;
    use crate::config::{Measure, ScoreConfig, ShingleKind};
    use crate::document::Document;
    use crate::sketch::BINS;

    #[test]
    fn banding_is_sane() {
        for t in [0.3, 0.5, 0.7, 0.9] {
            let b = choose_banding(t, BINS);
            assert!(b.bands * b.rows <= BINS, "{b:?}");
            // Pairs at the threshold are found most of the time, pairs above it almost
            // surely, pairs far below it seldom.
            assert!(b.probability(t) > 0.9, "{b:?}");
            assert!(b.probability((t + 0.15).min(1.0)) > 0.999, "{b:?}");
            assert!(b.probability(t / 4.0) < 0.3, "{b:?}");
        }
        // A higher threshold asks for more rows per band.
        assert!(choose_banding(0.8, BINS).rows > choose_banding(0.3, BINS).rows);
    }

    fn words(seed: u64, n: usize) -> Vec<String> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                format!("w{}", s % 5000)
            })
            .collect()
    }

    fn corpus() -> Vec<Document> {
        let mut docs = Vec::new();
        for i in 0..40u64 {
            docs.push(words(i + 1, 200));
        }
        // Planted near-copies: doc 40 is doc 3 with a few words changed, doc 41 doc 17 cut.
        let mut copy = docs[3].clone();
        for w in copy.iter_mut().step_by(40) {
            *w = "changed".into();
        }
        docs.push(copy);
        docs.push(docs[17][..150].to_vec());
        docs.into_iter()
            .enumerate()
            .map(|(i, w)| Document::new(format!("d{i}"), w.join(" ")))
            .chain([Document::new("empty", "")])
            .collect()
    }

    fn scorer(docs: &[Document]) -> Scorer {
        Scorer::new(
            docs,
            ScoreConfig {
                measure: Measure::Jaccard,
                shingle: ShingleKind::Word(5),
                window_days: 0,
            },
        )
    }

    #[test]
    fn lsh_finds_the_planted_pairs() {
        let docs = corpus();
        let s = scorer(&docs);
        let cands = candidates(shingle_sets(&s).unwrap(), BINS, &choose_banding(0.5, BINS));
        assert!(cands.contains(&(3, 40)), "{cands:?}");
        assert!(cands.contains(&(17, 41)), "{cands:?}");
        assert!(cands.windows(2).all(|w| w[0] < w[1]));
        assert!(cands.iter().all(|&(a, b)| a < b && b != 42));
    }

    #[test]
    fn verified_pairs_equal_all_pairs() {
        let docs = corpus();
        let s = scorer(&docs);
        let sets = shingle_sets(&s).unwrap();
        for t in [0.3, 0.5, 0.7] {
            let found = verify(&s, &candidates(sets, BINS, &choose_banding(t, BINS)), t);
            let exact = all_pairs(&s, t);
            assert!(!exact.is_empty());
            assert_eq!(found, exact, "threshold {t}");
        }
    }
}
