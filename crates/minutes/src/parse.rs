//! The shape of a minutes document: the header, the items (number, title, the lines above
//! "Minutes:" and the minute itself) and, within an item, resolutions with their nested parts.

use std::sync::LazyLock;

use minutebook_model::Verb;
use regex::Regex;

use crate::text::{Para, roman};

/// One agenda item and its minute.
#[derive(Clone, Debug, Default)]
pub struct Item {
    /// "63", "45/17"; `None` for an unnumbered item.
    pub number: Option<String>,
    pub title: Option<String>,
    /// Paragraphs between the title and "Minutes:": presenter, a date line.
    pub heading: Vec<Para>,
    /// The minute's paragraphs.
    pub body: Vec<Para>,
}

/// The document: what precedes the first item, then the items.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub header: Vec<Para>,
    pub items: Vec<Item>,
}

static BARE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?:Item|Minute|Min\.?)\s+)?((?:[A-Z]{1,6}\s?)?\d{1,4}(?:/\d{2,4})?[a-z]?)\s*[.:]?$",
    )
    .expect("valid regex")
});
static NUMBER_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:Item|Minute|Min\.?)\s+)?(\d{1,4}(?:/\d{2,4})?)\s*(?:[.:)]\s*|\s+[-–—]\s+|\s+)([A-Z][^;]{1,150})$")
        .expect("valid regex")
});
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\(([A-Za-z]{1,2}|[ivxlcIVXLC]{1,7}|\d{1,3})\)|([A-Za-z]|[ivxlcIVXLC]{1,7}|\d{1,3})[.)])\s*")
        .expect("valid regex")
});
static VERB_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:It was|and it was|It was therefore|It was unanimously)\s+)?(RESOLVED|AGREED|NOTED|DECIDED|RECOMMENDED|Resolved|Agreed|Noted|Decided|Recommended)\b(?:\s+(?:unanimously|accordingly|as follows))?(\s*[:.\-–—]+\s*|\s+(?:that|That|to|To)\b|\s*$)")
        .expect("valid regex")
});
static VERB_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(RESOLVED|AGREED)\b(?:\s+(?:unanimously|accordingly))?(\s*[:\-–—]+\s*|\s+(?:that|That)\b)")
        .expect("valid regex")
});
static VERB_CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.{10,}?[.;:])\s+(RESOLVED|AGREED|NOTED)\.?$").expect("valid regex")
});
static PDF_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\s*(?:pdf icon\s*)?PDF\s+[\d.,]+\s*[KM]B\s*$|\s*\(Pages?\s+\d+\s*(?:-\s*\d+)?\)\s*$",
    )
    .expect("valid regex")
});

/// The item number, if the paragraph is nothing but one ("63.", "Item 4", "45/17").
pub fn bare_item_number(text: &str) -> Option<String> {
    let c = BARE_NUMBER.captures(text)?;
    let n = c.get(1)?.as_str();
    // "(a)" and "i." are labels, not numbers; a bare number must contain a digit.
    n.chars().any(|c| c.is_ascii_digit()).then(|| n.to_string())
}

/// A resolution part's label at the start of a paragraph, and the text after it.
pub fn part_label(text: &str) -> Option<(String, &str)> {
    let c = LABEL.captures(text)?;
    let label = c.get(1).or_else(|| c.get(2))?.as_str();
    let rest = &text[c.get(0)?.end()..];
    // "I am", "A member": a capital letter and a full stop without text after it is not a label.
    if rest.trim().is_empty() && c.get(1).is_none() {
        return None;
    }
    Some((label.to_string(), rest))
}

