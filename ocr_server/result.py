"""The ``dossier/1`` result contract (see RESULT_CONTRACT.md), as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[int, int, int, int]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QualityProblem(_Model):
    code: str
    message_vi: str
    message_en: str


class Quality(_Model):
    ok: bool = True
    problems: list[QualityProblem] = Field(default_factory=list)


class WordResult(_Model):
    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    bbox: BBox


class LineResult(_Model):
    """A line; ``words`` (an extension of dossier/1) joined by spaces give ``text``."""

    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    bbox: BBox
    words: list[WordResult] = Field(default_factory=list)


class PageResult(_Model):
    index: int
    source: str
    width: int
    height: int
    dpi: int
    skew_deg: float
    rotation_deg: Literal[0, 90, 180, 270]
    quality: Quality = Field(default_factory=Quality)
    text: str
    lines: list[LineResult]
    codes: list[str] = Field(default_factory=list)  # extension: decoded QR payloads
    # extension: boxes of ID cards cut from this page (a photocopy of a card's two sides)
    regions: list[BBox] = Field(default_factory=list)


class FieldResult(_Model):
    """A field; ``raw`` (an extension of dossier/1) is the text as OCR read it.

    After review (extensions): ``status`` is ``corrected`` when a reviewer changed the value,
    ``ocr_value`` keeps the value extraction gave, and ``reviewed_by``/``reviewed_at`` say who
    accepted or corrected it, and when (UTC, ISO 8601).
    """

    value: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    status: Literal["accepted", "needs_review", "missing", "corrected"]
    page: int | None = None
    bbox: BBox | None = None
    problems: list[str] = Field(default_factory=list)
    raw: str | None = None
    ocr_value: str | None = None
    reviewed_by: str | None = None
    reviewed_at: str | None = None

    @property
    def pending(self) -> bool:
        """Whether a person must look at it: doubtful, or required and not found."""
        return self.status in ("needs_review", "missing") and bool(self.value or self.problems)


class ReviewInfo(_Model):
    """Who finished the review of a dossier, and when (UTC, ISO 8601)."""

    by: str
    finished_at: str


class DocumentResult(_Model):
    type: str
    confidence: float = Field(ge=0.0, le=1.0)
    pages: list[int]
    fields: dict[str, FieldResult] = Field(default_factory=dict)
    region: BBox | None = None  # extension: the card's box when cut from a sheet


class DossierResult(_Model):
    schema_: Literal["dossier/1"] = Field(default="dossier/1", alias="schema")
    dossier_id: str
    procedure: str | None
    status: Literal["done", "needs_review", "failed"]
    pages: list[PageResult]
    documents: list[DocumentResult]
    missing_documents: list[str]
    timings_ms: dict[str, int]
    review: ReviewInfo | None = None  # extension: set when a reviewer finished the dossier

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
