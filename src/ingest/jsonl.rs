//! JSONL / NDJSON reader: one JSON object per line; blank lines skipped.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::document::{Document, Warning};

use crate::error::{Error, InputError, Position, Result};

use super::record::{self, Fields};
use super::{Digest, FieldNames, Ingest, decode_lossy_borrowed, digest_now, fast, spare_text};

/// Bytes read at a time: whole lines, parsed in parallel while the next block is read.
/// Large enough to keep every core busy, small enough that the raw text waiting for its
/// turn takes little memory. A longer line makes its block longer. (Under test, a few
/// kilobytes: a small input then spans several blocks; reads still take 64 KiB.)
const BLOCK_BYTES: usize = if cfg!(test) { 1 << 12 } else { 4 << 20 };

/// One line, parsed: where it is, its document (none for a blank line) and the
/// document's digest, the offset of its first invalid UTF-8 byte, and its other warnings.
struct Parsed<D> {
    pos: Position,
    doc: Option<(Document, D)>,
    bad_utf8: Option<usize>,
    warnings: Vec<Warning>,
}

/// Blocks being parsed beyond the one whose documents are added next: enough that the
/// pool always has lines to parse while one block's last lines finish (waiting for each
/// block in turn left a core idle at every block's end), few enough that memory holds a
/// few blocks of text at a time.
const BLOCKS_AHEAD: usize = 2;

/// Reads every line of `reader`; `shown` names the file in messages, `name` (the file
/// name) makes fallback ids. The input is read in blocks of whole lines, in a pipeline:
/// this thread reads each block and hands it to the pool, which parses its lines in
/// parallel while this thread reads on and adds the documents of blocks already parsed,
/// in order. Documents, warnings and the first error come out in line order, exactly as a
/// line-by-line reading gives them.
pub(crate) fn read<D: Send>(
    ingest: &mut Ingest<'_, D>,
    shown: &str,
    name: &str,
    mut reader: impl BufRead,
) -> Result<()> {
    let digest = ingest.digest;
    // Other names than the standard ones, if any (the fast path knows only those).
    let custom = (!ingest.names.is_default()).then(|| ingest.names.clone());
    let names = custom.as_ref();
    let mut warned_utf8 = false;
    let mut result = Ok(());
    rayon::in_place_scope(|scope| {
        let mut carry = Vec::new();
        let mut line_no = 0u64;
        let mut parsing: VecDeque<Receiver<Vec<Result<Parsed<D>>>>> = VecDeque::new();
        // Adds the oldest block being parsed, once parsed; false after an error.
        let mut add_oldest = |parsing: &mut VecDeque<_>, result: &mut Result<()>| {
            let Some(rx) = parsing.pop_front() else {
                return true;
            };
            let parsed = wait(&rx);
            *result = add(ingest, parsed, &mut warned_utf8);
            result.is_ok()
        };
        loop {
            let lines = match next_block(&mut reader, &mut carry) {
                Ok(lines) if lines.is_empty() => break,
                Ok(lines) => lines,
                Err((whole, e)) => {
                    // Lines before the unreadable one come first, errors included.
                    while !parsing.is_empty() {
                        if !add_oldest(&mut parsing, &mut result) {
                            return;
                        }
                    }
                    let parsed = parse_block(shown, name, line_no, &whole, names, digest);
                    let read = parsed.len() as u64;
                    result = add(ingest, parsed, &mut warned_utf8).and(Err(Error::input(
                        Position::line(shown, line_no + read + 1),
                        InputError::Read(e),
                    )));
                    return;
                }
            };
            let first = line_no;
            line_no += split_lines(&lines).len() as u64;
            let (tx, rx) = sync_channel(1);
            scope.spawn(move |_| {
                // The receiver is gone only when an earlier block's error ended the read.
                let _ = tx.send(parse_block(shown, name, first, &lines, names, digest));
            });
            parsing.push_back(rx);
            while parsing.len() > BLOCKS_AHEAD {
                if !add_oldest(&mut parsing, &mut result) {
                    return;
                }
            }
        }
        while !parsing.is_empty() {
            if !add_oldest(&mut parsing, &mut result) {
                return;
            }
        }
    });
    result
}

