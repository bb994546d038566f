//! The record envelope and its line codec: one JSON object per line whose last member is a
//! CRC-32 of everything before it, so a line stays plain, greppable JSON while bit rot and torn
//! writes are detected.
//!
//! ```text
//! {"seq":7,"ts":"2025-06-01T12:00:00.123456Z","session":"20250601T120000.123Z-1a2b3c4d","kind":"plan","agent":"planner","data":{"step":1},"crc":"60cae2c8"}
//! ```
//!
//! Writers emit the members in exactly this order, `agent` only when there is one, and `data`
//! always last before `crc`; members a newer writer adds go between `agent` and `data`. Readers
//! decode that canonical layout without a JSON parser (the checksum already vouches for every
//! byte) and fall back to `serde_json` for any other member order, keeping unknown members.

use std::{borrow::Cow, fmt};

use serde::{
    Deserialize, Serialize,
    de::{self, IgnoredAny},
};
use serde_json::value::RawValue;

/// `,"crc":"` + 8 hex digits + `"}`.
const CRC_SUFFIX_LEN: usize = 18;
const CRC_PREFIX: &[u8] = b",\"crc\":\"";
/// Longest line written or read; a longer line is skipped by readers without being buffered.
pub const MAX_LINE_BYTES: usize = 32 << 20;
/// Longest `kind` or `agent` name.
pub const MAX_NAME_BYTES: usize = 64;

/// A point in time, microseconds since the Unix epoch (UTC), written as RFC 3339 with six
/// fractional digits so that timestamps compare correctly as text too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Length of a formatted [`Timestamp`]: `2025-06-01T12:00:00.123456Z`.
pub const TIMESTAMP_LEN: usize = 27;

impl Timestamp {
    pub fn now() -> Self {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since_epoch.as_micros() as i64)
    }

    pub fn from_unix_millis(ms: i64) -> Self {
        Timestamp(ms.saturating_mul(1000))
    }

    pub fn unix_micros(self) -> i64 {
        self.0
    }

    /// Writes the fixed-width form (years are clamped to 0000..=9999).
    pub fn format_into(self, out: &mut [u8; TIMESTAMP_LEN]) {
        let micros = self.0.clamp(MIN_MICROS, MAX_MICROS);
        let secs = micros.div_euclid(1_000_000);
        let frac = micros.rem_euclid(1_000_000) as u32;
        let days = secs.div_euclid(86_400);
        let day_secs = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let mut put = |at: usize, value: u32, width: usize| {
            let mut v = value;
            for i in (0..width).rev() {
                out[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year as u32, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, day_secs / 3600, 2);
        put(14, day_secs / 60 % 60, 2);
        put(17, day_secs % 60, 2);
        put(20, frac, 6);
        out[4] = b'-';
        out[7] = b'-';
        out[10] = b'T';
        out[13] = b':';
        out[16] = b':';
        out[19] = b'.';
        out[26] = b'Z';
    }

    /// Parses RFC 3339 (`2025-06-01T12:00:00Z`, optional fraction, `Z` or `±hh:mm`) or a bare
    /// date (`2025-06-01`, midnight UTC).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(range)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
        };
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let days = days_from_civil(year, month as u32, day as u32);
        if b.len() == 10 {
            return Some(Timestamp(days * 86_400_000_000));
        }
        if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
            return None;
        }
        let hour = digits(11..13)?;
        let minute = digits(14..16)?;
        let (second, mut at) = if b.get(16) == Some(&b':') {
            (digits(17..19)?, 19)
        } else {
            (0, 16)
        };
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut micros = 0i64;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                if at - start < 6 {
                    micros = micros * 10 + i64::from(b[at] - b'0');
                }
                at += 1;
            }
            if at == start {
                return None;
            }
            for _ in (at - start)..6 {
                micros *= 10;
            }
        }
        let offset_secs = match b.get(at) {
            Some(b'Z' | b'z') if b.len() == at + 1 => 0,
            Some(sign @ (b'+' | b'-')) if b.len() == at + 6 && b[at + 3] == b':' => {
                let secs = digits(at + 1..at + 3)? * 3600 + digits(at + 4..at + 6)? * 60;
                if *sign == b'+' { secs } else { -secs }
            }
            _ => return None,
        };
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Some(Timestamp(secs * 1_000_000 + micros))
    }
}

