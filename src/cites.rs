//! Which outlets an article cites: "NBC News reported", "according to Reuters", "told CNN",
//! "The Wall Street Journal first reported", "The Associated Press contributed to this
//! report". Part of the report stage's explanations: a story cluster's cited sources show
//! which pieces derive from one outlet's reporting.
//!
//! Rule-based on purpose: each pattern pairs an attribution phrase with a run of capitalised
//! words (the outlet), and a run must look like an outlet (an acronym, or a name with a word
//! such as News, Times, Post, Wire, Herald) so that "Vance told reporters" or "according to
//! Westline Power" cite nothing.

use std::ops::Range;

use crate::tokenize::{Shape, for_each_word, shape};

/// What citations need of a word: its byte span in the text (as [`for_each_word`] finds
/// it) and its letter case.
trait Word {
    fn text<'a>(&self, source: &'a str) -> &'a str;

    /// Letter case, computed when asked: most words are never looked at that closely.
    fn shape(&self, source: &str) -> Shape;
}

impl Word for Range<usize> {
    fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.clone()]
    }

    fn shape(&self, source: &str) -> Shape {
        shape(self.text(source))
    }
}
use crate::weigh::strip_possessive;

/// Words that mark a run of capitals as a news outlet even when it is a single word.
const OUTLET_WORDS: &[&str] = &[
    "news",
    "times",
    "post",
    "journal",
    "press",
    "wire",
    "herald",
    "gazette",
    "tribune",
    "courier",
    "observer",
    "sentinel",
    "ledger",
    "telegraph",
    "guardian",
    "reuters",
    "bloomberg",
    "politico",
    "axios",
    "daily",
    "weekly",
    "radio",
    "tv",
    "television",
    "agency",
    "chronicle",
    "standard",
    "independent",
    "mail",
    "express",
    "mirror",
    "star",
    "globe",
    "examiner",
    "bulletin",
    "digital",
];

/// Capitalised words that open sentences or name people in general, never outlets.
const NOT_OUTLETS: &[&str] = &[
    "officials",
    "official",
    "police",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "sources",
    "source",
    "the",
    "a",
    "an",
    "authorities",
    "witnesses",
    "experts",
    "analysts",
    "reporters",
    "critics",
];

/// For each word length, the first letters (bit 0 = `a`) of the attribution words of that
/// length that [`cites_of_words`] looks for.
const FIRST_LETTERS_BY_LENGTH: [u32; 12] = {
    const fn bit(c: u8) -> u32 {
        1 << (c - b'a')
    }
    let mut t = [0u32; 12];
    t[4] = bit(b't'); // told
    t[5] = bit(b'f'); // first
    t[6] = bit(b'r'); // report
    t[7] = bit(b'q') | bit(b'r'); // quoting, reports
    t[8] = bit(b'r'); // reported
    t[9] = bit(b'a') | bit(b'r'); // according, reporting
    t[11] = bit(b'c'); // contributed
    t
};

/// The outlets `text` cites, in order of first mention, without repeats. A shorter name
/// that begins a longer one cited in the same text ("NBC" and "NBC News") is folded into it:
/// "Lavrov met them, NBC News reported. A US official told CNN." cites NBC News and CNN.
pub fn cites(text: &str) -> Vec<String> {
    // Most texts hold none of the attribution words; skip finding the words of those.
    if !has_trigger(text) {
        return Vec::new();
    }
    let mut words = Vec::with_capacity(text.len() / 5);
    for_each_word(text, |start, w| words.push(start..start + w.len()));
    cites_in(text, &words)
}

/// Whether `text` holds an attribution word at all (part of one, even).
pub(crate) fn has_trigger(text: &str) -> bool {
    use std::sync::LazyLock;
    // Vectorised substring searchers, built once ("eport" first: the most common).
    static TRIGGERS: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
        ["eport", "told", "ccording", "uoting", "ontributed"]
            .iter()
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()))
            .collect()
    });
    TRIGGERS.iter().any(|f| f.find(text.as_bytes()).is_some())
}

/// [`cites`] of a text whose words are known: `words` are the byte spans of every word, as
/// [`for_each_word`] finds them. For a stage that walks the words anyway (the shingle
/// stage), so the text is walked once.
pub fn cites_in(text: &str, words: &[Range<usize>]) -> Vec<String> {
    if !has_trigger(text) {
        return Vec::new();
    }
    cites_of_words(text, words)
}

