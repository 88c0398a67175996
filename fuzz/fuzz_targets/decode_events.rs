//! Event decoding with validation: any bytes given to `parse_batch` either become drafts or are
//! rejected with reasons, never a panic; and every accepted draft becomes an event whose canonical
//! bytes parse back to the same event and the same bytes (what the store relies on when it hashes).
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use minutebook_model::{Event, EventId, parse_batch};

fuzz_target!(|data: &[u8]| {
    let Ok(drafts) = parse_batch(data) else {
        return;
    };
    let recorded_at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    for draft in drafts {
        let id = draft.id.unwrap_or_else(|| EventId(Default::default()));
        let event = draft.into_event(id, recorded_at);
        let bytes = event.canonical_bytes();
        let back = Event::from_slice(&bytes)
            .unwrap_or_else(|r| panic!("canonical bytes do not parse: {r}"));
        assert_eq!(
            back.canonical_bytes(),
            bytes,
            "canonical bytes do not round-trip"
        );
    }
});
