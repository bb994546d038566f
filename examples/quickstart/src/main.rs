//! A tiny program for the quickstart to survey.

mod store;

fn main() {
    let mut store = store::Store::default();
    store.add("cchost", "runs agents in waves");
    // TODO: read entries from the command line.
    for (key, value) in store.entries() {
        println!("{key}: {value}");
    }
}
