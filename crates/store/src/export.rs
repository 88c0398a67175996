//! Export as JSON Lines and import into an empty ledger.
//!
//! Each line is `{"seq":N,"chain":"HEX","event":EVENT}` where EVENT is the stored bytes verbatim. The
//! sequence and chain hash bind every line to its place: deleting, duplicating or reordering lines
//! breaks the chain, and the last line's chain is the head hash.

use std::io::{BufRead, Write};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Result, StoreError};
use crate::hash::{Checkpoint, Hash};
use crate::ledger::{Ledger, encode_head, encode_seq};
use crate::verify::ChainChecker;

/// One line of an export.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportLine<'a> {
    pub seq: u64,
    pub chain: String,
    #[serde(borrow)]
    pub event: &'a RawValue,
}

#[derive(Clone, Debug)]
pub struct ImportReport {
    pub events: u64,
    pub head: Checkpoint,
}

/// Events written per sled batch during import; the head is written once, at the end.
const IMPORT_CHUNK: usize = 1_000;

impl Ledger {
    /// Write every event, oldest first, as JSON Lines. Returns the head the export ends at.
    pub fn export(&self, out: &mut impl Write) -> Result<Checkpoint> {
        let head = self.head()?;
        for stored in self.iter_from(1)? {
            let stored = stored?;
            out.write_all(&export_line(stored.seq, stored.chain, &stored.bytes))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(head)
    }

    /// Restore an export into this (empty) ledger, keeping recorded times and checking every line's
    /// sequence, chain hash and event as `verify` would. On any problem nothing is kept.
    pub fn import(&self, input: impl BufRead) -> Result<ImportReport> {
        let existing = self.head()?.seq;
        if existing != 0 {
            return Err(StoreError::NotEmpty(existing));
        }
        let result = self.import_lines(input);
        if result.is_err() {
            // The head was never written, so nothing was committed; clear what the chunks left behind.
            self.clear_uncommitted()?;
        }
        result
    }

    fn import_lines(&self, mut input: impl BufRead) -> Result<ImportReport> {
        let mut checker = ChainChecker::new();
        let mut batch = Chunk::default();
        let mut line = Vec::new();
        let mut line_no = 0u64;
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            line_no += 1;
            let fail = |what: String| StoreError::Import {
                line: line_no,
                what,
            };
            // An export is checked as bytes, not only as JSON: a cut-off last line, a blank line or a
            // re-spelled line (other whitespace, upper-case hex) is a change to the file, and a
            // change is reported rather than read past.
            let Some(text) = line.strip_suffix(b"\n") else {
                return Err(fail(
                    "the last line has no newline; the export was cut short".into(),
                ));
            };
            if text.is_empty() {
                return Err(fail("an empty line, which export never writes".into()));
            }
            let parsed: ExportLine = serde_json::from_slice(text)
                .map_err(|e| fail(format!("not an export line: {e}")))?;
            let expected_seq = checker.tip().seq + 1;
            if parsed.seq != expected_seq {
                return Err(fail(format!(
                    "sequence {} where {expected_seq} was expected",
                    parsed.seq
                )));
            }
            let bytes = parsed.event.get().as_bytes();
            let (hash, id) = checker
                .next(bytes)
                .map_err(|e| fail(format!("sequence {}: {e}", parsed.seq)))?;
            if Hash::from_hex(&parsed.chain) != Some(hash) {
                return Err(fail(format!(
                    "sequence {}: the chain hash does not match the event and those before it",
                    parsed.seq
                )));
            }
            if text != export_line(parsed.seq, hash, bytes).as_slice() {
                return Err(fail(format!(
                    "sequence {}: the line is not spelled as export writes it",
                    parsed.seq
                )));
            }
            batch.events.insert(&encode_seq(parsed.seq), bytes);
            batch.chain.insert(&encode_seq(parsed.seq), &hash.0);
            batch.ids.insert(id.0.as_bytes(), &encode_seq(parsed.seq));
            batch.len += 1;
            batch.bytes += line.len() as u64;
            if batch.len == IMPORT_CHUNK {
                std::mem::take(&mut batch).apply(self)?;
            }
        }
        batch.apply(self)?;
        let head = checker.tip();
        // Flush the events before the head that commits them, then the head.
        self.flush()?;
        self.meta.insert(b"head", encode_head(head))?;
        self.flush()?;
        Ok(ImportReport {
            events: head.seq,
            head,
        })
    }

    fn clear_uncommitted(&self) -> Result<()> {
        let trees = [&self.events, &self.chain, &self.ids, self.derived_tree()];
        // A rejection before the first chunk was written leaves nothing to clear or sync.
        if trees.iter().all(|t| t.is_empty()) {
            return Ok(());
        }
        for tree in [&self.events, &self.chain, &self.ids] {
            tree.clear()?;
        }
        self.derived_tree().clear()?;
        self.flush()?;
        Ok(())
    }
}

/// One line as export writes it, without the newline: the only spelling import accepts.
fn export_line(seq: u64, chain: Hash, event: &[u8]) -> Vec<u8> {
    let mut line = format!("{{\"seq\":{seq},\"chain\":\"{chain}\",\"event\":").into_bytes();
    line.extend_from_slice(event);
    line.push(b'}');
    line
}

#[derive(Default)]
struct Chunk {
    events: sled::Batch,
    chain: sled::Batch,
    ids: sled::Batch,
    len: usize,
    bytes: u64,
}

impl Chunk {
    fn apply(self, ledger: &Ledger) -> Result<()> {
        ledger.ensure_room(self.bytes)?;
        ledger.events.apply_batch(self.events)?;
        ledger.chain.apply_batch(self.chain)?;
        ledger.ids.apply_batch(self.ids)?;
        Ok(())
    }
}
