//! The per-thread table of short words the weigh stage remembers: open addressing with
//! linear probing, each slot holding the word and its value side by side.
//!
//! Why not a general hash map: a collection's distinct words (70,000 in 10,000 generated
//! articles) fill megabytes, far more than a core's own cache, so most look-ups of a word
//! not met in the last few documents wait for memory. A general map waits twice (its
//! control bytes, then the entry, in another array); here one slot holds both, and a
//! text's words can all be asked for ([`ShortWords::prefetch`]) before the first is read,
//! so their waits overlap instead of following one another.

use std::ops::Range;

/// A word of at most [`INLINE`] bytes, zero-padded, its length in the last byte: a key
/// compared and hashed as two integers, with no pointer to follow. The empty word is
/// never a key (all zeros marks a free slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InlineWord([u64; 2]);

/// Bytes of a word kept inside a key (longer words go elsewhere).
pub const INLINE: usize = 15;

impl InlineWord {
    /// The key of `word`, unless it is empty or longer than [`INLINE`] bytes.
    pub fn new(word: &str) -> Option<InlineWord> {
        let b = word.as_bytes();
        if b.is_empty() || b.len() > INLINE {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[..b.len()].copy_from_slice(b);
        bytes[15] = b.len() as u8;
        Some(InlineWord([half(&bytes, 0), half(&bytes, 1)]))
    }

    /// [`Self::new`] of `text[span]`, read straight from the text as two integers when
    /// the text has sixteen bytes from the word's start on: copying a word byte by byte into a buffer
    /// and reading the buffer back as integers makes the processor wait for the copy.
    pub fn within(text: &str, span: Range<usize>) -> Option<InlineWord> {
        let len = span.len();
        if len == 0 || len > INLINE {
            return None;
        }
        let Some(window) = text.as_bytes().get(span.start..span.start + 16) else {
            return InlineWord::new(&text[span]);
        };
        // The bytes of the word, the rest zero; its length in the last byte.
        let keep = |n: usize| match n {
            0 => 0,
            8.. => u64::MAX,
            n => (1u64 << (8 * n)) - 1,
        };
        let lo = half(window, 0) & keep(len);
        let hi = (half(window, 1) & keep(len.saturating_sub(8))) | ((len as u64) << 56);
        Some(InlineWord([lo, hi]))
    }

    /// A well-mixed hash: the table takes its top bits.
    pub fn hash(self) -> u64 {
        let mut h = self.0[0]
            ^ self.0[1]
                .rotate_left(32)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h.wrapping_mul(0xC4CE_B9FE_1A85_EC53)
    }

    fn is_free(self) -> bool {
        self.0 == [0, 0]
    }
}

/// The `i`-th little-endian integer of eight bytes of `b`.
fn half(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("eight bytes"))
}

/// Short words and a plain value each. Grows by doubling, at most 70% full.
pub struct ShortWords<V> {
    slots: Vec<(InlineWord, V)>,
    /// 64 minus log2 of the slot count: a hash's top bits pick the first slot.
    shift: u32,
    len: usize,
}

impl<V: Copy + Default> Default for ShortWords<V> {
    fn default() -> Self {
        ShortWords::with_slots(1 << 10)
    }
}

impl<V: Copy + Default> ShortWords<V> {
    fn with_slots(slots: usize) -> Self {
        debug_assert!(slots.is_power_of_two() && slots >= 2);
        ShortWords {
            slots: vec![(InlineWord([0, 0]), V::default()); slots],
            shift: 64 - slots.trailing_zeros(),
            len: 0,
        }
    }

    /// Words held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Words the table holds before it grows to `slots` slots (a power of two).
    pub const fn holds_below(slots: usize) -> usize {
        slots * 7 / 10
    }

