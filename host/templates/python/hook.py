"""{{name}}: a cchost PreToolUse hook for Bash.

It denies commands that run a denied program (the `denied_programs` setting, else
DEFAULT_DENIED) and has no opinion on anything else.
"""

import json
import re

import wit_world
from wit_world.imports import config, log
from wit_world.imports.types import Decision_Deny, Decision_None_, HookEvent, HookResponse

# Denied when the configuration does not say otherwise.
DEFAULT_DENIED = ["shutdown", "reboot", "mkfs"]


def denied_program(command, denied):
    """The first program of `command` that is in `denied`, looking at each part of a `;`, `&&`,
    `||` or `|` chain and through `sudo`."""
    for part in re.split(r"[;&|\n]", command):
        words = [word for word in part.split() if word != "sudo"]
        if words and words[0].rsplit("/", 1)[-1] in denied:
            return words[0].rsplit("/", 1)[-1]
    return None


class WitWorld(wit_world.WitWorld):
    def handle(self, event: HookEvent) -> HookResponse:
        if event.tool_name != "Bash" or not event.tool_input:
            return HookResponse(Decision_None_(), None, None, None)
        command = json.loads(event.tool_input).get("command")
        setting = config.get("denied_programs")
        denied = json.loads(setting) if setting is not None else DEFAULT_DENIED
        program = denied_program(command, denied) if isinstance(command, str) else None
        if program is None:
            return HookResponse(Decision_None_(), None, None, None)
        log.log(log.Level.INFO, f"denied `{program}`")
        return HookResponse(Decision_Deny(f"`{program}` is not allowed here"), None, None, None)
