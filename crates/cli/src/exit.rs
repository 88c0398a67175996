//! Map failures to the documented exit codes and print them.

use std::process::ExitCode;

use minutebook_store::StoreError;
use serde_json::json;

use crate::output::Output;

pub const OTHER: u8 = 1;
pub const REJECTED: u8 = 3;
pub const CONFLICT: u8 = 4;
pub const IN_USE: u8 = 5;
pub const INTEGRITY: u8 = 6;

fn classify(e: &anyhow::Error) -> (u8, &'static str) {
    match e.downcast_ref::<StoreError>() {
        Some(StoreError::Rejected(_) | StoreError::Import { .. } | StoreError::NotEmpty(_)) => {
            (REJECTED, "rejected")
        }
        Some(StoreError::Conflict { .. }) => (CONFLICT, "conflict"),
        Some(StoreError::InUse { .. }) => (IN_USE, "in_use"),
        Some(StoreError::Integrity { .. } | StoreError::Sled(_)) => (INTEGRITY, "integrity"),
        _ => (OTHER, "error"),
    }
}

pub fn report(e: &anyhow::Error, out: &Output) -> ExitCode {
    let (code, kind) = classify(e);
    let rejections = match e.downcast_ref::<StoreError>() {
        Some(StoreError::Rejected(r)) => r.as_slice(),
        _ => &[],
    };
    if out.json {
        let mut body = json!({ "error": kind, "exit_code": code, "message": format!("{e:#}") });
        if !rejections.is_empty() {
            body["rejections"] = json!(rejections);
        }
        if let Some(StoreError::Integrity { seq, .. }) = e.downcast_ref::<StoreError>() {
            body["seq"] = json!(seq);
        }
        println!("{body:#}");
    } else {
        eprintln!("minutebook: {e:#}");
        const SHOWN: usize = 50;
        for r in rejections.iter().take(SHOWN) {
            eprintln!("  {r}");
        }
        if rejections.len() > SHOWN {
            eprintln!(
                "  ... and {} more (use --json for all)",
                rejections.len() - SHOWN
            );
        }
    }
    ExitCode::from(code)
}