const MIN_MICROS: i64 = -62_167_219_200_000_000; // 0000-01-01T00:00:00Z
const MAX_MICROS: i64 = 253_402_300_799_999_999; // 9999-12-31T23:59:59.999999Z

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; TIMESTAMP_LEN];
        self.format_into(&mut out);
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text)
            .ok_or_else(|| de::Error::custom(format!("`{text}` is not an RFC 3339 timestamp")))
    }
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A decoded line that borrows from the read buffer: the reader's hot path allocates nothing.
/// `data` is the record's payload as raw JSON text; parse it with [`RecordRef::data_as`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRef<'a> {
    pub seq: u64,
    pub ts: Timestamp,
    pub session: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    pub agent: Option<Cow<'a, str>>,
    pub data: &'a str,
    /// Members this version does not know, in line order, as raw JSON.
    pub extra: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> RecordRef<'a> {
    pub fn data_as<T: Deserialize<'a>>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.data)
    }

    pub fn to_owned(&self) -> Record {
        let raw = |text: &str| {
            RawValue::from_string(text.to_string())
                .unwrap_or_else(|_| RawValue::from_string("null".into()).expect("null is JSON"))
        };
        Record {
            seq: self.seq,
            ts: self.ts,
            session: self.session.to_string(),
            kind: self.kind.to_string(),
            agent: self.agent.as_ref().map(|a| a.to_string()),
            data: raw(self.data),
            extra: self
                .extra
                .iter()
                .map(|(k, v)| (k.to_string(), raw(v)))
                .collect(),
        }
    }

    /// The record as one compact JSON object without the checksum (for export): envelope
    /// first, unknown members next, `data` last.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"seq\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.seq).as_bytes());
        out.extend_from_slice(b",\"ts\":\"");
        let mut ts = [0u8; TIMESTAMP_LEN];
        self.ts.format_into(&mut ts);
        out.extend_from_slice(&ts);
        out.extend_from_slice(b"\",\"session\":");
        write_json_string(&self.session, out);
        out.extend_from_slice(b",\"kind\":");
        write_json_string(&self.kind, out);
        if let Some(agent) = &self.agent {
            out.extend_from_slice(b",\"agent\":");
            write_json_string(agent, out);
        }
        for (key, value) in &self.extra {
            out.push(b',');
            write_json_string(key, out);
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(b",\"data\":");
        out.extend_from_slice(self.data.as_bytes());
        out.push(b'}');
    }
}

/// An owned record, with unknown members preserved.
#[derive(Debug, Clone)]
pub struct Record {
    pub seq: u64,
    pub ts: Timestamp,
    pub session: String,
    pub kind: String,
    pub agent: Option<String>,
    pub data: Box<RawValue>,
    pub extra: Vec<(String, Box<RawValue>)>,
}

impl Record {
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            seq: self.seq,
            ts: self.ts,
            session: Cow::Borrowed(&self.session),
            kind: Cow::Borrowed(&self.kind),
            agent: self.agent.as_deref().map(Cow::Borrowed),
            data: self.data.get(),
            extra: self
                .extra
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), v.get()))
                .collect(),
        }
    }
}

impl Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("seq", &self.seq)?;
        map.serialize_entry("ts", &self.ts)?;
        map.serialize_entry("session", &self.session)?;
        map.serialize_entry("kind", &self.kind)?;
        if let Some(agent) = &self.agent {
            map.serialize_entry("agent", agent)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("data", &self.data)?;
        map.end()
    }
}

