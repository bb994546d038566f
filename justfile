# Developer conveniences; the README's two commands never need `just`.

# `cchost`, then `cchost-hook` built alone without the compilers (what `hook install` writes).
# On Linux `cchost-hook` is built for musl, a static-pie: no shared libraries to load and none of
# glibc's start-up CPU probing at every hook call, ASLR kept. It needs musl-gcc (Debian: `apt
# install musl-tools`) for the C in its dependencies; elsewhere it is linked as usual.
install:
    #!/usr/bin/env bash
    set -euo pipefail
    cargo install --path host
    host="$(rustc -vV | sed -n 's/^host: //p')"
    if [[ "$host" == *-linux-gnu ]]; then
        musl="${host%-gnu}-musl"
        command -v musl-gcc >/dev/null || { echo "musl-gcc is missing (Debian: apt install musl-tools)" >&2; exit 1; }
        rustup target add "$musl"
        env "CC_${musl//-/_}=musl-gcc" cargo install --path host --no-default-features --bin cchost-hook --force --target "$musl"
    else
        cargo install --path host --no-default-features --bin cchost-hook --force
    fi

# Run the whole test suite (the README's test command).
test:
    cargo test --workspace

# Format check and clippy, as CI runs them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Build only the wasm plugins (the host's build script also does this).
build-plugins:
    cargo build --target wasm32-wasip2 --profile plugin --target-dir target/plugins -p guard-commands -p protect-paths -p secret-scan -p syntax -p diff-policy -p json-schema -p tests -p hostile -p hostile-gate -p hostile-net -p session-agent -p mcp-agent -p tool-policy-hook -p llm-agent -p repo-survey -p knowledge-graph

# Benchmarks: in-process hook dispatch and `cchost hook` end to end vs. process hooks.
bench:
    cargo bench -p cchost --bench hooks
    cargo bench -p cchost --bench config

# Session store: write/read throughput, `always` mode with 8 writers, peak RSS reading 1 GiB
# (CCHOST_BENCH_LARGE_MB=0 skips the 1 GiB file).
bench-session:
    cargo bench -p cchost --bench session

# The README demo.
demo:
    cargo run --release -- hook < examples/claude-code/payloads/rm-rf-root.json
