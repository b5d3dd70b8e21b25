//! Stage 1, ingest: paths in, a [`Corpus`] out.
//!
//! Picks a reader by file name (`.txt`/`.md` one article each, `.jsonl`/`.ndjson` and
//! `.csv`, each optionally `.gz`), walks directories recursively in sorted path order, and
//! reads JSONL from stdin for `-`. Guarantees: documents come out in input order; ids are
//! unique (a repeat is refused, naming both places); every record becomes exactly one
//! document or a refusal, never a silent drop.

mod csv;
mod dir;
mod fast;
mod jsonl;
mod record;
mod text;
pub mod verbatim;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;

use crate::document::{Corpus, Document, Warning};
use crate::error::{Error, InputError, Position, Result};
use crate::progress::{Progress, Silent, Stage};

/// How a file is read, decided from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One article per file (`.txt`, `.md`, or any name not matched below).
    Text,
    /// One JSON object per line (`.jsonl`, `.ndjson`; `.json` too, since feeds often use it
    /// for JSON lines).
    Jsonl,
    /// A header row and one article per row (`.csv`).
    Csv,
    /// The same, separated by tabs (`.tsv`, `.tab`).
    Tsv,
}

impl Format {
    /// The field separator of a delimited format (`None` for the others).
    pub fn delimiter(self) -> Option<u8> {
        match self {
            Format::Csv => Some(b','),
            Format::Tsv => Some(b'\t'),
            Format::Text | Format::Jsonl => None,
        }
    }
}

/// The reader for a file name, and whether it is gzip-compressed. `None` for names that a
/// directory walk should skip.
pub fn format_of(name: &str) -> Option<(Format, bool)> {
    let lower = name.to_ascii_lowercase();
    let (stem, gz) = match lower.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (lower.as_str(), false),
    };
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    let format = match ext {
        "txt" | "md" | "markdown" => Format::Text,
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        _ => return None,
    };
    Some((format, gz))
}

/// Which record fields (JSONL keys, CSV and TSV columns) hold a document's parts; by
/// default `text`, `id`, `title`, `source`, `date` and `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    /// The article's text (required in every record).
    pub text: String,
    /// Its id.
    pub id: String,
    /// Its headline.
    pub title: String,
    /// Its outlet.
    pub source: String,
    /// Its publication date.
    pub date: String,
    /// Its address.
    pub url: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            text: "text".into(),
            id: "id".into(),
            title: "title".into(),
            source: "source".into(),
            date: "date".into(),
            url: "url".into(),
        }
    }
}

impl FieldNames {
    /// Whether these are the default names.
    pub fn is_default(&self) -> bool {
        *self == FieldNames::default()
    }

    /// Each part's standard name with the name it is read from, where they differ.
    pub(crate) fn renamed(&self) -> Vec<(&'static str, &str)> {
        [
            ("text", self.text.as_str()),
            ("id", self.id.as_str()),
            ("title", self.title.as_str()),
            ("source", self.source.as_str()),
            ("date", self.date.as_str()),
            ("url", self.url.as_str()),
        ]
        .into_iter()
        .filter(|(standard, name)| standard != name)
        .collect()
    }
}

/// The name standard input goes by in positions and messages.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// Whether a file is named `.json` (or `.json.gz`): it may hold one JSON array.
pub(crate) fn is_dot_json(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".json.gz")
}

/// Reads every input (files, directories, or `-` for JSONL on stdin) into one corpus,
/// with the standard field names and no progress shown ([`Reading`] for more).
///
/// # Errors
/// An [`Error::Input`] naming the file and line of the first problem found.
pub fn read_inputs(inputs: &[String]) -> Result<Corpus> {
    Reading::default().read(inputs)
}

/// How inputs are read: where progress goes and which record fields hold what.
#[derive(Clone, Copy)]
pub struct Reading<'a> {
    /// Counts documents read ([`Stage::Reading`]).
    pub progress: &'a dyn Progress,
    /// Which record fields hold each part of a document (`None`: the standard names).
    pub fields: Option<&'a FieldNames>,
}

