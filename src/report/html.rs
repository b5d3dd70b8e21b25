//! Self-contained HTML: `diff -f html` (one diff) and `report` (a whole collection).
//!
//! Pages make no network requests: CSS and the few lines of script are inline, and charts
//! are drawn here (the histogram as inline SVG) or from inline data (the heat map, on a
//! canvas). Every piece of document text, id, title, source and URL is escaped; only
//! `http`/`https` URLs become links.

use std::fmt::Write as _;
use std::io::Write;

use html_escape::encode_double_quoted_attribute as attr;

/// Document text for HTML: control and invisible characters removed (a bidi override would
/// reverse what follows it on the page), then escaped.
fn text(s: &str) -> String {
    let visible: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|&c| !c.is_control() && !crate::normalize::is_invisible(c))
        .collect();
    html_escape::encode_text(&visible).into_owned()
}

use crate::align::{Row, RowKind, Segment};
use crate::document::{Corpus, Document};

use super::{CollectionView, DiffReport, StoryCluster, thousands};

const CSS: &str = r#"
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --del: #ffd7d5; --ins: #c9f2d0; --left: #fff3f2; --right: #f0fbf2; --accent: #2456c9; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1400px; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-top: .5rem; border-top: 1px solid var(--line); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.muted, .meta { color: var(--muted); }
.params { font-size: .9rem; color: var(--muted); }
.stats { display: flex; gap: 2rem; flex-wrap: wrap; margin: 1rem 0; }
.stats div { font-size: .9rem; color: var(--muted); } .stats b { display: block; font-size: 1.5rem; color: var(--fg); }
.charts { display: flex; gap: 2rem; flex-wrap: wrap; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: .85rem; color: var(--muted); max-width: 460px; }
canvas.heatmap { width: 420px; height: 420px; image-rendering: pixelated; border: 1px solid var(--line); }
nav ol { columns: 3; column-gap: 2.5rem; font-size: .9rem; padding-left: 3rem; }
nav li { break-inside: avoid; }
.terms span { display: inline-block; background: #eef2fb; border-radius: 3px; padding: 0 .4rem; margin: 0 .25rem .25rem 0; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; }
table.members td, table.members th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; font-size: .92rem; }
table.members tr.rep td { font-weight: 600; }
table.members td.date { white-space: nowrap; }
button.toggle { font: inherit; font-size: .85rem; margin-left: .5rem; padding: .1rem .5rem; border: 1px solid var(--line); background: #fff; border-radius: 3px; cursor: pointer; }
details { margin: .6rem 0; border: 1px solid var(--line); border-radius: 4px; }
details > summary { cursor: pointer; padding: .4rem .6rem; background: #f6f7f9; font-size: .92rem; }
table.sbs { table-layout: fixed; }
table.sbs th { text-align: left; font-size: .85rem; color: var(--muted); padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
table.sbs td { vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #eef0f4; overflow-wrap: anywhere; }
table.sbs col.score { width: 3.5rem; } table.sbs td.score { color: var(--muted); font-variant-numeric: tabular-nums; font-size: .85rem; }
tr.left_only td.left { background: var(--left); } tr.right_only td.right { background: var(--right); }
del { background: var(--del); text-decoration: none; border-radius: 2px; }
ins { background: var(--ins); text-decoration: none; border-radius: 2px; }
ul.singletons { columns: 2; font-size: .92rem; }
.footer { margin-top: .6rem; color: var(--muted); font-size: .9rem; }
section.cluster, #singletons li { content-visibility: auto; contain-intrinsic-size: auto 12rem; }
#singletons li { contain-intrinsic-size: auto 1.5rem; }
"#;

/// The page head. `script_hash` is the base64 SHA-256 of the one inline script allowed to
/// run, if any; no other script, inline handler or network request is allowed.
fn page_start(out: &mut String, title: &str, script_hash: Option<&str>) {
    let script_src = match script_hash {
        Some(h) => format!("'sha256-{h}'"),
        None => "'none'".to_owned(),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src {script_src}; img-src data:\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        text(title)
    );
}

/// A link to `url` when it is http(s), else the escaped text alone.
fn link(url: Option<&str>, label: &str) -> String {
    match url {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
            format!(
                "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                attr(u),
                text(label)
            )
        }
        _ => text(label),
    }
}

fn doc_meta(d: &Document) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &d.source {
        parts.push(text(s));
    }
    if let Some(date) = d.date {
        parts.push(date.to_string());
    }
    parts.join(" · ")
}

/// How a diff names a document: its outlet and title (`Harbor Post: Bridge closed`), the
/// title alone, or the start of its text; ids are long and say little to a reader.
fn heading(d: &Document, max_chars: usize) -> String {
    match d.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(source) => format!("{source}: {}", d.label(max_chars)),
        None => d.label(max_chars),
    }
}

/// A segment's text with its one-sided words wrapped in `tag`.
fn marked(seg: &Segment, tag: &str) -> String {
    let mut s = String::new();
    let mut at = 0;
    for r in &seg.emphasis {
        s.push_str(&text(&seg.text[at..r.start]));
        let _ = write!(s, "<{tag}>{}</{tag}>", text(&seg.text[r.clone()]));
        at = r.end;
    }
    s.push_str(&text(&seg.text[at..]));
    s
}

fn diff_row(out: &mut String, row: &Row) {
    let kind = match row.kind {
        RowKind::Match => "match",
        RowKind::LeftOnly => "left_only",
        RowKind::RightOnly => "right_only",
    };
    let score = match row.kind {
        RowKind::Match => format!("{:.2}", row.similarity.unwrap_or(0.0)),
        RowKind::LeftOnly => "&minus;".to_owned(),
        RowKind::RightOnly => "+".to_owned(),
    };
    let side = |seg: &Option<Segment>, tag: &str| match seg {
        Some(s) if row.kind == RowKind::Match => marked(s, tag),
        Some(s) => text(&s.text),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "<tr class=\"{kind}\"><td class=\"score\">{score}</td><td class=\"left\">{}</td><td class=\"right\">{}</td></tr>",
        side(&row.left, "del"),
        side(&row.right, "ins")
    );
}

/// The side-by-side table of one diff; `anchors` gives each document's in-page link, if any.
fn diff_table(out: &mut String, d: &DiffReport<'_>, anchors: Option<(usize, usize)>) {
    let head = |doc: &Document, anchor: Option<usize>| {
        let id = match anchor {
            Some(i) => format!("<a href=\"#doc-{i}\">{}</a>", text(&doc.id)),
            None => text(&doc.id),
        };
        // The outlet is in the heading; the id and date follow it.
        let date = doc.date.map(|d| format!(" · {d}")).unwrap_or_default();
        format!(
            "{} <span class=\"meta\">{id}{date}</span>",
            text(&heading(doc, 80))
        )
    };
    let _ = writeln!(
        out,
        "<table class=\"sbs\"><colgroup><col class=\"score\"><col><col></colgroup>\n<thead><tr><th></th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        head(d.left, anchors.map(|a| a.0)),
        head(d.right, anchors.map(|a| a.1))
    );
    for row in &d.alignment.rows {
        diff_row(out, row);
    }
    let s = d.alignment.summary();
    let _ = writeln!(
        out,
        "</tbody></table>\n<p class=\"footer\">{} of {} sentences shared; left-only: {}; right-only: {}</p>",
        s.shared, s.left_sentences, s.left_only, s.right_only
    );
}

/// The lines saying what lowered a diff's story score and what of the texts it left out,
/// when anything did.
fn lowered_line(out: &mut String, d: &DiffReport<'_>) {
    if let Some(lowered) = d.similarities.lowering.describe() {
        let _ = writeln!(out, "<p class=\"params\">{}</p>", text(&lowered));
    }
    if let Some(left_out) = d.similarities.left_out() {
        let _ = writeln!(out, "<p class=\"params\">{}</p>", text(&left_out));
    }
}

/// Writes `diff -f html`: one self-contained page.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_diff(d: &DiffReport<'_>, mut out: impl Write) -> std::io::Result<()> {
    let mut s = String::new();
    page_start(&mut s, &format!("{} vs {}", d.left.id, d.right.id), None);
    let title = |doc: &Document| link(doc.url.as_deref(), doc.title.as_deref().unwrap_or(&doc.id));
    let _ = writeln!(
        s,
        "<h1>{} <span class=\"muted\">vs</span> {}</h1>\n<p class=\"params\">similarity: story {:.2} · jaccard {:.2} · containment {:.2}</p>",
        title(d.left),
        title(d.right),
        d.similarities.story,
        d.similarities.jaccard,
        d.similarities.containment
    );
    lowered_line(&mut s, d);
    diff_table(&mut s, d, None);
    s.push_str("</body>\n</html>\n");
    out.write_all(s.as_bytes())
}

