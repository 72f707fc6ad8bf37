"""Administrative procedures and the documents each requires (data: templates/procedures.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ocr_server.errors import UnknownProcedureError

PROCEDURES_FILE = Path(__file__).resolve().parent.parent / "templates" / "procedures.yaml"


def _load(path: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


_PROCEDURES = _load(PROCEDURES_FILE)
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    code: tuple(entry["requires"]) for code, entry in _PROCEDURES.items()}
PROCEDURE_NAMES: dict[str, str] = {code: entry["name"] for code, entry in _PROCEDURES.items()}


def check_procedure(code: str | None) -> str | None:
    """Return ``code`` if it names a known procedure (or is None), else raise."""
    if code is not None and code not in REQUIRED_DOCUMENTS:
        known = ", ".join(REQUIRED_DOCUMENTS)
        raise UnknownProcedureError(f"unknown procedure {code!r}; known: {known}")
    return code


def missing_documents(procedure: str | None, found_types: set[str]) -> list[str]:
    """Required document types of ``procedure`` that no page was classified as."""
    if procedure is None:
        return []
    return [t for t in REQUIRED_DOCUMENTS[procedure] if t not in found_types]