impl Default for Reading<'_> {
    fn default() -> Self {
        Reading {
            progress: &Silent,
            fields: None,
        }
    }
}

/// What a reader does with each document as soon as it is read: a later stage's work on
/// one document, done while the document is still hot (and, for JSONL, on the thread
/// that parsed it). It may empty the text (`clear`, which leaves the buffer for the next
/// text to use) when nothing later reads it, so a run never holds every text at once.
pub(crate) type Digest<'a, D> = &'a (dyn Fn(&mut Document) -> D + Sync);

impl Reading<'_> {
    /// Reads every input into one corpus.
    ///
    /// # Errors
    /// As [`read_inputs`].
    pub fn read(&self, inputs: &[String]) -> Result<Corpus> {
        self.read_digesting(Source::Paths(inputs), &|_| ())
            .map(|(corpus, _)| corpus)
    }

    /// [`Reading::read`], also digesting each document with `digest`: the result holds
    /// one digest per document, in input order. JSONL lines are digested as they are
    /// parsed; documents of other formats once everything is read, in parallel. Warnings
    /// that look at the text (an empty body) are taken before the digest sees it.
    ///
    /// # Errors
    /// As [`read_inputs`].
    pub(crate) fn read_digesting<D: Send>(
        &self,
        source: Source<'_>,
        digest: Digest<'_, D>,
    ) -> Result<(Corpus, Vec<D>)> {
        let progress = self.progress;
        progress.start(Stage::Reading, None);
        let mut ingest = Ingest::new(Some(progress), digest);
        if let Some(names) = self.fields {
            ingest.names = names.clone();
        }
        let first = match source {
            Source::Paths(inputs) => {
                for input in inputs {
                    if input == "-" {
                        let stdin = io::stdin();
                        let reader = BufReader::new(stdin.lock());
                        jsonl::read(&mut ingest, STDIN_NAME, "stdin", reader)?;
                    } else {
                        ingest.read_path(Path::new(input), None)?;
                    }
                }
                match inputs.first().map(String::as_str) {
                    Some("-") | None => STDIN_NAME,
                    Some(name) => name,
                }
            }
            Source::Jsonl(name, reader) => {
                jsonl::read(&mut ingest, name, name, reader)?;
                name
            }
        };
        if ingest.corpus.docs.is_empty() {
            return Err(Error::input(Position::file(first), InputError::NoDocuments));
        }
        progress.advance((ingest.corpus.docs.len() % PROGRESS_EVERY) as u64);
        progress.finish();
        Ok(ingest.finish_digesting())
    }
}

/// Where a run's documents come from.
pub enum Source<'a> {
    /// Files and directories, or `-` for JSONL on standard input.
    Paths(&'a [String]),
    /// JSONL from any reader (in-memory data), named as given in positions and messages.
    Jsonl(&'a str, Box<dyn BufRead + 'a>),
}

/// Reads JSONL from any reader (the library's entry point for in-memory data).
///
/// # Errors
/// As [`read_inputs`].
pub fn read_jsonl(name: &str, reader: impl BufRead) -> Result<Corpus> {
    let mut ingest = Ingest::new(None, &|_| ());
    jsonl::read(&mut ingest, name, name, reader)?;
    Ok(ingest.finish())
}

/// Reads CSV from any reader, as a CSV file named on the command line is read (the
/// library's entry point for in-memory data, and what the fuzz tests drive).
///
/// # Errors
/// As [`read_inputs`].
pub fn read_csv(name: &str, reader: impl Read) -> Result<Corpus> {
    let mut ingest = Ingest::new(None, &|_| ());
    csv::read(&mut ingest, name, name, reader, false, b',')?;
    Ok(ingest.finish())
}

/// Accumulates documents, their digests and warnings, and enforces id uniqueness.
pub(crate) struct Ingest<'p, D = ()> {
    corpus: Corpus,
    /// Each id read so far, with the index of its document.
    seen: HashMap<String, usize>,
    progress: Option<&'p dyn Progress>,
    digest: Digest<'p, D>,
    /// The digest of each document so far; `None` where it is still to be taken.
    digests: Vec<Option<D>>,
    /// Where each part of a record is read from.
    names: FieldNames,
}

