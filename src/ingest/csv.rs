//! CSV reader: a header row naming the columns (`text` required; `id`, `title`, `source`,
//! `date`, `url` optional; others ignored), one article per row.

use std::io::Read;

use crate::error::{Error, InputError, Position, Result};

use super::record::{self, Fields};
use super::{Ingest, decode_lossy};

/// Column indexes of the fields we read.
#[derive(Default)]
struct Columns {
    text: usize,
    id: Option<usize>,
    title: Option<usize>,
    source: Option<usize>,
    date: Option<usize>,
    url: Option<usize>,
}

/// Reads one CSV file. `walked` is true for a file found in a directory walk: a CSV there
/// without a `text` column (labels, a previous run's output) is skipped with a warning
/// rather than stopping the run.
pub(crate) fn read<D: Send>(
    ingest: &mut Ingest<'_, D>,
    shown: &str,
    name: &str,
    reader: impl Read,
    walked: bool,
    delimiter: u8,
) -> Result<()> {
    let quotes = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counting = QuoteCounter {
        inner: reader,
        quotes: quotes.clone(),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(delimiter)
        .from_reader(counting);
    let header = rdr
        .byte_headers()
        .map_err(|e| csv_error(shown, &e))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            let (s, _) = decode_lossy(h.to_vec());
            s.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
        })
        .collect();
    let find = |want: &str| {
        let want = want.trim().to_ascii_lowercase();
        names.iter().position(|n| *n == want)
    };
    let fields = ingest.names.clone();
    let Some(text) = find(&fields.text) else {
        if walked {
            ingest.warn(
                Position::line(shown, 1),
                format!(
                    "skipped: CSV without a `{}` column (columns: {})",
                    fields.text,
                    names.join(",")
                ),
            );
            return Ok(());
        }
        return Err(Error::input(
            Position::line(shown, 1),
            InputError::NoTextColumn(names.join(",")),
        ));
    };
    let cols = Columns {
        text,
        id: find(&fields.id),
        title: find(&fields.title),
        source: find(&fields.source),
        date: find(&fields.date),
        url: find(&fields.url),
    };
    let mut record = csv::ByteRecord::new();
    let mut warned_utf8 = false;
    let mut last_line = 1;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => {
                // The csv crate reads an unclosed quote to the end of the file as one field;
                // in well-formed CSV quotes come in pairs, so an odd count means one is open.
                if quotes.get() % 2 == 1 {
                    return Err(Error::input(
                        Position::line(shown, last_line),
                        InputError::Csv("unbalanced quote at or before this line: a quoted field is never closed, or a quote stands inside an unquoted field".into()),
                    ));
                }
                break;
            }
            Ok(true) => {}
            Err(e) => return Err(csv_error(shown, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        last_line = line;
        let pos = Position::line(shown, line);
        let mut field = |i: Option<usize>| -> Option<String> {
            let bytes = record.get(i?)?;
            let (s, bad) = decode_lossy(bytes.to_vec());
            if let Some(at) = bad
                && !warned_utf8
            {
                warned_utf8 = true;
                ingest.warn(
                    pos.clone(),
                    format!("invalid UTF-8 at byte {at} of a field, replaced (first of possibly several in this file)"),
                );
            }
            Some(s)
        };
        let fields = Fields {
            text: field(Some(cols.text)).unwrap_or_default(),
            id: field(cols.id).filter(|s| !s.trim().is_empty()),
            title: field(cols.title),
            source: field(cols.source),
            date: field(cols.date),
            url: field(cols.url),
        };
        let doc = record::build(&mut ingest.corpus.warnings, pos, name, fields);
        ingest.push(doc, None)?;
    }
    Ok(())
}

/// Counts double-quote bytes as they stream past.
struct QuoteCounter<R> {
    inner: R,
    quotes: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let q = buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        self.quotes.set(self.quotes.get() + q);
        Ok(n)
    }
}

fn csv_error(shown: &str, e: &csv::Error) -> Error {
    let pos = match e.position() {
        Some(p) => Position::line(shown, p.line()),
        None => Position::file(shown),
    };
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("row has {len} fields but the header has {expected_len} (an unbalanced quote?)")
        }
        csv::ErrorKind::Io(err) => {
            return Error::input(
                pos,
                InputError::Read(std::io::Error::new(err.kind(), err.to_string())),
            );
        }
        _ => e.to_string(),
    };
    Error::input(pos, InputError::Csv(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> Result<crate::document::Corpus> {
        let mut ingest = Ingest::new(None, &|_| ());
        read(&mut ingest, "t.csv", "t.csv", input.as_bytes(), false, b',')?;
        Ok(ingest.finish())
    }

    #[test]
    fn reads_rows_with_quotes_and_newlines() {
        let c =
            run("id,Title,text,extra\n1,A,\"hello, \"\"world\"\"\nsecond line\",x\n2,B,bye,y\n")
                .unwrap();
        assert_eq!(c.docs.len(), 2);
        assert_eq!(c.docs[0].text, "hello, \"world\"\nsecond line");
        assert_eq!(c.docs[0].title.as_deref(), Some("A"));
        assert_eq!(
            c.docs[1].origin.line,
            Some(4),
            "line where the record starts"
        );
    }

    #[test]
    fn missing_text_column_is_refused() {
        match run("id,body\n1,x\n") {
            Err(Error::Input {
                kind: InputError::NoTextColumn(_),
                pos,
            }) => assert_eq!(pos.line, Some(1)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ragged_rows_and_open_quotes_are_refused() {
        assert!(matches!(
            run("id,text\n1,a\n2,b,c\n"),
            Err(Error::Input {
                kind: InputError::Csv(_),
                ..
            })
        ));
        assert!(matches!(
            run("id,text\n1,\"never closed\n2,b\n"),
            Err(Error::Input {
                kind: InputError::Csv(_),
                ..
            })
        ));
    }
}
