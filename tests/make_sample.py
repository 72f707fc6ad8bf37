"""Write the bundled sample dossier (``make sample``): a request form scanned slightly skewed,
and a text page fed in upside down, as a counter scanner would send them."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.synthetic import encode, render_lltp_form, render_text_page, rotate_quarter, skew


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    form = render_lltp_form(seed=2025)
    (out / "01-to-khai-lltp.jpg").write_bytes(
        encode(skew(form.image, 2.0), "jpeg", quality=80, dpi=300))
    notice = render_text_page(seed=7, n_lines=16)
    (out / "02-thong-bao.jpg").write_bytes(
        encode(rotate_quarter(notice.image, 180), "jpeg", quality=80, dpi=300))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/dossier")
