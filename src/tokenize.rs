//! Stage 3, tokenize: words and sentences with byte spans into the original text.
//!
//! Tokens are runs of letters and digits, joined across inner apostrophes and hyphens
//! (`Lavrov's`, `back-channel`), decimal points and thousands separators (`4.2`, `1,000`)
//! and the dots of initialisms (`U.S.`). Ideographs and kana are one token each, since
//! those scripts do not separate words with spaces. Each token records its original shape
//! (capitalised, all caps, ...), whether it opens a sentence and whether it is inside a
//! quotation: the story measure reads names and quotes from these.

use std::ops::Range;

use crate::normalize::{is_invisible, normalize};

/// The letter case of a token as written, before normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Starts with a lower-case letter (or a caseless script).
    Lower,
    /// Starts with an upper-case letter and is not all caps.
    Capitalized,
    /// Two or more letters, all upper case (`NBC`, `NATO`).
    AllCaps,
    /// Contains a digit.
    Number,
}

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range in the original text.
    pub span: Range<usize>,
    /// Letter case as written.
    pub shape: Shape,
    /// Index of the sentence holding the token.
    pub sentence: u32,
    /// True for the first token of its sentence.
    pub sentence_start: bool,
    /// True inside double quotation marks.
    pub quoted: bool,
}

impl Token {
    /// The token as written.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.span.clone()]
    }

    /// The token normalised (see [`normalize`]).
    pub fn norm(&self, source: &str) -> String {
        normalize(self.text(source))
    }
}

/// A tokenized text: its words and its sentence spans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Words in reading order.
    pub tokens: Vec<Token>,
    /// Sentence byte ranges in reading order; every token lies inside its sentence.
    pub sentences: Vec<Range<usize>>,
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}'
        | '\u{0E47}'..='\u{0E4E}' | '\u{093C}'..='\u{094D}' | '\u{0951}'..='\u{0957}')
}

/// Scripts written without spaces between words: one character, one token.
fn is_ideographic(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    (c.is_alphanumeric() || is_combining(c)) && !is_ideographic(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201E}' | '\u{00AB}')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201D}' | '\u{00BB}')
}

/// Words that end in a period without ending the sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt",
    "cmdr", "adm", "maj", "jr", "sr", "inc", "corp", "co", "ltd", "no", "vs", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g",
    "i.e", "a.m", "p.m", "approx", "est", "dept", "univ", "ave", "mt", "ft", "rev", "fig", "vol",
    "pres", "atty", "supt",
];

/// Splits `text` into words and sentences.
///
/// ```
/// let t = storydedup::tokenize::tokenize("Mr. Haass met Lavrov. They talked.");
/// assert_eq!(t.sentences.len(), 2);
/// assert_eq!(t.tokens.len(), 6);
/// ```
pub fn tokenize(text: &str) -> Tokens {
    if text.is_ascii() {
        // Most news text is ASCII: read its bytes as they are instead of decoding a
        // `(offset, char)` pair of 16 bytes per character first.
        tokenize_in(text, &Ascii(text))
    } else {
        tokenize_decoded(text)
    }
}

/// [`tokenize`] through decoded characters, whatever the text (the ASCII path is tested
/// against it).
fn tokenize_decoded(text: &str) -> Tokens {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    tokenize_in(
        text,
        &Decoded {
            text,
            chars: &chars,
        },
    )
}

/// A text's characters by index, with their byte offsets, for [`tokenize_in`]: one
/// definition of the tokenizer for decoded text and for ASCII bytes.
trait Text {
    /// Number of characters.
    fn count(&self) -> usize;
    /// Character `i` (`i < count`).
    fn at(&self, i: usize) -> char;
    /// Byte offset of character `i`; the text's length for `i == count`.
    fn offset(&self, i: usize) -> usize;
    /// Index just past the word starting at character `i` ([`word_end`]).
    fn word_end(&self, i: usize) -> usize;
    fn get(&self, i: usize) -> Option<char> {
        (i < self.count()).then(|| self.at(i))
    }
}

/// A text and its decoded `(byte offset, char)` pairs.
struct Decoded<'a> {
    text: &'a str,
    chars: &'a [(usize, char)],
}

