//! From the structured document to facts and drafts: the patterns of each kind of fact, the
//! matching of names against the ledger, and the drafts with their sources.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, NaiveTime};
use minutebook_model::*;
use regex::Regex;

use crate::dates::{bare_month, dates, month_dates, times};
use crate::error::ImportError;
use crate::names::{
    OFFICES, PersonName, looks_like_name, norm, org_phrases, person, slug, split_list, split_paren,
    split_title,
};
use crate::parse::{Item, Part, Resolution, resolutions};
use crate::text::{Para, squash};
use crate::{Fact, Finding, Import, Known, Options, Reading, TOOL, Unread};

fn re(s: &str) -> Regex {
    Regex::new(s).expect("valid regex")
}

static APOLOGIES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bapolog(?:y|ies)\b(?:\s+for\s+(?:absence|non-attendance|lateness))?\s*(?:(?:were|was|had been|have been)\s+(?:received|reported|submitted|given|tendered|noted|made)\s+(?:from|on behalf of|by|for)\s+|received\s+from\s+|from\s+|[:\-–—]\s*)",
    )
});
static NO_APOLOGIES: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:no apologies|there were no apologies|apologies: none|no apologies for absence)\b")
});
static PRESENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(present|in attendance|also (?:present|in attendance)|officers(?: present| in attendance)?|attendance)\s*(?:[:\-–—]\s*|$)",
    )
});
static MINUTES_CONFIRMED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bminutes\s+of\s+the\s+(?:[\w&'’-]+\s+){0,12}?(?:meeting|meetings)\b(?P<rest>.{0,200}?)\b(?:were|was|be|are|is|had been|been)\s+(?:taken\s+as\s+read(?:,)?\s+(?:and\s+)?)?(?:duly\s+)?(?:confirmed|approved|agreed|signed|accepted)",
    )
});
static DECLARED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:declared|declares|made a declaration of|registered)\s+(?P<what>(?:an?\s+)?(?:[\w-]+\s+){0,3}?interests?)\b",
    )
});
static NO_INTERESTS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bno\s+(?:declarations?|interests?)\b|\bnone\s+(?:were\s+)?(?:declared|made)\b|\bthere were no\b",
    )
});
static ITEM_REF: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:agenda\s+)?(?:item|minute)\s+(?:no\.?\s*)?(\d{1,4}(?:/\d{2,4})?[a-z]?)\b")
});
static ELECTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:be|was|is|were|had been|has been)\s+(?:duly\s+|unanimously\s+)?(?:re-?)?(?:elected|appointed)\s+(?:as\s+)?(?:the\s+)?(vice[- ]chair(?:man|person)?|chair(?:man|person)?)\b",
    )
});
static THAT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bthat\b"));
static ACTION_OWNER_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:be|is|are|were|was)\s+(?:requested|asked|invited|instructed|authorised|authorized|tasked)\s+to\b",
    )
});
static ACTION_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:be|would be|will be|to be)\s+(?:submitted|made|brought|presented|provided|sent|written|(?:re)?circulated|prepared|produced|reported|arranged|undertaken|carried out|invited|forwarded|shared|published|drafted|convened|reviewed|investigated)\b|\b(?:to|will|would|should|shall)\s+(?:report|bring|provide|submit|write|circulate|prepare|arrange|investigate|review|update)\b|\breport\s+back\b|^(?:that\s+)?(?:the\s+)?(?:officers?|staff)\s+(?:provide|submit|prepare|report|write|circulate|arrange|bring|investigate|review|update|produce)\b",
    )
});
static NOT_ACTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bregular(?:ly)?\b|\bbe noted\b|\bbe held\b|\bmeeting\s+(?:of\s+the\s+[\w&' -]+\s+)?be\s+held\b",
    )
});
static TOR_APPROVED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bterms\s+of\s+reference\b[^.;]{0,160}?\b(?:be|were|was|are|is|been)\s+(?:approved|adopted|agreed|endorsed|ratified)\b|\b(?:approve|adopt|endorse|ratify|agree)[ds]?\s+(?:the\s+)?(?:(?:revised|draft|new|amended|updated|proposed)\s+)*terms\s+of\s+reference\b",
    )
});
static TOR_REVIEWED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bterms\s+of\s+reference\b[^.;]{0,160}?\b(?:be|were|was|are|is|been)\s+(?:re-?affirmed|confirmed\s+without\s+(?:amendment|change)|reviewed\s+and\s+(?:agreed|approved|confirmed)\s+without\s+(?:amendment|change))|\bterms\s+of\s+reference\b[^.;]{0,80}?\bremain\s+unchanged\b",
    )
});
static NEXT_MEETING_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:date|dates|time|times)\b.{0,20}\b(?:next|future)\s+meetings?\b|^next\s+meeting\b")
});
static NEXT_MEETING_TEXT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bnext\s+meeting\b|\bfuture\s+meetings?\b|\bmeet\s+again\b"));
static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"£\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*(k\b|m\b|million\b|bn\b|billion\b)?")
});
static CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bRESOLVED\b|\bAGREED\b|\bapolog|\bdeclar\w*\b.{0,40}\binterest|\belected\b|\bterms of reference\b|\bnext meeting\b|\bminutes of the\b.{0,80}\bmeeting\b|£",
    )
});
static PRESENTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<who>[^–—]{3,80}?)\s+[–—-]\s+(?P<org>\S.{1,200})$"));
static HELD_AT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bheld\s+(?:at|in)\s+(?:the\s+)?(?P<venue>[^,]{3,120}?(?:,\s*[A-Z][\w' -]{2,40}){0,2}?)\s*,?\s+on\b",
    )
});
static AT_AFTER_TIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\d\s*(?:a\.?m\b\.?|p\.?m\b\.?)|\bnoon|\d[.:]\d\d)\s+(?:at|in)\s+(?:the\s+)?(?P<venue>[A-Z][^;]{2,120}?)\s*\.?$",
    )
});
static MEETING_OF: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\bmeeting\s+of\s+(?:the\s+)?(?P<body>[A-Z][^,]{3,150}?)\s+(?:held|on)\b")
});

/// The meeting date the heading states: the first date in the text before the first item, else in
/// the first item's heading. A date in the minutes' narrative is not the meeting's.
pub fn stated_date(doc: &crate::parse::Document) -> Option<NaiveDate> {
    doc.header
        .iter()
        .chain(doc.items.first().map(|i| &i.heading).into_iter().flatten())
        .find_map(|p| dates(&p.text).first().map(|d| d.date))
}

/// A name, cut to what the model allows; `None` when blank.
fn name(s: &str) -> Option<Name> {
    Name::new(cut(s.trim(), MAX_NAME_LEN)).ok()
}
fn text(s: &str) -> Option<Text> {
    Text::new(cut(s.trim(), MAX_TEXT_LEN)).ok()
}
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
fn key_str(s: &str) -> String {
    // Keys are ASCII, so a byte cut is a char cut.
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'))
        .take(MAX_KEY_LEN)
        .collect();
    if s.is_empty() { "x".into() } else { s }
}

/// A person resolved to a key, with what the clerk should know about how.
struct Who {
    key: PersonKey,
    attention: Vec<String>,
}

struct Person {
    key: PersonKey,
    name: String,
}

struct Body {
    key: BodyKey,
    names: Vec<String>,
}

/// A date the document states for the next meeting, and where.
#[derive(Clone)]
struct Stated {
    date: NaiveDate,
    day_given: bool,
    time: Option<NaiveTime>,
    para: Para,
    in_heading: bool,
    minute: Option<String>,
}

/// A fact's place in the document.
#[derive(Clone, Copy)]
struct Span {
    first: u32,
    last: u32,
}

impl From<&Para> for Span {
    fn from(p: &Para) -> Span {
        Span {
            first: p.first,
            last: p.last,
        }
    }
}

/// Drafts are emitted in phases so every event finds what it names earlier in the batch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Bodies,
    People,
    Meetings,
    Members,
    Facts,
    Resolutions,
    Actions,
}

struct Run<'a> {
    opts: &'a Options,
    known: &'a Known,
    date: NaiveDate,
    meeting: MeetingKey,
    body_name: String,
    document: String,
    people: Vec<Person>,
    bodies: Vec<Body>,
    used_keys: HashSet<String>,
    drafts: Vec<(Phase, Draft)>,
    facts: Vec<Fact>,
    /// Line numbers of paragraphs a fact was taken from.
    used: BTreeSet<u32>,
    /// People proposed in this run: key → fact index, so a later mention can lower nothing twice.
    next_meeting: Option<(MeetingKey, NaiveDate)>,
    /// Meetings proposed in this run (key → date).
    proposed_meetings: Vec<(MeetingKey, NaiveDate)>,
    /// The importing body is not in the ledger: its founding draft, to be dated at the earliest use.
    body_proposal: Option<usize>,
}

