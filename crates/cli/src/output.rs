//! Printing: JSON for scripts, aligned tables for people.

use comfy_table::{Table, presets};
use minutebook_store::Checkpoint;
use serde::Serialize;
use serde_json::{Value, json};

pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn json(&self, value: &impl Serialize) {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("output serializes")
        );
    }
}

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(header.iter().copied());
    t
}

pub fn checkpoint(cp: Checkpoint) -> Value {
    json!({ "seq": cp.seq, "hash": cp.hash.to_hex(), "checkpoint": cp.to_string() })
}
