//! The governance facts an event can record: one struct per event type, gathered in [`Payload`].
//!
//! Every struct denies unknown fields, so a misspelt field is an error rather than a silently lost fact.
//! Optional fields are left out of the canonical form when absent.

use chrono::{NaiveDate, NaiveTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::keys::*;
use crate::values::{Name, Pence, Percent, Period, Text};

/// What kind of organisation a body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// A strategy board (e.g. a county Safer Communities Strategy Board).
    Board,
    /// A partnership (e.g. a Community Safety Partnership).
    Partnership,
    /// A committee (e.g. an overview and scrutiny committee).
    Committee,
    /// A sub-group, task and finish group or joint action group of another body.
    SubGroup,
    /// An authority or agency that members represent (a council, a police force, a probation provider).
    Authority,
    /// A body that funds others.
    Funder,
}

/// The part a person plays on a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Chair,
    ViceChair,
    Member,
    CoOpted,
    Substitute,
    InvitedObserver,
}

/// Why a membership ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Resigned,
    TermExpired,
    Replaced,
    Removed,
    SeatAbolished,
    /// The body the member represented was dissolved, merged or succeeded.
    OrganisationChanged,
    BodyDissolved,
    Died,
    Other,
}

/// The verb a resolution is headed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Resolved,
    Agreed,
    Noted,
}

/// The nature of a declared interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterestKind {
    Personal,
    Pecuniary,
    Prejudicial,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyFounded {
    pub body: BodyKey,
    pub name: Name,
    pub kind: BodyKind,
    /// The body this one reports to or sits under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<BodyKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyRenamed {
    pub body: BodyKey,
    pub name: Name,
}

/// Several bodies became one: the sources cease, `into` carries on (found it first if it is new).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodiesMerged {
    pub bodies: Vec<BodyKey>,
    pub into: BodyKey,
}

/// One body ceased and its business passed to one or more successors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodySucceeded {
    pub body: BodyKey,
    pub successors: Vec<BodyKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyDissolved {
    pub body: BodyKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
}

/// A person's name with their title kept apart, so "Cllr. Steve Corrall" and "Mr. Corrall" match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRegistered {
    pub person: PersonKey,
    /// e.g. "Cllr.", "Chief Supt.", "Sir", "Mr."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Name>,
    /// The name without the title: "Sally Healy".
    pub name: Name,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRenamed {
    pub person: PersonKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Name>,
    pub name: Name,
}

/// A place on a body, as terms of reference describe it ("one elected member per District area").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Seat {
    pub key: SeatKey,
    pub title: Name,
    /// How many people the seat holds (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    #[schemars(range(min = 1))]
    pub count: u32,
    /// The organisation the holder represents, where the seat is reserved for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_body: Option<BodyKey>,
    /// Whether the body must fill it (an invited, non-voting place is not required).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
}

fn one() -> u32 {
    1
}
fn is_one(n: &u32) -> bool {
    *n == 1
}
fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatDefined {
    pub body: BodyKey,
    pub seat: Seat,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatAbolished {
    pub body: BodyKey,
    pub seat: SeatKey,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberAppointed {
    pub membership: MembershipKey,
    pub body: BodyKey,
    pub person: PersonKey,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<SeatKey>,
    /// The organisation the person sits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<BodyKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRoleChanged {
    pub membership: MembershipKey,
    pub role: Role,
}

/// The membership ends at the start of the event's effective date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipEnded {
    pub membership: MembershipKey,
    pub reason: EndReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// A numbered clause of terms of reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// As the document numbers it: "1", "4.2", "A".
    pub number: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<Name>,
    pub text: Text,
}

/// How many members make a meeting quorate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Quorum {
    /// A fixed number of members.
    Members(u32),
    /// A fraction of the membership, rounded up: one third is `{"numerator": 1, "denominator": 3}`.
    Fraction { numerator: u32, denominator: u32 },
}

/// What the terms of reference state in a form rules can check. Absent means "not stated".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provisions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Quorum>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meetings_per_year: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_interval_months: Option<u32>,
    /// How the chair is appointed, in the clause's words ("elected annually by the Board").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chair_appointment: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seats: Vec<Seat>,
}

impl Provisions {
    pub fn is_empty(&self) -> bool {
        *self == Provisions::default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TorAdopted {
    pub body: BodyKey,
    pub version: TorVersion,
    pub clauses: Vec<Clause>,
    #[serde(default, skip_serializing_if = "Provisions::is_empty")]
    pub provisions: Provisions,
}

/// One clause-level change in an amendment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClauseChange {
    Add {
        number: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        heading: Option<Name>,
        text: Text,
    },
    Replace {
        number: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        heading: Option<Name>,
        text: Text,
    },
    Remove {
        number: Name,
    },
}

impl ClauseChange {
    pub fn number(&self) -> &Name {
        match self {
            ClauseChange::Add { number, .. }
            | ClauseChange::Replace { number, .. }
            | ClauseChange::Remove { number } => number,
        }
    }
}

/// A new version made from the one in force by clause-level changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TorAmended {
    pub body: BodyKey,
    /// The version this amends (it must be the one in force).
    pub amends: TorVersion,
    /// The new version's key.
    pub version: TorVersion,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ClauseChange>,
    /// Replaces the structured provisions when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisions: Option<Provisions>,
}