/// [`cites_in`] of a text known to hold an attribution word ([`has_trigger`]).
pub(crate) fn cites_of_words(text: &str, words: &[Range<usize>]) -> Vec<String> {
    let toks = words;
    let word = |i: usize| toks[i].text(text);
    // Every word looked for is ASCII without an apostrophe, for which ASCII case folding
    // is exactly the Unicode lower-casing (no allocation per token).
    let is = |i: usize, target: &str| i < toks.len() && word(i).eq_ignore_ascii_case(target);
    let mut found: Vec<String> = Vec::new();
    for i in 0..toks.len() {
        // Only the words looked for here (according, told, quoting, reported, first,
        // reports, contributed, reporting, report) get past this: one table look-up by
        // length and first letter, one branch that almost always goes the same way.
        let w = &text.as_bytes()[toks[i].clone()];
        let letter = u32::from(w[0] | 0x20).wrapping_sub(u32::from(b'a'));
        let bit = if letter < 26 { 1u32 << letter } else { 0 };
        if FIRST_LETTERS_BY_LENGTH.get(w.len()).map_or(0, |m| m & bit) == 0 {
            continue;
        }
        // "according to [the] X", "told [the] X", "reported by [the] X", "quoting [the] X"
        let after = if is(i, "according") && is(i + 1, "to") {
            Some(i + 2)
        } else if is(i, "told") || is(i, "quoting") {
            Some(i + 1)
        } else if (is(i, "reported") || is(i, "first")) && is(i + 1, "by") {
            Some(i + 2)
        } else {
            None
        };
        if let Some(start) = after
            && let Some(name) = run_after(text, toks, start)
        {
            found.push(name);
        }
        // "X reported", "X first reported", "X reports", "X contributed to this report",
        // "X's report", "X said in a report"
        let before_verb = ["reported", "reports", "contributed", "reporting"]
            .iter()
            .any(|v| is(i, v))
            || (is(i, "first") && is(i + 1, "reported"));
        if before_verb
            && i > 0
            && let Some(name) = run_before(text, toks, i)
        {
            found.push(name);
        }
        if (is(i, "report") || is(i, "reporting"))
            && i > 0
            && (word(i - 1).ends_with("'s")
                || word(i - 1).ends_with("\u{2019}s")
                || text[..toks[i].start]
                    .trim_end()
                    .ends_with(['\'', '\u{2019}']))
            && let Some(name) = run_before(text, toks, i)
        {
            found.push(name);
        }
    }
    let mut out: Vec<String> = Vec::new();
    for name in found {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    let longer: Vec<String> = out.clone();
    out.retain(|n| {
        !longer
            .iter()
            .any(|l| l != n && l.starts_with(n.as_str()) && l[n.len()..].starts_with(' '))
    });
    out
}

fn is_capital(text: &str, t: &Range<usize>) -> bool {
    matches!(t.shape(text), Shape::Capitalized | Shape::AllCaps)
}

/// The outlet name starting at token `start` (after an optional "the", which is dropped), if
/// it looks like one.
fn run_after(text: &str, toks: &[Range<usize>], start: usize) -> Option<String> {
    let mut i = start;
    if i < toks.len() && toks[i].text(text).eq_ignore_ascii_case("the") {
        i += 1;
    }
    let begin = i;
    while i < toks.len() && is_capital(text, &toks[i]) && adjacent(text, toks, i, begin) {
        i += 1;
    }
    outlet(text, toks, begin, i)
}

/// The outlet name ending just before token `end` (a run of capitals; a "The" before it is
/// not part of the name).
fn run_before(text: &str, toks: &[Range<usize>], end: usize) -> Option<String> {
    // Skip "first" in "X first reported".
    let mut j = end;
    if j > 0 && toks[j - 1].text(text).eq_ignore_ascii_case("first") {
        j -= 1;
    }
    let stop = j;
    let mut i = j;
    while i > 0 && is_capital(text, &toks[i - 1]) && (i == stop || adjacent(text, toks, i, i - 1)) {
        if toks[i - 1].text(text).eq_ignore_ascii_case("the") {
            break;
        }
        i -= 1;
    }
    outlet(text, toks, i, stop)
}

/// True when tokens `i` and the one before it are separated by spaces only (no comma).
fn adjacent(text: &str, toks: &[Range<usize>], i: usize, first: usize) -> bool {
    if i == first {
        return true;
    }
    text[toks[i - 1].end..toks[i].start]
        .chars()
        .all(char::is_whitespace)
}

fn outlet(text: &str, toks: &[Range<usize>], begin: usize, end: usize) -> Option<String> {
    if begin >= end || end - begin > 6 {
        return None;
    }
    let words: Vec<&str> = toks[begin..end]
        .iter()
        .map(|t| strip_possessive(t.text(text)))
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    if lower.iter().any(|w| NOT_OUTLETS.contains(&w.as_str())) && words.len() == 1 {
        return None;
    }
    let acronym =
        words.len() == 1 && toks[begin].shape(text) == Shape::AllCaps && words[0].len() >= 2;
    let outletish = lower.iter().any(|w| OUTLET_WORDS.contains(&w.as_str()));
    // Companies and agencies are cited too ("according to Westline Power"), but this is
    // about news outlets: a name must carry an outlet word or be an acronym.
    if !(acronym || outletish) {
        return None;
    }
    // A leading "The" is dropped ("the Harbor Ledger" and "The Harbor Ledger" are one
    // outlet), so counts across articles agree.
    Some(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlets_are_cited_in_order_of_first_mention() {
        let c = cites("Lavrov met them, NBC News reported. A US official told CNN.");
        assert_eq!(c, ["NBC News", "CNN"]);
    }

    /// Hand-labelled attribution sentences (invented outlets and people) with the outlets
    /// they cite; precision and recall over them are reported in docs/algorithm.md.
    pub(crate) const LABELLED: &[(&str, &[&str])] = &[
        (
            "The bridge will stay shut for six weeks, the Harbor Ledger reported on Monday.",
            &["Harbor Ledger"],
        ),
        (
            "According to Northgate Wire, the fire started in a dryer.",
            &["Northgate Wire"],
        ),
        (
            "A council spokesman told the Valley Courier that repairs had begun.",
            &["Valley Courier"],
        ),
        (
            "Mayor Teodora Vance told reporters the decision was hers.",
            &[],
        ),
        (
            "The Meridian Press contributed to this report.",
            &["Meridian Press"],
        ),
        (
            "The Eastbrook Gazette first reported the payments last year.",
            &["Eastbrook Gazette"],
        ),
        ("Officials said the plant would reopen.", &[]),
        (
            "The ministry declined to comment, according to two people familiar with the plan.",
            &[],
        ),
        ("KTV first reported the recall on Tuesday.", &["KTV"]),
        (
            "Ambani told Summit Daily Post the merger made sense.",
            &["Summit Daily Post"],
        ),
        (
            "Lakeshore Tribune's report said 40 homes were damaged.",
            &["Lakeshore Tribune"],
        ),
        (
            "Reporting by the Coastal Sentinel found no evidence of fraud.",
            &[],
        ),
        (
            "The findings were reported by Pinecrest Observer reporters.",
            &["Pinecrest Observer"],
        ),
        (
            "Prosecutors told the court that Pratt took 185,000 crowns.",
            &[],
        ),
        (
            "Dresner told a press conference the budget lacked ambition.",
            &[],
        ),
        (
            "The union, quoting Ridgeline Herald, said 120 jobs would go.",
            &["Ridgeline Herald"],
        ),
        ("The story was first reported by Reuters.", &["Reuters"]),
        (
            "Marrow said she had done nothing wrong, according to a statement.",
            &[],
        ),
        ("Police reported two arrests overnight.", &[]),
        (
            "The Associated Press contributed to this report.",
            &["Associated Press"],
        ),
    ];

    #[test]
    fn labelled_sentences_have_high_precision_and_recall() {
        let (mut tp, mut found, mut gold) = (0, 0, 0);
        for (sentence, want) in LABELLED {
            let got = cites(sentence);
            tp += got.iter().filter(|g| want.contains(&g.as_str())).count();
            found += got.len();
            gold += want.len();
        }
        let (p, r) = (tp as f64 / found as f64, tp as f64 / gold as f64);
        assert!(p >= 0.9 && r >= 0.9, "precision {p:.2} recall {r:.2}");
    }

    #[test]
    fn seeds_both_cite_nbc_news() {
        let a = cites(include_str!("../seeds/000_caa04d0a8aee422f.txt"));
        let b = cites(include_str!("../seeds/004_4b38f16243b578f4.txt"));
        assert!(a.contains(&"NBC News".to_owned()), "{a:?}");
        assert!(b.contains(&"NBC News".to_owned()), "{b:?}");
        assert!(
            a.contains(&"CNN".to_owned()) && a.contains(&"Wall Street Journal".to_owned()),
            "{a:?}"
        );
        assert!(
            b.contains(&"Associated Press".to_owned())
                && b.contains(&"Fox News Digital".to_owned()),
            "{b:?}"
        );
        assert!(
            !a.contains(&"NBC".to_owned()),
            "folded into NBC News: {a:?}"
        );
    }
}