impl Text for Decoded<'_> {
    fn count(&self) -> usize {
        self.chars.len()
    }
    fn at(&self, i: usize) -> char {
        self.chars[i].1
    }
    fn offset(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.text.len(), |&(b, _)| b)
    }
    fn word_end(&self, i: usize) -> usize {
        // The byte walk's end, back to a character index: past every character it covers.
        let end = word_end(self.text, self.chars[i].0);
        let mut j = i + 1;
        while j < self.chars.len() && self.chars[j].0 < end {
            j += 1;
        }
        j
    }
}

/// An ASCII text: byte and character indexes coincide.
struct Ascii<'a>(&'a str);

impl Text for Ascii<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn at(&self, i: usize) -> char {
        char::from(self.0.as_bytes()[i])
    }
    fn offset(&self, i: usize) -> usize {
        i
    }
    fn word_end(&self, i: usize) -> usize {
        word_end(self.0, i)
    }
}

fn tokenize_in<T: Text>(text: &str, chars: &T) -> Tokens {
    let end_of = |i: usize| chars.offset(i);
    // About one word in six bytes of news: room up front instead of growing by doubling.
    let mut tokens = Vec::with_capacity(text.len() / 6 + 1);
    let mut sentences = Vec::new();
    let mut sentence_begin: Option<usize> = None;
    let mut sentence_index = 0u32;
    let mut quoted = false;
    let mut i = 0;
    // Closes the current sentence at byte `end` (exclusive), if it holds anything.
    let close = |begin: &mut Option<usize>,
                 end: usize,
                 sentences: &mut Vec<Range<usize>>,
                 index: &mut u32| {
        if let Some(b) = begin.take() {
            let s = text[b..end].trim_end();
            if !s.is_empty() {
                sentences.push(b..b + s.len());
                *index += 1;
            }
        }
    };
    while i < chars.count() {
        let (at, c) = (chars.offset(i), chars.at(i));
        // A plain space ends nothing and opens nothing: the commonest character, passed
        // over before the tests below.
        if c == ' ' {
            i += 1;
            continue;
        }
        if is_word(c) || is_ideographic(c) {
            i = chars.word_end(i);
            let end = end_of(i);
            if sentence_begin.is_none() {
                sentence_begin = Some(at);
            }
            let word = &text[at..end];
            let sentence_start = tokens
                .last()
                .is_none_or(|t: &Token| t.sentence != sentence_index);
            tokens.push(Token {
                span: at..end,
                shape: shape(word),
                sentence: sentence_index,
                sentence_start,
                quoted,
            });
            continue;
        }
        match c {
            '.' | '!' | '?' | '\u{2026}' | '\u{3002}' | '\u{FF01}' | '\u{FF1F}' => {
                // Swallow a run of terminal marks and closing quotes/brackets.
                let mut j = i + 1;
                while j < chars.count()
                    && matches!(
                        chars.at(j),
                        '.' | '!' | '?' | '\u{2026}' | ')' | ']' | '\'' | '\u{2019}'
                    )
                    || j < chars.count() && is_close_quote(chars.at(j)) && quoted_closes(chars, j)
                {
                    if is_close_quote(chars.at(j)) {
                        quoted = false;
                    }
                    j += 1;
                }
                if sentence_begin.is_some() && ends_sentence(text, chars, i, j, &tokens) {
                    close(
                        &mut sentence_begin,
                        end_of(j),
                        &mut sentences,
                        &mut sentence_index,
                    );
                }
                i = j;
                continue;
            }
            '\n' => {
                let mut j = i + 1;
                let mut blank = false;
                while j < chars.count() && chars.at(j).is_whitespace() {
                    if chars.at(j) == '\n' {
                        blank = true;
                    }
                    j += 1;
                }
                if blank || !wrapped_line(chars, i, j) {
                    close(&mut sentence_begin, at, &mut sentences, &mut sentence_index);
                    if blank {
                        quoted = false;
                    }
                }
                i = j;
                continue;
            }
            _ => {}
        }
        if c == '"' {
            quoted = !quoted;
        } else if is_open_quote(c) {
            quoted = true;
        } else if is_close_quote(c) {
            quoted = false;
        }
        if sentence_begin.is_none()
            && !c.is_whitespace()
            && !is_invisible(c)
            && (is_open_quote(c) || matches!(c, '(' | '[' | '\u{2018}'))
        {
            sentence_begin = Some(at);
        }
        i += 1;
    }
    close(
        &mut sentence_begin,
        text.len(),
        &mut sentences,
        &mut sentence_index,
    );
    Tokens { tokens, sentences }
}