/// The terms of reference in force were reviewed and kept without change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TorReviewed {
    pub body: BodyKey,
    pub version: TorVersion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// A meeting fixed for a future date ("Date of the next meeting"). The effective date is when it was fixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingScheduled {
    pub meeting: MeetingKey,
    pub body: BodyKey,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<Name>,
}

/// Someone at (or sending apologies to) a meeting, and whom they represent there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    pub person: PersonKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<BodyKey>,
    /// In the minutes' words: "Chair of the Substance Misuse Board".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Name>,
}

/// A meeting took place on the event's effective date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingHeld {
    pub meeting: MeetingKey,
    pub body: BodyKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<Name>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub present: Vec<Attendee>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apologies: Vec<Attendee>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_attendance: Vec<Attendee>,
}

/// The minutes of `meeting` were confirmed as a correct record at `at_meeting`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesConfirmed {
    pub meeting: MeetingKey,
    pub at_meeting: MeetingKey,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<Text>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestDeclared {
    pub meeting: MeetingKey,
    pub person: PersonKey,
    /// The minute or agenda item the interest relates to; absent for a general declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Name>,
    pub kind: InterestKind,
    pub nature: Text,
}

/// A lettered or numbered part of a resolution, possibly with parts of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionPart {
    /// As printed: "a", "ii", "iv".
    pub label: Name,
    pub text: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<ResolutionPart>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionPassed {
    pub resolution: ResolutionKey,
    pub meeting: MeetingKey,
    /// The minute number: "74".
    pub minute: Name,
    /// The item's title: "Terms of Reference for the Board".
    pub item: Name,
    pub verb: Verb,
    /// The resolution's words when it has no parts, or the words before the parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<ResolutionPart>,
}

/// Who an action is for: a person or a body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Owner {
    Person(PersonKey),
    Body(BodyKey),
}

/// When an action is due: by a date, or by a meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Due {
    Date(NaiveDate),
    Meeting(MeetingKey),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionAssigned {
    pub action: ActionKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ResolutionKey>,
    /// The resolution part the action comes from: "b".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Name>,
    pub owner: Owner,
    pub description: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionDischarged {
    pub action: ActionKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundEstablished {
    pub fund: FundKey,
    pub name: Name,
    pub funder: BodyKey,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingAllocated {
    pub allocation: AllocationKey,
    pub fund: FundKey,
    pub funder: BodyKey,
    pub recipient: BodyKey,
    pub amount: Pence,
    pub period: Period,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Text>,
}

/// A change to an allocation: a new amount, a percentage change, and/or a new period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingAdjusted {
    pub allocation: AllocationKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Pence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Percent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    pub reason: Text,
}

/// From the effective date the fund is given out by a new funder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundTransferred {
    pub fund: FundKey,
    pub from_funder: BodyKey,
    pub to_funder: BodyKey,
}

/// A total as a document states it, kept to reconcile against the allocations it covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TotalStated {
    pub total: TotalKey,
    /// The document's label: "Total CSP allocation".
    pub label: Name,
    pub amount: Pence,
    pub covers: Vec<AllocationKey>,
    /// What the document says of its own arithmetic: "rounded to nearest £".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// An event whose only purpose is to supersede (retract) the events it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retraction {
    pub reason: Text,
}

macro_rules! payloads {
    ($($(#[$doc:meta])* $variant:ident($ty:ident) = $tag:literal,)*) => {
        /// Every governance fact minutebook records. Serialized as `"type": tag, "data": {...}`.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type", content = "data", rename_all = "snake_case")]
        pub enum Payload {
            $($(#[$doc])* $variant($ty),)*
        }

        /// A payload's `data` alone, serialized without its tag.
        pub(crate) struct DataOf<'a>(pub &'a Payload);

        impl Serialize for DataOf<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    $(Payload::$variant(data) => data.serialize(s),)*
                }
            }
        }

        /// Deserializes `data` straight into the payload of a known type tag (the fast path for
        /// stored events, whose `type` precedes `data`).
        pub(crate) struct DataSeed<'a>(pub &'a str);

        impl<'de> serde::de::DeserializeSeed<'de> for DataSeed<'_> {
            type Value = Payload;
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Payload, D::Error> {
                match self.0 {
                    $($tag => $ty::deserialize(d).map(Payload::$variant),)*
                    other => Err(serde::de::Error::custom(format!("unknown event type {other:?}"))),
                }
            }
        }

        impl Payload {
            /// Deserialize `data` as the payload of type `tag`; errors carry their path within `data`.
            pub(crate) fn from_tag_and_data(
                tag: &str,
                data: serde_json::Value,
            ) -> Option<Result<Payload, serde_path_to_error::Error<serde_json::Error>>> {
                Some(match tag {
                    $($tag => serde_path_to_error::deserialize(data).map(Payload::$variant),)*
                    _ => return None,
                })
            }

            /// Every event type tag, in the order of the documentation.
            pub const TYPES: &'static [&'static str] = &[$($tag),*];

            /// This payload's type tag.
            pub fn type_tag(&self) -> &'static str {
                match self {
                    $(Payload::$variant(_) => $tag,)*
                }
            }
        }
    };
}