/// The verb a paragraph opens with ("RESOLVED:", "Resolved –", "AGREED that"), the verb as
/// printed, and the text after it.
pub fn verb_at_start(text: &str) -> Option<(Verb, &str, &str)> {
    let c = VERB_START.captures(text)?;
    let word = c.get(1)?.as_str();
    let rest = &text[c.get(0)?.end()..];
    let rest = if c.get(2)?.as_str().trim().is_empty() {
        rest
    } else {
        rest.trim_start()
    };
    let back = c.get(2)?.as_str();
    // "that"/"to" were matched to end the verb; keep them with the text.
    let rest = if back.trim().eq_ignore_ascii_case("that") || back.trim().eq_ignore_ascii_case("to")
    {
        &text[c.get(2)?.start()..]
    } else {
        rest
    };
    Some((verb_of(word), word, rest.trim()))
}

/// "... seconded and AGREED that X be elected Chairman": a verb inside a sentence.
pub fn verb_inline(text: &str) -> Option<(Verb, &str, &str)> {
    let c = VERB_INLINE.captures(text)?;
    let word = c.get(1)?.as_str();
    let sep = c.get(2)?;
    let rest = if sep.as_str().trim().eq_ignore_ascii_case("that") {
        &text[sep.start()..]
    } else {
        &text[sep.end()..]
    };
    Some((verb_of(word), word, rest.trim()))
}

/// "Cllr. Osei asked that the terms of reference be reviewed. AGREED.": a verb closing a
/// paragraph agrees to the sentence before it.
pub fn verb_closing(text: &str) -> Option<(Verb, &str, &str)> {
    let c = VERB_CLOSING.captures(text)?;
    let word = c.get(2)?.as_str();
    let before = c.get(1)?.as_str().trim();
    // Only the last sentence before the verb is what was agreed.
    let start = before
        .trim_end_matches('.')
        .rfind(". ")
        .map_or(0, |i| i + 2);
    Some((verb_of(word), word, before[start..].trim()))
}

fn verb_of(word: &str) -> Verb {
    match word.to_ascii_uppercase().as_str() {
        "AGREED" => Verb::Agreed,
        "NOTED" => Verb::Noted,
        _ => Verb::Resolved,
    }
}

/// Strip what a saved page adds to a title: "pdf icon PDF 70 KB", "(Pages 5 - 12)", a final stop.
pub fn clean_title(t: &str) -> String {
    let mut t = t.to_string();
    while let Some(m) = PDF_NOISE.find(&t) {
        if m.start() == 0 && m.end() == 0 {
            break;
        }
        t.truncate(m.start());
    }
    t.trim().trim_end_matches('.').trim().to_string()
}

