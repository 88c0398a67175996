//! minutebook's minutes importer: reads published council minutes — plain text, or a saved
//! ModernGov HTML page — and proposes the governance facts they state as draft events for a clerk to
//! review before anything is appended: the meeting and who sent apologies (and for whom), minutes
//! confirmed, interests declared, chair elections, resolutions with their verbs and nested parts,
//! actions with their due dates, terms of reference approved or reviewed, the next meeting, and
//! amounts of money stated. Every draft carries its source span, a confidence and what the clerk
//! should check; people and bodies the ledger does not know are proposed as new registrations,
//! never guessed.
//!
//! Reading is by the patterns of the ModernGov family of house styles (see docs/importer.md), not by
//! the layout of any one document. It never panics on any input: errors are [`ImportError`].
//!
//! Depends on the event model only. It must not depend on sled, the store, the projections or the
//! terminal: the caller says what the ledger knows ([`Known`]) and decides what to do with the drafts.

mod dates;
mod error;
mod extract;
mod names;
mod parse;
mod text;

use chrono::NaiveDate;
use minutebook_model::{BodyKey, Draft, MeetingKey, MembershipKey, PersonKey, Role, TorVersion};
use serde::{Deserialize, Serialize};

pub use error::ImportError;

/// The tool name written into every draft's `source.extraction.tool`.
pub const TOOL: &str = concat!("minutebook import-minutes ", env!("CARGO_PKG_VERSION"));

/// A person the ledger already has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownPerson {
    pub key: PersonKey,
    pub title: Option<String>,
    pub name: String,
}

/// A body the ledger already has, with every name it has gone by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownBody {
    pub key: BodyKey,
    pub name: String,
    pub other_names: Vec<String>,
}

/// A membership of the importing body active on the meeting date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownMember {
    pub membership: MembershipKey,
    pub person: PersonKey,
    pub role: Role,
}

/// What the ledger knows that names in the minutes may refer to. Built by the caller from the
/// projections; empty means "a new ledger", and everything named is then proposed.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub people: Vec<KnownPerson>,
    pub bodies: Vec<KnownBody>,
    /// Meetings of the importing body, so a minute about "the meeting held on 12 June" can name it.
    pub meetings: Vec<(MeetingKey, NaiveDate)>,
    /// The importing body's members on the meeting date (to find "the Chairman" and to tell an
    /// election of a member to the chair from a new appointment).
    pub members: Vec<KnownMember>,
    /// The version of the body's terms of reference in force on the meeting date.
    pub tor_in_force: Option<TorVersion>,
}

/// How to read the document.
#[derive(Clone, Debug)]
pub struct Options {
    /// The body whose minutes these are.
    pub body: BodyKey,
    /// The meeting date, when the document does not give it or gives it wrongly.
    pub date: Option<NaiveDate>,
    /// `source.document` of every draft; default "<body name> minutes, <date>".
    pub document: Option<String>,
    pub url: Option<String>,
    pub recorded_by: String,
}

/// The document as read: its lines and the meeting date it states, before anything is matched.
#[derive(Clone, Debug)]
pub struct Reading {
    pub html: bool,
    lines: Vec<text::Line>,
    doc: parse::Document,
    date: Option<NaiveDate>,
}

impl Reading {
    /// The meeting date the document states (in its heading), if it states one.
    pub fn stated_date(&self) -> Option<NaiveDate> {
        self.date
    }

    /// The text the importer reads, numbered as `source.lines` counts (for HTML, the page's text).
    pub fn numbered_text(&self) -> String {
        self.lines
            .iter()
            .map(|l| format!("{:>5}  {}\n", l.no, l.text))
            .collect()
    }
}

/// Decode and structure a document. Fails only on input that is not text at all.
pub fn read(bytes: &[u8]) -> Result<Reading, ImportError> {
    let decoded = text::decode(bytes)?;
    let html = text::looks_like_html(&decoded);
    let lines = text::lines(&decoded, html);
    if lines.iter().all(|l| l.text.is_empty()) {
        return Err(ImportError::Empty);
    }
    let paras = text::paragraphs(&lines);
    let doc = parse::document(&paras);
    let date = extract::stated_date(&doc);
    Ok(Reading {
        html,
        lines,
        doc,
        date,
    })
}