payloads! {
    BodyFounded(BodyFounded) = "body_founded",
    BodyRenamed(BodyRenamed) = "body_renamed",
    BodiesMerged(BodiesMerged) = "bodies_merged",
    BodySucceeded(BodySucceeded) = "body_succeeded",
    BodyDissolved(BodyDissolved) = "body_dissolved",
    PersonRegistered(PersonRegistered) = "person_registered",
    PersonRenamed(PersonRenamed) = "person_renamed",
    SeatDefined(SeatDefined) = "seat_defined",
    SeatAbolished(SeatAbolished) = "seat_abolished",
    MemberAppointed(MemberAppointed) = "member_appointed",
    MemberRoleChanged(MemberRoleChanged) = "member_role_changed",
    MembershipEnded(MembershipEnded) = "membership_ended",
    TorAdopted(TorAdopted) = "tor_adopted",
    TorAmended(TorAmended) = "tor_amended",
    TorReviewed(TorReviewed) = "tor_reviewed",
    MeetingScheduled(MeetingScheduled) = "meeting_scheduled",
    MeetingHeld(MeetingHeld) = "meeting_held",
    MinutesConfirmed(MinutesConfirmed) = "minutes_confirmed",
    InterestDeclared(InterestDeclared) = "interest_declared",
    ResolutionPassed(ResolutionPassed) = "resolution_passed",
    ActionAssigned(ActionAssigned) = "action_assigned",
    ActionDischarged(ActionDischarged) = "action_discharged",
    FundEstablished(FundEstablished) = "fund_established",
    FundingAllocated(FundingAllocated) = "funding_allocated",
    FundingAdjusted(FundingAdjusted) = "funding_adjusted",
    FundTransferred(FundTransferred) = "fund_transferred",
    TotalStated(TotalStated) = "total_stated",
    Retraction(Retraction) = "retraction",
}

impl Payload {
    /// The bodies this fact names directly (for filtering a log by body).
    pub fn bodies(&self) -> Vec<&BodyKey> {
        use Payload::*;
        match self {
            BodyFounded(p) => p.parent.iter().chain([&p.body]).collect(),
            BodyRenamed(p) => vec![&p.body],
            BodiesMerged(p) => p.bodies.iter().chain([&p.into]).collect(),
            BodySucceeded(p) => [&p.body].into_iter().chain(&p.successors).collect(),
            BodyDissolved(p) => vec![&p.body],
            SeatDefined(p) => [&p.body].into_iter().chain(&p.seat.for_body).collect(),
            SeatAbolished(p) => vec![&p.body],
            MemberAppointed(p) => [&p.body].into_iter().chain(&p.on_behalf_of).collect(),
            TorAdopted(p) => vec![&p.body],
            TorAmended(p) => vec![&p.body],
            TorReviewed(p) => vec![&p.body],
            MeetingScheduled(p) => vec![&p.body],
            MeetingHeld(p) => {
                let represented = p.present.iter().chain(&p.apologies).chain(&p.in_attendance);
                [&p.body]
                    .into_iter()
                    .chain(represented.filter_map(|a| a.on_behalf_of.as_ref()))
                    .collect()
            }
            ActionAssigned(p) => match &p.owner {
                Owner::Body(b) => vec![b],
                Owner::Person(_) => vec![],
            },
            FundEstablished(p) => vec![&p.funder],
            FundingAllocated(p) => vec![&p.funder, &p.recipient],
            FundTransferred(p) => vec![&p.from_funder, &p.to_funder],
            PersonRegistered(_) | PersonRenamed(_) | MemberRoleChanged(_) | MembershipEnded(_)
            | MinutesConfirmed(_) | InterestDeclared(_) | ResolutionPassed(_)
            | ActionDischarged(_) | FundingAdjusted(_) | TotalStated(_) | Retraction(_) => vec![],
        }
    }
}
