//! Identifiers: the ledger's own event ids and the keys clerks give to the things events talk about.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

/// The id of one event in the ledger. The ledger generates UUIDv7 ids; a caller may supply any UUID.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct EventId(pub Uuid);

impl EventId {
    /// A fresh, time-ordered id.
    pub fn new_v7() -> Self {
        EventId(Uuid::now_v7())
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for EventId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(EventId)
    }
}

/// Longest key accepted; keys are identifiers, not prose.
pub const MAX_KEY_LEN: usize = 128;

/// Why a string is not a key, in plain words (also used as the serde error message).
pub fn key_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > MAX_KEY_LEN {
        return Some(format!(
            "must be at most {MAX_KEY_LEN} characters (got {})",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':')))
    {
        return Some(format!(
            "must be a key of letters, digits and - _ . / : only (found {c:?} in {s:?})"
        ));
    }
    None
}

macro_rules! key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// A key is chosen by the clerk (e.g. `lrscsb`, `leics-police`): 1-128 ASCII letters, digits
        /// and `- _ . / :`, so it can be typed on a command line and compared exactly.
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(
            #[schemars(length(min = 1, max = 128), regex(pattern = r"^[A-Za-z0-9._/:-]+$"))] String,
        );

        impl $name {
            /// A key, if `s` is one.
            pub fn new(s: impl Into<String>) -> Result<Self, String> {
                let s = s.into();
                match key_problem(&s) {
                    Some(problem) => Err(problem),
                    None => Ok(Self(s)),
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

key!(
    /// A governance body: board, partnership, committee, sub-group, agency or authority, funder.
    BodyKey
);
key!(
    /// A person: member, officer or invitee.
    PersonKey
);
key!(
    /// A seat or post on a body, as its terms of reference define it.
    SeatKey
);
key!(
    /// One person's membership of one body, from appointment to end.
    MembershipKey
);
key!(
    /// A version of a body's terms of reference (e.g. `lrscsb-tor-2014`).
    TorVersion
);
key!(
    /// A dated sitting of a body.
    MeetingKey
);
key!(
    /// A resolution passed at a meeting.
    ResolutionKey
);
key!(
    /// An action a resolution asks someone to take.
    ActionKey
);
key!(
    /// A fund (e.g. the Community Safety Fund).
    FundKey
);
key!(
    /// One allocation of a fund to a recipient for a period.
    AllocationKey
);
key!(
    /// A total a document states, kept to reconcile against.
    TotalKey
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accept_identifiers_and_reject_prose() {
        assert!(BodyKey::new("lrscsb").is_ok());
        assert!(BodyKey::new("csp/blaby-hb:2017").is_ok());
        assert_eq!(BodyKey::new("").unwrap_err(), "must not be empty");
        assert!(BodyKey::new("two words").unwrap_err().contains("' '"));
        assert!(
            BodyKey::new("x".repeat(129))
                .unwrap_err()
                .contains("at most 128")
        );
    }

    #[test]
    fn keys_validate_when_deserialized() {
        let err = serde_json::from_str::<PersonKey>("\"a b\"").unwrap_err();
        assert!(err.to_string().contains("must be a key"), "{err}");
    }
}
