//! Map failures to the documented exit codes and print them.

use std::process::ExitCode;

use minutebook_index::IndexError;
use minutebook_store::StoreError;
use serde_json::json;

use crate::cmd::append::DomainRejected;
use crate::output::Output;

pub const OTHER: u8 = 1;
pub const REJECTED: u8 = 3;
pub const CONFLICT: u8 = 4;
pub const IN_USE: u8 = 5;
pub const INTEGRITY: u8 = 6;

/// The store's error behind a failure, whether it came straight from the store or through the index.
fn store_error(e: &anyhow::Error) -> Option<&StoreError> {
    e.downcast_ref::<StoreError>()
        .or_else(|| match e.downcast_ref::<IndexError>() {
            Some(IndexError::Store(s)) => Some(s),
            _ => None,
        })
}

fn classify(e: &anyhow::Error) -> (u8, &'static str) {
    if e.downcast_ref::<DomainRejected>().is_some() {
        return (REJECTED, "rejected");
    }
    if let Some(IndexError::Malformed { .. }) = e.downcast_ref::<IndexError>() {
        return (INTEGRITY, "integrity");
    }
    match store_error(e) {
        Some(StoreError::Rejected(_) | StoreError::Import { .. } | StoreError::NotEmpty(_)) => {
            (REJECTED, "rejected")
        }
        Some(StoreError::Conflict { .. }) => (CONFLICT, "conflict"),
        Some(StoreError::InUse { .. }) => (IN_USE, "in_use"),
        Some(
            StoreError::Integrity { .. }
            | StoreError::Sled(_)
            | StoreError::Sync { .. }
            | StoreError::Access { .. }
            | StoreError::NotDurable(_)
            | StoreError::Unapplied(_)
            | StoreError::NotEmptied
            | StoreError::DiskFull { .. },
        ) => (INTEGRITY, "integrity"),
        _ => (OTHER, "error"),
    }
}

pub fn report(e: &anyhow::Error, out: &Output) -> ExitCode {
    let (code, kind) = classify(e);
    let rejections: Vec<(String, serde_json::Value)> =
        match (store_error(e), e.downcast_ref::<DomainRejected>()) {
            (Some(StoreError::Rejected(r)), _) => {
                r.iter().map(|r| (r.to_string(), json!(r))).collect()
            }
            (_, Some(DomainRejected(r))) => r.iter().map(|r| (r.to_string(), json!(r))).collect(),
            _ => Vec::new(),
        };
    if out.json {
        let mut body = json!({ "error": kind, "exit_code": code, "message": format!("{e:#}") });
        if !rejections.is_empty() {
            body["rejections"] = rejections.iter().map(|(_, v)| v.clone()).collect();
        }
        if let Some(StoreError::Integrity { seq, .. }) = store_error(e) {
            body["seq"] = json!(seq);
        }
        println!("{body:#}");
    } else {
        eprintln!("minutebook: {e:#}");
        const SHOWN: usize = 50;
        for (r, _) in rejections.iter().take(SHOWN) {
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