fn number_value(n: &str) -> Option<u64> {
    let digits: String = n
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn is_minutes_marker(t: &str) -> bool {
    matches!(
        t.trim_end_matches([':', '.'])
            .trim()
            .to_ascii_lowercase()
            .as_str(),
        "minutes" | "minute" | "decision" | "decisions" | "minutes and decision"
    )
}

fn is_noise(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l.starts_with("additional documents")
        || l.starts_with("supporting documents")
        || l.starts_with("appendices")
        || l.starts_with("documents:")
        || l == "items"
        || l == "no. item"
        || l == "agenda and minutes"
        || l == "item"
        || l.starts_with("pdf icon")
}

/// Split paragraphs into header and items.
pub fn document(paras: &[Para]) -> Document {
    let mut doc = Document::default();
    let mut current: Option<Item> = None;
    let mut want_title = false;
    let mut last_number: Option<u64> = None;
    // Inside a resolution, "1. That ..." is a part, not the next item.
    let mut in_resolution = false;
    for p in paras {
        let t = p.text.as_str();
        if is_noise(t) {
            continue;
        }
        if want_title {
            want_title = false;
            if let Some(item) = current.as_mut()
                && !is_minutes_marker(t)
            {
                item.title = Some(clean_title(t));
                continue;
            }
        }
        let bare = bare_item_number(t);
        let numbered = NUMBER_TITLE.captures(t).and_then(|c| {
            let n = c.get(1)?.as_str().to_string();
            let title = c.get(2)?.as_str();
            let v = number_value(&n)?;
            // Within a resolution a numbered line is a part unless it is exactly the next item.
            let follows = if in_resolution {
                last_number.is_some_and(|l| v == l + 1)
            } else {
                last_number.is_none_or(|l| v > l)
            };
            let plausible = !title.starts_with("That ")
                && !title.ends_with([';', ','])
                && title.len() <= 150
                && follows;
            plausible.then(|| (n, clean_title(title)))
        });
        let agenda_item = t.eq_ignore_ascii_case("agenda item");
        let starts_item = bare.is_some() || numbered.is_some() || agenda_item;
        if starts_item {
            if let Some(item) = current.take() {
                doc.items.push(item);
            }
            in_resolution = false;
            let (number, title) = match (bare, numbered) {
                (Some(n), _) => (Some(n), None),
                (None, Some((n, t))) => (Some(n), Some(t)),
                (None, None) => (None, None),
            };
            if let Some(v) = number.as_deref().and_then(number_value) {
                last_number = Some(v);
            }
            want_title = title.is_none();
            current = Some(Item {
                number,
                title,
                ..Item::default()
            });
            continue;
        }
        match current.as_mut() {
            None => doc.header.push(p.clone()),
            Some(item) => {
                if is_minutes_marker(t) {
                    // Anything gathered as minute text before the marker was heading after all.
                    let before = std::mem::take(&mut item.body);
                    item.heading.extend(before);
                    continue;
                }
                if verb_at_start(t).is_some() {
                    in_resolution = true;
                }
                item.body.push(p.clone());
            }
        }
    }
    if let Some(item) = current.take() {
        doc.items.push(item);
    }
    doc
}

/// How a label is written, so siblings can be told from children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    LowerAlpha,
    UpperAlpha,
    LowerRoman,
    UpperRoman,
    Digit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Style {
    kind: Kind,
    paren: bool,
}

fn alpha_value(s: &str) -> Option<u32> {
    let mut v = 0u32;
    for c in s.chars() {
        let d = u32::from(c.to_ascii_lowercase()) - u32::from('a') + 1;
        v = v.checked_mul(26)?.checked_add(d)?;
    }
    Some(v)
}

fn roman_value(s: &str) -> Option<u32> {
    let lower = s.to_ascii_lowercase();
    (1..=60).find(|n| roman(*n) == lower)
}

/// The readings a label allows: "i" is the ninth letter or roman one; "c" is a letter.
fn readings(label: &str, paren: bool) -> Vec<(Style, u32)> {
    let mut r = Vec::new();
    let style = |kind| Style { kind, paren };
    if label.chars().all(|c| c.is_ascii_digit()) {
        if let Ok(v) = label.parse() {
            r.push((style(Kind::Digit), v));
        }
        return r;
    }
    let lower = label.chars().all(|c| c.is_ascii_lowercase());
    let upper = label.chars().all(|c| c.is_ascii_uppercase());
    if let Some(v) = roman_value(label).filter(|_| label.chars().all(|c| "ivxlcIVXLC".contains(c)))
    {
        if lower {
            r.push((style(Kind::LowerRoman), v));
        } else if upper {
            r.push((style(Kind::UpperRoman), v));
        }
    }
    // "aa" as the 27th letter is rare; only single letters are read as alphabetic labels.
    if label.len() == 1
        && let Some(v) = alpha_value(label)
    {
        if lower {
            r.push((style(Kind::LowerAlpha), v));
        } else if upper {
            r.push((style(Kind::UpperAlpha), v));
        }
    }
    r
}

/// The deepest nesting of parts kept; deeper labels become siblings at this depth.
const MAX_DEPTH: usize = 6;

/// A part as read, before it is typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub label: String,
    pub text: String,
    pub first: u32,
    pub last: u32,
    pub parts: Vec<Part>,
}

/// A resolution as read from the minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub verb: Verb,
    pub verb_word: String,
    /// Words before the parts (or all of them when there are none).
    pub text: Option<String>,
    pub parts: Vec<Part>,
    pub first: u32,
    pub last: u32,
    /// Problems the clerk should look at (labels out of sequence).
    pub attention: Vec<String>,
    /// Whether the verb was found inside a sentence ("seconded and AGREED that").
    pub inline: bool,
}