/// The 64 symbols the heat map levels are written with (base64's alphabet).
const LEVELS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A power of ten as an axis label: `1`, `100`, `10k`, `1M`, `100B`.
fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{}k", n / 1_000),
        1_000_000..1_000_000_000 => format!("{}M", n / 1_000_000),
        _ => format!("{}B", n / 1_000_000_000),
    }
}

fn histogram_svg(hist: &[u64], threshold: f64) -> String {
    // `left` leaves room for the count axis' labels.
    let (w, h, pad, left) = (480.0, 170.0, 24.0, 46.0);
    let max = hist.iter().copied().max().unwrap_or(1).max(1) as f64;
    let plot = w - left - pad;
    let bar = plot / hist.len().max(1) as f64;
    // Log scale: the many unrelated pairs would flatten everything else.
    let height = |c: f64| (h - 2.0 * pad) * (1.0 + c).log10() / (1.0 + max).log10();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"histogram of pairwise scores\">"
    );
    // The count axis: a tick at each power of ten up to the tallest bar.
    let mut tick = 1u64;
    while tick as f64 <= max {
        let y = h - pad - height(tick as f64);
        let _ = write!(
            s,
            "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x2:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
             <text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"10\" fill=\"#666\" text-anchor=\"end\">{}</text>",
            compact(tick),
            x0 = left - 3.0,
            x2 = w - pad,
            tx = left - 5.0,
            ty = y + 3.5
        );
        tick = tick.saturating_mul(10);
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{pad}\" x2=\"{left}\" y2=\"{y}\" stroke=\"#999\"/>\
         <text x=\"9\" y=\"{my}\" font-size=\"10\" fill=\"#666\" text-anchor=\"middle\" transform=\"rotate(-90 9 {my})\">pairs</text>",
        y = h - pad,
        my = h / 2.0
    );
    for (i, &c) in hist.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let bh = height(c as f64);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#6b8fd6\"><title>{:.2}-{:.2}: {} pairs</title></rect>",
            left + i as f64 * bar,
            h - pad - bh,
            (bar - 1.0).max(0.5),
            bh,
            i as f64 / hist.len() as f64,
            (i + 1) as f64 / hist.len() as f64,
            thousands(c)
        );
    }
    let tx = left + threshold * plot;
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#999\"/>\
         <line x1=\"{tx:.1}\" y1=\"{top}\" x2=\"{tx:.1}\" y2=\"{y}\" stroke=\"#d33\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"11\" fill=\"#d33\" text-anchor=\"middle\">threshold {threshold:.2}</text>\
         <text x=\"{left}\" y=\"{ly}\" font-size=\"11\" fill=\"#666\">0</text>\
         <text x=\"{mid}\" y=\"{ly}\" font-size=\"11\" fill=\"#666\" text-anchor=\"middle\">0.5</text>\
         <text x=\"{x2}\" y=\"{ly}\" font-size=\"11\" fill=\"#666\" text-anchor=\"end\">1</text></svg>",
        y = h - pad,
        x2 = w - pad,
        top = pad - 4.0,
        ty = pad - 8.0,
        ly = h - 8.0,
        mid = left + plot / 2.0
    );
    s
}

