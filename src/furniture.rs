//! Stage 3b, furniture: the sentences of a scraped page that belong to the site, not to the
//! story (sign-up and pay walls, newsletter prompts, copyright notices).
//!
//! Crawled news often keeps them: a paywalled page is its headline and the wall, and two
//! pages of one site share their wall word for word. The story measure reads them as
//! words like any other, so two walls of one site scored as one story and a headline
//! behind a wall lost its partner (on 161 human-judged pairs, a research site's two
//! registration forms with different headlines scored 0.94, rated "different"; a
//! snowmobile crash behind a local paper's wall scored 0.22 with its full report, rated
//! "same"). The story measure therefore leaves out the sentences found here; the copy
//! measures, which count verbatim text, keep every word.
//!
//! A wall is a block of sentences holding cues of a site's own vocabulary ("sign up",
//! "newsletter", "password", "unlimited access", ...; [`CUES`]), with at most
//! [`WALL_GAP`] sentences without one between two of them ("Enter your details below"),
//! at least half of its sentences with a cue, two different cues in all, and a sentence
//! with a cue that speaks to the reader ("your inbox", "our newsletter", "Sign up now"),
//! unless the block is a legal notice ("Copyright 2026 ... All rights reserved."). Of such
//! a block, the wall is its sentences that speak to the reader or hold its legal small
//! print ([`LEGAL`]; a notice's all), its fragments of up to [`FRAGMENT_WORDS`] words next
//! to those ("Already a subscriber?"), and any sentence between two of them. News holds the same words but tells of others: "hackers stole the
//! passwords and email addresses of two million subscribers", "residents can register
//! online or log in to the state portal"; beside advice to the reader ("If you bank there,
//! change your password") the advice goes and the news stays. Counted: no sentence of 510
//! ECB+ articles or 6,393 NeuS headlines and leads is found; 18 of 321 scraped SemEval
//! pages have one.

use crate::tokenize::{Shape, Tokens};

/// What a cue is made of: one word, or a word followed by the given next word(s).
struct Cue {
    /// Which cue it is: forms of one cue count once.
    id: u8,
    /// The word, lower case.
    first: &'static str,
    /// The words that must follow it (lower case); empty for a one-word cue.
    then: &'static [&'static str],
}

const fn cue(id: u8, first: &'static str, then: &'static [&'static str]) -> Cue {
    Cue { id, first, then }
}

/// The vocabulary pages use to address their readers about the site itself. Kept to
/// phrases news prose seldom needs; each distinct cue counts once per sentence.
const CUES: &[Cue] = &[
    cue(0, "sign", &["in"]),
    cue(0, "signin", &[]),
    cue(0, "sign-in", &[]),
    cue(1, "sign", &["up"]),
    cue(1, "signup", &[]),
    cue(1, "sign-up", &[]),
    cue(2, "log", &["in"]),
    cue(2, "log", &["out"]),
    cue(2, "login", &[]),
    cue(2, "logout", &[]),
    cue(2, "log-in", &[]),
    cue(2, "log-out", &[]),
    cue(3, "subscribe", &[]),
    cue(3, "subscriber", &[]),
    cue(3, "subscribers", &[]),
    cue(3, "subscription", &[]),
    cue(3, "subscriptions", &[]),
    cue(4, "register", &[]),
    cue(4, "registered", &[]),
    cue(5, "password", &[]),
    cue(5, "passwords", &[]),
    cue(6, "username", &[]),
    cue(7, "newsletter", &[]),
    cue(7, "newsletters", &[]),
    cue(8, "cookie", &[]),
    cue(8, "cookies", &[]),
    cue(9, "privacy", &["policy"]),
    cue(10, "terms", &["of", "use"]),
    cue(10, "terms", &["of", "service"]),
    cue(11, "rights", &["reserved"]),
    cue(12, "copyright", &[]),
    cue(13, "click", &["here"]),
    cue(13, "click", &["below"]),
    cue(14, "advertisement", &[]),
    cue(15, "free", &["trial"]),
    cue(16, "free", &["access"]),
    cue(16, "unlimited", &["access"]),
    cue(17, "email", &["address"]),
    cue(17, "email", &["addresses"]),
    cue(17, "e-mail", &["address"]),
    cue(18, "inbox", &[]),
    cue(19, "follow", &["us"]),
];

/// The first words of [`CUES`], sorted, and the initials they have at each length.
struct FirstWords {
    words: Vec<&'static str>,
    /// By length: a bit per letter `a`..`z` (and one for anything else) that begins a first
    /// word of that length.
    initials: [u32; 14],
    /// The same for the letters that end one.
    finals: [u32; 14],
}

/// The bit of a byte in [`FirstWords::initials`] and [`FirstWords::finals`]: one per
/// letter whatever its case, one for anything else.
static LETTER_BITS: [u32; 256] = {
    let mut t = [1u32 << 26; 256];
    let mut b = 0;
    while b < 26 {
        t[b'a' as usize + b] = 1 << b;
        t[b'A' as usize + b] = 1 << b;
        b += 1;
    }
    t
};

fn first_words() -> &'static FirstWords {
    static WORDS: std::sync::OnceLock<FirstWords> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<&str> = CUES.iter().map(|c| c.first).collect();
        words.sort_unstable();
        words.dedup();
        let (mut initials, mut finals) = ([0u32; 14], [0u32; 14]);
        for w in &words {
            let b = w.as_bytes();
            initials[b.len()] |= LETTER_BITS[usize::from(b[0])];
            finals[b.len()] |= LETTER_BITS[usize::from(b[b.len() - 1])];
        }
        FirstWords {
            words,
            initials,
            finals,
        }
    })
}

