// Written by `cchost plugin build` into node_modules/.cchost/ (so that Node resolves the
// project's packages) and run there:
//
//     node build.mjs <source.js> <world.wit> <contract dir> <out.wasm>
//
// Componentizes the source with ComponentizeJS (StarlingMonkey) against the world, whose
// dependencies it lays out in a temporary directory: cchost's contract and the WASI 0.2 packages
// jco bundles. `fetch` support is left out: it would import `wasi:http`, which cchost refuses.

import { componentize } from "@bytecodealliance/componentize-js";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [sourcePath, world, contract, out] = process.argv.slice(2);
const jco = dirname(fileURLToPath(import.meta.resolve("@bytecodealliance/jco")));
const wasi = join(jco, "../lib/wit/builtin/0.2.12");
const witPath = await mkdtemp(join(tmpdir(), "cchost-js-wit-"));
try {
  await cp(world, join(witPath, "world.wit"));
  await cp(contract, join(witPath, "deps/cchost-plugin"), { recursive: true });
  for (const pkg of ["wasi-io", "wasi-clocks", "wasi-filesystem"]) {
    await cp(join(wasi, pkg), join(witPath, "deps", pkg), { recursive: true });
  }
  const { component } = await componentize({
    sourcePath,
    witPath,
    disableFeatures: ["http", "fetch-event"],
  });
  await writeFile(out, component);
} finally {
  await rm(witPath, { recursive: true, force: true });
}