/// The value a parse task sends. On a pool thread (the library called from parallel
/// code), other tasks run meanwhile, so a pool of one thread cannot wait on itself.
fn wait<T>(rx: &Receiver<T>) -> T {
    loop {
        match rx.try_recv() {
            Ok(value) => return value,
            Err(TryRecvError::Empty) => {
                if rayon::yield_now().is_none() {
                    // Not a pool thread: block until the task sends.
                    return rx.recv().expect("a parse task sends its block");
                }
            }
            Err(TryRecvError::Disconnected) => {
                // The task panicked; the scope passes its panic on.
                panic!("a parse task ended without its block")
            }
        }
    }
}

/// The lines of a block, each with its newline (the last may have none).
fn split_lines(lines: &[u8]) -> Vec<&[u8]> {
    // memchr finds the newlines a vector at a time (a byte-by-byte split was a twentieth
    // of a copy-level run).
    let mut out = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', lines)
        .map(|i| i + 1)
        .chain([lines.len()])
    {
        if end > start {
            out.push(&lines[start..end]);
        }
        start = end;
    }
    out
}

/// Parses (and digests) the lines of a block in parallel, in order; `first` lines come
/// before it.
fn parse_block<D: Send>(
    shown: &str,
    name: &str,
    first: u64,
    lines: &[u8],
    names: Option<&FieldNames>,
    digest: Digest<'_, D>,
) -> Vec<Result<Parsed<D>>> {
    split_lines(lines)
        .into_par_iter()
        .enumerate()
        .map(|(i, bytes)| parse_line(shown, name, first + 1 + i as u64, bytes, names, digest))
        .collect()
}

/// Reads a `.json` file: a JSON array of objects (one record each, placed by its number in
/// the array, `file.json:3` for the third) when its first character opens one, JSON lines
/// otherwise (feeds often name those `.json`).
pub(crate) fn read_json<D: Send>(
    ingest: &mut Ingest<'_, D>,
    shown: &str,
    name: &str,
    mut reader: impl BufRead,
) -> Result<()> {
    let head = reader
        .fill_buf()
        .map_err(|e| Error::input(Position::line(shown, 1), InputError::Read(e)))?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        return read(ingest, shown, name, reader);
    }
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(Position::file(shown), InputError::Read(e)))?;
    let (text, bad) = super::decode_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let elements: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(|e| {
        Error::input(
            Position::line(shown, e.line() as u64),
            InputError::Json(json_message(&e)),
        )
    })?;
    let names = (!ingest.names.is_default()).then(|| ingest.names.clone());
    let digest = ingest.digest;
    // Each element is a record, numbered from 1 in place of a line: a compact array holds
    // them all on one line, and a record's place must tell it apart (a fallback id, and
    // `dedup` copying it back).
    let mut parsed: Vec<_> = elements
        .iter()
        .enumerate()
        .map(|(i, element)| {
            parse_line(
                shown,
                name,
                i as u64 + 1,
                element.get().as_bytes(),
                names.as_ref(),
                digest,
            )
        })
        .collect();
    if let (Some(at), Some(Ok(first))) = (bad, parsed.first_mut()) {
        first.bad_utf8 = Some(at);
    }
    add(ingest, parsed, &mut false)
}

/// Adds parsed lines to `ingest` in order, stopping at the first error.
fn add<D: Send>(
    ingest: &mut Ingest<'_, D>,
    parsed: Vec<Result<Parsed<D>>>,
    warned_utf8: &mut bool,
) -> Result<()> {
    for p in parsed {
        let p = p?;
        if let Some(at) = p.bad_utf8
            && !*warned_utf8
        {
            ingest.warn(
                p.pos.clone(),
                format!("invalid UTF-8 at byte {at} of the line, replaced (first of possibly several in this file)"),
            );
            *warned_utf8 = true;
        }
        for w in p.warnings {
            ingest.warn(w.pos, w.message);
        }
        if let Some((doc, digest)) = p.doc {
            ingest.push(doc, Some(digest))?;
        }
    }
    Ok(())
}

