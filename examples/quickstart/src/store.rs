//! An in-memory key-value store.

use std::collections::BTreeMap;

#[derive(Default)]
pub struct Store {
    entries: BTreeMap<String, String>,
}

impl Store {
    pub fn add(&mut self, key: &str, value: &str) {
        // FIXME: keys are case-sensitive; decide whether they should be.
        self.entries.insert(key.to_string(), value.to_string());
    }

    pub fn entries(&self) -> impl Iterator<Item = (&String, &String)> {
        self.entries.iter()
    }
}
