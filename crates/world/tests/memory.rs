//! Rebuilding streams the log: the world's memory follows the number of live facts, not the number
//! of events read. Measured with a counting allocator, so this test binary has its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use minutebook_model::*;
use minutebook_world::World;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A log of `n` events: one body, then `n - 1` renames each correcting (superseding) the one before.
fn corrections(n: u64) -> impl Iterator<Item = (u64, Event)> {
    let source = Source {
        document: Name::new("minutes").unwrap(),
        url: None,
        minute: None,
        quote: None,
        lines: None,
        extraction: None,
    };
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let effective = NaiveDate::from_ymd_opt(2014, 9, 25).unwrap();
    let body = BodyKey::new("lscsb").unwrap();
    (1..=n).map(move |seq| {
        let id = EventId(uuid::Uuid::from_u128(seq as u128));
        let payload = if seq == 1 {
            Payload::BodyFounded(BodyFounded {
                body: body.clone(),
                name: Name::new("Board").unwrap(),
                kind: BodyKind::Board,
                parent: None,
            })
        } else {
            Payload::BodyRenamed(BodyRenamed {
                body: body.clone(),
                name: Name::new(format!("Board, name {seq}")).unwrap(),
            })
        };
        let supersedes = if seq > 2 {
            vec![EventId(uuid::Uuid::from_u128(seq as u128 - 1))]
        } else {
            vec![]
        };
        let event = Event {
            id,
            effective,
            recorded_at: t0 + Duration::seconds(seq as i64),
            recorded_by: Name::new("clerk").unwrap(),
            source: source.clone(),
            supersedes,
            payload,
        };
        (seq, event)
    })
}

fn live_bytes_after_folding(n: u64) -> isize {
    let before = LIVE.load(Ordering::Relaxed);
    let world = World::from_events(corrections(n));
    assert_eq!(world.live_facts(), 2, "the founding and the latest rename");
    assert_eq!(world.events_read(), n);
    let held = LIVE.load(Ordering::Relaxed) - before;
    drop(world);
    held
}

#[test]
fn memory_follows_the_world_not_the_log() {
    let small = live_bytes_after_folding(1_000);
    let large = live_bytes_after_folding(100_000);
    assert!(
        large < small * 2,
        "folding 100,000 events held {large} bytes against {small} for 1,000: the world should not grow with the log"
    );
}
