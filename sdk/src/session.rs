//! The agent's session log (agents only): append records, read the session back. The host
//! stamps sequence number, time, session and the agent's name on every record.

use serde::{Serialize, de::DeserializeOwned};

use crate::bindings::cchost::plugin::session as host;
pub use crate::bindings::cchost::plugin::session::Entry;

/// Appends a record of `kind` with `data`; returns its sequence number.
pub fn append<T: Serialize + ?Sized>(kind: &str, data: &T) -> Result<u64, String> {
    let json = serde_json::to_string(data).map_err(|e| format!("serialise record data: {e}"))?;
    host::append(kind, &json)
}

/// Up to `limit` records after sequence number `after`, oldest first (the host caps a read at
/// 1,000 records and 1 MiB); continue from the last `seq` returned.
pub fn read(after: u64, limit: u32) -> Result<Vec<Entry>, String> {
    host::read(after, limit)
}

/// Every record of the session after `after`, read in pages.
pub fn read_all(after: u64) -> Result<Vec<Entry>, String> {
    let mut all = Vec::new();
    let mut cursor = after;
    loop {
        let page = host::read(cursor, 1000)?;
        let Some(last) = page.last() else {
            return Ok(all);
        };
        cursor = last.seq;
        all.extend(page);
    }
}

impl Entry {
    /// The record's data as `T`.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_str(&self.data).map_err(|e| format!("record {}: {e}", self.seq))
    }
}
