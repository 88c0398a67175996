//! One module per subcommand.

pub mod append;
pub mod demo;
pub mod export;
pub mod generate;
pub mod import;
pub mod import_minutes;
pub mod index;
pub mod init;
pub mod log;
pub mod query;
pub mod record;
pub mod review;
pub mod schema;
pub mod show;
pub mod state;
pub mod verify;

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// Read a file, or standard input for `-`.
pub fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    }
    Ok(bytes)
}
