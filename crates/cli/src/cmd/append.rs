use std::path::{Path, PathBuf};

use anyhow::Context;
use minutebook_index::{Against, Checked, Index};
use minutebook_model::{Draft, EventId, parse_batch};
use minutebook_store::{AppendReport, Ledger, StoreError};
use minutebook_world::DomainRejection;
use serde_json::json;

use crate::output::{Output, checkpoint};
use crate::world::{done_with, open_index};

/// Append events: one JSON event, a JSON array of events, or JSON Lines.
///
/// Each event is checked on its own (structure: fields, types, dates, amounts) and then against the
/// world on its effective date (the body exists then, the seat is defined, the membership is active,
/// the terms of reference amended are the ones in force, ...). If any event breaks a rule, every
/// problem is listed (event, field, rule) and nothing is written. Otherwise all events are appended
/// atomically and flushed to disk before the command returns. Events carrying an id already in the
/// ledger with the same content are reported as already present and not written again. Prints the
/// new head checkpoint: keep it elsewhere to detect later tampering (`verify --expect`).
#[derive(clap::Args)]
pub struct Args {
    /// The file to read, or - for standard input.
    file: PathBuf,
    /// Append only if the ledger's head sequence is still this (optimistic concurrency).
    #[arg(long, value_name = "SEQ")]
    expect_head: Option<u64>,
    /// For large JSON Lines files: read, check and append this many events at a time, each batch
    /// atomic and durable. If a batch is rejected, the batches before it stay appended (the error
    /// says up to which sequence) and nothing of the rejected batch is written.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: Option<u64>,
    /// With --batch-size: replay the ledger once and check every batch against that whole world in
    /// memory. Without it, each batch loads the topics its checks read through the index and
    /// carries them to the next (up to 2 million events, about 3 GB); this flag is faster for a
    /// large import into a large ledger, but holds about 2 KB of memory per event in the ledger
    /// (20 GB at 10 million).
    #[arg(long, requires = "batch_size")]
    world_in_memory: bool,
}

/// Events that break domain rules, given the world on their effective dates.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) with the world on the events' effective dates; nothing was written", .0.len())]
pub struct DomainRejected(pub Vec<DomainRejection>);

/// Check drafts against the ledger's world and append them: the one path every writing command takes.
/// The check folds only the events of the topics it reads (through the index), not the whole log.
pub fn append_checked(
    ledger: &Ledger,
    drafts: Vec<Draft>,
    expect_head: Option<u64>,
) -> anyhow::Result<AppendReport> {
    Appender::new(ledger)?.append(drafts, expect_head)
}

/// Appends batches, each checked through the index against the world on its events' effective
/// dates (folding only the topics the checks read, and carrying them from batch to batch up to a
/// bound, so memory follows the batches, not the ledger) and written with its index entries in the
/// same atomic batch.
pub struct Appender<'a> {
    index: Index<'a>,
    /// What the batches are checked against: the ledger through the index, or with
    /// `--world-in-memory` the whole world, folded once and carried from batch to batch.
    against: Against,
}

