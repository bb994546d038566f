"""guard-rm: the `rm-recursive` rule of the Rust `guard-commands` hook, in Python.

A PreToolUse hook for Bash: denies `rm -r` of the filesystem root, a top-level system
directory, a home directory, or the project (the event's `cwd`) and its parents, with the same
reason text as guard-commands. It splits the command on `;`, `&&`, `||`, `|`, `&` and newlines
and into words with their quotes; wrappers (`sudo`, `sh -c`, ...) are not looked through.
"""

import json
import re

import wit_world
from wit_world.imports import log
from wit_world.imports.types import Decision_Deny, Decision_None_, HookEvent, HookResponse

SYSTEM_DIRS = {
    "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt",
    "nix", "opt", "proc", "root", "run", "sbin", "snap", "srv", "sys", "usr", "var", "Users",
    "System",
}
HOME_FORMS = ("$HOME", "${HOME}")
# A word (quoted parts included) or a run of command separators.
TOKEN = re.compile(r"""(?:'[^']*'|"[^"]*"|[^\s;&|'"])+|[;&|\n]+""")
QUOTED = re.compile(r"""'([^']*)'|"([^"]*)\"""")


def unquote(word):
    return QUOTED.sub(lambda m: "".join(m.groups("")), word)


def commands(line):
    """The simple commands of `line`, each a list of raw words."""
    command = []
    for token in TOKEN.findall(line):
        if token[0] in ";&|\n":
            yield command
            command = []
        else:
            command.append(token)
    yield command


def join(base, parts, path):
    """Appends `path` to a location, resolving `.` and `..` lexically."""
    parts = list(parts)
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
            elif base == "home":
                base = "above-home"
        elif part not in ("", "."):
            parts.append(part)
    return base, parts


def resolve(path, root):
    """Where `path` points: a (base, parts) location, or None when it is unknown."""
    if path.startswith("/"):
        return join("fs", [], path)
    if path.startswith("~"):
        return join("home", [], path[path.find("/"):] if "/" in path else "")
    for form in HOME_FORMS:
        if path == form or path.startswith(form + "/"):
            return join("home", [], path[len(form):])
    return root and join(*root, path)


def danger(loc, root):
    """Why deleting `loc` wholesale is dangerous, or None."""
    base, parts = loc
    if not parts and base == "fs":
        return "the filesystem root"
    if not parts and base == "home":
        return "the home directory"
    if not parts and base == "above-home":
        return "a parent of the home directory"
    if root and loc == root:
        return "the project root"
    if root and base == root[0] and root[1][: len(parts)] == parts:
        return "a parent of the project root"
    if base == "fs" and (parts == ["root"] or len(parts) == 2 and parts[0] in ("home", "Users")):
        return "a home directory"
    if base == "fs" and len(parts) == 1 and parts[0] in SYSTEM_DIRS:
        return "a system directory"
    return None


def strip_star(path):
    """`/*` -> `/`, `~/*` -> `~`, `*` -> `.`; None when the last component is not `*`."""
    head, slash, last = path.rstrip("/").rpartition("/")
    return (head or ("/" if slash else ".")) if last == "*" else None


def rm_findings(words, root):
    recursive, targets, options_done = False, [], False
    for raw in words[1:]:
        text = unquote(raw)
        if not options_done and text == "--":
            options_done = True
        elif not options_done and text.startswith("--"):
            recursive |= text == "--recursive"
        elif not options_done and text.startswith("-") and len(text) > 1:
            recursive |= "r" in text or "R" in text
        else:
            targets.append((raw, text))
    if not recursive:
        return
    shown = " ".join(words).replace("\n", " ")
    shown = shown if len(shown) <= 100 else shown[:100] + "…"
    for raw, text in targets:
        base = strip_star(text)
        loc = resolve(text if base is None else base, root)
        why = loc and danger(loc, root)
        if why:
            what = f"`{raw}` ({why})" if base is None else f"everything in `{base}` ({why})"
            yield f"`{shown}` would recursively delete {what}"


def check(command, cwd):
    root = join("fs", [], cwd) if cwd and cwd.startswith("/") else None
    return [
        finding
        for words in commands(command)
        if words and unquote(words[0]).rsplit("/", 1)[-1] == "rm"
        for finding in rm_findings(words, root)
    ]


def bash_command(event):
    if event.name != "PreToolUse" or event.tool_name != "Bash" or not event.tool_input:
        return None
    command = json.loads(event.tool_input).get("command")
    return command if isinstance(command, str) else None


class WitWorld(wit_world.WitWorld):
    def handle(self, event: HookEvent) -> HookResponse:
        command = bash_command(event)
        findings = check(command, event.cwd) if command else []
        if not findings:
            return HookResponse(Decision_None_(), None, None, None)
        reason = "; ".join(f"[rm-recursive] {f}" for f in findings)
        reason += ". If this is really intended, ask the user to run it themselves."
        log.log(log.Level.INFO, reason)
        return HookResponse(Decision_Deny(reason), None, None, None)
