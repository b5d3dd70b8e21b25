//! The JSONL reader's fast path: a record's fields taken straight from the line, without
//! building a `serde_json::Value` for the whole object.
//!
//! The general path parses each line into a map of owned keys and values, then copies the
//! fields it wants out of it; serde_json also grows a fresh buffer for every string with
//! an escape in it (every news text: paragraphs are `\n`). Here serde only checks the
//! line's syntax and hands back each wanted field as the raw JSON of its value; a string
//! is unescaped once into a string of its final size, and other fields are skipped
//! unread.
//!
//! The fast path decides nothing on its own: for anything but the common case (a string
//! where a string belongs, a number for `id`, `null`, `true` or `false` for metadata) it
//! answers `None`, and the general path reads the line and gives the same document,
//! warning or refusal as ever. A lone surrogate escape, a repeated key, a list where a
//! title belongs, a line that is not an object: all go the general way. The property test
//! in this module checks that the two paths agree.

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::record::Fields;

/// The fields of a record as written: the raw JSON of each value present.
#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    text: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    title: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    source: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    date: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    url: Option<&'a RawValue>,
}

/// A field that is present, `null` included (an `Option` would read `null` as absent,
/// and `"id": null` is refused where a missing id is not).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// The fields of the record on `line` (trimmed, not blank), exactly as the general path
/// would take them; `None` whenever the general path must look.
/// The text goes into `spare` (emptied first), a buffer a previous text left behind:
/// most texts then need no allocation of their own.
pub(super) fn fields(line: &str, spare: String) -> Option<Fields> {
    // The general path repairs a lone surrogate, with a warning, in any field, even one
    // it then ignores: such a line goes its way (pairs too: rare, and cheaper to test).
    if may_hold_surrogate(line) {
        return None;
    }
    let raw: RawRecord<'_> = serde_json::from_str(line).ok()?;
    let text = string_into(raw.text?, spare)?;
    let id = match raw.id {
        None => None,
        Some(v) if v.get().starts_with('"') => {
            let s = string(v)?;
            // A blank id is no id: the record gets the fallback, as in the general path.
            (!s.trim().is_empty()).then_some(s)
        }
        Some(v) => Some(super::jsonl::decimal(&number(v)?)),
    };
    Some(Fields {
        id,
        text,
        title: scalar(raw.title)?,
        source: scalar(raw.source)?,
        date: scalar(raw.date)?,
        url: scalar(raw.url)?,
    })
}

