//! minutebook's persistent topic index: for every [`Topic`] (one body's facts, one person's, a body's
//! memberships, ...) the sequence numbers of the events a world needs to answer about it, kept in the
//! store's `derived` tree and written in the same atomic batch as the events they cover.
//!
//! With it, a question or the domain check of an append folds only the events of the topics it
//! reads ([`Index::answer`], [`Index::check_batch`]) instead of replaying the log, so their cost
//! follows the size of a body's history, not of the ledger. The answer is the whole world's answer:
//! a partial world records every topic a question reached for and did not hold, those are loaded,
//! and the question is asked again until nothing is missed. A listing over every key (all bodies,
//! every allocation) reaches for [`Topic::Every`] of its kind, whose events are those of every
//! entity topic of that kind, read with one prefix scan.
//!
//! A writer appending a stream of batches carries its partial world from one batch to the next
//! ([`Index::check_batch_carried`]), so each topic is loaded once rather than once a batch.
//!
//! A body's memberships, the largest relation a question reads, are also kept as rows holding
//! copies of their events (`members`), so they are read with one scan of adjacent keys rather than
//! a random read per membership.
//!
//! Depends on the model, the store (for its `derived` tree) and the world (for topics). Must not
//! depend on the terminal or the clock, and holds no governance rule of its own.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;

use minutebook_model::{Draft, Event, EventId, EventRef};
use minutebook_store::{AppendReport, DerivedWrite, Ledger, StoreError};
use minutebook_world::{DomainRejection, Entity, KnownAt, Topic, World, topics_of};

mod members;
use members::{HOMES, Homes, ROWS};

/// Index entries, one per topic per batch written: `topic key ‖ first seq` (u64 big-endian) to the
/// sequence numbers of that batch's events of the topic (u64 big-endian each). One sled key per
/// topic and batch rather than per event: sled's cost is per key.
const ENTRIES: &str = "topic";
/// Entries of the topics added later ([`Topic::added_later`]), as [`ENTRIES`] but under a name of
/// their own: a binary from before them never reads, counts or drops these (its `index rebuild`
/// clears `topic` alone), so they and their mark stay true to the log whatever it does.
const RELATIONS: &str = "relation";
/// The last sequence number the entries cover, written with them.
const COVERS: &str = "topic-covers";
/// The last sequence number the membership rows cover, written with the coverage mark. An index
/// written by an older binary moves the mark alone (it has no rows), so the rows' falls behind and
/// the next open writes the missing rows.
const ROWS_COVER: &str = "member-rows-covers";
/// The last sequence number the entries of the topics added later ([`RELATIONS`]: a body's actions,
/// children and allocations, ...) cover. A binary from before them moves the other marks alone, so
/// this one falls behind and the next open writes the missing entries.
const RELATIONS_COVER: &str = "relations-covers";
/// Events indexed per atomic batch when the index catches up with the log.
const CATCH_UP_CHUNK: u64 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "index entry {key:?} is malformed: the index is damaged (`minutebook index rebuild` rewrites it)"
    )]
    Malformed { key: Vec<u8> },
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;

/// The index of one open ledger.
pub struct Index<'a> {
    ledger: &'a Ledger,
    /// Whether questions read a body's memberships from its rows: once opened (which catches the
    /// rows up), not for an index as it stands.
    rows: bool,
}

/// What indexing a batch needs to know beyond the events: each event's topics, and the homes of
/// the memberships it touches, as of the head they were worked out at. Only good for a batch
/// appended right after that head: [`Index::writes`] refuses any other.
#[derive(Clone, Debug)]
pub struct BatchTopics {
    topics: HashMap<EventId, Vec<Topic>>,
    homes: Homes,
    head: u64,
}

/// How far the index reaches: the last sequence its entries cover, and the head of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub covers: u64,
    pub head: u64,
    /// The last sequence the membership rows cover, and the entries of the topics added later:
    /// behind `covers` for an index an older binary wrote to, or whose catching up was cut short,
    /// until the next open writes the rest (rows read 0 while a rebuild is cut short, which the
    /// next open does again).
    pub rows: u64,
    pub relations: u64,
}

impl Coverage {
    /// The parts of the index that lag its entries, as a person reads them (empty when none do).
    pub fn lagging(&self) -> Vec<String> {
        [
            ("its membership rows", self.rows),
            ("the entries of its relations", self.relations),
        ]
        .into_iter()
        .filter(|(_, mark)| *mark < self.covers)
        .map(|(part, mark)| match mark {
            0 => format!("{part} cover no events"),
            mark => format!("{part} cover events 1..{mark}"),
        })
        .collect()
    }
}

