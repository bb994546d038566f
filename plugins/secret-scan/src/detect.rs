//! The secret detectors: scanning one text for credentials, Shannon entropy, and redaction.
//!
//! Every detector is hand-written over bytes (each secret format starts with an ASCII anchor:
//! a prefix such as `AKIA` or `ghp_`, a `-----BEGIN` header, or an assignment to a key-like
//! name), so a scan is a few linear passes with no regex engine in the component. Structured
//! tokens whose random part has very low entropy (`AKIAXXXXXXXXXXXXXXXX`, `ghp_xxxx…`) are
//! treated as placeholders and not reported.

/// Below this entropy (bits per character) the random part of a structured token is a
/// placeholder such as `XXXX…` or `0000…`.
pub const PLACEHOLDER_ENTROPY: f64 = 3.0;

/// The detectors, by stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Detector {
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GithubToken,
    SlackToken,
    SlackWebhook,
    PrivateKey,
    StripeKey,
    GoogleApiKey,
    Jwt,
    GenericSecret,
}

impl Detector {
    pub const ALL: [Detector; 10] = [
        Detector::AwsAccessKeyId,
        Detector::AwsSecretAccessKey,
        Detector::GithubToken,
        Detector::SlackToken,
        Detector::SlackWebhook,
        Detector::PrivateKey,
        Detector::StripeKey,
        Detector::GoogleApiKey,
        Detector::Jwt,
        Detector::GenericSecret,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Detector::AwsAccessKeyId => "aws-access-key-id",
            Detector::AwsSecretAccessKey => "aws-secret-access-key",
            Detector::GithubToken => "github-token",
            Detector::SlackToken => "slack-token",
            Detector::SlackWebhook => "slack-webhook",
            Detector::PrivateKey => "private-key",
            Detector::StripeKey => "stripe-key",
            Detector::GoogleApiKey => "google-api-key",
            Detector::Jwt => "jwt",
            Detector::GenericSecret => "generic-secret",
        }
    }

    pub fn from_id(id: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.id() == id)
    }
}

/// Tuning of the generic `key = "value"` detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenericTuning {
    /// Minimum Shannon entropy (bits per character) of a value; hex-only values need 3/4 of it.
    pub entropy_threshold: f64,
    /// Minimum length of a value.
    pub min_length: usize,
}

impl Default for GenericTuning {
    fn default() -> Self {
        GenericTuning {
            entropy_threshold: 4.0,
            min_length: 20,
        }
    }
}

/// One suspected secret in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub detector: Detector,
    /// Byte range of the secret in the scanned text.
    pub start: usize,
    pub end: usize,
    /// For the generic detector: the name the value was assigned to.
    pub name: Option<String>,
}

