//! Stage 3b, furniture: the sentences of a scraped page that belong to the site, not to the
//! story (sign-up and pay walls, newsletter prompts, cookie and copyright notices).
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
//! A sentence is furniture when it holds two different cues of a site's own vocabulary
//! ("sign up", "newsletter", "password", "unlimited access", ...), and, on a page that has
//! such a sentence (a wall), when it holds one, or lies between two furniture sentences at
//! most [`WALL_GAP`] sentences apart (a wall is one block: "Enter your details below").
//! One cue alone is news as often as not ("the service gained a million subscribers"); two
//! in one sentence are a page speaking to its reader. Counted: no sentence of 510 ECB+ articles and one of 6,393 NeuS headlines and
//! leads has two cues; 11 of 321 scraped SemEval pages do.

use crate::tokenize::Tokens;

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
    cue(1, "sign", &["up"]),
    cue(1, "signup", &[]),
    cue(2, "log", &["in"]),
    cue(2, "log", &["out"]),
    cue(2, "login", &[]),
    cue(2, "logout", &[]),
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

/// Which sentences of a tokenized text (`tokens` of `text`) are page furniture, one flag
/// per sentence of `tokens.sentences`; all false for most texts.
pub fn furniture(text: &str, tokens: &Tokens) -> Vec<bool> {
    let n = tokens.sentences.len();
    // Each sentence's cues, as bits of a mask.
    let mut cues = vec![0u32; n];
    let toks = &tokens.tokens;
    for (i, tok) in toks.iter().enumerate() {
        let word = tok.text(text);
        // Every cue's first word is ASCII of 3 to 13 letters: most words skip the table.
        if !(3..=13).contains(&word.len()) || !word.is_ascii() {
            continue;
        }
        for c in CUES.iter().filter(|c| word.eq_ignore_ascii_case(c.first)) {
            let follows = c.then.iter().enumerate().all(|(k, next)| {
                toks.get(i + 1 + k).is_some_and(|t| {
                    t.sentence == tok.sentence && t.text(text).eq_ignore_ascii_case(next)
                })
            });
            if follows {
                cues[tok.sentence as usize] |= 1 << c.id;
            }
        }
    }
    let wall = cues.iter().any(|m| m.count_ones() >= 2);
    let mut flags: Vec<bool> = cues
        .iter()
        .map(|m| m.count_ones() >= 2 || (wall && *m != 0))
        .collect();
    // A wall is one block: a sentence or two without a cue between two of its sentences
    // ("Enter your details below") belong to it.
    let mut last: Option<usize> = None;
    for i in 0..flags.len() {
        if flags[i] {
            if let Some(l) = last
                && i - l - 1 <= WALL_GAP
            {
                flags[l + 1..i].fill(true);
            }
            last = Some(i);
        }
    }
    flags
}

/// The most sentences without a cue that a wall holds between two of its own.
const WALL_GAP: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn flags(text: &str) -> Vec<bool> {
        furniture(text, &tokenize(text))
    }

    #[test]
    fn a_wall_and_its_one_cue_sentences_are_furniture() {
        let page = "Ferry runs aground off Calloway Point.\n\
                    You have reached the limit of free access to our journalism.\n\
                    Subscribers, click below to log in or register to continue.\n\
                    Captain Orla Brenn said nobody was hurt.";
        assert_eq!(flags(page), vec![false, true, true, false]);
    }

    #[test]
    fn a_wall_is_one_block_but_does_not_swallow_the_article() {
        // One sentence without a cue inside the wall is the wall's.
        let form = "Rates to ease, says Quill Research.\n\
                    Registered users can read three reports a month with a free trial.\n\
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
