//! Stage 4b, sketch: a fixed-length MinHash signature of each shingle set, for the
//! LSH candidate stage of the copy measures ([`crate::candidates::lsh`]).
//!
//! The scheme is one-permutation hashing (OPH) with optimal densification (Shrivastava,
//! "Optimal Densification for Fast and Accurate Minwise Hashing", ICML 2017):
//!
//! - each shingle hash (already a uniform 64-bit value) is mixed once with a fixed
//!   seed; its top bits pick one of `K` bins and the low 32 bits are its value; a bin keeps
//!   the smallest value that falls in it. One pass, O(1) per shingle, whatever `K`;
//! - a bin no shingle fell in borrows the value of another bin, probed by a hash of
//!   `(bin, attempt)` that is the same for every document, so two documents borrow from the
//!   same places and the bins stay comparable.
//!
//! For sets `A` and `B`, the share of equal bins estimates `|A ∩ B| / |A ∪ B|` without
//! bias. Classic MinHash ([`minhash_classic`], kept for the benchmark that justifies the
//! choice) needs `K` hashes per shingle instead of one.
//!
//! Guarantees: signatures depend only on the shingle set and the fixed seeds (never on
//! input order, threads or machine); an empty set gets the [`EMPTY`] signature, which
//! the candidate stage skips.

use rayon::prelude::*;

// SplitMix64's finaliser, the one word shingles end with.
use crate::shingle::{Shingles, finalise as mix};

/// Bins per signature: enough for a sharp S-curve at copy thresholds (at Jaccard 0.5, 53
/// bands of 4 rows find a pair at the threshold with probability 0.967, against 0.873 for
/// the best cut of 128 bins). Cost per shingle does not grow with it (one hash, one bin).
pub const BINS: usize = 256;
/// The value of a bin of an empty set's signature.
pub const EMPTY: u32 = u32::MAX;
/// Fixed seed of the value mix (results never change between runs or machines).
const SEED: u64 = 0x5DEE_CE66_D1CE_4E5B;
/// Fixed seed of the densification probes.
const PROBE_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// The MinHash signatures of a collection, `bins` values per document, packed end to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    /// Values per document.
    pub bins: usize,
    /// `bins` values of document 0, then of document 1, ...
    pub values: Vec<u32>,
}

impl Signatures {
    /// The signature of document `i`.
    pub fn of(&self, i: usize) -> &[u32] {
        &self.values[i * self.bins..(i + 1) * self.bins]
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.bins).unwrap_or(0)
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Signatures of every set, in parallel, in input order; `bins` must be a power of two
/// (at most 2^16).
pub fn sketch(sets: &[Shingles], bins: usize) -> Signatures {
    let mut values = vec![EMPTY; sets.len() * bins];
    values
        .par_chunks_mut(bins)
        .zip(sets.par_iter())
        .for_each(|(out, set)| sketch_into(set, out));
    Signatures { bins, values }
}

/// The OPH signature of one set, written into `out` (whose length is the number of bins,
/// a power of two).
pub fn sketch_into(set: &[u64], out: &mut [u32]) {
    let bins = out.len();
    debug_assert!(bins.is_power_of_two() && bins <= 1 << 16);
    out.fill(EMPTY);
    if set.is_empty() {
        return;
    }
    let shift = 64 - bins.trailing_zeros();
    // Bins start at EMPTY (the largest value), so the minimum needs no flag; `filled`
    // tells a bin that received EMPTY itself from one that received nothing.
    let mut on_stack = [false; BINS];
    let mut on_heap = Vec::new();
    let filled: &mut [bool] = if bins <= BINS {
        &mut on_stack[..bins]
    } else {
        on_heap.resize(bins, false);
        &mut on_heap
    };
    for &h in set {
        let x = mix(h ^ SEED);
        // `shift` is 64 for one bin, where every shingle goes to bin 0.
        let bin = x.checked_shr(shift).unwrap_or(0) as usize;
        out[bin] = out[bin].min(x as u32);
        filled[bin] = true;
    }
    densify(out, filled);
}

/// Probes per bin kept in [`PROBES`]: with `m` of the 256 bins filled, an empty bin needs
/// `256 / m` probes on average, so only texts of a few words go past the table.
const TABLE_PROBES: usize = 32;

/// The first [`TABLE_PROBES`] probes of every bin of a [`BINS`]-bin signature (the same
/// for every document), so that densifying computes no hash for them.
static PROBES: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    (0..BINS)
        .flat_map(|i| (1..=TABLE_PROBES as u64).map(move |attempt| probe(i, attempt, BINS) as u8))
        .collect()
});

/// Attempt `attempt` (from 1) of bin `i`'s probe sequence among `bins` bins.
fn probe(i: usize, attempt: u64, bins: usize) -> usize {
    // `bins` is a power of two: the mask is the remainder, without a division.
    (mix(PROBE_SEED ^ ((i as u64) << 32) ^ attempt) & (bins as u64 - 1)) as usize
}

/// Optimal densification: each empty bin takes the value of the first non-empty bin among
/// a probe sequence that depends only on the bin (and is the same for every document).
fn densify(out: &mut [u32], filled: &[bool]) {
    let bins = out.len();
    if filled.iter().all(|&f| f) {
        return;
    }
    // The table holds bin indexes as bytes, which only 256 bins fit.
    const _: () = assert!(BINS <= 256);
    let table = (bins == BINS).then(|| PROBES.as_slice());
    for i in 0..bins {
        if filled[i] {
            continue;
        }
        // At least one bin is filled (the set is not empty), so this ends; with `m` filled
        // bins it takes `bins / m` probes on average.
        let mut attempt = 1u64;
        loop {
            let j = match table {
                Some(t) if attempt as usize <= TABLE_PROBES => {
                    usize::from(t[i * TABLE_PROBES + attempt as usize - 1])
                }
                _ => probe(i, attempt, bins),
            };
            if filled[j] {
                out[i] = out[j];
                break;
            }
            attempt += 1;
        }
    }
}