    fn first_slot(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// The value of `k` (whose [`InlineWord::hash`] is `hash`), if held.
    pub fn get(&self, k: InlineWord, hash: u64) -> Option<V> {
        debug_assert_eq!(hash, k.hash());
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(hash);
        loop {
            let (word, value) = self.slots[i];
            if word == k {
                return Some(value);
            }
            if word.is_free() {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Holds `value` for `k` (hashed `hash`; not held yet).
    pub fn insert(&mut self, k: InlineWord, hash: u64, value: V) {
        debug_assert!(self.get(k, hash).is_none(), "{k:?} is held already");
        if self.len + 1 > Self::holds_below(self.slots.len()) {
            self.grow();
        }
        self.place(k, hash, value);
        self.len += 1;
    }

    fn place(&mut self, k: InlineWord, hash: u64, value: V) {
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(hash);
        while !self.slots[i].0.is_free() {
            i = (i + 1) & mask;
        }
        self.slots[i] = (k, value);
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, ShortWords::with_slots(self.slots.len() * 2));
        self.len = old.len;
        for (k, v) in old.slots {
            if !k.is_free() {
                self.place(k, k.hash(), v);
            }
        }
    }

    /// Asks the processor to bring the slot where the look-up of a word hashed `hash`
    /// starts into its cache, without waiting for it.
    pub fn prefetch(&self, hash: u64) {
        let slot = &self.slots[self.first_slot(hash)];
        let first = std::ptr::from_ref(slot).cast::<u8>();
        // A slot can straddle two cache lines: ask for the one holding its last byte too.
        let last = first.wrapping_add(size_of::<(InlineWord, V)>() - 1);
        prefetch(first);
        prefetch(last);
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
#[inline]
fn prefetch(p: *const u8) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // SAFETY: a prefetch is only a hint: it never faults, even on an address that is not
    // mapped, and changes nothing the program can see. SSE is enabled (the cfg above).
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
#[inline]
fn prefetch(_: *const u8) {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn empty_and_long_words_are_not_keys() {
        assert_eq!(InlineWord::new(""), None);
        assert_eq!(InlineWord::new(&"x".repeat(INLINE + 1)), None);
        assert!(InlineWord::new(&"x".repeat(INLINE)).is_some());
        // Zero bytes inside a word keep it apart from the shorter word.
        assert_ne!(InlineWord::new("a\0"), InlineWord::new("a"));
        assert_eq!(InlineWord::within("a b", 1..1), None);
    }

    proptest! {
        /// A word read in place from its text is keyed as the word alone is, wherever
        /// it sits (near the end the text has fewer than sixteen bytes to read).
        #[test]
        fn keys_read_in_place_equal_keys_of_copies(
            text in "[a-z\u{e9}\u{2019} \0]{0,40}",
            at in 0usize..60,
            len in 0usize..20,
        ) {
            let start = at.min(text.len());
            let end = (start + len).min(text.len());
            if text.is_char_boundary(start) && text.is_char_boundary(end) {
                prop_assert_eq!(
                    InlineWord::within(&text, start..end),
                    InlineWord::new(&text[start..end])
                );
            }
        }

        /// The table answers as a standard map does, through any number of growths.
        #[test]
        fn answers_as_a_map(words in proptest::collection::vec("[a-c\u{e9}\0]{1,6}", 0..3000)) {
            let mut table: ShortWords<u32> = ShortWords::default();
            let mut map: HashMap<InlineWord, u32> = HashMap::new();
            for (i, w) in words.iter().enumerate() {
                let Some(k) = InlineWord::new(w) else { continue };
                let h = k.hash();
                table.prefetch(h);
                prop_assert_eq!(table.get(k, h), map.get(&k).copied());
                if table.get(k, h).is_none() {
                    table.insert(k, h, i as u32);
                    map.insert(k, i as u32);
                }
            }
            prop_assert_eq!(table.len(), map.len());
            for (k, v) in &map {
                prop_assert_eq!(table.get(*k, k.hash()), Some(*v));
            }
        }
    }
}