impl Resolution {
    /// Every part's path ("b", "b.i"), depth first.
    pub fn paths(&self) -> Vec<String> {
        fn walk(parts: &[Part], prefix: &str, out: &mut Vec<String>) {
            for p in parts {
                let path = if prefix.is_empty() {
                    p.label.clone()
                } else {
                    format!("{prefix}.{}", p.label)
                };
                out.push(path.clone());
                walk(&p.parts, &path, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.parts, "", &mut out);
        out
    }
}

/// Words that say the block is over and the narrative has resumed.
fn ends_block(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l.starts_with("reason")
        || l.starts_with("(reason")
        || l.starts_with("supporting documents")
        || l.starts_with("additional documents")
        || l.starts_with("note:")
        || l.starts_with("action:")
}

/// The resolutions in an item's paragraphs, and the paragraphs they took.
pub fn resolutions(body: &[Para]) -> (Vec<Resolution>, Vec<usize>) {
    let mut out: Vec<Resolution> = Vec::new();
    let mut used = Vec::new();
    // Levels of nesting: each a style and the last value seen at that level.
    let mut stack: Vec<(Style, u32)> = Vec::new();
    let mut open = false;
    for (i, p) in body.iter().enumerate() {
        let t = p.text.as_str();
        if let Some((verb, word, rest)) = verb_at_start(t) {
            out.push(Resolution {
                verb,
                verb_word: word.to_string(),
                text: None,
                parts: vec![],
                first: p.first,
                last: p.last,
                attention: vec![],
                inline: false,
            });
            stack.clear();
            open = true;
            used.push(i);
            let rest = rest.trim();
            if let Some((label, after)) = part_label(rest) {
                add_part(
                    out.last_mut().expect("pushed"),
                    &mut stack,
                    &label,
                    after,
                    p,
                );
            } else if !is_trivial(rest) {
                out.last_mut().expect("pushed").text = Some(rest.to_string());
            }
            continue;
        }
        if !open {
            if let Some((verb, word, rest)) = verb_inline(t).or_else(|| verb_closing(t))
                && !is_trivial(rest)
            {
                out.push(Resolution {
                    verb,
                    verb_word: word.to_string(),
                    text: Some(rest.to_string()),
                    parts: vec![],
                    first: p.first,
                    last: p.last,
                    attention: vec![],
                    inline: true,
                });
                used.push(i);
            }
            continue;
        }
        let r = out.last_mut().expect("open implies one");
        if ends_block(t) {
            open = false;
            continue;
        }
        if let Some((label, after)) = part_label(t) {
            add_part(r, &mut stack, &label, after, p);
            used.push(i);
            continue;
        }
        if let Some(bullet) = t.strip_prefix(['·', '•', '▪', '*']) {
            let n = r.parts.len() + 1;
            add_part(r, &mut stack, &n.to_string(), bullet.trim(), p);
            if !r.attention.iter().any(|a| a.contains("bullet")) {
                r.attention
                    .push("the parts are bullets without labels: numbered here by position".into());
            }
            used.push(i);
            continue;
        }
        if r.parts.is_empty() {
            // "RESOLVED:" then the text in the next paragraph(s).
            if r.text.is_none() || r.last + 3 >= p.first {
                match &mut r.text {
                    Some(text) => {
                        text.push(' ');
                        text.push_str(t);
                    }
                    None => r.text = Some(t.to_string()),
                }
                r.last = p.last;
                used.push(i);
                // One paragraph of text ends a resolution unless it announces a list.
                if !t.ends_with(':') && !t.ends_with('-') && !t.ends_with('–') {
                    open = false;
                }
                continue;
            }
            open = false;
            continue;
        }
        // Text after the parts: a wrapped part goes on; a new sentence is narrative again.
        let last = last_part(&mut r.parts).expect("parts not empty");
        let continues = t.chars().next().is_some_and(char::is_lowercase)
            || !last.text.ends_with(['.', ';', ':', '!', '?']);
        if continues {
            last.text.push(' ');
            last.text.push_str(t);
            last.last = p.last;
            r.last = p.last;
            used.push(i);
        } else {
            open = false;
        }
    }
    (out, used)
}

fn is_trivial(rest: &str) -> bool {
    let r = rest
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    r.is_empty() || r == "that" || r == "as follows" || r == "to"
}

fn last_part(parts: &mut [Part]) -> Option<&mut Part> {
    let p = parts.last_mut()?;
    if p.parts.is_empty() {
        Some(p)
    } else {
        last_part(&mut p.parts)
    }
}

/// Place a labelled part: as the next sibling at a level whose style and sequence it continues,
/// else as the first child of the last part (when it starts a sequence), else where it fits best.
fn add_part(r: &mut Resolution, stack: &mut Vec<(Style, u32)>, label: &str, text: &str, p: &Para) {
    let paren = p.text.trim_start().starts_with('(');
    let paren = paren
        || label.chars().all(|c| c.is_ascii_digit()) && !p.text.contains(&format!("{label}."));
    let options = readings(label, paren);
    let fallback = readings(label, !paren);
    // A sibling continuing a level, nearest level first.
    let mut placed: Option<(usize, Style, u32)> = None;
    'levels: for (depth, (style, last)) in stack.iter().enumerate().rev() {
        for (s, v) in options.iter().chain(&fallback) {
            if s.kind == style.kind && *v == last + 1 {
                placed = Some((depth, *style, *v));
                break 'levels;
            }
        }
    }
    let text = text.trim().to_string();
    let part = Part {
        label: label.to_string(),
        text: if text.is_empty() {
            label.to_string()
        } else {
            text
        },
        first: p.first,
        last: p.last,
        parts: vec![],
    };
    r.last = p.last;
    if let Some((depth, style, v)) = placed {
        stack.truncate(depth + 1);
        stack[depth] = (style, v);
        push_at(&mut r.parts, depth, part);
        return;
    }
    // A first label ("a", "i", "1") opens a level under the last part.
    let first = options.iter().find(|(_, v)| *v == 1).copied();
    let (style, v) = match first {
        Some(x) => x,
        None => {
            let Some(&(s, v)) = options.first().or(fallback.first()) else {
                return;
            };
            r.attention.push(format!(
                "part ({label}) at line {} is out of sequence: check where it belongs",
                p.first
            ));
            // Out of sequence: keep it beside the parts of the same style if there are any.
            if let Some(depth) = stack.iter().rposition(|(st, _)| st.kind == s.kind) {
                stack.truncate(depth + 1);
                stack[depth] = (s, v);
                push_at(&mut r.parts, depth, part);
                return;
            }
            (s, v)
        }
    };
    // Minutes nest two or three levels; a cap keeps hostile input from nesting without end
    // (and the recursive walks over parts from overflowing the stack).
    let depth = if r.parts.is_empty() {
        0
    } else {
        stack.len().min(MAX_DEPTH - 1)
    };
    stack.truncate(depth);
    stack.push((style, v));
    push_at(&mut r.parts, depth, part);
}

/// Push `part` as a child at `depth` (0 = top level) under the last part of each level above.
fn push_at(parts: &mut Vec<Part>, depth: usize, part: Part) {
    if depth == 0 || parts.is_empty() {
        parts.push(part);
        return;
    }
    let last = parts.last_mut().expect("not empty");
    push_at(&mut last.parts, depth - 1, part);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{lines, paragraphs};

    fn res(text: &str) -> Vec<Resolution> {
        resolutions(&paragraphs(&lines(text, false))).0
    }

    #[test]
    fn verbs_in_the_house_styles() {
        let v = |s: &str| verb_at_start(s).map(|(v, _, rest)| (v, rest.to_string()));
        assert_eq!(v("RESOLVED:"), Some((Verb::Resolved, String::new())));
        assert_eq!(
            v("RESOLVED – That the report be noted."),
            Some((Verb::Resolved, "That the report be noted.".into()))
        );
        assert_eq!(
            v("RESOLVED that the report be noted"),
            Some((Verb::Resolved, "that the report be noted".into()))
        );
        assert_eq!(
            v("AGREED: (a) That x"),
            Some((Verb::Agreed, "(a) That x".into()))
        );
        assert_eq!(
            v("Resolved - to note"),
            Some((Verb::Resolved, "to note".into()))
        );
        assert_eq!(v("NOTED"), Some((Verb::Noted, String::new())));
        assert_eq!(
            v("Noted that the Board would meet"),
            Some((Verb::Noted, "that the Board would meet".into()))
        );
        assert_eq!(v("Agreements were reached"), None);
        assert_eq!(v("It was noted that"), None);
        let i =
            verb_inline("It was proposed, seconded and AGREED that Cllr X be elected Chairman.");
        assert_eq!(
            i.map(|(v, _, r)| (v, r)),
            Some((Verb::Agreed, "that Cllr X be elected Chairman."))
        );
    }

    #[test]
    fn nested_parts_roman_under_alpha_and_alpha_under_roman() {
        let r = res("NOTED:\n(a) One;\n(b) Two -\ni. x,\nii. y,\niii. z.\n");
        assert_eq!(r[0].paths(), ["a", "b", "b.i", "b.ii", "b.iii"]);
        let r = res(
            "RESOLVED\n(i) A;\n(ii) B;\n(iii) C;\n(iv) D:\n(a) a;\n(b) b;\n(c) c;\n(d) d;\n(e) e;\n(f) f;\n(g) g;\n(h) h;\n(i) i.\n(v) E;\n(vi) F.",
        );
        assert_eq!(
            r[0].paths(),
            [
                "i", "ii", "iii", "iv", "iv.a", "iv.b", "iv.c", "iv.d", "iv.e", "iv.f", "iv.g",
                "iv.h", "iv.i", "v", "vi"
            ]
        );
        let r = res(
            "RESOLVED that:\n1. the report be noted;\n2. officers:\n(a) report back;\n(b) write.\n3. Done.",
        );
        assert_eq!(r[0].paths(), ["1", "2", "2.a", "2.b", "3"]);
        assert!(r[0].attention.is_empty(), "{:?}", r[0].attention);
    }

    #[test]
    fn text_without_parts_and_wrapped_parts() {
        let r = res(
            "AGREED:\n\nThat the revised Terms of Reference be approved.\n\nNext item narrative.",
        );
        assert_eq!(
            r[0].text.as_deref(),
            Some("That the revised Terms of Reference be approved.")
        );
        assert!(r[0].parts.is_empty());
        let r = res(
            "RESOLVED:\n(a) That a report be made to the Board\nin December;\n(b) That it be noted.",
        );
        assert_eq!(
            r[0].parts[0].text,
            "That a report be made to the Board in December;"
        );
    }

    #[test]
    fn items_split_on_numbers_and_titles() {
        let text = "Board - 1 May 2020\n\n12.\n\nApologies\n\nMinutes:\n\nNone.\n\n13. Minutes of the last meeting\nRESOLVED that:\n1. they be signed.\n2. noted.\n14 Date of next meeting\n";
        let doc = document(&paragraphs(&lines(text, false)));
        let got: Vec<_> = doc
            .items
            .iter()
            .map(|i| (i.number.clone(), i.title.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("12".into()), Some("Apologies".into())),
                (
                    Some("13".into()),
                    Some("Minutes of the last meeting".into())
                ),
                (Some("14".into()), Some("Date of next meeting".into())),
            ]
        );
        assert_eq!(doc.header.len(), 1);
        assert_eq!(
            clean_title("Minutes of the previous meeting. pdf icon PDF 70 KB"),
            "Minutes of the previous meeting"
        );
    }
}
