//! The unit of work: a [`Document`] with its id and metadata, and the [`Corpus`] that
//! ingest produces.
//!
//! Documents keep their position in the input (`Corpus::docs` is in input order); every
//! later stage refers to a document by its index in that vector.

use std::fmt;
use std::ops::RangeInclusive;

use chrono::format::{Fixed, Item, Parsed};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Weekday};

use crate::error::Position;

/// A calendar date, stored as days since 1970-01-01 so differences are plain subtraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// The years a date may fall in: wide enough for any news archive, narrow enough that a
/// stray number is never taken for a year.
const YEARS: RangeInclusive<i32> = 1900..=2200;

/// The written forms of a date (chrono's format strings), each with whether an ISO `T` may
/// join it to a time; a space always may.
const WRITTEN: [(&str, bool); 4] = [
    ("%Y-%m-%d", true),   // 2024-03-01
    ("%d-%b-%Y", false),  // 26-FEB-1987 (Reuters-21578; chrono reads any case)
    ("%B %d, %Y", false), // February 26, 1987 and Feb 26, 1987
    ("%d %B %Y", false),  // 26 February 1987 and 26 Feb 1987
];

/// A zone after a time: `Z`, `+02:00` or `+0200`, a space before it allowed.
const ZONE: [Item<'static>; 1] = [Item::Fixed(Fixed::TimezoneOffsetZ)];

impl Date {
    /// Reads a publication date in the forms archives and feeds write it:
    ///
    /// - ISO 8601 / RFC 3339: `2024-03-01`, optionally followed by `T` or a space, a time
    ///   (`10:00`, `10:00:00`, `10:00:00.698`) and a zone (`Z`, `+02:00`, `+0200`);
    /// - RFC 2822, as RSS writes it: `Thu, 26 Feb 1987 15:01:01 GMT`, zone names such as
    ///   `EST` included (a weekday that does not match the date is ignored);
    /// - Reuters-21578: `26-FEB-1987 15:01:01.79`, month in any case, time optional;
    /// - `February 26, 1987`, `Feb 26, 1987` or `26 February 1987`, optionally followed by
    ///   a time as in ISO 8601;
    /// - Unix time: 9 to 11 digits of seconds, or 13 of milliseconds.
    ///
    /// Only the calendar date as written counts: a zone does not move it, so
    /// `2024-03-01T23:30:00-05:00` is 2024-03-01, the day the outlet printed. Unix time has
    /// no written day and is read in UTC. Impossible days, years outside 1900-2200 and
    /// anything left over after the date (and its time) are refused.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let date = unix(s).or_else(|| written(s)).or_else(|| rfc2822(s))?;
        if !YEARS.contains(&date.year()) {
            return None;
        }
        Some(Date(date.num_days_from_ce() - epoch().num_days_from_ce()))
    }

    /// The date `days` days after 1970-01-01 (what [`Date::days`] gives back).
    pub fn from_days(days: i32) -> Date {
        Date(days)
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
        let date = NaiveDate::from_num_days_from_ce_opt(epoch().num_days_from_ce() + self.0)
            .expect("a Date is only made from a date within YEARS");
        write!(
            f,
            "{:04}-{:02}-{:02}",
            date.year(),
            date.month(),
            date.day()
        )
    }
}

fn epoch() -> NaiveDate {
    DateTime::UNIX_EPOCH.date_naive()
}

/// Unix time in UTC: seconds (9 to 11 digits, 1973 on) or milliseconds (13 digits).
fn unix(s: &str) -> Option<NaiveDate> {
    if !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    let time = match s.len() {
        9..=11 => DateTime::from_timestamp(n, 0),
        13 => DateTime::from_timestamp_millis(n),
        _ => None,
    }?;
    Some(time.date_naive())
}

/// A date in one of the [`WRITTEN`] forms, alone or followed by a time.
fn written(s: &str) -> Option<NaiveDate> {
    WRITTEN.iter().find_map(|&(form, iso)| {
        let (date, rest) = NaiveDate::parse_and_remainder(s, form).ok()?;
        if rest.is_empty() {
            return Some(date);
        }
        let time = match rest.strip_prefix(['T', 't']) {
            Some(time) if iso => time,
            _ => rest.strip_prefix(char::is_whitespace)?,
        };
        is_time(time).then_some(date)
    })
}