pub fn run(reading: &Reading, opts: &Options, known: &Known) -> Result<Import, ImportError> {
    let doc = &reading.doc;
    let date = opts.date.or(reading.date).ok_or(ImportError::NoDate)?;
    let heading_body = header_body_name(&doc.header);
    let known_body = known.bodies.iter().find(|b| b.key == opts.body);
    let body_name = known_body
        .map(|b| b.name.clone())
        .or_else(|| heading_body.clone())
        .unwrap_or_else(|| opts.body.to_string());
    let meeting = known
        .meetings
        .iter()
        .find(|(_, d)| *d == date)
        .map(|(k, _)| k.clone());
    let meeting = match meeting {
        Some(m) => m,
        None => MeetingKey::new(key_str(&format!("{}-{date}", opts.body)))
            .map_err(ImportError::BadKey)?,
    };
    let document = opts.document.clone().unwrap_or_else(|| {
        cut(
            &format!("{body_name} minutes, {}", date.format("%-d %B %Y")),
            MAX_NAME_LEN,
        )
    });
    let mut r = Run {
        opts,
        known,
        date,
        meeting,
        body_name,
        document,
        people: known
            .people
            .iter()
            .map(|p| Person {
                key: p.key.clone(),
                name: p.name.clone(),
            })
            .collect(),
        bodies: known
            .bodies
            .iter()
            .map(|b| Body {
                key: b.key.clone(),
                names: std::iter::once(b.name.clone())
                    .chain(b.other_names.iter().cloned())
                    .collect(),
            })
            .collect(),
        used_keys: HashSet::new(),
        drafts: Vec::new(),
        facts: Vec::new(),
        used: BTreeSet::new(),
        next_meeting: None,
        proposed_meetings: Vec::new(),
        body_proposal: None,
    };
    for p in &known.people {
        r.used_keys.insert(format!("person:{}", p.key));
    }
    for b in &known.bodies {
        r.used_keys.insert(format!("body:{}", b.key));
    }
    if known_body.is_none() {
        r.propose_target_body(heading_body.as_deref(), &doc.header);
    }
    r.meeting_held(reading, heading_body.as_deref());
    r.next_meeting(doc);
    for item in &doc.items {
        r.item(item);
    }
    for p in &doc.header {
        r.money(None, p);
    }
    let not_understood = r.unread(doc);
    let earliest = r.drafts.iter().map(|(_, d)| d.effective).min();
    if let (Some(i), Some(earliest)) = (r.body_proposal, earliest) {
        r.drafts[i].1.effective = earliest;
    }
    let mut drafts = r.drafts;
    drafts.sort_by_key(|(phase, _)| *phase);
    Ok(Import {
        meeting: r.meeting,
        date,
        drafts: drafts.into_iter().map(|(_, d)| d).collect(),
        facts: r.facts,
        not_understood,
    })
}

/// "Leicestershire and Rutland Safer Communities Strategy Board - Thursday, 25 September 2014":
/// the body's name as the heading gives it.
fn header_body_name(header: &[Para]) -> Option<String> {
    for p in header {
        let t = &p.text;
        if let Some(c) = MEETING_OF.captures(t) {
            return Some(c["body"].trim().to_string());
        }
        let Some(d) = dates(t).first().copied() else {
            continue;
        };
        let before = t[..d.start].trim();
        let before = strip_weekday(before)
            .trim_end_matches(['-', '–', '—', ',', ':'])
            .trim();
        let before = before
            .strip_prefix("Minutes of")
            .or_else(|| before.strip_prefix("Minutes -"))
            .unwrap_or(before)
            .trim()
            .trim_start_matches("the ");
        if before.len() >= 4 && before.chars().next().is_some_and(char::is_uppercase) {
            return Some(before.to_string());
        }
    }
    None
}

fn strip_weekday(s: &str) -> &str {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let t = s.trim_end_matches([',', ' ']);
    for d in DAYS {
        if let Some(head) = t.strip_suffix(d) {
            return head.trim();
        }
    }
    s
}

fn kind_of_body(name: &str) -> BodyKind {
    let n = name.to_lowercase();
    let has = |w: &str| n.split_whitespace().any(|x| x == w);
    if has("committee") || has("panel") || has("commission") || has("scrutiny") {
        BodyKind::Committee
    } else if has("partnership") || has("csp") {
        BodyKind::Partnership
    } else if has("board") {
        BodyKind::Board
    } else if has("group") || has("sub-group") || has("subgroup") {
        BodyKind::SubGroup
    } else {
        BodyKind::Authority
    }
}

fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

