#!/usr/bin/env python3
"""Baseline for the hook benchmark: the same decision as guard-commands' recursive-delete rule,
written the way a Claude Code user would write a command hook in Python."""
import json
import shlex
import sys

DANGEROUS_TARGETS = {"/", "/*", "~", "~/", "$HOME", ".", ".."}


def main() -> int:
    event = json.load(sys.stdin)
    command = event.get("tool_input", {}).get("command", "")
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if words and words[0] == "rm" and any(w.startswith("-") and "r" in w.lower() for w in words[1:]):
        targets = [w for w in words[1:] if not w.startswith("-")]
        if any(t in DANGEROUS_TARGETS for t in targets):
            json.dump({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                              "permissionDecision": "deny",
                                              "permissionDecisionReason": "recursive delete of " + ", ".join(targets)}},
                      sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
