//! Any bytes, as text or HTML, through reading and importing: no panic, no hang, and every draft
//! structurally valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minutebook_minutes::{Known, Options, import, read};

fuzz_target!(|data: &[u8]| {
    let Ok(reading) = read(data) else { return };
    let opts = Options {
        body: "board".parse().unwrap(),
        date: chrono::NaiveDate::from_ymd_opt(2020, 1, 2),
        document: None,
        url: None,
        recorded_by: "fuzz".into(),
    };
    if let Ok(import) = import(&reading, &opts, &Known::default()) {
        for d in &import.drafts {
            assert!(minutebook_model::problems(d).is_empty(), "invalid draft");
        }
    }
});
