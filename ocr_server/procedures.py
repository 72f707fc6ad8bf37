"""Administrative procedures and the documents each requires (RESULT_CONTRACT.md)."""

from __future__ import annotations

from ocr_server.errors import UnknownProcedureError

REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "lltp_issue": ("lltp_request_form", "cccd_front", "cccd_back"),
    "residence_update": ("ct01_residence_form", "cccd_front", "cccd_back"),
    "household_business": ("household_business_form", "cccd_front", "cccd_back"),
    "land_change": ("land_change_form", "cccd_front", "cccd_back"),
    "driver_license_renewal": ("driver_license_form", "cccd_front", "cccd_back"),
}


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