/// Why a line is not a record. Every variant is a counted skip for readers, never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    Empty,
    TooLong {
        bytes: u64,
    },
    /// The file ends without a newline: a writer crashed (or is still) mid-append.
    Incomplete {
        bytes: u64,
    },
    InvalidUtf8 {
        at: usize,
    },
    NoChecksum,
    ChecksumMismatch {
        stored: u32,
        computed: u32,
    },
    NotJson(String),
    MissingField(&'static str),
    BadField {
        field: &'static str,
        why: String,
    },
    /// Not after the sequence number of the previous good line.
    OutOfOrder {
        seq: u64,
        previous: u64,
    },
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Empty => write!(f, "empty line"),
            LineError::TooLong { bytes } => write!(
                f,
                "line of {bytes} bytes is longer than the {} MiB limit",
                MAX_LINE_BYTES >> 20
            ),
            LineError::Incomplete { bytes } => write!(
                f,
                "incomplete last line ({bytes} bytes without a newline): a writer crashed mid-append"
            ),
            LineError::InvalidUtf8 { at } => write!(f, "invalid UTF-8 at byte {at}"),
            LineError::NoChecksum => write!(f, "no `crc` member at the end of the line"),
            LineError::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:08x}, computed {computed:08x}): the line was altered"
            ),
            LineError::NotJson(why) => write!(f, "not a JSON record: {why}"),
            LineError::MissingField(field) => write!(f, "missing `{field}`"),
            LineError::BadField { field, why } => write!(f, "bad `{field}`: {why}"),
            LineError::OutOfOrder { seq, previous } => {
                write!(f, "sequence number {seq} does not follow {previous}")
            }
        }
    }
}

impl std::error::Error for LineError {}

/// Decodes one line (without its newline).
pub fn decode(line: &[u8]) -> Result<RecordRef<'_>, LineError> {
    if line.is_empty() {
        return Err(LineError::Empty);
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(LineError::TooLong {
            bytes: line.len() as u64,
        });
    }
    let stored = stored_checksum(line)?;
    let body = &line[..line.len() - CRC_SUFFIX_LEN];
    let computed = crc32fast::hash(body);
    if stored != computed {
        return Err(LineError::ChecksumMismatch { stored, computed });
    }
    let text = std::str::from_utf8(line).map_err(|e| LineError::InvalidUtf8 {
        at: e.valid_up_to(),
    })?;
    let body = &text[..text.len() - CRC_SUFFIX_LEN];
    match decode_canonical(body) {
        Some(record) => Ok(record),
        None => decode_any_order(text),
    }
}

fn stored_checksum(line: &[u8]) -> Result<u32, LineError> {
    if line.len() < CRC_SUFFIX_LEN + 1 {
        return Err(LineError::NoChecksum);
    }
    let suffix = &line[line.len() - CRC_SUFFIX_LEN..];
    if !suffix.starts_with(CRC_PREFIX) || !suffix.ends_with(b"\"}") {
        return Err(LineError::NoChecksum);
    }
    let mut value = 0u32;
    for &digit in &suffix[CRC_PREFIX.len()..CRC_PREFIX.len() + 8] {
        let nibble = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            _ => return Err(LineError::NoChecksum),
        };
        value = value << 4 | u32::from(nibble);
    }
    Ok(value)
}

/// The fast path: the exact layout our writer emits. `None` sends the line to the tolerant
/// path, which gives the precise error if there is one.
fn decode_canonical(body: &str) -> Option<RecordRef<'_>> {
    let rest = body.strip_prefix("{\"seq\":")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    let seq: u64 = rest[..digits].parse().ok()?;
    let rest = rest[digits..].strip_prefix(",\"ts\":\"")?;
    let ts = Timestamp::parse_rfc3339(rest.get(..TIMESTAMP_LEN)?)?;
    let rest = rest[TIMESTAMP_LEN..].strip_prefix("\",\"session\":\"")?;
    let (session, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(",\"kind\":\"")?;
    let (kind, mut rest) = plain_string(rest)?;
    let mut agent = None;
    if let Some(after) = rest.strip_prefix(",\"agent\":\"") {
        let (name, after) = plain_string(after)?;
        agent = Some(Cow::Borrowed(name));
        rest = after;
    }
    let data = rest.strip_prefix(",\"data\":")?;
    if data.is_empty() {
        return None;
    }
    Some(RecordRef {
        seq,
        ts,
        session: Cow::Borrowed(session),
        kind: Cow::Borrowed(kind),
        agent,
        data,
        extra: Vec::new(),
    })
}