impl Hit {
    pub fn secret<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

/// Shannon entropy of `s` in bits per byte.
pub fn entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// A form of the secret safe to show: the first 4 and last 2 characters (nothing of short
/// secrets, nothing of private keys).
pub fn redact(detector: Detector, secret: &str) -> String {
    if detector == Detector::PrivateKey {
        return "[private key block]".to_string();
    }
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return "…".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn is_upper_or_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// End of the run of bytes satisfying `pred` from `start`, looking at most `max` bytes.
fn run_end(bytes: &[u8], start: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut end = start;
    while end < bytes.len() && end - start < max && pred(bytes[end]) {
        end += 1;
    }
    end
}

/// The byte before `i` does not continue a word (for prefixes like `AKIA` or `ghp_`).
fn boundary_before(bytes: &[u8], i: usize, word: impl Fn(u8) -> bool) -> bool {
    i == 0 || !word(bytes[i - 1])
}

/// All suspected secrets in `text`, in order, from the `enabled` detectors.
pub fn scan(text: &str, enabled: &[Detector], tuning: &GenericTuning) -> Vec<Hit> {
    let mut hits = Vec::new();
    let on = |d: Detector| enabled.contains(&d);
    if on(Detector::AwsAccessKeyId) {
        aws_access_key_ids(text, &mut hits);
    }
    if on(Detector::AwsSecretAccessKey) {
        aws_secret_keys(text, &mut hits);
    }
    if on(Detector::GithubToken) {
        github_tokens(text, &mut hits);
    }
    if on(Detector::SlackToken) {
        slack_tokens(text, &mut hits);
    }
    if on(Detector::SlackWebhook) {
        slack_webhooks(text, &mut hits);
    }
    if on(Detector::PrivateKey) {
        private_keys(text, &mut hits);
    }
    if on(Detector::StripeKey) {
        stripe_keys(text, &mut hits);
    }
    if on(Detector::GoogleApiKey) {
        google_api_keys(text, &mut hits);
    }
    if on(Detector::Jwt) {
        jwts(text, &mut hits);
    }
    if on(Detector::GenericSecret) {
        let mut generic = Vec::new();
        generic_assignments(text, tuning, &mut generic);
        // A value a specific detector already reported is not reported twice.
        generic.retain(|g| !hits.iter().any(|h| h.start < g.end && g.start < h.end));
        hits.extend(generic);
    }
    hits.sort_by_key(|h| (h.start, h.end));
    hits.dedup_by(|a, b| a.start == b.start && a.end == b.end);
    hits
}

fn push(hits: &mut Vec<Hit>, detector: Detector, start: usize, end: usize) {
    hits.push(Hit {
        detector,
        start,
        end,
        name: None,
    });
}

/// `AKIA` / `ASIA` + 16 upper-case letters or digits.
fn aws_access_key_ids(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    for prefix in ["AKIA", "ASIA"] {
        for (i, _) in text.match_indices(prefix) {
            if !boundary_before(bytes, i, is_alnum) {
                continue;
            }
            let body = i + 4;
            let end = run_end(bytes, body, 17, is_upper_or_digit);
            if end - body != 16 || end < bytes.len() && is_alnum(bytes[end]) {
                continue;
            }
            if entropy(&text[body..end]) >= PLACEHOLDER_ENTROPY {
                push(hits, Detector::AwsAccessKeyId, i, end);
            }
        }
    }
}

/// 40 base64 characters assigned to `aws_secret_access_key` (or `SecretAccessKey`, …).
fn aws_secret_keys(text: &str, hits: &mut Vec<Hit>) {
    const NAMES: [&str; 4] = [
        "secret_access_key",
        "secret-access-key",
        "secretaccesskey",
        "aws_secret_key",
    ];
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    for name in NAMES {
        for (i, _) in lower.match_indices(name) {
            let mut j = i + name.len();
            let limit = (j + 12).min(bytes.len());
            while j < limit && b" \t\"'`=:>".contains(&bytes[j]) {
                j += 1;
            }
            let end = run_end(bytes, j, 41, is_base64);
            if end - j == 40
                && entropy(&text[j..end]) >= PLACEHOLDER_ENTROPY
                && !hits.iter().any(|h| h.start == j)
            {
                push(hits, Detector::AwsSecretAccessKey, j, end);
            }
        }
    }
}

/// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 or more, or `github_pat_` + 40 or more.
fn github_tokens(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    let word = |b: u8| is_alnum(b) || b == b'_';
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"] {
        let (min, body_byte): (usize, fn(u8) -> bool) = if prefix == "github_pat_" {
            (40, |b| is_alnum(b) || b == b'_')
        } else {
            (36, is_alnum)
        };
        for (i, _) in text.match_indices(prefix) {
            if !boundary_before(bytes, i, word) {
                continue;
            }
            let body = i + prefix.len();
            let end = run_end(bytes, body, 255, body_byte);
            if end - body >= min && entropy(&text[body..end]) >= PLACEHOLDER_ENTROPY {
                push(hits, Detector::GithubToken, i, end);
            }
        }
    }
}

/// `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`, `xoxs-` + at least 10 characters with some digits.
fn slack_tokens(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices("xox") {
        if !boundary_before(bytes, i, is_alnum)
            || !bytes.get(i + 3).is_some_and(|b| b"abprs".contains(b))
            || bytes.get(i + 4) != Some(&b'-')
        {
            continue;
        }
        let body = i + 5;
        let end = run_end(bytes, body, 255, |b| is_alnum(b) || b == b'-');
        let digits = text[body..end].bytes().filter(u8::is_ascii_digit).count();
        if end - body >= 10 && digits >= 4 && entropy(&text[body..end]) >= PLACEHOLDER_ENTROPY {
            push(hits, Detector::SlackToken, i, end);
        }
    }
}

/// `hooks.slack.com/services/…` (also `/workflows/`, `/triggers/`).
fn slack_webhooks(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices("hooks.slack.com/") {
        let after = i + "hooks.slack.com/".len();
        let kind = ["services/", "workflows/", "triggers/"]
            .into_iter()
            .find(|k| text[after..].starts_with(k));
        let Some(kind) = kind else { continue };
        let body = after + kind.len();
        let end = run_end(bytes, body, 255, |b| is_alnum(b) || b"/_-".contains(&b));
        let path = &text[body..end];
        if path.len() >= 20
            && path.matches('/').count() >= 1
            && entropy(path) >= PLACEHOLDER_ENTROPY
        {
            push(hits, Detector::SlackWebhook, i, end);
        }
    }
}

/// `-----BEGIN … PRIVATE KEY-----` followed by real key material.
fn private_keys(text: &str, hits: &mut Vec<Hit>) {
    const WINDOW: usize = 8192;
    // Past this many headers the rest are not examined (keeps hostile input linear).
    const MAX_HEADERS: usize = 256;
    let bytes = text.as_bytes();
    let mut headers = 0;
    for (i, _) in text.match_indices("-----BEGIN ") {
        let label_start = i + "-----BEGIN ".len();
        let label_end = run_end(bytes, label_start, 64, |b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '
        });
        let label = &text[label_start..label_end];
        let label = label.strip_suffix(" BLOCK").unwrap_or(label);
        if !label.ends_with("PRIVATE KEY") || !text[label_end..].starts_with("-----") {
            continue;
        }
        headers += 1;
        if headers > MAX_HEADERS {
            break;
        }
        let body_start = label_end + 5;
        let window_end = floor_boundary(text, (body_start + WINDOW).min(text.len()));
        let window = &text[body_start..window_end];
        let body_len = window.find("-----END").unwrap_or(window.len());
        let material = window[..body_len].bytes().filter(|&b| is_base64(b)).count();
        if material < 64 {
            continue;
        }
        // The block ends after the END line's closing dashes, when there is one.
        let end = match window[body_len..].find("-----END") {
            Some(0) => {
                let after_end = body_start + body_len + "-----END".len();
                text[after_end..]
                    .find("-----")
                    .map_or(body_start + body_len, |k| after_end + k + 5)
            }
            _ => body_start + body_len,
        };
        push(hits, Detector::PrivateKey, i, end);
    }
}

