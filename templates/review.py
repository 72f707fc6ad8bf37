"""Checking a reviewer's value the way extraction checks OCR text: same normalizer, same
validators, with the document's other fields as context."""

from __future__ import annotations

import re
from collections.abc import Mapping

from templates.dossier import check_field
from templates.spec import TemplateSpec
from templates.text import nfc

# Worth showing, but a reviewer who has looked at the paper may keep the value.
ADVISORY = frozenset({"unusual_surname", "document_expired", "name_single_word",
                      "expiry_implausible"})
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def check_correction(spec: TemplateSpec, name: str, text: str,
                     others: Mapping[str, str | None]) -> tuple[str | None, list[str]]:
    """The normalized value of ``text`` for field ``name``, and its problems.

    ``others`` are the document's other current values (the ID number is checked against the
    date of birth and sex). An empty ``text`` clears an optional field; for a required one it
    is a problem. Dates may be typed as on paper (``12/05/1995``) or in ISO form.
    """
    fspec = spec.fields[name]
    text = nfc(text).strip()
    if not text:
        return None, (["not_found"] if fspec.required else [])
    if fspec.kind == "date" and (m := _ISO_DATE.match(text)):
        year, month, day = m.groups()
        text = f"{day}/{month}/{year}"
    return check_field(spec, name, text, others)


def blocking(problems: list[str]) -> list[str]:
    """The problems that make a correction unacceptable."""
    return [p for p in problems if p not in ADVISORY]


def display_value(kind: str, value: str | None) -> str:
    """How a stored value is shown for editing: dates as on paper (day/month/year)."""
    if value is None:
        return ""
    if kind == "date" and (m := _ISO_DATE.match(value)):
        year, month, day = m.groups()
        return f"{day}/{month}/{year}"
    return value
