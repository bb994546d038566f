// {{name}}: a cchost agent. It records the task it was given in its session and answers with a
// summary of it; a starting point for agents that call MCP tools (`cchost:plugin/mcp`), a model
// (`cchost:plugin/model`) or commands (`cchost:plugin/exec`), each only as granted.

import { log } from "cchost:plugin/log@0.1.0";
import { append } from "cchost:plugin/session@0.1.0";

export function run(task) {
  let parameters;
  try {
    parameters = JSON.parse(task.parameters);
  } catch (e) {
    throw `the parameters are not JSON: ${e}`;
  }
  log("info", `${task.agent} starts: ${task.text}`);
  const seq = append("task-seen", JSON.stringify({ text: task.text }));
  const count = Object.keys(parameters ?? {}).length;
  return {
    summary: `asked to: ${task.text} (${count} parameters)`,
    data: JSON.stringify({ session_seq: Number(seq) }),
  };
}
