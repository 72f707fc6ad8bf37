"""Writing a finished dossier's result: the JSON, and its documents and fields as rows (the
review queue and pages query the rows; the JSON is what the API returns)."""

from __future__ import annotations

import json

from ocr_server.result import DossierResult
from ocr_server.store.models import Document, Dossier, Field


def record_result(dossier: Dossier, result: DossierResult) -> None:
    dossier.result = json.loads(result.to_json())
    dossier.status = result.status
    dossier.documents.clear()
    for i, doc in enumerate(result.documents):
        record = Document(index=i, type=doc.type, confidence=doc.confidence, pages=doc.pages)
        record.fields = [
            Field(name=name, value=f.value, confidence=f.confidence, status=f.status,
                  page=f.page, bbox=list(f.bbox) if f.bbox else None, problems=f.problems,
                  pending=f.pending)
            for name, f in doc.fields.items()
        ]
        dossier.documents.append(record)
