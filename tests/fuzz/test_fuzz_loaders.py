"""The loaders' fuzz target, run for a bounded time (and its corpus replayed first, which holds
the damaged TIFF that once made Pillow raise TypeError instead of our error)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ocr_server.errors import UnreadableImageError
from ocr_server.loading import inspect_file

CORPUS = Path(__file__).parent / "corpus"
SECONDS = 20


def test_damaged_tiff_from_the_corpus_is_a_clear_error():
    with pytest.raises(UnreadableImageError, match="not a readable image"):
        inspect_file(CORPUS / "crash-tiff-missing-dimensions.tif", name="x.tif",
                     max_pixels=10**7, pdf_dpi=72)


@pytest.mark.slow
def test_fuzz_the_loaders_for_a_while(tmp_path):
    pytest.importorskip("atheris")
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.fuzz_loaders", f"-max_total_time={SECONDS}",
         "-timeout=10", "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/",
         str(tmp_path), str(CORPUS)],
        capture_output=True, text=True, timeout=SECONDS + 120)
    tail = proc.stderr[-3000:]
    assert proc.returncode == 0, tail
    runs = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    assert runs and int(runs.group(1)) > 1000, tail
    print(f"fuzzing: {runs.group(1)} executions in {runs.group(2)} s, no finding")