/// The character at byte `i` of valid UTF-8 `b` and its length in bytes (`i < b.len()`).
#[inline]
fn char_at(b: &[u8], i: usize) -> (char, usize) {
    let lead = b[i];
    if lead < 0x80 {
        return (char::from(lead), 1);
    }
    let len = match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let mut code = u32::from(lead) & (0x7F >> len);
    for &c in &b[i + 1..i + len] {
        code = (code << 6) | (u32::from(c) & 0x3F);
    }
    // Valid UTF-8 in, a valid scalar value out.
    (char::from_u32(code).unwrap_or('\u{FFFD}'), len)
}

/// The character ending at byte `i` of valid UTF-8 `b` and its length (`i > 0`).
#[inline]
fn char_before(b: &[u8], i: usize) -> (char, usize) {
    let mut at = i - 1;
    while b[at] & 0xC0 == 0x80 {
        at -= 1;
    }
    (char_at(b, at).0, i - at)
}

/// The character at byte `i`, if there is one.
#[inline]
fn char_get(b: &[u8], i: usize) -> Option<char> {
    (i < b.len()).then(|| char_at(b, i).0)
}

/// How the word walk treats an ASCII byte, as bits: part of a word (`WORD`: letters,
/// digits, and NUL, which is invisible), a possible first byte of one (`START`: letters
/// and digits), a byte normalisation changes (`CHANGES`: capitals and NUL), or a case that
/// needs a look around (`LOOK`: `'`, `-`, `.`, `,`, which may join two parts). No bit: the
/// end of a word (space and most punctuation). Bytes of other characters always need the
/// look around.
const WORD: u8 = 1;
const START: u8 = 2;
const CHANGES: u8 = 4;
const LOOK: u8 = 8;
static ASCII_CLASS: [u8; 256] = {
    let mut t = [LOOK; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() {
            WORD | START | if c.is_ascii_uppercase() { CHANGES } else { 0 }
        } else if c == 0 {
            WORD | CHANGES
        } else if matches!(c, b'\'' | b'-' | b'.' | b',') {
            LOOK
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The byte offset just past the word starting at byte `start` of `text` (a word or
/// ideographic character). The one definition of a word's extent, shared by [`tokenize`]
/// and [`for_each_word`]; it walks the UTF-8 bytes directly, so neither needs the text
/// decoded into characters first. A run of ASCII letters and digits ended by a space or
/// most punctuation (the usual word) is a table look-up a byte; anything else goes on in
/// [`word_end_from`].
#[inline]
fn word_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    if b[start] >= 0x80 {
        return word_end_from(text, start, start);
    }
    let mut i = start + 1;
    while i < b.len() && ASCII_CLASS[usize::from(b[i])] & WORD != 0 {
        i += 1;
    }
    if i >= b.len() || ASCII_CLASS[usize::from(b[i])] & LOOK == 0 {
        return i;
    }
    word_end_from(text, start, i)
}

/// [`word_end`] of the word starting at `start`, walked as far as byte `i` (`i == start`:
/// not at all yet).
#[inline(never)]
fn word_end_from(text: &str, start: usize, mut i: usize) -> usize {
    let b = text.as_bytes();
    if i == start {
        let (first, len) = char_at(b, start);
        i = start + len;
        if is_ideographic(first) {
            return i;
        }
    }
    loop {
        while i < b.len() && ASCII_CLASS[usize::from(b[i])] & WORD != 0 {
            i += 1;
        }
        if i >= b.len() || ASCII_CLASS[usize::from(b[i])] & LOOK == 0 {
            break;
        }
        match continues_word(b, i) {
            Some(next) => i = next,
            None => break,
        }
    }
    // The final dot of an initialism such as "U.S." belongs to it: at least three
    // characters before it, the second last of them a dot.
    if i < b.len() && b[i] == b'.' {
        let (_, last) = char_before(b, i);
        let last_start = i - last;
        // A continuation byte is never `.`, so this byte is the dot character itself.
        if last_start > start && b[last_start - 1] == b'.' && last_start - 1 > start {
            i += 1;
        }
    }
    i
}

/// Whether the word being walked goes on through the character at byte `i` (a non-ASCII
/// character or a possible joiner): the byte after it if so.
fn continues_word(b: &[u8], i: usize) -> Option<usize> {
    let (c, len) = char_at(b, i);
    if is_word(c) || is_invisible(c) {
        return Some(i + len);
    }
    let joins = match char_get(b, i + len) {
        Some(n) if is_word(n) => {
            let prev = char_before(b, i).0;
            is_apostrophe(c)
                || is_hyphen(c)
                || ((c == '.' || c == ',') && prev.is_ascii_digit() && n.is_ascii_digit())
                || (c == '.' && initialism_continues(b, i))
        }
        _ => false,
    };
    joins.then_some(i + len)
}

/// Calls `f` with the byte offset and text of every word of `text` as written, in order:
/// the same words as the tokens of [`tokenize`], without the sentence, shape and quotation
/// bookkeeping the shingle stage does not need (several times faster). Walks the UTF-8
/// bytes directly.
pub fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    walk_words(text, |at, word, _| f(at, word));
}

/// [`for_each_word`], also telling for each word whether it is already normalised (ASCII
/// letters and digits, no capital: most words), found in the same look at its bytes.
pub(crate) fn walk_words<'a>(text: &'a str, f: impl FnMut(usize, &'a str, bool)) {
    walk::<true>(text, f);
}

/// [`for_each_word`] one byte at a time, without the sixteen-byte windows: what the
/// windows are measured against (`benches/stages.rs`); not a stable interface.
#[doc(hidden)]
pub fn for_each_word_bytewise<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    walk::<false>(text, |at, word, _| f(at, word));
}

/// [`walk_words`], with the sixteen-byte windows or (for the tests' comparison) without.
fn walk<'a, const WINDOWED: bool>(text: &'a str, mut f: impl FnMut(usize, &'a str, bool)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // Sixteen bytes at a time while they last: the gap to the next word and the
        // word's extent come from bit masks, not a test (and a guess) a byte.
        if WINDOWED && i + WINDOW <= b.len() {
            let w = window(b, i);
            let next = w.start | w.high;
            if next == 0 {
                i += WINDOW;
                continue;
            }
            let k = next.trailing_zeros() as usize;
            i += k;
            if w.high >> k & 1 == 0 {
                // A word starts at `i`; the window shows `WINDOW - k` bytes of it.
                let len = (!(w.word >> k)).trailing_zeros() as usize;
                if len < WINDOW - k {
                    let (start, end) = (i, i + len);
                    if ASCII_CLASS[usize::from(b[end])] & LOOK != 0 {
                        i = word_end_from(text, start, end);
                        f(start, &text[start..i], false);
                    } else {
                        let plain = (w.changes >> k) & ((1 << len) - 1) == 0;
                        f(start, &text[start..end], plain);
                        i = end;
                    }
                    continue;
                }
            }
            // A non-ASCII character or a word longer than the window: the byte walk
            // below takes it from `i`.
        }
        let c = b[i];
        if c >= 0x80 {
            let (c, len) = char_at(b, i);
            if is_word(c) || is_ideographic(c) {
                let end = word_end(text, i);
                f(i, &text[i..end], false);
                i = end;
            } else {
                i += len;
            }
            continue;
        }
        let class = ASCII_CLASS[usize::from(c)];
        if class & START == 0 {
            i += 1;
            continue;
        }
        // The usual word: ASCII letters and digits up to a space or punctuation.
        let start = i;
        let mut seen = class;
        i += 1;
        while i < b.len() {
            let k = ASCII_CLASS[usize::from(b[i])];
            if k & WORD == 0 {
                break;
            }
            seen |= k;
            i += 1;
        }
        if i < b.len() && ASCII_CLASS[usize::from(b[i])] & LOOK != 0 {
            let end = word_end_from(text, start, i);
            f(start, &text[start..end], false);
            i = end;
        } else {
            f(start, &text[start..i], seen & CHANGES == 0);
        }
    }
}

