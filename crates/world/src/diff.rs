//! Clause-level differences between two versions of terms of reference.

use minutebook_model::{Clause, Provisions, TorVersion};
use serde::Serialize;
use similar::TextDiff;

use crate::views::{TorView, clause_order};

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ClauseDiff {
    Added {
        number: String,
        clause: Clause,
    },
    Removed {
        number: String,
        clause: Clause,
    },
    Changed {
        number: String,
        before: Clause,
        after: Clause,
        /// A unified line diff of the clause text (heading included).
        diff: String,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct TorDiff {
    pub from_version: Option<TorVersion>,
    pub to_version: Option<TorVersion>,
    pub clauses: Vec<ClauseDiff>,
    /// The structured provisions before and after, when they differ.
    pub provisions: Option<(Provisions, Provisions)>,
}

fn clause_text(c: &Clause) -> String {
    let mut t = String::new();
    if let Some(h) = &c.heading {
        t.push_str(h.as_str());
        t.push('\n');
    }
    t.push_str(c.text.as_str());
    t.push('\n');
    t
}

/// What changed from `before` to `after` (either may be absent: no terms of reference in force).
pub fn tor_diff(before: Option<&TorView>, after: Option<&TorView>) -> TorDiff {
    let empty = Vec::new();
    let old = before.map_or(&empty, |t| &t.clauses);
    let new = after.map_or(&empty, |t| &t.clauses);
    let mut numbers: Vec<&str> = old
        .iter()
        .chain(new.iter())
        .map(|c| c.number.as_str())
        .collect();
    numbers.sort_by(|a, b| clause_order(a, b));
    numbers.dedup();
    let find = |list: &[Clause], n: &str| list.iter().find(|c| c.number.as_str() == n).cloned();
    let clauses = numbers
        .into_iter()
        .filter_map(|n| match (find(old, n), find(new, n)) {
            (None, Some(c)) => Some(ClauseDiff::Added {
                number: n.into(),
                clause: c,
            }),
            (Some(c), None) => Some(ClauseDiff::Removed {
                number: n.into(),
                clause: c,
            }),
            (Some(a), Some(b)) if a != b => {
                let (ta, tb) = (clause_text(&a), clause_text(&b));
                let diff = TextDiff::from_lines(&ta, &tb)
                    .unified_diff()
                    .header(&format!("clause {n} before"), &format!("clause {n} after"))
                    .to_string();
                Some(ClauseDiff::Changed {
                    number: n.into(),
                    before: a,
                    after: b,
                    diff,
                })
            }
            _ => None,
        })
        .collect();
    let p_old = before.map(|t| t.provisions.clone()).unwrap_or_default();
    let p_new = after.map(|t| t.provisions.clone()).unwrap_or_default();
    TorDiff {
        from_version: before.map(|t| t.version.clone()),
        to_version: after.map(|t| t.version.clone()),
        clauses,
        provisions: (p_old != p_new).then_some((p_old, p_new)),
    }
}
