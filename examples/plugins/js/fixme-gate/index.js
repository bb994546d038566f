// fixme-gate: every line containing FIXME in a file in scope is an error finding.
//
// The JavaScript twin of the Rust test gate `tests/plugins/hostile-gate` in its `fixme` mode:
// rule `test/fixme` at the file, line and (byte) column of the marker, the trimmed line as the
// message, "resolve the FIXME" as the fix.

import { getDirectories } from "wasi:filesystem/preopens@0.2.12";

const utf8 = new TextEncoder();

/** The text of `file` in the project `root`, which the host preopens at its own path. */
function readText(root, file) {
  try {
    const [project] = getDirectories().find(([, path]) => path === root) ?? [];
    if (!project) throw "the project directory is not preopened";
    const descriptor = project.openAt({ symlinkFollow: true }, file, {}, { read: true });
    let bytes = new Uint8Array(0);
    for (let eof = false; !eof; ) {
      const [chunk, end] = descriptor.read(1n << 20n, BigInt(bytes.length));
      const joined = new Uint8Array(bytes.length + chunk.length);
      joined.set(bytes);
      joined.set(chunk, bytes.length);
      bytes = joined;
      eof = end || chunk.length === 0;
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw `read ${file}: ${e.payload ?? e}`;
  }
}

function* fixmes(root, file) {
  const lines = readText(root, file).split("\n");
  for (const [index, line] of lines.entries()) {
    const column = line.indexOf("FIXME");
    if (column >= 0) {
      yield {
        rule: "test/fixme",
        severity: "error",
        message: line.trim(),
        file,
        line: index + 1,
        column: utf8.encode(line.slice(0, column)).length + 1,
        fixHint: "resolve the FIXME",
      };
    }
  }
}

export function check({ root, files }) {
  const findings = files.flatMap((file) => [...fixmes(root, file)]);
  return { status: findings.length ? "fail" : "pass", findings };
}