fn member_row(out: &mut String, corpus: &Corpus, m: usize, sim: Option<f64>, rep: bool) {
    let d = &corpus.docs[m];
    let _ = writeln!(
        out,
        "<tr id=\"doc-{m}\"{}><td>{}{}</td><td>{}</td><td class=\"date\">{}</td><td>{}</td><td>{}</td></tr>",
        if rep { " class=\"rep\"" } else { "" },
        text(&d.id),
        if rep {
            " <span class=\"muted\">(representative)</span>"
        } else {
            ""
        },
        text(d.source.as_deref().unwrap_or("")),
        d.date.map(|x| x.to_string()).unwrap_or_default(),
        link(d.url.as_deref(), &d.label(140)),
        sim.map(|x| format!("{x:.2}")).unwrap_or_default()
    );
}

fn cluster_section(
    out: &mut String,
    corpus: &Corpus,
    c: &StoryCluster,
    rep: usize,
    diffs: &[DiffReport<'_>],
) {
    let _ = writeln!(
        out,
        "<section class=\"cluster\" id=\"cluster-{n}\">\n<h2><a href=\"#cluster-{n}\">Cluster {n}</a> · {} documents · similarity min {:.2}, mean {:.2}</h2>",
        c.members.len(),
        c.min_similarity.unwrap_or(0.0),
        c.mean_similarity.unwrap_or(0.0),
        n = c.number
    );
    if !c.shared_terms.is_empty() {
        out.push_str("<p class=\"terms\">Shared: ");
        for t in &c.shared_terms {
            let _ = write!(out, "<span>{}</span>", text(t));
        }
        out.push_str("</p>\n");
    }
    if !c.cited_sources.is_empty() {
        out.push_str("<p class=\"terms\">Cites: ");
        for (name, n) in &c.cited_sources {
            let _ = write!(out, "<span>{} ({n})</span>", text(name));
        }
        out.push_str("</p>\n");
    }
    for g in &c.copies {
        let others: Vec<String> = g
            .members
            .iter()
            .filter(|&&m| m != g.original)
            .map(|&m| format!("<a href=\"#doc-{m}\">{}</a>", text(&corpus.docs[m].id)))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"copies\">Near-copies of <a href=\"#doc-{o}\">{}</a> (likely original): {}</p>",
            text(&corpus.docs[g.original].id),
            others.join(", "),
            o = g.original
        );
    }
    out.push_str("<table class=\"members\"><thead><tr><th>id</th><th>source</th><th>date</th><th>title</th><th>similarity</th></tr></thead><tbody>\n");
    for (&m, &sim) in c.members.iter().zip(&c.attachment) {
        member_row(out, corpus, m, sim, m == rep);
    }
    out.push_str("</tbody></table>\n");
    for d in diffs {
        let right = c
            .members
            .iter()
            .copied()
            .find(|&m| std::ptr::eq(&corpus.docs[m], d.right))
            .unwrap_or(rep);
        let s = d.alignment.summary();
        let _ = writeln!(
            out,
            "<details class=\"diff\"><summary>{} <span class=\"muted\">against</span> {} · story similarity {:.2} · {} of {} sentences shared</summary>",
            text(&heading(d.right, 70)),
            text(&heading(d.left, 70)),
            d.similarities.story,
            s.shared,
            s.left_sentences
        );
        lowered_line(out, d);
        diff_table(out, d, Some((rep, right)));
        out.push_str("</details>\n");
    }
    let omitted = c.members.len().saturating_sub(1 + diffs.len());
    if omitted > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{} more not compared (<a href=\"#stories\">why</a>).</p>",
            thousands(omitted as u64)
        );
    }
    out.push_str("</section>\n");
}

