// {{name}}: a cchost PreToolUse hook for Bash. It denies commands that run a denied program
// (the `denied_programs` setting, else DEFAULT_DENIED) and has no opinion on anything else.

import { get } from "cchost:plugin/config@0.1.0";
import { log } from "cchost:plugin/log@0.1.0";

// Denied when the configuration does not say otherwise.
const DEFAULT_DENIED = ["shutdown", "reboot", "mkfs"];

// The first program of `command` that is in `denied`, looking at each part of a `;`, `&&`,
// `||` or `|` chain and through `sudo`.
function deniedProgram(command, denied) {
  for (const part of command.split(/[;&|\n]/)) {
    const [program] = part.split(/\s+/).filter((word) => word && word !== "sudo");
    const name = program?.split("/").pop();
    if (name && denied.includes(name)) return name;
  }
  return null;
}

export function handle(event) {
  if (event.toolName !== "Bash" || !event.toolInput) return { decision: { tag: "none" } };
  const { command } = JSON.parse(event.toolInput);
  const setting = get("denied_programs");
  const denied = setting === undefined ? DEFAULT_DENIED : JSON.parse(setting);
  const program = typeof command === "string" ? deniedProgram(command, denied) : null;
  if (!program) return { decision: { tag: "none" } };
  log("info", `denied \`${program}\``);
  return { decision: { tag: "deny", val: `\`${program}\` is not allowed here` } };
}