/// `sk_live_` / `rk_live_` + at least 20 characters.
fn stripe_keys(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    for prefix in ["sk_live_", "rk_live_"] {
        for (i, _) in text.match_indices(prefix) {
            if !boundary_before(bytes, i, is_alnum) {
                continue;
            }
            let body = i + prefix.len();
            let end = run_end(bytes, body, 255, is_alnum);
            if end - body >= 20 && entropy(&text[body..end]) >= PLACEHOLDER_ENTROPY {
                push(hits, Detector::StripeKey, i, end);
            }
        }
    }
}

/// `AIza` + exactly 35 base64url characters.
fn google_api_keys(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices("AIza") {
        if !boundary_before(bytes, i, is_base64url) {
            continue;
        }
        let body = i + 4;
        let end = run_end(bytes, body, 36, is_base64url);
        if end - body == 35 && entropy(&text[body..end]) >= PLACEHOLDER_ENTROPY {
            push(hits, Detector::GoogleApiKey, i, end);
        }
    }
}

/// `eyJ….eyJ….<signature>`: a signed JSON Web Token.
fn jwts(text: &str, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find("eyJ") {
        let i = from + offset;
        from = i + 3;
        if !boundary_before(bytes, i, |b| is_base64url(b) || b == b'.') {
            continue;
        }
        // A failed candidate is skipped whole: a later `eyJ` inside the same run has no
        // boundary before it, and skipping keeps hostile input (`eyJeyJeyJ…`) linear.
        let header_end = run_end(bytes, i, 4096, is_base64url);
        from = from.max(header_end);
        if header_end - i < 10 || bytes.get(header_end) != Some(&b'.') {
            continue;
        }
        let payload = header_end + 1;
        if !text[payload..].starts_with("eyJ") {
            continue;
        }
        let payload_end = run_end(bytes, payload, 16384, is_base64url);
        from = from.max(payload_end);
        if payload_end - payload < 10 || bytes.get(payload_end) != Some(&b'.') {
            continue;
        }
        let signature = payload_end + 1;
        let end = run_end(bytes, signature, 1024, is_base64url);
        if end - signature >= 16 {
            push(hits, Detector::Jwt, i, end);
            from = end;
        }
    }
}

