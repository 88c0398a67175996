//! Rule packs: which checks to run, how severe their findings are, and where each rule comes from.
//! A pack is data, so a different kind of body can have its own without code changes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

/// A kind of organisation a statute requires to be represented, recognised by the name of the body
/// a member sits for. Applies only between `from` and `to` when given (the health body changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
    /// Case-insensitive words, any of which in the represented body's name places it in the category.
    pub names_containing: Vec<String>,
    /// Words that take a body out of the category even if it matched ("Commissioner" for police).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names_not_containing: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
}

impl Category {
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.to.is_none_or(|t| date <= t)
    }

    pub fn matches(&self, body_name: &str) -> bool {
        let name = body_name.to_lowercase();
        self.names_containing
            .iter()
            .any(|w| name.contains(&w.to_lowercase()))
            && !self
                .names_not_containing
                .iter()
                .any(|w| name.contains(&w.to_lowercase()))
    }
}

/// What a rule checks. Each kind is implemented once in code; packs choose and parameterise them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// Members present at each meeting against the quorum of the terms of reference then in force.
    Quorum,
    /// Required seats of the terms of reference in force filled, allowing vacancies of `grace_days`.
    SeatsFilled { grace_days: u32 },
    /// At least as many meetings in each 12 months as the terms of reference in force say.
    MeetingsPerYear,
    /// Terms of reference reviewed within their review interval (or `default_interval_months` when
    /// they state none; without a default such versions cannot be checked).
    TorReviewed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default_interval_months: Option<u32>,
    },
    /// A chair (and vice-chair where the clause mentions one) in office at each meeting, re-appointed
    /// within 12 months where the clause says "annual", when the terms of reference say how.
    ChairAppointed,
    /// Each meeting's minutes confirmed at the next meeting; amendments noted.
    MinutesConfirmed,
    /// The names of those present recorded for each meeting.
    AttendanceRecorded,
    /// Declarations of interest recorded for each meeting.
    InterestsRecorded,
    /// Actions discharged by their due date or meeting; open ones reported with their age.
    ActionsDischarged,
    /// No live statements that contradict each other (two times for the same meeting).
    NoContradictions,
    /// Memberships on behalf of a body end when that body is dissolved, merged or succeeded.
    RepresentedBodiesExist,
    /// Stated totals equal the allocations they cover.
    TotalsReconcile,
    /// Allocations go to recipients that exist throughout the period, from the fund's funder of the time.
    AllocationsValid,
    /// Each category of organisation represented by a member on every day.
    CategoriesRepresented { categories: Vec<Category> },
    /// A committee has scrutinised the body at least once in every `months` months.
    ScrutinisedWithin { months: u32 },
}

/// Where a rule comes from, when not from the body's own terms of reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// "Crime and Disorder Act 1998", or a practice such as "Good governance practice".
    pub source: String,
    /// "s.5"
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// One rule of a pack. (Unknown fields are refused by `Check`, which receives whatever is not
/// one of these.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// Unique within the review: "tor-quorum".
    pub id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(flatten)]
    pub check: Check,
    /// For rules not taken from the terms of reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
}

/// A named set of rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("rule pack {origin}: {source}")]
    Json {
        origin: String,
        source: serde_json::Error,
    },
    #[error("rule pack {origin}: rule id {id:?} is used twice")]
    DuplicateId { origin: String, id: String },
}

impl Pack {
    /// Parse a pack; `origin` names it in errors (a file path).
    pub fn parse(text: &str, origin: &str) -> Result<Pack, PackError> {
        let pack: Pack = serde_json::from_str(text).map_err(|source| PackError::Json {
            origin: origin.into(),
            source,
        })?;
        let mut seen = std::collections::HashSet::new();
        for r in &pack.rules {
            if !seen.insert(&r.id) {
                return Err(PackError::DuplicateId {
                    origin: origin.into(),
                    id: r.id.clone(),
                });
            }
        }
        Ok(pack)
    }
}
