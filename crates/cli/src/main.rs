//! `minutebook`: the command line over the ledger. It parses arguments, wires the model and the store
//! together and prints; it holds no governance logic of its own.

mod cmd;
mod exit;
mod output;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  other failure (a file could not be read, no such event, ...)
  2  usage error (bad arguments)
  3  rejected input: an event broke a rule; nothing was written
  4  conflict: the ledger's head moved past --expect-head; nothing was written
  5  the ledger is in use by another process
  6  storage or integrity failure (verify found the log altered, or sled failed)

Quick start:
  minutebook demo                      load the example ledger into a temporary directory
  minutebook init && minutebook append events.jsonl && minutebook log
  minutebook import-minutes minutes.html --body BODY --out drafts.jsonl
                                       read published minutes into drafts to review
";

/// minutebook: a tamper-evident, append-only ledger of governance facts — who sat on which board for
/// whom, which terms of reference were in force, what was resolved, which funding went where.
#[derive(Parser)]
#[command(name = "minutebook", version, after_help = AFTER_HELP)]
struct Cli {
    /// The ledger directory.
    #[arg(
        long,
        global = true,
        env = "MINUTEBOOK_LEDGER",
        default_value = "minutebook.db"
    )]
    ledger: PathBuf,
    /// Print machine-readable JSON instead of text (errors too, on stdout).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Init(cmd::init::Args),
    Append(cmd::append::Args),
    Log(cmd::log::Args),
    Show(cmd::show::Args),
    Verify(cmd::verify::Args),
    Export(cmd::export::Args),
    Import(cmd::import::Args),
    ImportMinutes(cmd::import_minutes::Args),
    Demo(cmd::demo::Args),
    Members(cmd::query::MembersArgs),
    Bodies(cmd::query::BodiesArgs),
    History(cmd::query::HistoryArgs),
    Tor(cmd::query::TorArgs),
    Meetings(cmd::query::MeetingsArgs),
    Resolutions(cmd::query::ResolutionsArgs),
    Actions(cmd::query::ActionsArgs),
    Funding(cmd::query::FundingArgs),
    State(cmd::state::Args),
    Review(cmd::review::Args),
    Record(Box<cmd::record::Args>),
    Schema(cmd::schema::Args),
    Generate(cmd::generate::Args),
    Index(cmd::index::Args),
}

fn main() -> ExitCode {
    // A reader that stops early (`minutebook log | head`) ends us as it ends any Unix tool, quietly,
    // rather than with a panic on the next print. Rust ignores SIGPIPE unless told otherwise.
    // SAFETY: setting a signal's disposition to the default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let out = output::Output { json: cli.json };
    let result = match cli.command {
        Command::Init(a) => cmd::init::run(&cli.ledger, a, &out),
        Command::Append(a) => cmd::append::run(&cli.ledger, a, &out),
        Command::Log(a) => cmd::log::run(&cli.ledger, a, &out),
        Command::Show(a) => cmd::show::run(&cli.ledger, a, &out),
        Command::Verify(a) => cmd::verify::run(&cli.ledger, a, &out),
        Command::Export(a) => cmd::export::run(&cli.ledger, a, &out),
        Command::Import(a) => cmd::import::run(&cli.ledger, a, &out),
        Command::ImportMinutes(a) => cmd::import_minutes::run(&cli.ledger, a, &out),
        Command::Demo(a) => cmd::demo::run(a, &out),
        Command::Members(a) => cmd::query::members(&cli.ledger, a, &out),
        Command::Bodies(a) => cmd::query::bodies(&cli.ledger, a, &out),
        Command::History(a) => cmd::query::history(&cli.ledger, a, &out),
        Command::Tor(a) => cmd::query::tor(&cli.ledger, a, &out),
        Command::Meetings(a) => cmd::query::meetings(&cli.ledger, a, &out),
        Command::Resolutions(a) => cmd::query::resolutions(&cli.ledger, a, &out),
        Command::Actions(a) => cmd::query::actions(&cli.ledger, a, &out),
        Command::Funding(a) => cmd::query::funding(&cli.ledger, a, &out),
        Command::Review(a) => cmd::review::run(&cli.ledger, a, &out),
        Command::State(a) => cmd::state::run(&cli.ledger, a, &out),
        Command::Record(a) => cmd::record::run(&cli.ledger, *a, &out),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Generate(a) => cmd::generate::run(a),
        Command::Index(a) => cmd::index::run(&cli.ledger, a, &out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::report(&e, &out),
    }
}
