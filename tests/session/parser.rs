//! Property tests (the fuzz target) of the line codec and the line splitter.

use std::ops::ControlFlow;

use cchost::session::{
    reader::{LineReader, RawLine},
    record::{TIMESTAMP_LEN, Timestamp, decode, encode_body, encode_line},
};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((".*", inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn encoded(seq: u64, micros: i64, kind: &str, agent: Option<&str>, data: &Value) -> Vec<u8> {
    let mut body = Vec::new();
    encode_body(kind, agent, data, &mut body).unwrap();
    let mut ts = [0u8; TIMESTAMP_LEN];
    Timestamp(micros).format_into(&mut ts);
    let mut line = Vec::new();
    encode_line(seq, &ts, "20250601T120000.000Z-00000000", &body, &mut line);
    line
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn records_round_trip(
        seq in any::<u64>(),
        micros in 0i64..253_402_300_799_999_999,
        kind in "[a-z_.:/-]{1,20}",
        agent in proptest::option::of("[A-Za-z0-9-]{1,20}"),
        data in json_value(),
    ) {
        let line = encoded(seq, micros, &kind, agent.as_deref(), &data);
        prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let record = decode(&line[..line.len() - 1]).unwrap();
        prop_assert_eq!(record.seq, seq);
        prop_assert_eq!(record.ts, Timestamp(micros));
        prop_assert_eq!(&*record.kind, kind.as_str());
        prop_assert_eq!(record.agent.as_deref(), agent.as_deref());
        // Compared as text: serde_json's float parsing is not bit-exact without its
        // `float_roundtrip` feature, and the store keeps the text it was given.
        prop_assert_eq!(record.data, serde_json::to_string(&data).unwrap());
    }

    #[test]
    fn damaged_lines_are_rejected(
        data in json_value(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let line = encoded(1, 0, "k", None, &data);
        let mut damaged = line[..line.len() - 1].to_vec();
        let i = at.index(damaged.len());
        damaged[i] ^= flip;
        prop_assert!(decode(&damaged).is_err(), "change at byte {} undetected", i);
        // A torn write: any proper prefix is rejected too.
        let cut = at.index(line.len() - 1);
        prop_assert!(decode(&line[..cut]).is_err());
    }

    #[test]
    fn the_splitter_accounts_for_every_byte(
        bytes in prop::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..3000),
        limit in 1usize..200,
    ) {
        let mut reader = LineReader::with_limit(bytes.as_slice(), limit);
        let mut total = 0u64;
        let mut next_offset = 0u64;
        reader.for_each_line(|at| {
            assert_eq!(at.offset, next_offset);
            if let RawLine::Complete(line) = at.line {
                assert!(line.len() <= limit && !line.contains(&b'\n'));
            }
            let len = at.line.file_len();
            total += len;
            next_offset += len;
            ControlFlow::Continue(())
        }).unwrap();
        prop_assert_eq!(total, bytes.len() as u64);
    }
}
