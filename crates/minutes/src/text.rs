//! From bytes to numbered lines and paragraphs: decoding, HTML stripping, whitespace.

use scraper::Html;
use scraper::node::Node;

use crate::error::ImportError;

/// One line of the document's text, numbered from 1, whitespace collapsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub no: u32,
    pub text: String,
}

/// Consecutive lines that read as one paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Para {
    pub first: u32,
    pub last: u32,
    pub text: String,
}

/// Whether the input is a saved web page rather than plain text.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || ["<body", "<div", "<p>", "<p ", "<table", "<head"]
            .iter()
            .any(|t| head.contains(t))
}

/// Decode bytes as UTF-8, falling back to Windows-1252 (what older saved pages use), never failing
/// on odd bytes; refuse binary files outright.
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return Err(ImportError::NotText);
    }
    Ok(match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
    })
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Collapse every run of whitespace (no-break spaces and zero-width characters included) to one
/// space and trim.
pub fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}' | '\u{ad}') || c.is_control() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// The document's lines: plain text as it is, HTML as the text a reader sees, one block a line.
pub fn lines(text: &str, html: bool) -> Vec<Line> {
    let raw = if html {
        html_text(text)
    } else {
        text.to_string()
    };
    raw.split('\n')
        .enumerate()
        .map(|(i, l)| Line {
            no: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text: squash(l),
        })
        .collect()
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "hr",
    "caption",
    "form",
];
const SKIPPED: &[&str] = &[
    "script", "style", "head", "noscript", "template", "svg", "button", "select", "nav", "iframe",
    "object", "title",
];

/// How an `<ol>` numbers its items, so the labels CSS would draw are kept in the text.
#[derive(Clone, Copy)]
enum ListStyle {
    Bullet,
    Decimal,
    LowerAlpha,
    UpperAlpha,
    LowerRoman,
    UpperRoman,
}

fn list_style(e: &scraper::node::Element) -> ListStyle {
    if e.name() == "ul" {
        return ListStyle::Bullet;
    }
    let style = e.attr("style").unwrap_or("").to_ascii_lowercase();
    let ty = e.attr("type").unwrap_or("");
    if style.contains("lower-alpha") || style.contains("lower-latin") || ty == "a" {
        ListStyle::LowerAlpha
    } else if style.contains("upper-alpha") || style.contains("upper-latin") || ty == "A" {
        ListStyle::UpperAlpha
    } else if style.contains("lower-roman") || ty == "i" {
        ListStyle::LowerRoman
    } else if style.contains("upper-roman") || ty == "I" {
        ListStyle::UpperRoman
    } else {
        ListStyle::Decimal
    }
}

/// The label a list draws for its `n`th item (1-based), as minutes print it: "(a)", "(ii)", "(3)".
fn list_label(style: ListStyle, n: u32) -> String {
    let n = n.max(1);
    let alpha = |upper: bool| {
        let mut s = String::new();
        let mut k = n;
        while k > 0 {
            let c = b'a' + u8::try_from((k - 1) % 26).unwrap_or(0);
            s.insert(
                0,
                char::from(if upper { c.to_ascii_uppercase() } else { c }),
            );
            k = (k - 1) / 26;
        }
        s
    };
    match style {
        ListStyle::Bullet => "·".into(),
        ListStyle::Decimal => format!("({n})"),
        ListStyle::LowerAlpha => format!("({})", alpha(false)),
        ListStyle::UpperAlpha => format!("({})", alpha(true)),
        ListStyle::LowerRoman => format!("({})", roman(n)),
        ListStyle::UpperRoman => format!("({})", roman(n).to_uppercase()),
    }
}

