"""fixme-gate: every line containing FIXME in a file in scope is an error finding.

The Python twin of the Rust test gate `tests/plugins/hostile-gate` in its `fixme` mode: rule
`test/fixme` at the file, line and (byte) column of the marker, the trimmed line as the
message, "resolve the FIXME" as the fix.
"""

import os

import wit_world
from componentize_py_types import Err
from wit_world.imports.types import Finding, GateInput, GateReport, GateStatus, Severity


def fixmes(root, file):
    try:
        with open(os.path.join(root, file), encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        raise Err(f"read {file}: {e}")
    for number, line in enumerate(lines, 1):
        column = line.find("FIXME")
        if column >= 0:
            yield Finding(
                rule="test/fixme",
                severity=Severity.ERROR,
                message=line.strip(),
                file=file,
                line=number,
                column=len(line[:column].encode()) + 1,
                fix_hint="resolve the FIXME",
            )


class WitWorld(wit_world.WitWorld):
    def check(self, input: GateInput) -> GateReport:
        findings = [f for file in input.files for f in fixmes(input.root, file)]
        return GateReport(GateStatus.FAIL if findings else GateStatus.PASS, findings)