/// Documents read between two progress reports.
const PROGRESS_EVERY: usize = 1024;

impl<'p, D: Send> Ingest<'p, D> {
    pub(crate) fn new(progress: Option<&'p dyn Progress>, digest: Digest<'p, D>) -> Self {
        Ingest {
            corpus: Corpus::default(),
            seen: HashMap::new(),
            progress,
            digest,
            digests: Vec::new(),
            names: FieldNames::default(),
        }
    }

    fn finish(self) -> Corpus {
        self.corpus
    }

    /// The corpus and every document's digest, taking those still missing in parallel.
    fn finish_digesting(self) -> (Corpus, Vec<D>) {
        let Ingest {
            mut corpus,
            digest,
            digests,
            ..
        } = self;
        let digests = corpus
            .docs
            .par_iter_mut()
            .zip(digests)
            .map(|(doc, d)| {
                d.unwrap_or_else(|| {
                    let digested = digest(doc);
                    keep_spare(doc);
                    digested
                })
            })
            .collect();
        (corpus, digests)
    }

    pub(crate) fn warn(&mut self, pos: Position, message: impl Into<String>) {
        self.corpus.warnings.push(Warning {
            pos,
            message: message.into(),
        });
    }

    /// Adds a document, refusing a repeated id. `digest` is the document's digest when it
    /// was already taken (with [`digest_now`], which also warned about its text).
    pub(crate) fn push(&mut self, doc: Document, digest: Option<D>) -> Result<()> {
        if let Some(&first) = self.seen.get(&doc.id) {
            return Err(Error::input(
                doc.origin.clone(),
                InputError::DuplicateId {
                    id: doc.id.clone(),
                    first: self.corpus.docs[first].origin.clone(),
                },
            ));
        }
        if digest.is_none() {
            self.corpus.warnings.extend(blank_text(&doc));
        }
        self.seen.insert(doc.id.clone(), self.corpus.docs.len());
        self.corpus.docs.push(doc);
        self.digests.push(digest);
        if let Some(p) = self.progress
            && self.corpus.docs.len().is_multiple_of(PROGRESS_EVERY)
        {
            p.advance(PROGRESS_EVERY as u64);
        }
        Ok(())
    }

    /// Reads a file or walks a directory. A path the user named (`within: None`) is read
    /// whatever its extension (as plain text, with a warning, when unknown); a file found by
    /// a directory walk is named by its path within the walked directory (`within`), which
    /// keeps the ids of `day1/feed.jsonl` and `day2/feed.jsonl` apart.
    fn read_path(&mut self, path: &Path, within: Option<&str>) -> Result<()> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| read_error(&shown, e))?;
        if meta.is_dir() {
            return dir::walk(self, path);
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone());
        let name = within.map_or_else(|| file_name.clone(), str::to_owned);
        let (format, gz) = match format_of(&file_name) {
            Some(f) => f,
            None if within.is_none() => {
                self.warn(
                    Position::file(&shown),
                    "not a .txt, .md, .jsonl, .ndjson, .json, .csv or .tsv file; read as one plain-text article",
                );
                (
                    Format::Text,
                    file_name.to_ascii_lowercase().ends_with(".gz"),
                )
            }
            None => return Ok(()),
        };
        let file = File::open(path).map_err(|e| read_error(&shown, e))?;
        let reader: Box<dyn Read> = if gz {
            Box::new(Gzip(MultiGzDecoder::new(file)))
        } else {
            Box::new(file)
        };
        let reader = BufReader::with_capacity(1 << 16, reader);
        match format {
            Format::Text => text::read(self, &shown, &name, reader),
            Format::Jsonl if is_dot_json(&file_name) => {
                jsonl::read_json(self, &shown, &name, reader)
            }
            Format::Jsonl => jsonl::read(self, &shown, &name, reader),
            Format::Csv | Format::Tsv => {
                let delimiter = format.delimiter().unwrap_or(b',');
                csv::read(self, &shown, &name, reader, within.is_some(), delimiter)
            }
        }
    }
}

