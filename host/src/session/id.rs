//! Session ids: time-sortable (`20250601T120000.123Z-1a2b3c4d`: UTC start time to the
//! millisecond, then 32 random bits), and the rule for ids given by users or other tools.

use std::hash::{BuildHasher, Hasher};

use anyhow::{Result, bail};

use super::record::Timestamp;

/// A new id for a session starting now. Ids sort by start time as plain text.
pub fn new_session_id() -> String {
    let now = Timestamp::now();
    let text = now.to_string(); // 2025-06-01T12:00:00.123456Z
    let compact: String = text[..23]
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect(); // 20250601T120000.123
    format!("{compact}Z-{:08x}", random_u32())
}

fn random_u32() -> u32 {
    // RandomState is seeded from the OS once per process; the counter and clock make successive
    // ids of one process differ too.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.write_i64(Timestamp::now().unix_micros());
    hasher.write_u32(std::process::id());
    hasher.finish() as u32
}

/// Accepts ids of 1 to 128 letters, digits, `_`, `-` and `.` not starting with `.`: ours, Claude
/// Code's UUIDs, and nothing that could step out of the sessions directory.
pub fn check_session_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !ok {
        bail!(
            "invalid session id `{}`: use 1 to 128 letters, digits, `_`, `-` or `.`, not starting with `.`",
            id.chars().take(140).collect::<String>()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_distinct_and_sort_by_time() {
        let first = new_session_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = new_session_id();
        check_session_id(&first).unwrap();
        assert_eq!(
            first.len(),
            "20250601T120000.123Z-1a2b3c4d".len(),
            "{first}"
        );
        assert!(first < second, "{first} !< {second}");
    }

    #[test]
    fn ids_cannot_escape_the_directory() {
        for bad in ["", "..", "../x", "a/b", ".hidden", "a b", &"x".repeat(129)] {
            assert!(check_session_id(bad).is_err(), "{bad}");
        }
        check_session_id("6f1c2a9e-8b7d-4c3e-9a1f-2b3c4d5e6f70").unwrap();
    }
}
