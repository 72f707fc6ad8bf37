"""Write the bundled sample dossier (``make sample``): what a counter scanner sends for a
criminal-record certificate (lltp_issue): the request form fed slightly skewed, and both sides
of the citizen's ID card. The same person on all three, so the cross-checks agree."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.documents import cccd_back, cccd_front, lltp
from tests.synthetic import encode, skew

SEED = 2025


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jpg"):
        old.unlink()
    form = lltp(SEED)
    (out / "01-to-khai-lltp.jpg").write_bytes(
        encode(skew(form.image, 2.0), "jpeg", quality=80, dpi=300))
    for name, side in (("02-cccd-mat-truoc.jpg", cccd_front(SEED)),
                       ("03-cccd-mat-sau.jpg", cccd_back(SEED))):
        (out / name).write_bytes(encode(side.image, "jpeg", quality=85, dpi=side.dpi))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/dossier")
