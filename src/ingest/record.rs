//! Turns one record's fields (from JSONL or CSV) into a [`Document`], the same way for
//! both formats: cleaned text, a fallback id, a parsed date.

use crate::document::{Date, Document, Warning};
use crate::error::Position;

use super::{clean_owned, clean_text};

/// The fields of one record, as strings, before validation.
#[derive(Debug, Default)]
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
                    message: format!("date {s:?} is not YYYY-MM-DD or RFC 3339; ignored"),
                });
            }
            parsed
        }
    };
    // Metadata is one line: cleaned (markup may leave gaps), then spaces collapsed.
    let nonempty = |s: Option<String>| {
        s.map(|s| {
            clean_text(&s)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
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
