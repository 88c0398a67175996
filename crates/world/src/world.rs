//! The world: every live fact, indexed by what it is about, in valid-time order.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use minutebook_model::*;
use serde::Serialize;

/// Where a row of an answer comes from: the event and its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub seq: u64,
    pub id: EventId,
    #[serde(rename = "type")]
    pub type_tag: &'static str,
    pub effective: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub source: Source,
}

pub(crate) struct Fact {
    pub evidence: Evidence,
    pub payload: Payload,
}

/// What a fact is about; each entity keeps its facts in valid-time order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Body(BodyKey),
    Seats(BodyKey),
    Tor(BodyKey),
    Person(PersonKey),
    Membership(MembershipKey),
    Meeting(MeetingKey),
    Resolution(ResolutionKey),
    Action(ActionKey),
    Fund(FundKey),
    Allocation(AllocationKey),
    Total(TotalKey),
}

/// Facts of one effective date apply in this order of kinds, so the result never depends on the
/// order of appending: things exist before they are used, and end after.
fn rank(p: &Payload) -> u8 {
    use Payload::*;
    match p {
        BodyFounded(_) | PersonRegistered(_) | FundEstablished(_) => 0,
        BodyRenamed(_) | PersonRenamed(_) | TorAdopted(_) | SeatDefined(_) => 1,
        TorAmended(_) => 2,
        TorReviewed(_) => 3,
        MemberAppointed(_) | MeetingScheduled(_) | MeetingHeld(_) | FundingAllocated(_)
        | FundTransferred(_) => 4,
        MemberRoleChanged(_) | MinutesConfirmed(_) | InterestDeclared(_) | ResolutionPassed(_)
        | FundingAdjusted(_) | TotalStated(_) => 5,
        ActionAssigned(_) => 6,
        ActionDischarged(_) => 7,
        MembershipEnded(_) | SeatAbolished(_) => 8,
        BodiesMerged(_) | BodySucceeded(_) | BodyDissolved(_) => 9,
        Retraction(_) => 10,
    }
}

/// The entities a payload is about.
pub(crate) fn entities(p: &Payload) -> Vec<Entity> {
    use Entity as E;
    use Payload::*;
    match p {
        BodyFounded(x) => vec![E::Body(x.body.clone())],
        BodyRenamed(x) => vec![E::Body(x.body.clone())],
        BodiesMerged(x) => x
            .bodies
            .iter()
            .chain([&x.into])
            .map(|b| E::Body(b.clone()))
            .collect(),
        BodySucceeded(x) => [&x.body]
            .into_iter()
            .chain(&x.successors)
            .map(|b| E::Body(b.clone()))
            .collect(),
        BodyDissolved(x) => vec![E::Body(x.body.clone())],
        PersonRegistered(x) => vec![E::Person(x.person.clone())],
        PersonRenamed(x) => vec![E::Person(x.person.clone())],
        SeatDefined(x) => vec![E::Seats(x.body.clone())],
        SeatAbolished(x) => vec![E::Seats(x.body.clone())],
        MemberAppointed(x) => vec![E::Membership(x.membership.clone())],
        MemberRoleChanged(x) => vec![E::Membership(x.membership.clone())],
        MembershipEnded(x) => vec![E::Membership(x.membership.clone())],
        TorAdopted(x) => vec![E::Tor(x.body.clone())],
        TorAmended(x) => vec![E::Tor(x.body.clone())],
        TorReviewed(x) => vec![E::Tor(x.body.clone())],
        MeetingScheduled(x) => vec![E::Meeting(x.meeting.clone())],
        MeetingHeld(x) => vec![E::Meeting(x.meeting.clone())],
        MinutesConfirmed(x) => vec![E::Meeting(x.meeting.clone())],
        InterestDeclared(x) => vec![E::Meeting(x.meeting.clone())],
        ResolutionPassed(x) => vec![E::Resolution(x.resolution.clone())],
        ActionAssigned(x) => vec![E::Action(x.action.clone())],
        ActionDischarged(x) => vec![E::Action(x.action.clone())],
        FundEstablished(x) => vec![E::Fund(x.fund.clone())],
        FundTransferred(x) => vec![E::Fund(x.fund.clone())],
        FundingAllocated(x) => vec![E::Allocation(x.allocation.clone())],
        FundingAdjusted(x) => vec![E::Allocation(x.allocation.clone())],
        TotalStated(x) => vec![E::Total(x.total.clone())],
        Retraction(_) => vec![],
    }
}

