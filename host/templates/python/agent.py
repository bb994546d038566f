"""{{name}}: a cchost agent.

It records the task it was given in its session and answers with a summary of it; a starting
point for agents that call MCP tools (`wit_world.imports.mcp`), a model (`...model`) or commands
(`...exec`), each only as granted.
"""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import log, session
from wit_world.imports.types import AgentOutput, Task


def summary(text, parameters):
    return f"asked to: {text} ({len(parameters)} parameters)"


class WitWorld(wit_world.WitWorld):
    def run(self, task: Task) -> AgentOutput:
        try:
            parameters = json.loads(task.parameters)
        except ValueError as e:
            raise Err(f"the parameters are not JSON: {e}")
        log.log(log.Level.INFO, f"{task.agent} starts: {task.text}")
        seq = session.append("task-seen", json.dumps({"text": task.text}))
        return AgentOutput(summary(task.text, parameters), json.dumps({"session_seq": seq}))