/// True when `s` is a time of day (`10:00`, `10:00:00`, `10:00:00.79`), optionally with a
/// zone, and nothing else. The time is checked, not used.
fn is_time(s: &str) -> bool {
    let Some(zone) = ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|form| NaiveTime::parse_and_remainder(s, form).ok())
        .map(|(_, rest)| rest)
    else {
        return false;
    };
    if zone.is_empty() {
        return true;
    }
    // Parsing takes any two-digit hours; the offset itself must be under a day.
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, zone, ZONE.iter()).is_ok()
        && parsed.to_fixed_offset().is_ok()
}

/// RFC 2822. Feeds now and then print a weekday that does not fall on the date (chrono
/// refuses those); the date is what counts, so such a date is read again without it.
fn rfc2822(s: &str) -> Option<NaiveDate> {
    let read = |s: &str| {
        DateTime::parse_from_rfc2822(s)
            .ok()
            .map(|time| time.naive_local().date())
    };
    read(s).or_else(|| {
        let (weekday, rest) = s.split_once(',')?;
        weekday.trim().parse::<Weekday>().ok()?;
        read(rest.trim_start())
    })
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
    /// The texts were let go once their features were taken (a lean clustering run,
    /// [`crate::pipeline::Run::read`]): ids and metadata remain, every `text` is empty, and
    /// nothing that reads texts (clustering again, diffs, the report) accepts the corpus.
    pub texts_dropped: bool,
}

impl Corpus {
    /// A corpus of `docs`, with no warnings.
    pub fn new(docs: Vec<Document>) -> Corpus {
        Corpus {
            docs,
            ..Corpus::default()
        }
    }

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

    /// The date `s` is read as, written back as `YYYY-MM-DD`.
    fn read(s: &str) -> Option<String> {
        Date::parse(s).map(|d| d.to_string())
    }

    fn assert_reads(cases: &[(&str, &str)]) {
        for &(s, want) in cases {
            assert_eq!(read(s).as_deref(), Some(want), "{s:?}");
        }
    }

    #[test]
    fn dates_round_trip_and_subtract() {
        let a = Date::parse("2023-07-06").unwrap();
        assert_eq!(a.to_string(), "2023-07-06");
        let b = Date::parse("2023-07-09T16:52:50.698000Z").unwrap();
        assert_eq!(a.days_apart(b), 3);
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert_eq!(Date::parse("1969-12-31").unwrap().days(), -1);
        assert_eq!(Date::parse("2000-01-01").unwrap().days(), 10_957);
        assert_eq!(
            Date::parse("2024-03-01").unwrap().days() - Date::parse("2024-02-28").unwrap().days(),
            2
        );
        for s in ["1900-01-01", "1999-12-31", "2024-02-29", "2200-12-31"] {
            assert_eq!(read(s).as_deref(), Some(s));
        }
    }

    #[test]
    fn reads_iso_8601_and_rfc_3339() {
        assert_reads(&[
            ("2024-03-01", "2024-03-01"),
            (" 2024-03-01\n", "2024-03-01"),
            ("2024-03-01T10:00:00Z", "2024-03-01"),
            ("2024-03-01t10:00:00z", "2024-03-01"),
            ("2024-03-01 10:00:00", "2024-03-01"),
            ("2024-03-01T10:00", "2024-03-01"),
            ("2024-03-01T10:00:00+02:00", "2024-03-01"),
            ("2024-03-01 10:00:00+0200", "2024-03-01"),
            ("2024-03-01 10:00:00 +0200", "2024-03-01"),
            ("2024-03-01T10:00:00.698Z", "2024-03-01"),
            ("2024-03-01 10:00:00.123456789-07:00", "2024-03-01"),
        ]);
    }