/// The kinds of entity a question can list every key of (`bodies`, `persons`, every allocation or
/// stated total).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Listed {
    Body,
    Person,
    Allocation,
    Total,
}

impl Listed {
    /// The tag byte that begins the index keys of this kind's entity topics, and so the key of
    /// its listing.
    fn tag(self) -> u8 {
        match self {
            Listed::Body => b'b',
            Listed::Person => b'p',
            Listed::Allocation => b'l',
            Listed::Total => b'o',
        }
    }
}

impl Entity {
    /// The listing this entity appears in, if its kind has one.
    fn listed(&self) -> Option<Listed> {
        match self {
            Entity::Body(_) => Some(Listed::Body),
            Entity::Person(_) => Some(Listed::Person),
            Entity::Allocation(_) => Some(Listed::Allocation),
            Entity::Total(_) => Some(Listed::Total),
            _ => None,
        }
    }
}

/// One part of the world a question can read, and so the unit a persistent index keeps: the facts of
/// one entity, one of the relations the world indexes (a body's memberships, ...), or the facts of
/// every entity of a kind.
///
/// A world folded from every event a topic's index lists (see [`topics_of`]) answers exactly as the
/// whole world does for that topic; [`World::partial`] builds such worlds and records which topics a
/// question reached for that it did not hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    Entity(Entity),
    BodyMemberships(BodyKey),
    PersonMemberships(PersonKey),
    BodyMeetings(BodyKey),
    MeetingResolutions(MeetingKey),
    /// Actions assigned from a resolution.
    ResolutionActions(ResolutionKey),
    /// Actions a body owns.
    BodyActions(BodyKey),
    /// Bodies founded under a body (their parent).
    BodyChildren(BodyKey),
    /// Allocations a body makes or receives.
    BodyAllocations(BodyKey),
    /// Stated totals covering an allocation.
    AllocationTotals(AllocationKey),
    /// The facts of every entity of a kind, for a listing over every key (`bodies`, `persons`, every
    /// allocation): the union of their [`Topic::Entity`] topics. A world holding it holds each of
    /// those.
    Every(Listed),
}

impl Topic {
    /// A byte string naming the topic, for use as the prefix of index keys: unique and prefix-free
    /// (keys never contain NUL), except that [`Topic::Every`]'s is the prefix the keys of its kind's
    /// entity topics share (their tag byte), so that one prefix scan reads them all.
    pub fn index_key(&self) -> Vec<u8> {
        let (tag, key): (u8, &str) = match self {
            Topic::Entity(e) => match e {
                Entity::Body(k) => (Listed::Body.tag(), k.as_str()),
                Entity::Seats(k) => (b's', k.as_str()),
                Entity::Tor(k) => (b't', k.as_str()),
                Entity::Person(k) => (Listed::Person.tag(), k.as_str()),
                Entity::Membership(k) => (b'm', k.as_str()),
                Entity::Meeting(k) => (b'g', k.as_str()),
                Entity::Resolution(k) => (b'r', k.as_str()),
                Entity::Action(k) => (b'a', k.as_str()),
                Entity::Fund(k) => (b'f', k.as_str()),
                Entity::Allocation(k) => (Listed::Allocation.tag(), k.as_str()),
                Entity::Total(k) => (Listed::Total.tag(), k.as_str()),
            },
            Topic::BodyMemberships(k) => (b'B', k.as_str()),
            Topic::PersonMemberships(k) => (b'P', k.as_str()),
            Topic::BodyMeetings(k) => (b'G', k.as_str()),
            Topic::MeetingResolutions(k) => (b'R', k.as_str()),
            Topic::ResolutionActions(k) => (b'A', k.as_str()),
            Topic::BodyActions(k) => (b'O', k.as_str()),
            Topic::BodyChildren(k) => (b'C', k.as_str()),
            Topic::BodyAllocations(k) => (b'L', k.as_str()),
            Topic::AllocationTotals(k) => (b'T', k.as_str()),
            Topic::Every(kind) => return vec![kind.tag()],
        };
        let mut v = Vec::with_capacity(key.len() + 2);
        v.push(tag);
        v.extend_from_slice(key.as_bytes());
        v.push(0);
        v
    }
}

