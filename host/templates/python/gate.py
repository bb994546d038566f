"""{{name}}: a cchost validation gate.

Every line that starts with a merge-conflict marker (`<<<<<<< `, `=======`, `>>>>>>> `) in a
file in scope is an error.
"""

import os

import wit_world
from componentize_py_types import Err
from wit_world.imports.types import Finding, GateInput, GateReport, GateStatus, Severity


def is_marker(line):
    return line.startswith((b"<<<<<<< ", b">>>>>>> ")) or line.rstrip() == b"======="


def findings(root, file):
    # The host preopens the project at its own path, read-only. Files are read a line at a time:
    # a gate's memory is limited, and a project may hold large files.
    try:
        with open(os.path.join(root, file), "rb") as f:
            if b"\0" in f.read(8000):
                return  # binary (as git decides): no conflict markers worth reporting
            f.seek(0)
            numbers = [number for number, line in enumerate(f, 1) if is_marker(line)]
    except OSError as e:
        raise Err(f"read {file}: {e}")
    for number in numbers:
        yield Finding(
            rule="conflict-marker",
            severity=Severity.ERROR,
            message="merge-conflict marker left in the file",
            file=file,
            line=number,
            column=1,
            fix_hint="finish the merge and remove the markers",
        )


class WitWorld(wit_world.WitWorld):
    def check(self, input: GateInput) -> GateReport:
        found = [finding for file in input.files for finding in findings(input.root, file)]
        return GateReport(GateStatus.FAIL if found else GateStatus.PASS, found)