    #[test]
    fn a_zone_keeps_the_date_as_written() {
        // In UTC these are the next and the previous day; the outlet printed the 1st.
        assert_reads(&[
            ("2024-03-01T23:30:00-05:00", "2024-03-01"),
            ("2024-03-01T00:30:00+09:00", "2024-03-01"),
            ("2024-03-01T00:30:00+14:00", "2024-03-01"),
            ("Fri, 01 Mar 2024 23:30:00 EST", "2024-03-01"),
            ("Fri, 01 Mar 2024 00:30:00 +0900", "2024-03-01"),
        ]);
    }

    #[test]
    fn reads_rfc_2822_as_feeds_write_it() {
        assert_reads(&[
            ("Thu, 26 Feb 1987 15:01:01 GMT", "1987-02-26"),
            ("26 Feb 1987 15:01:01 +0000", "1987-02-26"),
            ("Thu, 26 Feb 1987 15:01:01 EST", "1987-02-26"),
            ("Thu, 26 Feb 1987 23:59:59 PDT", "1987-02-26"),
            ("Sat, 02 Mar 2024 09:05 -0800", "2024-03-02"),
            // 26 February 1987 was a Thursday: the wrong weekday is ignored.
            ("Tue, 26 Feb 1987 15:01:01 GMT", "1987-02-26"),
        ]);
    }

    #[test]
    fn reads_reuters_21578() {
        assert_reads(&[
            ("26-FEB-1987 15:01:01.79", "1987-02-26"),
            ("26-feb-1987 15:01:01.79", "1987-02-26"),
            ("26-Feb-1987", "1987-02-26"),
            (" 5-MAR-1987 09:12:59.62", "1987-03-05"),
            ("19-OCT-1987 23:59:59", "1987-10-19"),
        ]);
    }

    #[test]
    fn reads_month_names() {
        assert_reads(&[
            ("February 26, 1987", "1987-02-26"),
            ("Feb 26, 1987", "1987-02-26"),
            ("26 February 1987", "1987-02-26"),
            ("26 Feb 1987", "1987-02-26"),
            ("february 26, 1987", "1987-02-26"),
            ("February 26, 1987 15:01", "1987-02-26"),
            ("26 February 1987 15:01:01", "1987-02-26"),
            ("March 1, 2024 23:30:00-05:00", "2024-03-01"),
        ]);
    }

    #[test]
    fn reads_unix_time_in_utc() {
        assert_reads(&[
            ("541350061", "1987-02-26"),
            ("1709251200", "2024-03-01"),
            // 2024-03-01T23:59:59Z and a second later.
            ("1709337599", "2024-03-01"),
            ("1709337600", "2024-03-02"),
            ("1709287200000", "2024-03-01"),
            ("07258118400", "2200-01-01"),
        ]);
    }

    #[test]
    fn bad_dates_are_rejected() {
        for s in [
            "",
            "   ",
            "last week",
            // Impossible days and months.
            "2023-13-01",
            "2023-00-10",
            "2023-02-30",
            "2023-02-29",
            "2023-04-31",
            "2023-07-00",
            "31-APR-1987",
            "February 30, 1987",
            "32 January 1987",
            "2024-03-01T25:00:00Z",
            "2024-03-01T10:61",
            "Thu, 30 Feb 1987 15:01:01 GMT",
            // Years out of range, and stray numbers.
            "23-07-06",
            "1899-12-31",
            "2201-01-01",
            "0001-01-01",
            "7",
            "1987",
            "20240301",
            "12345678",
            "99999999999",
            "170928720000",
            "17092872000000",
            "-541350061",
            "541350061.5",
            // Other shapes and trailing garbage.
            "2023/07/06",
            "06/07/2023",
            "2023-07-06X",
            "2023-07-06 X",
            "2023-07-06T",
            "2023-07-06 10:00:00 garbage",
            "2023-07-06 10:00:00+25:00",
            "26-FEB-1987 15:01:01.79 x",
            "26-FEB-1987T15:01:01",
            "26-Febx-1987",
            "Foo 26, 1987",
            "Thu, 26 Feb 1987 15:01:01 XYZ",
            "Xyz, 26 Feb 1987 15:01:01 GMT",
            "Thu, 26 Feb 1987 15:01:01 GMT extra",
            "February 26, 1987, and more",
        ] {
            assert_eq!(read(s), None, "{s:?}");
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
