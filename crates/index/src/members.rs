//! Membership rows: a copy of every event of each membership's topic, stored under the body the
//! membership was first appointed to, so a body's memberships are read with one scan of adjacent
//! keys instead of one topic and one log read per membership (which at national scale are random
//! reads of a log larger than sled's cache).
//!
//! A membership's **home** is the body named by the first event of its topic, when that event is
//! its appointment; it never changes. Every event of the membership's topic (its own facts and
//! whatever supersedes them) is copied under the home. An appointment naming another body (a
//! correction moving the membership) leaves a **marker** there instead: that body's scan then
//! names the membership, whose events are loaded through the topic index. A membership whose topic
//! does not begin with its appointment (which the domain rules forbid, but an unchecked append or
//! an import can store) has no home: each of its appointments leaves a marker.
//!
//! So a scan of body Y's rows yields every membership an appointment ever named Y (which is what
//! the world's `body_memberships` holds), and for each one homed at Y all of its events: a partial
//! world that applies them holds `BodyMemberships(Y)` and those memberships' topics.

use std::collections::HashMap;

use minutebook_model::{BodyKey, Event, EventId, MembershipKey, Payload};
use minutebook_store::{DerivedWrite, Ledger};
use minutebook_world::{Entity, Topic};

use crate::{IndexError, Result};

/// Rows: `body ‖ 0 ‖ membership ‖ 0 ‖ seq` (u64 big-endian) to the event's stored bytes, or to
/// nothing for a marker.
pub(crate) const ROWS: &str = "member-rows";
/// Homes: `membership` to its home body's key, or to nothing for a membership without a home.
pub(crate) const HOMES: &str = "member-home";

/// Each membership's home, as far as a batch needs them: `Some(body)` or `None` (no home), and
/// whether the batch settles it (its first event is in the batch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Homes(HashMap<MembershipKey, (Option<BodyKey>, bool)>);

/// The memberships whose topics an event's topics include.
fn memberships(topics: &[Topic]) -> impl Iterator<Item = &MembershipKey> {
    topics.iter().filter_map(|t| match t {
        Topic::Entity(Entity::Membership(m)) => Some(m),
        _ => None,
    })
}

impl Homes {
    /// The homes of the memberships `events` (in log order, with their topics) touch: `settled`
    /// says what is already known of a membership (`Some(home)`), or `None` if nothing before
    /// these events touched it, in which case its first event here decides.
    pub(crate) fn settle<'e>(
        events: impl IntoIterator<Item = &'e Event>,
        topics: &HashMap<EventId, Vec<Topic>>,
        mut settled: impl FnMut(&MembershipKey) -> Result<Option<Option<BodyKey>>>,
    ) -> Result<Homes> {
        let mut homes = Homes::default();
        for event in events {
            for m in memberships(topics.get(&event.id).map_or(&[][..], Vec::as_slice)) {
                if homes.0.contains_key(m) {
                    continue;
                }
                let home = match settled(m)? {
                    Some(home) => (home, false),
                    None => (appointed_to(event, m), true),
                };
                homes.0.insert(m.clone(), home);
            }
        }
        Ok(homes)
    }

    /// The homes found in the ledger: the `settled` argument of [`Homes::settle`].
    pub(crate) fn stored(ledger: &Ledger, m: &MembershipKey) -> Result<Option<Option<BodyKey>>> {
        let Some(value) = ledger.derived(HOMES, m.as_str().as_bytes())? else {
            return Ok(None);
        };
        if value.is_empty() {
            return Ok(Some(None));
        }
        let body = String::from_utf8(value)
            .ok()
            .and_then(|s| BodyKey::new(s).ok())
            .ok_or_else(|| IndexError::Malformed {
                key: m.as_str().as_bytes().to_vec(),
            })?;
        Ok(Some(Some(body)))
    }

    fn home(&self, m: &MembershipKey) -> Option<&BodyKey> {
        self.0.get(m).and_then(|(home, _)| home.as_ref())
    }

    /// Fold these homes into a running record of them (what [`Index::check`] keeps in memory).
    pub(crate) fn record_into(self, all: &mut HashMap<MembershipKey, Option<BodyKey>>) {
        for (m, (home, _)) in self.0 {
            all.entry(m).or_insert(home);
        }
    }

    /// The rows, markers and new homes for events about to be stored (seq, event), given their
    /// topics.
    pub(crate) fn writes(
        &self,
        events: &[(u64, Event)],
        topics: &HashMap<EventId, Vec<Topic>>,
    ) -> Vec<DerivedWrite> {
        let mut writes = Vec::new();
        for (seq, event) in events {
            let own = topics.get(&event.id).map_or(&[][..], Vec::as_slice);
            let mut bytes = None;
            for m in memberships(own) {
                if let Some(home) = self.home(m) {
                    let bytes = bytes.get_or_insert_with(|| event.canonical_bytes());
                    writes.push(row(home, m, *seq, Some(bytes.clone())));
                }
            }
            if let Payload::MemberAppointed(x) = &event.payload
                && self.home(&x.membership) != Some(&x.body)
            {
                writes.push(row(&x.body, &x.membership, *seq, None));
            }
        }
        for (m, (home, settled_here)) in &self.0 {
            if *settled_here {
                writes.push(DerivedWrite {
                    name: HOMES,
                    key: m.as_str().as_bytes().to_vec(),
                    value: Some(home.as_ref().map_or_else(Vec::new, |b| b.as_str().into())),
                });
            }
        }
        writes
    }
}

/// The body `event` appoints `m` to, if it is `m`'s appointment.
fn appointed_to(event: &Event, m: &MembershipKey) -> Option<BodyKey> {
    match &event.payload {
        Payload::MemberAppointed(x) if &x.membership == m => Some(x.body.clone()),
        _ => None,
    }
}

fn row(body: &BodyKey, m: &MembershipKey, seq: u64, bytes: Option<Vec<u8>>) -> DerivedWrite {
    let mut key = body_prefix(body);
    key.extend_from_slice(m.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(&seq.to_be_bytes());
    DerivedWrite {
        name: ROWS,
        key,
        value: Some(bytes.unwrap_or_default()),
    }
}

fn body_prefix(body: &BodyKey) -> Vec<u8> {
    let mut key = body.as_str().as_bytes().to_vec();
    key.push(0);
    key
}

/// One row of a body's scan.
pub(crate) struct Row {
    pub membership: MembershipKey,
    pub seq: u64,
    /// The event, for a membership homed at the body; `None` for a marker.
    pub event: Option<Event>,
}

/// The rows of `body` up to sequence `limit`, in key order.
pub(crate) fn scan(ledger: &Ledger, body: &BodyKey, limit: u64) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for entry in ledger.derived_entries(ROWS, &body_prefix(body)) {
        let (key, value) = entry?;
        let malformed = || IndexError::Malformed { key: key.clone() };
        let (m, seq) = key
            .len()
            .checked_sub(9)
            .filter(|&n| n > 0 && key[n] == 0)
            .map(|n| (&key[..n], &key[n + 1..]))
            .ok_or_else(malformed)?;
        let seq = u64::from_be_bytes(seq.try_into().expect("8 bytes"));
        if seq > limit {
            continue;
        }
        let membership = std::str::from_utf8(m)
            .ok()
            .and_then(|m| MembershipKey::new(m).ok())
            .ok_or_else(malformed)?;
        let event = match value.is_empty() {
            true => None,
            false => Some(Event::from_slice(&value).map_err(|_| malformed())?),
        };
        rows.push(Row {
            membership,
            seq,
            event,
        });
    }
    Ok(rows)
}
