"""From OCRed pages to documents with checked fields: classify, group, extract, cross-check,
and decide which values can be accepted without a person looking at them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ocr_server.result import DocumentResult, FieldResult, PageResult
from templates.classify import Classification, classify_page
from templates.extract import Candidate, find_candidates
from templates.normalize import NORMALIZERS
from templates.registry import TemplateRegistry
from templates.spec import TemplateSpec
from templates.validators import (
    check_date_order,
    check_future_date,
    check_id_structure,
    check_mrz,
    check_past_date,
    check_person_name,
    check_phone_vn,
    mrz_date,
    mrz_name,
    parse_chip_qr,
    parse_td1,
)

PERSON_NAME_FIELDS = ("full_name", "owner_name", "applicant_name")
CONFIRMED_CONFIDENCE = 0.99


@dataclass(frozen=True)
class ReviewPolicy:
    """When a value may be accepted without review.

    Attributes:
        accept_confidence: least OCR confidence of a value's words for auto-acceptance.
    """

    accept_confidence: float = 0.90


@dataclass
class _Field:
    raw: str | None
    value: str | None
    confidence: float
    page: int | None
    bbox: tuple[int, int, int, int] | None
    problems: list[str] = field(default_factory=list)
    confirmed: bool = False


@dataclass
class _Document:
    type: str
    confidence: float
    units: list[PageResult]  # whole pages, or the cards cut from a sheet
    spec: TemplateSpec | None
    region: tuple[int, int, int, int] | None = None
    fields: dict[str, _Field] = field(default_factory=dict)

    @property
    def pages(self) -> list[int]:
        return sorted({u.index for u in self.units})


def analyze(pages: list[PageResult], registry: TemplateRegistry,
            policy: ReviewPolicy) -> list[DocumentResult]:
    """Documents of a dossier, in page order, with their fields decided."""
    units = [unit for p in pages for unit in split_regions(p)]
    documents = _group(units, [classify_page(u, registry) for u in units], registry)
    for doc in documents:
        if doc.spec is not None:
            doc.fields = _read_fields(doc.spec, doc.units)
    _cross_check(documents)
    return [_decide(doc, policy) for doc in documents]


def split_regions(page: PageResult) -> list[PageResult]:
    """A page, or one page per card region cut from it (lines assigned by their centre), each
    sized like its region so that classification sees a card."""
    if not page.regions:
        return [page]
    units = []
    for x0, y0, x1, y1 in page.regions:
        lines = [ln for ln in page.lines
                 if x0 <= (ln.bbox[0] + ln.bbox[2]) / 2 <= x1
                 and y0 <= (ln.bbox[1] + ln.bbox[3]) / 2 <= y1]
        units.append(page.model_copy(update={
            "width": x1 - x0, "height": y1 - y0, "rotation_deg": 0, "lines": lines,
            "text": "\n".join(ln.text for ln in lines), "regions": [(x0, y0, x1, y1)]}))
    return units


def _group(units: list[PageResult], labels: list[Classification],
           registry: TemplateRegistry) -> list[_Document]:
    """One document per classified page or card; an unknown A4 page that follows a form page
    of the same file continues that form."""
    docs: list[_Document] = []
    for unit, label in zip(units, labels, strict=True):
        prev = docs[-1] if docs else None
        continues = (label.type == "unknown" and not unit.regions and prev is not None
                     and prev.spec is not None and prev.spec.layout == "a4"
                     and _file(prev.units[-1]) == _file(unit))
        if continues:
            prev.units.append(unit)
            continue
        region = unit.regions[0] if unit.regions else None
        docs.append(_Document(label.type, label.confidence, [unit], registry.get(label.type),
                              region))
    return docs


def _file(page: PageResult) -> str:
    return page.source.split("#")[0]


def _read_fields(spec: TemplateSpec, pages: list[PageResult]) -> dict[str, _Field]:
    candidates = find_candidates(spec, pages)
    fields: dict[str, _Field] = {}
    for name, fspec in spec.fields.items():
        cand: Candidate | None = candidates.get(name)
        if cand is None:
            fields[name] = _Field(None, None, 0.0, None, None,
                                  ["not_found"] if fspec.required else [])
            continue
        value, problems = NORMALIZERS[fspec.kind](cand.raw)
        fields[name] = _Field(cand.raw, value, cand.confidence, cand.page, cand.bbox,
                              list(problems))
    for name, fspec in spec.fields.items():
        f = fields[name]
        if f.value is None or f.problems:
            continue
        for check in fspec.validators:
            f.problems += _validate(check, f.value, fields)
    return fields


def check_field(spec: TemplateSpec, name: str, raw: str,
                others: Mapping[str, str | None]) -> tuple[str | None, list[str]]:
    """Normalize ``raw`` as field ``name`` and run its validators, given the document's other
    values (used for a reviewer's correction)."""
    value, problems = NORMALIZERS[spec.fields[name].kind](raw)
    if value is None or problems:
        return value, list(problems)
    context = {k: _Field(v, v, 1.0, None, None) for k, v in others.items() if k != name}
    found: list[str] = []
    for check in spec.fields[name].validators:
        found += _validate(check, value, context)
    return value, found


def _clean(fields: dict[str, _Field], name: str) -> str | None:
    f = fields.get(name)
    return f.value if f is not None and not f.problems else None


def _validate(check: str, value: str, fields: dict[str, _Field]) -> list[str]:
    if check == "id_structure":
        return check_id_structure(value, date_of_birth=_clean(fields, "date_of_birth"),
                                  sex=_clean(fields, "sex"))
    if check == "past_date":
        return check_past_date(value)
    if check == "future_date":
        return check_future_date(value)
    if check == "mrz_check_digits":
        return check_mrz(value)
    if check == "phone_vn":
        return check_phone_vn(value)
    if check == "person_name":
        return check_person_name(value)
    raise ValueError(f"unknown validator {check!r}")  # TemplateSpec rejects these at load


def _agree(a: _Field | None, b_value: str | None, problem: str) -> None:
    """Confirm ``a`` when an independent reading gives the same value; flag it otherwise."""
    if a is None or a.value is None or b_value is None or a.problems:
        return
    if a.value == b_value:
        a.confirmed = True
    else:
        a.problems.append(problem)


def _cross_check(documents: list[_Document]) -> None:
    front = next((d for d in documents if d.type == "cccd_front"), None)
    back = next((d for d in documents if d.type == "cccd_back"), None)
    if front is not None:
        ff = front.fields
        for code in (c for unit in front.units for c in unit.codes):
            qr = parse_chip_qr(code)
            if qr is None:
                continue
            _agree(ff.get("id_number"), qr.id_number, "mismatch_qr")
            _agree(ff.get("full_name"), " ".join(qr.full_name.upper().split()), "mismatch_qr")
            _agree(ff.get("date_of_birth"), qr.date_of_birth, "mismatch_qr")
            _agree(ff.get("sex"), qr.sex or None, "mismatch_qr")
        if back is not None:
            mrz_field = back.fields.get("mrz")
            if mrz_field is not None and mrz_field.value and not mrz_field.problems:
                td1 = parse_td1(mrz_field.value)
                _agree(ff.get("id_number"), td1.personal_id, "mismatch_mrz")
                _agree(ff.get("date_of_birth"), mrz_date(td1.birth, expiry=False), "mismatch_mrz")
                _agree(ff.get("expiry_date"), mrz_date(td1.expiry, expiry=True), "mismatch_mrz")
                _agree(ff.get("sex"), {"M": "Nam", "F": "Nữ"}.get(td1.sex), "mismatch_mrz")
                name = ff.get("full_name")
                if name is not None and name.value and not name.problems:
                    if mrz_name(name.value) == td1.name:
                        name.confirmed = True
                    else:
                        name.problems.append("mismatch_mrz")
                if any(f.confirmed for f in ff.values()):
                    mrz_field.confirmed = True
            issue = back.fields.get("issue_date")
            if issue is not None and issue.value and not issue.problems and not check_date_order(
                    _clean(ff, "date_of_birth"), issue.value, _clean(ff, "expiry_date")):
                issue.problems.append("date_order")
        card_id = _clean(ff, "id_number")
        card_name = _clean(ff, "full_name")
        for doc in documents:
            if doc.spec is None or doc.spec.layout != "a4":
                continue
            _agree(doc.fields.get("id_number"), card_id, "mismatch_cccd_front")
            for name in PERSON_NAME_FIELDS:
                _agree(doc.fields.get(name), card_name, "mismatch_cccd_front")


def _decide(doc: _Document, policy: ReviewPolicy) -> DocumentResult:
    results: dict[str, FieldResult] = {}
    for name, f in doc.fields.items():
        spec = doc.spec.fields[name] if doc.spec is not None else None
        if f.value is None and f.raw is None:
            status, conf = "missing", 0.0
        elif f.problems:
            status, conf = "needs_review", min(f.confidence, 0.5)
        elif f.confirmed:
            status, conf = "accepted", max(f.confidence, CONFIRMED_CONFIDENCE)
        elif spec is not None and spec.needs_confirmation:
            status, conf = "needs_review", f.confidence
        else:
            conf = f.confidence
            status = "accepted" if conf >= policy.accept_confidence else "needs_review"
        results[name] = FieldResult(value=f.value, confidence=round(conf, 4), status=status,
                                    page=f.page, bbox=f.bbox, problems=f.problems, raw=f.raw)
    return DocumentResult(type=doc.type, confidence=doc.confidence, pages=doc.pages,
                          fields=results, region=doc.region)