/// The next block of whole lines: `carry` (the start of a line the last block cut), then
/// about [`BLOCK_BYTES`] more, up to the last newline; what follows it is carried over.
/// Empty at the end of the input. A read error comes with the whole lines read before it,
/// which are the input's too: an error among them comes first.
fn next_block(
    reader: &mut impl BufRead,
    carry: &mut Vec<u8>,
) -> std::result::Result<Vec<u8>, (Vec<u8>, std::io::Error)> {
    let mut block = std::mem::take(carry);
    loop {
        let before = block.len();
        let want = BLOCK_BYTES.saturating_sub(before).max(1 << 16);
        let read = std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut *reader, want as u64),
            &mut block,
        );
        let got = match read {
            Ok(got) => got,
            Err(e) => {
                // What was read before the error is kept; the line it cut is not.
                let whole = block.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                block.truncate(whole);
                return Err((block, e));
            }
        };
        let at_end = got == 0;
        let cut = block[before..].iter().rposition(|&b| b == b'\n');
        match cut {
            Some(i) if block.len() >= BLOCK_BYTES || at_end => {
                carry.extend_from_slice(&block[before + i + 1..]);
                block.truncate(before + i + 1);
                return Ok(block);
            }
            // The end of the input: the last line needs no newline.
            _ if at_end => return Ok(block),
            // Not enough yet, or a line longer than a block: read on.
            _ => {}
        }
    }
}

/// Parses line `line_no` of a file, and digests its document.
fn parse_line<D>(
    shown: &str,
    name: &str,
    line_no: u64,
    bytes: &[u8],
    names: Option<&FieldNames>,
    digest: Digest<'_, D>,
) -> Result<Parsed<D>> {
    let pos = Position::line(shown, line_no);
    let (line, bad) = decode_lossy_borrowed(bytes);
    let mut warnings = Vec::new();
    let trimmed = line.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Ok(Parsed {
            pos,
            doc: None,
            bad_utf8: bad,
            warnings,
        });
    }
    let fast = match names {
        None => fast::fields(trimmed, spare_text()),
        Some(_) => None,
    };
    let fields = match fast {
        Some(fields) => fields,
        None => general_fields(trimmed, &pos, names, &mut warnings)?,
    };
    let mut doc = record::build(&mut warnings, pos, name, fields);
    let digested = digest_now(digest, &mut doc, &mut warnings);
    Ok(Parsed {
        pos: Position::line(shown, line_no),
        doc: Some((doc, digested)),
        bad_utf8: bad,
        warnings,
    })
}

/// The fields of the record on `line` (trimmed, not blank) through a whole
/// `serde_json::Value`: the reference for [`fast::fields`], and the path for every record
/// the fast one leaves alone. Lone surrogate escapes are replaced, with a warning.
pub(super) fn general_fields(
    line: &str,
    pos: &Position,
    names: Option<&FieldNames>,
    warnings: &mut Vec<Warning>,
) -> Result<Fields> {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            // Scrapers write lone UTF-16 surrogates (`\ud800`) that strict JSON rejects;
            // replace them rather than lose the record.
            let repaired = repair_surrogates(line);
            match repaired.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(v)) => {
                    warnings.push(Warning {
                        pos: pos.clone(),
                        message: "lone UTF-16 surrogate escape replaced with U+FFFD".into(),
                    });
                    v
                }
                _ => {
                    return Err(Error::input(
                        pos.clone(),
                        InputError::Json(json_message(&e)),
                    ));
                }
            }
        }
    };
    let Value::Object(mut obj) = value else {
        return Err(Error::input(
            pos.clone(),
            InputError::NotAnObject(kind(&value)),
        ));
    };
    // Fields read under other names are moved to the standard ones first: a standard key
    // the user did not choose is not read.
    for (standard, custom) in names.map(FieldNames::renamed).unwrap_or_default() {
        let value = obj.remove(custom);
        obj.remove(standard);
        if let Some(v) = value {
            obj.insert(standard.to_owned(), v);
        }
    }
    fields(&mut obj).map_err(|k| Error::input(pos.clone(), k))
}

/// serde_json's message without its own "at line 1 column N" suffix, which would mislead
/// (our line numbers count lines of the file).
fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

/// A numeric id as its decimal string: integers exactly as written (however large), and
/// integral floats such as `1e3` or `7.0` as the integer they denote.
pub(super) fn decimal(n: &serde_json::Number) -> String {
    let text = n.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return text;
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
        _ => text,
    }
}

