from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "audit_summary", Path(__file__).parents[1] / "scripts" / "audit_summary.py")
audit_summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit_summary)  # type: ignore[union-attr]

CLEAN = {"name": "pillow", "version": "12.0.0", "vulns": []}
SKIPPED = {"name": "numpy", "version": "2.3.0",
           "skip_reason": "Dependency not found on PyPI and could not be audited"}
VULN = {"name": "jinja2", "version": "3.1.2", "vulns": [
    {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "description": "xss"}]}


def test_a_vulnerability_fails_and_is_named():
    code, lines = audit_summary.summarize({"dependencies": [CLEAN, VULN]}, required=False)
    assert code == 1
    assert lines[0] == "VULNERABLE jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"


def test_clean_report_passes():
    code, lines = audit_summary.summarize({"dependencies": [CLEAN, SKIPPED]}, required=True)
    assert code == 0 and "2 locked packages, 1 looked up, 0 vulnerable" in lines[-1]


def test_no_package_looked_up_is_not_a_clean_audit():
    report = {"dependencies": [SKIPPED, dict(SKIPPED, name="redis")]}
    assert audit_summary.summarize(report, required=False)[0] == 0
    code, lines = audit_summary.summarize(report, required=True)
    assert code == 1 and "NO AUDIT WAS DONE" in lines[-1]
