from __future__ import annotations

import shutil
from functools import lru_cache
import numpy as np
import pytest

from ocr_server.config import PipelineSettings
from ocr_server.engines.factory import missing_engine_files
from tests.synthetic import SyntheticPage, render_lltp_form, render_text_page


@lru_cache(maxsize=8)
def lltp_page(seed: int = 1) -> SyntheticPage:
    return render_lltp_form(seed)


@lru_cache(maxsize=8)
def text_page(seed: int = 2) -> SyntheticPage:
    return render_text_page(seed)


def _tesseract_ready() -> bool:
    return shutil.which("tesseract") is not None and not missing_engine_files(PipelineSettings())


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
