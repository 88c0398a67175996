//! The JSON Schema of the envelope and every payload, generated from the Rust types so it cannot drift.

/// The schema of an event as submitted to `append` (no `recorded_at`; `id` optional).
pub fn draft_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(crate::Draft)).expect("schema serializes")
}

/// The schema of an event as stored and exported (with `id` and `recorded_at`).
pub fn event_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(crate::Event)).expect("schema serializes")
}