/// Bytes classified at once by [`window`].
const WINDOW: usize = 16;

/// The classes of [`WINDOW`] bytes, as masks (bit `k` for the `k`-th byte): `word`
/// (ASCII letters, digits and NUL: the table's `WORD`), `start` (letters and digits:
/// `START`), `changes` (capitals and NUL: `CHANGES`) and `high` (bytes of non-ASCII
/// characters).
#[derive(Clone, Copy)]
struct Window {
    word: u32,
    start: u32,
    changes: u32,
    high: u32,
}

/// The [`Window`] of the bytes from `i` (`i + WINDOW <= b.len()`), with SSE2: a few
/// vector compares instead of sixteen table look-ups.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn window(b: &[u8], i: usize) -> Window {
    use std::arch::x86_64::*;
    let half = |h: usize| {
        let at = i + 8 * h;
        i64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
    };
    // SAFETY: the intrinsics need only SSE2, which this function is compiled with (the
    // cfg above); they take values, not pointers. (A `#[target_feature]` function would
    // not be inlined here, and the call would cost more than the work.)
    unsafe {
        let v = _mm_set_epi64x(half(1), half(0));
        // Signed compares: bytes of 0x80 and above are negative, so no range takes them.
        let within = |lo: u8, hi: u8| {
            let above = _mm_cmpgt_epi8(v, _mm_set1_epi8((lo - 1) as i8));
            let below = _mm_cmplt_epi8(v, _mm_set1_epi8((hi + 1) as i8));
            _mm_and_si128(above, below)
        };
        let upper = within(b'A', b'Z');
        let letter_or_digit =
            _mm_or_si128(_mm_or_si128(within(b'0', b'9'), upper), within(b'a', b'z'));
        let mask = |m: __m128i| _mm_movemask_epi8(m) as u32;
        let start = mask(letter_or_digit);
        let nul = mask(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
        Window {
            word: start | nul,
            start,
            changes: mask(upper) | nul,
            high: mask(v),
        }
    }
}

