"""Checks on normalized values: personal ID structure, dates, ICAO 9303 TD1 MRZ, chip-card QR."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from templates.text import fold

PROVINCES_FILE = Path(__file__).parent / "data" / "province_codes.yaml"
SURNAMES_FILE = Path(__file__).parent / "data" / "surnames.yaml"
# Digit 4 of the personal ID: century of birth and sex (Nghị định 137/2015/NĐ-CP, art. 7).
_CENTURY_SEX = {0: (1900, "Nam"), 1: (1900, "Nữ"), 2: (2000, "Nam"), 3: (2000, "Nữ"),
                4: (2100, "Nam"), 5: (2100, "Nữ"), 6: (2200, "Nam"), 7: (2200, "Nữ"),
                8: (2300, "Nam"), 9: (2300, "Nữ")}


@lru_cache
def province_codes() -> dict[str, str]:
    data = yaml.safe_load(PROVINCES_FILE.read_text(encoding="utf-8"))
    return {str(k).zfill(3): v for k, v in data.items()}


@lru_cache
def surnames() -> frozenset[str]:
    return frozenset(yaml.safe_load(SURNAMES_FILE.read_text(encoding="utf-8")))


def check_person_name(name: str) -> list[str]:
    """A full name whose family name is not a known Vietnamese surname goes to a person."""
    return [] if name.split()[0] in surnames() else ["unusual_surname"]


def check_id_structure(id_number: str, *, date_of_birth: str | None = None,
                       sex: str | None = None) -> list[str]:
    """Problems with a 12-digit personal ID (empty when fine); 9-digit CMND only by length.

    Args:
        id_number: digits only.
        date_of_birth: ISO date, to check the century digit and the two year digits.
        sex: ``Nam`` / ``Nữ``, to check the sex digit.
    """
    if len(id_number) == 9 and id_number.isdigit():
        return []
    if len(id_number) != 12 or not id_number.isdigit():
        return ["id_number_length"]
    problems = []
    if id_number[:3] not in province_codes():
        problems.append("id_province_code")
    century, id_sex = _CENTURY_SEX[int(id_number[3])]
    if date_of_birth:
        year = int(date_of_birth[:4])
        if year // 100 * 100 != century:
            problems.append("id_century_mismatch")
        if f"{year % 100:02d}" != id_number[4:6]:
            problems.append("id_birth_year_mismatch")
    if sex and sex != id_sex:
        problems.append("id_sex_mismatch")
    return problems


def check_past_date(iso: str, *, today: date | None = None) -> list[str]:
    today = today or date.today()
    d = date.fromisoformat(iso)
    if d > today:
        return ["date_in_future"]
    if d.year < 1900:
        return ["date_too_old"]
    return []


def check_future_date(iso: str, *, today: date | None = None) -> list[str]:
    """An expiry date: not passed (the clerk must see an expired card), not absurdly far ahead
    (cards run to the holder's 25th, 40th or 60th birthday)."""
    today = today or date.today()
    d = date.fromisoformat(iso)
    if d.year > today.year + 60:
        return ["expiry_implausible"]
    if d < today:
        return ["document_expired"]
    return []


def check_date_order(*dates: str | None) -> bool:
    """True when the given ISO dates (None skipped) are strictly increasing."""
    present = [d for d in dates if d]
    return all(a < b for a, b in zip(present, present[1:], strict=False))


def check_phone_vn(phone: str) -> list[str]:
    return [] if re.fullmatch(r"0\d{9}", phone) else ["phone_format"]


# --------------------------------------------------------------------------- MRZ (TD1)

_MRZ_VALUES = {**{str(i): i for i in range(10)},
               **{chr(ord("A") + i): 10 + i for i in range(26)}, "<": 0}


def mrz_check_digit(data: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating, modulo 10."""
    weights = (7, 3, 1)
    return sum(_MRZ_VALUES.get(c, 0) * weights[i % 3] for i, c in enumerate(data)) % 10


@dataclass(frozen=True)
class MrzTd1:
    """What the three MRZ lines of an ID card say."""

    document_number: str
    optional_1: str
    birth: str  # YYMMDD
    sex: str  # M / F / <
    expiry: str  # YYMMDD
    nationality: str
    surname: str
    given_names: str
    check_problems: tuple[str, ...]

    @property
    def personal_id(self) -> str | None:
        """The 12-digit personal ID Vietnamese cards carry in the optional data."""
        m = re.match(r"\d{12}", self.optional_1)
        return m.group() if m else None

    @property
    def name(self) -> str:
        return " ".join((self.surname + " " + self.given_names).split())


def parse_td1(mrz: str) -> MrzTd1:
    """Parse three 30-character lines (``\\n``-separated) and verify every check digit."""
    l1, l2, l3 = mrz.split("\n")
    problems = []

    def check(data: str, digit: str, name: str) -> None:
        if not digit.isdigit() or mrz_check_digit(data) != int(digit):
            problems.append(f"mrz_check_{name}")

    check(l1[5:14], l1[14], "document_number")
    check(l2[0:6], l2[6], "birth")
    check(l2[8:14], l2[14], "expiry")
    composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    check(composite, l2[29], "composite")
    names = l3.split("<<", 1)
    return MrzTd1(
        document_number=l1[5:14].replace("<", ""), optional_1=l1[15:30].replace("<", ""),
        birth=l2[0:6], sex=l2[7], expiry=l2[8:14], nationality=l2[15:18].replace("<", ""),
        surname=names[0].replace("<", " ").strip(),
        given_names=(names[1] if len(names) > 1 else "").replace("<", " ").strip(),
        check_problems=tuple(problems),
    )


def check_mrz(mrz: str) -> list[str]:
    return list(parse_td1(mrz).check_problems)


def mrz_date(yymmdd: str, *, expiry: bool) -> str | None:
    """YYMMDD -> ISO; birth years pivot on today's year, expiry years are 20YY."""
    if not re.fullmatch(r"\d{6}", yymmdd):
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    year = 2000 + yy
    if not expiry and year > date.today().year:  # a birth year is never in the future
        year -= 100
    try:
        return date(year, mm, dd).isoformat()
    except ValueError:
        return None


def mrz_name(name: str) -> str:
    """A name as the MRZ writes it: upper case ASCII, no diacritics."""
    return " ".join(fold(name).upper().split())


# --------------------------------------------------------------------------- QR (chip cards)

@dataclass(frozen=True)
class ChipQr:
    id_number: str
    old_id_number: str
    full_name: str
    date_of_birth: str | None
    sex: str
    address: str
    issue_date: str | None


def parse_chip_qr(payload: str) -> ChipQr | None:
    """``id|old id|name|DDMMYYYY|sex|address|DDMMYYYY`` (the QR on chip CCCD cards)."""
    parts = payload.strip().split("|")
    if len(parts) < 7 or not re.fullmatch(r"\d{12}", parts[0]):
        return None

    def ddmmyyyy(s: str) -> str | None:
        if not re.fullmatch(r"\d{8}", s):
            return None
        try:
            return date(int(s[4:]), int(s[2:4]), int(s[:2])).isoformat()
        except ValueError:
            return None

    return ChipQr(parts[0], parts[1], parts[2].strip(), ddmmyyyy(parts[3]), parts[4].strip(),
                  parts[5].strip(), ddmmyyyy(parts[6]))
