// {{name}}: a cchost validation gate. Every line that starts with a merge-conflict marker
// (`<<<<<<< `, `=======`, `>>>>>>> `) in a file in scope is an error.

import { getDirectories } from "wasi:filesystem/preopens@0.2.12";

// The text of `file` in the project `root`, which the host preopens (read-only) at its own path,
// or null when the file is binary (a NUL byte in its first 8,000 bytes, as git decides).
function readText(root, file) {
  const [project] = getDirectories().find(([, path]) => path === root) ?? [];
  if (!project) throw `read ${file}: the project directory is not preopened`;
  let descriptor;
  try {
    descriptor = project.openAt({ symlinkFollow: true }, file, {}, { read: true });
  } catch (e) {
    throw `read ${file}: ${e.payload ?? e}`;
  }
  const chunks = [];
  let offset = 0n;
  for (;;) {
    const [chunk, end] = descriptor.read(1n << 20n, offset);
    if (offset === 0n && chunk.subarray(0, 8000).includes(0)) return null;
    chunks.push(chunk);
    offset += BigInt(chunk.length);
    if (end || chunk.length === 0) break;
  }
  const decoder = new TextDecoder("utf-8");
  return chunks.map((chunk, i) => decoder.decode(chunk, { stream: i < chunks.length - 1 })).join("");
}

// The 1-based numbers of the lines of `text` that start with a conflict marker.
function conflictMarkers(text) {
  return text
    .split("\n")
    .map((line, index) => [line, index + 1])
    .filter(([line]) => /^(<<<<<<< |>>>>>>> )/.test(line) || line.trimEnd() === "=======")
    .map(([, number]) => number);
}

export function check({ root, files }) {
  const findings = [];
  for (const file of files) {
    const text = readText(root, file);
    if (text === null) continue;
    for (const line of conflictMarkers(text)) {
      findings.push({
        rule: "conflict-marker",
        severity: "error",
        message: "merge-conflict marker left in the file",
        file,
        line,
        column: 1,
        fixHint: "finish the merge and remove the markers",
      });
    }
  }
  return { status: findings.length ? "fail" : "pass", findings };
}