/// How many sentences of a body `text` are a site's wall, left out of the story score (for
/// a diff to say so).
pub(crate) fn wall_sentences(text: &str) -> usize {
    let tokens = crate::tokenize::tokenize(text);
    furniture(text, &tokens).iter().filter(|&&f| f).count()
}

/// Words by which a page speaks to its reader ("your free articles", "our newsletter"),
/// counted outside quotation marks; the part of a word before an apostrophe ("you've").
const ADDRESS: &[&str] = &["you", "your", "yours", "our", "ours", "us", "me"];

/// Cue words that open an order to the reader at the head of a sentence ("Sign up now",
/// "Subscribe to our newsletters", "Click here").
const IMPERATIVE: &[&str] = &[
    "sign",
    "signup",
    "sign-up",
    "log",
    "login",
    "log-in",
    "subscribe",
    "register",
    "click",
    "follow",
];

/// Which sentences of a tokenized text (`tokens` of `text`) are page furniture, one flag
/// per sentence of `tokens.sentences`; empty (none at all) for a text without two
/// different cues, as most are.
pub fn furniture(text: &str, tokens: &Tokens) -> Vec<bool> {
    let n = tokens.sentences.len();
    let toks = &tokens.tokens;
    // Each sentence's cues, as bits of a mask, and whether it speaks to the reader.
    let mut cues = vec![0u32; n];
    let mut speaks = vec![false; n];
    let firsts = first_words();
    let bytes = text.as_bytes();
    for (i, tok) in toks.iter().enumerate() {
        // Few words have a cue's length, first and last letter; the others skip the search.
        let (start, end) = (tok.span.start, tok.span.end);
        let len = end - start;
        if !(3..=13).contains(&len)
            || firsts.initials[len] & LETTER_BITS[usize::from(bytes[start])] == 0
            || firsts.finals[len] & LETTER_BITS[usize::from(bytes[end - 1])] == 0
        {
            continue;
        }
        let word = &bytes[start..end];
        let mut lower = [0u8; 13];
        for (l, b) in lower.iter_mut().zip(word) {
            *l = b.to_ascii_lowercase();
        }
        let lower = &lower[..word.len()];
        if firsts
            .words
            .binary_search_by(|w| w.as_bytes().cmp(lower))
            .is_err()
        {
            continue;
        }
        let s = tok.sentence as usize;
        for c in CUES.iter().filter(|c| c.first.as_bytes() == lower) {
            let follows = c.then.iter().enumerate().all(|(k, next)| {
                toks.get(i + 1 + k).is_some_and(|t| {
                    t.sentence == tok.sentence && t.text(text).eq_ignore_ascii_case(next)
                })
            });
            if follows {
                cues[s] |= 1 << c.id;
                if tok.sentence_start && !tok.quoted && IMPERATIVE.contains(&c.first) {
                    speaks[s] = true;
                }
            }
        }
    }
    // Without two different cues there is no wall: most texts stop here.
    if cues.iter().fold(0u32, |m, c| m | c).count_ones() < 2 {
        return Vec::new();
    }
    let mut words = vec![0usize; n];
    for tok in toks {
        words[tok.sentence as usize] += 1;
    }
    // "you’ve" is 8 bytes with a curly apostrophe.
    for tok in toks.iter().filter(|t| !t.quoted && t.span.len() <= 9) {
        let word = tok.text(text);
        let base = word.split(['\'', '\u{2019}']).next().unwrap_or(word);
        if ADDRESS.iter().any(|a| base.eq_ignore_ascii_case(a))
            // "US" in capitals is the country.
            && !(base.eq_ignore_ascii_case("us") && tok.shape == Shape::AllCaps)
        {
            speaks[tok.sentence as usize] = true;
        }
    }
    // A wall is a block of sentences with cues, at most WALL_GAP sentences without one
    // between two of them ("Enter your details below"), at least half of its sentences
    // with a cue, two different cues in all, and a cue spoken to the reader ("your inbox",
    // "Sign up now"), unless the block is a legal notice's ("Copyright 2026 ... All rights
    // reserved."). News about a newsletter or a data breach holds the cues but tells of
    // others ("stole the passwords of two million subscribers").
    let mut flags = vec![false; n];
    let cued: Vec<usize> = (0..n).filter(|&s| cues[s] != 0).collect();
    let mut at = 0;
    while at < cued.len() {
        let mut end = at + 1;
        while end < cued.len() && cued[end] - cued[end - 1] - 1 <= WALL_GAP {
            end += 1;
        }
        let block = &cued[at..end];
        let (first, last) = (block[0], block[block.len() - 1]);
        let mask = block.iter().fold(0, |m, &s| m | cues[s]);
        let spoken = block.iter().any(|&s| speaks[s]);
        let notice = mask & !NOTICE == 0;
        if mask.count_ones() >= 2 && (spoken || notice) && 2 * block.len() > last - first {
            // Of the block, the sentences that speak to the reader or hold its small print
            // (all of a notice's), and any between two of them: a sentence that tells of others stays, even beside
            // advice to the reader ("Hackers stole the passwords ... If you bank there,
            // change yours").
            let mut own: Vec<usize> = block
                .iter()
                .copied()
                .filter(|&s| notice || speaks[s] || cues[s] & LEGAL != 0)
                .collect();
            // A wall's fragments next to its own sentences ("Already a subscriber?", "Log
            // In Sign Up") are its too: short, where news tells in full sentences.
            let mut grew = true;
            while grew {
                grew = false;
                for &s in block {
                    let next_to = own.iter().any(|&o| o + 1 == s || s + 1 == o);
                    if !own.contains(&s) && next_to && words[s] <= FRAGMENT_WORDS {
                        own.push(s);
                        grew = true;
                    }
                }
            }
            own.sort_unstable();
            for pair in own.windows(2) {
                if pair[1] - pair[0] - 1 <= WALL_GAP {
                    flags[pair[0]..=pair[1]].fill(true);
                }
            }
            for &s in &own {
                flags[s] = true;
            }
        }
        at = end;
    }
    flags
}