/// Digests a document that is about to be added (on the caller's thread): the warnings
/// about its text first, since the digest may let the text go.
pub(crate) fn digest_now<D>(
    digest: Digest<'_, D>,
    doc: &mut Document,
    warnings: &mut Vec<Warning>,
) -> D {
    warnings.extend(blank_text(doc));
    let digested = digest(doc);
    keep_spare(doc);
    digested
}

/// Texts up to this size leave their buffer to the next text read on the same thread.
const SPARE_MAX: usize = 1 << 20;

thread_local! {
    /// The buffer of a text a digest emptied, for the next JSONL text this thread reads:
    /// a fresh allocation per text cost a twentieth of a copy-level run.
    static SPARE_TEXT: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// This thread's spare text buffer (empty, perhaps with room), or a new one.
pub(crate) fn spare_text() -> String {
    SPARE_TEXT.take()
}

/// Takes the buffer of a text the digest emptied: kept for the next text on this thread
/// when not too large, freed otherwise. Either way the document holds no memory for it.
fn keep_spare(doc: &mut Document) {
    if doc.text.is_empty() {
        let buffer = std::mem::take(&mut doc.text);
        if buffer.capacity() <= SPARE_MAX {
            SPARE_TEXT.set(buffer);
        }
    }
}

/// The warning for a document without text, if it has none, saying what becomes of it:
/// judged by its title alone, or a singleton when it has none either.
fn blank_text(doc: &Document) -> Option<Warning> {
    let what = if doc.title.is_some() {
        "it is compared by its title alone"
    } else {
        "it will be a singleton"
    };
    doc.text.trim().is_empty().then(|| Warning {
        pos: doc.origin.clone(),
        message: format!("document {:?} has an empty text; {what}", doc.id),
    })
}

/// A gzip stream whose read errors say so: a truncated download otherwise reads as a
/// bare "incomplete deflate stream".
struct Gzip<R>(MultiGzDecoder<R>);

impl<R: Read> Read for Gzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            let what = if e.kind() == io::ErrorKind::UnexpectedEof
                || e.to_string().contains("incomplete")
            {
                "truncated gzip data"
            } else {
                "corrupt gzip data"
            };
            io::Error::new(e.kind(), format!("{what} ({e})"))
        })
    }
}

fn read_error(path: &str, e: io::Error) -> Error {
    let kind = if e.kind() == io::ErrorKind::NotFound {
        InputError::NotFound
    } else {
        InputError::Read(e)
    };
    Error::input(Position::file(path), kind)
}

/// [`decode_lossy`] of borrowed bytes: no copy when they are valid UTF-8.
pub(crate) fn decode_lossy_borrowed(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, Option<usize>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), None),
        Err(e) => (String::from_utf8_lossy(bytes), Some(e.valid_up_to())),
    }
}

/// Decodes bytes as UTF-8, replacing invalid sequences; the returned offset is that of the
/// first invalid byte, for the caller's warning.
pub(crate) fn decode_lossy(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    }
}

/// Cleans a text field as read: drops a UTF-8 byte-order mark, turns CRLF and lone CR into
/// LF, removes HTML markup and decodes HTML entities (`&amp;`, `&#8217;`), which scraped
/// feeds are full of.
pub fn clean_text(s: &str) -> String {
    clean_owned(s.to_owned())
}

/// [`clean_text`] of an owned string, which is handed back untouched (no copy) when there
/// is nothing to clean, as for most texts.
pub(crate) fn clean_owned(s: String) -> String {
    let s = match s.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => s,
    };
    // One vectorised scan tells whether any cleaning is needed at all (most texts: none).
    if memchr::memchr3(b'\r', 0x1b, b'<', s.as_bytes()).is_none() {
        return if memchr::memchr(b'&', s.as_bytes()).is_some() {
            html_escape::decode_html_entities(&s).into_owned()
        } else {
            s
        };
    }
    let s = if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s
    };
    let s = if s.contains('\u{1b}') {
        strip_ansi(&s)
    } else {
        s
    };
    // Tags first: an entity such as `&lt;b&gt;` is text the author wrote, not markup.
    let s = if s.contains('<') { strip_tags(&s) } else { s };
    if s.contains('&') {
        html_escape::decode_html_entities(&s).into_owned()
    } else {
        s
    }
}

