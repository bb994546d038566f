// guard-rm: the `rm-recursive` rule of the Rust `guard-commands` hook, in JavaScript.
//
// A PreToolUse hook for Bash: denies `rm -r` of the filesystem root, a top-level system
// directory, a home directory, or the project (the event's `cwd`) and its parents, with the
// same reason text as guard-commands. It splits the command on `;`, `&&`, `||`, `|`, `&` and
// newlines and into words with their quotes; wrappers (`sudo`, `sh -c`, …) are not looked
// through.

import { log } from "cchost:plugin/log@0.1.0";

const SYSTEM_DIRS = new Set([
  "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt",
  "nix", "opt", "proc", "root", "run", "sbin", "snap", "srv", "sys", "usr", "var", "Users",
  "System",
]);
const HOME_FORMS = ["$HOME", "${HOME}"];
// A word (quoted parts included) or a run of command separators.
const TOKEN = /(?:'[^']*'|"[^"]*"|[^\s;&|'"])+|[;&|\n]+/g;
const QUOTED = /'([^']*)'|"([^"]*)"/g;

const unquote = (word) => word.replace(QUOTED, (_, single, double) => single ?? double);

/** The simple commands of `line`, each an array of raw words. */
function* commands(line) {
  let command = [];
  for (const [token] of line.matchAll(TOKEN)) {
    if (";&|\n".includes(token[0])) {
      yield command;
      command = [];
    } else {
      command.push(token);
    }
  }
  yield command;
}

/** Appends `path` to a location, resolving `.` and `..` lexically. */
function join({ base, parts }, path) {
  parts = [...parts];
  for (const part of path.split("/")) {
    if (part === "..") {
      if (parts.length) parts.pop();
      else if (base === "home") base = "above-home";
    } else if (part !== "" && part !== ".") {
      parts.push(part);
    }
  }
  return { base, parts };
}

/** Where `path` points, or null when it is unknown. */
function resolve(path, root) {
  if (path.startsWith("/")) return join({ base: "fs", parts: [] }, path);
  if (path.startsWith("~")) {
    const slash = path.indexOf("/");
    return join({ base: "home", parts: [] }, slash < 0 ? "" : path.slice(slash));
  }
  for (const form of HOME_FORMS) {
    if (path === form || path.startsWith(form + "/")) {
      return join({ base: "home", parts: [] }, path.slice(form.length));
    }
  }
  return root && join(root, path);
}

const same = (a, b) => a.length === b.length && a.every((part, i) => part === b[i]);

/** Why deleting `loc` wholesale is dangerous, or null. */
function danger({ base, parts }, root) {
  if (!parts.length && base === "fs") return "the filesystem root";
  if (!parts.length && base === "home") return "the home directory";
  if (!parts.length && base === "above-home") return "a parent of the home directory";
  if (root && base === root.base && same(parts, root.parts)) return "the project root";
  if (root && base === root.base && same(parts, root.parts.slice(0, parts.length))) {
    return "a parent of the project root";
  }
  const inHome = parts.length === 2 && ["home", "Users"].includes(parts[0]);
  if (base === "fs" && (same(parts, ["root"]) || inHome)) return "a home directory";
  if (base === "fs" && parts.length === 1 && SYSTEM_DIRS.has(parts[0])) return "a system directory";
  return null;
}

/** `/*` → `/`, `~/*` → `~`, `*` → `.`; null when the last component is not `*`. */
function stripStar(path) {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  if (trimmed.slice(slash + 1) !== "*") return null;
  return trimmed.slice(0, Math.max(slash, 0)) || (slash < 0 ? "." : "/");
}

function* rmFindings(words, root) {
  let recursive = false;
  let optionsDone = false;
  const targets = [];
  for (const raw of words.slice(1)) {
    const text = unquote(raw);
    if (!optionsDone && text === "--") optionsDone = true;
    else if (!optionsDone && text.startsWith("--")) recursive ||= text === "--recursive";
    else if (!optionsDone && text.startsWith("-") && text.length > 1) recursive ||= /[rR]/.test(text);
    else targets.push([raw, text]);
  }
  if (!recursive) return;
  const chars = [...words.join(" ").replaceAll("\n", " ")];
  const shown = chars.length <= 100 ? chars.join("") : chars.slice(0, 100).join("") + "…";
  for (const [raw, text] of targets) {
    const base = stripStar(text);
    const loc = resolve(base ?? text, root);
    const why = loc && danger(loc, root);
    if (why) {
      const what = base === null ? `\`${raw}\` (${why})` : `everything in \`${base}\` (${why})`;
      yield `\`${shown}\` would recursively delete ${what}`;
    }
  }
}

function check(command, cwd) {
  const root = cwd?.startsWith("/") ? join({ base: "fs", parts: [] }, cwd) : null;
  return [...commands(command)]
    .filter((words) => words.length && unquote(words[0]).split("/").pop() === "rm")
    .flatMap((words) => [...rmFindings(words, root)]);
}

function bashCommand(event) {
  if (event.name !== "PreToolUse" || event.toolName !== "Bash" || !event.toolInput) return null;
  const { command } = JSON.parse(event.toolInput);
  return typeof command === "string" ? command : null;
}

export function handle(event) {
  const command = bashCommand(event);
  const findings = command ? check(command, event.cwd) : [];
  if (!findings.length) return { decision: { tag: "none" } };
  const reason =
    findings.map((f) => `[rm-recursive] ${f}`).join("; ") +
    ". If this is really intended, ask the user to run it themselves.";
  log("info", reason);
  return { decision: { tag: "deny", val: reason } };
}
