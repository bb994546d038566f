"""Summarise a cchost run report (cchost run --json > report.json)."""

import json
import sys


def main(path: str) -> None:
    with open(path) as f:
        report = json.load(f)
    for wave in report["waves"]:
        for agent in wave["agents"]:
            # TODO: show durations as a bar chart.
            print(f"{agent['agent']:<12} {agent['status']:<9} {agent['duration']} ms")


if __name__ == "__main__":
    main(sys.argv[1])
