//! Stage 4a, shingle: each document's set of hashed word k-shingles or character n-grams,
//! for the copy measures (`jaccard`, `containment`).
//!
//! The hash is fixed and documented so results never change across runs or machines:
//! every normalised word is hashed with XXH3-64 (seed 0) over its UTF-8 bytes; a word
//! k-shingle of words hashed `w_0 .. w_(k-1)` is the SplitMix64 finaliser ([`finalise`])
//! of the polynomial `w_0·P^(k-1) + w_1·P^(k-2) + ... + w_(k-1)` in wrapping 64-bit
//! arithmetic, `P` = [`SHINGLE_BASE`]: a text's shingles then come from one rolling
//! update a word (two multiplications), not a hash of `8·k` bytes each. A character
//! n-gram is XXH3-64 of n characters of the normalised words joined by single spaces
//! (none between characters of ideographic scripts, which are written without them).
//! A document shorter than k words yields one shingle of all its words, so short texts
//! still compare. Output sets are sorted and deduplicated.

use std::ops::Range;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::config::ShingleKind;
use crate::document::Document;
use crate::normalize::normalize_into;
use crate::tokenize::{tokenize, walk_words};

/// The sorted, deduplicated shingle hashes of one document.
pub type Shingles = Vec<u64>;

/// Shingles every document's text, in parallel; the result is in input order.
pub fn shingle(docs: &[Document], kind: ShingleKind) -> Vec<Shingles> {
    docs.par_iter()
        .map(|d| shingle_text(&d.text, kind))
        .collect()
}

/// Normalised words of a text, in order, each with whether it was written right after the
/// previous one (no space: ideographic scripts), which character n-grams respect.
fn words(text: &str) -> Vec<(String, bool)> {
    let t = tokenize(text);
    let mut prev_end = usize::MAX;
    t.tokens
        .iter()
        .filter_map(|tok| {
            let w = tok.norm(text);
            let attached = tok.span.start == prev_end;
            prev_end = tok.span.end;
            (!w.is_empty()).then_some((w, attached))
        })
        .collect()
}