impl<'a> Appender<'a> {
    pub fn new(ledger: &'a Ledger) -> anyhow::Result<Appender<'a>> {
        Ok(Appender {
            index: open_index(ledger)?,
            against: Against::default(),
        })
    }

    /// Checks every batch against the whole world, replayed once and kept in memory.
    pub fn with_world_in_memory(ledger: &'a Ledger) -> anyhow::Result<Appender<'a>> {
        Ok(Appender {
            against: Against::Whole(crate::world::load_world(ledger, None)?),
            ..Appender::new(ledger)?
        })
    }

    /// Done appending, the process about to exit: the world it carries is left to the operating
    /// system, which frees it at once, where freeing its millions of facts one by one takes seconds.
    pub fn finish(self) {
        std::mem::forget(self.against);
    }

    /// Check and append one batch atomically. After an error the appender must not be used again:
    /// a world in memory may hold the rejected batch.
    pub fn append(
        &mut self,
        drafts: Vec<Draft>,
        expect_head: Option<u64>,
    ) -> anyhow::Result<AppendReport> {
        match self
            .index
            .append_checked(drafts, expect_head, &mut self.against)?
        {
            Checked::Appended(report) => Ok(report),
            Checked::Rejected(problems) => Err(DomainRejected(problems).into()),
        }
    }
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    if let Some(n) = args.batch_size {
        return run_in_batches(path, &args, n as usize, out);
    }
    let input = super::read_input(&args.file)?;
    let drafts = parse_batch(&input).map_err(StoreError::Rejected)?;
    let ledger = Ledger::open(path)?;
    let report = append_checked(&ledger, drafts, args.expect_head)?;
    done_with(ledger);
    print_report(&report, out);
    Ok(())
}

/// Stream a JSON Lines file in batches through one `Appender`.
fn run_in_batches(path: &Path, args: &Args, size: usize, out: &Output) -> anyhow::Result<()> {
    use std::io::{BufRead, IsTerminal};
    let reader: Box<dyn BufRead> = if args.file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?;
        Box::new(std::io::BufReader::with_capacity(1 << 20, f))
    };
    let ledger = Ledger::open(path)?;
    let mut appender = if args.world_in_memory {
        Appender::with_world_in_memory(&ledger)?
    } else {
        Appender::new(&ledger)?
    };
    let progress = std::io::stderr().is_terminal() && !out.json;
    let (mut appended, mut present, mut batches) = (0u64, 0u64, 0u64);
    let (mut events_before, mut lines_before) = (0usize, 0usize);
    let mut chunk = Vec::new();
    let mut chunk_events = 0;
    let mut lines = reader.split(b'\n');
    loop {
        let line = lines.next().transpose().context("reading the input")?;
        if let Some(line) = &line {
            if !line.iter().all(u8::is_ascii_whitespace) {
                chunk_events += 1;
            }
            chunk.extend_from_slice(line);
            chunk.push(b'\n');
        }
        let full = chunk_events == size || (line.is_none() && chunk_events > 0);
        if full {
            let shift = |mut r: minutebook_model::Rejection| {
                r.event.position = r.event.position.map(|p| p + events_before);
                r.event.line = r.event.line.map(|l| l + lines_before);
                r
            };
            let drafts = parse_batch(&chunk)
                .map_err(|rs| StoreError::Rejected(rs.into_iter().map(shift).collect()))?;
            let expect = if batches == 0 { args.expect_head } else { None };
            let report = appender.append(drafts, expect).with_context(|| {
                format!(
                    "batch {} (events {} to {}); the batches before it are appended",
                    batches + 1,
                    events_before + 1,
                    events_before + chunk_events
                )
            })?;
            batches += 1;
            appended += report.appended.len() as u64;
            present += report.already_present.len() as u64;
            events_before += chunk_events;
            lines_before += chunk.iter().filter(|&&b| b == b'\n').count();
            if progress {
                eprint!(
                    "\rappended {appended} event(s) in {batches} batch(es), head {}",
                    report.head.seq
                );
            }
            chunk.clear();
            chunk_events = 0;
        }
        if line.is_none() {
            break;
        }
    }
    if progress {
        eprintln!();
    }
    appender.finish();
    let head = ledger.head()?;
    done_with(ledger);
    if out.json {
        out.json(&json!({ "batches": batches, "appended": appended, "already_present": present, "head": checkpoint(head) }));
    } else {
        println!("appended {appended} event(s) in {batches} batch(es); {present} already present");
        println!("head {head}");
    }
    Ok(())
}

/// The append report as JSON: appended and already-present events, the new head.
pub fn report_json(report: &AppendReport) -> serde_json::Value {
    let list = |v: &[(u64, EventId)]| {
        v.iter()
            .map(|(seq, id)| json!({ "seq": seq, "id": id }))
            .collect::<Vec<_>>()
    };
    json!({
        "appended": list(&report.appended),
        "already_present": list(&report.already_present),
        "head": checkpoint(report.head),
    })
}

pub fn print_report(report: &AppendReport, out: &Output) {
    if out.json {
        out.json(&report_json(report));
    } else {
        match (report.appended.first(), report.appended.last()) {
            (Some(first), Some(last)) => println!(
                "appended {} event(s), seq {}..{}",
                report.appended.len(),
                first.0,
                last.0
            ),
            _ => println!("appended nothing"),
        }
        for (seq, id) in &report.already_present {
            println!("already present: {id} (seq {seq})");
        }
        println!("head {}", report.head);
    }
}