/// The topics a payload's own fact belongs to: its entities and the relations it adds to. (An event
/// that supersedes others also belongs to theirs: that is the index's business, as it needs the
/// superseded events.)
pub fn topics_of(p: &Payload) -> Vec<Topic> {
    let mut topics: Vec<Topic> = entities(p).into_iter().map(Topic::Entity).collect();
    match p {
        Payload::MemberAppointed(x) => {
            topics.push(Topic::BodyMemberships(x.body.clone()));
            topics.push(Topic::PersonMemberships(x.person.clone()));
        }
        Payload::MeetingScheduled(x) => topics.push(Topic::BodyMeetings(x.body.clone())),
        Payload::MeetingHeld(x) => topics.push(Topic::BodyMeetings(x.body.clone())),
        Payload::ResolutionPassed(x) => topics.push(Topic::MeetingResolutions(x.meeting.clone())),
        Payload::ActionAssigned(x) => {
            if let Some(r) = &x.resolution {
                topics.push(Topic::ResolutionActions(r.clone()));
            }
            if let Owner::Body(b) = &x.owner {
                topics.push(Topic::BodyActions(b.clone()));
            }
        }
        Payload::BodyFounded(x) => {
            if let Some(parent) = &x.parent {
                topics.push(Topic::BodyChildren(parent.clone()));
            }
        }
        Payload::FundingAllocated(x) => {
            topics.push(Topic::BodyAllocations(x.funder.clone()));
            topics.push(Topic::BodyAllocations(x.recipient.clone()));
        }
        Payload::TotalStated(x) => {
            topics.extend(x.covers.iter().map(|a| Topic::AllocationTotals(a.clone())));
        }
        _ => {}
    }
    topics
}

impl Topic {
    /// Whether the index gained this kind of topic after ledgers were written (a body's actions,
    /// children and allocations, a resolution's actions, an allocation's totals): an index written
    /// before then has no entries for them until it catches up.
    pub fn added_later(&self) -> bool {
        matches!(
            self,
            Topic::ResolutionActions(_)
                | Topic::BodyActions(_)
                | Topic::BodyChildren(_)
                | Topic::BodyAllocations(_)
                | Topic::AllocationTotals(_)
        )
    }
}

/// "As known at": the events recorded by a moment, or the first N events of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KnownAt {
    Time(DateTime<Utc>),
    Seq(u64),
}

/// The governance world as known after some prefix of the log: every fact not superseded, indexed.
///
/// Memory follows the size of the world, not the length of the log: a superseded fact is freed and
/// its slot reused, so a log of a million corrections to one fact folds into a world of one fact.
#[derive(Default)]
pub struct World {
    /// Live facts; `None` slots are free (listed in `free`).
    facts: Vec<Option<Fact>>,
    free: Vec<usize>,
    /// Slots of live facts by event id.
    by_id: HashMap<EventId, usize>,
    by_entity: HashMap<Entity, Vec<usize>>,
    // Secondary indexes: they only grow; an entry whose facts were all superseded reads as absent.
    // Read through the methods of the same names, which note the read in a partial world.
    body_memberships: HashMap<BodyKey, BTreeSet<MembershipKey>>,
    person_memberships: HashMap<PersonKey, BTreeSet<MembershipKey>>,
    body_meetings: HashMap<BodyKey, BTreeSet<MeetingKey>>,
    meeting_resolutions: HashMap<MeetingKey, BTreeSet<ResolutionKey>>,
    resolution_actions: HashMap<ResolutionKey, BTreeSet<ActionKey>>,
    body_actions: HashMap<BodyKey, BTreeSet<ActionKey>>,
    body_children: HashMap<BodyKey, BTreeSet<BodyKey>>,
    body_allocations: HashMap<BodyKey, BTreeSet<AllocationKey>>,
    allocation_totals: HashMap<AllocationKey, BTreeSet<TotalKey>>,
    events_read: u64,
    last_recorded_at: Option<DateTime<Utc>>,
    /// `Some` for a world folded from the events of some topics only.
    partial: Option<Partial>,
}

#[derive(Default)]
struct Partial {
    held: HashSet<Topic>,
    /// Topics a question reached for that this world does not hold.
    missed: RefCell<BTreeSet<Topic>>,
    /// Ids superseded so far. Events of a partial world arrive topic by topic, so a superseded
    /// event can arrive after the event superseding it; it is then left out on arrival.
    superseded: HashSet<EventId>,
}

impl World {
    pub fn new() -> World {
        World::default()
    }