/// [`window`] byte by byte through the class table, where there is no SSE2.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
fn window(b: &[u8], i: usize) -> Window {
    let mut w = Window {
        word: 0,
        start: 0,
        changes: 0,
        high: 0,
    };
    for (k, &c) in b[i..i + WINDOW].iter().enumerate() {
        let class = ASCII_CLASS[usize::from(c)];
        let bit = |on: bool| u32::from(on) << k;
        w.word |= bit(c < 0x80 && class & WORD != 0);
        w.start |= bit(c < 0x80 && class & START != 0);
        w.changes |= bit(c < 0x80 && class & CHANGES != 0);
        w.high |= bit(c >= 0x80);
    }
    w
}

/// A straight `"` after a terminal mark closes a quotation only when one is open; we do
/// not track that here, so treat it as closing when the next character is not a letter.
fn quoted_closes<T: Text>(chars: &T, j: usize) -> bool {
    chars.get(j + 1).is_none_or(|n| !is_word(n))
}

/// Is the `.` at byte `i` the inner dot of an initialism ("U.S", "e.g")? True when the
/// letter before it stands alone (start of text, or after a non-word character or another
/// dot) and a lone letter follows it.
fn initialism_continues(b: &[u8], i: usize) -> bool {
    let (prev, prev_len) = char_before(b, i);
    let prev_start = i - prev_len;
    let before_ok = prev.is_alphabetic()
        && (prev_start == 0 || {
            let (c, _) = char_before(b, prev_start);
            !is_word(c) || c == '.'
        });
    let Some((next, next_len)) = (i + 1 < b.len()).then(|| char_at(b, i + 1)) else {
        return false;
    };
    let after_ok = char_get(b, i + 1 + next_len).is_none_or(|c| !is_word(c));
    before_ok && after_ok && next.is_alphabetic()
}

/// Does the terminal mark at `i` (its run ending at `j`) end a sentence?
fn ends_sentence<T: Text>(text: &str, chars: &T, i: usize, j: usize, tokens: &[Token]) -> bool {
    // What follows: the end of the text, or whitespace and then something that can open a
    // sentence (capital, digit, quote, bracket).
    let mut k = j;
    if k >= chars.count() || matches!(chars.at(i), '\u{3002}' | '\u{FF01}' | '\u{FF1F}') {
        return true;
    }
    if !chars.at(k).is_whitespace() {
        return false;
    }
    while k < chars.count() && chars.at(k).is_whitespace() {
        if chars.at(k) == '\n' {
            return true;
        }
        k += 1;
    }
    let Some(next) = chars.get(k) else {
        return true;
    };
    let opens = next.is_uppercase()
        || next.is_ascii_digit()
        || is_open_quote(next)
        || matches!(next, '(' | '[' | '\u{2018}' | '\'')
        || is_ideographic(next);
    if !opens {
        return false;
    }
    if chars.at(i) != '.' {
        return true;
    }
    // A period right after an abbreviation or a lone initial does not end the sentence.
    let dot = chars.offset(i);
    match tokens.last() {
        Some(t) if t.span.end == dot || t.span.end == dot + 1 => {
            let word = normalize(&text[t.span.clone()]);
            let word = word.trim_end_matches('.');
            let lone_initial = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
            !(lone_initial || ABBREVIATIONS.contains(&word))
        }
        _ => true,
    }
}

