"""Summarize a pip-audit JSON report (``scripts/audit-deps``): print each known vulnerability
and one count line; exit 1 on any vulnerability, or when no package could be looked up and
AUDIT_REQUIRED=1 (the vulnerability service out of reach must not pass for a clean audit)."""

from __future__ import annotations

import json
import os
import sys


def summarize(report: dict, *, required: bool) -> tuple[int, list[str]]:
    """(exit code, lines to print)."""
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    lines = []
    for d in vulnerable:
        for v in d["vulns"]:
            fixed = ", ".join(v.get("fix_versions", [])) or "no fix yet"
            lines.append(f"VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in {fixed})")
    audited = len(deps) - len(skipped)
    lines.append(f"pip-audit: {len(deps)} locked packages, {audited} looked up, "
                 f"{len(vulnerable)} vulnerable, {len(skipped)} could not be looked up")
    if vulnerable:
        return 1, lines
    if deps and audited == 0:
        lines.append("pip-audit: the vulnerability service answered for no package (no network "
                     "to it from this machine?): NO AUDIT WAS DONE")
        return (1 if required else 0), lines
    return 0, lines


def main(argv: list[str]) -> int:
    path, rc = argv[1], int(argv[2])
    try:
        with open(path, encoding="utf-8") as fh:
            report = json.load(fh)
    except (OSError, ValueError):
        print(f"pip-audit failed (exit {rc}) without a report", file=sys.stderr)
        return 1
    code, lines = summarize(report, required=os.environ.get("AUDIT_REQUIRED") == "1")
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
