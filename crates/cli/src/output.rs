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

/// The evidence behind a row, one line per event: `#12 Agreement 2011-13, Appendix 1`.
pub fn evidence_cell(evidence: &[minutebook_world::Evidence]) -> String {
    evidence
        .iter()
        .map(|e| {
            let minute = e
                .source
                .minute
                .as_ref()
                .map_or(String::new(), |m| format!(", minute {m}"));
            format!("#{} {}{minute}", e.seq, e.source.document)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A header row, with an evidence column when asked for.
pub fn table_with_evidence(header: &[&str], evidence: bool) -> Table {
    let mut h = header.to_vec();
    if evidence {
        h.push("evidence");
    }
    table(&h)
}

/// Push the evidence cell onto a row when asked for.
pub fn row(mut cells: Vec<String>, evidence: Option<&[minutebook_world::Evidence]>) -> Vec<String> {
    if let Some(e) = evidence {
        cells.push(evidence_cell(e));
    }
    cells
}

pub fn opt(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// member, role, seat, on behalf of, since.
pub fn member_cells(m: &minutebook_world::MembershipView) -> Vec<String> {
    vec![
        m.person_name
            .clone()
            .unwrap_or_else(|| m.person.to_string()),
        minutebook_world::snake(&m.role),
        opt(m.seat.as_ref()),
        opt(m.on_behalf_of.as_ref()),
        m.since.to_string(),
    ]
}

pub fn owner(o: &minutebook_model::Owner) -> String {
    match o {
        minutebook_model::Owner::Person(p) => p.to_string(),
        minutebook_model::Owner::Body(b) => b.to_string(),
    }
}

/// "discharged DATE", "OVERDUE" or "open".
pub fn action_status(a: &minutebook_world::ActionView) -> String {
    match (a.discharged, a.overdue) {
        (Some(d), _) => format!("discharged {d}"),
        (None, true) => "OVERDUE".to_string(),
        (None, false) => "open".to_string(),
    }
}