/// Is the newline at `i` (next content at `j`) a hard wrap inside a sentence? Only when the
/// line ends mid-phrase (a lower-case letter or a comma) and the next starts in lower case.
fn wrapped_line<T: Text>(chars: &T, i: usize, j: usize) -> bool {
    let prev = (0..i)
        .rev()
        .map(|k| chars.at(k))
        .find(|c| !c.is_whitespace());
    let next = chars.get(j);
    matches!(prev, Some(p) if p.is_lowercase() || p == ',')
        && matches!(next, Some(n) if n.is_lowercase())
}

/// The letter case of a word as written.
#[inline]
pub(crate) fn shape(word: &str) -> Shape {
    match shape_ascii(word.as_bytes()) {
        Some(shape) => shape,
        None => shape_chars(word),
    }
}

/// [`shape`] of a word read byte by byte while it is ASCII: the same tests as
/// [`shape_chars`], which for ASCII are the `is_ascii_*` ones, counted without a branch a
/// letter; `None` at the first non-ASCII byte (the word then needs decoding). One pass,
/// where a test for ASCII first was a second.
#[inline]
fn shape_ascii(word: &[u8]) -> Option<Shape> {
    let (mut letters, mut upper) = (0usize, 0usize);
    let mut first_upper = None;
    for &b in word {
        if b >= 0x80 {
            return None;
        }
        if b.is_ascii_digit() {
            return Some(Shape::Number);
        }
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let capital = b.wrapping_sub(b'A') < 26;
        letters += usize::from(letter);
        upper += usize::from(capital);
        if letter && first_upper.is_none() {
            first_upper = Some(capital);
        }
    }
    Some(shape_of_counts(letters, upper, first_upper))
}

/// The shape of a word without digits from its letter counts and its first letter's case.
fn shape_of_counts(letters: usize, upper: usize, first_upper: Option<bool>) -> Shape {
    if letters >= 2 && upper == letters {
        Shape::AllCaps
    } else if first_upper == Some(true) {
        Shape::Capitalized
    } else {
        Shape::Lower
    }
}

