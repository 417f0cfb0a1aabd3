"""Count the test cases schemathesis sent, from its NDJSON report."""

from __future__ import annotations

import json
import sys


def count(path: str) -> int:
    cases = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            event = json.loads(line)
            for key, value in event.items():
                if key == "ScenarioFinished" and isinstance(value, dict):
                    recorder = value.get("recorder") or {}
                    cases.update((recorder.get("cases") or {}).keys())
    return len(cases)


if __name__ == "__main__":
    print(count(sys.argv[1]))