/// Names whose values are secrets: `api_key`, `SECRET_TOKEN`, `db_password`, `authToken`, …
fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "secret",
        "token",
        "password",
        "passwd",
        "passphrase",
        "key",
        "credential",
        "auth",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

/// Authorization schemes that precede a credential.
const SCHEMES: [&str; 6] = ["Bearer ", "bearer ", "Basic ", "basic ", "token ", "Token "];

fn is_name_byte(b: u8) -> bool {
    is_alnum(b) || b"_.-".contains(&b)
}

/// `name = "value"`, `name: value`, `"name": "value"`, `name := "value"`, `name => 'value'`
/// where the name looks secret and the value is long and random enough.
fn generic_assignments(text: &str, tuning: &GenericTuning, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    for (k, &op) in bytes.iter().enumerate() {
        if op != b'=' && op != b':' {
            continue;
        }
        let prev = k.checked_sub(1).map(|p| bytes[p]);
        let next = bytes.get(k + 1).copied();
        // Comparisons (`==`, `!=`, `<=`, `>=`) and the `=` of `:=` (seen at its `:`).
        if op == b'='
            && (next == Some(b'=') || matches!(prev, Some(b'=' | b'!' | b'<' | b'>' | b':')))
        {
            continue;
        }
        if op == b':' && (next == Some(b':') || prev == Some(b':')) {
            continue;
        }
        // The name before the operator (possibly quoted, possibly followed by spaces).
        let mut j = k;
        while j > 0 && j + 4 > k && matches!(bytes[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        if j > 0 && matches!(bytes[j - 1], b'"' | b'\'') {
            j -= 1;
        }
        let name_end = j;
        while j > 0 && name_end - j < 64 && is_name_byte(bytes[j - 1]) {
            j -= 1;
        }
        let name = &text[j..name_end];
        if name.is_empty() || !secret_name(name) {
            continue;
        }
        // The value after the operator.
        let mut v = k + 1;
        if op == b':' && next == Some(b'=') || op == b'=' && next == Some(b'>') {
            v += 1;
        }
        let limit = (v + 8).min(bytes.len());
        while v < limit && matches!(bytes[v], b' ' | b'\t') {
            v += 1;
        }
        // `Authorization: Bearer <token>`.
        for scheme in SCHEMES {
            if text[v..].starts_with(scheme) {
                v += scheme.len();
            }
        }
        let (mut start, end) = match bytes.get(v) {
            Some(&q) if matches!(q, b'"' | b'\'' | b'`') => {
                let close = run_end(bytes, v + 1, 1024, |b| b != q && b != b'\n');
                if bytes.get(close) != Some(&q) {
                    continue;
                }
                (v + 1, close)
            }
            Some(_) => (
                v,
                run_end(bytes, v, 1024, |b| {
                    !(b.is_ascii_whitespace() || b",;(){}[]\"'`<>|&".contains(&b))
                }),
            ),
            None => continue,
        };
        for scheme in SCHEMES {
            if text[start..end].starts_with(scheme) {
                start += scheme.len();
            }
        }
        let value = &text[start..end];
        if plausible_secret(value, tuning) {
            hits.push(Hit {
                detector: Detector::GenericSecret,
                start,
                end,
                name: Some(name.to_string()),
            });
        }
    }
}

/// A value long, mixed and random enough to be a credential rather than code or prose.
pub fn plausible_secret(value: &str, tuning: &GenericTuning) -> bool {
    if value.len() < tuning.min_length
        || value.bytes().any(|b| b.is_ascii_whitespace())
        || value.contains("://")
        || ["$", "{{", "%(", "<", "/", "./", "~/"]
            .iter()
            .any(|p| value.starts_with(p))
        || !value.bytes().any(|b| b.is_ascii_digit())
        || !value.bytes().any(|b| b.is_ascii_alphabetic())
    {
        return false;
    }
    let hex = value.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let threshold = if hex {
        tuning.entropy_threshold * 0.75
    } else {
        tuning.entropy_threshold
    };
    entropy(value) >= threshold
}

/// The largest char boundary at or below `i`.
pub fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&'static str, String)> {
        scan(text, &Detector::ALL, &GenericTuning::default())
            .into_iter()
            .map(|h| (h.detector.id(), h.secret(text).to_string()))
            .collect()
    }

    fn ids(text: &str) -> Vec<&'static str> {
        found(text).into_iter().map(|(id, _)| id).collect()
    }

    // Test tokens are assembled at run time so this file does not itself look like a leak.
    fn token(prefix: &str, body: &str) -> String {
        format!("{prefix}{body}")
    }

    const RANDOM36: &str = "R8kq2Vx9LmT4bZp7Nw3Hj6Fd1Gs5Ay0Ce2Qu";
    const RANDOM40: &str = "wJ7rXUtnFEMI/K7MDENG/bPxRfiCYzq8Rk29Lmx0";

    #[test]
    fn entropy_values() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("ab") - 1.0).abs() < 1e-9);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert!((entropy("0123456789abcdef") - 4.0).abs() < 1e-9);
        assert!(entropy(RANDOM36) > 4.5);
    }

    #[test]
    fn redaction_hides_the_secret() {
        let secret = token("ghp_", RANDOM36);
        let shown = redact(Detector::GithubToken, &secret);
        assert_eq!(shown, "ghp_…Qu");
        assert!(!shown.contains(RANDOM36));
        assert_eq!(redact(Detector::GenericSecret, "short"), "…");
        assert_eq!(
            redact(Detector::PrivateKey, "-----BEGIN"),
            "[private key block]"
        );
        assert_eq!(redact(Detector::GenericSecret, "ééééééééééééé"), "éééé…éé");
    }

    #[test]
    fn aws_access_key_id() {
        let key = token("AKIA", "Q3RZ7T2WLX5BN4YP");
        assert_eq!(
            found(&format!("id = {key}\n")),
            [("aws-access-key-id", key.clone())]
        );
        let temp = token("ASIA", "Q3RZ7T2WLX5BN4YP");
        assert_eq!(ids(&format!("\"{temp}\"")), ["aws-access-key-id"]);
        // Placeholders, wrong lengths, embedded in longer words.
        assert!(ids(&token("AKIA", "XXXXXXXXXXXXXXXX")).is_empty());
        assert!(ids(&token("AKIA", "Q3RZ7T2WLX5BN4Y")).is_empty());
        assert!(ids(&token("AKIA", "Q3RZ7T2WLX5BN4YPQ")).is_empty());
        assert!(ids(&token("XAKIA", "Q3RZ7T2WLX5BN4YP")).is_empty());
        assert!(ids(&token("AKIA", "q3rz7t2wlx5bn4yp")).is_empty());
    }

    #[test]
    fn aws_secret_access_key() {
        let text = format!("aws_secret_access_key = {RANDOM40}\n");
        assert_eq!(
            found(&text),
            [("aws-secret-access-key", RANDOM40.to_string())]
        );
        let json = format!("{{\"SecretAccessKey\": \"{RANDOM40}\"}}");
        assert_eq!(ids(&json), ["aws-secret-access-key"]);
        let env = format!("export AWS_SECRET_ACCESS_KEY='{RANDOM40}'");
        assert_eq!(ids(&env), ["aws-secret-access-key"]);
        // Not near the name, or a placeholder.
        assert!(!ids(&format!("value = {RANDOM40}")).contains(&"aws-secret-access-key"));
        assert!(ids(&format!("aws_secret_access_key = {}", "x".repeat(40))).is_empty());
    }

    #[test]
    fn github_tokens() {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let t = token(prefix, RANDOM36);
            assert_eq!(found(&format!("token: {t}")), [("github-token", t.clone())]);
        }
        let pat = token(
            "github_pat_",
            "11ABCDEFG0123456789_abcdefghijKLMNOPqrstuvwxyz0123456789ABCDEFGHIJ",
        );
        assert_eq!(ids(&pat), ["github-token"]);
        assert!(ids(&token("ghp_", &"x".repeat(36))).is_empty());
        assert!(ids(&token("ghp_", "short123")).is_empty());
        assert!(ids(&token("xghp_", RANDOM36)).is_empty());
    }

    #[test]
    fn slack_tokens_and_webhooks() {
        let t = token("xoxb-", "2345678901-3456789012345-AbCdEfGhIjKlMnOpQrStUvWx");
        assert_eq!(ids(&format!("SLACK={t}")), ["slack-token"]);
        assert!(ids("xoxb-your-token-here").is_empty());
        assert!(ids(&token("xoxz-", "2345678901-3456789012345")).is_empty());
        let hook = token(
            "https://hooks.slack.com/services/",
            "T024BE7LD/B01ABCD2EFG/q7XkZ2pR9vLm3NwT8yHs4Jd1",
        );
        assert_eq!(ids(&hook), ["slack-webhook"]);
        let docs = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
        assert!(ids(docs).is_empty());
        assert!(ids("see https://hooks.slack.com/ for details").is_empty());
    }

    #[test]
    fn private_keys() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n";
        for label in [
            "RSA PRIVATE KEY",
            "PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "EC PRIVATE KEY",
            "PGP PRIVATE KEY BLOCK",
        ] {
            let block = format!("x\n-----BEGIN {label}-----\n{body}-----END {label}-----\ny");
            let hits = found(&block);
            assert_eq!(hits.len(), 1, "{label}: {hits:?}");
            assert_eq!(hits[0].0, "private-key");
            assert!(
                hits[0].1.ends_with(&format!("-----END {label}-----")),
                "{label}"
            );
        }
        // JSON-escaped newlines (a service-account file).
        let escaped = format!(
            "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\"",
            body.replace('\n', "\\n")
        );
        assert!(ids(&escaped).contains(&"private-key"));
        // Mentions without key material, and public keys.
        assert!(ids("if line.startswith('-----BEGIN RSA PRIVATE KEY-----'):").is_empty());
        assert!(
            ids(&format!(
                "-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----"
            ))
            .is_empty()
        );
        assert!(ids("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----").is_empty());
    }

    #[test]
    fn stripe_keys() {
        let live = token("sk_live_", "51H8aBcDeFgHiJkLmNoPqRsTuV2xYz");
        assert_eq!(ids(&format!("STRIPE_KEY={live}")), ["stripe-key"]);
        assert_eq!(
            ids(&token("rk_live_", "51H8aBcDeFgHiJkLmNoPqRsTuV2xYz")),
            ["stripe-key"]
        );
        assert!(ids(&token("sk_test_", "51H8aBcDeFgHiJkLmNoPqRsTuV2xYz")).is_empty());
        assert!(ids(&token("sk_live_", "xxxxxxxxxxxxxxxxxxxxxxxx")).is_empty());
    }

    #[test]
    fn google_api_keys() {
        let key = token("AIza", "SyD3k9Xq7Lm2Vb8Np4Rt6Wz1Hj5Fg0Cs-_Q");
        assert_eq!(
            found(&format!("key={key}&q=1")),
            [("google-api-key", key.clone())]
        );
        assert!(ids(&token("AIza", "SyD3k9Xq7Lm2Vb8Np4Rt6Wz1Hj5Fg0Cs")).is_empty());
        assert!(ids(&token("AIza", &"A".repeat(35))).is_empty());
    }

    #[test]
    fn jwts() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_eq!(
            found(&format!("Authorization: Bearer {jwt}")),
            [("jwt", jwt.to_string())]
        );
        // Unsigned, truncated, or not JSON.
        assert!(ids("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.").is_empty());
        assert!(ids("eyJhbGciOiJIUzI1NiJ9").is_empty());
        assert!(ids("abc.def.ghi").is_empty());
    }

    #[test]
    fn generic_assignments() {
        let value = "q8Zr2LmX7vKp4TnW9bYc3Hs6";
        let cases = [
            format!("api_key = \"{value}\""),
            format!("API_KEY={value}"),
            format!("\"client_secret\": \"{value}\""),
            format!("password: '{value}'"),
            format!("authToken := \"{value}\""),
            format!("'db_password' => '{value}'"),
            format!("Authorization: Bearer {value}"),
        ];
        for case in &cases {
            let hits = scan(case, &Detector::ALL, &GenericTuning::default());
            assert_eq!(hits.len(), 1, "{case}: {hits:?}");
            assert_eq!(hits[0].detector, Detector::GenericSecret);
            assert_eq!(hits[0].secret(case), value, "{case}");
        }
        let hits = scan(&cases[0], &Detector::ALL, &GenericTuning::default());
        assert_eq!(hits[0].name.as_deref(), Some("api_key"));
    }

    #[test]
    fn generic_rejects_ordinary_code() {
        for text in [
            "api_key = \"your-api-key-here\"",
            "password = \"changeme\"",
            "token = os.environ[\"GITHUB_TOKEN\"]",
            "secret_key = ${SECRET_KEY_BASE_VALUE_FROM_ENV}",
            "token_url = \"https://oauth2.googleapis.com/token?x=1\"",
            "key_path = \"/home/user/.config/app/key12345.json\"",
            "if token == \"abcdefghijklmnopqrstuvwxyz0123\" {",
            "author = \"Jane Doe <jane123@example.com>\"",
            "monkey = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaa1\"",
            "name = \"q8Zr2LmX7vKp4TnW9bYc3Hs6\"",
            "password: string",
            "token = getToken(req, 'q8Zr2LmX7vKp4TnW9bYc3Hs6')",
        ] {
            assert!(ids(text).is_empty(), "{text}: {:?}", ids(text));
        }
    }

    #[test]
    fn generic_hex_values_use_a_lower_threshold() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015";
        assert!(entropy(hex) < 4.0);
        assert_eq!(ids(&format!("api_key = \"{hex}\"")), ["generic-secret"]);
        assert!(ids("api_key = \"00000000000000000000000000000001\"").is_empty());
    }

    #[test]
    fn generic_tuning_is_honoured() {
        let text = "token = \"q8Zr2LmX7vKp4TnW9bYc3Hs6\"";
        let strict = GenericTuning {
            entropy_threshold: 5.0,
            min_length: 20,
        };
        assert!(scan(text, &Detector::ALL, &strict).is_empty());
        let long = GenericTuning {
            entropy_threshold: 4.0,
            min_length: 30,
        };
        assert!(scan(text, &Detector::ALL, &long).is_empty());
    }

    #[test]
    fn specific_detectors_win_over_generic() {
        let t = token("ghp_", RANDOM36);
        let text = format!("GITHUB_TOKEN=\"{t}\"");
        assert_eq!(ids(&text), ["github-token"]);
    }

    #[test]
    fn only_enabled_detectors_run() {
        let t = token("ghp_", RANDOM36);
        let key = token("AKIA", "Q3RZ7T2WLX5BN4YP");
        let text = format!("{t} {key}");
        let hits = scan(
            &text,
            &[Detector::AwsAccessKeyId],
            &GenericTuning::default(),
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].detector, Detector::AwsAccessKeyId);
    }

    #[test]
    fn ids_round_trip() {
        for d in Detector::ALL {
            assert_eq!(Detector::from_id(d.id()), Some(d));
        }
        assert_eq!(Detector::from_id("nope"), None);
    }

    #[test]
    fn non_ascii_text_is_safe() {
        let t = token("ghp_", RANDOM36);
        let text = format!("ééé {t} ünïcödé password=ñ");
        assert_eq!(ids(&text), ["github-token"]);
        assert_eq!(floor_boundary("é", 1), 0);
    }

    #[test]
    fn large_inputs_scan_quickly() {
        let text = "key: value, ".repeat(100_000) + &"=".repeat(100_000) + &"eyJ".repeat(50_000);
        let start = std::time::Instant::now();
        let _ = scan(&text, &Detector::ALL, &GenericTuning::default());
        assert!(start.elapsed().as_secs() < 5);
    }
}
