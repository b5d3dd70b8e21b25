//! Writes chosen documents back out as their inputs held them: JSONL lines byte for byte,
//! CSV and TSV rows as written under the first file's header, plain-text articles as JSONL
//! records.
//! `dedup` uses it to hand a collection back without its duplicates, so that whatever the
//! user's records carry beyond the fields storydedup reads comes back untouched.
//!
//! The files are read again, in the order their documents first appear, and a record is
//! recognised by its place (file and line), the same place the reader gave its document.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};

use flate2::read::MultiGzDecoder;

use super::{Format, format_of};
use crate::document::Document;
use crate::error::{Error, InputError, Position, Result};

/// The output format `docs` come back in: that of their files (JSONL and CSV as they are,
/// plain-text articles as JSONL). Errs when the inputs mix JSONL, CSV and TSV, or when a
/// document came from standard input (which cannot be read twice).
pub fn output_format(docs: &[Document]) -> Result<Format> {
    let mut seen: Option<Format> = None;
    for d in docs {
        if d.origin.path == super::STDIN_NAME {
            return Err(Error::Usage(
                "dedup reads its inputs a second time to copy the kept records as they are: \
                 give a file, not standard input"
                    .into(),
            ));
        }
        let format = match file_format(&d.origin.path) {
            Format::Text => Format::Jsonl,
            f => f,
        };
        match seen {
            None => seen = Some(format),
            Some(s) if s == format => {}
            Some(_) => {
                return Err(Error::Usage(format!(
                    "dedup writes the inputs' own format, but they mix formats \
                     ({} is {}): deduplicate each format on its own",
                    d.origin.path,
                    match format {
                        Format::Csv => "CSV",
                        Format::Tsv => "TSV",
                        Format::Jsonl | Format::Text => "JSONL",
                    }
                )));
            }
        }
    }
    Ok(seen.unwrap_or(Format::Jsonl))
}

/// The reader a document's file was read with (a name no reader claims was read as text).
fn file_format(path: &str) -> Format {
    let name = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
    format_of(&name).map_or(Format::Text, |(f, _)| f)
}

fn open(path: &str) -> Result<Box<dyn Read>> {
    let file = File::open(path).map_err(|e| super::read_error(path, e))?;
    let gz = path.to_ascii_lowercase().ends_with(".gz");
    Ok(if gz {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// Writes the documents `keep` marks (one flag per document of `docs`) to `out`, in input
/// order, in [`output_format`]'s format. Write errors are returned as they are, for the
/// caller to name its output.
pub fn write_kept(docs: &[Document], keep: &[bool], out: &mut dyn Write) -> Result<()> {
    let format = output_format(docs)?;
    // Files in the order their documents first appear, with the lines to keep.
    let mut files: Vec<(&str, HashSet<u64>)> = Vec::new();
    for (d, &k) in docs.iter().zip(keep) {
        let path = d.origin.path.as_str();
        if files.last().is_none_or(|f| f.0 != path) {
            files.push((path, HashSet::new()));
        }
        if k {
            files
                .last_mut()
                .expect("just pushed")
                .1
                .insert(d.origin.line.unwrap_or(1));
        }
    }
    let mut header: Option<Vec<u8>> = None;
    for (path, lines) in &files {
        match file_format(path) {
            Format::Jsonl if super::is_dot_json(path) && is_array(path)? => {
                copy_elements(path, lines, out)?;
            }
            Format::Jsonl => copy_lines(path, lines, out)?,
            f @ (Format::Csv | Format::Tsv) => copy_rows(path, lines, f, &mut header, out)?,
            Format::Text => {}
        }
    }
    if format == Format::Jsonl {
        for (d, _) in docs
            .iter()
            .zip(keep)
            .filter(|(d, k)| **k && file_format(&d.origin.path) == Format::Text)
        {
            let record = serde_json::json!({
                "id": d.id,
                "title": d.title,
                "text": d.text,
                "source": d.source,
                "url": d.url,
            });
            writeln!(out, "{record}").map_err(|e| write_error(path_of(d), e))?;
        }
    }
    Ok(())
}

fn path_of(d: &Document) -> &str {
    &d.origin.path
}

fn write_error(path: &str, e: std::io::Error) -> Error {
    Error::Output {
        path: format!("(output, copying {path})"),
        source: e,
    }
}

/// Copies the lines numbered in `lines` (1-based, as the reader counted them) of a JSONL
/// file, byte for byte, each ended by a newline.
fn copy_lines(path: &str, lines: &HashSet<u64>, out: &mut dyn Write) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, open(path)?);
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::input(Position::line(path, number + 1), InputError::Read(e)))?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        if !lines.contains(&number) {
            continue;
        }
        let mut bytes = &line[..];
        if number == 1 {
            // A byte-order mark belongs to the file, not to its first record.
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        out.write_all(bytes).map_err(|e| write_error(path, e))?;
        if !bytes.ends_with(b"\n") {
            out.write_all(b"\n").map_err(|e| write_error(path, e))?;
        }
    }
}

