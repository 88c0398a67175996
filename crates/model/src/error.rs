//! Why an event was rejected: which event, which field, which rule.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::keys::EventId;

/// Which event a rejection is about: its place in the submitted batch and/or its id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// 1-based position in the submitted batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// 1-based line of the input where the event starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<EventId>,
    /// The event's ledger sequence number, for events already stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl fmt::Display for EventRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(seq) = self.seq {
            parts.push(format!("seq {seq}"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(id) = self.id {
            parts.push(format!("id {id}"));
        }
        match (self.position, parts.is_empty()) {
            (Some(p), true) => write!(f, "event #{p}"),
            (Some(p), false) => write!(f, "event #{p} ({})", parts.join(", ")),
            (None, false) => write!(f, "event ({})", parts.join(", ")),
            (None, true) => write!(f, "event"),
        }
    }
}

/// A structural rule an event broke, in plain words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error("is not valid JSON: {0}")]
    NotJson(String),
    #[error("must be a JSON object")]
    NotAnObject,
    #[error("is {found:?}, which is not an event type (known types: {})", crate::Payload::TYPES.join(", "))]
    UnknownType { found: String },
    #[error("is required")]
    Missing,
    #[error("is not a field here ({expected})")]
    UnknownField { expected: String },
    #[error("must be a date written YYYY-MM-DD ({0})")]
    MalformedDate(String),
    #[error("must be a time written HH:MM:SS ({0})")]
    MalformedTime(String),
    #[error("must be between 1000-01-01 and 9999-12-31 (got {0})")]
    DateOutOfRange(NaiveDate),
    #[error("ends on {to}, before it starts on {from}")]
    PeriodEndsBeforeStart { from: NaiveDate, to: NaiveDate },
    #[error("lists {0:?} more than once")]
    Duplicate(String),
    #[error("must list at least {0}")]
    TooFew(&'static str),
    #[error("must differ from `{0}`")]
    SameAs(&'static str),
    #[error("must give at least one of {0}")]
    NothingGiven(&'static str),
    #[error("cannot be given together with `{0}`")]
    Exclusive(&'static str),
    #[error("is stamped by the ledger on append and cannot be supplied")]
    StampedByLedger,
    #[error("names event {0}, which is neither in the ledger nor earlier in this batch")]
    UnknownSuperseded(EventId),
    #[error("names the event itself")]
    SupersedesItself,
    #[error("{0} is already in the ledger with different content")]
    IdCollision(EventId),
    #[error("{0} appears more than once in this batch")]
    DuplicateInBatch(EventId),
    /// A value's own rule, as the value type states it ("must not be negative").
    #[error("{0}")]
    Invalid(String),
}

/// One event's rejection: `event #3 (line 3): field `data.amount` must not be negative (got -5)`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{event}: field `{field}` {rule}")]
pub struct Rejection {
    pub event: EventRef,
    /// Dotted path into the event: `data.period.to`, `supersedes[0]`.
    pub field: String,
    pub rule: Rule,
}

impl Serialize for Rejection {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Rejection", 4)?;
        st.serialize_field("event", &self.event)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("rule", &self.rule.to_string())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// Turn a serde error at `path` into a field and a rule. serde states missing and unknown fields in a
/// fixed form ("missing field `x`", "unknown field `x`, expected ..."), which we lift into the path.
pub(crate) fn rule_from_serde(path: &str, message: &str) -> (String, Rule) {
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let field_name = |rest: &str| rest.split('`').next().unwrap_or_default().to_string();
    if let Some(rest) = message.strip_prefix("missing field `") {
        return (join(&field_name(rest)), Rule::Missing);
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = field_name(rest);
        let expected = rest
            .split_once("`, ")
            .map_or("no fields are expected", |(_, e)| e);
        // serde_path_to_error already ends the path with the unknown field's name.
        let field = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_string()
        } else {
            join(&name)
        };
        return (
            field,
            Rule::UnknownField {
                expected: expected.to_string(),
            },
        );
    }
    let path = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    // chrono's parse errors say what is wrong with the text but not what was expected.
    const CHRONO: [&str; 5] = [
        "input contains invalid characters",
        "premature end of input",
        "input is out of range",
        "trailing input",
        "input is not enough for unique date and time",
    ];
    if CHRONO.iter().any(|m| message.starts_with(m)) {
        let rule = if path.ends_with("time") {
            Rule::MalformedTime(message.to_string())
        } else {
            Rule::MalformedDate(message.to_string())
        };
        return (path, rule);
    }
    (path, Rule::Invalid(message.to_string()))
}