/// The cues of a legal notice, which speaks to no one.
const NOTICE: u32 = 1 << 11 | 1 << 12;

/// The cues of the site's legal small print ("Privacy Policy and Terms of Service apply"):
/// in a wall, its sentences are the wall's though they speak to no one. Alone, a privacy
/// policy is news as often as not.
const LEGAL: u32 = NOTICE | 1 << 9 | 1 << 10;

/// A sentence of at most this many words beside a wall's own is a fragment of it.
const FRAGMENT_WORDS: usize = 12;

/// The most sentences without a cue that a wall holds between two of its own.
const WALL_GAP: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn flags(text: &str) -> Vec<bool> {
        let t = tokenize(text);
        let f = furniture(text, &t);
        if f.is_empty() {
            vec![false; t.sentences.len()]
        } else {
            f
        }
    }

    #[test]
    fn a_wall_and_its_one_cue_sentences_are_furniture() {
        let page = "Ferry runs aground off Calloway Point.\n\
                    You have reached the limit of free access to our journalism.\n\
                    Subscribers, click below to log in or register your subscription.\n\
                    Captain Orla Brenn said nobody was hurt.";
        assert_eq!(flags(page), vec![false, true, true, false]);
    }

    #[test]
    fn a_wall_is_one_block_but_does_not_swallow_the_article() {
        // One sentence without a cue inside the wall is the wall's.
        let form = "Rates to ease, says Quill Research.\n\
                    Registered users can read three of our reports a month with a free trial.\n\
                    Enter your details below for immediate access.\n\
                    Your password must hold a number.";
        assert_eq!(flags(form), vec![false, true, true, true]);
        // A prompt mid-article and a notice at its end leave the article between them.
        let article = "The Oskerville dam opened on Monday. \
                       Sign up for our newsletter. \
                       Engineers had worked on it for six years. \
                       The lake will fill by spring. \
                       Farmers downstream welcomed it. \
                       Copyright 2026 Ledger. All rights reserved.";
        assert_eq!(
            flags(article),
            vec![false, true, false, false, false, true, true]
        );
    }

    #[test]
    fn cues_that_tell_of_others_are_news() {
        // Two cues, and two more in the next sentence, none spoken to the reader.
        let breach = "Hackers stole the passwords and email addresses of two million \
                      subscribers. Residents can register online or log in to the portal.";
        assert_eq!(flags(breach), vec![false, false]);
        // The same cues as a site's address to its reader.
        let prompt = "Reset your password now. Subscribers can log in to your account below.";
        assert_eq!(flags(prompt), vec![true, true]);
        // "US" in capitals is the country, and a quotation is someone else's words.
        let quoted = "\"Sign up for your newsletter,\" the minister told subscribers. \
                      The US password law passed.";
        assert_eq!(flags(quoted), vec![false, false]);
    }

    #[test]
    fn advice_to_the_reader_goes_and_the_news_beside_it_stays() {
        let text = "Hackers stole the passwords of two million Quillbank customers. \
                    The bank reset every account. \
                    If you bank with Quillbank, change your password and watch your inbox.";
        assert_eq!(flags(text), vec![false, false, true]);
    }

    #[test]
    fn a_walls_short_fragments_go_with_it() {
        let text = "Subscribe today for unlimited access to our journalism. \
                    Subscribers log in below. \
                    The harbour reopened on Monday after subscribers of the ferry service \
                    complained for weeks about the closure.";
        assert_eq!(flags(text), vec![true, true, false]);
    }

    #[test]
    fn a_walls_small_print_goes_with_it_and_alone_is_news() {
        let boxed = "Enter your email address to get our newsletter. \
                     This site is protected by reCAPTCHA and the Google Privacy Policy and \
                     Terms of Service apply.";
        assert_eq!(flags(boxed), vec![true, true]);
        let news = "The company changed its privacy policy and terms of service on Monday.";
        assert_eq!(flags(news), vec![false]);
    }

    #[test]
    fn hyphens_and_curly_apostrophes_are_read_as_written() {
        let text = "You\u{2019}ve had all your free access this month. \
                    Subscribers can log-in to your account below.";
        assert_eq!(flags(text), vec![true, true]);
        assert_eq!(flags("Sign-up for our newsletter."), vec![true]);
    }

    #[test]
    fn a_legal_notice_speaks_to_no_one_and_is_furniture() {
        let text = "The council met on Friday. Copyright 2026 The Ledger. All rights reserved.";
        assert_eq!(flags(text), vec![false, true, true]);
        // One notice cue alone is not a notice block.
        assert_eq!(flags("The copyright case reached court."), vec![false]);
    }

    #[test]
    fn cues_are_written_as_they_are_compared() {
        for c in CUES {
            for w in std::iter::once(c.first).chain(c.then.iter().copied()) {
                assert!(
                    w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                    "{w}"
                );
            }
            assert!((3..=13).contains(&c.first.len()), "{}", c.first);
            assert!(c.id < 32);
        }
    }

    #[test]
    fn one_cue_without_a_wall_is_news() {
        let text = "The streaming service gained a million subscribers. \
                    Its chief said the new password rules would stay.";
        assert_eq!(flags(text), vec![false, false]);
    }

    #[test]
    fn a_cue_counts_once_whatever_its_forms() {
        // Two forms of one cue are one cue: no wall.
        assert_eq!(flags("Subscribers may subscribe again."), vec![false]);
        // A phrase cue needs its next word in the same sentence.
        assert_eq!(
            flags("Please sign. Up the hill they went."),
            vec![false, false]
        );
        assert_eq!(
            flags("Sign up for our newsletter. The mayor resigned."),
            vec![true, false]
        );
    }
}