/// Copies the rows of a CSV file whose records start on the lines in `lines`, as written,
/// under the header of the first CSV file (`header`); a later file with another header is
/// refused, since its rows would not fit the columns.
fn copy_rows(
    path: &str,
    lines: &HashSet<u64>,
    format: Format,
    header: &mut Option<Vec<u8>>,
    out: &mut dyn Write,
) -> Result<()> {
    let mut data = Vec::new();
    open(path)?
        .read_to_end(&mut data)
        .map_err(|e| super::read_error(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(format.delimiter().unwrap_or(b','))
        .from_reader(&data[..]);
    // Each record's first line and first byte, then the end of the data.
    let mut starts: Vec<(u64, usize)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let at = rdr.position().clone();
        match rdr.read_byte_record(&mut record) {
            Ok(true) => starts.push((at.line(), at.byte() as usize)),
            Ok(false) => break,
            Err(e) => {
                return Err(Error::input(
                    Position::line(path, e.position().map_or(0, |p| p.line())),
                    InputError::Csv(e.to_string()),
                ));
            }
        }
    }
    let Some(&(_, first_row)) = starts.get(1) else {
        return Ok(());
    };
    let with_newline = |mut b: Vec<u8>| {
        if !b.ends_with(b"\n") {
            b.push(b'\n');
        }
        b
    };
    // A record starts after the line break that ended the one before; with `\r\n` breaks
    // the reader's position can fall between the two bytes.
    let row_at = |start: usize| {
        start
            + data[start..]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count()
    };
    let head = data[..first_row].to_vec();
    let head = with_newline(
        head.strip_prefix(b"\xEF\xBB\xBF")
            .map_or_else(|| head.clone(), <[u8]>::to_vec),
    );
    match header {
        None => {
            out.write_all(&head).map_err(|e| write_error(path, e))?;
            *header = Some(head);
        }
        Some(h) if trimmed(h) == trimmed(&head) => {}
        Some(_) => {
            return Err(Error::Usage(format!(
                "dedup writes one CSV, but {path} has other columns than the first CSV \
                 file: deduplicate files with different headers one at a time"
            )));
        }
    }
    for (k, &(line, start)) in starts.iter().enumerate().skip(1) {
        if !lines.contains(&line) {
            continue;
        }
        let end = starts.get(k + 1).map_or(data.len(), |s| s.1);
        let row = with_newline(data[row_at(start).min(end)..end].to_vec());
        out.write_all(&row).map_err(|e| write_error(path, e))?;
    }
    Ok(())
}

/// Whether a file's first character (after a byte-order mark and spaces) opens an array.
fn is_array(path: &str) -> Result<bool> {
    let mut head = [0u8; 4096];
    let mut reader = open(path)?;
    let n = reader
        .read(&mut head)
        .map_err(|e| Error::input(Position::file(path), InputError::Read(e)))?;
    let head = &head[..n];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    Ok(head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['))
}

/// Copies the elements numbered in `numbers` (1-based) of a JSON array file, each as one
/// JSON line: the element's own text with the spaces and line breaks between its tokens
/// taken out (keys, their order and numbers as written).
fn copy_elements(path: &str, numbers: &HashSet<u64>, out: &mut dyn Write) -> Result<()> {
    let mut bytes = Vec::new();
    open(path)?
        .read_to_end(&mut bytes)
        .map_err(|e| super::read_error(path, e))?;
    let (text, _) = super::decode_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let elements: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(|e| {
        Error::input(
            Position::line(path, e.line() as u64),
            InputError::Json(e.to_string()),
        )
    })?;
    for (i, element) in elements.iter().enumerate() {
        if numbers.contains(&(i as u64 + 1)) {
            let mut line = one_line(element.get());
            line.push('\n');
            out.write_all(line.as_bytes())
                .map_err(|e| write_error(path, e))?;
        }
    }
    Ok(())
}

/// JSON text without the whitespace between its tokens (strings untouched).
fn one_line(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

fn trimmed(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !matches!(c, b'\r' | b'\n'))
        .map_or(0, |i| i + 1);
    &b[..end]
}
