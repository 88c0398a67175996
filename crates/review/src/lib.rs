//! minutebook's compliance reviews: did a body operate, over a period, according to the terms of
//! reference in force at each date and the law? Rules come in packs (JSON data, see docs/review.md);
//! each finding names its date, its basis (the terms of reference in force then, a statute and
//! section, or record-keeping practice), a plain explanation, and the evidence events.
//!
//! Reads the projected world only (`minutebook-world`). Must not depend on the store, sled, the
//! terminal or the clock: the caller chooses the period and the moment of knowledge.

mod checks;
mod pack;
mod render;
mod report;

pub use pack::{Category, Check, Pack, PackError, RuleSpec, Severity};
pub use render::{Format, render};
pub use report::{Basis, Coverage, Finding, Report, RuleResult, review};

/// The rules every review checks: terms of reference, record keeping, structure and funding.
pub const DEFAULT_PACK: &str = include_str!("../../../rules/default.json");
/// The statutory pack for Community Safety Partnerships in England (`--rules rules/csp-england.json`).
pub const CSP_ENGLAND_PACK: &str = include_str!("../../../rules/csp-england.json");
