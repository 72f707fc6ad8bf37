"""HTTP request/response models (the dossier result itself is ``ocr_server.result``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class ErrorBody(BaseModel):
    error: str
    detail: str


class Progress(BaseModel):
    pages_done: int
    pages_total: int


class PageQualityProblem(BaseModel):
    """A scan problem on one page, known as soon as the page is checked (before OCR ends)."""

    page: int
    code: str
    message_vi: str
    message_en: str


class DossierStatus(BaseModel):
    dossier_id: str
    status: Literal["queued", "processing", "done", "needs_review", "failed"]
    priority: Literal["counter", "bulk"]
    procedure: str | None
    progress: Progress
    error: ErrorBody | None = None
    quality_problems: list[PageQualityProblem] = []
    status_url: str
    result_url: str
    pdf_url: str


class ReviewEventOut(BaseModel):
    """One entry of a dossier's review audit trail."""

    at: datetime
    reviewer_name: str
    action: Literal["accept", "correct", "finish"]
    document_index: int | None
    field_name: str | None
    old_value: str | None
    new_value: str | None


class AccessEventOut(BaseModel):
    """One entry of the access log."""

    at: datetime
    key_id: int | None
    dossier_id: str
    action: str