thread_local! {
    /// Per-thread buffers of [`word_hashes_into`]: one word's normalised bytes (ASCII) and
    /// one normalised word (other scripts).
    static BUFFERS: std::cell::RefCell<(Vec<u8>, String)> =
        const { std::cell::RefCell::new((Vec::new(), String::new())) };
    /// Per-thread buffers of one text's word hashes and of its shingles before they are
    /// sorted and deduplicated.
    static HASHES: std::cell::RefCell<(Vec<u64>, Vec<u64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The base of the word shingles' polynomial: odd (so every power of it is invertible
/// modulo 2^64 and no word's hash is lost), with bits spread over the whole word.
pub const SHINGLE_BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijective mix with full avalanche (each output bit depends on
/// every input bit), so the polynomial's low bits, which see only the words' low bits,
/// are spread over the whole shingle hash.
pub fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of every normalised word of `text`, appended to `out`, and each word's byte
/// span to `spans` when asked. No allocation per word: an ASCII word already in lower
/// case (most words) is hashed where it lies; other ASCII words are lower-cased into a
/// buffer; the rest go through [`normalize_into`].
fn word_hashes_into(text: &str, out: &mut Vec<u64>, mut spans: Option<&mut Vec<Range<usize>>>) {
    BUFFERS.with(|cell| {
        let (bytes, buf) = &mut *cell.borrow_mut();
        walk_words(text, |at, word, plain| {
            if let Some(spans) = spans.as_deref_mut() {
                spans.push(at..at + word.len());
            }
            let w = word.as_bytes();
            let hash = if plain {
                xxh3_64(w)
            } else if !word.is_ascii() {
                normalize_into(word, buf);
                if buf.is_empty() {
                    return;
                }
                xxh3_64(buf.as_bytes())
            } else if w
                .iter()
                .all(|&c| !c.is_ascii_uppercase() && c != b'`' && c != 0)
            {
                xxh3_64(w)
            } else {
                // What normalisation does to ASCII: lower case, the grave accent is an
                // apostrophe, NUL is dropped (a word starts with a letter or digit, so it
                // never ends up empty).
                bytes.clear();
                bytes.extend(w.iter().filter(|&&c| c != 0).map(|&c| match c {
                    b'`' => b'\'',
                    c => c.to_ascii_lowercase(),
                }));
                xxh3_64(bytes)
            };
            out.push(hash);
        });
    });
}

/// The word k-shingle set of `text` (sorted, deduplicated), with the byte span of every
/// word left in `spans` (cleared first) when given: the citation finder reads the same
/// words, so a text is walked once for both.
pub fn word_shingles_with_spans(
    text: &str,
    k: usize,
    spans: Option<&mut Vec<Range<usize>>>,
) -> Shingles {
    word_shingles_of(text, k, spans, true)
}

/// [`word_shingles_with_spans`] as the text gives them: in text order, repeats kept. The
/// same set once [`normalise_set`] has sorted it; until then enough for a MinHash
/// signature (which sees neither order nor repeats), for a run that sorts only the sets
/// it compares exactly.
pub fn word_shingles_unsorted(
    text: &str,
    k: usize,
    spans: Option<&mut Vec<Range<usize>>>,
) -> Shingles {
    word_shingles_of(text, k, spans, false)
}

/// The word k-shingle set (sorted, deduplicated) of a text whose words' hashes are known
/// (XXH3-64 of each normalised word, words normalisation empties left out): the same set
/// as [`word_shingles_with_spans`] gives from the text, for a stage that has hashed the
/// words already (the story measure's weighing).
pub fn word_shingles_of_hashes(hashes: &[u64], k: usize) -> Shingles {
    HASHES.with(|cell| {
        let (_, shingles) = &mut *cell.borrow_mut();
        shingles.clear();
        word_shingles_into(hashes, k, shingles);
        normalise_set(shingles);
        shingles.to_vec()
    })
}

/// Sorts and deduplicates a set of [`word_shingles_unsorted`] in place.
pub fn normalise_set(set: &mut Shingles) {
    sort_hashes(set);
    set.dedup();
}

fn word_shingles_of(
    text: &str,
    k: usize,
    mut spans: Option<&mut Vec<Range<usize>>>,
    sorted: bool,
) -> Shingles {
    if let Some(spans) = spans.as_deref_mut() {
        spans.clear();
    }
    HASHES.with(|cell| {
        let (hashes, shingles) = &mut *cell.borrow_mut();
        hashes.clear();
        word_hashes_into(text, hashes, spans);
        shingles.clear();
        word_shingles_into(hashes, k, shingles);
        if sorted {
            normalise_set(shingles);
        }
        // The set is kept to the end of the run: one allocation of its final size (a
        // growing vector cost a tenth of a copy-level run in reallocations).
        shingles.to_vec()
    })
}

thread_local! {
    /// Per-thread buffers of [`sort_hashes`]: bucket counts and the scattered values.
    static SORT_BUFFERS: std::cell::RefCell<(Vec<u32>, Vec<u64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Sorts hash values (uniform over `u64`) in O(n): one counting pass on the top bits puts
/// each value in its bucket, about one value a bucket, and an insertion sort then fixes
/// the order inside buckets. A comparison sort costs several times more on the few
/// hundred shingles of an article. The result never depends on the values being uniform,
/// only the speed does; very small and very large inputs take the comparison sort.
pub(crate) fn sort_hashes(v: &mut [u64]) {
    let n = v.len();
    if !(64..=1 << 16).contains(&n) {
        v.sort_unstable();
        return;
    }
    // About one bucket per value.
    let bits = usize::BITS - n.leading_zeros();
    let shift = 64 - bits;
    SORT_BUFFERS.with(|cell| {
        let (counts, out) = &mut *cell.borrow_mut();
        counts.clear();
        counts.resize((1 << bits) + 1, 0);
        for &x in v.iter() {
            counts[(x >> shift) as usize + 1] += 1;
        }
        for b in 1..counts.len() {
            counts[b] += counts[b - 1];
        }
        out.clear();
        out.resize(n, 0);
        for &x in v.iter() {
            let slot = &mut counts[(x >> shift) as usize];
            out[*slot as usize] = x;
            *slot += 1;
        }
        // Values are in bucket order: only neighbours within a bucket can be out of order.
        for i in 1..n {
            let x = out[i];
            let mut j = i;
            while j > 0 && out[j - 1] > x {
                out[j] = out[j - 1];
                j -= 1;
            }
            out[j] = x;
        }
        v.copy_from_slice(out);
    });
}

/// The shingle set of one text.
///
/// ```
/// use storydedup::{config::ShingleKind, shingle::shingle_text};
/// let a = shingle_text("The quick brown fox", ShingleKind::Word(2));
/// assert_eq!(a.len(), 3);
/// assert_eq!(a, shingle_text("the QUICK brown fox!", ShingleKind::Word(2)));
/// ```
pub fn shingle_text(text: &str, kind: ShingleKind) -> Shingles {
    match kind {
        ShingleKind::Word(k) => word_shingles_with_spans(text, k, None),
        ShingleKind::Char(n) => {
            let mut out = char_shingles(&words(text), n);
            sort_hashes(&mut out);
            out.dedup();
            out
        }
    }
}

/// The hashes of every run of `k` words (all of them when there are fewer), from the
/// words' hashes, appended to `out`: the polynomial of each run from the one before, by
/// taking the leaving word's term out and the arriving word's in.
fn word_shingles_into(hashes: &[u64], k: usize, out: &mut Vec<u64>) {
    let n = hashes.len();
    if n == 0 {
        return;
    }
    let k = k.clamp(1, n);
    // The leaving word's factor, P^(k-1).
    let top = SHINGLE_BASE.wrapping_pow(k as u32 - 1);
    let mut poly = hashes[..k].iter().fold(0u64, |acc, &w| {
        acc.wrapping_mul(SHINGLE_BASE).wrapping_add(w)
    });
    out.reserve(n - k + 1);
    out.push(finalise(poly));
    for (&leaving, &arriving) in hashes.iter().zip(&hashes[k..]) {
        poly = poly
            .wrapping_sub(leaving.wrapping_mul(top))
            .wrapping_mul(SHINGLE_BASE)
            .wrapping_add(arriving);
        out.push(finalise(poly));
    }
}

fn char_shingles(words: &[(String, bool)], n: usize) -> Vec<u64> {
    if words.is_empty() {
        return Vec::new();
    }
    let mut joined = String::new();
    for (i, (w, attached)) in words.iter().enumerate() {
        if i > 0 && !attached {
            joined.push(' ');
        }
        joined.push_str(w);
    }
    let bounds: Vec<usize> = joined
        .char_indices()
        .map(|(i, _)| i)
        .chain([joined.len()])
        .collect();
    let chars = bounds.len() - 1;
    let n = n.clamp(1, chars);
    (0..=chars - n)
        .map(|i| xxh3_64(&joined.as_bytes()[bounds[i]..bounds[i + n]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::for_each_word;

    #[test]
    fn word_shingles_count_and_ignore_typography() {
        let a = shingle_text("One two three four five six", ShingleKind::Word(5));
        assert_eq!(a.len(), 2);
        let b = shingle_text("one TWO three—four five six", ShingleKind::Word(5));
        assert_eq!(a, b, "an em dash separates words like a space");
        let c = shingle_text("ONE two, three four. Five six", ShingleKind::Word(5));
        assert_eq!(a, c);
    }

    #[test]
    fn short_texts_get_one_shingle_and_empty_none() {
        assert_eq!(shingle_text("just two", ShingleKind::Word(5)).len(), 1);
        assert!(shingle_text("  ... ", ShingleKind::Word(5)).is_empty());
    }

    #[test]
    fn char_ngrams_cover_word_boundaries() {
        let s = shingle_text("ab cd", ShingleKind::Char(3));
        // "ab ", "b c", " cd"
        assert_eq!(s.len(), 3);
        assert_eq!(shingle_text("日本語", ShingleKind::Char(2)).len(), 2);
    }

    /// Word shingles as the documentation defines them, the slow way: every word
    /// normalised and hashed, and each run of `k` word hashes' polynomial summed term by
    /// term, then finalised.
    fn reference(text: &str, k: usize) -> Shingles {
        let mut words = Vec::new();
        for_each_word(text, |_, w| words.push(crate::normalize::normalize(w)));
        let hashes: Vec<u64> = words
            .iter()
            .filter(|w| !w.is_empty())
            .map(|w| xxh3_64(w.as_bytes()))
            .collect();
        if hashes.is_empty() {
            return Vec::new();
        }
        let k = k.clamp(1, hashes.len());
        let mut out: Vec<u64> = hashes
            .windows(k)
            .map(|win| {
                // The polynomial written out, term by term.
                let poly = win.iter().enumerate().fold(0u64, |acc, (j, &w)| {
                    let power = SHINGLE_BASE.wrapping_pow((k - 1 - j) as u32);
                    acc.wrapping_add(w.wrapping_mul(power))
                });
                finalise(poly)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// The fast path (plain words hashed where they lie, capitals lower-cased in a
        /// buffer, the rest normalised) gives the documented shingles, and the spans it
        /// keeps for citations are the words' spans.
        #[test]
        fn fast_shingles_equal_the_definition(
            text in "[a-dA-D0-3 .,'`’\\-\u{0}\u{200B}éÉ東ＡＢ\n]{0,80}",
            raw in "\\PC{0,80}",
            k in 1usize..6,
        ) {
            for t in [&text, &raw] {
                let mut spans = Vec::new();
                let fast = word_shingles_with_spans(t, k, Some(&mut spans));
                proptest::prop_assert_eq!(&fast, &reference(t, k));
                proptest::prop_assert_eq!(&fast, &shingle_text(t, ShingleKind::Word(k)));
                let mut words = Vec::new();
                for_each_word(t, |at, w| words.push(at..at + w.len()));
                proptest::prop_assert_eq!(&spans, &words);
                proptest::prop_assert_eq!(crate::cites::cites_in(t, &spans), crate::cites::cites(t));
            }
        }
    }

    proptest::proptest! {
        /// The bucket sort sorts, whatever the values (uniform, clustered, repeated) and
        /// the length (both sides of the comparison-sort cut-offs).
        #[test]
        fn bucket_sort_sorts(
            mut v in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..3000),
            few in proptest::collection::vec(0u64..8, 0..300),
            shift in 0u32..64,
        ) {
            for mut w in [v.clone(), few.iter().map(|x| x << shift).collect::<Vec<u64>>()] {
                let mut expected = w.clone();
                expected.sort_unstable();
                sort_hashes(&mut w);
                proptest::prop_assert_eq!(&w, &expected);
            }
            v.truncate(0);
        }
    }

    #[test]
    fn bucket_sort_handles_large_inputs() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut v: Vec<u64> = (0..70_000)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_unstable();
        sort_hashes(&mut v[..5000]);
        assert!(v[..5000].windows(2).all(|w| w[0] <= w[1]));
        sort_hashes(&mut v);
        assert_eq!(v, expected);
    }

    #[test]
    fn hash_is_stable() {
        // Pinned so that a change of hash (which would change every user's results) is
        // a deliberate decision, not an accident.
        let word = xxh3_64(b"lavrov");
        assert_eq!(word, 7_486_930_130_808_925_498);
        assert_eq!(
            shingle_text("Lavrov", ShingleKind::Word(5)),
            [finalise(word)]
        );
        // Changed deliberately once (word k-shingles were XXH3-64 of their word hashes'
        // bytes; the rolling polynomial costs two multiplications a word instead).
        let two = SHINGLE_BASE
            .wrapping_mul(word)
            .wrapping_add(xxh3_64(b"met"));
        assert_eq!(
            shingle_text("Lavrov met", ShingleKind::Word(2)),
            [finalise(two)]
        );
        assert_eq!(finalise(two), 7_347_489_433_142_969_493);
    }
}