impl<'a> Index<'a> {
    /// The index of `ledger`, brought up to the head first if it lags (a ledger imported, or written
    /// before the index existed); `progress` hears how many events are indexed so far. An index
    /// without membership rows, or whose rows lag its entries (an older binary wrote to it), gets
    /// them here first, even for a question: once, one pass over the log from where they stop. A
    /// rebuild cut short is done again.
    pub fn open(ledger: &'a Ledger, mut progress: impl FnMut(u64, u64)) -> Result<Index<'a>> {
        let index = Index { ledger, rows: true };
        match mark(ledger, ROWS_COVER)? {
            DROPPING => {
                drop_all(ledger)?;
            }
            rows if rows < covers(ledger)? => index.catch_up_rows(rows, &mut progress)?,
            _ => {}
        }
        let relations = mark(ledger, RELATIONS_COVER)?;
        let covered = covers(ledger)?;
        if relations < covered {
            index.catch_up_relations(relations, covered, &mut progress)?;
        }
        index.catch_up(progress)?;
        Ok(index)
    }

    /// The index as it stands, not caught up: for reporting on it (`coverage`, `check`) without
    /// writing. Questions asked through it before it covers the head would miss events.
    pub fn as_it_stands(ledger: &'a Ledger) -> Index<'a> {
        // Without the rows, questions go through the topic entries alone, which are always sound.
        Index {
            ledger,
            rows: false,
        }
    }

    pub fn coverage(&self) -> Result<Coverage> {
        let rows = match mark(self.ledger, ROWS_COVER)? {
            DROPPING => 0,
            rows => rows,
        };
        Ok(Coverage {
            covers: covers(self.ledger)?,
            head: self.ledger.head()?.seq,
            rows,
            relations: mark(self.ledger, RELATIONS_COVER)?,
        })
    }

    /// Index the events between what the index covers and the head, in atomic chunks (each durable,
    /// each moving the coverage mark), so an interrupted catch-up resumes where it stopped.
    fn catch_up(&self, progress: impl FnMut(u64, u64)) -> Result<()> {
        self.write_chunks(covers(self.ledger)? + 1, progress, Index::writes)
    }

    /// Write the membership rows and homes of the events after `rows` (what the rows cover) in
    /// atomic chunks, each moving the rows' mark: for an index an older binary wrote, whose topic
    /// entries are sound but which has no rows (or lacks those of the events it appended). Rows
    /// and homes are a function of the log, so writing one again writes what is there.
    fn catch_up_rows(&self, rows: u64, progress: impl FnMut(u64, u64)) -> Result<()> {
        self.write_chunks(rows + 1, progress, |events, batch| {
            let mut writes = batch.homes.writes(events, &batch.topics);
            let to = events.last().map_or(0, |(seq, _)| *seq);
            writes.push(mark_write(ROWS_COVER, to));
            writes
        })
    }

    /// Write the entries of the topics added later for the events after `relations` (what those
    /// entries cover) up to `covered` (what the other entries cover), in atomic chunks, each moving
    /// their mark: for an index written before those topics existed. The entries beyond `covered`
    /// are the ordinary catch-up's, with every other topic.
    fn catch_up_relations(
        &self,
        relations: u64,
        covered: u64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<()> {
        self.in_chunks(relations + 1, |events, mut topics| {
            // Events come in log order; those past `covered` are the ordinary catch-up's.
            let events = &events[..events.partition_point(|(seq, _)| *seq <= covered)];
            let Some((last, _)) = events.last() else {
                return Ok(());
            };
            for list in topics.values_mut() {
                list.retain(Topic::added_later);
            }
            let mut writes = entry_writes(events, &topics);
            writes.push(mark_write(RELATIONS_COVER, *last));
            self.ledger.write_derived(writes)?;
            progress(*last, covered);
            Ok(())
        })
    }

    /// The events from `from` to the head in chunks, each written with what `writes` derives from
    /// it in one durable batch. Each chunk's homes are written before the next chunk is read, so
    /// the stored homes are what the events before a chunk settled.
    fn write_chunks(
        &self,
        from: u64,
        mut progress: impl FnMut(u64, u64),
        writes: impl Fn(&[(u64, Event)], &BatchTopics) -> Vec<DerivedWrite>,
    ) -> Result<()> {
        let head = self.ledger.head()?.seq;
        self.in_chunks(from, |events, topics| {
            let batch = BatchTopics {
                homes: self.homes(events.iter().map(|(_, e)| e), &topics)?,
                topics,
                head: events.first().map_or(0, |(seq, _)| seq - 1),
            };
            self.ledger.write_derived(writes(events, &batch))?;
            progress(events.last().map_or(0, |(seq, _)| *seq), head);
            Ok(())
        })
    }

    /// The homes of the memberships `events` touch, settled by the stored homes or by the events.
    fn homes<'e>(
        &self,
        events: impl IntoIterator<Item = &'e Event>,
        topics: &HashMap<EventId, Vec<Topic>>,
    ) -> Result<Homes> {
        Homes::settle(events, topics, |m| Homes::stored(self.ledger, m))
    }

    /// The events from `from` to the head, CATCH_UP_CHUNK at a time, each chunk with its topics.
    fn in_chunks(
        &self,
        from: u64,
        mut each: impl FnMut(&[(u64, Event)], HashMap<EventId, Vec<Topic>>) -> Result<()>,
    ) -> Result<()> {
        let mut chunk = Vec::new();
        let mut events = self.ledger.events_from(from)?.peekable();
        while events.peek().is_some() {
            chunk.clear();
            for item in events.by_ref().take(CATCH_UP_CHUNK as usize) {
                chunk.push(item?);
            }
            let topics = self.event_topics(chunk.iter().map(|(_, e)| e))?;
            each(&chunk, topics)?;
        }
        Ok(())
    }

    /// Compare the index with what the log says it must hold: every (topic, event) pair, membership
    /// row and home recomputed from the events alone, against what is stored. The index is derived
    /// data; this is how an auditor confirms it still matches the log it was derived from.
    pub fn check(&self, mut progress: impl FnMut(u64, u64)) -> Result<IndexCheck> {
        let head = self.ledger.head()?.seq;
        let mut expected: BTreeSet<Item> = BTreeSet::new();
        let mut homes = HashMap::new();
        self.in_chunks(1, |events, topics| {
            for (seq, event) in events {
                for topic in topics.get(&event.id).into_iter().flatten() {
                    expected.insert(Item::Pair(topic.index_key(), *seq));
                }
            }
            let chunk = Homes::settle(events.iter().map(|(_, e)| e), &topics, |m| {
                Ok(homes.get(m).cloned())
            })?;
            expected.extend(
                chunk
                    .writes(events, &topics)
                    .into_iter()
                    .map(|w| Item::stored(w.name, w.key, w.value.unwrap_or_default())),
            );
            chunk.record_into(&mut homes);
            progress(events.last().map_or(0, |(seq, _)| *seq), head);
            Ok(())
        })?;
        let mut found: BTreeSet<Item> = BTreeSet::new();
        for entry in [ENTRIES, RELATIONS]
            .into_iter()
            .flat_map(|name| self.ledger.derived_entries(name, b""))
        {
            let (key, value) = entry?;
            let Some(topic) = key.len().checked_sub(8).filter(|&n| n > 0) else {
                return Err(IndexError::Malformed { key });
            };
            let topic = key[..topic].to_vec();
            for seq in entry_seqs(&key, &value)? {
                found.insert(Item::Pair(topic.clone(), seq));
            }
        }
        for name in [ROWS, HOMES] {
            for entry in self.ledger.derived_entries(name, b"") {
                let (key, value) = entry?;
                found.insert(Item::stored(name, key, value));
            }
        }
        let missing: Vec<_> = expected.difference(&found).collect();
        let extra: Vec<_> = found.difference(&expected).collect();
        let pairs = expected
            .iter()
            .filter(|i| matches!(i, Item::Pair(..)))
            .count();
        Ok(IndexCheck {
            coverage: self.coverage()?,
            pairs: pairs as u64,
            rows: (expected.len() - pairs) as u64,
            missing: missing.len() as u64,
            extra: extra.len() as u64,
            examples: missing
                .into_iter()
                .chain(extra)
                .take(20)
                .map(Item::to_string)
                .collect(),
        })
    }

    /// Drop every entry and index the whole log again.
    pub fn rebuild(ledger: &'a Ledger, progress: impl FnMut(u64, u64)) -> Result<Index<'a>> {
        drop_all(ledger)?;
        Index::open(ledger, progress)
    }

    /// The topics of each event of a batch ([`Index::event_topics`]) and the homes of the
    /// memberships they touch: what [`Index::writes`] needs.
    pub fn batch_topics<'e>(
        &self,
        events: impl IntoIterator<Item = &'e Event> + Clone,
    ) -> Result<BatchTopics> {
        let head = self.ledger.head()?.seq;
        let topics = self.event_topics(events.clone())?;
        Ok(BatchTopics {
            homes: self.homes(events, &topics)?,
            topics,
            head,
        })
    }

    /// The topics each event of a batch belongs to: its own, and those of every event it
    /// supersedes (so loading a topic also loads what took its facts out), found in the batch or the
    /// ledger. A target found in neither adds nothing: the store rejects such an event.
    pub fn event_topics<'e>(
        &self,
        events: impl IntoIterator<Item = &'e Event>,
    ) -> Result<HashMap<EventId, Vec<Topic>>> {
        let mut memo: HashMap<EventId, Vec<Topic>> = HashMap::new();
        let mut ids = Vec::new();
        for event in events {
            self.resolve(event, &mut memo)?;
            ids.push(event.id);
        }
        Ok(ids
            .into_iter()
            .filter_map(|id| memo.remove_entry(&id))
            .collect())
    }

    /// Work out `event`'s topics into `memo`, following supersession back through the ledger with
    /// an explicit stack and each event resolved once: chains of corrections can be long, and
    /// versions that each supersede all earlier ones would otherwise be visited exponentially often.
    fn resolve(&self, event: &Event, memo: &mut HashMap<EventId, Vec<Topic>>) -> Result<()> {
        let mut stack = vec![event.clone()];
        while let Some(top) = stack.last() {
            if memo.contains_key(&top.id) {
                stack.pop();
                continue;
            }
            let mut pending = Vec::new();
            for target in &top.supersedes {
                if memo.contains_key(target) || pending.iter().any(|e: &Event| e.id == *target) {
                    continue;
                }
                let stored = match self.ledger.seq_of(*target)? {
                    Some(seq) => self.ledger.event(seq)?,
                    None => None,
                };
                match stored {
                    Some(e) => pending.push(e),
                    // Neither in the batch nor the ledger: the store rejects the event.
                    None => {
                        memo.insert(*target, Vec::new());
                    }
                }
            }
            if pending.is_empty() {
                let top = stack.pop().expect("the stack has a top");
                let mut topics: BTreeSet<Topic> = topics_of(&top.payload).into_iter().collect();
                for target in &top.supersedes {
                    topics.extend(memo.get(target).into_iter().flatten().cloned());
                }
                memo.insert(top.id, topics.into_iter().collect());
            } else {
                // Supersession points backwards, so this terminates.
                stack.extend(pending);
            }
        }
        Ok(())
    }

    /// The index writes for events about to be appended (seq, event), given their topics and
    /// homes: the `derive` argument of `Ledger::append_with`.
    ///
    /// Panics if the events do not follow the head `batch` was worked out at: the homes it settled
    /// would be wrong, and rows written from them would corrupt answers.
    pub fn writes(events: &[(u64, Event)], batch: &BatchTopics) -> Vec<DerivedWrite> {
        if let Some((first, _)) = events.first() {
            assert_eq!(
                *first,
                batch.head + 1,
                "index writes for a batch worked out at another head"
            );
        }
        let mut writes = entry_writes(events, &batch.topics);
        writes.extend(batch.homes.writes(events, &batch.topics));
        if let Some((last, _)) = events.last() {
            writes.extend(covers_writes(*last));
        }
        writes
    }

    /// Sequence numbers of the events listed for `topic`, up to `limit`: in order for one topic;
    /// for [`Topic::Every`], those of each of its topics in turn, in key order.
    pub fn seqs(&self, topic: &Topic, limit: u64) -> Result<Vec<u64>> {
        let mut seqs = Vec::new();
        self.visit_seqs(topic, limit, |seq| {
            seqs.push(seq);
            ControlFlow::Continue(())
        })?;
        Ok(seqs)
    }

    /// Hand `visit` the sequence numbers [`Index::seqs`] lists, in its order, until it breaks.
    fn visit_seqs(
        &self,
        topic: &Topic,
        limit: u64,
        mut visit: impl FnMut(u64) -> ControlFlow<()>,
    ) -> Result<()> {
        // What follows the prefix: the first seq, or for a listing a whole key and the first seq.
        let rest_fits = |n: usize| match topic {
            Topic::Every(_) => n > 8,
            _ => n == 8,
        };
        for entry in self
            .ledger
            .derived_entries(entries_name(topic), &topic.index_key())
        {
            let (key, value) = entry?;
            if !rest_fits(key.len()) {
                return Err(IndexError::Malformed { key });
            }
            for seq in entry_seqs(&key, &value)?.filter(|&seq| seq <= limit) {
                if visit(seq).is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Answer a question as the whole world (as known at `known_at`) would, folding only the events
    /// of the topics it reads. `ask` may run several times, on ever larger partial worlds, so it
    /// must be a pure question (no printing).
    pub fn answer<R>(&self, known_at: Option<KnownAt>, ask: impl Fn(&World) -> R) -> Result<R> {
        let mut loader = Loader::new(self, known_at)?;
        let mut world = World::partial([]);
        loop {
            let answer = ask(&world);
            let missed = world.take_missed();
            if missed.is_empty() {
                return Ok(answer);
            }
            let loaded = loader.load(&missed)?;
            for (seq, event) in loaded.events {
                world.apply(seq, event);
            }
            world.hold(loaded.held);
        }
    }

    /// [`World::check_batch`] against the ledger as it is now, folding only the events of the topics
    /// the checks read: the domain check of an append without a replay of the log.
    pub fn check_batch(
        &self,
        events: Vec<(EventRef, Event)>,
        already_stored: impl Fn(EventId) -> bool,
    ) -> Result<Vec<DomainRejection>> {
        Ok(self.check_fresh(events, already_stored)?.0)
    }

    /// [`Index::check_batch`], which also gives back the world the batch was folded into and the
    /// sequence numbers of the events loaded into it.
    fn check_fresh(
        &self,
        events: Vec<(EventRef, Event)>,
        already_stored: impl Fn(EventId) -> bool,
    ) -> Result<(Vec<DomainRejection>, World, HashSet<u64>)> {
        let mut loader = Loader::new(self, None)?;
        let mut held = BTreeSet::new();
        let mut loaded: Vec<(u64, Event)> = Vec::new();
        // Checking folds the batch into the world, so every round starts from a fresh one.
        loop {
            let mut world = World::partial(held.iter().cloned());
            for (seq, event) in &loaded {
                world.apply(*seq, event.clone());
            }
            let rejections = world.check_batch(events.clone(), &already_stored);
            let missed = world.take_missed();
            if missed.is_empty() {
                return Ok((rejections, world, loader.seen));
            }
            let now = loader.load(&missed)?;
            loaded.extend(now.events);
            held.extend(now.held);
        }
    }

    /// [`Index::check_batch`] of a batch about to be appended (`batch` its topics), against the
    /// world carried from the batch before if there is one, so that a stream of batches loads each
    /// topic once rather than once a batch. Before the check folds the batch in, each event's check
    /// is asked without folding, and the topics it reads that the world lacks and the ledger has
    /// events of are loaded, until there are none. The check is the whole world's either way: if
    /// it still reads such a topic (one the batch's own facts lead to), the carried world is
    /// dropped and the batch checked as [`Index::check_batch`] does. The world given back also
    /// holds every topic the batch begins: once the batch is appended it can be carried on.
    pub fn check_batch_carried(
        &self,
        carried: Option<Carried>,
        events: Vec<(EventRef, Event)>,
        already_stored: impl Fn(EventId) -> bool,
        batch: &BatchTopics,
    ) -> Result<(Vec<DomainRejection>, Folded)> {
        self.check_carried(carried, events, already_stored, batch, true)
    }

    /// [`Index::check_batch_carried`], asking the checks without folding first only with `probe`
    /// (without, a carried world is mostly dropped: what a test of that path needs).
    fn check_carried(
        &self,
        carried: Option<Carried>,
        events: Vec<(EventRef, Event)>,
        already_stored: impl Fn(EventId) -> bool,
        batch: &BatchTopics,
        probe: bool,
    ) -> Result<(Vec<DomainRejection>, Folded)> {
        // Into an empty ledger, a whole world is what the batches fold into.
        let from_empty = || Carried {
            world: World::new(),
            seen: HashSet::new(),
            head: 0,
            since: 0,
        };
        let carried = carried.or_else(|| (batch.head == 0).then(from_empty));
        if let Some(Carried {
            mut world,
            seen,
            head,
            since,
        }) = carried
            && head == batch.head
        {
            let mut loader = Loader::resuming(self, seen, since);
            // Carried since the ledger was empty, the world has every event: nothing can lack.
            if probe && since > 0 {
                let fresh = events
                    .iter()
                    .map(|(_, e)| e)
                    .filter(|e| !already_stored(e.id));
                self.load_what_checks_read(&mut world, &mut loader, fresh, since)?;
            }
            let rejections = world.check_batch(events.clone(), &already_stored);
            let missed = world.take_missed();
            // The world has folded every event after `since`: a topic without events up to then has
            // all of its facts here, as in the whole world, so the answers about it stand.
            if self.listed(missed.iter().cloned(), since)?.is_empty() {
                world.hold(missed);
                let folded = self.folded(world, loader.seen, since, true, batch)?;
                return Ok((rejections, folded));
            }
        }
        let (rejections, world, seen) = self.check_fresh(events, already_stored)?;
        Ok((
            rejections,
            self.folded(world, seen, batch.head, false, batch)?,
        ))
    }

    /// The world `batch` was folded into, holding the topics the batch begins.
    fn folded(
        &self,
        mut world: World,
        seen: HashSet<u64>,
        since: u64,
        carried: bool,
        batch: &BatchTopics,
    ) -> Result<Folded> {
        self.hold_begun(&mut world, batch, since)?;
        Ok(Folded {
            world,
            seen,
            since,
            carried,
        })
    }

    /// Ask each event's check without folding, and load into `world` (which has folded every event
    /// after `since`) the topics it reads that it lacks and the index lists events of up to
    /// `since`, until there are none.
    fn load_what_checks_read<'e>(
        &self,
        world: &mut World,
        loader: &mut Loader,
        events: impl Iterator<Item = &'e Event> + Clone,
        since: u64,
    ) -> Result<()> {
        loop {
            for event in events.clone() {
                world.check(event);
            }
            let lacking = self.listed(world.take_missed(), since)?;
            if lacking.is_empty() {
                return Ok(());
            }
            let loaded = loader.load(&lacking)?;
            for (seq, event) in loaded.events {
                world.apply(seq, event);
            }
            world.hold(loaded.held);
        }
    }

    /// Declare held the topics the batch's events belong to that have no events up to `since`: the
    /// world has folded every event after it, the batch's too, so it has all of theirs.
    fn hold_begun(&self, world: &mut World, batch: &BatchTopics, since: u64) -> Result<()> {
        let unheld: BTreeSet<Topic> = batch
            .topics
            .values()
            .flatten()
            .filter(|t| !world.holds(t))
            .cloned()
            .collect();
        let listed = self.listed(unheld.iter().cloned(), since)?;
        world.hold(unheld.into_iter().filter(|t| !listed.contains(t)));
        Ok(())
    }

    /// Those of `topics` the index lists an event for, up to `limit`.
    fn listed(
        &self,
        topics: impl IntoIterator<Item = Topic>,
        limit: u64,
    ) -> Result<BTreeSet<Topic>> {
        let mut listed = BTreeSet::new();
        if limit == 0 {
            return Ok(listed);
        }
        for topic in topics {
            let mut any = false;
            self.visit_seqs(&topic, limit, |_| {
                any = true;
                ControlFlow::Break(())
            })?;
            if any {
                listed.insert(topic);
            }
        }
        Ok(listed)
    }
}

/// Events a carried world may have folded before it is dropped rather than carried on: about 3 GB
/// of memory (a world takes about 1.5 KB an event), so a stream of batches into a large ledger
/// holds at most that much, and then starts again from the topics of one batch.
const CARRY_EVENTS: u64 = 2_000_000;

/// A partial world one writer carries from a batch to the next ([`Index::check_batch_carried`]):
/// every topic it holds is complete up to `head`, it has folded every event after `since` (the head
/// when it was made), and `seen` are the events up to `since` loaded into it. Only the check of a
/// batch appended right after `head` uses it.
pub struct Carried {
    world: World,
    seen: HashSet<u64>,
    head: u64,
    since: u64,
}

/// The world a checked batch was folded into: carried on once the batch is appended.
pub struct Folded {
    world: World,
    seen: HashSet<u64>,
    since: u64,
    carried: bool,
}

impl Folded {
    /// Whether the check ran on the world carried from the batch before (or loaded its topics
    /// afresh).
    pub fn carried(&self) -> bool {
        self.carried
    }

    /// The world to check the next batch against, now that this batch is appended as `report`
    /// says: none once it has folded [`CARRY_EVENTS`].
    pub fn appended(self, report: &AppendReport) -> Option<Carried> {
        if self.world.events_read() > CARRY_EVENTS {
            return None;
        }
        Some(Carried {
            world: self.world,
            seen: self.seen,
            head: report.head.seq,
            since: self.since,
        })
    }
}

/// What a writer checks its batches against.
pub enum Against {
    /// The ledger through the index: each batch loads the topics its checks read, carrying the
    /// world from one batch to the next when it can ([`Index::check_batch_carried`]).
    Index(Option<Carried>),
    /// A whole world the caller keeps in step with the log, which each batch is folded into.
    Whole(World),
}

impl Default for Against {
    fn default() -> Self {
        Against::Index(None)
    }
}

/// What [`Index::check`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexCheck {
    /// How far entries, rows and relation entries reach: rows or relation entries behind the
    /// entries (an older binary wrote to the index) are what the next open writes, and are
    /// counted as missing here until then.
    pub coverage: Coverage,
    /// (topic, event) pairs the log calls for.
    pub pairs: u64,
    /// Membership rows, markers and homes the log calls for.
    pub rows: u64,
    /// Pairs, rows or homes the log calls for that the index lacks, and those it holds that the
    /// log does not (a row whose bytes differ counts as both).
    pub missing: u64,
    pub extra: u64,
    /// Up to 20 of them, as `topic #seq`, `membership row of M under BODY #seq` or `home of
    /// membership M`.
    pub examples: Vec<String>,
}

impl IndexCheck {
    pub fn sound(&self) -> bool {
        self.missing == 0
            && self.extra == 0
            && self.coverage.covers == self.coverage.head
            && self.coverage.lagging().is_empty()
    }
}

/// A topic's index key as a person reads it: `b:lrscsb` (a body), `B:lrscsb` (its memberships) ...
fn topic_label(key: &[u8]) -> String {
    let text = String::from_utf8_lossy(key.strip_suffix(&[0]).unwrap_or(key)).into_owned();
    match text.split_at_checked(1) {
        Some((tag, rest)) => format!("{tag}:{rest}"),
        None => text,
    }
}

/// What a checked append did.
#[derive(Debug)]
pub enum Checked {
    Appended(AppendReport),
    /// Events broke domain rules; nothing was written.
    Rejected(Vec<DomainRejection>),
}

impl<'a> Index<'a> {
    /// Check a batch against the world on its events' effective dates and append it with its index
    /// entries in one atomic, durable batch: the one write path. The check folds only the topics it
    /// reads, with what `against` carries from the batch before (after an error or a rejection it
    /// carries nothing), unless that is a whole world the caller keeps in step with the log, which
    /// the batch is folded into (a rejected batch too: such a world is then of no further use).
    /// With `expected_head`, nothing is written unless the head is still that sequence.
    pub fn append_checked(
        &self,
        mut drafts: Vec<Draft>,
        expected_head: Option<u64>,
        against: &mut Against,
    ) -> Result<Checked> {
        // The entries written below move the coverage mark to the batch's end, which is only true
        // if it stood at the head before: an append made without the index may have come between.
        self.catch_up(|_, _| {})?;
        let head = self.ledger.head()?;
        if let Some(expected) = expected_head
            && expected != head.seq
        {
            return Err(StoreError::Conflict {
                expected,
                actual: head.seq,
            }
            .into());
        }
        // Ids are minted before the check so the check and the append see the same events.
        for d in &mut drafts {
            d.id.get_or_insert_with(EventId::new_v7);
        }
        let stored = self.ledger.stored_ids(drafts.iter().filter_map(|d| d.id))?;
        // The store stamps the real record time; domain rules are about valid time and never read it.
        let stamp = Default::default();
        let candidates: Vec<(EventRef, Event)> = drafts
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let id = d.id.expect("minted above");
                let at = EventRef {
                    position: Some(i + 1),
                    id: Some(id),
                    ..EventRef::default()
                };
                (at, d.clone().into_event(id, stamp))
            })
            .collect();
        let topics = self.batch_topics(candidates.iter().map(|(_, e)| e))?;
        let already_stored = |id| stored.contains(&id);
        let (problems, folded) = match against {
            Against::Whole(world) => (world.check_batch(candidates, already_stored), None),
            Against::Index(carried) => {
                let (problems, folded) =
                    self.check_batch_carried(carried.take(), candidates, already_stored, &topics)?;
                (problems, Some(folded))
            }
        };
        if !problems.is_empty() {
            return Ok(Checked::Rejected(problems));
        }
        // The caller holds the ledger's lock, so the head cannot move between the check and the
        // append; passing it makes that an enforced assumption rather than a hope.
        let report = self.ledger.append_with(drafts, Some(head.seq), |fresh| {
            Index::writes(fresh, &topics)
        })?;
        if let (Against::Index(carried), Some(folded)) = (against, folded) {
            *carried = folded.appended(&report);
        }
        Ok(Checked::Appended(report))
    }
}

