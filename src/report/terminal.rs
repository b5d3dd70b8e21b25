//! `diff -f terminal`: two columns side by side, for a person at a terminal.
//!
//! Column widths are computed once (a small `Layout`): a score column, the left column, a gutter
//! and the right column, both text columns the same width. Both sides of a row are wrapped
//! in step by display width (wide CJK characters count two columns, combining marks none),
//! and continuation lines are marked in the gutter (`┊` instead of `│`). With colour, words
//! found on one side only are bold red (left) or bold green (right); without colour they are
//! marked `[-like this-]` and `{+like this+}`, so plain output still shows them. Document
//! text is stripped of control characters first: an article cannot drive the terminal.

use std::io::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::align::{Row, RowKind, Segment};

use super::{DiffReport, printable};

/// How to draw: total width and whether to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Total width in terminal columns.
    pub width: usize,
    /// Emit ANSI colour codes.
    pub color: bool,
}

/// Column widths, computed once from the total width.
#[derive(Debug, Clone, Copy)]
struct Layout {
    score: usize,
    column: usize,
}

/// Narrowest text column we will draw; below this the diff is unreadable anyway.
const MIN_COLUMN: usize = 12;
const GUTTER: &str = " │ ";
const GUTTER_CONT: &str = " ┊ ";

impl Layout {
    fn new(width: usize) -> Layout {
        let score = 5;
        let column = (width.saturating_sub(score + GUTTER.width()) / 2).max(MIN_COLUMN);
        Layout { score, column }
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const BOLD_RED: &str = "\x1b[1;31m";
const BOLD_GREEN: &str = "\x1b[1;32m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// A run of text drawn in one style (`None`: plain).
type Run = (String, Option<&'static str>);

/// Writes the diff.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render(d: &DiffReport<'_>, style: &Style, mut out: impl Write) -> std::io::Result<()> {
    let layout = Layout::new(style.width);
    let paint = |s: &str, code: &'static str| {
        if style.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    };
    let meta = |doc: &crate::document::Document| {
        let mut parts = Vec::new();
        if let Some(s) = &doc.source {
            parts.push(s.clone());
        }
        if let Some(date) = doc.date {
            parts.push(date.to_string());
        }
        parts.join(" · ")
    };
    let head = |l: String, r: String, code: Option<&'static str>| -> Vec<Row2> {
        vec![Row2 {
            score: String::new(),
            left: vec![(printable(&l), code)],
            right: vec![(printable(&r), code)],
        }]
    };
    let mut header = head(d.left.id.clone(), d.right.id.clone(), Some(BOLD));
    let (ml, mr) = (meta(d.left), meta(d.right));
    if !ml.is_empty() || !mr.is_empty() {
        header.extend(head(ml, mr, None));
    }
    if d.left.title.is_some() || d.right.title.is_some() {
        header.extend(head(
            d.left.title.clone().unwrap_or_default(),
            d.right.title.clone().unwrap_or_default(),
            None,
        ));
    }
    for row in &header {
        draw(&mut out, row, &layout, style)?;
    }
    let s = &d.similarities;
    let similarity = format!(
        "similarity: story {:.2} · jaccard {:.2} · containment {:.2}",
        s.story, s.jaccard, s.containment
    );
    full_width(&mut out, &similarity, style, Some(DIM))?;
    if let Some(lowered) = s.lowering.describe() {
        full_width(&mut out, &lowered, style, Some(DIM))?;
    }
    if let Some(left_out) = s.left_out() {
        full_width(&mut out, &left_out, style, Some(DIM))?;
    }
    let rule = format!(
        "{}{}┼{}",
        "─".repeat(layout.score),
        "─".repeat(layout.column + 1),
        "─".repeat(layout.column + 1)
    );
    writeln!(out, "{}", paint(&rule, DIM))?;
    for row in &d.alignment.rows {
        draw(&mut out, &styled(row, style), &layout, style)?;
    }
    writeln!(out, "{}", paint(&rule, DIM))?;
    let sum = d.alignment.summary();
    let footer = format!(
        "{} of {} sentences shared; left-only: {}; right-only: {}",
        sum.shared, sum.left_sentences, sum.left_only, sum.right_only
    );
    full_width(&mut out, &footer, style, None)
}

/// A line across both columns, wrapped to the total width.
fn full_width(
    out: &mut impl Write,
    line: &str,
    style: &Style,
    code: Option<&'static str>,
) -> std::io::Result<()> {
    for part in wrap(&[(line.to_owned(), None)], style.width) {
        let text: String = part.iter().map(|(t, _)| t.as_str()).collect();
        match code {
            Some(c) if style.color => writeln!(out, "{c}{text}{RESET}")?,
            _ => writeln!(out, "{text}")?,
        }
    }
    Ok(())
}

/// A row ready to draw: the score cell and the styled runs of each side.
struct Row2 {
    score: String,
    left: Vec<Run>,
    right: Vec<Run>,
}

fn styled(row: &Row, style: &Style) -> Row2 {
    let side = |seg: &Option<Segment>, left: bool| -> Vec<Run> {
        let Some(seg) = seg else { return Vec::new() };
        match row.kind {
            RowKind::Match => runs(seg, left, style.color),
            _ => vec![(
                printable(&seg.text),
                style.color.then_some(if left { RED } else { GREEN }),
            )],
        }
    };
    let score = match row.kind {
        RowKind::Match => format!("{:.2}", row.similarity.unwrap_or(0.0)),
        RowKind::LeftOnly => "  -".to_owned(),
        RowKind::RightOnly => "  +".to_owned(),
    };
    Row2 {
        score,
        left: side(&row.left, true),
        right: side(&row.right, false),
    }
}