/// What the importer made of a document.
#[derive(Clone, Debug)]
pub struct Import {
    pub meeting: MeetingKey,
    pub date: NaiveDate,
    /// In an order `append` accepts: registrations first, then the facts that name them.
    pub drafts: Vec<Draft>,
    /// One entry per fact found (several drafts may rest on one fact, and a stated amount has none).
    pub facts: Vec<Fact>,
    /// Lines that look as if they state a fact the importer did not take.
    pub not_understood: Vec<Unread>,
}

/// A fact found, for the summary and for measuring the importer.
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    pub kind: &'static str,
    pub minute: Option<String>,
    pub first: u32,
    pub last: u32,
    /// One line for people: "apologies: Mike Sandys (Substance Misuse Board)".
    pub summary: String,
    pub confidence: u8,
    pub attention: Vec<String>,
    /// Whether a draft records it (a stated amount of money is only reported).
    pub drafted: bool,
    #[serde(skip)]
    pub finding: Option<Finding>,
}

/// A line (or paragraph) that carries a cue (a verb, "apologies", "interest", "£") the importer
/// could not turn into a fact.
#[derive(Clone, Debug, Serialize)]
pub struct Unread {
    pub first: u32,
    pub last: u32,
    pub text: String,
}

/// A fact in the plain form used to compare the importer's reading with a labelled one: names as
/// the document writes them (without titles), dates, minute numbers, part paths ("b.i").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Finding {
    Meeting {
        date: NaiveDate,
        #[serde(default)]
        time: Option<String>,
        #[serde(default)]
        venue: Option<String>,
    },
    Present {
        person: String,
        #[serde(default)]
        body: Option<String>,
    },
    Apology {
        person: String,
        #[serde(default)]
        body: Option<String>,
    },
    InAttendance {
        person: String,
        #[serde(default)]
        body: Option<String>,
    },
    MinutesConfirmed {
        date: NaiveDate,
    },
    Interest {
        person: String,
        interest: String,
        #[serde(default)]
        item: Option<String>,
    },
    ChairElection {
        person: String,
        role: String,
    },
    Resolution {
        #[serde(default)]
        minute: Option<String>,
        verb: String,
        #[serde(default)]
        parts: Vec<String>,
    },
    Action {
        #[serde(default)]
        minute: Option<String>,
        #[serde(default)]
        part: Option<String>,
        #[serde(default)]
        due: Option<NaiveDate>,
    },
    Tor {
        #[serde(default)]
        minute: Option<String>,
        /// "approved" or "reviewed".
        what: String,
    },
    NextMeeting {
        date: NaiveDate,
        #[serde(default)]
        time: Option<String>,
    },
    Funding {
        #[serde(default)]
        minute: Option<String>,
        pence: i64,
    },
}

impl Finding {
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::Meeting { .. } => "meeting",
            Finding::Present { .. } => "present",
            Finding::Apology { .. } => "apology",
            Finding::InAttendance { .. } => "in_attendance",
            Finding::MinutesConfirmed { .. } => "minutes_confirmed",
            Finding::Interest { .. } => "interest",
            Finding::ChairElection { .. } => "chair_election",
            Finding::Resolution { .. } => "resolution",
            Finding::Action { .. } => "action",
            Finding::Tor { .. } => "tor",
            Finding::NextMeeting { .. } => "next_meeting",
            Finding::Funding { .. } => "funding",
        }
    }
}

/// Propose draft events for the facts the document states.
pub fn import(reading: &Reading, opts: &Options, known: &Known) -> Result<Import, ImportError> {
    extract::run(reading, opts, known)
}

/// Precision and recall of `found` against `expected`, per kind: (kind, true positives, found,
/// expected). Each expected finding is matched at most once.
pub fn score(found: &[Finding], expected: &[Finding]) -> Vec<(String, usize, usize, usize)> {
    let mut kinds: Vec<&str> = found.iter().chain(expected).map(Finding::kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|k| {
            let mut left: Vec<&Finding> = expected.iter().filter(|f| f.kind() == k).collect();
            let mine: Vec<&Finding> = found.iter().filter(|f| f.kind() == k).collect();
            let expected_n = left.len();
            let mut tp = 0;
            for f in &mine {
                if let Some(i) = left.iter().position(|e| e == f) {
                    left.swap_remove(i);
                    tp += 1;
                }
            }
            (k.to_string(), tp, mine.len(), expected_n)
        })
        .collect()
}