    /// A world that holds only `topics`: the caller folds in (in any order) every event the index
    /// lists for them. Questions about anything else are answered from what is there, and recorded
    /// for [`World::take_missed`], so the caller can load those topics too and ask again: an answer
    /// given with nothing missed is the whole world's answer.
    pub fn partial(topics: impl IntoIterator<Item = Topic>) -> World {
        World {
            partial: Some(Partial {
                held: topics.into_iter().collect(),
                ..Partial::default()
            }),
            ..World::default()
        }
    }

    /// Take the topics questions reached for that this partial world does not hold (none for a whole
    /// world), clearing the record.
    pub fn take_missed(&mut self) -> BTreeSet<Topic> {
        self.partial
            .as_mut()
            .map(|p| std::mem::take(p.missed.get_mut()))
            .unwrap_or_default()
    }

    /// Declare `topics` held: the caller has folded in (or is about to) every event listed for them.
    /// Events may come in any order in a partial world: supersession is remembered by id.
    pub fn hold(&mut self, topics: impl IntoIterator<Item = Topic>) {
        if let Some(p) = &mut self.partial {
            p.held.extend(topics);
        }
    }

    /// Whether questions about `topic` get the whole world's answer here: a whole world holds every
    /// topic, a partial one those declared held and the entities of a listing it holds.
    pub fn holds(&self, topic: &Topic) -> bool {
        let Some(p) = &self.partial else {
            return true;
        };
        let listed = match topic {
            Topic::Entity(e) => e.listed().map(Topic::Every),
            _ => None,
        };
        p.held.contains(topic) || listed.is_some_and(|l| p.held.contains(&l))
    }

    /// Note that a question reads `topic`: a partial world without it records the miss.
    fn reads(&self, topic: impl FnOnce() -> Topic) {
        if let Some(p) = &self.partial {
            let topic = topic();
            if !self.holds(&topic) {
                p.missed.borrow_mut().insert(topic);
            }
        }
    }

    /// Build the world from events in log order (sequence number, event).
    pub fn from_events(events: impl IntoIterator<Item = (u64, Event)>) -> World {
        let mut w = World::new();
        for (seq, e) in events {
            w.apply(seq, e);
        }
        w
    }

    /// Fold a log (in order, streamed) as it was known at `known_at`: stop at the first event recorded
    /// after it. Record time never decreases along the log, so nothing after that event counts either.
    pub fn fold_known_at<E>(
        events: impl IntoIterator<Item = Result<(u64, Event), E>>,
        known_at: Option<KnownAt>,
    ) -> Result<World, E> {
        let mut w = World::new();
        for item in events {
            let (seq, event) = item?;
            let known = match known_at {
                None => true,
                Some(KnownAt::Seq(n)) => seq <= n,
                Some(KnownAt::Time(t)) => event.recorded_at <= t,
            };
            if !known {
                break;
            }
            w.apply(seq, event);
        }
        Ok(w)
    }

    /// Every date on which a live fact takes effect. A view at a date reads only the facts
    /// effective by then, so between two of these dates every view gives the same answer: a
    /// question asked of each day of a period need only be asked on its first day and on these.
    /// A partial world holds the facts of every topic read so far, which is every fact its views
    /// have used (a topic not yet loaded is a miss, and the question is asked again).
    pub fn effective_dates(&self) -> BTreeSet<NaiveDate> {
        self.facts
            .iter()
            .flatten()
            .map(|f| f.evidence.effective)
            .collect()
    }

    /// How many events have been folded in (superseded ones included).
    pub fn events_read(&self) -> u64 {
        self.events_read
    }

