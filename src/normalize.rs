//! Stage 2, normalize: the canonical form of a word, so that typography and case never
//! decide whether two outlets used the same word.
//!
//! Guarantees: Unicode NFKC, lower case, curly quotes and apostrophes folded to `'`/`"`,
//! every dash folded to `-`, zero-width and bidi control characters dropped. The function
//! is applied per token, so tokens keep byte spans into the original, unnormalised text.

use unicode_normalization::UnicodeNormalization;

/// Folds one character's typographic variants; `None` drops it.
fn fold(c: char) -> Option<char> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{0060}' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        c if is_invisible(c) => return None,
        c => c,
    })
}

/// Zero-width characters, bidi controls and NUL: present in scraped text, never meaningful.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{0000}' | '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The normalised form of a word or phrase: NFKC, folded punctuation, lower case.
///
/// ```
/// assert_eq!(storydedup::normalize::normalize("Lavrov\u{2019}s"), "lavrov's");
/// assert_eq!(storydedup::normalize::normalize("ＮＢＣ"), "nbc");
/// ```
pub fn normalize(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    normalize_into(word, &mut out);
    out
}

/// [`normalize`] into a buffer the caller reuses (cleared first): the hot loops of the
/// shingle stage normalise every word of every document.
pub fn normalize_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        // What `fold` does to ASCII: the grave accent is an apostrophe, NUL is dropped.
        for &b in word.as_bytes() {
            match b {
                b'`' => out.push('\''),
                0 => {}
                b => out.push(char::from(b.to_ascii_lowercase())),
            }
        }
        return;
    }
    for c in word.nfkc() {
        match fold(c) {
            // Full case folding where lower-casing alone falls short: "STRASSE" = "Straße".
            Some('ß' | 'ẞ') => out.push_str("ss"),
            Some('ς') => out.push('σ'),
            Some(c) => out.extend(c.to_lowercase()),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_quotes_dashes_case_and_width() {
        assert_eq!(normalize("Don\u{2019}t"), "don't");
        assert_eq!(normalize("back\u{2014}channel"), "back-channel");
        assert_eq!(normalize("ÉCOLE"), "école");
        assert_eq!(normalize("ﬁnal"), "final");
        assert_eq!(normalize("a\u{200B}b\u{202E}c"), "abc");
        assert_eq!(
            normalize("It`S\0"),
            "it's",
            "the ASCII path folds like the general one"
        );
        assert_eq!(normalize("Straße"), normalize("STRASSE"));
        assert_eq!(normalize("ΟΔΟΣ"), normalize("οδος"));
    }

    #[test]
    fn composes_combining_marks() {
        assert_eq!(normalize("e\u{0301}t\u{00E9}"), "\u{00E9}t\u{00E9}");
    }
}
