"""What the dossier page shows: documents, their fields (doubtful first), labels and boxes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr_server.procedures import PROCEDURE_NAMES
from ocr_server.store.models import Dossier
from templates.problems import describe
from templates.registry import default_registry
from templates.review import display_value

STATUS_TEXT = {"accepted": "Đã chấp nhận", "needs_review": "Cần kiểm tra",
               "missing": "Không có", "corrected": "Đã sửa"}
PRIORITY_TEXT = {"counter": "Tại quầy", "bulk": "Số hóa hàng loạt"}
_FALLBACK_LABELS = {"mrz": "Dòng MRZ", "qr": "Mã QR"}


@dataclass(frozen=True)
class FieldView:
    id: int
    name: str
    label: str
    kind: str
    value: str  # as shown for editing
    status: str
    status_text: str
    confidence: float
    pending: bool
    page: int | None
    bbox: list[int] | None
    messages: list[str]
    multiline: bool


@dataclass(frozen=True)
class DocumentView:
    index: int
    type: str
    title: str
    pages: list[int]
    fields: list[FieldView]


def field_kind(doc_type: str, name: str) -> str:
    """The field's normalizer kind (``text`` for a type or field without a template)."""
    spec = default_registry().specs.get(doc_type)
    return spec.fields[name].kind if spec and name in spec.fields else "text"


def field_label(doc_type: str, name: str) -> str:
    spec = default_registry().specs.get(doc_type)
    fspec = spec.fields.get(name) if spec else None
    if fspec and fspec.labels:
        return fspec.labels[0].split(" / ")[0]
    return _FALLBACK_LABELS.get(name, name.replace("_", " "))


def document_views(dossier: Dossier) -> list[DocumentView]:
    registry = default_registry()
    views = []
    for doc in dossier.documents:
        spec = registry.specs.get(doc.type)
        fields = []
        for f in doc.fields:
            kind = field_kind(doc.type, f.name)
            fields.append(FieldView(
                id=f.id, name=f.name, label=field_label(doc.type, f.name), kind=kind,
                value=display_value(kind, f.value), status=f.status,
                status_text=STATUS_TEXT.get(f.status, f.status), confidence=f.confidence,
                pending=f.pending, page=f.page, bbox=f.bbox,
                messages=[describe(p) for p in f.problems], multiline=kind == "mrz"))
        fields.sort(key=lambda v: (not v.pending, v.status != "missing"))  # stable otherwise
        views.append(DocumentView(doc.index, doc.type, spec.title if spec else doc.type,
                                  list(doc.pages), fields))
    views.sort(key=lambda d: not any(f.pending for f in d.fields))
    return views


def document_titles(types: list[str]) -> list[str]:
    specs = default_registry().specs
    return [specs[t].title if t in specs else t for t in types]


def page_sizes(dossier: Dossier) -> list[dict[str, Any]]:
    """Each page's size as uploaded, for placing field boxes on the preview."""
    return [{"index": p["index"], "width": p["width"], "height": p["height"]}
            for p in (dossier.result or {}).get("pages", [])]


def procedure_choices() -> dict[str, str]:
    return dict(PROCEDURE_NAMES)