    /// The latest record time of the events folded in.
    pub fn last_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.last_recorded_at
    }

    /// Whether an event is in this world and not superseded.
    pub fn is_live(&self, id: EventId) -> bool {
        self.by_id.contains_key(&id)
    }

    /// How many facts the world holds (events not superseded, retractions aside).
    pub fn live_facts(&self) -> usize {
        self.by_id.len()
    }

    fn fact(&self, slot: usize) -> &Fact {
        self.facts[slot]
            .as_ref()
            .expect("indexes point at live slots")
    }

    /// Fold one event in. Events must come in log order (supersession only points backwards), except
    /// in a partial world, which takes them in any order.
    pub fn apply(&mut self, seq: u64, event: Event) {
        self.events_read += 1;
        self.last_recorded_at = self.last_recorded_at.max(Some(event.recorded_at));
        for target in &event.supersedes {
            self.retract(*target);
        }
        if self
            .partial
            .as_ref()
            .is_some_and(|p| p.superseded.contains(&event.id))
        {
            self.index_secondary(&event.payload);
            return;
        }
        let ents = entities(&event.payload);
        self.index_secondary(&event.payload);
        if ents.is_empty() {
            return; // a retraction states nothing of its own
        }
        let fact = Fact {
            evidence: Evidence {
                seq,
                id: event.id,
                type_tag: event.payload.type_tag(),
                effective: event.effective,
                recorded_at: event.recorded_at,
                source: event.source,
            },
            payload: event.payload,
        };
        let order = order_key(&fact);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.facts[slot] = Some(fact);
                slot
            }
            None => {
                self.facts.push(Some(fact));
                self.facts.len() - 1
            }
        };
        self.by_id.insert(event.id, slot);
        for entity in ents {
            let list = self.by_entity.entry(entity).or_default();
            let at = list
                .partition_point(|&i| order_key(self.facts[i].as_ref().expect("live")) <= order);
            list.insert(at, slot);
        }
    }

    /// Take a superseded event's fact out of every answer and free it (it stays in the log).
    pub(crate) fn retract(&mut self, id: EventId) {
        if let Some(p) = &mut self.partial {
            p.superseded.insert(id);
        }
        let Some(slot) = self.by_id.remove(&id) else {
            return;
        };
        let fact = self.facts[slot].take().expect("by_id points at live slots");
        for entity in entities(&fact.payload) {
            if let Some(list) = self.by_entity.get_mut(&entity) {
                list.retain(|&i| i != slot);
            }
        }
        self.free.push(slot);
    }

    fn index_secondary(&mut self, p: &Payload) {
        match p {
            Payload::MemberAppointed(x) => {
                self.body_memberships
                    .entry(x.body.clone())
                    .or_default()
                    .insert(x.membership.clone());
                self.person_memberships
                    .entry(x.person.clone())
                    .or_default()
                    .insert(x.membership.clone());
            }
            Payload::MeetingScheduled(x) => {
                self.body_meetings
                    .entry(x.body.clone())
                    .or_default()
                    .insert(x.meeting.clone());
            }
            Payload::MeetingHeld(x) => {
                self.body_meetings
                    .entry(x.body.clone())
                    .or_default()
                    .insert(x.meeting.clone());
            }
            Payload::ResolutionPassed(x) => {
                self.meeting_resolutions
                    .entry(x.meeting.clone())
                    .or_default()
                    .insert(x.resolution.clone());
            }
            Payload::ActionAssigned(x) => {
                if let Some(r) = &x.resolution {
                    self.resolution_actions
                        .entry(r.clone())
                        .or_default()
                        .insert(x.action.clone());
                }
                if let Owner::Body(b) = &x.owner {
                    self.body_actions
                        .entry(b.clone())
                        .or_default()
                        .insert(x.action.clone());
                }
            }
            Payload::BodyFounded(x) => {
                if let Some(parent) = &x.parent {
                    self.body_children
                        .entry(parent.clone())
                        .or_default()
                        .insert(x.body.clone());
                }
            }
            Payload::FundingAllocated(x) => {
                for b in [&x.funder, &x.recipient] {
                    self.body_allocations
                        .entry(b.clone())
                        .or_default()
                        .insert(x.allocation.clone());
                }
            }
            Payload::TotalStated(x) => {
                for a in &x.covers {
                    self.allocation_totals
                        .entry(a.clone())
                        .or_default()
                        .insert(x.total.clone());
                }
            }
            _ => {}
        }
    }

    /// Memberships ever appointed to the body (some may since have been superseded or moved).
    pub(crate) fn body_memberships(&self, body: &BodyKey) -> impl Iterator<Item = &MembershipKey> {
        self.reads(|| Topic::BodyMemberships(body.clone()));
        self.body_memberships.get(body).into_iter().flatten()
    }

    pub(crate) fn person_memberships(
        &self,
        person: &PersonKey,
    ) -> impl Iterator<Item = &MembershipKey> {
        self.reads(|| Topic::PersonMemberships(person.clone()));
        self.person_memberships.get(person).into_iter().flatten()
    }

    pub(crate) fn body_meetings(&self, body: &BodyKey) -> impl Iterator<Item = &MeetingKey> {
        self.reads(|| Topic::BodyMeetings(body.clone()));
        self.body_meetings.get(body).into_iter().flatten()
    }

    pub(crate) fn meeting_resolutions(
        &self,
        meeting: &MeetingKey,
    ) -> impl Iterator<Item = &ResolutionKey> {
        self.reads(|| Topic::MeetingResolutions(meeting.clone()));
        self.meeting_resolutions.get(meeting).into_iter().flatten()
    }

    pub(crate) fn resolution_actions(
        &self,
        resolution: &ResolutionKey,
    ) -> impl Iterator<Item = &ActionKey> {
        self.reads(|| Topic::ResolutionActions(resolution.clone()));
        self.resolution_actions
            .get(resolution)
            .into_iter()
            .flatten()
    }

    pub(crate) fn body_actions(&self, body: &BodyKey) -> impl Iterator<Item = &ActionKey> {
        self.reads(|| Topic::BodyActions(body.clone()));
        self.body_actions.get(body).into_iter().flatten()
    }

    pub(crate) fn body_children(&self, body: &BodyKey) -> impl Iterator<Item = &BodyKey> {
        self.reads(|| Topic::BodyChildren(body.clone()));
        self.body_children.get(body).into_iter().flatten()
    }

    pub(crate) fn body_allocations(&self, body: &BodyKey) -> impl Iterator<Item = &AllocationKey> {
        self.reads(|| Topic::BodyAllocations(body.clone()));
        self.body_allocations.get(body).into_iter().flatten()
    }

    pub(crate) fn allocation_totals(
        &self,
        allocation: &AllocationKey,
    ) -> impl Iterator<Item = &TotalKey> {
        self.reads(|| Topic::AllocationTotals(allocation.clone()));
        self.allocation_totals.get(allocation).into_iter().flatten()
    }

    /// The live facts about an entity effective on or before `at` (all of them with `None`), in
    /// valid-time order.
    pub(crate) fn facts_of(
        &self,
        entity: &Entity,
        at: Option<NaiveDate>,
    ) -> impl Iterator<Item = &Fact> {
        self.reads(|| Topic::Entity(entity.clone()));
        self.by_entity
            .get(entity)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&i| self.fact(i))
            .filter(move |f| at.is_none_or(|d| f.evidence.effective <= d))
    }

    /// Keys of one kind of entity with at least one live fact, in key order. Derived from the
    /// entity index on demand rather than kept beside it, so folding an event stays one index write.
    pub(crate) fn live_keys<'a, K: Ord + 'a>(
        &'a self,
        kind: Listed,
        pick: impl Fn(&'a Entity) -> Option<&'a K> + 'a,
    ) -> impl Iterator<Item = &'a K> + 'a {
        self.reads(|| Topic::Every(kind));
        let mut keys: Vec<&K> = self
            .by_entity
            .iter()
            .filter(|(_, facts)| !facts.is_empty())
            .filter_map(|(e, _)| pick(e))
            .collect();
        keys.sort();
        keys.into_iter()
    }
}