/// What one round of loading brought: events (oldest first), and the topics a world holds once it
/// has applied them.
struct Loaded {
    events: Vec<(u64, Event)>,
    held: BTreeSet<Topic>,
}

/// Fetches the events of topics for one question, each event once.
struct Loader<'i, 'a> {
    index: &'i Index<'a>,
    known_at: Option<KnownAt>,
    limit: u64,
    seen: HashSet<u64>,
}

impl<'i, 'a> Loader<'i, 'a> {
    /// A loader for a carried world, which has folded every event after `since` and loaded the
    /// events `seen` up to it: it loads no event after `since`.
    fn resuming(index: &'i Index<'a>, seen: HashSet<u64>, since: u64) -> Self {
        Loader {
            index,
            known_at: None,
            limit: since,
            seen,
        }
    }

    fn new(index: &'i Index<'a>, known_at: Option<KnownAt>) -> Result<Self> {
        let head = index.ledger.head()?.seq;
        let limit = match known_at {
            Some(KnownAt::Seq(n)) => n.min(head),
            _ => head,
        };
        Ok(Loader {
            index,
            known_at,
            limit,
            seen: HashSet::new(),
        })
    }

    /// Load the events of `topics` not loaded yet. The world then holds `topics`, and the topics of
    /// the memberships homed at a body whose memberships were read from its rows.
    fn load(&mut self, topics: &BTreeSet<Topic>) -> Result<Loaded> {
        let mut held = topics.clone();
        let mut from_rows = Vec::new();
        let mut through_index = BTreeSet::new();
        for topic in topics {
            match topic {
                Topic::BodyMemberships(body) if self.index.rows => {
                    for row in members::scan(self.index.ledger, body, self.limit)? {
                        let topic = Topic::Entity(Entity::Membership(row.membership));
                        match row.event {
                            Some(event) if self.seen.insert(row.seq) => {
                                from_rows.push((row.seq, event))
                            }
                            Some(_) => {}
                            // Homed at another body, or nowhere: its events are not among these.
                            None => {
                                through_index.insert(topic.clone());
                            }
                        }
                        held.insert(topic);
                    }
                }
                _ => {
                    through_index.insert(topic.clone());
                }
            }
        }
        let mut fresh = BTreeSet::new();
        for topic in &through_index {
            for seq in self.index.seqs(topic, self.limit)? {
                if self.seen.insert(seq) {
                    fresh.insert(seq);
                }
            }
        }
        let mut events = self.index.ledger.events_at(fresh)?;
        events.extend(from_rows);
        events.sort_unstable_by_key(|(seq, _)| *seq);
        // Record time never decreases along the log, so "recorded by T" is a prefix of it.
        if let Some(KnownAt::Time(t)) = self.known_at {
            events.retain(|(_, e)| e.recorded_at <= t);
        }
        Ok(Loaded { events, held })
    }
}

