//! Plain-text articles (`.txt`, `.md`): one file, one document. The id is the file name
//! without its extension; a short first line followed by a blank line is the title.

use std::io::Read;

use crate::document::Document;
use crate::error::{Error, InputError, Position, Result};

use super::{Ingest, clean_text, decode_lossy};

/// A first line longer than this is the start of the body, not a headline.
const MAX_TITLE_CHARS: usize = 150;

pub(crate) fn read<D: Send>(
    ingest: &mut Ingest<'_, D>,
    shown: &str,
    name: &str,
    mut reader: impl Read,
) -> Result<()> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(Position::file(shown), InputError::Read(e)))?;
    let (raw, bad) = decode_lossy(bytes);
    if let Some(at) = bad {
        ingest.warn(
            Position::file(shown),
            format!("invalid UTF-8 at byte {at}, replaced (first of possibly several)"),
        );
    }
    let content = clean_text(&raw);
    let (title, text) = split_title(&content);
    let id = strip_extensions(name);
    let mut doc = Document::new(id, text);
    doc.title = title;
    doc.origin = Position::line(shown, 1);
    ingest.push(doc, None)
}

/// `name` without `.gz` and then without its last extension.
fn strip_extensions(name: &str) -> String {
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".GZ"))
        .unwrap_or(name);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => name.to_owned(),
    }
}

/// Splits off a title: a non-empty first line of at most [`MAX_TITLE_CHARS`] characters,
/// followed by a blank line and more text. Markdown heading marks are dropped from it.
fn split_title(content: &str) -> (Option<String>, String) {
    let body = content.trim_start_matches(['\n', ' ', '\t']);
    if let Some((first, rest)) = body.split_once('\n') {
        let first_t = first.trim();
        let blank_follows = rest.trim_start_matches([' ', '\t']).starts_with('\n');
        if !first_t.is_empty()
            && blank_follows
            && first_t.chars().count() <= MAX_TITLE_CHARS
            && !rest.trim().is_empty()
        {
            let title = first_t.trim_start_matches('#').trim().to_owned();
            return (Some(title), rest.trim().to_owned());
        }
    }
    (None, body.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_first_line_before_blank_is_title() {
        let (t, b) = split_title("# Bridge closes\n\nThe bridge closed.\n\nMore.");
        assert_eq!(t.as_deref(), Some("Bridge closes"));
        assert_eq!(b, "The bridge closed.\n\nMore.");
    }

    #[test]
    fn long_first_line_is_body() {
        let long = "word ".repeat(40);
        let (t, b) = split_title(&format!("{long}\n\nnext"));
        assert_eq!(t, None);
        assert!(b.starts_with("word"));
    }

    #[test]
    fn no_blank_line_means_no_title() {
        let (t, _) = split_title("Line one\nline two\n\nthree");
        assert_eq!(t, None);
    }

    #[test]
    fn ids_drop_extensions() {
        assert_eq!(strip_extensions("000_caa.txt"), "000_caa");
        assert_eq!(strip_extensions("a.b.md"), "a.b");
        assert_eq!(strip_extensions("story.txt.gz"), "story");
        assert_eq!(strip_extensions(".hidden"), ".hidden");
    }
}
