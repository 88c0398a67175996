//! The envelope every fact travels in, as submitted ([`Draft`]) and as stored ([`Event`]), and the
//! parsing of submitted batches.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{EventRef, Rejection, Rule, rule_from_serde};
use crate::keys::EventId;
use crate::payload::Payload;
use crate::values::{Name, Text};

/// Where a fact is evidenced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The document's title: "Leicestershire and Rutland SCSB minutes, 25 September 2014".
    pub document: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Name>,
    /// Minute, paragraph or appendix: "74", "Appendix 1".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Name>,
    /// The words the fact rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Text>,
    /// Where in the document, by line, when the fact was read from a text (an importer fills this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Lines>,
    /// How the fact was extracted, when a program rather than a person read it from the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<Extraction>,
}

/// A span of lines in a source document, 1-based, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lines {
    #[schemars(range(min = 1))]
    pub first: u32,
    #[schemars(range(min = 1))]
    pub last: u32,
}

/// Provenance of a machine-read fact: which tool read it, how sure it was, and what it asks the
/// clerk to check. Kept with the event so an auditor can tell typed facts from imported ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extraction {
    /// The program and version: "minutebook import-minutes 0.1.0".
    pub tool: Name,
    /// 0-100: how sure the tool was of its reading.
    #[schemars(range(max = 100))]
    pub confidence_percent: u8,
    /// What the clerk should check before appending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<Text>,
}

/// An event as a caller submits it: the ledger adds `recorded_at` (and `id` when absent).
#[derive(Clone, Debug, PartialEq, Eq, JsonSchema)]
pub struct Draft {
    /// Supply an id to make re-submission idempotent; otherwise the ledger generates a UUIDv7.
    #[serde(default)]
    pub id: Option<EventId>,
    /// The date the fact took effect in the world (valid time).
    pub effective: NaiveDate,
    /// Who recorded the fact.
    pub recorded_by: Name,
    pub source: Source,
    /// Events this one corrects or retracts. They drop out of projections once this one is recorded.
    #[serde(default)]
    pub supersedes: Vec<EventId>,
    #[serde(flatten)]
    pub payload: Payload,
}

/// An event as the ledger stores it. Its canonical JSON (see [`Event::canonical_bytes`]) is what is
/// hashed and exported.
#[derive(Clone, Debug, PartialEq, Eq, JsonSchema)]
pub struct Event {
    pub id: EventId,
    pub effective: NaiveDate,
    /// When the ledger appended the event (record time, UTC). Never decreases along the log.
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Name,
    pub source: Source,
    #[serde(default)]
    pub supersedes: Vec<EventId>,
    #[serde(flatten)]
    pub payload: Payload,
}

impl Draft {
    /// The stored event this draft becomes when the ledger gives it an id and a record time.
    pub fn into_event(self, id: EventId, recorded_at: DateTime<Utc>) -> Event {
        Event {
            id,
            effective: self.effective,
            recorded_at,
            recorded_by: self.recorded_by,
            source: self.source,
            supersedes: self.supersedes,
            payload: self.payload,
        }
    }
}

impl Event {
    /// The exact bytes the ledger stores and hashes: compact JSON, fields in a fixed order, absent
    /// optional fields left out.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an event always serializes")
    }

    /// Parse stored or exported bytes back into an event. Sound bytes take a single streaming pass;
    /// only when that fails is the input parsed again, slowly, to name the field and the rule.
    pub fn from_slice(bytes: &[u8]) -> Result<Event, Box<Rejection>> {
        if let Ok(event) = serde_json::from_slice::<FastEvent>(bytes) {
            return Ok(event.0);
        }
        let reject = |field: &str, rule| {
            Box::new(Rejection {
                event: EventRef::default(),
                field: field.into(),
                rule,
            })
        };
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| reject("", Rule::NotJson(e.to_string())))?;
        let envelope = Envelope::from_value(value).map_err(|(field, rule)| reject(&field, rule))?;
        let (Some(id), Some(recorded_at)) = (envelope.id, envelope.recorded_at) else {
            let field = if envelope.id.is_none() {
                "id"
            } else {
                "recorded_at"
            };
            return Err(reject(field, Rule::Missing));
        };
        Ok(envelope.draft.into_event(id, recorded_at))
    }
}

/// The envelope's fields by reference, serialized by hand so they keep the envelope's reading order
/// (`data` last) and so drafts and events share one definition of the canonical form.
struct EnvelopeRef<'a> {
    id: Option<&'a EventId>,
    recorded_at: Option<&'a DateTime<Utc>>,
    effective: &'a NaiveDate,
    recorded_by: &'a Name,
    source: &'a Source,
    supersedes: &'a [EventId],
    payload: &'a Payload,
}

