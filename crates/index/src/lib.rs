//! minutebook's persistent topic index: for every [`Topic`] (one body's facts, one person's, a body's
//! memberships, ...) the sequence numbers of the events a world needs to answer about it, kept in the
//! store's `derived` tree and written in the same atomic batch as the events they cover.
//!
//! With it, a question or the domain check of an append folds only the events of the topics it
//! reads ([`Index::answer`], [`Index::check_batch`]) instead of replaying the log, so their cost
//! follows the size of a body's history, not of the ledger. The answer is the whole world's answer:
//! a partial world records every topic a question reached for and did not hold, those are loaded,
//! and the question is asked again until nothing is missed. A listing over every key (all bodies,
//! all actions) reaches for [`Topic::Everything`] and is answered by a full replay.
//!
//! Depends on the model, the store (for its `derived` tree) and the world (for topics). Must not
//! depend on the terminal or the clock, and holds no governance rule of its own.

use std::collections::{BTreeSet, HashMap, HashSet};

use minutebook_model::{Draft, Event, EventId, EventRef};
use minutebook_store::{AppendReport, DerivedWrite, Ledger, StoreError};
use minutebook_world::{DomainRejection, KnownAt, Topic, World, topics_of};

/// Index entries, one per topic per batch written: `topic key ‖ first seq` (u64 big-endian) to the
/// sequence numbers of that batch's events of the topic (u64 big-endian each). One sled key per
/// topic and batch rather than per event: sled's cost is per key.
const ENTRIES: &str = "topic";
/// The last sequence number the entries cover, written with them.
const COVERS: &str = "topic-covers";
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
}

/// How far the index reaches: the last sequence its entries cover, and the head of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub covers: u64,
    pub head: u64,
}