/// Splits a matched segment into plain and emphasised runs.
fn runs(seg: &Segment, left: bool, color: bool) -> Vec<Run> {
    let mut out = Vec::new();
    let mut at = 0;
    for r in &seg.emphasis {
        if r.start > at {
            out.push((printable(&seg.text[at..r.start]), None));
        }
        let word = printable(&seg.text[r.clone()]);
        out.push(match (color, left) {
            (true, true) => (word, Some(BOLD_RED)),
            (true, false) => (word, Some(BOLD_GREEN)),
            (false, true) => (format!("[-{word}-]"), None),
            (false, false) => (format!("{{+{word}+}}"), None),
        });
        at = r.end;
    }
    if at < seg.text.len() {
        out.push((printable(&seg.text[at..]), None));
    }
    out
}

/// Word-wraps styled runs to `width` display columns; a word wider than a line is broken
/// between characters. Returns lines as runs.
fn wrap(runs: &[Run], width: usize) -> Vec<Vec<Run>> {
    // Words: maximal runs of non-space characters, each a list of styled pieces.
    let mut words: Vec<Vec<Run>> = Vec::new();
    let mut current: Vec<Run> = Vec::new();
    for (text, code) in runs {
        let mut piece = String::new();
        for c in text.chars() {
            if c.is_whitespace() {
                if !piece.is_empty() {
                    current.push((std::mem::take(&mut piece), *code));
                }
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            } else {
                piece.push(c);
            }
        }
        if !piece.is_empty() {
            current.push((piece, *code));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut lines: Vec<Vec<Run>> = Vec::new();
    let mut line: Vec<Run> = Vec::new();
    let mut used = 0;
    for word in words {
        let w: usize = word.iter().map(|(t, _)| t.width()).sum();
        if used > 0 && used + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push((" ".to_owned(), None));
            used += 1;
        }
        if w <= width {
            line.extend(word);
            used += w;
            continue;
        }
        // Too long for any line: break it between characters.
        for (text, code) in word {
            let mut piece = String::new();
            for c in text.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    if !piece.is_empty() {
                        line.push((std::mem::take(&mut piece), code));
                    }
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                piece.push(c);
                used += cw;
            }
            if !piece.is_empty() {
                line.push((piece, code));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn paint_line(line: &[Run], width: usize, color: bool) -> String {
    let mut s = String::new();
    let mut used = 0;
    for (text, code) in line {
        used += text.width();
        match code {
            Some(c) if color => {
                s.push_str(c);
                s.push_str(text);
                s.push_str(RESET);
            }
            _ => s.push_str(text),
        }
    }
    s.push_str(&" ".repeat(width.saturating_sub(used)));
    s
}

fn draw(out: &mut impl Write, row: &Row2, layout: &Layout, style: &Style) -> std::io::Result<()> {
    let left = wrap(&row.left, layout.column);
    let right = wrap(&row.right, layout.column);
    let n = left.len().max(right.len());
    for i in 0..n {
        let score = if i == 0 { row.score.as_str() } else { "" };
        let gutter = if i == 0 { GUTTER } else { GUTTER_CONT };
        let l = left.get(i).map_or_else(
            || " ".repeat(layout.column),
            |x| paint_line(x, layout.column, style.color),
        );
        let r = right
            .get(i)
            .map_or_else(String::new, |x| paint_line(x, 0, style.color));
        let line = format!("{score:<w$}{l}{gutter}{r}", w = layout.score);
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(line: &[Run]) -> String {
        line.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn wraps_by_display_width_and_breaks_long_words() {
        let runs = vec![("aaa bbb ccc".to_owned(), None)];
        let lines: Vec<String> = wrap(&runs, 7).iter().map(|l| plain(l)).collect();
        assert_eq!(lines, ["aaa bbb", "ccc"]);
        let wide = vec![("東京都庁舎".to_owned(), None)];
        let lines: Vec<String> = wrap(&wide, 4).iter().map(|l| plain(l)).collect();
        assert_eq!(lines, ["東京", "都庁", "舎"]);
        let combining = vec![("e\u{0301}te\u{0301} ok".to_owned(), None)];
        let lines: Vec<String> = wrap(&combining, 4).iter().map(|l| plain(l)).collect();
        assert_eq!(lines, ["e\u{0301}te\u{0301}", "ok"]);
    }

    #[test]
    fn every_line_has_the_same_gutter_column() {
        let row = Row2 {
            score: "0.91".into(),
            left: vec![("short".into(), None)],
            right: vec![(
                "a rather longer right side that wraps onto more lines 東京".into(),
                None,
            )],
        };
        let mut out = Vec::new();
        draw(
            &mut out,
            &row,
            &Layout::new(40),
            &Style {
                width: 40,
                color: false,
            },
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let cols: Vec<usize> = text
            .lines()
            .map(|l| l.find(['│', '┊']).map(|i| l[..i].width()).unwrap())
            .collect();
        assert!(cols.len() > 2);
        assert!(cols.iter().all(|&c| c == cols[0]), "{text}");
        assert!(text.lines().nth(1).unwrap().contains('┊'));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let seg = Segment {
            text: "evil\u{1b}[2Jtext".into(),
            emphasis: vec![std::ops::Range { start: 0, end: 4 }],
            sentences: vec![0],
        };
        let r = runs(&seg, true, false);
        let all: String = r.iter().map(|(t, _)| t.as_str()).collect();
        assert!(!all.contains('\u{1b}'));
        assert!(all.starts_with("[-evil-]"));
    }
}