/// Classic MinHash with `k` independent hash functions: `k` hashes per shingle. Only for
/// the benchmark that compares it with [`sketch_into`] (same output shape, same estimate,
/// `k` times the work).
pub fn minhash_classic(set: &[u64], k: usize) -> Vec<u32> {
    let seeds: Vec<u64> = (0..k as u64).map(|i| mix(SEED ^ i)).collect();
    let mut out = vec![EMPTY; k];
    for &h in set {
        for (slot, &s) in out.iter_mut().zip(&seeds) {
            let v = mix(h ^ s) as u32;
            if v < *slot {
                *slot = v;
            }
        }
    }
    out
}

/// The share of equal bins of two signatures: the estimate of their sets' Jaccard.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a[0] == EMPTY || b[0] == EMPTY {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        let mut s: Vec<u64> = range
            .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
            .collect();
        s.sort_unstable();
        s
    }

    fn oph(s: &[u64], bins: usize) -> Vec<u32> {
        let mut out = vec![0; bins];
        sketch_into(s, &mut out);
        out
    }

    #[test]
    fn estimate_is_close_to_true_jaccard() {
        // |A ∩ B| = 600, |A ∪ B| = 1400: J = 0.4286. With 1024 bins the standard error is
        // about sqrt(J(1-J)/1024) = 0.015; 0.05 is more than three of them.
        let (a, b) = (set(0..1000), set(400..1400));
        let truth = 600.0 / 1400.0;
        let est = estimate(&oph(&a, 1024), &oph(&b, 1024));
        assert!((est - truth).abs() < 0.05, "{est} vs {truth}");
        let classic = estimate(&minhash_classic(&a, 1024), &minhash_classic(&b, 1024));
        assert!((classic - truth).abs() < 0.05, "{classic} vs {truth}");
    }

    #[test]
    fn densified_small_sets_still_estimate() {
        // 20 shingles in 128 bins leave most bins empty: densification must keep the
        // estimate sane (J = 10 / 30).
        let (a, b) = (set(0..20), set(10..30));
        let est = estimate(&oph(&a, 128), &oph(&b, 128));
        assert!((est - 1.0 / 3.0).abs() < 0.15, "{est}");
        assert!(oph(&a, 128).iter().all(|&v| v != EMPTY));
    }

    #[test]
    fn identical_sets_equal_disjoint_sets_differ() {
        let a = set(0..300);
        assert_eq!(oph(&a, 128), oph(&a.clone(), 128));
        assert_eq!(estimate(&oph(&a, 128), &oph(&a, 128)), 1.0);
        let far = estimate(&oph(&a, 128), &oph(&set(1000..1300), 128));
        assert!(far < 0.05, "{far}");
    }

    #[test]
    fn empty_sets_are_marked_and_match_nothing() {
        let s = sketch(&[vec![], set(0..5)], 64);
        assert_eq!(s.len(), 2);
        assert!(s.of(0).iter().all(|&v| v == EMPTY));
        assert_eq!(estimate(s.of(0), s.of(0)), 0.0);
        assert!(s.of(1).iter().all(|&v| v != EMPTY));
    }

    const PINNED: [u32; 8] = [
        689_010_913,
        2_040_200_019,
        797_516_085,
        1_801_308_100,
        522_978_326,
        314_408_832,
        287_820_283,
        641_335_828,
    ];

    #[test]
    fn the_probe_table_is_the_probe_sequence() {
        for i in [0, 1, 77, BINS - 1] {
            for attempt in 1..=TABLE_PROBES {
                let j = probe(i, attempt as u64, BINS);
                assert_eq!(usize::from(PROBES[i * TABLE_PROBES + attempt - 1]), j);
                // The mask is the remainder the sequence was defined with.
                let defined = mix(PROBE_SEED ^ ((i as u64) << 32) ^ attempt as u64) % BINS as u64;
                assert_eq!(j as u64, defined);
            }
        }
        // Sets small enough to probe past the table, with and without it, densify alike.
        for n in [1u64, 2, 3, 9, 40, 400] {
            let s = set(0..n);
            let table = oph(&s, BINS);
            let mut by_hash = vec![EMPTY; BINS];
            let filled: Vec<bool> = {
                let mut f = vec![false; BINS];
                for &h in &s {
                    let x = mix(h ^ SEED);
                    let bin = (x >> (64 - BINS.trailing_zeros())) as usize;
                    by_hash[bin] = by_hash[bin].min(x as u32);
                    f[bin] = true;
                }
                f
            };
            for i in 0..BINS {
                if !filled[i] {
                    let j = (1..)
                        .map(|a| probe(i, a, BINS))
                        .find(|&j| filled[j])
                        .unwrap();
                    by_hash[i] = by_hash[j];
                }
            }
            assert_eq!(table, by_hash, "{n} shingles");
        }
    }

    #[test]
    fn signatures_are_pinned() {
        // A change here changes every user's LSH candidates: make it deliberately.
        let s = oph(&set(0..50), 8);
        assert_eq!(s, PINNED);
        let again = sketch(&[set(0..50)], 8);
        assert_eq!(again.of(0), &s[..]);
    }
}
