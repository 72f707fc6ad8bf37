"""``ocr-server archive report NAME``: a batch as CSV (one row per dossier) and an HTML page
(totals, documents by type, fields sent to review, failures with reasons, pages/min, charts)."""

from __future__ import annotations

import csv
import html
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocr_server.store.models import Document, Dossier, Field, Page

CSV_COLUMNS = ("dossier_id", "files", "status", "pages", "pages_failed", "documents",
               "fields_to_review", "error", "detail", "submitted_at", "finished_at")


@dataclass(frozen=True)
class DossierRow:
    dossier_id: str
    files: str
    status: str
    pages: int
    pages_failed: int
    documents: str
    fields_to_review: int
    error: str
    detail: str
    submitted_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class BatchReport:
    name: str
    rows: list[DossierRow]
    documents: Counter[str]
    page_finish_times: list[datetime]

    @property
    def status_counts(self) -> Counter[str]:
        return Counter(r.status for r in self.rows)

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.rows)

    @property
    def pages_processed(self) -> int:
        return len(self.page_finish_times)

    @property
    def fields_to_review(self) -> int:
        return sum(r.fields_to_review for r in self.rows)

    @property
    def failures(self) -> list[DossierRow]:
        return [r for r in self.rows if r.status == "failed"]

    @property
    def pages_per_min(self) -> float:
        """Pages processed over the wall time from the first submission to the last page."""
        if not self.page_finish_times:
            return 0.0
        start = min(r.submitted_at for r in self.rows)
        minutes = (max(self.page_finish_times) - start).total_seconds() / 60
        return self.pages_processed / minutes if minutes > 0 else 0.0


def build_report(session: Session, name: str) -> BatchReport | None:
    dossiers = list(session.scalars(select(Dossier).where(Dossier.batch == name)
                                    .order_by(Dossier.created_at, Dossier.id)))
    if not dossiers:
        return None
    ids = [d.id for d in dossiers]
    files: dict[str, list[str]] = {}
    failed_pages: Counter[str] = Counter()
    finish_times = []
    for dossier_id, file_name, status, finished in session.execute(
            select(Page.dossier_id, Page.file_name, Page.status, Page.finished_at)
            .where(Page.dossier_id.in_(ids)).order_by(Page.dossier_id, Page.index)):
        names = files.setdefault(dossier_id, [])
        if file_name not in names:
            names.append(file_name)
        if status == "failed":
            failed_pages[dossier_id] += 1
        if status in ("done", "failed") and finished is not None:
            finish_times.append(finished)
    docs: dict[str, list[str]] = {}
    for dossier_id, doc_type in session.execute(
            select(Document.dossier_id, Document.type).where(Document.dossier_id.in_(ids))
            .order_by(Document.dossier_id, Document.index)):
        docs.setdefault(dossier_id, []).append(doc_type)
    review = dict(session.execute(
        select(Document.dossier_id, func.count(Field.id)).join(Field)
        .where(Document.dossier_id.in_(ids),
               Field.pending.is_(True) | Field.status.in_(("needs_review", "corrected")))
        .group_by(Document.dossier_id)).all())
    rows = [DossierRow(
        dossier_id=d.id, files="; ".join(files.get(d.id, [])), status=d.status,
        pages=d.pages_total, pages_failed=failed_pages[d.id],
        documents="; ".join(docs.get(d.id, [])), fields_to_review=int(review.get(d.id, 0)),
        error=d.error_code or "", detail=d.error_detail or "", submitted_at=d.created_at,
        finished_at=d.finished_at) for d in dossiers]
    counts: Counter[str] = Counter(t for types in docs.values() for t in types)
    return BatchReport(name, rows, counts, sorted(finish_times))


def write_csv(report: BatchReport, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for r in report.rows:
            writer.writerow([r.dossier_id, r.files, r.status, r.pages, r.pages_failed,
                             r.documents, r.fields_to_review, r.error, r.detail,
                             r.submitted_at.isoformat(timespec="seconds"),
                             r.finished_at.isoformat(timespec="seconds") if r.finished_at
                             else ""])


def _bars(items: list[tuple[str, float]], *, unit: str, width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (no plotting library needed in the server)."""
    if not items:
        return "<p>—</p>"
    top = max(v for _, v in items) or 1
    row, label_w = 24, 230
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{row * len(items) + 8}" role="img">']
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 90) * value / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" '
                     f'font-size="13">{html.escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="16" '
                     f'fill="#12466e"/><text x="{label_w + w + 6:.1f}" y="{y + 16}" '
                     f'font-size="13">{value:g} {unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _per_minute(times: list[datetime]) -> list[tuple[str, float]]:
    if not times:
        return []
    start = times[0].replace(second=0, microsecond=0)
    buckets: Counter[int] = Counter(int((t - start).total_seconds() // 60) for t in times)
    last = max(buckets)
    step = max(1, (last + 1 + 29) // 30)  # at most 30 bars
    out = []
    for b in range(0, last + 1, step):
        count = sum(buckets.get(k, 0) for k in range(b, b + step))
        out.append((f"{start.strftime('%H:%M')} +{b} min", count / step))
    return out


def write_html(report: BatchReport, path: Path) -> None:
    esc = html.escape
    statuses = "".join(f"<li>{esc(k)}: <b>{v}</b></li>"
                       for k, v in sorted(report.status_counts.items()))
    failures = "".join(
        f"<tr><td><code>{esc(r.dossier_id)}</code></td><td>{esc(r.files)}</td>"
        f"<td>{esc(r.error)}</td><td>{esc(r.detail)}</td></tr>" for r in report.failures
    ) or '<tr><td colspan="4">none</td></tr>'
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Archive batch {esc(report.name)}</title>
<style>body{{font:14px/1.4 "Noto Sans","DejaVu Sans",sans-serif;margin:1.5rem;color:#1c2430}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccd;padding:.25rem .5rem;
text-align:left}}.big{{font-size:1.6rem;font-weight:700}}</style></head><body>
<h1>Archive batch “{esc(report.name)}”</h1>
<p><span class="big">{len(report.rows)}</span> dossiers ·
<span class="big">{report.pages}</span> pages ({report.pages_processed} processed) ·
<span class="big">{report.pages_per_min:.1f}</span> pages/min ·
<span class="big">{report.fields_to_review}</span> fields sent to review</p>
<h2>Dossiers by status</h2><ul>{statuses}</ul>
<h2>Documents by type</h2>{_bars(report.documents.most_common(), unit="")}
<h2>Pages finished per minute</h2>{_bars(_per_minute(report.page_finish_times), unit="pages")}
<h2>Failures</h2>
<table><tr><th>dossier</th><th>files</th><th>error</th><th>reason</th></tr>{failures}</table>
<p>Every dossier: <code>{esc(path.with_suffix(".csv").name)}</code></p>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