/// Fold the whole log (as known at `known_at`) into a world: the reference every index answer must
/// equal, and the world of a command that reads everything (the demo, a stream of checked batches).
/// Decoding JSON is most of a replay's work and
/// folding is in log order, so `READERS` threads read and decode alternate chunks of the log while
/// this one folds the chunks as they come, in turn.
pub fn replay(ledger: &Ledger, known_at: Option<KnownAt>) -> Result<World> {
    const CHUNK: u64 = 1024;
    const READERS: u64 = 2;
    type Chunk = Vec<Result<(u64, Event), StoreError>>;
    let head = ledger.head()?.seq;
    let last = match known_at {
        Some(KnownAt::Seq(n)) => n.min(head),
        _ => head,
    };
    // The events of sequence numbers `from..from + CHUNK` (up to `last`); a read that fails is the
    // chunk's last item, so the fold meets it in log order.
    let chunk = |from: u64| -> Chunk {
        let end = (from + CHUNK - 1).min(last);
        match ledger.events_from(from) {
            Err(e) => vec![Err(e)],
            Ok(events) => events
                .take_while(|e| e.as_ref().map_or(true, |(seq, _)| *seq <= end))
                .collect(),
        }
    };
    std::thread::scope(|scope| {
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..READERS)
            .map(|_| std::sync::mpsc::sync_channel::<Chunk>(4))
            .unzip();
        for (send, reader) in senders.into_iter().zip(0..) {
            scope.spawn(move || {
                let mut from = 1 + reader * CHUNK;
                while from <= last {
                    // A closed channel: the fold stopped early (known_at reached, or an error).
                    if send.send(chunk(from)).is_err() {
                        return;
                    }
                    from += READERS * CHUNK;
                }
            });
        }
        // A reader that has sent its last chunk ends the fold at its turn.
        let chunks = (0..READERS)
            .cycle()
            .map_while(|reader| receivers[reader as usize].recv().ok());
        let world = World::fold_known_at(chunks.flatten(), known_at);
        // Dropping the receivers stops the readers if the fold ended before the log did; the scope
        // joins them (and passes a reader's panic on).
        drop(receivers);
        Ok(world?)
    })
}

