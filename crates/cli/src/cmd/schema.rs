/// Print the JSON Schema of events: as submitted to `append` (default) or as stored and exported.
///
/// The schema is generated from the Rust types; events/schema/ holds the checked-in copies.
#[derive(clap::Args)]
pub struct Args {
    /// The stored form (with `id` and `recorded_at`) instead of the submitted form.
    #[arg(long)]
    stored: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let schema = if args.stored {
        minutebook_model::schema::event_schema()
    } else {
        minutebook_model::schema::draft_schema()
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
