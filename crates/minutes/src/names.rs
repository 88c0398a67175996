//! People and bodies as minutes name them: titles apart from names, lists of names, organisation
//! names inside parentheses, and matching them against what the ledger already knows.

use crate::text::squash;

/// Titles, longest first so "Chief Supt." wins over "Supt.". Matched case-insensitively, with or
/// without a full stop.
const TITLES: &[&str] = &[
    "Detective Chief Superintendent",
    "Detective Chief Inspector",
    "Detective Superintendent",
    "Detective Inspector",
    "Deputy Chief Constable",
    "Assistant Chief Constable",
    "Chief Superintendent",
    "Chief Inspector",
    "Chief Constable",
    "Chief Fire Officer",
    "County Councillors",
    "County Councillor",
    "Borough Councillor",
    "District Councillor",
    "Det Chief Insp",
    "Det Supt",
    "Chief Supt",
    "Chief Insp",
    "Ch Supt",
    "Ch Insp",
    "Superintendent",
    "Councillors",
    "Councillor",
    "Inspector",
    "Sergeant",
    "Professor",
    "Reverend",
    "Alderman",
    "Cllrs",
    "Cllr",
    "Supt",
    "Insp",
    "Prof",
    "Revd",
    "Rev",
    "Canon",
    "Dame",
    "Lord",
    "Lady",
    "Sgt",
    "DCI",
    "DCC",
    "ACC",
    "Mrs",
    "Miss",
    "Sir",
    "Mr",
    "Ms",
    "Dr",
    "DI",
    "DS",
    "PC",
    "CC",
];

/// Role words that stand for a person when the minutes do not give the name.
pub const OFFICES: &[(&str, &str)] = &[
    ("vice-chairman", "Vice-Chairman"),
    ("vice chairman", "Vice-Chairman"),
    ("vice-chair", "Vice-Chair"),
    ("vice chair", "Vice-Chair"),
    ("chairman", "Chairman"),
    ("chairperson", "Chair"),
    ("chair", "Chair"),
];

/// A person as a text names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName {
    /// As printed, normalised: "Cllr.", "Chief Supt."; `None` when no title was given.
    pub title: Option<String>,
    /// Without the title: "Sally Healy", "Bearne".
    pub name: String,
    /// Whether the title is plural ("Councillors A, B and C") and so applies to the names after it.
    pub plural: bool,
}

fn strip_dot(s: &str) -> &str {
    s.strip_prefix('.').unwrap_or(s)
}

/// Split a title off the front of `s`, if it has one.
pub fn split_title(s: &str) -> (Option<String>, &str) {
    let s = s.trim();
    for t in TITLES {
        let Some(head) = s.get(..t.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(t) {
            continue;
        }
        // Short titles must be written as titles are ("Mr", "DCI"), not as the start of a word.
        let rest = &s[t.len()..];
        let had_dot = rest.starts_with('.');
        let rest = strip_dot(rest);
        if !(rest.is_empty() || rest.starts_with(' ')) {
            continue;
        }
        if t.len() <= 3 && head != *t {
            continue;
        }
        let shown = if had_dot {
            format!("{head}.")
        } else {
            head.to_string()
        };
        return (Some(shown), rest.trim_start());
    }
    (None, s)
}

/// Whether `s` reads as a person's name: two to five capitalised words (initials, hyphens,
/// apostrophes and "Mc"/"O'" allowed), or one when a title vouches for it.
pub fn looks_like_name(s: &str, titled: bool) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    let min = if titled { 1 } else { 2 };
    if words.len() < min || words.len() > 5 {
        return false;
    }
    // "Leicestershire Police", "Melton Borough Council": capitalised, but organisations.
    if !titled && words.last().is_some_and(|w| is_org_word(w)) {
        return false;
    }
    let particles = [
        "de", "van", "von", "der", "la", "le", "da", "di", "du", "bin",
    ];
    words.iter().enumerate().all(|(i, w)| {
        let w = w.trim_end_matches([',', '.']);
        let first = w.chars().next();
        (first.is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.')))
            || (i > 0 && i + 1 < words.len() && particles.contains(&w))
    })
}

/// A person named in `s` ("Cllr. Steve Corrall", "Mr. Bearne", "Sally Healy"), or the office that
/// stands for one ("the Chairman"), if `s` is nothing but that.
pub fn person(s: &str) -> Option<PersonName> {
    let s = s
        .trim()
        .trim_start_matches("and ")
        .trim_end_matches(['.', ',', ';', ':'])
        .trim();
    let lower = s.to_lowercase();
    let bare = lower.strip_prefix("the ").unwrap_or(&lower);
    if let Some((_, office)) = OFFICES.iter().find(|(k, _)| bare == *k) {
        return Some(PersonName {
            title: None,
            name: (*office).to_string(),
            plural: false,
        });
    }
    let (title, name) = split_title(s);
    let name = name.trim();
    if !looks_like_name(name, title.is_some()) {
        return None;
    }
    let plural = title
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("councillors") || t.eq_ignore_ascii_case("cllrs"));
    Some(PersonName {
        title,
        name: name.to_string(),
        plural,
    })
}

