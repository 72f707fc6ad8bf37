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
        ocr_max_dpi: A4 pages scanned above this resolution are downscaled for OCR only (12-pt
            print reads as well at 240 dpi as at 300, in 25% less engine time).
        card_ocr_max_dpi: the same for ID cards, whose print is smaller.
        engine: OCR engine name: ``tesseract`` (default), ``hybrid`` or ``paddle``.
        det_model: the hybrid engine's DB text detector (ONNX); unset, the one shipped in the
            rapidocr-onnxruntime wheel.
        paddle_model_dir: where the paddle engine finds the official PP-OCRv5 model folders
            (``PP-OCRv5_server_det``, ``latin_PP-OCRv5_mobile_rec``, ...).
        languages: Tesseract language codes.
        tessdata_dir: where the Tesseract models live.
        pdf_jpeg_quality: JPEG quality of page images in the searchable PDF.
    """

    model_config = SettingsConfigDict(env_prefix="OCR_SERVER_", extra="ignore")

    max_pixels: int = 200_000_000
    pdf_dpi: int = 300
    ocr_max_dpi: int = Field(default=240, ge=100)
    card_ocr_max_dpi: int = Field(default=300, ge=100)
    engine: str = "tesseract"
    det_model: Path | None = None
    paddle_model_dir: Path = Path("/opt/ocr-server/paddle-models")
    languages: tuple[str, ...] = ("vie",)
    tessdata_dir: Path = Path("/usr/share/tesseract-ocr/5/tessdata")
    pdf_jpeg_quality: int = Field(default=80, ge=10, le=100)
    accept_confidence: float = Field(default=0.90, ge=0.0, le=1.0)


@lru_cache
def get_pipeline_settings() -> PipelineSettings:
    return PipelineSettings()


class ServerSettings(BaseSettings):
    """Where the server keeps its state, and the limits of the HTTP API.

    Attributes:
        redis_url: Redis for the job queues (``REDIS_URL``).
        database_url: SQLAlchemy URL (``DATABASE_URL``); an SQLite file in the data dir if unset.
        data_dir: blobs and the default database (``OCR_SERVER_DATA_DIR``).
        max_file_bytes: per uploaded file.
        max_dossier_bytes: per dossier.
        callback_secret: HMAC-SHA256 key for signing callbacks.
        page_job_timeout_s: RQ timeout of one page job.
        review_claim_s: how long opening a dossier in the review UI keeps it for that reviewer
            (each save extends it).
        session_secret: signs the review UI's session cookie; unset, a random one is kept in
            the data dir (``session.key``), shared by the API processes on this host.
        secure_cookies: send the session cookie over HTTPS only (set it behind TLS).
        retention_days: dossiers older than this are purged with their files (unset: kept).
        blob_url: ``s3://bucket/prefix`` to keep blobs in an S3 bucket (the data dir then holds
            a cache); unset, blobs stay in the data dir.
        s3_endpoint: the S3 API's URL for a store other than AWS (SeaweedFS, MinIO).
        cache_max_mb: with an S3 store, the most this host's local cache of blobs may hold.
        header_timeout_s: a request's headers must arrive within this (slow clients).
        body_idle_timeout_s: the longest pause inside a request body.
        body_timeout_s: the longest a request body may take in all.
    """

    model_config = SettingsConfigDict(extra="ignore")

    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("var"), validation_alias="OCR_SERVER_DATA_DIR")
    max_file_bytes: int = Field(default=50 * 1024 * 1024,
                                validation_alias="OCR_SERVER_MAX_FILE_BYTES")
    max_dossier_bytes: int = Field(default=200 * 1024 * 1024,
                                   validation_alias="OCR_SERVER_MAX_DOSSIER_BYTES")
    callback_secret: str = Field(default="change-me", validation_alias="OCR_SERVER_CALLBACK_SECRET")
    page_job_timeout_s: int = Field(default=300, validation_alias="OCR_SERVER_PAGE_JOB_TIMEOUT_S")
    review_claim_s: int = Field(default=900, ge=10, validation_alias="OCR_SERVER_REVIEW_CLAIM_S")
    session_secret: str | None = Field(default=None, validation_alias="OCR_SERVER_SESSION_SECRET")
    secure_cookies: bool = Field(default=False, validation_alias="OCR_SERVER_SECURE_COOKIES")
    blob_url: str | None = Field(default=None, validation_alias="OCR_SERVER_BLOB_URL")
    s3_endpoint: str | None = Field(default=None, validation_alias="OCR_SERVER_S3_ENDPOINT")
    retention_days: int | None = Field(default=None, ge=1,
                                       validation_alias="OCR_SERVER_RETENTION_DAYS")
    cache_max_mb: int = Field(default=4096, ge=1, validation_alias="OCR_SERVER_CACHE_MAX_MB")
    header_timeout_s: float = Field(default=10.0, gt=0,
                                    validation_alias="OCR_SERVER_HEADER_TIMEOUT_S")
    body_idle_timeout_s: float = Field(default=30.0, gt=0,
                                       validation_alias="OCR_SERVER_BODY_IDLE_TIMEOUT_S")
    body_timeout_s: float = Field(default=600.0, gt=0, validation_alias="OCR_SERVER_BODY_TIMEOUT_S")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'ocr-server.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


@lru_cache
def get_server_settings() -> ServerSettings:
    return ServerSettings()