impl<'a> Index<'a> {
    /// The index of `ledger`, brought up to the head first if it lags (a ledger imported, or written
    /// before the index existed); `progress` hears how many events are indexed so far.
    pub fn open(ledger: &'a Ledger, progress: impl FnMut(u64, u64)) -> Result<Index<'a>> {
        let index = Index { ledger };
        index.catch_up(progress)?;
        Ok(index)
    }

    /// The index as it stands, not caught up: for reporting on it (`coverage`, `check`) without
    /// writing. Questions asked through it before it covers the head would miss events.
    pub fn as_it_stands(ledger: &'a Ledger) -> Index<'a> {
        Index { ledger }
    }

    pub fn coverage(&self) -> Result<Coverage> {
        Ok(Coverage {
            covers: covers(self.ledger)?,
            head: self.ledger.head()?.seq,
        })
    }

    /// Index the events between what the index covers and the head, in atomic chunks (each durable,
    /// each moving the coverage mark), so an interrupted catch-up resumes where it stopped.
    fn catch_up(&self, mut progress: impl FnMut(u64, u64)) -> Result<()> {
        let head = self.ledger.head()?.seq;
        self.in_chunks(covers(self.ledger)? + 1, |events, topics| {
            let to = events.last().map_or(0, |(seq, _)| *seq);
            let mut writes = entry_writes(events, topics);
            writes.push(covers_write(to));
            self.ledger.write_derived(writes)?;
            progress(to, head);
            Ok(())
        })
    }

    /// The events from `from` to the head, CATCH_UP_CHUNK at a time, each chunk with its topics.
    fn in_chunks(
        &self,
        from: u64,
        mut each: impl FnMut(&[(u64, Event)], &HashMap<EventId, Vec<Topic>>) -> Result<()>,
    ) -> Result<()> {
        let mut chunk = Vec::new();
        let mut events = self.ledger.events_from(from)?.peekable();
        while events.peek().is_some() {
            chunk.clear();
            for item in events.by_ref().take(CATCH_UP_CHUNK as usize) {
                chunk.push(item?);
            }
            let topics = self.batch_topics(chunk.iter().map(|(_, e)| e))?;
            each(&chunk, &topics)?;
        }
        Ok(())
    }

    /// Compare the index with what the log says it must hold: every (topic, event) pair recomputed
    /// from the events, against every pair the entries list. The index is derived data; this is how
    /// an auditor confirms it still matches the log it was derived from.
    pub fn check(&self, mut progress: impl FnMut(u64, u64)) -> Result<IndexCheck> {
        let head = self.ledger.head()?.seq;
        let mut expected: BTreeSet<(Vec<u8>, u64)> = BTreeSet::new();
        self.in_chunks(1, |events, topics| {
            for (seq, event) in events {
                for topic in topics.get(&event.id).into_iter().flatten() {
                    expected.insert((topic.index_key(), *seq));
                }
            }
            progress(events.last().map_or(0, |(seq, _)| *seq), head);
            Ok(())
        })?;
        let mut found: BTreeSet<(Vec<u8>, u64)> = BTreeSet::new();
        for entry in self.ledger.derived_entries(ENTRIES, b"") {
            let (key, value) = entry?;
            let Some(topic) = key.len().checked_sub(8).filter(|&n| n > 0) else {
                return Err(IndexError::Malformed { key });
            };
            let topic = key[..topic].to_vec();
            for seq in entry_seqs(&key, &value)? {
                found.insert((topic.clone(), seq));
            }
        }
        let show = |pairs: Vec<&(Vec<u8>, u64)>| -> Vec<String> {
            pairs
                .into_iter()
                .take(20)
                .map(|(topic, seq)| format!("{} #{seq}", topic_label(topic)))
                .collect()
        };
        let missing: Vec<_> = expected.difference(&found).collect();
        let extra: Vec<_> = found.difference(&expected).collect();
        Ok(IndexCheck {
            coverage: self.coverage()?,
            pairs: expected.len() as u64,
            missing: missing.len() as u64,
            extra: extra.len() as u64,
            examples: show(missing.into_iter().chain(extra).collect()),
        })
    }

    /// Drop every entry and index the whole log again.
    pub fn rebuild(ledger: &'a Ledger, progress: impl FnMut(u64, u64)) -> Result<Index<'a>> {
        let mut writes: Vec<DerivedWrite> = ledger
            .derived_keys(ENTRIES, b"")
            .map(|k| {
                Ok(DerivedWrite {
                    name: ENTRIES,
                    key: k?,
                    value: None,
                })
            })
            .collect::<Result<_>>()?;
        writes.push(covers_write(0));
        ledger.write_derived(writes)?;
        Index::open(ledger, progress)
    }

    /// The topics each event of a batch belongs to: its own, and those of every event it
    /// supersedes (so loading a topic also loads what took its facts out), found in the batch or the
    /// ledger. A target found in neither adds nothing: the store rejects such an event.
    pub fn batch_topics<'e>(
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

    /// The index writes for events about to be appended (seq, event), given their topics: the
    /// `derive` argument of `Ledger::append_with`.
    pub fn writes(
        events: &[(u64, Event)],
        topics: &HashMap<EventId, Vec<Topic>>,
    ) -> Vec<DerivedWrite> {
        let mut writes = entry_writes(events, topics);
        if let Some((last, _)) = events.last() {
            writes.push(covers_write(*last));
        }
        writes
    }

    /// Sequence numbers of the events listed for `topic`, up to `limit`, in order.
    pub fn seqs(&self, topic: &Topic, limit: u64) -> Result<Vec<u64>> {
        let mut seqs = Vec::new();
        for entry in self.ledger.derived_entries(ENTRIES, &topic.index_key()) {
            let (key, value) = entry?;
            if key.len() != 8 {
                return Err(IndexError::Malformed { key });
            }
            seqs.extend(entry_seqs(&key, &value)?.filter(|&seq| seq <= limit));
        }
        Ok(seqs)
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
            if missed.contains(&Topic::Everything) {
                return Ok(ask(&loader.whole_world()?));
            }
            for (seq, event) in loader.load(&missed)? {
                world.apply(seq, event);
            }
            world.hold(missed);
        }
    }

    /// [`World::check_batch`] against the ledger as it is now, folding only the events of the topics
    /// the checks read: the domain check of an append without a replay of the log.
    pub fn check_batch(
        &self,
        events: Vec<(EventRef, Event)>,
        already_stored: impl Fn(EventId) -> bool,
    ) -> Result<Vec<DomainRejection>> {
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
                return Ok(rejections);
            }
            if missed.contains(&Topic::Everything) {
                return Ok(loader.whole_world()?.check_batch(events, &already_stored));
            }
            loaded.extend(loader.load(&missed)?);
            held.extend(missed);
        }
    }
}

/// What [`Index::check`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexCheck {
    pub coverage: Coverage,
    /// (topic, event) pairs the log calls for.
    pub pairs: u64,
    /// Pairs the log calls for that the index lacks, and pairs it lists that the log does not.
    pub missing: u64,
    pub extra: u64,
    /// Up to 20 of them, as `topic #seq`.
    pub examples: Vec<String>,
}

