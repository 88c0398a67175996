//! Export as JSON Lines and import into an empty ledger.
//!
//! Each line is `{"seq":N,"chain":"HEX","event":EVENT}` where EVENT is the stored bytes verbatim. The
//! sequence and chain hash bind every line to its place: deleting, duplicating or reordering lines
//! breaks the chain, and the last line's chain is the head hash.

use std::io::{BufRead, Write};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::block::{self, Packer};
use crate::codec;
use crate::error::{Result, StoreError};
use crate::hash::{Checkpoint, Hash};
use crate::ledger::{HEAD, Ledger, TAIL, encode_head, encode_seq};
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

    fn import_lines(&self, input: impl BufRead) -> Result<ImportReport> {
        let mut reader = ExportReader::new(input);
        let mut packer = Packer::default();
        let mut ids = sled::Batch::default();
        let mut id_bytes = 0;
        let mut pending = 0;
        let mut tail = None;
        // Dictionaries are trained from the latest lines as the import passes the sizes a ledger
        // trains at. Until the first is (at 16,384 lines, or sooner if they are large), nothing is
        // written, so that every block is compressed.
        let mut latest = std::collections::VecDeque::new();
        let mut latest_bytes = 0;
        let mut read_bytes = 0;
        let mut next_training = self.codec().next_training();
        let mut trained = false;
        while let Some(line) = reader.next_line()? {
            read_bytes += line.event.len();
            latest_bytes += line.event.len();
            latest.push_back(line.event.clone());
            while latest.len() > codec::TRAIN_EVENTS || latest_bytes > codec::SAMPLE_BYTES {
                latest_bytes -= latest.pop_front().map_or(0, |e| e.len());
            }
            if line.seq >= next_training || (!trained && read_bytes >= codec::SAMPLE_BYTES) {
                self.store_dictionary(latest.make_contiguous(), line.seq)?;
                next_training = self.codec().next_training();
                trained = true;
            }
            let block = packer.push(line.seq, &line.chain, &line.event);
            let place = block::encode_place(line.seq, block);
            id_bytes += (line.id.0.as_bytes().len() + place.len()) as u64;
            ids.insert(line.id.0.as_bytes(), &place);
            tail = Some(block);
            pending += 1;
            if pending >= IMPORT_CHUNK && trained {
                self.write_blocks(packer.take_full())?;
                self.ids.apply_batch(std::mem::take(&mut ids))?;
                self.wrote(std::mem::take(&mut id_bytes));
                pending = 0;
            }
        }
        self.write_blocks(packer.finish())?;
        self.ids.apply_batch(ids)?;
        self.wrote(id_bytes);
        let head = reader.checker.tip();
        // Flush the events before the head that commits them, then the head and the tail together.
        self.flush()?;
        let mut meta = sled::Batch::default();
        meta.insert(HEAD, encode_head(head));
        if let Some(tail) = tail {
            meta.insert(TAIL, &encode_seq(tail));
        }
        self.meta.apply_batch(meta)?;
        self.flush()?;
        Ok(ImportReport {
            events: head.seq,
            head,
        })
    }

    fn clear_uncommitted(&self) -> Result<()> {
        self.discard_dictionaries()?;
        let trees = [&self.log, &self.ids, self.derived_tree()];
        // A rejection before the first chunk was written leaves nothing to clear or sync.
        if trees.iter().all(|t| t.is_empty()) {
            return Ok(());
        }
        for tree in trees {
            tree.clear()?;
        }
        self.flush()?;
        Ok(())
    }
}

/// Check an export as `import` would (every line's bytes, sequence, event and chain hash) without
/// writing anything; returns the head it ends at. The same reader is `import`'s only way in, so
/// what this accepts, import accepts.
pub fn check_export(input: impl BufRead) -> Result<Checkpoint> {
    let mut reader = ExportReader::new(input);
    while reader.next_line()?.is_some() {}
    Ok(reader.checker.tip())
}

/// A checked line of an export.
struct CheckedLine {
    seq: u64,
    chain: Hash,
    id: minutebook_model::EventId,
    event: Vec<u8>,
}

struct ExportReader<R> {
    input: R,
    checker: ChainChecker,
    line: Vec<u8>,
    line_no: u64,
}

impl<R: BufRead> ExportReader<R> {
    fn new(input: R) -> Self {
        ExportReader {
            input,
            checker: ChainChecker::new(),
            line: Vec::new(),
            line_no: 0,
        }
    }

    fn next_line(&mut self) -> Result<Option<CheckedLine>> {
        self.line.clear();
        if self.input.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        let line_no = self.line_no;
        let fail = |what: String| StoreError::Import {
            line: line_no,
            what,
        };
        // An export is checked as bytes, not only as JSON: a cut-off last line, a blank line or a
        // re-spelled line (other whitespace, upper-case hex) is a change to the file, and a change
        // is reported rather than read past.
        let Some(text) = self.line.strip_suffix(b"\n") else {
            return Err(fail(
                "the last line has no newline; the export was cut short".into(),
            ));
        };
        if text.is_empty() {
            return Err(fail("an empty line, which export never writes".into()));
        }
        let parsed: ExportLine =
            serde_json::from_slice(text).map_err(|e| fail(format!("not an export line: {e}")))?;
        let expected_seq = self.checker.tip().seq + 1;
        if parsed.seq != expected_seq {
            return Err(fail(format!(
                "sequence {} where {expected_seq} was expected",
                parsed.seq
            )));
        }
        let bytes = parsed.event.get().as_bytes();
        let (hash, id) = self
            .checker
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
        Ok(Some(CheckedLine {
            seq: parsed.seq,
            chain: hash,
            id,
            event: bytes.to_vec(),
        }))
    }
}

/// One line as export writes it, without the newline: the only spelling import accepts.
fn export_line(seq: u64, chain: Hash, event: &[u8]) -> Vec<u8> {
    let mut line = format!("{{\"seq\":{seq},\"chain\":\"{chain}\",\"event\":").into_bytes();
    line.extend_from_slice(event);
    line.push(b'}');
    line
}