/// A string without escapes up to its closing quote, and what follows the quote.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let end = memchr::memchr2(b'"', b'\\', text.as_bytes())?;
    if text.as_bytes()[end] != b'"' {
        return None;
    }
    Some((&text[..end], &text[end + 1..]))
}

/// The tolerant path: any member order, unknown members kept.
fn decode_any_order(text: &str) -> Result<RecordRef<'_>, LineError> {
    let members: Members<'_> =
        serde_json::from_str(text).map_err(|e| LineError::NotJson(e.to_string()))?;
    let mut seq = None;
    let mut ts = None;
    let mut session = None;
    let mut kind = None;
    let mut agent = None;
    let mut data = None;
    let mut extra = Vec::new();
    for (key, value) in members.0 {
        let bad = |field: &'static str, e: serde_json::Error| LineError::BadField {
            field,
            why: e.to_string(),
        };
        match key.as_ref() {
            "seq" => {
                seq = Some(serde_json::from_str::<u64>(value.get()).map_err(|e| bad("seq", e))?)
            }
            "ts" => {
                ts = Some(serde_json::from_str::<Timestamp>(value.get()).map_err(|e| bad("ts", e))?)
            }
            "session" => session = Some(borrowed_string(value).map_err(|e| bad("session", e))?),
            "kind" => kind = Some(borrowed_string(value).map_err(|e| bad("kind", e))?),
            "agent" => {
                agent = serde_json::from_str::<Option<Cow<'_, str>>>(value.get())
                    .map_err(|e| bad("agent", e))?
            }
            "data" => data = Some(value.get()),
            "crc" => {}
            _ => extra.push((key, value.get())),
        }
    }
    Ok(RecordRef {
        seq: seq.ok_or(LineError::MissingField("seq"))?,
        ts: ts.ok_or(LineError::MissingField("ts"))?,
        session: session.ok_or(LineError::MissingField("session"))?,
        kind: kind.ok_or(LineError::MissingField("kind"))?,
        agent,
        data: data.ok_or(LineError::MissingField("data"))?,
        extra,
    })
}

fn borrowed_string(value: &RawValue) -> serde_json::Result<Cow<'_, str>> {
    serde_json::from_str::<Cow<'_, str>>(value.get())
}

/// A JSON object's members in order, values as raw JSON.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    members.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Why a record cannot be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    BadName { field: &'static str, name: String },
    NotJson(String),
    TooLong { bytes: usize },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BadName { field, name } => write!(
                f,
                "invalid {field} `{}`: use 1 to {MAX_NAME_BYTES} letters, digits or `_ - . : /`",
                name.chars().take(80).collect::<String>()
            ),
            EncodeError::NotJson(why) => write!(f, "record data is not valid JSON: {why}"),
            EncodeError::TooLong { bytes } => write!(
                f,
                "record of {bytes} bytes exceeds the {} MiB line limit",
                MAX_LINE_BYTES >> 20
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Kinds and agent names are plain identifiers, so the canonical line needs no escaping.
pub fn check_name(field: &'static str, name: &str) -> Result<(), EncodeError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(EncodeError::BadName {
            field,
            name: name.to_string(),
        })
    }
}

/// The part of a line the caller can prepare before the writer stamps it:
/// `"kind":"…","agent":"…","data":…`.
pub fn encode_body<T: Serialize + ?Sized>(
    kind: &str,
    agent: Option<&str>,
    data: &T,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let start = out.len();
    encode_body_head(kind, agent, out)?;
    // serde_json's compact output never contains a raw newline: line framing is safe.
    if let Err(e) = serde_json::to_writer(&mut *out, data) {
        out.truncate(start);
        return Err(EncodeError::NotJson(e.to_string()));
    }
    check_body_len(out, start)
}