/// Base64 SHA-256 of [`HEATMAP_SCRIPT`], for the page's Content-Security-Policy.
const HEATMAP_SCRIPT_SHA256: &str = "8JOCfz3iQcyy8fYe84LaFTQjWVLBGJ53PYwoc42tXkg=";

/// Writes the collection report: overview, one section per story, singletons.
///
/// # Errors
/// Any I/O error of `out`.
pub fn render_collection(
    view: &CollectionView<'_>,
    corpus: &Corpus,
    mut out: impl Write,
) -> std::io::Result<()> {
    let r = &view.clusters;
    let p = &r.parameters;
    let multi: Vec<&StoryCluster> = r.clusters.iter().filter(|c| c.members.len() > 1).collect();
    let singles: Vec<&StoryCluster> = r.clusters.iter().filter(|c| c.members.len() == 1).collect();
    let mut s = String::with_capacity(1 << 20);
    page_start(&mut s, "storydedup report", Some(HEATMAP_SCRIPT_SHA256));
    let _ = writeln!(
        s,
        "<header><h1>storydedup report</h1>\n<p class=\"params\">measure {} · threshold {:.2} · linkage {} · {}</p>\n\
         <div class=\"stats\"><div><b>{}</b>documents</div><div><b>{}</b>clusters</div><div><b>{}</b>stories of 2 or more</div><div><b>{}</b>documents in them</div><div><b>{}</b>singletons</div></div></header>",
        p.measure,
        p.threshold,
        p.linkage,
        if p.measure == crate::config::Measure::Story {
            if p.window_days == 0 {
                "no date window".to_owned()
            } else {
                format!("window {} days", p.window_days)
            }
        } else {
            format!("shingles {}", p.shingle)
        },
        thousands(r.documents as u64),
        thousands(r.clusters.len() as u64),
        thousands(multi.len() as u64),
        thousands(multi.iter().map(|c| c.members.len()).sum::<usize>() as u64),
        thousands(singles.len() as u64)
    );
    let total_pairs: u64 = view.histogram.iter().sum();
    let _ = writeln!(
        s,
        "<section id=\"overview\"><h2>Overview</h2><div class=\"charts\">\n<figure>{}<figcaption>Pairwise scores of all {} pairs (log scale), with the threshold. A threshold in a valley separates stories from unrelated pairs.</figcaption></figure>\n\
         <figure><canvas class=\"heatmap\" id=\"heatmap\" width=\"{n}\" height=\"{n}\" data-size=\"{n}\" data-levels=\"{}\"></canvas><figcaption>Similarity matrix, documents ordered by cluster{}: dark squares on the diagonal are stories.</figcaption></figure></div></section>",
        histogram_svg(&view.histogram, p.threshold),
        thousands(total_pairs),
        view.heatmap
            .cells
            .iter()
            .map(|&l| LEVELS[usize::from(l.min(63))] as char)
            .collect::<String>(),
        if view.heatmap.size < r.documents {
            format!(
                " (in {n} x {n} blocks, each showing its highest score)",
                n = view.heatmap.size
            )
        } else {
            String::new()
        },
        n = view.heatmap.size
    );
    if !multi.is_empty() {
        s.push_str("<nav id=\"stories\"><h2>Stories <button class=\"toggle\" id=\"expand\" type=\"button\">expand all diffs</button></h2>\n");
        let shown: usize = view.diffs.iter().map(|d| d.1.len()).sum();
        let members: usize = multi.iter().map(|c| c.members.len() - 1).sum();
        if shown < members {
            let _ = writeln!(
                s,
                "<p class=\"muted\">{} of {} members are compared with their story's representative here: the largest stories first, up to {} each (<code>storydedup report --diffs N</code> shows more). Compare any two documents with <code>storydedup diff ID1 ID2 --corpus INPUT</code>.</p>",
                thousands(shown as u64),
                thousands(members as u64),
                crate::explain::STORY_DIFFS
            );
        }
        s.push_str("<ol>\n");
        for c in &multi {
            let rep = c.members[0];
            let _ = writeln!(
                s,
                "<li><a href=\"#cluster-{}\">{}</a> <span class=\"muted\">({})</span></li>",
                c.number,
                text(&corpus.docs[view.diffs.get(c.number - 1).map_or(rep, |d| d.0)].label(70)),
                c.members.len()
            );
        }
        s.push_str("</ol></nav>\n");
    }
    for c in &multi {
        let (rep, diffs) = &view.diffs[c.number - 1];
        cluster_section(&mut s, corpus, c, *rep, diffs);
    }
    if !singles.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"singletons\"><h2>Singletons ({})</h2><ul class=\"singletons\">",
            singles.len()
        );
        for c in &singles {
            let m = c.members[0];
            let d = &corpus.docs[m];
            let _ = writeln!(
                s,
                "<li id=\"doc-{m}\"><a href=\"#doc-{m}\">{}</a> <span class=\"meta\">{}</span> {}</li>",
                text(&d.id),
                doc_meta(d),
                link(d.url.as_deref(), &d.label(100))
            );
        }
        s.push_str("</ul></section>\n");
    }
    s.push_str("<script>");
    s.push_str(HEATMAP_SCRIPT);
    s.push_str("</script>\n");
    s.push_str("</body>\n</html>\n");
    out.write_all(s.as_bytes())
}

