"""Settings read from the environment (prefix ``OCR_SERVER_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """How pages are loaded, prepared and recognised.

    Attributes:
        max_pixels: pages above this many pixels are refused before decoding.
        pdf_dpi: resolution at which PDF pages are rasterized.
        ocr_max_dpi: pages scanned above this resolution are downscaled for OCR only.
        engine: OCR engine name.
        languages: Tesseract language codes.
        tessdata_dir: where the Tesseract models live.
        pdf_jpeg_quality: JPEG quality of page images in the searchable PDF.
    """

    model_config = SettingsConfigDict(env_prefix="OCR_SERVER_", extra="ignore")

    max_pixels: int = 200_000_000
    pdf_dpi: int = 300
    ocr_max_dpi: int = 300
    engine: str = "tesseract"
    languages: tuple[str, ...] = ("vie",)
    tessdata_dir: Path = Path("/usr/share/tesseract-ocr/5/tessdata")
    pdf_jpeg_quality: int = Field(default=80, ge=10, le=100)


@lru_cache
def get_pipeline_settings() -> PipelineSettings:
    return PipelineSettings()
