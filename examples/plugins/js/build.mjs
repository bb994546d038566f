// Builds a JavaScript plugin into a cchost component:
//
//     node build.mjs <plugin dir> <out.wasm> [--quickjs]
//
// `<plugin dir>/index.js` is componentized against the world in `<plugin dir>/world.wit`,
// whose dependencies are laid out in a temporary directory: cchost's contract (the `wit/`
// directory of this repository, or `$CCHOST_WIT`) and the WASI 0.2 packages that jco bundles.
// The engine is StarlingMonkey (ComponentizeJS), without its `fetch` support, which would import
// `wasi:http` (cchost refuses it); `--quickjs` uses QuickJS (componentize-qjs) instead, whose
// components are far smaller but which lacks web APIs such as `TextEncoder`, and without the
// component-model async ABI, which cchost does not enable.
// The manifest `<plugin dir>/plugin.toml` is copied beside the component as `<out>.toml`.

import { componentize } from "@bytecodealliance/componentize-js";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const quickjs = process.argv.includes("--quickjs");
const args = process.argv.slice(2).filter((arg) => arg !== "--quickjs");
if (args.length !== 2) throw new Error("usage: node build.mjs <plugin dir> <out.wasm> [--quickjs]");
const [pluginDir, out] = args.map((arg) => resolve(arg));
const here = dirname(fileURLToPath(import.meta.url));
const contract = resolve(process.env.CCHOST_WIT ?? join(here, "../../../wit"));
const jco = dirname(fileURLToPath(import.meta.resolve("@bytecodealliance/jco")));
const wasi = join(jco, "../lib/wit/builtin/0.2.12");

async function starlingMonkey(sourcePath, witPath) {
  const { component } = await componentize({
    sourcePath,
    witPath,
    disableFeatures: ["http", "fetch-event"],
  });
  return component;
}

async function quickJs(jsPath, witPath) {
  const qjs = await import("componentize-qjs");
  const jsSource = await readFile(jsPath, "utf8");
  const { component } = await qjs.componentize({ witPath, jsSource, jsPath, sync: true });
  return component;
}

const wit = await mkdtemp(join(tmpdir(), "cchost-js-wit-"));
try {
  await cp(join(pluginDir, "world.wit"), join(wit, "world.wit"));
  await cp(contract, join(wit, "deps/cchost-plugin"), { recursive: true });
  for (const pkg of ["wasi-io", "wasi-clocks", "wasi-filesystem"]) {
    await cp(join(wasi, pkg), join(wit, "deps", pkg), { recursive: true });
  }
  const build = quickjs ? quickJs : starlingMonkey;
  const component = await build(join(pluginDir, "index.js"), wit);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, component);
  await cp(join(pluginDir, "plugin.toml"), out.replace(/\.wasm$/, "") + ".toml");
} finally {
  await rm(wit, { recursive: true, force: true });
}