fn order_key(f: &Fact) -> (NaiveDate, u8, EventId) {
    (f.evidence.effective, rank(&f.payload), f.evidence.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_entity(key: &str) -> Vec<Entity> {
        vec![
            Entity::Body(BodyKey::new(key).unwrap()),
            Entity::Seats(BodyKey::new(key).unwrap()),
            Entity::Tor(BodyKey::new(key).unwrap()),
            Entity::Person(PersonKey::new(key).unwrap()),
            Entity::Membership(MembershipKey::new(key).unwrap()),
            Entity::Meeting(MeetingKey::new(key).unwrap()),
            Entity::Resolution(ResolutionKey::new(key).unwrap()),
            Entity::Action(ActionKey::new(key).unwrap()),
            Entity::Fund(FundKey::new(key).unwrap()),
            Entity::Allocation(AllocationKey::new(key).unwrap()),
            Entity::Total(TotalKey::new(key).unwrap()),
        ]
    }

    /// The index loads `Every(kind)` with a prefix scan of its key, so that key must begin the keys
    /// of exactly the entity topics of that kind: another entity given the same tag would make a
    /// listing over-read facts, silently.
    #[test]
    fn a_listing_key_prefixes_exactly_its_kinds_entity_keys() {
        for key in ["b7", "x", "lrscsb-2011"] {
            for entity in every_entity(key) {
                let entity_key = Topic::Entity(entity.clone()).index_key();
                for kind in [
                    Listed::Body,
                    Listed::Person,
                    Listed::Allocation,
                    Listed::Total,
                ] {
                    let prefixes = entity_key.starts_with(&Topic::Every(kind).index_key());
                    assert_eq!(
                        prefixes,
                        entity.listed() == Some(kind),
                        "{entity:?} under {kind:?}"
                    );
                }
            }
        }
    }
}