/// Removes terminal escape sequences (`ESC [ ... m` colours, `ESC ] ... BEL` titles, and
/// two-character ones): never news text, and they would split words in two.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                // Operating-system command: up to BEL or ESC \.
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Removes HTML markup that scraped text often still carries: tags (`<p>`, `</a>`,
/// `<br/>`, `<!-- ... -->`) and whole `<script>`/`<style>` elements. Block tags become line
/// breaks so paragraphs stay apart. Only what looks like a tag is touched: `a < b` or
/// `<3` stays.
/// The first place of `needle` (ASCII, lower case, starting with '<') in `hay`, ignoring the
/// case of ASCII letters. No copy of `hay`: lower-casing the rest of a page at every
/// `<script>` made a page of many scripts quadratic.
fn find_ignoring_case(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    memchr::memchr_iter(b'<', h)
        .find(|&i| h.len() - i >= n.len() && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Whether `<inside>` is a name in angle brackets rather than a tag: no attribute (`=`),
/// not an HTML element's name (`<P>`, `<BR>` are tags), and written as a name: capitals,
/// digits, spaces and punctuation with no lower-case letter (`<MDS HEALTH GROUP
/// LIMITED>`), or two words or more that each begin with a capital or a digit, bar a few
/// lower-case joining words (`<MCV Holdings Inc>`, `<First Federal Savings Bank of
/// Montana>`); or an address (`<j.smith@example.com>`). The Reuters wire marks company
/// names so, in capitals in headlines and as written in texts, and removing them removed
/// the notice's subject. Tags seldom look so: their names are elements' (obsolete ones
/// included), lower case, or hold `:` (`<o:p>`). Still lost: a name whose first word is
/// an element's (`<Time Warner Inc>`, `<Main Street Bancorp>`), since `<Option Selected>`
/// is a tag written the same way.
fn is_bracketed_name(inside: &str, name: &str) -> bool {
    const JOINING: &[&str] = &[
        "and", "da", "de", "del", "der", "des", "di", "dos", "du", "et", "for", "la", "le", "of",
        "the", "van", "von", "y",
    ];
    let as_name = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || "&(".contains(c))
            || JOINING.contains(&w)
    };
    // Two words at least: one capitalised word is as often an XML element or a template's
    // placeholder (`<Item>`, `<Name>`).
    let capitalised = inside.starts_with(|c: char| c.is_ascii_uppercase())
        && !inside.contains([':', '/'])
        && inside.split_whitespace().count() >= 2
        && inside.split_whitespace().all(as_name);
    // An address in angle brackets is text, whatever its case.
    let address = inside.contains('@') && !inside.contains(char::is_whitespace);
    const ELEMENTS: &[&str] = &[
        "a",
        "abbr",
        "acronym",
        "address",
        "applet",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "basefont",
        "bdi",
        "bdo",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "image",
        "img",
        "input",
        "ins",
        "isindex",
        "kbd",
        "keygen",
        "label",
        "layer",
        "legend",
        "li",
        "link",
        "listing",
        "main",
        "map",
        "mark",
        "marquee",
        "math",
        "menu",
        "menuitem",
        "meta",
        "meter",
        "multicol",
        "nav",
        "nobr",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "plaintext",
        "pre",
        "progress",
        "q",
        "rb",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "spacer",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
        "xmp",
    ];
    !inside.starts_with(['/', '!'])
        && !inside.contains('=')
        && (!inside.chars().any(char::is_lowercase) || capitalised || address)
        && ELEMENTS.binary_search(&name).is_err()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |j| &comment[j + 3..]);
            continue;
        }
        let name: String = after
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let starts_like_tag = after.starts_with('/')
            || after.starts_with('!')
            || after
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic());
        // A tag ends at the first '>' before any '<' or line break: looking no further keeps
        // a text full of '<' (formulas, arrows) linear.
        let close = memchr::memchr3(b'>', b'<', b'\n', after.as_bytes()).filter(|&j| {
            starts_like_tag && after.as_bytes()[j] == b'>' && !is_bracketed_name(&after[..j], &name)
        });
        match close {
            Some(j) => {
                if (name == "script" || name == "style") && !after.starts_with('/') {
                    // Drop the element's content up to its closing tag.
                    let closing = format!("</{name}");
                    rest = match find_ignoring_case(after, &closing) {
                        Some(k) => after[k..].find('>').map_or("", |m| &after[k + m + 1..]),
                        None => "",
                    };
                    continue;
                }
                let block = matches!(
                    name.as_str(),
                    "p" | "br"
                        | "div"
                        | "li"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "tr"
                        | "blockquote"
                        | "section"
                        | "article"
                );
                out.push_str(if block { "\n" } else { " " });
                rest = &after[j + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tag stripper as it was, copying and lower-casing the rest of the text at each
    /// script: the reference the linear one must agree with (kept on purpose, a copy of the
    /// old code rather than a second implementation to maintain).
    fn strip_tags_reference(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('<') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(comment) = after.strip_prefix("!--") {
                rest = comment.find("-->").map_or("", |j| &comment[j + 3..]);
                continue;
            }
            let name: String = after
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            let starts_like_tag = after.starts_with('/')
                || after.starts_with('!')
                || after
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic());
            let close = after.find('>').filter(|&j| {
                starts_like_tag
                    && !after[..j].contains(['<', '\n'])
                    && !is_bracketed_name(&after[..j], &name)
            });
            match close {
                Some(j) => {
                    if (name == "script" || name == "style") && !after.starts_with('/') {
                        let closing = format!("</{name}");
                        rest = match after.to_ascii_lowercase().find(&closing) {
                            Some(k) => after[k..].find('>').map_or("", |m| &after[k + m + 1..]),
                            None => "",
                        };
                        continue;
                    }
                    let block = matches!(
                        name.as_str(),
                        "p" | "br"
                            | "div"
                            | "li"
                            | "h1"
                            | "h2"
                            | "h3"
                            | "h4"
                            | "h5"
                            | "h6"
                            | "tr"
                            | "blockquote"
                            | "section"
                            | "article"
                    );
                    out.push_str(if block { "\n" } else { " " });
                    rest = &after[j + 1..];
                }
                _ => {
                    out.push('<');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    proptest::proptest! {
        /// Tags, scripts in any case, stray '<' and '>' and line breaks: the linear stripper
        /// gives what the copying one gave.
        #[test]
        fn issue_17_linear_tag_stripping_agrees_with_the_reference(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "<p>", "</p>", "<b>", "<SCRIPT>", "</Script>", "<style>", "</STYLE >",
                    "<script type=x>", "a < b", " > ", "\n", "<!-- c -->", "<br/>", "Mayor",
                    "é", "<", ">", "</", "<1>", "text", "<ACME CORP>", "<P>", "<BR>",
                ]),
                0..40,
            )
        ) {
            let s: String = parts.concat();
            proptest::prop_assert_eq!(strip_tags(&s), strip_tags_reference(&s));
        }
    }

    #[test]
    fn issue_17_case_blind_search_finds_the_first_closing_tag() {
        let hay = "x <b> </ScRiPt> </script>";
        assert_eq!(find_ignoring_case(hay, "</script"), Some(6));
        assert_eq!(find_ignoring_case("</scrip", "</script"), None);
        assert_eq!(find_ignoring_case("no tags", "</style"), None);
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(format_of("a.TXT"), Some((Format::Text, false)));
        assert_eq!(format_of("a.jsonl.gz"), Some((Format::Jsonl, true)));
        assert_eq!(format_of("a.ndjson"), Some((Format::Jsonl, false)));
        assert_eq!(format_of("a.csv"), Some((Format::Csv, false)));
        assert_eq!(format_of("a.tsv.gz"), Some((Format::Tsv, true)));
        assert_eq!(format_of("a.png"), None);
        assert_eq!(format_of("README"), None);
    }

    #[test]
    fn cleaning_folds_line_ends_bom_and_entities() {
        assert_eq!(
            clean_text("\u{feff}a\r\nb\rc &amp; d&#8217;s"),
            "a\nb\nc & d\u{2019}s"
        );
    }

    #[test]
    fn markup_is_removed_but_text_with_angle_brackets_is_not() {
        assert_eq!(
            clean_text(
                "<p>Mayor <b>Vance</b> spoke.</p><script>alert(1)</script><p>Next &lt;b&gt;</p>"
            ),
            "\nMayor  Vance  spoke.\n\nNext <b>\n"
        );
        assert_eq!(
            clean_text("if a < b and c > d, <3"),
            "if a < b and c > d, <3"
        );
        assert_eq!(clean_text("x<!-- hidden -->y<br/>z"), "xy\nz");
    }

    #[test]
    fn names_in_angle_brackets_stay_as_written_and_tags_still_go() {
        // The wire's company names, in capitals and as a text writes them.
        for kept in [
            "<MDS HEALTH GROUP LIMITED> IN QTLY PAYOUT",
            "said <Zeta Widgets Corp> on Monday",
            "<First Federal Savings Bank of Montana> set a dividend",
            "<Scott's Hospitality Inc> 3RD QTR NET",
            "<Hewlett-Packard Co> and <Acme Corp (U.K.)> and <Bank for International Settlements>",
            "write to <john@example.com>",
        ] {
            assert_eq!(clean_text(kept), kept);
        }
        // Tags: elements in any case, lower-case or namespaced or hyphenated names, an
        // attribute, a closing tag.
        assert_eq!(
            clean_text("a<Div>b<Foo bar>c<o:p>d<my-card>e<Span Class=x>f</Zeta Corp>g"),
            "a\nb c d e f g"
        );
        // One capitalised word is an XML element or a placeholder; obsolete elements.
        assert_eq!(
            clean_text("a<Item>b</Item>c<Name>d<Nobr>e<Marquee Loop>f"),
            "a b c d e f"
        );
    }

    #[test]
    fn terminal_escapes_are_removed_whole() {
        assert_eq!(
            clean_text("Red \u{1b}[31mRED\u{1b}[0m and \u{1b}]0;pwned\u{7}done"),
            "Red RED and done"
        );
        assert_eq!(clean_text("a\u{1b}]2;t\u{1b}\\b"), "ab");
    }

    #[test]
    fn a_bad_line_before_a_read_error_is_reported_first() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        // Distinct texts, so the compressed stream is long and its cut falls late.
        let mut text = String::from("{\"text\": broken\n");
        for i in 0..20_000 {
            text.push_str(&format!(
                "{{\"text\":\"harbor bridge {i} {}\"}}\n",
                i * 7919 % 10007
            ));
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let path = dir.path().join("t.jsonl.gz");
        std::fs::write(&path, &bytes[..bytes.len() * 4 / 5]).unwrap();
        match read_inputs(&[path.to_string_lossy().into_owned()]) {
            Err(Error::Input {
                kind: InputError::Json(_),
                pos,
            }) => assert_eq!(pos.line, Some(1)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truncated_gzip_is_named_as_such() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all("{\"text\":\"harbor bridge\"}\n".repeat(100).as_bytes())
            .unwrap();
        let bytes = gz.finish().unwrap();
        let path = dir.path().join("t.jsonl.gz");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        match read_inputs(&[path.to_string_lossy().into_owned()]) {
            Err(Error::Input {
                kind: InputError::Read(e),
                pos,
            }) => {
                assert!(e.to_string().starts_with("truncated gzip data"), "{e}");
                assert!(pos.line.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lossy_decoding_reports_the_offset() {
        let (s, at) = decode_lossy(b"ab\xffcd".to_vec());
        assert_eq!(s, "ab\u{fffd}cd");
        assert_eq!(at, Some(2));
    }
}