/// Paints the heat map from its `data-levels` attribute (one base64 symbol per cell), and
/// makes the expand-all button work. The page's policy lets only this exact script run
/// (by its hash, [`HEATMAP_SCRIPT_SHA256`]), so markup that slipped past escaping could
/// still not run any: after editing it, update the hash (`printf %s "$script" | openssl
/// dgst -sha256 -binary | base64`); the browser test fails until then.
const HEATMAP_SCRIPT: &str = r#"
(function () {
  var c = document.getElementById("heatmap");
  if (!c || !c.getContext) return;
  var n = +c.dataset.size, s = c.dataset.levels, abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  var ctx = c.getContext("2d"), img = ctx.createImageData(n, n);
  for (var i = 0; i < n * n; i++) {
    var v = abc.indexOf(s.charAt(i)) / 63;
    img.data[4 * i] = Math.round(255 - v * 247);
    img.data[4 * i + 1] = Math.round(255 - v * 207);
    img.data[4 * i + 2] = Math.round(255 - v * 148);
    img.data[4 * i + 3] = 255;
  }
    ctx.putImageData(img, 0, 0);
    c.setAttribute("data-drawn", "yes");
})();
(function () {
  var b = document.getElementById("expand");
  if (!b) return;
  b.addEventListener("click", function () {
    var open = b.textContent.indexOf("expand") === 0;
    document.querySelectorAll("details.diff").forEach(function (d) { d.open = open; });
    b.textContent = open ? "collapse all diffs" : "expand all diffs";
  });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::align;
    use crate::report::Similarities;

    #[test]
    fn hostile_text_is_escaped_and_only_http_links_are_made() {
        let mut left = Document::new(
            "<script>alert(1)</script>",
            "Hello <img src=x onerror=alert(1)> world. </textarea> fine.",
        );
        left.url = Some("javascript:alert(1)".into());
        left.title = Some("\"><b>t</b>".into());
        let mut right = Document::new("r", "Hello <img src=x onerror=alert(2)> world.");
        right.url = Some("https://example.com/a?b=\"c\"".into());
        right.title = Some("Right".into());
        let d = DiffReport {
            left: &left,
            right: &right,
            similarities: Similarities::default(),
            alignment: align(&left.text, &right.text),
        };
        let mut out = Vec::new();
        render_diff(&d, &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("</textarea>"));
        assert!(!html.contains("href=\"javascript:"));
        assert!(html.contains("href=\"https://example.com/a?b=&quot;c&quot;\""));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn bidi_overrides_and_control_characters_never_reach_the_page() {
        assert_eq!(
            text("Trailing \u{202E}override\u{1b}\u{7} <b>"),
            "Trailing override &lt;b&gt;"
        );
    }

    #[test]
    fn pages_let_only_their_own_script_run() {
        let mut head = String::new();
        page_start(&mut head, "t", None);
        assert!(head.contains("script-src 'none';"), "{head}");
        assert!(!head.contains("unsafe-inline'; img"), "{head}");
        let mut head = String::new();
        page_start(&mut head, "t", Some(HEATMAP_SCRIPT_SHA256));
        assert!(head.contains(&format!("script-src 'sha256-{HEATMAP_SCRIPT_SHA256}';")));
    }

    #[test]
    fn histogram_marks_the_threshold() {
        let svg = histogram_svg(&[100, 0, 3, 1], 0.3);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("threshold 0.30"));
        // The count axis: ticks at 1, 10 and 100 (the tallest bar), none past it.
        for tick in [">1</text>", ">10</text>", ">100</text>"] {
            assert!(svg.contains(tick), "{tick}: {svg}");
        }
        assert!(!svg.contains(">1k</text>"), "{svg}");
        assert_eq!(compact(10_000), "10k");
        assert_eq!(compact(100_000_000), "100M");
        assert!(svg.contains(">pairs</text>"), "{svg}");
    }

    #[test]
    fn diffs_are_headed_by_outlet_and_title() {
        let mut d = Document::new("feed-2025-03-04-000123", "Body text here.");
        assert_eq!(heading(&d, 40), "Body text here.");
        d.title = Some("Bridge closed after cracks".into());
        assert_eq!(heading(&d, 40), "Bridge closed after cracks");
        d.source = Some("Harbor Post".into());
        assert_eq!(heading(&d, 40), "Harbor Post: Bridge closed after cracks");
    }
}
