"""Normalizers: OCR text of a field -> the contract's normalized value, or problems.

Each returns ``(value, problems)``; value None means nothing usable was read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from templates.text import fold, nfc, squash

Normalized = tuple[str | None, list[str]]

# Characters OCR confuses with digits inside numeric fields.
DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "I": "1", "l": "1",
                                   "|": "1", "i": "1", "Z": "2", "S": "5", "s": "5", "B": "8",
                                   "g": "9"})
_DATE_NUMERIC = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})")
_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_TRAILING = " .,;:-–/|_·…"


def normalize_date(raw: str) -> Normalized:
    """``12/05/1995``, ``12-05-1995``, ``12.05.1995``, ``ngày 12 tháng 5 năm 1995`` -> ISO."""
    text = fold(raw).translate(DIGIT_LOOKALIKES) if not _DATE_WORDS.search(fold(raw)) else fold(raw)
    m = _DATE_NUMERIC.search(text) or _DATE_WORDS.search(text)
    if m is None:
        return None, ["date_unreadable"]
    day, month, year = (int(g) for g in m.groups())
    try:
        return date(year, month, day).isoformat(), []
    except ValueError:
        return None, ["date_impossible"]


def normalize_id_number(raw: str) -> Normalized:
    """Digits only: 12 for CCCD / personal ID, 9 for the old CMND."""
    digits = re.sub(r"\D", "", raw.translate(DIGIT_LOOKALIKES))
    if len(digits) in (9, 12):
        return digits, []
    return (digits or None), ["id_number_length"]


def normalize_name(raw: str) -> Normalized:
    """Upper case as printed on ID documents; letters and spaces only."""
    letters = re.sub(r"[^\w\s]|\d|_", " ", nfc(raw))
    value = squash(letters).upper()
    if not value:
        return None, ["name_empty"]
    problems = [] if len(value.split()) >= 2 else ["name_single_word"]
    return value, problems


def normalize_sex(raw: str) -> Normalized:
    words = re.findall(r"[a-z]+", fold(raw))
    for word in words:
        if word in ("nam", "male", "m"):
            return "Nam", []
        if word in ("nu", "female", "f"):
            return "Nữ", []
    return None, ["sex_unreadable"]


def normalize_money(raw: str) -> Normalized:
    """``50.000.000 đồng`` -> ``50000000`` (whole đồng)."""
    m = re.search(r"\d[\d.,\s]*\d|\d", raw.translate(DIGIT_LOOKALIKES))
    if m is None:
        return None, ["money_unreadable"]
    return re.sub(r"\D", "", m.group()), []


def normalize_text(raw: str) -> Normalized:
    value = squash(raw).strip(_TRAILING)
    return (value or None), ([] if value else ["text_empty"])


def normalize_phone(raw: str) -> Normalized:
    digits = re.sub(r"\D", "", raw.translate(DIGIT_LOOKALIKES))
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return (digits or None), ([] if digits else ["phone_unreadable"])


def normalize_code(raw: str) -> Normalized:
    value = re.sub(r"[^\w]", "", nfc(raw)).upper()
    return (value or None), ([] if value else ["code_empty"])


def normalize_mrz(raw: str) -> Normalized:
    """Three 30-character TD1 lines, upper case, fillers as ``<``."""
    lines = []
    for line in raw.splitlines():
        clean = line.upper().replace("«", "<<").replace("‹", "<").replace(" ", "")
        clean = re.sub(r"[^A-Z0-9<]", "<", clean)
        if clean:
            lines.append(clean[:30].ljust(30, "<"))
    if len(lines) != 3:
        return None, ["mrz_unreadable"]
    if lines[0][2:5] == "VNM":  # Vietnamese cards: document number and optional data are digits
        lines[0] = lines[0][:5] + _digits(lines[0][5:27]) + lines[0][27:]
    lines[1] = _digits(lines[1][:7]) + lines[1][7] + _digits(lines[1][8:15]) + lines[1][15:29] \
        + _digits(lines[1][29])
    return "\n".join(lines), []


def _digits(text: str) -> str:
    return text.translate(DIGIT_LOOKALIKES)


NORMALIZERS: dict[str, Callable[[str], Normalized]] = {
    "date": normalize_date,
    "id_number": normalize_id_number,
    "name": normalize_name,
    "sex": normalize_sex,
    "money": normalize_money,
    "text": normalize_text,
    "phone": normalize_phone,
    "code": normalize_code,
    "mrz": normalize_mrz,
}
