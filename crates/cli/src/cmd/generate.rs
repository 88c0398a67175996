use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use minutebook_generate::{Generator, Spec};

/// Write a realistic, valid ledger of generated events as JSON Lines, for tests and benchmarks.
///
/// Deterministic: the same options give the same bytes. Bodies with terms of reference, meetings
/// with attendance, membership churn (about 20 members per body), resolutions, actions, funding,
/// successions, corrections and facts recorded late. Every prefix appends without rejection:
/// `minutebook generate --events 100000 --out big.jsonl && minutebook append --batch-size 10000 big.jsonl`.
#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    #[arg(long, default_value_t = 100)]
    bodies: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The first month of the history.
    #[arg(long, default_value = "2006-01-01")]
    start: NaiveDate,
    /// Years the history spans (it runs on if more events are asked for than fit).
    #[arg(long, default_value_t = 20)]
    years: u32,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let spec = Spec {
        events: args.events,
        bodies: args.bodies,
        seed: args.seed,
        start: args.start,
        years: args.years,
    };
    let mut w: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock())),
    };
    let progress = args.out.is_some() && std::io::stderr().is_terminal();
    for (i, draft) in Generator::new(spec).enumerate() {
        serde_json::to_writer(&mut w, &draft)?;
        w.write_all(b"\n")?;
        if progress && (i + 1) % 100_000 == 0 {
            eprint!("\rgenerated {} of {} events", i + 1, args.events);
        }
    }
    w.flush()?;
    if progress {
        eprintln!("\rgenerated {} events          ", args.events);
    }
    Ok(())
}