impl IndexCheck {
    pub fn sound(&self) -> bool {
        self.missing == 0 && self.extra == 0 && self.coverage.covers == self.coverage.head
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
    /// reads, unless `world` is given: a whole world the caller keeps in step with the log (faster
    /// for a stream of large batches, at about 2 KB of memory per event), which the batch is folded
    /// into. With `expected_head`, nothing is written unless the head is still that sequence.
    pub fn append_checked(
        &self,
        mut drafts: Vec<Draft>,
        expected_head: Option<u64>,
        world: Option<&mut World>,
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
        let problems = match world {
            Some(world) => world.check_batch(candidates, |id| stored.contains(&id)),
            None => self.check_batch(candidates, |id| stored.contains(&id))?,
        };
        if !problems.is_empty() {
            return Ok(Checked::Rejected(problems));
        }
        // The caller holds the ledger's lock, so the head cannot move between the check and the
        // append; passing it makes that an enforced assumption rather than a hope.
        Ok(Checked::Appended(self.ledger.append_with(
            drafts,
            Some(head.seq),
            |fresh| Index::writes(fresh, &topics),
        )?))
    }
}

/// Fetches the events of topics for one question, each event once.
struct Loader<'i, 'a> {
    index: &'i Index<'a>,
    known_at: Option<KnownAt>,
    limit: u64,
    seen: HashSet<u64>,
}

impl<'i, 'a> Loader<'i, 'a> {
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

    /// Load the events of `topics` not loaded yet; returns them, oldest first.
    fn load(&mut self, topics: &BTreeSet<Topic>) -> Result<Vec<(u64, Event)>> {
        let mut fresh = BTreeSet::new();
        for topic in topics {
            for seq in self.index.seqs(topic, self.limit)? {
                if self.seen.insert(seq) {
                    fresh.insert(seq);
                }
            }
        }
        let mut events = self.index.ledger.events_at(fresh)?;
        // Record time never decreases along the log, so "recorded by T" is a prefix of it.
        if let Some(KnownAt::Time(t)) = self.known_at {
            events.retain(|(_, e)| e.recorded_at <= t);
        }
        Ok(events)
    }

    fn whole_world(&self) -> Result<World> {
        replay(self.index.ledger, self.known_at)
    }
}

/// Fold the whole log (as known at `known_at`) into a world: the reference every index answer must
/// equal, and the way to answer listings over every key. Events are read and decoded on a second
/// thread while this one folds them, in log order.
pub fn replay(ledger: &Ledger, known_at: Option<KnownAt>) -> Result<World> {
    const CHUNK: usize = 1024;
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Result<(u64, Event), StoreError>>>(8);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<()> {
            let mut chunk = Vec::with_capacity(CHUNK);
            for item in ledger.events_from(1)? {
                chunk.push(item);
                if chunk.len() == CHUNK
                    && send
                        .send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))
                        .is_err()
                {
                    return Ok(()); // the fold stopped early (known_at reached, or an error)
                }
            }
            let _ = send.send(chunk);
            Ok(())
        });
        let world = World::fold_known_at(receive.into_iter().flatten(), known_at);
        // Dropping the receiver stops the reader if the fold ended before the log did.
        let read = reader.join().expect("the reader thread does not panic");
        let world = world?;
        read?;
        Ok(world)
    })
}

fn covers(ledger: &Ledger) -> Result<u64> {
    match ledger.derived(COVERS, b"")? {
        None => Ok(0),
        Some(v) => v
            .as_slice()
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| IndexError::Malformed {
                key: COVERS.as_bytes().to_vec(),
            }),
    }
}

fn covers_write(seq: u64) -> DerivedWrite {
    DerivedWrite {
        name: COVERS,
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
    let mut by_topic: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = Default::default();
    for (seq, event) in events {
        for topic in topics.get(&event.id).into_iter().flatten() {
            by_topic
                .entry(topic.index_key())
                .or_default()
                .extend_from_slice(&seq.to_be_bytes());
        }
    }
    by_topic
        .into_iter()
        .map(|(mut key, seqs)| {
            key.extend_from_slice(&seqs[..8]);
            DerivedWrite {
                name: ENTRIES,
                key,
                value: Some(seqs),
            }
        })
        .collect()
}