impl Run<'_> {
    fn source(
        &self,
        minute: Option<&str>,
        span: Span,
        quote: &str,
        confidence: u8,
        attention: &[String],
    ) -> Source {
        Source {
            document: name(&self.document)
                .unwrap_or_else(|| Name::new("minutes").expect("not blank")),
            url: self.opts.url.as_deref().and_then(name),
            minute: minute.and_then(name),
            quote: text(&squash(quote)),
            lines: Some(Lines {
                first: span.first.max(1),
                last: span.last.max(span.first).max(1),
            }),
            extraction: Some(Extraction {
                tool: Name::new(TOOL).expect("not blank"),
                confidence_percent: confidence.min(100),
                attention: attention.iter().filter_map(|a| text(a)).collect(),
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draft(
        &mut self,
        phase: Phase,
        effective: NaiveDate,
        payload: Payload,
        minute: Option<&str>,
        span: Span,
        quote: &str,
        confidence: u8,
        attention: &[String],
    ) -> usize {
        let recorded_by =
            name(&self.opts.recorded_by).unwrap_or_else(|| Name::new("clerk").expect("not blank"));
        let source = self.source(minute, span, quote, confidence, attention);
        self.drafts.push((
            phase,
            Draft {
                id: Some(EventId::new_v7()),
                effective,
                recorded_by,
                source,
                supersedes: vec![],
                payload,
            },
        ));
        self.used.insert(span.first);
        self.drafts.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn fact(
        &mut self,
        kind: &'static str,
        minute: Option<&str>,
        span: Span,
        summary: String,
        confidence: u8,
        attention: Vec<String>,
        drafted: bool,
        finding: Option<Finding>,
    ) {
        self.used.insert(span.first);
        self.facts.push(Fact {
            kind,
            minute: minute.map(str::to_string),
            first: span.first,
            last: span.last,
            summary,
            confidence,
            attention,
            drafted,
            finding,
        });
    }

    /// A key not used yet in this run (nor, for people and bodies, in the ledger).
    fn fresh(&mut self, space: &str, base: &str) -> String {
        let base = key_str(base);
        let mut candidate = base.clone();
        let mut n = 2;
        while self.used_keys.contains(&format!("{space}:{candidate}")) {
            candidate = format!("{}-{n}", cut(&base, MAX_KEY_LEN - 6));
            n += 1;
        }
        self.used_keys.insert(format!("{space}:{candidate}"));
        candidate
    }

    fn propose_target_body(&mut self, heading: Option<&str>, header: &[Para]) {
        let nm = heading.map_or_else(|| self.opts.body.to_string(), str::to_string);
        let span = header
            .first()
            .map_or(Span { first: 1, last: 1 }, Span::from);
        let attention = vec![format!(
            "{} is not in the ledger: proposed as a new body named {nm:?} (kind {:?} guessed from the name); check the name, kind and founding date",
            self.opts.body,
            kind_of_body(&nm)
        )];
        self.used_keys.insert(format!("body:{}", self.opts.body));
        self.bodies.push(Body {
            key: self.opts.body.clone(),
            names: vec![nm.clone()],
        });
        let Some(n) = name(&nm) else { return };
        let payload = Payload::BodyFounded(BodyFounded {
            body: self.opts.body.clone(),
            name: n,
            kind: kind_of_body(&nm),
            parent: None,
        });
        let i = self.draft(
            Phase::Bodies,
            self.date,
            payload,
            None,
            span,
            &nm,
            60,
            &attention,
        );
        self.body_proposal = Some(i);
        self.fact(
            "body_proposed",
            None,
            span,
            format!("new body {}: {nm}", self.opts.body),
            60,
            attention,
            true,
            None,
        );
    }

    // ---------------------------------------------------------------- people and bodies

    /// Resolve a person named in the minutes to a key, proposing a registration when the ledger
    /// has no one of that name.
    fn person(&mut self, p: &PersonName, span: Span, quote: &str) -> Option<Who> {
        if p.title.is_none()
            && let Some((_, office)) = OFFICES.iter().find(|(_, o)| *o == p.name)
        {
            return self.office_holder(office, span, quote);
        }
        let n = norm(&p.name);
        let tokens: Vec<&str> = n.split_whitespace().collect();
        let (Some(first), Some(last)) = (tokens.first().copied(), tokens.last().copied()) else {
            return None;
        };
        let exact: Vec<usize> = (0..self.people.len())
            .filter(|&i| norm(&self.people[i].name) == n)
            .collect();
        if exact.len() == 1 {
            return Some(Who {
                key: self.people[exact[0]].key.clone(),
                attention: vec![],
            });
        }
        let loose: Vec<usize> = if exact.len() > 1 {
            exact
        } else {
            (0..self.people.len())
                .filter(|&i| {
                    let k = norm(&self.people[i].name);
                    let kt: Vec<&str> = k.split_whitespace().collect();
                    let same_last = kt.last() == Some(&last);
                    let initial_ok = tokens.len() == 1
                        || (first.len() == 1
                            && kt.first().is_some_and(|f| f.starts_with(first))
                            && tokens.len() == 2);
                    same_last && initial_ok
                })
                .collect()
        };
        let shown = match &p.title {
            Some(t) => format!("{t} {}", p.name),
            None => p.name.clone(),
        };
        match loose.len() {
            1 => {
                let person = &self.people[loose[0]];
                Some(Who {
                    key: person.key.clone(),
                    attention: vec![format!(
                        "{shown:?} read as {} ({}): only the surname or initials match; check",
                        person.name, person.key
                    )],
                })
            }
            0 => self.propose_person(p, &shown, span, quote),
            _ => {
                let options: Vec<String> = loose
                    .iter()
                    .map(|&i| format!("{} ({})", self.people[i].name, self.people[i].key))
                    .collect();
                let mut who = self.propose_person(p, &shown, span, quote)?;
                who.attention.push(format!(
                    "{shown:?} could be any of {}: proposed as a new person instead; if it is one of them, use that key",
                    options.join(", ")
                ));
                Some(who)
            }
        }
    }

    fn propose_person(
        &mut self,
        p: &PersonName,
        shown: &str,
        span: Span,
        quote: &str,
    ) -> Option<Who> {
        let base = if p.name.split_whitespace().count() == 1 {
            format!("{} {}", p.title.as_deref().unwrap_or("person"), p.name)
        } else {
            p.name.clone()
        };
        let key = self.fresh("person", &slug(&base, MAX_KEY_LEN));
        let key = PersonKey::new(key).ok()?;
        let attention = vec![format!(
            "new person {key}: {shown:?} is not in the ledger; check they are not registered under another name"
        )];
        let payload = Payload::PersonRegistered(PersonRegistered {
            person: key.clone(),
            title: p.title.as_deref().and_then(name),
            name: name(&p.name)?,
        });
        self.draft(
            Phase::People,
            self.date,
            payload,
            None,
            span,
            quote,
            60,
            &attention,
        );
        self.fact(
            "person_proposed",
            None,
            span,
            format!("new person {key}: {shown}"),
            60,
            attention.clone(),
            true,
            None,
        );
        self.people.push(Person {
            key: key.clone(),
            name: p.name.clone(),
        });
        Some(Who { key, attention })
    }

    /// "The Chairman": the body's chair on the date if the ledger has one, else a placeholder.
    fn office_holder(&mut self, office: &str, span: Span, quote: &str) -> Option<Who> {
        let role = if office.starts_with("Vice") {
            Role::ViceChair
        } else {
            Role::Chair
        };
        let holders: Vec<&crate::KnownMember> = self
            .known
            .members
            .iter()
            .filter(|m| m.role == role)
            .collect();
        if holders.len() == 1 {
            return Some(Who {
                key: holders[0].person.clone(),
                attention: vec![format!(
                    "\"the {office}\" read as {} (the ledger's {office} on {})",
                    holders[0].person, self.date
                )],
            });
        }
        let full = format!(
            "{office} of the {} (name not given in the minutes)",
            self.body_name
        );
        if let Some(p) = self.people.iter().find(|p| p.name == full) {
            return Some(Who {
                key: p.key.clone(),
                attention: vec![format!("the minutes name the {office} only by office")],
            });
        }
        let base = format!("{}-{}-{}", self.opts.body, office, self.date.year());
        let key = PersonKey::new(self.fresh("person", &slug(&base, MAX_KEY_LEN))).ok()?;
        let attention = vec![format!(
            "the minutes name the {office} only by office and the ledger has no {office} of {} on {}: proposed as a placeholder person {key}; replace it with the person's key if you know who it was",
            self.opts.body, self.date
        )];
        let payload = Payload::PersonRegistered(PersonRegistered {
            person: key.clone(),
            title: None,
            name: name(&full)?,
        });
        self.draft(
            Phase::People,
            self.date,
            payload,
            None,
            span,
            quote,
            40,
            &attention,
        );
        self.fact(
            "person_proposed",
            None,
            span,
            format!("placeholder for the {office}: {key}"),
            40,
            attention.clone(),
            true,
            None,
        );
        self.people.push(Person {
            key: key.clone(),
            name: full,
        });
        Some(Who { key, attention })
    }

    /// Resolve an organisation named in the minutes, proposing a new body when nothing matches.
    fn body(&mut self, phrase: &str, span: Span, quote: &str) -> Option<(BodyKey, Vec<String>)> {
        let n = norm(phrase);
        if n.is_empty() {
            return None;
        }
        let exact: Vec<usize> = (0..self.bodies.len())
            .filter(|&i| {
                let b = &self.bodies[i];
                b.names.iter().any(|x| norm(x) == n) || norm(b.key.as_str()) == n
            })
            .collect();
        if let [i] = exact[..] {
            return Some((self.bodies[i].key.clone(), vec![]));
        }
        let acronym = phrase.len() >= 2 && phrase.chars().all(|c| c.is_ascii_uppercase());
        let loose: Vec<usize> = (0..self.bodies.len())
            .filter(|&i| {
                self.bodies[i].names.iter().any(|x| {
                    let k = norm(x);
                    if acronym {
                        initials(x) == phrase
                    } else {
                        k.ends_with(&format!(" {n}")) || k.starts_with(&format!("{n} "))
                    }
                })
            })
            .collect();
        if let [i] = loose[..] {
            let b = &self.bodies[i];
            let attention = vec![format!(
                "{phrase:?} read as {} ({}): the names match only in part; check",
                b.names[0], b.key
            )];
            return Some((b.key.clone(), attention));
        }
        let key = BodyKey::new(self.fresh("body", &slug(phrase, MAX_KEY_LEN))).ok()?;
        let mut attention = vec![format!(
            "new body {key}: {phrase:?} is not in the ledger (kind {:?} guessed from the name); check it is not there under another name",
            kind_of_body(phrase)
        )];
        if loose.len() > 1 {
            attention.push(format!(
                "{phrase:?} could be any of {}",
                loose
                    .iter()
                    .map(|&i| self.bodies[i].key.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let payload = Payload::BodyFounded(BodyFounded {
            body: key.clone(),
            name: name(phrase)?,
            kind: kind_of_body(phrase),
            parent: None,
        });
        self.draft(
            Phase::Bodies,
            self.date,
            payload,
            None,
            span,
            quote,
            60,
            &attention,
        );
        self.fact(
            "body_proposed",
            None,
            span,
            format!("new body {key}: {phrase}"),
            60,
            attention.clone(),
            true,
            None,
        );
        self.bodies.push(Body {
            key: key.clone(),
            names: vec![phrase.to_string()],
        });
        Some((key, attention))
    }

    // ---------------------------------------------------------------- the meeting

    fn meeting_held(&mut self, reading: &Reading, heading_body: Option<&str>) {
        let doc = &reading.doc;
        let mut attention = Vec::new();
        let head_span = doc
            .header
            .iter()
            .find(|p| !dates(&p.text).is_empty())
            .map(Span::from);
        let mut quote = Vec::new();
        let mut time = None;
        if let Some(p) = doc.header.iter().find(|p| !dates(&p.text).is_empty()) {
            quote.push(p.text.clone());
            time = times(&p.text).first().map(|t| t.time);
        }
        if let (Some(stated), Some(given)) = (reading.date, self.opts.date)
            && stated != given
        {
            attention.push(format!(
                "the document's heading gives {stated}, but --date gave {given}: the drafts use {given}"
            ));
        }
        if reading.date.is_none() {
            attention.push(format!(
                "the document states no meeting date: {} was given with --date",
                self.date
            ));
        }
        if let (Some(h), Some(k)) = (
            heading_body,
            self.known.bodies.iter().find(|b| b.key == self.opts.body),
        ) && norm(h) != norm(&k.name)
            && !k.other_names.iter().any(|o| norm(o) == norm(h))
        {
            attention.push(format!(
                "the heading names the body {h:?}; the ledger calls {} {:?} (renamed?)",
                k.key, k.name
            ));
        }
        let mut venue = None;
        for p in &doc.header {
            let t = p.text.as_str();
            if let Some(v) = t
                .strip_prefix("Venue:")
                .or_else(|| t.strip_prefix("Location:"))
                .or_else(|| t.strip_prefix("Place:"))
            {
                venue = Some(v.trim().to_string());
                quote.push(t.to_string());
                self.used.insert(p.first);
            } else if let Some(c) = HELD_AT.captures(t).or_else(|| AT_AFTER_TIME.captures(t)) {
                venue = Some(c["venue"].trim().to_string());
            }
        }
        let mut present: Vec<Attendee> = Vec::new();
        let mut apologies: Vec<Attendee> = Vec::new();
        let mut in_attendance: Vec<Attendee> = Vec::new();
        let mut span = head_span.unwrap_or(Span { first: 1, last: 1 });
        let paras: Vec<(Option<&Item>, &Para)> = doc
            .header
            .iter()
            .map(|p| (None, p))
            .chain(
                doc.items
                    .iter()
                    .flat_map(|i| i.body.iter().map(move |p| (Some(i), p))),
            )
            .collect();
        let mut list_mode: Option<&'static str> = None;
        for (item, p) in paras {
            let t = p.text.as_str();
            let minute = item.and_then(|i| i.number.clone());
            let apologies_item = item
                .and_then(|i| i.title.as_deref())
                .is_some_and(|t| t.to_lowercase().contains("apolog"));
            let mut found: Vec<(&'static str, String)> = Vec::new();
            if let Some(c) = PRESENT.captures(t) {
                let which = if c[1].to_lowercase().contains("attendance")
                    || c[1].to_lowercase().starts_with("officers")
                {
                    "in_attendance"
                } else {
                    "present"
                };
                let rest = t[c.get(0).map_or(0, |m| m.end())..].trim();
                if rest.is_empty() {
                    list_mode = Some(which);
                    self.used.insert(p.first);
                    continue;
                }
                found.push((which, rest.to_string()));
            } else if let Some(m) = APOLOGIES.find(t) {
                list_mode = None;
                let rest = &t[m.end()..];
                found.push(("apologies", rest[..sentence_end(rest)].to_string()));
            } else if NO_APOLOGIES.is_match(t) {
                self.used.insert(p.first);
                list_mode = None;
                continue;
            } else if let Some(which) = list_mode {
                // A list under "Present:" goes on while its paragraphs read as names.
                if names_only(t) {
                    found.push((which, t.to_string()));
                } else {
                    list_mode = None;
                }
            } else if apologies_item && names_only(t) {
                found.push(("apologies", t.to_string()));
            }
            for (which, list) in found {
                let people = self.attendees(&list, Span::from(p), t);
                if people.is_empty() {
                    continue;
                }
                self.used.insert(p.first);
                span.last = span.last.max(p.last);
                if head_span.is_none() {
                    span.first = p.first;
                }
                quote.push(t.to_string());
                for (a, shown, org, mut att) in people {
                    let finding = match which {
                        "present" => Finding::Present {
                            person: shown.clone(),
                            body: org.clone(),
                        },
                        "apologies" => Finding::Apology {
                            person: shown.clone(),
                            body: org.clone(),
                        },
                        _ => Finding::InAttendance {
                            person: shown.clone(),
                            body: org.clone(),
                        },
                    };
                    let repeated = present
                        .iter()
                        .chain(&apologies)
                        .chain(&in_attendance)
                        .any(|x| x.person == a.person);
                    if repeated {
                        att.push(format!("{shown} is listed twice; only the first is kept"));
                        self.fact(
                            which_kind(which),
                            minute.as_deref(),
                            Span::from(p),
                            format!("{which}: {shown} (repeated)"),
                            50,
                            att,
                            false,
                            Some(finding),
                        );
                        continue;
                    }
                    let summary = match &org {
                        Some(o) => format!("{which}: {shown} ({o})"),
                        None => format!("{which}: {shown}"),
                    };
                    let confidence = if att.is_empty() { 85 } else { 65 };
                    attention.extend(att.iter().cloned());
                    match which {
                        "present" => present.push(a),
                        "apologies" => apologies.push(a),
                        _ => in_attendance.push(a),
                    }
                    self.fact(
                        which_kind(which),
                        minute.as_deref(),
                        Span::from(p),
                        summary,
                        confidence,
                        att,
                        true,
                        Some(finding),
                    );
                }
            }
        }
        let payload = Payload::MeetingHeld(MeetingHeld {
            meeting: self.meeting.clone(),
            body: self.opts.body.clone(),
            time,
            venue: venue.as_deref().and_then(name),
            present,
            apologies,
            in_attendance,
        });
        let confidence = if attention.is_empty() { 85 } else { 70 };
        let quote = if quote.is_empty() {
            self.document.clone()
        } else {
            quote.join(" ... ")
        };
        self.draft(
            Phase::Meetings,
            self.date,
            payload,
            None,
            span,
            &quote,
            confidence,
            &attention,
        );
        let finding = Finding::Meeting {
            date: self.date,
            time: time.map(hm),
            venue: venue.clone(),
        };
        let summary = format!(
            "meeting {} on {}{}{}",
            self.meeting,
            self.date,
            time.map_or(String::new(), |t| format!(" at {}", hm(t))),
            venue.map_or(String::new(), |v| format!(", {v}"))
        );
        self.fact(
            "meeting",
            None,
            head_span.unwrap_or(span),
            summary,
            confidence,
            attention,
            true,
            Some(finding),
        );
    }

    /// People in a list, each with whom they represent: (attendee, name as read, organisation as
    /// read, attention).
    fn attendees(
        &mut self,
        list: &str,
        span: Span,
        quote: &str,
    ) -> Vec<(Attendee, String, Option<String>, Vec<String>)> {
        let mut out = Vec::new();
        let mut plural_title: Option<String> = None;
        for entry in split_list(list) {
            let (outside, paren) = match split_paren(&entry) {
                // "Ch Insp. Laura Finch - Westshire Police": a dash instead of parentheses.
                (outside, None) => match outside
                    .split_once(" - ")
                    .or_else(|| outside.split_once(" – "))
                {
                    Some((who, what)) => (who.trim().to_string(), Some(what.trim().to_string())),
                    None => (outside, None),
                },
                found => found,
            };
            let outside = outside.trim_start_matches("and ").trim();
            let Some(mut p) = person(outside).or_else(|| {
                // "Councillors A, B and C": the later names carry no title of their own.
                plural_title.as_ref().and_then(|t| {
                    looks_like_name(outside, true).then(|| PersonName {
                        title: Some(t.clone()),
                        name: outside.to_string(),
                        plural: false,
                    })
                })
            }) else {
                continue;
            };
            if p.plural {
                let t = p.title.take().unwrap_or_default();
                let singular = if t.to_lowercase().starts_with("cllr") {
                    "Cllr"
                } else {
                    "Councillor"
                };
                plural_title = Some(singular.to_string());
                p.title = Some(singular.to_string());
            }
            let shown = p.name.clone();
            let Some(who) = self.person(&p, span, quote) else {
                continue;
            };
            let mut attention = who.attention;
            let mut on_behalf_of = None;
            let mut capacity = None;
            let mut org_read = None;
            if let Some(paren) = paren {
                let orgs = org_phrases(&paren);
                let office = OFFICES
                    .iter()
                    .any(|(k, _)| norm(&paren) == *k || norm(&paren) == format!("in the {k}"));
                if let Some(org) = orgs.first().filter(|_| !office) {
                    if let Some((key, att)) = self.body(org, span, quote) {
                        on_behalf_of = Some(key);
                        attention.extend(att);
                    }
                    org_read = Some(org.clone());
                    if norm(org) != norm(&paren) {
                        capacity = name(&paren);
                    }
                } else {
                    capacity = name(&paren);
                }
            }
            out.push((
                Attendee {
                    person: who.key,
                    on_behalf_of,
                    capacity,
                },
                shown,
                org_read,
                attention,
            ));
        }
        out
    }

    // ---------------------------------------------------------------- next meeting

    fn next_meeting(&mut self, doc: &crate::parse::Document) {
        // (date, time, line, from the heading?, quote, minute)
        let mut seen: Vec<Stated> = Vec::new();
        for item in &doc.items {
            let titled = item
                .title
                .as_deref()
                .is_some_and(|t| NEXT_MEETING_TITLE.is_match(t));
            let paras = item
                .heading
                .iter()
                .map(|p| (p, true))
                .chain(item.body.iter().map(|p| (p, false)));
            for (p, in_heading) in paras {
                if !(titled || NEXT_MEETING_TEXT.is_match(&p.text)) {
                    continue;
                }
                let t = &p.text;
                let from = if titled {
                    0
                } else {
                    NEXT_MEETING_TEXT.find(t).map_or(0, |m| m.start())
                };
                let tail = &t[from..];
                let found = dates(tail)
                    .into_iter()
                    .chain(month_dates(tail))
                    .find(|d| d.date > self.date);
                let Some(d) = found else { continue };
                let time = times(&tail[d.start..]).first().map(|t| t.time);
                seen.push(Stated {
                    date: d.date,
                    day_given: d.day_given,
                    time,
                    para: p.clone(),
                    in_heading,
                    minute: item.number.clone(),
                });
            }
        }
        let Some(first) = seen
            .iter()
            .find(|s| !s.in_heading)
            .or(seen.first())
            .cloned()
        else {
            return;
        };
        let Stated {
            date,
            day_given,
            para,
            minute,
            ..
        } = first;
        let mut attention = Vec::new();
        let dates_stated: BTreeSet<NaiveDate> = seen.iter().map(|s| s.date).collect();
        if dates_stated.len() > 1 {
            attention.push(format!(
                "the document states different dates for the next meeting: {}; {date} is used",
                dates_stated
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let times_stated: Vec<(NaiveTime, u32, bool)> = seen
            .iter()
            .filter(|s| s.date == date)
            .filter_map(|s| s.time.map(|t| (t, s.para.first, s.in_heading)))
            .collect();
        let distinct: BTreeSet<NaiveTime> = times_stated.iter().map(|t| t.0).collect();
        // The minute records what the meeting noted; a heading may be the agenda's stale copy.
        let time = times_stated
            .iter()
            .find(|t| !t.2)
            .or(times_stated.first())
            .map(|t| t.0);
        if distinct.len() > 1 {
            let listed: Vec<String> = times_stated
                .iter()
                .map(|(t, line, heading)| {
                    format!(
                        "{} ({} line {line})",
                        hm(*t),
                        if *heading { "item heading," } else { "minute," }
                    )
                })
                .collect();
            attention.push(format!(
                "the document states contradicting times for the meeting of {date}: {}; {} (the minute's) is used — check which is right",
                listed.join(" and "),
                time.map_or("none".into(), hm)
            ));
        }
        if !day_given {
            attention.push(format!(
                "only the month is stated (\"{}\"): dated the 1st; set the day when it is known",
                date.format("%B %Y")
            ));
        }
        let key = self
            .known
            .meetings
            .iter()
            .find(|(_, d)| *d == date)
            .map(|(k, _)| k.clone())
            .or_else(|| {
                let base = if day_given {
                    format!("{}-{date}", self.opts.body)
                } else {
                    format!("{}-{}", self.opts.body, date.format("%Y-%m"))
                };
                MeetingKey::new(key_str(&base)).ok()
            });
        let Some(key) = key else { return };
        let span = Span {
            first: seen
                .iter()
                .map(|s| s.para.first)
                .min()
                .unwrap_or(para.first),
            last: seen.iter().map(|s| s.para.last).max().unwrap_or(para.last),
        };
        let quote: Vec<String> = seen.iter().map(|s| s.para.text.clone()).collect();
        let confidence = if attention.is_empty() { 85 } else { 60 };
        let payload = Payload::MeetingScheduled(MeetingScheduled {
            meeting: key.clone(),
            body: self.opts.body.clone(),
            date,
            time,
            venue: None,
        });
        for s in &seen {
            self.used.insert(s.para.first);
        }
        self.draft(
            Phase::Meetings,
            self.date,
            payload,
            minute.as_deref(),
            span,
            &quote.join(" ... "),
            confidence,
            &attention,
        );
        let summary = format!(
            "next meeting {key} on {date}{}",
            time.map_or(String::new(), |t| format!(" at {}", hm(t)))
        );
        self.fact(
            "next_meeting",
            minute.as_deref(),
            span,
            summary,
            confidence,
            attention,
            true,
            Some(Finding::NextMeeting {
                date,
                time: time.map(hm),
            }),
        );
        self.next_meeting = Some((key, date));
    }

    // ---------------------------------------------------------------- items

    fn item(&mut self, item: &Item) {
        let minute = item.number.clone();
        let m = minute.as_deref();
        for p in &item.body {
            self.minutes_confirmed(m, p);
            self.interest(m, item, p);
            self.chair_election(m, p);
            self.money(m, p);
        }
        for p in &item.heading {
            self.money(m, p);
        }
        let (found, _) = resolutions(&item.body);
        let mut keys_here = 0;
        for r in &found {
            keys_here += 1;
            self.resolution(item, r, keys_here);
        }
    }

    fn minutes_confirmed(&mut self, minute: Option<&str>, p: &Para) {
        let t = &p.text;
        let Some(c) = MINUTES_CONFIRMED.captures(t) else {
            return;
        };
        let head = &t[..c.get(0).map_or(0, |m| m.end())];
        let Some(d) = dates(head)
            .into_iter()
            .map(|d| d.date)
            .find(|d| *d < self.date)
        else {
            return;
        };
        let mut attention = Vec::new();
        let amended = t.to_lowercase().contains("subject to");
        if amended {
            attention.push("confirmed subject to amendments: copy them into `amendments`".into());
        }
        let span = Span::from(p);
        let Some(prev) = self.meeting_on(d, span, t) else {
            return;
        };
        if let Some(a) = prev.1 {
            attention.push(a);
        }
        let payload = Payload::MinutesConfirmed(MinutesConfirmed {
            meeting: prev.0.clone(),
            at_meeting: self.meeting.clone(),
            amendments: vec![],
        });
        let confidence = if attention.is_empty() { 90 } else { 70 };
        self.draft(
            Phase::Facts,
            self.date,
            payload,
            minute,
            span,
            t,
            confidence,
            &attention,
        );
        self.fact(
            "minutes_confirmed",
            minute,
            span,
            format!("minutes of {} ({d}) confirmed", prev.0),
            confidence,
            attention,
            true,
            Some(Finding::MinutesConfirmed { date: d }),
        );
    }

    /// The body's meeting on `date`: the ledger's, or a proposed one (with the attention to say so).
    fn meeting_on(
        &mut self,
        date: NaiveDate,
        span: Span,
        quote: &str,
    ) -> Option<(MeetingKey, Option<String>)> {
        if let Some((k, _)) = self
            .known
            .meetings
            .iter()
            .chain(&self.proposed_meetings)
            .find(|(_, d)| *d == date)
        {
            return Some((k.clone(), None));
        }
        let key = MeetingKey::new(key_str(&format!("{}-{date}", self.opts.body))).ok()?;
        let attention = format!(
            "the ledger has no meeting of {} on {date}: a meeting_held for it is proposed ({key})",
            self.opts.body
        );
        let payload = Payload::MeetingHeld(MeetingHeld {
            meeting: key.clone(),
            body: self.opts.body.clone(),
            time: None,
            venue: None,
            present: vec![],
            apologies: vec![],
            in_attendance: vec![],
        });
        self.draft(
            Phase::Meetings,
            date,
            payload,
            None,
            span,
            quote,
            60,
            std::slice::from_ref(&attention),
        );
        self.fact(
            "meeting_proposed",
            None,
            span,
            format!("earlier meeting {key} on {date}"),
            60,
            vec![attention.clone()],
            true,
            None,
        );
        self.proposed_meetings.push((key.clone(), date));
        Some((key, Some(attention)))
    }

    fn interest(&mut self, minute: Option<&str>, item: &Item, p: &Para) {
        let t = &p.text;
        for sentence in sentences(t) {
            let Some(c) = DECLARED.captures(sentence) else {
                continue;
            };
            let lower = sentence.to_lowercase();
            if NO_INTERESTS.is_match(sentence)
                || lower.contains("invited")
                    && !lower.contains(" he declared")
                    && c.get(0)
                        .is_some_and(|m| sentence[..m.start()].to_lowercase().contains("invited"))
            {
                continue;
            }
            let who_text = sentence[..c.get(0).map_or(0, |m| m.start())].trim();
            let who_text = who_text
                .trim_end_matches(|ch: char| ch == ',' || ch.is_whitespace())
                .trim_end_matches(" also")
                .trim();
            let span = Span::from(p);
            let resolved = if matches!(who_text.to_lowercase().as_str(), "he" | "she" | "they") {
                // "He declared": the subject of the sentence before.
                previous_subject(t, sentence)
            } else {
                Some(who_text.to_string())
            };
            let Some(who_text) = resolved else { continue };
            let Some(pn) = person(&who_text) else {
                continue;
            };
            let Some(who) = self.person(&pn, span, t) else {
                continue;
            };
            let what = c["what"].to_lowercase();
            let kind = if what.contains("non-pecuniary") || what.contains("non pecuniary") {
                InterestKind::Personal
            } else if what.contains("pecuniary") {
                InterestKind::Pecuniary
            } else if what.contains("prejudicial") {
                InterestKind::Prejudicial
            } else if what.contains("personal") {
                InterestKind::Personal
            } else {
                InterestKind::Other
            };
            let nature = sentence[c.get(1).map_or(0, |m| m.start())..]
                .trim()
                .trim_end_matches('.');
            let item_ref = ITEM_REF
                .captures(nature)
                .map(|c| c[1].to_string())
                .or_else(|| {
                    // A declaration made under an item about that item names it by its title.
                    item.title
                        .as_deref()
                        .filter(|t| !t.to_lowercase().contains("interest"))
                        .and(item.number.clone())
                });
            let mut attention = who.attention;
            if matches!(kind, InterestKind::Other) {
                attention.push(
                    "the kind of interest is not stated in words the importer knows: set `kind`"
                        .into(),
                );
            }
            let payload = Payload::InterestDeclared(InterestDeclared {
                meeting: self.meeting.clone(),
                person: who.key.clone(),
                item: item_ref.as_deref().and_then(name),
                kind,
                nature: text(nature).unwrap_or_else(|| Text::new("interest").expect("not blank")),
            });
            let confidence = if attention.is_empty() { 85 } else { 65 };
            self.draft(
                Phase::Facts,
                self.date,
                payload,
                minute,
                span,
                sentence,
                confidence,
                &attention,
            );
            let kind_s = format!("{kind:?}").to_lowercase();
            self.fact(
                "interest",
                minute,
                span,
                format!("interest: {} — {nature}", pn.name),
                confidence,
                attention,
                true,
                Some(Finding::Interest {
                    person: pn.name.clone(),
                    interest: kind_s,
                    item: item_ref,
                }),
            );
        }
    }

    fn chair_election(&mut self, minute: Option<&str>, p: &Para) {
        let t = &p.text;
        for sentence in sentences(t) {
            let Some(c) = ELECTED.captures(sentence) else {
                continue;
            };
            let before = sentence[..c.get(0).map_or(0, |m| m.start())].trim();
            // The name is the last thing before "be elected": after "that", a comma or a verb.
            let cand = before
                .rsplit_once(" that ")
                .map_or(before, |(_, b)| b)
                .rsplit_once(", ")
                .map_or_else(
                    || before.rsplit_once(" that ").map_or(before, |(_, b)| b),
                    |(_, b)| b,
                );
            let cand = cand
                .trim_start_matches("That ")
                .trim_start_matches("that ")
                .trim();
            let (outside, _) = split_paren(cand);
            // "RESOLVED – That Councillor X be appointed": the name follows the last "that".
            let outside = THAT
                .find_iter(&outside)
                .last()
                .map_or(outside.as_str(), |m| &outside[m.end()..])
                .trim()
                .to_string();
            let Some(pn) = person(&outside).or_else(|| {
                let words: Vec<&str> = outside.split_whitespace().collect();
                (1..words.len().min(6))
                    .rev()
                    .find_map(|n| person(&words[words.len() - n..].join(" ")))
            }) else {
                continue;
            };
            let role_word = c[1].to_lowercase();
            let role = if role_word.starts_with("vice") {
                Role::ViceChair
            } else {
                Role::Chair
            };
            let span = Span::from(p);
            let Some(who) = self.person(&pn, span, t) else {
                continue;
            };
            let mut attention = who.attention;
            let existing = self
                .known
                .members
                .iter()
                .find(|m| m.person == who.key)
                .map(|m| m.membership.clone());
            let payload = match existing {
                Some(membership) => {
                    Payload::MemberRoleChanged(MemberRoleChanged { membership, role })
                }
                None => {
                    attention.push(format!(
                        "{} is not a member of {} in the ledger on {}: proposed as a new membership in the role",
                        who.key, self.opts.body, self.date
                    ));
                    let Ok(membership) =
                        MembershipKey::new(key_str(&format!("{}/{}", self.opts.body, who.key)))
                    else {
                        continue;
                    };
                    Payload::MemberAppointed(MemberAppointed {
                        membership,
                        body: self.opts.body.clone(),
                        person: who.key.clone(),
                        role,
                        seat: None,
                        on_behalf_of: None,
                    })
                }
            };
            let confidence = if attention.len() <= 1 { 80 } else { 65 };
            self.draft(
                Phase::Members,
                self.date,
                payload,
                minute,
                span,
                sentence,
                confidence,
                &attention,
            );
            let role_s = if role == Role::Chair {
                "chair"
            } else {
                "vice_chair"
            };
            self.fact(
                "chair_election",
                minute,
                span,
                format!("{} elected {role_s}", pn.name),
                confidence,
                attention,
                true,
                Some(Finding::ChairElection {
                    person: pn.name.clone(),
                    role: role_s.into(),
                }),
            );
        }
    }

    fn money(&mut self, minute: Option<&str>, p: &Para) {
        for c in MONEY.captures_iter(&p.text) {
            let Some(whole) = c.get(1) else { continue };
            let Ok(pounds) = whole.as_str().replace(',', "").parse::<i64>() else {
                continue;
            };
            let pence_part: i64 = c.get(2).map_or(0, |m| {
                let s = m.as_str();
                let v: i64 = s.parse().unwrap_or(0);
                if s.len() == 1 { v * 10 } else { v }
            });
            let scale: i64 = match c.get(3).map(|m| m.as_str().to_lowercase()) {
                Some(s) if s == "k" => 1_000,
                Some(s) if s == "m" || s == "million" => 1_000_000,
                Some(s) if s == "bn" || s == "billion" => 1_000_000_000,
                _ => 1,
            };
            // "£1.5m": the decimals scale with the unit.
            let pence = if scale == 1 {
                pounds
                    .checked_mul(100)
                    .and_then(|v| v.checked_add(pence_part))
            } else {
                let decimals = c.get(2).map_or(0, |m| m.as_str().len() as u32);
                let frac: i64 = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
                pounds.checked_mul(scale * 100).and_then(|v| {
                    v.checked_add(frac.checked_mul(scale * 100)? / 10_i64.pow(decimals))
                })
            };
            let Some(pence) = pence else { continue };
            let amount = c.get(0).map_or("", |m| m.as_str()).trim();
            let span = Span::from(p);
            let attention = vec![format!(
                "{amount} is stated at line {}: not drafted, because the minutes do not give fund, funder, recipient and period in a form the importer can read; record it with `minutebook record funding-allocated` if it is an allocation",
                p.first
            )];
            self.fact(
                "funding",
                minute,
                span,
                format!("amount stated: {amount} ({} pence)", pence),
                50,
                attention,
                false,
                Some(Finding::Funding {
                    minute: minute.map(str::to_string),
                    pence,
                }),
            );
        }
    }

    // ---------------------------------------------------------------- resolutions

    fn resolution(&mut self, item: &Item, r: &Resolution, nth: usize) {
        let minute = item.number.clone();
        let base = match (&minute, &item.title) {
            (Some(n), _) => slug(n, 40),
            (None, Some(t)) => slug(t, 40),
            (None, None) => "unnumbered".to_string(),
        };
        let base = if nth > 1 {
            format!("{base}-{nth}")
        } else {
            base
        };
        let key = self.fresh("resolution", &format!("{}/{base}", self.meeting));
        let Ok(key) = ResolutionKey::new(key) else {
            return;
        };
        let mut attention = r.attention.clone();
        if r.verb_word.eq_ignore_ascii_case("recommended") {
            attention.push(
                "RECOMMENDED: a recommendation to another body, recorded as resolved; check".into(),
            );
        }
        let item_name = item
            .title
            .clone()
            .or_else(|| minute.as_ref().map(|n| format!("Item {n}")))
            .unwrap_or_else(|| "Untitled item".into());
        let parts = typed_parts(&r.parts);
        let payload = Payload::ResolutionPassed(ResolutionPassed {
            resolution: key.clone(),
            meeting: self.meeting.clone(),
            minute: name(minute.as_deref().unwrap_or("unnumbered"))
                .unwrap_or_else(|| Name::new("unnumbered").expect("not blank")),
            item: name(&item_name)
                .unwrap_or_else(|| Name::new("Untitled item").expect("not blank")),
            verb: r.verb,
            // "NOTED." alone: the verb is all the minute says, and the model needs some words.
            text: r
                .text
                .as_deref()
                .and_then(text)
                .or_else(|| parts.is_empty().then(|| text(&r.verb_word)).flatten()),
            parts,
        });
        let span = Span {
            first: r.first,
            last: r.last,
        };
        let quote = resolution_quote(r);
        let confidence = if attention.is_empty() { 85 } else { 65 };
        self.draft(
            Phase::Resolutions,
            self.date,
            payload,
            minute.as_deref(),
            span,
            &quote,
            confidence,
            &attention,
        );
        for line in r.first..=r.last {
            self.used.insert(line);
        }
        let verb_s = format!("{:?}", r.verb).to_lowercase();
        let paths = r.paths();
        let summary = format!(
            "{} {}{}",
            minute
                .as_deref()
                .map_or("unnumbered".to_string(), |m| format!("minute {m}")),
            verb_s,
            if paths.is_empty() {
                String::new()
            } else {
                format!(" ({})", paths.join(", "))
            }
        );
        self.fact(
            "resolution",
            minute.as_deref(),
            span,
            summary,
            confidence,
            attention,
            true,
            Some(Finding::Resolution {
                minute: minute.clone(),
                verb: verb_s,
                parts: paths,
            }),
        );
        self.terms_of_reference(item, r, &key);
        if r.verb != Verb::Noted {
            self.actions(item, r, &key);
        }
    }

    fn actions(&mut self, item: &Item, r: &Resolution, resolution: &ResolutionKey) {
        let mut leaves: Vec<(Option<String>, String, Span)> = Vec::new();
        fn walk(parts: &[Part], prefix: &str, out: &mut Vec<(Option<String>, String, Span)>) {
            for p in parts {
                let path = if prefix.is_empty() {
                    p.label.clone()
                } else {
                    format!("{prefix}.{}", p.label)
                };
                // A part with parts of its own may itself ask for something ("be asked to
                // submit a plan, including: (a) ...").
                out.push((
                    Some(path.clone()),
                    p.text.clone(),
                    Span {
                        first: p.first,
                        last: p.last,
                    },
                ));
                walk(&p.parts, &path, out);
            }
        }
        walk(&r.parts, "", &mut leaves);
        if r.parts.is_empty()
            && let Some(t) = &r.text
        {
            leaves.push((
                None,
                t.clone(),
                Span {
                    first: r.first,
                    last: r.last,
                },
            ));
        }
        for (path, words, span) in leaves {
            let owner_cue = ACTION_OWNER_CUE.find(&words);
            let cue = owner_cue.or_else(|| ACTION_CUE.find(&words));
            let Some(cue) = cue else { continue };
            if NOT_ACTION.is_match(&words) {
                continue;
            }
            let mut attention = Vec::new();
            let subject = words[..cue.start()].trim();
            let subject = subject
                .strip_prefix("That ")
                .or_else(|| subject.strip_prefix("that "))
                .unwrap_or(subject)
                .trim();
            let mut owner: Option<Owner> = None;
            if owner_cue.is_some() {
                owner = self.owner_named(subject, span, &words, &mut attention);
            }
            if owner.is_none() {
                owner = self.presenter(item, &mut attention);
            }
            let owner = match owner {
                Some(o) => o,
                None => {
                    attention.push(format!(
                        "the resolution names no one to act: {} (the body itself) is proposed as owner; set the owner",
                        self.opts.body
                    ));
                    Owner::Body(self.opts.body.clone())
                }
            };
            let due = self.due(&words, &mut attention);
            let label = path.as_deref().map_or(String::new(), |p| p.to_string());
            let key = self.fresh(
                "action",
                &format!(
                    "{resolution}/{}",
                    if label.is_empty() { "action" } else { &label }
                ),
            );
            let Ok(key) = ActionKey::new(key) else {
                continue;
            };
            let payload = Payload::ActionAssigned(ActionAssigned {
                action: key.clone(),
                resolution: Some(resolution.clone()),
                part: path
                    .as_deref()
                    .and_then(|p| p.rsplit('.').next())
                    .and_then(name),
                owner,
                description: text(&words)
                    .unwrap_or_else(|| Text::new("action").expect("not blank")),
                due: due.clone(),
            });
            // A part label only points at a top-level part in the projections; a nested one is named by its own label.
            let confidence = if attention.is_empty() { 75 } else { 55 };
            let minute = item.number.as_deref();
            self.draft(
                Phase::Actions,
                self.date,
                payload,
                minute,
                span,
                &words,
                confidence,
                &attention,
            );
            let due_date = match &due {
                Some(Due::Date(d)) => Some(*d),
                Some(Due::Meeting(m)) => self
                    .next_meeting
                    .as_ref()
                    .filter(|(k, _)| k == m)
                    .map(|(_, d)| *d),
                None => None,
            };
            self.fact(
                "action",
                minute,
                span,
                format!(
                    "action {key}{}",
                    due_date.map_or(String::new(), |d| format!(", due {d}"))
                ),
                confidence,
                attention,
                true,
                Some(Finding::Action {
                    minute: item.number.clone(),
                    part: path,
                    due: due_date,
                }),
            );
        }
    }

    /// The owner a part names as its subject ("That Leicestershire Police be requested to").
    fn owner_named(
        &mut self,
        subject: &str,
        span: Span,
        quote: &str,
        attention: &mut Vec<String>,
    ) -> Option<Owner> {
        let subject = subject
            .trim_start_matches("the ")
            .trim_start_matches("The ");
        if let Some(p) =
            person(subject).filter(|p| p.title.is_some() || org_phrases(&p.name).is_empty())
        {
            let who = self.person(&p, span, quote)?;
            attention.extend(who.attention);
            return Some(Owner::Person(who.key));
        }
        let org = org_phrases(subject).into_iter().next()?;
        let (key, att) = self.body(&org, span, quote)?;
        attention.extend(att);
        Some(Owner::Body(key))
    }

    /// The person the item heading names as presenting it ("Jane Moore – Leicestershire County
    /// Council"), taken as owner when the resolution names no one.
    fn presenter(&mut self, item: &Item, attention: &mut Vec<String>) -> Option<Owner> {
        for p in &item.heading {
            let Some(c) = PRESENTER.captures(&p.text) else {
                continue;
            };
            let Some(pn) = person(&c["who"]) else {
                continue;
            };
            let who = self.person(&pn, Span::from(p), &p.text)?;
            attention.extend(who.attention);
            attention.push(format!(
                "the resolution names no one to act: the owner is taken from the item heading {:?} (line {}); check",
                p.text, p.first
            ));
            return Some(Owner::Person(who.key));
        }
        None
    }

    /// When an action is due: a date, "in December" (the next meeting if it falls then), "to the
    /// next meeting".
    fn due(&self, words: &str, attention: &mut Vec<String>) -> Option<Due> {
        if let Some(d) = dates(words).into_iter().find(|d| d.date > self.date) {
            // "to the meeting on 15 June" names the next meeting by its date.
            if let Some((key, nd)) = &self.next_meeting
                && *nd == d.date
            {
                return Some(Due::Meeting(key.clone()));
            }
            return Some(Due::Date(d.date));
        }
        let lower = words.to_lowercase();
        if let Some((key, _)) = &self.next_meeting
            && (lower.contains("next meeting")
                || lower.contains("the next board")
                || lower.contains("next committee"))
        {
            return Some(Due::Meeting(key.clone()));
        }
        if let Some(d) = month_dates(words).into_iter().find(|d| d.date > self.date) {
            if let Some((key, nd)) = &self.next_meeting
                && nd.year() == d.date.year()
                && nd.month() == d.date.month()
            {
                return Some(Due::Meeting(key.clone()));
            }
            attention.push(format!(
                "due \"{}\": dated the 1st of the month; check",
                d.date.format("%B %Y")
            ));
            return Some(Due::Date(d.date));
        }
        let month = bare_month(words)?;
        if let Some((key, nd)) = &self.next_meeting
            && nd.month() == month
            && *nd > self.date
        {
            attention.push(format!(
                "\"in {}\" read as the next meeting, {nd}",
                nd.format("%B")
            ));
            return Some(Due::Meeting(key.clone()));
        }
        let year = if month > self.date.month() {
            self.date.year()
        } else {
            self.date.year() + 1
        };
        let d = NaiveDate::from_ymd_opt(year, month, 1)?;
        attention.push(format!(
            "due \"in {}\": read as {d} (the 1st); check",
            d.format("%B")
        ));
        Some(Due::Date(d))
    }

    fn terms_of_reference(&mut self, item: &Item, r: &Resolution, resolution: &ResolutionKey) {
        if r.verb == Verb::Noted {
            return;
        }
        let words = resolution_quote(r);
        let approved = TOR_APPROVED.is_match(&words);
        let reviewed = !approved && TOR_REVIEWED.is_match(&words);
        if !approved && !reviewed {
            return;
        }
        let minute = item.number.as_deref();
        let span = Span {
            first: r.first,
            last: r.last,
        };
        let mut attention = Vec::new();
        let lower = words.to_lowercase();
        if let Some(i) = lower.find("subject to") {
            attention.push(format!(
                "approved {}: the text as amended is needed",
                words[i..].trim().trim_end_matches('.')
            ));
        }
        let date = self.date;
        let what = if approved { "approved" } else { "reviewed" };
        let drafted = if approved {
            attention.insert(0, format!(
                "the minutes approve terms of reference without their text: attach the text (the draft holds a placeholder clause) — resolution {resolution}"
            ));
            let version = TorVersion::new(key_str(&format!("{}-tor-{date}", self.opts.body)));
            let placeholder = format!(
                "Placeholder: the terms of reference approved on {date} (resolution {resolution}) are not reproduced in the minutes; replace with their text. The resolution reads: {words}"
            );
            let clause_heading = name(&format!(
                "Terms of reference approved {date} (text to be attached)"
            ));
            match (version, self.known.tor_in_force.clone()) {
                (Ok(version), Some(amends)) if amends != version => {
                    let number = Name::new(format!("pending-{date}")).expect("not blank");
                    let payload = Payload::TorAmended(TorAmended {
                        body: self.opts.body.clone(),
                        amends,
                        version,
                        changes: vec![ClauseChange::Add {
                            number,
                            heading: clause_heading,
                            text: text(&placeholder)
                                .unwrap_or_else(|| Text::new("placeholder").expect("not blank")),
                        }],
                        provisions: None,
                    });
                    self.draft(
                        Phase::Actions,
                        date,
                        payload,
                        minute,
                        span,
                        &words,
                        50,
                        &attention,
                    );
                    true
                }
                (Ok(version), None) => {
                    let payload = Payload::TorAdopted(TorAdopted {
                        body: self.opts.body.clone(),
                        version,
                        clauses: vec![Clause {
                            number: Name::new(format!("pending-{date}")).expect("not blank"),
                            heading: clause_heading,
                            text: text(&placeholder)
                                .unwrap_or_else(|| Text::new("placeholder").expect("not blank")),
                        }],
                        provisions: Provisions::default(),
                    });
                    self.draft(
                        Phase::Actions,
                        date,
                        payload,
                        minute,
                        span,
                        &words,
                        50,
                        &attention,
                    );
                    true
                }
                _ => false,
            }
        } else {
            match self.known.tor_in_force.clone() {
                Some(version) => {
                    let payload = Payload::TorReviewed(TorReviewed {
                        body: self.opts.body.clone(),
                        version,
                        note: text(&words),
                    });
                    self.draft(
                        Phase::Actions,
                        date,
                        payload,
                        minute,
                        span,
                        &words,
                        60,
                        &attention,
                    );
                    true
                }
                None => {
                    attention.push(format!(
                        "the terms of reference were reviewed, but the ledger has no terms of reference of {} in force on {date}: not drafted",
                        self.opts.body
                    ));
                    false
                }
            }
        };
        self.fact(
            "tor",
            minute,
            span,
            format!("terms of reference {what}"),
            50,
            attention,
            drafted,
            Some(Finding::Tor {
                minute: minute.map(str::to_string),
                what: what.into(),
            }),
        );
    }

    // ---------------------------------------------------------------- what was not read

    fn unread(&self, doc: &crate::parse::Document) -> Vec<Unread> {
        let paras = doc.header.iter().chain(
            doc.items
                .iter()
                .flat_map(|i| i.heading.iter().chain(&i.body)),
        );
        paras
            .filter(|p| CUE.is_match(&p.text))
            .filter(|p| !(p.first..=p.last).any(|l| self.used.contains(&l)))
            .map(|p| Unread {
                first: p.first,
                last: p.last,
                text: cut(&p.text, 300),
            })
            .collect()
    }
}

fn which_kind(which: &str) -> &'static str {
    match which {
        "present" => "present",
        "apologies" => "apology",
        _ => "in_attendance",
    }
}

fn typed_parts(parts: &[Part]) -> Vec<ResolutionPart> {
    let mut seen = HashSet::new();
    parts
        .iter()
        .filter_map(|p| {
            let mut label = p.label.clone();
            let mut n = 2;
            while !seen.insert(label.clone()) {
                label = format!("{} ({n})", p.label);
                n += 1;
            }
            Some(ResolutionPart {
                label: name(&label)?,
                text: text(&p.text).or_else(|| text(&label))?,
                parts: typed_parts(&p.parts),
            })
        })
        .collect()
}

fn resolution_quote(r: &Resolution) -> String {
    fn walk(parts: &[Part], out: &mut String) {
        for p in parts {
            out.push_str(&format!(" ({}) {}", p.label, p.text));
            walk(&p.parts, out);
        }
    }
    let mut s = r.verb_word.clone();
    if let Some(t) = &r.text {
        s.push_str(": ");
        s.push_str(t);
    } else {
        s.push(':');
    }
    walk(&r.parts, &mut s);
    s
}

/// Whether a paragraph is nothing but a list of people.
fn names_only(t: &str) -> bool {
    let entries = split_list(t);
    !entries.is_empty()
        && entries.iter().all(|e| {
            let (outside, _) = split_paren(e);
            let outside = outside
                .split_once(" - ")
                .or_else(|| outside.split_once(" – "))
                .map_or(outside.as_str(), |(who, _)| who.trim());
            person(outside).is_some() || looks_like_name(outside, false)
        })
}

/// Where a sentence ends: a full stop at the top level, followed by a space and a capital (or the
/// end), that is not part of a title or an initial ("Cllr.", "J.").
fn sentence_end(s: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '.' | '!' | '?' if depth == 0 => {
                let before = s[..i].rsplit(' ').next().unwrap_or("");
                let is_abbrev = before.len() <= 1
                    || split_title(&format!("{before}. x")).0.is_some()
                    || matches!(before, "St" | "No" | "Rd" | "eg" | "ie" | "etc");
                let after = &s[i + c.len_utf8()..];
                let next_upper = after
                    .trim_start()
                    .chars()
                    .next()
                    .is_none_or(|ch| ch.is_uppercase());
                if !is_abbrev && next_upper && (after.is_empty() || after.starts_with(' ')) {
                    return i;
                }
            }
            _ => {}
        }
    }
    s.len()
}

fn sentences(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.trim().is_empty() {
        let end = sentence_end(rest);
        let (s, r) = rest.split_at(end);
        out.push(s.trim());
        rest = r.get(1..).unwrap_or("");
        // The split point is always a one-byte '.', '!' or '?' (or the end).
    }
    out
}

/// The subject of the sentence before `sentence` in `para`, when it names a person ("The
/// Chairman invited members ... He declared ...").
fn previous_subject(para: &str, sentence: &str) -> Option<String> {
    let all = sentences(para);
    let i = all.iter().position(|s| *s == sentence)?;
    for prev in all[..i].iter().rev() {
        let words: Vec<&str> = prev.split_whitespace().collect();
        for n in (1..=words.len().min(5)).rev() {
            let cand = words[..n].join(" ");
            if person(&cand).is_some() {
                return Some(cand);
            }
        }
    }
    None
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| {
            !matches!(
                w.to_lowercase().as_str(),
                "of" | "the" | "and" | "for" | "&" | "on"
            )
        })
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_do_not_end_at_titles_or_initials() {
        let s = "Apologies were received from Cllr. Steve Corrall (Fire Authority), and Chief Supt. Sally Healy. The Chairman spoke.";
        assert_eq!(sentences(s).len(), 2, "{:?}", sentences(s));
        assert_eq!(sentences("J. Smith said so. Then x.").len(), 2);
    }

    #[test]
    fn the_previous_subject_stands_for_he() {
        let p =
            "The Chairman invited members to declare interests. He declared a personal interest.";
        assert_eq!(
            previous_subject(p, "He declared a personal interest").as_deref(),
            Some("The Chairman")
        );
    }

    #[test]
    fn initials_of_organisations() {
        assert_eq!(
            initials("Office of the Police and Crime Commissioner"),
            "OPCC"
        );
    }
}