/// The line with every lone surrogate escape (`\uD800`-`\uDFFF` not part of a valid pair)
/// replaced by `\uFFFD`; `None` when there is none.
fn repair_surrogates(line: &str) -> Option<String> {
    let b = line.as_bytes();
    let hex_at = |i: usize| -> Option<u16> {
        if b.get(i) == Some(&b'\\') && matches!(b.get(i + 1), Some(b'u')) {
            u16::from_str_radix(line.get(i + 2..i + 6)?, 16).ok()
        } else {
            None
        }
    };
    let mut out = String::with_capacity(line.len());
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'\\') {
            out.push_str("\\\\");
            i += 2;
            continue;
        }
        match hex_at(i) {
            Some(0xD800..=0xDBFF) if matches!(hex_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                out.push_str(&line[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\uFFFD");
                changed = true;
                i += 6;
            }
            _ => {
                let c = line[i..].chars().next().unwrap_or('\0');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    changed.then_some(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The fields of a record; the text is moved out of the object rather than copied.
fn fields(obj: &mut Map<String, Value>) -> Result<Fields, InputError> {
    let text = match obj.get_mut("text") {
        None => return Err(InputError::MissingText),
        Some(Value::String(s)) => std::mem::take(s),
        Some(other) => {
            return Err(InputError::FieldType {
                field: "text",
                expected: "a string",
                found: kind(other),
            });
        }
    };
    let id = match obj.get("id") {
        None => None,
        // A blank id is no id: the record gets the fallback, as in CSV.
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(decimal(n)),
        Some(other) => {
            return Err(InputError::FieldType {
                field: "id",
                expected: "a string or a number",
                found: kind(other),
            });
        }
    };
    Ok(Fields {
        id,
        text,
        title: scalar(obj, "title")?,
        source: scalar(obj, "source")?,
        date: scalar(obj, "date")?,
        url: scalar(obj, "url")?,
    })
}

/// An optional metadata field: strings as they are, numbers and booleans as written, null
/// as absent; lists and objects are refused rather than guessed at.
fn scalar(obj: &Map<String, Value>, field: &'static str) -> Result<Option<String>, InputError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(InputError::FieldType {
            field,
            expected: "a string",
            found: kind(other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{Error, InputError};
    use crate::ingest::read_jsonl;

    fn err(input: &str) -> (Option<u64>, InputError) {
        match read_jsonl("t.jsonl", input.as_bytes()) {
            Err(Error::Input { pos, kind }) => (pos.line, kind),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn reads_fields_and_fallback_ids() {
        let c = read_jsonl(
            "t.jsonl",
            "{\"id\": 7, \"text\": \"a &amp; b\", \"date\": \"2024-01-02\", \"extra\": [1]}\n\n{\"text\": \"c\", \"title\": \"T\"}\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(c.docs.len(), 2);
        assert_eq!(c.docs[0].id, "7");
        assert_eq!(c.docs[0].text, "a & b");
        assert_eq!(c.docs[0].date.unwrap().to_string(), "2024-01-02");
        assert_eq!(c.docs[1].id, "t.jsonl:3");
        assert_eq!(c.docs[1].title.as_deref(), Some("T"));
    }

    #[test]
    fn refusals_name_the_line() {
        assert!(matches!(
            err("{\"text\":\"a\"}\n[1,2]\n"),
            (Some(2), InputError::NotAnObject(_))
        ));
        assert!(matches!(
            err("{\"id\":\"a\"}\n"),
            (Some(1), InputError::MissingText)
        ));
        assert!(matches!(
            err("{\"text\": 3}\n"),
            (Some(1), InputError::FieldType { field: "text", .. })
        ));
        assert!(matches!(
            err("{\"text\":\"a\",\"id\":null}\n"),
            (Some(1), InputError::FieldType { field: "id", .. })
        ));
        assert!(matches!(
            err("{\"text\":\"a\",\"id\":{}}\n"),
            (Some(1), InputError::FieldType { field: "id", .. })
        ));
        assert!(matches!(
            err("{\"text\":\"a\"\n"),
            (Some(1), InputError::Json(_))
        ));
        match err("{\"id\":\"x\",\"text\":\"a\"}\n{\"id\":\"x\",\"text\":\"b\"}\n") {
            (Some(2), InputError::DuplicateId { id, first }) => {
                assert_eq!(id, "x");
                assert_eq!(first.line, Some(1));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numeric_blank_and_surrogate_ids() {
        let c = read_jsonl(
            "t.jsonl",
            "{\"id\": 1e3, \"text\": \"a\"}\n{\"id\": 18446744073709551616, \"text\": \"b\"}\n{\"id\": 18446744073709551617, \"text\": \"c\"}\n{\"id\": \" \", \"text\": \"d\"}\n{\"id\": 2.5, \"text\": \"x\\ud800y\"}\n"
                .as_bytes(),
        )
        .unwrap();
        let ids: Vec<&str> = c.docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "1000",
                "18446744073709551616",
                "18446744073709551617",
                "t.jsonl:4",
                "2.5"
            ]
        );
        assert_eq!(c.docs[4].text, "x\u{fffd}y");
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn metadata_is_one_clean_line() {
        let c = read_jsonl(
            "t.jsonl",
            "{\"text\":\"a\",\"source\":\"<img src=x onerror=alert(1)>\",\"title\":\"<script>x</script> Harbour  <b>budget</b>\\n\"}\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(c.docs[0].source, None);
        assert_eq!(c.docs[0].title.as_deref(), Some("Harbour budget"));
    }

    #[test]
    fn bad_dates_warn_and_keep_the_document() {
        let c = read_jsonl(
            "t.jsonl",
            "{\"text\":\"a\",\"date\":\"last week\"}\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(c.docs.len(), 1);
        assert_eq!(c.docs[0].date, None);
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(
            c.warnings[0].message,
            "date \"last week\" is not a date (ISO 8601, RFC 2822, 26-FEB-1987, \
             February 26, 1987 or Unix seconds); ignored"
        );
    }

    #[test]
    fn a_date_written_as_a_json_number_is_read_as_unix_time() {
        // The first line takes the fast path, the second (a surrogate pair in its text)
        // the general one: both hand the number's digits to the date parser.
        let c = read_jsonl(
            "t.jsonl",
            concat!(
                "{\"text\":\"a\",\"date\":541350061}\n",
                "{\"text\":\"b \\ud83d\\ude00\",\"date\":1709287200000}\n",
                "{\"text\":\"c\",\"date\":5.4e8}\n",
            )
            .as_bytes(),
        )
        .unwrap();
        let dates: Vec<_> = c
            .docs
            .iter()
            .map(|d| d.date.map(|d| d.to_string()))
            .collect();
        assert_eq!(
            dates,
            [Some("1987-02-26".into()), Some("2024-03-01".into()), None]
        );
        assert_eq!(c.docs[1].text, "b \u{1F600}");
        // Only the number in exponent form (serde writes it `5.4e+8`) is no date.
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].pos.line, Some(3));
        let message = &c.warnings[0].message;
        assert!(message.starts_with("date \"5.4e"), "{message}");
    }

    #[test]
    fn many_blocks_read_in_order_on_any_pool_even_from_inside_one() {
        // Blocks are small under test: this input is several of them, more than the
        // reader parses ahead.
        let mut input = String::new();
        for i in 0..5000 {
            input.push_str(&format!(
                "{{\"id\": \"d{i}\", \"text\": \"harbor bridge report {i} of the ward and its lanterns\"}}\n"
            ));
        }
        input.push_str("{\"id\": \"bad\", \"text\": 3}\n{\"id\": \"after\", \"text\": \"x\"}\n");
        assert!(input.len() > (super::BLOCKS_AHEAD + 2) * (1 << 16));
        let ok = &input[..input.find("{\"id\": \"bad\"").unwrap()];
        let ids = |c: &crate::Corpus| c.docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
        let whole = read_jsonl("t.jsonl", ok.as_bytes()).unwrap();
        assert_eq!(whole.docs.len(), 5000);
        assert!(
            ids(&whole)
                .iter()
                .enumerate()
                .all(|(i, id)| *id == format!("d{i}"))
        );
        // A pool of one thread, the reader running on that thread: it must not wait on
        // itself. The first error is the first bad line, wherever the blocks fall.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let inside = pool
            .install(|| read_jsonl("t.jsonl", ok.as_bytes()))
            .unwrap();
        assert_eq!(ids(&inside), ids(&whole));
        match pool.install(|| read_jsonl("t.jsonl", input.as_bytes())) {
            Err(Error::Input { pos, kind }) => {
                assert_eq!(pos.line, Some(5001));
                assert!(matches!(kind, InputError::FieldType { field: "text", .. }));
            }
            other => panic!("{other:?}"),
        }
    }
}