impl Serialize for EnvelopeRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(id) = self.id {
            m.serialize_entry("id", id)?;
        }
        m.serialize_entry("type", self.payload.type_tag())?;
        m.serialize_entry("effective", self.effective)?;
        if let Some(at) = self.recorded_at {
            m.serialize_entry("recorded_at", at)?;
        }
        m.serialize_entry("recorded_by", self.recorded_by)?;
        m.serialize_entry("source", self.source)?;
        if !self.supersedes.is_empty() {
            m.serialize_entry("supersedes", self.supersedes)?;
        }
        m.serialize_entry("data", &crate::payload::DataOf(self.payload))?;
        m.end()
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EnvelopeRef {
            id: Some(&self.id),
            recorded_at: Some(&self.recorded_at),
            effective: &self.effective,
            recorded_by: &self.recorded_by,
            source: &self.source,
            supersedes: &self.supersedes,
            payload: &self.payload,
        }
        .serialize(s)
    }
}

impl Serialize for Draft {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EnvelopeRef {
            id: self.id.as_ref(),
            recorded_at: None,
            effective: &self.effective,
            recorded_by: &self.recorded_by,
            source: &self.source,
            supersedes: &self.supersedes,
            payload: &self.payload,
        }
        .serialize(s)
    }
}

/// The envelope with the payload still untyped, so that the type tag can be checked first and the
/// payload's errors reported under `data.`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    id: Option<EventId>,
    #[serde(rename = "type")]
    type_tag: String,
    effective: NaiveDate,
    recorded_at: Option<DateTime<Utc>>,
    recorded_by: Name,
    source: Source,
    #[serde(default)]
    supersedes: Vec<EventId>,
    data: Value,
}

struct Envelope {
    id: Option<EventId>,
    recorded_at: Option<DateTime<Utc>>,
    draft: Draft,
}

impl Envelope {
    fn from_value(value: Value) -> Result<Envelope, (String, Rule)> {
        if !value.is_object() {
            return Err((String::new(), Rule::NotAnObject));
        }
        // Check the tag first: an unknown type should be named as such, not as a bad `data`.
        if let Some(Value::String(tag)) = value.get("type")
            && !Payload::TYPES.contains(&tag.as_str())
        {
            return Err(("type".into(), Rule::UnknownType { found: tag.clone() }));
        }
        let raw: RawEnvelope = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            rule_from_serde(&path, &e.into_inner().to_string())
        })?;
        let payload = Payload::from_tag_and_data(&raw.type_tag, raw.data)
            .ok_or_else(|| {
                (
                    "type".to_string(),
                    Rule::UnknownType {
                        found: raw.type_tag.clone(),
                    },
                )
            })?
            .map_err(|e| {
                let path = match e.path().to_string().as_str() {
                    "." => "data".to_string(),
                    p => format!("data.{p}"),
                };
                rule_from_serde(&path, &e.into_inner().to_string())
            })?;
        Ok(Envelope {
            id: raw.id,
            recorded_at: raw.recorded_at,
            draft: Draft {
                id: raw.id,
                effective: raw.effective,
                recorded_by: raw.recorded_by,
                source: raw.source,
                supersedes: raw.supersedes,
                payload,
            },
        })
    }
}

/// Parse one submitted event (already JSON) into a draft, checking every structural rule.
pub fn draft_from_value(value: Value, at: &EventRef) -> Result<Draft, Vec<Rejection>> {
    let reject = |(field, rule): (String, Rule)| {
        vec![Rejection {
            event: at.clone(),
            field,
            rule,
        }]
    };
    // Even `"recorded_at": null` is refused: the field is the ledger's to write.
    if value.get("recorded_at").is_some() {
        return Err(reject(("recorded_at".into(), Rule::StampedByLedger)));
    }
    let envelope = Envelope::from_value(value).map_err(reject)?;
    let mut at = at.clone();
    at.id = envelope.draft.id;
    let problems = crate::validate::problems(&envelope.draft);
    if problems.is_empty() {
        Ok(envelope.draft)
    } else {
        Err(problems
            .into_iter()
            .map(|(field, rule)| Rejection {
                event: at.clone(),
                field,
                rule,
            })
            .collect())
    }
}