fn shape_chars(word: &str) -> Shape {
    let mut letters = 0;
    let mut upper = 0;
    let mut first_upper = None;
    for c in word.chars() {
        if c.is_ascii_digit() || c.is_numeric() {
            return Shape::Number;
        }
        if c.is_alphabetic() {
            letters += 1;
            if c.is_uppercase() {
                upper += 1;
            }
            if first_upper.is_none() {
                first_upper = Some(c.is_uppercase());
            }
        }
    }
    shape_of_counts(letters, upper, first_upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_walk_equals_tokens() {
        let text = "The U.S. paid $4.2 billion (1,000 units) to Lavrov's back-channel \"team\". 日本語 e\u{301}t\u{200B}e... Done.";
        let mut walked = Vec::new();
        for_each_word(text, |_, w| walked.push(w));
        assert_eq!(walked, words(text));
        assert!(walked.contains(&"U.S.") && walked.contains(&"4.2") && walked.contains(&"日"));
    }

    /// The word walk as first written, over decoded characters by index: the oracle the
    /// byte walk must equal.
    fn reference_words(text: &str) -> Vec<&str> {
        let chars: Vec<char> = text.chars().collect();
        let offsets: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect();
        let get = |i: usize| chars.get(i).copied();
        let initialism = |i: usize| {
            let before_ok = i >= 1
                && chars[i - 1].is_alphabetic()
                && (i < 2 || !is_word(chars[i - 2]) || chars[i - 2] == '.');
            let after_ok = get(i + 2).is_none_or(|c| !is_word(c));
            before_ok && after_ok && get(i + 1).is_some_and(char::is_alphabetic)
        };
        let end = |start: usize| {
            let mut i = start + 1;
            if is_ideographic(chars[start]) {
                return i;
            }
            while i < chars.len() {
                let c = chars[i];
                if is_word(c) || is_invisible(c) {
                    i += 1;
                    continue;
                }
                let prev = chars[i - 1];
                let joins = match get(i + 1) {
                    Some(n) if is_word(n) => {
                        is_apostrophe(c)
                            || is_hyphen(c)
                            || ((c == '.' || c == ',')
                                && prev.is_ascii_digit()
                                && n.is_ascii_digit())
                            || (c == '.' && initialism(i))
                    }
                    _ => false,
                };
                if !joins {
                    break;
                }
                i += 1;
            }
            if i < chars.len() && chars[i] == '.' && i >= start + 3 && chars[i - 2] == '.' {
                i += 1;
            }
            i
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if is_word(chars[i]) || is_ideographic(chars[i]) {
                let e = end(i);
                out.push(&text[offsets[i]..offsets[e]]);
                i = e;
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn byte_walk_equals_the_character_walk() {
        for text in [
            "The U.S. paid $4.2 billion (1,000 units) to Lavrov's back-channel \"team\".",
            "é.U.S. a.b.c. x.y ü.ö.ä. U.S.A. 3.4.5 1,2,3 ’tis rock’n’roll e\u{301}.f",
            "日本語.a 東京で会議。Café—naïve e\u{200B}t\u{00AD}x \u{FEFF}A.B \0a\0",
            ".a. a. .. ... A.Б.C. Ω.Ψ ǅ.x 1.2.3. 𝐀.𝐁.",
        ] {
            let mut walked = Vec::new();
            for_each_word(text, |_, w| walked.push(w));
            assert_eq!(walked, reference_words(text), "{text:?}");
            assert_eq!(words(text), walked, "{text:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Any text, of the characters that matter to word extents (dots, commas,
        /// apostrophes, hyphens, digits, letters of several scripts, invisibles).
        #[test]
        fn byte_walk_equals_the_character_walk_on_any_text(
            text in "[a-cA-C0-2.,'’\\- \u{2010}\u{200B}\u{00AD}\u{0301}éÉЖж東で\u{1D400}!\n]{0,60}",
            raw in "\\PC{0,80}",
        ) {
            for t in [&text, &raw] {
                let mut walked = Vec::new();
                for_each_word(t, |_, w| walked.push(w));
                proptest::prop_assert_eq!(&walked, &reference_words(t));
                proptest::prop_assert_eq!(&words(t), &walked);
            }
        }
    }

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).tokens.iter().map(|t| t.text(text)).collect()
    }

    /// Every word of the walk with its offset and plain flag.
    fn walked<const WINDOWED: bool>(text: &str) -> Vec<(usize, &str, bool)> {
        let mut out = Vec::new();
        walk::<WINDOWED>(text, |at, w, plain| out.push((at, w, plain)));
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The windowed walk gives the byte walk's words, offsets and plain flags, on long
        /// texts of words of any length (past a window, across windows' edges), and a
        /// plain word is one normalisation leaves alone.
        #[test]
        fn windows_equal_the_byte_walk(
            parts in proptest::collection::vec(
                ("[a-zA-Z0-9\\x00]{1,20}|[éЖ東][a-z]{0,3}", "[ .,'\\-!\n\"]{1,3}|\u{2019}|\u{200B}"),
                0..40,
            ),
        ) {
            let text: String = parts.iter().map(|(w, sep)| format!("{w}{sep}")).collect();
            let fast = walked::<true>(&text);
            proptest::prop_assert_eq!(&fast, &walked::<false>(&text));
            for (_, w, plain) in fast {
                if plain {
                    proptest::prop_assert_eq!(crate::normalize::normalize(w), w);
                }
            }
        }
    }

    #[test]
    fn windows_see_words_that_cross_them() {
        let text = "abcdefghijklmno pq rstuvwxyzABCDEFGHIJ k, l.m 3.5 don't x\0y Caps lower";
        let fast = walked::<true>(text);
        assert_eq!(fast, walked::<false>(text));
        let words: Vec<&str> = fast.iter().map(|w| w.1).collect();
        assert_eq!(
            words,
            [
                "abcdefghijklmno",
                "pq",
                "rstuvwxyzABCDEFGHIJ",
                "k",
                "l.m",
                "3.5",
                "don't",
                "x\0y",
                "Caps",
                "lower"
            ]
        );
        let plain: Vec<bool> = fast.iter().map(|w| w.2).collect();
        assert_eq!(
            plain,
            [
                true, true, false, false, false, false, false, false, false, true
            ]
        );
    }

    fn sentences(text: &str) -> Vec<&str> {
        tokenize(text)
            .sentences
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn joins_apostrophes_hyphens_numbers_and_initialisms() {
        assert_eq!(
            words("Lavrov’s back-channel cost $4.2 million, or 1,000 U.S. dollars."),
            [
                "Lavrov’s",
                "back-channel",
                "cost",
                "4.2",
                "million",
                "or",
                "1,000",
                "U.S.",
                "dollars"
            ]
        );
    }

    #[test]
    fn splits_sentences_but_not_after_abbreviations() {
        assert_eq!(
            sentences(
                "Mr. Haass met Lavrov in the U.S. on Friday. “We talked,” he said. Then J. Smith left!"
            ),
            [
                "Mr. Haass met Lavrov in the U.S. on Friday.",
                "“We talked,” he said.",
                "Then J. Smith left!"
            ]
        );
    }

    #[test]
    fn newlines_end_sentences_unless_wrapped() {
        assert_eq!(
            sentences("HEADLINE HERE\nBody starts, and\ncontinues here.\n\nNext"),
            ["HEADLINE HERE", "Body starts, and\ncontinues here.", "Next"]
        );
    }

    #[test]
    fn shapes_and_flags() {
        let text = "NBC said \"Burns met Zelensky\" in 2023.";
        let t = tokenize(text);
        let shapes: Vec<Shape> = t.tokens.iter().map(|t| t.shape).collect();
        assert_eq!(
            shapes,
            [
                Shape::AllCaps,
                Shape::Lower,
                Shape::Capitalized,
                Shape::Lower,
                Shape::Capitalized,
                Shape::Lower,
                Shape::Number
            ]
        );
        let quoted: Vec<bool> = t.tokens.iter().map(|t| t.quoted).collect();
        assert_eq!(quoted, [false, false, true, true, true, false, false]);
        assert!(t.tokens[0].sentence_start && !t.tokens[1].sentence_start);
    }

    #[test]
    fn cjk_is_one_token_per_character_and_spans_are_valid() {
        let text = "東京で会議。Café e\u{0301}t\u{00E9}";
        let t = tokenize(text);
        assert_eq!(
            words(text),
            ["東", "京", "で", "会", "議", "Café", "e\u{0301}t\u{00E9}"]
        );
        for tok in &t.tokens {
            assert!(text.is_char_boundary(tok.span.start) && text.is_char_boundary(tok.span.end));
        }
    }

    /// Pieces that exercise every rule: abbreviations, initials, initialisms, numbers,
    /// quotes, brackets, wrapped lines and paragraph breaks.
    const PIECES: &[&str] = &[
        "Mr.",
        "U.S.",
        "e.g.",
        "J.",
        "a",
        "The",
        "said",
        "NBC",
        "Lavrov's",
        "back-channel",
        "4.2",
        "1,000",
        "x2",
        "co.",
        "3",
        " ",
        " ",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\n  ",
        ".",
        "...",
        "!",
        "?",
        ",",
        ";",
        "\"",
        "'",
        "`",
        "(",
        ")",
        "[",
        "]",
        "-",
        "--",
        "\t",
        ".\"",
        "?)",
    ];

    fn ascii_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            prop::collection::vec(prop::sample::select(PIECES), 0..80).prop_map(|p| p.concat()),
            "[ -~\n\t]{0,200}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn the_ascii_path_equals_the_decoded_one(text in ascii_text()) {
            proptest::prop_assert_eq!(tokenize(&text), tokenize_decoded(&text));
            for word in text.split(|c: char| c.is_whitespace()) {
                proptest::prop_assert_eq!(shape_ascii(word.as_bytes()), Some(shape_chars(word)));
            }
        }

        /// Any word, ASCII or not: the one-pass shape is the character-wise definition.
        #[test]
        fn shape_is_the_decoded_shape(word in "[a-zA-Z0-9'.\\-]{0,6}[éÉЖж٣ǅ]?[a-zA-Z]{0,4}|\\PC{0,10}") {
            proptest::prop_assert_eq!(shape(&word), shape_chars(&word));
        }
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert_eq!(tokenize(""), Tokens::default());
        assert!(tokenize("... --- !!!").tokens.is_empty());
    }
}