fn covers(ledger: &Ledger) -> Result<u64> {
    mark(ledger, COVERS)
}

fn mark(ledger: &Ledger, name: &'static str) -> Result<u64> {
    match ledger.derived(name, b"")? {
        None => Ok(0),
        Some(v) => v
            .as_slice()
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| IndexError::Malformed {
                key: name.as_bytes().to_vec(),
            }),
    }
}

/// The coverage marks of entries, rows and the entries of topics added later, all at `seq`.
fn covers_writes(seq: u64) -> [DerivedWrite; 3] {
    [COVERS, ROWS_COVER, RELATIONS_COVER].map(|name| mark_write(name, seq))
}

fn mark_write(name: &'static str, seq: u64) -> DerivedWrite {
    DerivedWrite {
        name,
        key: Vec::new(),
        value: Some(seq.to_be_bytes().to_vec()),
    }
}

/// The sequence numbers an entry's value lists (u64 big-endian each, at least one).
fn entry_seqs<'v>(key: &[u8], value: &'v [u8]) -> Result<impl Iterator<Item = u64> + 'v> {
    if value.is_empty() || !value.len().is_multiple_of(8) {
        return Err(IndexError::Malformed { key: key.to_vec() });
    }
    Ok(value
        .chunks_exact(8)
        .map(|c| u64::from_be_bytes(c.try_into().expect("8 bytes"))))
}

