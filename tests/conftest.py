from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from ocr_server.config import PipelineSettings
from tests.synthetic import SyntheticPage, render_lltp_form, render_text_page


@lru_cache(maxsize=8)
def lltp_page(seed: int = 1) -> SyntheticPage:
    return render_lltp_form(seed)


@lru_cache(maxsize=8)
def text_page(seed: int = 2) -> SyntheticPage:
    return render_text_page(seed)


def _tesseract_ready() -> bool:
    settings = PipelineSettings()
    return shutil.which("tesseract") is not None and (
        Path(settings.tessdata_dir) / "vie.traineddata").exists()


def pytest_collection_modifyitems(config, items):
    if _tesseract_ready():
        return
    skip = pytest.mark.skip(reason="Tesseract with the vie model is not installed "
                                   "(run scripts/install-system-deps)")
    for item in items:
        if "tesseract" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
