"""Vietnamese text helpers: NFC, and a length-preserving fold for fuzzy matching."""

from __future__ import annotations

import unicodedata

_SPECIAL = {"đ": "d", "Đ": "d"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, without diacritics, **same length** as the NFC input (so offsets carry over).

    OCR often slips on a tone mark ("Ho va ten", "Họ và tến"); matching on the folded text
    tolerates that while the value is still cut from the original.
    """
    out = []
    for ch in nfc(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def squash(text: str) -> str:
    """NFC, single spaces, trimmed."""
    return " ".join(nfc(text).split())