fn entry_writes(
    events: &[(u64, Event)],
    topics: &HashMap<EventId, Vec<Topic>>,
) -> Vec<DerivedWrite> {
    let mut by_topic: std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>> =
        Default::default();
    for (seq, event) in events {
        for topic in topics.get(&event.id).into_iter().flatten() {
            by_topic
                .entry((entries_name(topic), topic.index_key()))
                .or_default()
                .extend_from_slice(&seq.to_be_bytes());
        }
    }
    by_topic
        .into_iter()
        .map(|((name, mut key), seqs)| {
            key.extend_from_slice(&seqs[..8]);
            DerivedWrite {
                name,
                key,
                value: Some(seqs),
            }
        })
        .collect()
}

/// Where a topic's entries are kept: [`RELATIONS`] for the topics added later, else [`ENTRIES`].
fn entries_name(topic: &Topic) -> &'static str {
    if topic.added_later() {
        RELATIONS
    } else {
        ENTRIES
    }
}

/// The rows' mark while [`drop_all`] runs: an open that finds it drops again.
const DROPPING: u64 = u64::MAX;

/// Remove every index entry, membership row and home. The coverage marks go first, the rows' to
/// [`DROPPING`], so an open after a drop cut short drops again; then the removals, in durable
/// chunks (an index at national scale is millions of keys); the rows' mark last.
fn drop_all(ledger: &Ledger) -> Result<()> {
    const CHUNK: usize = 100_000;
    ledger.write_derived(vec![
        mark_write(COVERS, 0),
        mark_write(ROWS_COVER, DROPPING),
        mark_write(RELATIONS_COVER, 0),
    ])?;
    let remove = |name, keys: Vec<Vec<u8>>| {
        let removals = keys.into_iter().map(|key| DerivedWrite {
            name,
            key,
            value: None,
        });
        ledger.write_derived(removals.collect())
    };
    // One pass per name, removing behind the scan rather than scanning again from the start for
    // each chunk, past the pages the removals emptied.
    for name in [ENTRIES, RELATIONS, ROWS, HOMES] {
        let mut keys = Vec::with_capacity(CHUNK);
        for key in ledger.derived_keys(name, b"") {
            keys.push(key?);
            if keys.len() == CHUNK {
                remove(name, std::mem::take(&mut keys))?;
            }
        }
        remove(name, keys)?;
    }
    Ok(ledger.write_derived(vec![mark_write(ROWS_COVER, 0)])?)
}