/// Parse a submission: one JSON event, a JSON array of events, or JSON Lines. Every event is checked;
/// all problems are returned, each naming the event by position (and line).
pub fn parse_batch(input: &[u8]) -> Result<Vec<Draft>, Vec<Rejection>> {
    let first = input.iter().position(|b| !b.is_ascii_whitespace());
    let values: Vec<(usize, Submitted)> = match first.map(|i| input[i]) {
        None => {
            return Err(vec![Rejection {
                event: EventRef::default(),
                field: String::new(),
                rule: Rule::TooFew("one event (the input is empty)"),
            }]);
        }
        Some(b'[') => {
            let array: Vec<Value> = serde_json::from_slice(input).map_err(|e| {
                vec![Rejection {
                    event: EventRef {
                        line: Some(e.line()),
                        ..EventRef::default()
                    },
                    field: String::new(),
                    rule: Rule::NotJson(e.to_string()),
                }]
            })?;
            array
                .into_iter()
                .map(|v| (0, Submitted::Value(v)))
                .collect()
        }
        Some(_) => {
            let mut values = Vec::new();
            let mut stream = serde_json::Deserializer::from_slice(input)
                .into_iter::<&serde_json::value::RawValue>();
            let mut line = 1;
            let mut offset = 0;
            loop {
                let start = offset
                    + input[offset..]
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                        .unwrap_or(0);
                line += input[offset..start].iter().filter(|&&b| b == b'\n').count();
                match stream.next() {
                    None => break,
                    Some(Ok(raw)) => values.push((line, Submitted::Raw(raw))),
                    Some(Err(e)) => {
                        return Err(vec![Rejection {
                            event: EventRef {
                                position: Some(values.len() + 1),
                                line: Some(e.line()),
                                ..EventRef::default()
                            },
                            field: String::new(),
                            rule: Rule::NotJson(e.to_string()),
                        }]);
                    }
                }
                line += input[start..stream.byte_offset()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                offset = stream.byte_offset();
            }
            values
        }
    };
    let mut drafts = Vec::with_capacity(values.len());
    let mut rejections = Vec::new();
    for (i, (line, submitted)) in values.into_iter().enumerate() {
        let at = EventRef {
            position: Some(i + 1),
            line: (line > 0).then_some(line),
            ..EventRef::default()
        };
        let value = match submitted {
            Submitted::Value(v) => v,
            Submitted::Raw(raw) => {
                if let Ok(FastDraft(d)) = serde_json::from_str(raw.get())
                    && crate::validate::problems(&d).is_empty()
                {
                    drafts.push(d);
                    continue;
                }
                match serde_json::from_str(raw.get()) {
                    Ok(v) => v,
                    Err(e) => {
                        rejections.push(Rejection {
                            event: at,
                            field: String::new(),
                            rule: Rule::NotJson(e.to_string()),
                        });
                        continue;
                    }
                }
            }
        };
        match draft_from_value(value, &at) {
            Ok(d) => drafts.push(d),
            Err(mut r) => rejections.append(&mut r),
        }
    }
    if rejections.is_empty() {
        Ok(drafts)
    } else {
        Err(rejections)
    }
}

/// One event of a submission: JSON Lines keep each event's text, for the one-pass reader.
enum Submitted<'a> {
    Value(Value),
    Raw(&'a serde_json::value::RawValue),
}

/// A stored event read in one pass: `type` comes before `data` in the canonical form, so `data` is
/// decoded straight into its payload type (other orders are buffered).
struct FastEvent(Event);

impl<'de> Deserialize<'de> for FastEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FastEvent, D::Error> {
        use serde::de::Error;
        let (id, recorded_at, draft) = d.deserialize_map(FastVisitor)?;
        Ok(FastEvent(Event {
            id: id.ok_or_else(|| D::Error::missing_field("id"))?,
            recorded_at: recorded_at.ok_or_else(|| D::Error::missing_field("recorded_at"))?,
            effective: draft.effective,
            recorded_by: draft.recorded_by,
            source: draft.source,
            supersedes: draft.supersedes,
            payload: draft.payload,
        }))
    }
}

/// A submitted event read in one pass, for the common case of a well-formed one. Anything it
/// refuses (including a `recorded_at`, which is the ledger's to write) is parsed again by the
/// path-tracking reader, which names the field and the rule.
struct FastDraft(Draft);

impl<'de> Deserialize<'de> for FastDraft {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FastDraft, D::Error> {
        use serde::de::Error;
        match d.deserialize_map(FastVisitor)? {
            (_, Some(_), _) => Err(D::Error::custom("recorded_at is the ledger's to write")),
            (_, None, draft) => Ok(FastDraft(draft)),
        }
    }
}

