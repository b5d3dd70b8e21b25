//! Turns one record's fields (from JSONL or CSV) into a [`Document`], the same way for
//! both formats: cleaned text, a fallback id, a parsed date.

use crate::document::{Date, Document, Warning};
use crate::error::Position;

use super::clean_owned;

/// The fields of one record, as strings, before validation.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Fields {
    pub id: Option<String>,
    pub text: String,
    pub title: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
}

/// Builds the document for a record at `pos` of the file called `name`. An unreadable date
/// is dropped with a warning rather than refusing the whole input: feeds are full of them.
pub(crate) fn build(warnings: &mut Vec<Warning>, pos: Position, name: &str, f: Fields) -> Document {
    let line = pos.line.unwrap_or(0);
    let id = match f.id {
        Some(id) => id,
        None => format!("{name}:{line}"),
    };
    let date = match f.date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => {
            let parsed = Date::parse(s);
            if parsed.is_none() {
                warnings.push(Warning {
                    pos: pos.clone(),
                    message: format!(
                        "date {s:?} is not a date (ISO 8601, RFC 2822, 26-FEB-1987, \
                         February 26, 1987 or Unix seconds); ignored"
                    ),
                });
            }
            parsed
        }
    };
    // Metadata is one line: cleaned (markup may leave gaps), then spaces collapsed.
    let nonempty = |s: Option<String>| {
        s.map(|s| {
            let s = clean_owned(s);
            if is_one_line(&s) {
                s
            } else {
                s.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        })
        .filter(|s| !s.is_empty())
    };
    Document {
        id,
        title: nonempty(f.title),
        text: clean_owned(f.text),
        source: nonempty(f.source),
        date,
        url: f.url.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        origin: pos,
    }
}

/// True when collapsing the whitespace of `s` would change nothing (ASCII with single
/// spaces between words, none at the ends): most metadata, which then needs no copy.
fn is_one_line(s: &str) -> bool {
    let b = s.as_bytes();
    s.is_ascii()
        && b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && b.windows(2).all(|w| w != b"  ")
        && !b
            .iter()
            .any(|c| c.is_ascii_whitespace() && *c != b' ' || *c == 0x0b)
}

#[cfg(test)]
mod tests {
    use super::is_one_line;

    #[test]
    fn one_line_means_collapsing_changes_nothing() {
        for s in [
            "Harbor budget",
            "",
            "a",
            " lead",
            "trail ",
            "two  spaces",
            "tab\there",
            "line\nbreak",
            "vt\u{b}x",
            "ff\u{c}x",
            "nbsp\u{a0}x",
            "em\u{2003}space",
            "Caf\u{e9} Society",
        ] {
            let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
            if is_one_line(s) {
                assert_eq!(collapsed, s, "{s:?}");
            }
        }
        assert!(is_one_line("Harbor budget"));
        assert!(!is_one_line("two  spaces") && !is_one_line("vt\u{b}x"));
    }
}