/// Split a list of entries at commas, semicolons and "and", but not inside parentheses:
/// "A (Chair of X), B (for Derbyshire, Leicestershire and Rutland) and C".
pub fn split_list(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if depth == 0
            && let Some(sep) = [" and ", " & "].into_iter().find(|s| rest.starts_with(s))
        {
            items.push(std::mem::take(&mut cur));
            rest = &rest[sep.len()..];
            continue;
        }
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && (c == ',' || c == ';') {
            items.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    items.push(cur);
    items
        .into_iter()
        .map(|i| {
            i.trim()
                .trim_start_matches("and ")
                .trim_end_matches(['.', ';', ','])
                .trim()
                .to_string()
        })
        .filter(|i| !i.is_empty())
        .collect()
}

/// An entry split into the words outside parentheses and the first parenthesis, if any:
/// "Cllr. Steve Corrall (Leicestershire Fire Authority)" → ("Cllr. Steve Corrall", Some(...)).
pub fn split_paren(s: &str) -> (String, Option<String>) {
    let Some(open) = s.find('(') else {
        return (s.trim().to_string(), None);
    };
    let close = s[open..].find(')').map(|c| open + c);
    let inner = match close {
        Some(c) => &s[open + 1..c],
        None => &s[open + 1..],
    };
    let after = close.map_or("", |c| &s[c + 1..]);
    let outside = squash(&format!("{} {}", &s[..open], after));
    let inner = squash(inner);
    (outside, (!inner.is_empty()).then_some(inner))
}

/// Words that end an organisation's name.
const ORG_WORDS: &[&str] = &[
    "council",
    "councils",
    "authority",
    "police",
    "constabulary",
    "service",
    "services",
    "trust",
    "company",
    "commissioner",
    "board",
    "partnership",
    "committee",
    "commission",
    "panel",
    "group",
    "forum",
    "agency",
    "office",
    "department",
    "cabinet",
    "executive",
    "network",
    "alliance",
    "association",
    "society",
    "foundation",
    "ccg",
    "nhs",
    "university",
    "college",
    "team",
    "unit",
    "centre",
    "housing",
    "fire",
    "rescue",
    "probation",
];
const CONNECTORS: &[&str] = &["and", "&", "of", "for", "on"];

fn is_org_word(w: &str) -> bool {
    let w = w
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    ORG_WORDS.contains(&w.as_str())
}

fn capitalised(w: &str) -> bool {
    w.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Organisation names in `s`: runs of capitalised words (joined by "and", "of", "for", "&"),
/// cut back to end with a word that ends organisation names ("Council", "Police", "Board").
/// An all-capitals acronym of two to six letters counts too ("OPCC", "CRC").
pub fn org_phrases(s: &str) -> Vec<String> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !capitalised(words[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < words.len() {
            let next = words[j + 1];
            if capitalised(next) && !words[j].ends_with([',', ';', ':', ')']) {
                j += 1;
            } else if CONNECTORS.contains(&next)
                && j + 2 < words.len()
                && capitalised(words[j + 2])
                && !words[j].ends_with([',', ';', ':', ')'])
            {
                j += 2;
            } else {
                break;
            }
        }
        let mut end = j;
        while end > i && !is_org_word(words[end]) {
            end -= 1;
        }
        if is_org_word(words[end]) {
            let mut start = i;
            // "Chair of the X" never reaches here as one run ("the" breaks it); "Head of X Services"
            // does: an office word at the front is not part of the organisation.
            while start < end
                && matches!(
                    words[start].to_lowercase().as_str(),
                    "chair" | "chairman" | "head" | "director" | "leader" | "member" | "lead"
                )
            {
                start += 1;
                while start < end && CONNECTORS.contains(&words[start]) {
                    start += 1;
                }
            }
            let phrase = words[start..=end]
                .join(" ")
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '&')
                .to_string();
            if !(phrase.is_empty() || end == start && is_generic(&phrase)) {
                out.push(phrase);
            }
        } else if i == j {
            let w = words[i].trim_matches(|c: char| !c.is_alphanumeric());
            if (2..=6).contains(&w.len()) && w.chars().all(|c| c.is_ascii_uppercase()) {
                out.push(w.to_string());
            }
        }
        i = j + 1;
    }
    out
}

/// A single org word alone ("Council", "Board") names no organisation in particular.
fn is_generic(w: &str) -> bool {
    is_org_word(w)
}

/// A name reduced for comparison: lower case, "&" as "and", no punctuation, no leading "the".
pub fn norm(s: &str) -> String {
    let s = s.to_lowercase().replace('&', " and ");
    let s: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let s = squash(&s);
    s.strip_prefix("the ").unwrap_or(&s).to_string()
}

/// A key made from a name: "Sally Healy" → "sally-healy"; at most `max` characters, never empty.
pub fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out: String = out.chars().take(max).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "x".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_apart_from_names() {
        assert_eq!(
            person("Chief Supt. Sally Healy").unwrap(),
            PersonName {
                title: Some("Chief Supt.".into()),
                name: "Sally Healy".into(),
                plural: false
            }
        );
        assert_eq!(person("Mr. Bearne").unwrap().name, "Bearne");
        assert_eq!(
            person("cllr Bearne").unwrap().title.as_deref(),
            Some("cllr")
        );
        assert_eq!(person("the Chairman").unwrap().name, "Chairman");
        assert_eq!(person("Mike Sandys").unwrap().title, None);
        assert!(person("Bearne").is_none(), "one bare word is not a name");
        assert!(person("the report be noted").is_none());
        assert!(person("Councillors").is_none());
        assert!(
            person("Leicestershire Police").is_none(),
            "an organisation is not a person"
        );
        assert_eq!(split_title("Mrs Smith").0.as_deref(), Some("Mrs"));
        assert_eq!(split_title("Mrsmith").0, None);
        assert_eq!(split_title("Dick Smith").0, None);
    }

    #[test]
    fn lists_split_outside_parentheses() {
        assert_eq!(
            split_list(
                "A (Chair of X), B (for Derby, Leics and Rutland), and Chief Supt. C (Police)."
            ),
            [
                "A (Chair of X)",
                "B (for Derby, Leics and Rutland)",
                "Chief Supt. C (Police)"
            ]
        );
        assert_eq!(
            split_list("Councillors Ann Bee & Cy Dee"),
            ["Councillors Ann Bee", "Cy Dee"]
        );
    }

    #[test]
    fn organisations_are_found_in_descriptions() {
        assert_eq!(
            org_phrases("Chair of the Substance Misuse Board"),
            ["Substance Misuse Board"]
        );
        assert_eq!(
            org_phrases("County Council Safer Communities lead"),
            ["County Council"]
        );
        assert_eq!(
            org_phrases("Leicestershire Fire Authority"),
            ["Leicestershire Fire Authority"]
        );
        assert_eq!(
            org_phrases("Police and Crime Commissioner for Leicestershire"),
            ["Police and Crime Commissioner"]
        );
        assert_eq!(org_phrases("Senior Manager at the OPCC"), ["OPCC"]);
        assert_eq!(org_phrases("substitute"), Vec::<String>::new());
    }

    #[test]
    fn keys_from_names() {
        assert_eq!(slug("Sally Healy", 128), "sally-healy");
        assert_eq!(
            slug("Hinckley & Bosworth Council", 128),
            "hinckley-bosworth-council"
        );
        assert_eq!(slug("—", 128), "x");
        assert_eq!(
            norm("The Hinckley & Bosworth  Council."),
            "hinckley and bosworth council"
        );
    }
}