/// The envelope's fields in one pass: the id and record time as found, the rest as a draft.
struct FastVisitor;

impl<'de> serde::de::Visitor<'de> for FastVisitor {
    type Value = (Option<EventId>, Option<DateTime<Utc>>, Draft);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an event")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let (mut id, mut tag, mut effective, mut recorded_at, mut recorded_by, mut source) =
            (None, None::<String>, None, None, None, None);
        let mut supersedes = Vec::new();
        let mut payload = None;
        let mut buffered: Option<Value> = None;
        const FIELDS: [&str; 8] = [
            "id",
            "type",
            "effective",
            "recorded_at",
            "recorded_by",
            "source",
            "supersedes",
            "data",
        ];
        let mut seen = [false; FIELDS.len()];
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            // A repeated field is left to the full reader, which keeps the last: here `data` may
            // already have been read as the first `type`.
            if let Some(i) = FIELDS.iter().position(|f| *f == k.as_ref()) {
                if seen[i] {
                    return Err(A::Error::duplicate_field(FIELDS[i]));
                }
                seen[i] = true;
            }
            match k.as_ref() {
                "id" => id = Some(map.next_value()?),
                "type" => tag = Some(map.next_value()?),
                "effective" => effective = Some(map.next_value()?),
                "recorded_at" => recorded_at = Some(map.next_value()?),
                "recorded_by" => recorded_by = Some(map.next_value()?),
                "source" => source = Some(map.next_value()?),
                "supersedes" => supersedes = map.next_value()?,
                "data" => match &tag {
                    Some(t) => payload = Some(map.next_value_seed(crate::payload::DataSeed(t))?),
                    None => buffered = Some(map.next_value()?),
                },
                other => return Err(A::Error::unknown_field(other, &FIELDS)),
            }
        }
        let tag = tag.ok_or_else(|| A::Error::missing_field("type"))?;
        let payload = match (payload, buffered) {
            (Some(p), _) => p,
            (None, Some(v)) => {
                serde::de::DeserializeSeed::deserialize(crate::payload::DataSeed(&tag), v)
                    .map_err(A::Error::custom)?
            }
            (None, None) => return Err(A::Error::missing_field("data")),
        };
        let draft = Draft {
            id,
            effective: effective.ok_or_else(|| A::Error::missing_field("effective"))?,
            recorded_by: recorded_by.ok_or_else(|| A::Error::missing_field("recorded_by"))?,
            source: source.ok_or_else(|| A::Error::missing_field("source"))?,
            supersedes,
            payload,
        };
        Ok((id, recorded_at, draft))
    }
}

#[cfg(test)]
mod one_pass {
    use super::*;

    /// The one-pass reader may only accept what the path-tracking reader accepts, and must read it
    /// the same: checked on every example event and on every one-byte change of a sample of them.
    #[test]
    fn the_one_pass_reader_accepts_nothing_the_full_reader_refuses() {
        let example = [
            include_str!("../../../events/example/01-agreement-2011-13.jsonl"),
            include_str!("../../../events/example/02-board-2014-09-25.jsonl"),
            include_str!("../../../events/example/03-scrutiny-2017.jsonl"),
            include_str!("../../../events/example/04-corrections.jsonl"),
        ]
        .concat();
        let full = |text: &str| -> Option<Draft> {
            let value: Value = serde_json::from_str(text).ok()?;
            draft_from_value(value, &EventRef::default()).ok()
        };
        let one_pass = |text: &str| -> Option<Draft> {
            let FastDraft(d) = serde_json::from_str(text).ok()?;
            crate::validate::problems(&d).is_empty().then_some(d)
        };
        let (mut accepted, mut tried) = (0, 0);
        for (n, line) in example.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            assert_eq!(one_pass(line), full(line), "example line {n}");
            assert!(one_pass(line).is_some(), "example line {n} is valid");
            if n % 6 != 0 {
                continue;
            }
            let bytes = line.as_bytes();
            for at in 0..bytes.len() {
                for b in [b'"', b'1', b'x', b',', b'}', b' ', b'-', b':'] {
                    let mut changed = bytes.to_vec();
                    changed[at] = b;
                    let Ok(text) = std::str::from_utf8(&changed) else {
                        continue;
                    };
                    tried += 1;
                    if let Some(d) = one_pass(text) {
                        accepted += 1;
                        assert_eq!(Some(d), full(text), "line {n} changed at {at}: {text}");
                    }
                }
            }
        }
        assert!(
            tried > 10_000 && accepted > 100,
            "{tried} tried, {accepted} accepted"
        );
    }
}
