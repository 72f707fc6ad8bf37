"""Fuzz target: the page loaders on arbitrary bytes (atheris, coverage-guided).

    python -m tests.fuzz.fuzz_loaders tests/fuzz/corpus -max_total_time=60

Any bytes must end in pixels or in one of our ``InputError``s (a clear 4xx / exit 2); any
other exception, a hang or a crash is a finding. The corpus holds a tiny PNG, JPEG, TIFF
(two frames) and PDF (``make_corpus``).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["ocr_server", "PIL", "pikepdf", "pdf2image"]):
    from ocr_server.errors import InputError
    from ocr_server.loading import inspect_file, load_page

MAX_PIXELS = 4_000_000
_DIR = Path(tempfile.mkdtemp(prefix="fuzz-"))


def one_input(data: bytes) -> None:
    path = _DIR / "input"
    path.write_bytes(data)
    try:
        refs = inspect_file(path, name="input", max_pixels=MAX_PIXELS, pdf_dpi=72)
        for i, ref in enumerate(refs[:2]):
            load_page(ref, index=i, pdf_dpi=72)
    except InputError:
        pass


def make_corpus(folder: Path) -> None:
    import img2pdf
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    img = Image.fromarray((np.indices((24, 32)).sum(axis=0) % 2 * 255).astype(np.uint8))
    for fmt, name in (("PNG", "page.png"), ("JPEG", "page.jpg")):
        buf = io.BytesIO()
        img.save(buf, format=fmt)
        (folder / name).write_bytes(buf.getvalue())
    buf = io.BytesIO()
    img.save(buf, format="TIFF", save_all=True, append_images=[img.rotate(90)])
    (folder / "pages.tif").write_bytes(buf.getvalue())
    (folder / "page.pdf").write_bytes(img2pdf.convert((folder / "page.jpg").read_bytes()))


if __name__ == "__main__":
    if sys.argv[1:2] == ["make_corpus"]:
        make_corpus(Path(sys.argv[2]))
        sys.exit(0)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