pub fn roman(mut n: u32) -> String {
    const R: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut s = String::new();
    for (v, r) in R {
        while n >= v && s.len() < 32 {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

/// The text of an HTML page, one block element a line. ModernGov pages hold the minutes in
/// `#modgov` / `.mgContent`; when present only that part is read, so menus and footers stay out.
fn html_text(source: &str) -> String {
    use ego_tree::iter::Edge;
    let doc = Html::parse_document(source);
    let content = doc
        .tree
        .root()
        .descendants()
        .find(|n| match n.value() {
            Node::Element(e) => {
                e.id() == Some("modgov")
                    || e.attr("class")
                        .is_some_and(|c| c.split_whitespace().any(|c| c == "mgContent"))
            }
            _ => false,
        })
        .unwrap_or(doc.tree.root());
    let mut out = String::new();
    let mut skip_depth = 0usize;
    // One counter per open list, so nested lists number their own items.
    let mut lists: Vec<(ListStyle, u32)> = Vec::new();
    for edge in content.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let name = e.name();
                    if skip_depth > 0 || SKIPPED.contains(&name) {
                        skip_depth += 1;
                        continue;
                    }
                    if BLOCKS.contains(&name) {
                        out.push('\n');
                    }
                    match name {
                        "ol" | "ul" => lists.push((list_style(e), 0)),
                        "li" => {
                            if let Some((style, n)) = lists.last_mut() {
                                *n = e
                                    .attr("value")
                                    .and_then(|v| v.trim().parse().ok())
                                    .unwrap_or(*n + 1);
                                out.push_str(&list_label(*style, *n));
                                out.push(' ');
                            }
                        }
                        _ => {}
                    }
                }
                Node::Text(t) if skip_depth == 0 => {
                    // Line breaks inside a text node are layout, not structure.
                    out.extend(
                        t.chars()
                            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                    );
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    let name = e.name();
                    if skip_depth > 0 {
                        skip_depth -= 1;
                        continue;
                    }
                    if matches!(name, "ol" | "ul") {
                        lists.pop();
                    }
                    if BLOCKS.contains(&name) {
                        out.push('\n');
                    }
                }
            }
        }
    }
    // Block boundaries produce runs of blank lines; keep at most one, as a paragraph break.
    let mut compact = String::with_capacity(out.len());
    let mut blank_run = 0;
    for l in out.split('\n') {
        if squash(l).is_empty() {
            blank_run += 1;
            if blank_run == 1 && !compact.is_empty() {
                compact.push('\n');
            }
        } else {
            blank_run = 0;
            compact.push_str(l.trim());
            compact.push('\n');
        }
    }
    compact
}

/// Whether a line opens a new paragraph whatever came before (a label, bullet, verb or number).
fn starts_block(text: &str) -> bool {
    crate::parse::part_label(text).is_some()
        || crate::parse::verb_at_start(text).is_some()
        || crate::parse::bare_item_number(text).is_some()
        || text.starts_with(['·', '•', '*', '▪', '–'])
}

/// Group lines into paragraphs. A paragraph ends at a blank line, except that a sentence broken by a
/// blank line (no closing punctuation, next line in lower case) is joined again; a hard-wrapped
/// line (long, no closing punctuation) is joined to the next unless that one opens a new block.
pub fn paragraphs(lines: &[Line]) -> Vec<Para> {
    let mut paras: Vec<Para> = Vec::new();
    let mut open = false; // whether the last paragraph may take the next line
    let mut after_blank = false;
    for line in lines {
        if line.text.is_empty() {
            after_blank = true;
            continue;
        }
        let joins = match paras.last() {
            Some(p) if !starts_block(&line.text) => {
                let ends_sentence = p.text.ends_with(['.', ':', ';', '?', '!']);
                let lower = line.text.chars().next().is_some_and(|c| c.is_lowercase());
                if after_blank {
                    !ends_sentence && lower && p.text.len() > 40
                } else {
                    open && (lower || (!ends_sentence && p.text.len() >= 50))
                }
            }
            _ => false,
        };
        if joins {
            let p = paras.last_mut().expect("checked above");
            p.text.push(' ');
            p.text.push_str(&line.text);
            p.last = line.no;
        } else {
            paras.push(Para {
                first: line.no,
                last: line.no,
                text: line.text.clone(),
            });
        }
        open = !line.text.ends_with(':') && line.text.len() >= 50;
        after_blank = false;
    }
    paras
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_blocks_as_lines_and_draws_list_labels() {
        let page = r#"<html><head><title>x</title><script>var a = "RESOLVED";</script></head>
            <body><nav>Home</nav><div id="modgov"><p>63.</p><p>Minutes:</p>
            <p>RESOLVED:</p><ol type="a"><li>That the report be noted;</li>
            <li>That&nbsp;a report<br>follow.</li></ol></div></body></html>"#;
        let text: Vec<String> = lines(page, true)
            .into_iter()
            .map(|l| l.text)
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(
            text,
            [
                "63.",
                "Minutes:",
                "RESOLVED:",
                "(a) That the report be noted;",
                "(b) That a report",
                "follow."
            ]
        );
    }

    #[test]
    fn decoding_falls_back_to_windows_1252_and_refuses_binary() {
        assert_eq!(decode(b"Caf\xe9 \x96 \x92").unwrap(), "Café – ’");
        assert!(matches!(decode(b"\x00\x01\x02"), Err(ImportError::NotText)));
        assert!(matches!(decode(b"  \n"), Err(ImportError::Empty)));
    }

    #[test]
    fn paragraphs_join_broken_sentences_but_not_labelled_parts() {
        let ls = lines(
            "The Chairman said that all partners needed to \n\nhave regard to the effect.\n(a) That one\n(b) That two",
            false,
        );
        let ps = paragraphs(&ls);
        assert_eq!(ps.len(), 3, "{ps:?}");
        assert_eq!(
            ps[0].text,
            "The Chairman said that all partners needed to have regard to the effect."
        );
        assert_eq!((ps[0].first, ps[0].last), (1, 3));
    }
}
