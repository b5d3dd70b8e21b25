//! The unit of work: a [`Document`] with its id and metadata, and the [`Corpus`] that
//! ingest produces.
//!
//! Documents keep their position in the input (`Corpus::docs` is in input order); every
//! later stage refers to a document by its index in that vector.

use std::fmt;

use crate::error::Position;

/// A calendar date, stored as days since 1970-01-01 so differences are plain subtraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// Parses `YYYY-MM-DD`, optionally followed by an RFC 3339 time part (`T...` or ` ...`),
    /// which is ignored: only the calendar date as written counts.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        if b.len() > 10 && b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i32> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    /// Whole days between two dates (always >= 0).
    pub fn days_apart(self, other: Date) -> u32 {
        self.0.abs_diff(other.0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: i32) -> i32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, i32, i32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// One news article.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Unique id: file name without extension, the record's `id`, or `<file>:<line>`.
    pub id: String,
    /// Headline, when known.
    pub title: Option<String>,
    /// Body text (HTML entities decoded, otherwise as read).
    pub text: String,
    /// Outlet name, when known.
    pub source: Option<String>,
    /// Publication date, when known.
    pub date: Option<Date>,
    /// Link to the article, when known.
    pub url: Option<String>,
    /// Where the document came from, for messages.
    pub origin: Position,
}

impl Document {
    /// A document with only an id and a text; handy in tests and examples.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Document {
        let id = id.into();
        Document {
            origin: Position::file(id.clone()),
            id,
            title: None,
            text: text.into(),
            source: None,
            date: None,
            url: None,
        }
    }

    /// The title, or else the first words of the text: what a person reads to recognise it.
    pub fn label(&self, max_chars: usize) -> String {
        let base = match &self.title {
            Some(t) if !t.trim().is_empty() => t.trim(),
            _ => self.text.trim(),
        };
        let flat: String = base.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() <= max_chars {
            flat
        } else {
            let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
            format!("{}…", cut.trim_end())
        }
    }
}

/// A non-fatal problem noticed while reading the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where it was noticed.
    pub pos: Position,
    /// What was noticed.
    pub message: String,
}

/// Documents in input order, with the warnings collected while reading them.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// The documents, in input order.
    pub docs: Vec<Document>,
    /// Warnings, in the order they were noticed.
    pub warnings: Vec<Warning>,
}

impl Corpus {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Index of a document by id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.docs.iter().position(|d| d.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_subtract() {
        let a = Date::parse("2023-07-06").unwrap();
        assert_eq!(a.to_string(), "2023-07-06");
        let b = Date::parse("2023-07-09T16:52:50.698000Z").unwrap();
        assert_eq!(a.days_apart(b), 3);
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert_eq!(
            Date::parse("2024-03-01").unwrap().days() - Date::parse("2024-02-28").unwrap().days(),
            2
        );
    }

    #[test]
    fn bad_dates_are_rejected() {
        for s in [
            "2023-13-01",
            "2023-02-30",
            "23-07-06",
            "2023/07/06",
            "2023-07-06X",
            "",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
    }

    #[test]
    fn label_falls_back_to_text() {
        let mut d = Document::new("x", "One two   three four five");
        assert_eq!(d.label(9), "One two…");
        d.title = Some("Headline".into());
        assert_eq!(d.label(40), "Headline");
    }
}