/// Like [`encode_body`] for data that is already JSON text (from a plugin or the command line):
/// validated, then stripped of insignificant whitespace so it fits on one line. Numbers and
/// strings are kept byte for byte.
pub fn encode_body_json(
    kind: &str,
    agent: Option<&str>,
    json: &str,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if json.len() > MAX_LINE_BYTES {
        return Err(EncodeError::TooLong { bytes: json.len() });
    }
    serde_json::from_str::<IgnoredAny>(json).map_err(|e| EncodeError::NotJson(e.to_string()))?;
    let start = out.len();
    encode_body_head(kind, agent, out)?;
    let mut in_string = false;
    let mut escaped = false;
    for &b in json.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        } else if b == b'"' {
            in_string = true;
        }
        out.push(b);
    }
    check_body_len(out, start)
}

fn encode_body_head(kind: &str, agent: Option<&str>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    check_name("kind", kind)?;
    if let Some(agent) = agent {
        check_name("agent", agent)?;
    }
    out.extend_from_slice(b"\"kind\":\"");
    out.extend_from_slice(kind.as_bytes());
    if let Some(agent) = agent {
        out.extend_from_slice(b"\",\"agent\":\"");
        out.extend_from_slice(agent.as_bytes());
    }
    out.extend_from_slice(b"\",\"data\":");
    Ok(())
}

/// Room left on a line for the envelope the writer adds.
const ENVELOPE_RESERVE: usize = 512;

fn check_body_len(out: &mut Vec<u8>, start: usize) -> Result<(), EncodeError> {
    let bytes = out.len() - start;
    if bytes + ENVELOPE_RESERVE > MAX_LINE_BYTES {
        out.truncate(start);
        return Err(EncodeError::TooLong { bytes });
    }
    Ok(())
}

/// Completes a line: `{"seq":…,"ts":"…","session":"…",` + body + checksum + newline.
/// `session` must be a valid session id (see [`super::id::check_session_id`]).
pub fn encode_line(
    seq: u64,
    ts: &[u8; TIMESTAMP_LEN],
    session: &str,
    body: &[u8],
    out: &mut Vec<u8>,
) {
    let start = out.len();
    out.extend_from_slice(b"{\"seq\":");
    out.extend_from_slice(itoa::Buffer::new().format(seq).as_bytes());
    out.extend_from_slice(b",\"ts\":\"");
    out.extend_from_slice(ts);
    out.extend_from_slice(b"\",\"session\":\"");
    out.extend_from_slice(session.as_bytes());
    out.extend_from_slice(b"\",");
    out.extend_from_slice(body);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(CRC_PREFIX);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..8).rev() {
        out.push(HEX[(crc >> (shift * 4) & 0xf) as usize]);
    }
    out.extend_from_slice(b"\"}\n");
}

