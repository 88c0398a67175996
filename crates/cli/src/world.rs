//! Loading the world from the ledger, ending a command's use of the ledger, and the options every
//! query shares.

use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use minutebook_index::Index;
use minutebook_store::{Ledger, RESNAPSHOT_AFTER};
use minutebook_world::{KnownAt, World};

/// Parse `--known-at`: an RFC 3339 time, a date (the end of that day, UTC), or seq:N.
pub fn parse_known_at(s: &str) -> Result<KnownAt, String> {
    if let Some(n) = s.strip_prefix("seq:") {
        return n
            .parse()
            .map(KnownAt::Seq)
            .map_err(|_| format!("seq:N needs a number, not {n:?}"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(KnownAt::Time(t.with_timezone(&Utc)));
    }
    if let Ok(d) = s.parse::<NaiveDate>() {
        let end_of_day =
            d.and_time(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).expect("valid time"));
        return Ok(KnownAt::Time(end_of_day.and_utc()));
    }
    Err(format!(
        "{s:?} is not a moment: give an RFC 3339 time (2026-11-22T09:30:00Z), a date (the end of that day, UTC) or seq:N"
    ))
}

/// Valid time and record time for a query.
#[derive(clap::Args, Clone)]
pub struct When {
    /// The date to ask about (YYYY-MM-DD): facts effective on or before it count. Default: today.
    #[arg(long, value_name = "DATE", value_parser = crate::world::parse_date)]
    pub at: Option<NaiveDate>,
    /// Ask as the ledger knew it at a moment: an RFC 3339 time, a date (end of that day, UTC), or
    /// seq:N (the first N events). Later corrections do not apply. Default: now.
    #[arg(long, value_name = "WHEN", value_parser = parse_known_at)]
    pub known_at: Option<KnownAt>,
    /// Show the evidence (event sequence numbers and sources) behind each row. Always in --json.
    #[arg(long)]
    pub evidence: bool,
}

impl When {
    pub fn date(&self) -> NaiveDate {
        self.at.unwrap_or_else(|| Utc::now().date_naive())
    }
}

/// Fold the whole log into a world (for the demo and streams of checked batches).
pub fn load_world(ledger: &Ledger, known_at: Option<KnownAt>) -> anyhow::Result<World> {
    Ok(minutebook_index::replay(ledger, known_at)?)
}

/// End a command's use of the ledger, as the process is about to end. A ledger this process wrote
/// much to is closed, so that the next command opens it quickly (see [`Ledger::close`]); what was
/// written is durable already, so a failure to close is a warning. Any other ledger goes without
/// sled's destructor: the OS takes back sled's page table faster than the destructor walks it (an
/// eighth of a cold `members` at 1M events; it visits every page, to record them for sled's own
/// tests), and its closing flush and fsync have nothing of ours to make durable, as every write is
/// durable before it returns; the journal's records are checkpointed into sled first. Not for a process that goes on using the ledger's directory: its
/// lock stays held.
///
/// `MINUTEBOOK_RESNAPSHOT_AFTER` (bytes) sets how much a command must have written for closing to
/// reopen sled (default [`RESNAPSHOT_AFTER`], 64 MiB; 0: after any write). The durability test sets
/// it to 0 to trace that path with a small ledger.
pub fn done_with(ledger: Ledger) {
    // The setting is read only after a write: a query has no business warning about it.
    let threshold = match ledger.written() {
        0 => 0,
        _ => resnapshot_after(),
    };
    if ledger.written() <= threshold {
        // Appends are durable in the journal; moving them into sled's files here spares the next
        // command applying them again.
        if let Err(e) = ledger.checkpoint() {
            eprintln!(
                "minutebook: warning: checkpointing the ledger: {e:#} (what was written is durable; the next command applies it again)"
            );
        }
        std::mem::forget(ledger);
        return;
    }
    if let Err(e) = ledger.close_resnapshotting_after(threshold) {
        eprintln!(
            "minutebook: warning: closing the ledger: {e:#} (what was written is durable; the next command may take longer to open)"
        );
    }
}

/// `MINUTEBOOK_RESNAPSHOT_AFTER`, or [`RESNAPSHOT_AFTER`] when it is unset or not a number.
fn resnapshot_after() -> u64 {
    match std::env::var("MINUTEBOOK_RESNAPSHOT_AFTER") {
        Err(_) => RESNAPSHOT_AFTER,
        Ok(value) => value.trim().parse().unwrap_or_else(|_| {
            eprintln!(
                "minutebook: warning: MINUTEBOOK_RESNAPSHOT_AFTER={value:?} is not a number of bytes; using {RESNAPSHOT_AFTER}"
            );
            RESNAPSHOT_AFTER
        }),
    }
}

/// Answer `q` through the topic index, as known at `known_at`: only the events of the topics it reads
/// are folded, not the whole log. `q` may run more than once, so it only computes.
pub fn ask_known_at<R>(
    path: &Path,
    known_at: Option<KnownAt>,
    q: impl Fn(&World) -> R,
) -> anyhow::Result<R> {
    let ledger = Ledger::open(path)?;
    let answer = open_index(&ledger)?.answer(known_at, q)?;
    done_with(ledger);
    Ok(answer)
}

/// The ledger's topic index, brought up to the head first if it lags (after an import, or for a
/// ledger written before the index existed), with progress on a terminal.
pub fn open_index(ledger: &Ledger) -> anyhow::Result<Index<'_>> {
    Ok(Index::open(ledger, progress("indexing the ledger"))?)
}

/// A progress line on standard error (only on a terminal), ended when the work reaches the head.
pub fn progress(what: &'static str) -> impl FnMut(u64, u64) {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    move |done, head| {
        if tty {
            eprint!("\r{what}: {done} of {head} events");
            if done >= head {
                eprintln!();
            }
        }
    }
}

/// A date on the command line: YYYY-MM-DD, within the range events may have (1000-01-01 to 9999-12-31).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let d: NaiveDate = s
        .parse()
        .map_err(|e| format!("{s:?} is not a date written YYYY-MM-DD ({e})"))?;
    if !(minutebook_model::EARLIEST..=minutebook_model::LATEST).contains(&d) {
        return Err(format!("{d} is outside 1000-01-01 to 9999-12-31"));
    }
    Ok(d)
}