/// One thing [`Index::check`] expects the index to hold, or found in it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    /// A topic's index key and a sequence its entries list.
    Pair(Vec<u8>, u64),
    /// A membership row's key (`body ‖ 0 ‖ membership ‖ 0 ‖ seq`) and the hash of its value.
    Row(Vec<u8>, [u8; 32]),
    /// A membership and its home body (empty: none).
    Home(Vec<u8>, Vec<u8>),
}

impl Item {
    /// A row or a home, as written or as found in the store.
    fn stored(name: &str, key: Vec<u8>, value: Vec<u8>) -> Item {
        match name {
            ROWS => Item::Row(key, minutebook_store::leaf_hash(&value).0),
            HOMES => Item::Home(key, value),
            other => unreachable!("{other} holds neither membership rows nor homes"),
        }
    }
}

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Item::Pair(topic, seq) => write!(f, "{} #{seq}", topic_label(topic)),
            Item::Row(key, _) => {
                let (names, seq) = key.split_at(key.len().saturating_sub(8));
                let seq = seq.try_into().map_or(0, u64::from_be_bytes);
                let names = text(names);
                let (body, m) = names.split_once('\0').unwrap_or((&names, ""));
                let m = m.trim_end_matches('\0');
                write!(f, "membership row of {m} under {body} #{seq}")
            }
            Item::Home(m, body) => write!(f, "home of membership {} ({:?})", text(m), text(body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minutebook_generate::{Generator, Spec};

    /// The safety net of a carried check: a topic the check reads that the carried world lacks
    /// and the ledger has events of drops the carried world, and the batch is checked afresh. Here
    /// nothing is loaded before the check (no probe), so that happens on most batches; the
    /// rejections equal a whole world's on every one.
    #[test]
    fn a_carried_check_that_reads_a_topic_it_lacks_starts_afresh() {
        let drafts: Vec<Draft> = Generator::new(Spec {
            events: 1_500,
            bodies: 3,
            seed: 7,
            ..Spec::default()
        })
        .collect();
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::init(dir.path()).unwrap();
        let index = Index::open(&ledger, |_, _| {}).unwrap();
        let (before, stream) = drafts.split_at(700);
        let mut against = Against::default();
        assert!(matches!(
            index
                .append_checked(before.to_vec(), None, &mut against)
                .unwrap(),
            Checked::Appended(_)
        ));
        let mut whole = replay(&ledger, None).unwrap();
        let (mut carried, mut afresh, mut rejected) = (None, 0, 0);
        for (n, chunk) in stream.chunks(40).enumerate() {
            let mut batch = chunk.to_vec();
            // Earlier facts stated again under new ids: keys in use, people appointed twice ...
            let mut again = drafts[n * 13 % before.len()].clone();
            again.id = Some(EventId::new_v7());
            batch.push(again);
            let events: Vec<(EventRef, Event)> = batch
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let id = d.id.unwrap();
                    let at = EventRef {
                        position: Some(i + 1),
                        id: Some(id),
                        ..EventRef::default()
                    };
                    (at, d.clone().into_event(id, Default::default()))
                })
                .collect();
            let topics = index.batch_topics(events.iter().map(|(_, e)| e)).unwrap();
            let (fast, folded) = index
                .check_carried(carried.take(), events.clone(), |_| false, &topics, false)
                .unwrap();
            let slow = whole.check_batch(events, |_| false);
            let strings =
                |rs: &[DomainRejection]| rs.iter().map(|r| r.to_string()).collect::<Vec<_>>();
            assert_eq!(strings(&fast), strings(&slow), "batch {n}");
            rejected += slow.len();
            afresh += usize::from(!folded.carried());
            let report = ledger
                .append_with(batch, None, |fresh| Index::writes(fresh, &topics))
                .unwrap();
            carried = folded.appended(&report);
        }
        // Every batch after the first was offered a carried world: each of these dropped it.
        assert!(afresh > 2, "only {afresh} batches were checked afresh");
        assert!(
            rejected > 0,
            "nothing was rejected: the rejections were never compared"
        );
    }
}