/// Whether `line` may hold a `\uD800`-`\uDFFF` escape (or an escaped backslash before
/// such letters, which is harmless to send the general way).
fn may_hold_surrogate(line: &str) -> bool {
    memchr::memmem::find_iter(line.as_bytes(), b"\\u").any(|at| {
        let b = line.as_bytes();
        matches!(b.get(at + 2), Some(b'd' | b'D'))
            && matches!(b.get(at + 3), Some(b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
    })
}

/// An optional metadata field: `Some(None)` when absent or `null`; `None` for lists and
/// objects (which the general path refuses).
fn scalar(v: Option<&RawValue>) -> Option<Option<String>> {
    let Some(v) = v else {
        return Some(None);
    };
    match v.get() {
        "null" => Some(None),
        "true" | "false" => Some(Some(v.get().to_owned())),
        s if s.starts_with('"') => string(v).map(Some),
        _ => number(v).map(|n| Some(n.to_string())),
    }
}

/// A number, parsed as the general path parses it (digits kept as written).
fn number(v: &RawValue) -> Option<serde_json::Number> {
    let s = v.get();
    let first = *s.as_bytes().first()?;
    if first != b'-' && !first.is_ascii_digit() {
        return None;
    }
    serde_json::from_str(s).ok()
}

/// The value of a JSON string literal that serde has already checked (quotes, escapes,
/// no raw control characters); `None` when `v` is no string or holds a surrogate escape.
fn string(v: &RawValue) -> Option<String> {
    string_into(v, String::new())
}

/// [`string`], written into `out` (emptied first). Unescaped here rather than by serde
/// (`String`) so the text goes into the buffer the last one left, with no allocation per
/// text: measurably faster reading (docs/performance.md).
fn string_into(v: &RawValue, mut out: String) -> Option<String> {
    out.clear();
    let inner = v.get().strip_prefix('"')?.strip_suffix('"')?;
    let b = inner.as_bytes();
    let Some(mut at) = memchr::memchr(b'\\', b) else {
        out.push_str(inner);
        return Some(out);
    };
    out.reserve(inner.len());
    let mut from = 0;
    loop {
        out.push_str(&inner[from..at]);
        from = at + 2;
        match *b.get(at + 1)? {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let unit = hex4(b, at + 2)?;
                from = at + 6;
                // Surrogates never get here (see `may_hold_surrogate`); refuse them
                // anyway rather than decode half a pair.
                let c = match unit {
                    0xD800..=0xDFFF => return None,
                    unit => u32::from(unit),
                };
                out.push(char::from_u32(c)?);
            }
            _ => return None,
        }
        match memchr::memchr(b'\\', &b[from..]) {
            Some(next) => at = from + next,
            None => {
                out.push_str(&inner[from..]);
                return Some(out);
            }
        }
    }
}

/// The four hex digits at `at`, as a UTF-16 code unit.
fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let digits = b.get(at..at + 4)?;
    digits.iter().try_fold(0u16, |acc, &d| {
        let v = (d as char).to_digit(16)?;
        Some(acc << 4 | v as u16)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use crate::error::Position;
    use crate::ingest::jsonl::general_fields;

    /// When the fast path takes `line`, the general path gives the same fields and no
    /// warning; returns whether the fast path took it.
    fn same(line: &str) -> bool {
        // A spare buffer with an old text in it: it must be emptied first.
        let Some(fast) = super::fields(line, "left over from the last text".into()) else {
            return false;
        };
        let mut warnings = Vec::new();
        let general = general_fields(line, &Position::line("t.jsonl", 1), None, &mut warnings);
        assert_eq!(general.ok().as_ref(), Some(&fast), "{line}");
        assert!(warnings.is_empty(), "{line}");
        true
    }

    #[test]
    fn takes_the_common_record_and_unescapes_it() {
        let line = r#"{"id":"a1","title":"Bridge \"shut\"","text":"One.\n\nTwo \u00e9 \u4e2d \/ \\ \t end","source":"Meridian Press","date":"2024-03-01","url":"https://x.test/a","extra":[1,{"k":2}]}"#;
        let f = super::fields(line, "spare buffer".into()).expect("the common case");
        assert_eq!(f.text, "One.\n\nTwo \u{e9} \u{4e2d} / \\ \t end");
        assert_eq!(f.title.as_deref(), Some("Bridge \"shut\""));
        assert_eq!(f.id.as_deref(), Some("a1"));
        assert!(same(line));
        // A surrogate pair, even a valid one, goes the general way.
        let line = r#"{"text":"a\ud83d\ude00b"}"#;
        assert!(super::fields(line, String::new()).is_none());
        let mut warnings = Vec::new();
        let general = general_fields(line, &Position::line("t.jsonl", 1), None, &mut warnings);
        assert_eq!(general.unwrap().text, "a\u{1F600}b");
    }

    #[test]
    fn a_numeric_date_keeps_its_digits() {
        // Unix time in a JSON number reaches the date parser as written.
        let line = r#"{"text":"a","date":541350061}"#;
        let f = super::fields(line, String::new()).expect("the common case");
        assert_eq!(f.date.as_deref(), Some("541350061"));
        assert!(same(line));
        let line = r#"{"text":"a","date":1709287200000}"#;
        let f = super::fields(line, String::new()).expect("the common case");
        assert_eq!(f.date.as_deref(), Some("1709287200000"));
    }

    #[test]
    fn leaves_the_unusual_to_the_general_path() {
        for line in [
            r#"{"text":"x","id":null}"#,
            r#"{"text":"x\ud800y"}"#,
            r#"{"text":"x\udc00"}"#,
            r#"{"text":"x\ud800\u0041"}"#,
            r#"{"text":"a","text":"b"}"#,
            r#"{"text":"a","title":["t"]}"#,
            r#"{"text":3}"#,
            r#"{"id":"x"}"#,
            r#"[1,2]"#,
        ] {
            assert!(!same(line), "{line}");
        }
        // Numbers, booleans and null are read as the general path reads them.
        for line in [
            r#"{"text":"a","id":1e3,"title":7.50,"source":true,"date":null,"url":-0}"#,
            r#"{"text":"a","id":" ","title":""}"#,
            r#"{"text":"a","id":18446744073709551617}"#,
        ] {
            assert!(same(line), "{line}");
        }
    }

    /// A JSON value for a field: strings with every kind of escape, numbers, literals,
    /// lists and objects.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => proptest::collection::vec(
                prop_oneof![
                    12 => "[a-zA-Z0-9 .,]{0,6}",
                    1 => Just("\\n".to_owned()),
                    1 => Just("\\\"".to_owned()),
                    1 => Just("\\\\".to_owned()),
                    1 => Just("\\/".to_owned()),
                    1 => Just("\\t\\r\\b\\f".to_owned()),
                    1 => Just("&amp; <b>".to_owned()),
                    1 => "\\\\u00[0-9a-fA-F]{2}",
                    1 => "\\\\u[1-9a-cA-C][0-9a-fA-F]{3}",
                    1 => "\\\\u[dD][89abAB][0-9a-f]{2}\\\\u[dD][c-fC-F][0-9a-f]{2}",
                    1 => "[\u{e9}\u{4e2d}\u{1F600}\u{feff}]",
                ],
                0..8
            )
            .prop_map(|parts| format!("\"{}\"", parts.concat())),
            1 => prop_oneof![
                Just("null".to_owned()),
                Just("true".to_owned()),
                Just("1e3".to_owned()),
                Just("-12.50".to_owned()),
                Just("[1]".to_owned()),
                Just("{}".to_owned()),
                Just("\"\\ud800\"".to_owned()),
            ],
        ]
    }

    const KEYS: [&str; 7] = ["text", "id", "title", "source", "date", "url", "other"];

    proptest! {
        #[test]
        fn agrees_with_the_general_path(
            keys in proptest::sample::subsequence(KEYS.to_vec(), 0..=KEYS.len()),
            values in proptest::collection::vec(value(), KEYS.len() + 1),
            repeat in proptest::option::of(0..KEYS.len()),
        ) {
            let mut body: Vec<String> =
                keys.iter().zip(&values).map(|(k, v)| format!("\"{k}\": {v}")).collect();
            // Now and then a key twice (the general path keeps the last).
            if let Some(i) = repeat.filter(|&i| i < keys.len()) {
                body.push(format!("\"{}\": {}", keys[i], values[KEYS.len()]));
            }
            same(&format!("{{{}}}", body.join(", ")));
        }
    }

    #[test]
    fn the_property_reaches_the_fast_path() {
        // The generator above must not send (nearly) everything the general way.
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = (
            proptest::sample::subsequence(KEYS.to_vec(), 0..=KEYS.len()),
            proptest::collection::vec(value(), KEYS.len()),
        );
        let taken = (0..400)
            .filter(|_| {
                let (keys, values) = strategy.new_tree(&mut runner).unwrap().current();
                let body: Vec<String> = keys
                    .iter()
                    .zip(&values)
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                same(&format!("{{{}}}", body.join(", ")))
            })
            .count();
        assert!(taken > 40, "fast path taken {taken} times in 400");
    }
}