/// Writes `text` as a JSON string literal.
pub fn write_json_string(text: &str, out: &mut Vec<u8>) {
    // Serialising a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, kind: &str, agent: Option<&str>, data: &serde_json::Value) -> Vec<u8> {
        let mut body = Vec::new();
        encode_body(kind, agent, data, &mut body).unwrap();
        let mut ts = [0u8; TIMESTAMP_LEN];
        Timestamp(1_748_779_200_123_456).format_into(&mut ts);
        let mut out = Vec::new();
        encode_line(seq, &ts, "20250601T120000.123Z-0a1b2c3d", &body, &mut out);
        out
    }

    #[test]
    fn the_documented_example_line_is_valid() {
        let line = br#"{"seq":7,"ts":"2025-06-01T12:00:00.123456Z","session":"20250601T120000.123Z-1a2b3c4d","kind":"plan","agent":"planner","data":{"step":1},"crc":"60cae2c8"}"#;
        let record = decode(line).unwrap();
        assert_eq!((record.seq, record.data), (7, r#"{"step":1}"#));
    }

    #[test]
    fn a_line_round_trips_through_the_fast_path() {
        let data = serde_json::json!({"text": "hi \"there\"\nnext", "n": [1, 2.5, null]});
        let bytes = line(7, "note", Some("planner"), &data);
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1);
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with(
            "{\"seq\":7,\"ts\":\"2025-06-01T12:00:00.123456Z\",\"session\":\"20250601T120000.123Z-0a1b2c3d\",\"kind\":\"note\",\"agent\":\"planner\",\"data\":{"
        ), "{text}");
        let record = decode(&bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(record.seq, 7);
        assert_eq!(record.kind, "note");
        assert_eq!(record.agent.as_deref(), Some("planner"));
        assert_eq!(record.data_as::<serde_json::Value>().unwrap(), data);
        // The whole line is valid JSON for other tools.
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["ts"], "2025-06-01T12:00:00.123456Z");
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let bytes = line(1, "k", None, &serde_json::json!({"a": "b"}));
        let body = &bytes[..bytes.len() - 1];
        for i in 0..body.len() {
            let mut damaged = body.to_vec();
            damaged[i] ^= 0x04;
            assert!(decode(&damaged).is_err(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn unknown_members_are_kept_by_the_tolerant_path() {
        let body = r#"{"kind":"k","ts":"2025-06-01T12:00:00Z","seq":3,"session":"s","parent":{"x":1},"data":[1]"#;
        let crc = crc32fast::hash(body.as_bytes());
        let text = format!("{body},\"crc\":\"{crc:08x}\"}}");
        let record = decode(text.as_bytes()).unwrap();
        assert_eq!(record.seq, 3);
        assert_eq!(record.extra, vec![(Cow::Borrowed("parent"), "{\"x\":1}")]);
        let mut out = Vec::new();
        record.write_json(&mut out);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"seq":3,"ts":"2025-06-01T12:00:00.000000Z","session":"s","kind":"k","parent":{"x":1},"data":[1]}"#
        );
    }

    #[test]
    fn precise_errors() {
        assert_eq!(decode(b""), Err(LineError::Empty));
        assert_eq!(decode(b"{\"seq\":1}"), Err(LineError::NoChecksum));
        let body = r#"{"seq":1,"ts":"2025-06-01T12:00:00Z","kind":"k","data":1"#;
        let text = format!(
            "{body},\"crc\":\"{:08x}\"}}",
            crc32fast::hash(body.as_bytes())
        );
        assert_eq!(
            decode(text.as_bytes()),
            Err(LineError::MissingField("session"))
        );
        let mut invalid = b"{\"x\":\"\xff\"".to_vec();
        let crc = crc32fast::hash(&invalid);
        invalid.extend_from_slice(format!(",\"crc\":\"{crc:08x}\"}}").as_bytes());
        assert!(matches!(
            decode(&invalid),
            Err(LineError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn json_text_is_minified_exactly() {
        let mut out = Vec::new();
        encode_body_json("k", None, "{ \"a b\" :\n [1.000, \"x\\\" y\"] }", &mut out).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#""kind":"k","data":{"a b":[1.000,"x\" y"]}"#
        );
        assert!(encode_body_json("k", None, "{", &mut out).is_err());
        assert!(encode_body_json("bad kind", None, "1", &mut out).is_err());
        assert!(encode_body_json("k", Some("a\"b"), "1", &mut out).is_err());
    }

    #[test]
    fn timestamps_format_and_parse() {
        for (micros, text) in [
            (0, "1970-01-01T00:00:00.000000Z"),
            (1_748_779_200_123_456, "2025-06-01T12:00:00.123456Z"),
            (951_782_400_000_000, "2000-02-29T00:00:00.000000Z"),
            (-1, "1969-12-31T23:59:59.999999Z"),
        ] {
            assert_eq!(Timestamp(micros).to_string(), text);
            assert_eq!(Timestamp::parse_rfc3339(text), Some(Timestamp(micros)));
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2025-06-01T14:00:00+02:00"),
            Timestamp::parse_rfc3339("2025-06-01T12:00:00Z")
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2025-06-01"),
            Timestamp::parse_rfc3339("2025-06-01T00:00:00.000Z")
        );
        for bad in [
            "",
            "2025",
            "2025-13-01",
            "2025-06-01T25:00:00Z",
            "2025-06-01T12:00:00",
            "x",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }
}
