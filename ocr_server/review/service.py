"""Review of doubtful fields: the queue, claims, accepting and correcting fields, finishing.

No HTTP here: the review pages and any other caller share these functions. Every change is
written to ``review_events`` and mirrored into the dossier's result JSON in the same
transaction, so the result never disagrees with the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ocr_server.errors import OcrServerError
from ocr_server.store.models import ApiKey, Document, Dossier, Field, ReviewEvent, utcnow
from templates.problems import describe
from templates.registry import default_registry
from templates.review import blocking, check_correction

REVIEW_ROLES = ("reviewer", "admin")


class ReviewError(OcrServerError):
    http_status: ClassVar[int] = 409


class NotReviewableError(ReviewError):
    code: ClassVar[str] = "not_reviewable"


class UnknownDossierError(ReviewError):
    code: ClassVar[str] = "not_found"
    http_status: ClassVar[int] = 404


class ClaimedByOtherError(ReviewError):
    """Someone else holds the dossier."""

    code: ClassVar[str] = "claimed"

    def __init__(self, holder: str, until: datetime) -> None:
        super().__init__(f"đang được {holder} kiểm tra đến {until:%H:%M} (UTC)")
        self.holder = holder
        self.until = until


class ClaimLostError(ReviewError):
    code: ClassVar[str] = "claim_lost"


class ReviewIncompleteError(ReviewError):
    code: ClassVar[str] = "review_incomplete"


class InvalidCorrectionError(OcrServerError):
    """The typed value fails the field's normalizer or validators."""

    code: ClassVar[str] = "invalid_correction"
    http_status: ClassVar[int] = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(describe(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Reviewer:
    key_id: int
    name: str

    @classmethod
    def of(cls, key: ApiKey) -> Reviewer:
        return cls(key.id, key.name or f"khóa {key.prefix}")


@dataclass(frozen=True)
class QueueEntry:
    dossier_id: str
    procedure: str | None
    priority: str
    created_at: datetime
    waiting: int  # fields a person must look at
    mine: bool  # already claimed by this reviewer


def _claim_free(reviewer: Reviewer, now: datetime):  # type: ignore[no-untyped-def]
    return or_(Dossier.claimed_by_key_id.is_(None), Dossier.claim_expires_at < now,
               Dossier.claimed_by_key_id == reviewer.key_id)


def review_queue(session: Session, reviewer: Reviewer, *, procedure: str | None = None,
                 priority: str | None = None, now: datetime | None = None,
                 limit: int = 200) -> tuple[list[QueueEntry], int]:
    """Dossiers waiting for review that this reviewer may open, oldest first, and how many
    more are held by other reviewers right now (an expired claim puts a dossier back)."""
    now = now or utcnow()
    waiting = (select(Document.dossier_id, func.count(Field.id).label("n"))
               .join(Field, Field.document_id == Document.id)
               .where(Field.pending.is_(True)).group_by(Document.dossier_id).subquery())
    filters = [Dossier.status == "needs_review"]
    if procedure:
        filters.append(Dossier.procedure == procedure)
    if priority:
        filters.append(Dossier.priority == priority)
    rows = session.execute(
        select(Dossier.id, Dossier.procedure, Dossier.priority, Dossier.created_at,
               func.coalesce(waiting.c.n, 0), Dossier.claimed_by_key_id)
        .outerjoin(waiting, waiting.c.dossier_id == Dossier.id)
        .where(*filters, _claim_free(reviewer, now))
        .order_by(Dossier.created_at, Dossier.id).limit(limit)).all()
    held = session.scalar(select(func.count(Dossier.id)).where(
        *filters, Dossier.claimed_by_key_id != reviewer.key_id, Dossier.claim_expires_at >= now))
    entries = [QueueEntry(i, proc, prio, created, int(n), holder == reviewer.key_id)
               for i, proc, prio, created, n, holder in rows]
    return entries, int(held or 0)


def claim(session: Session, dossier_id: str, reviewer: Reviewer, *, ttl_s: int,
          now: datetime | None = None) -> Dossier:
    """Take (or extend) the dossier for this reviewer until ``now + ttl_s``.

    One conditional UPDATE, so two reviewers opening the same dossier at once cannot both
    win. Raises ClaimedByOtherError, or NotReviewableError when the dossier is not waiting
    for review.
    """
    now = now or utcnow()
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise UnknownDossierError(f"không có hồ sơ {dossier_id}")
    if dossier.status != "needs_review":
        raise NotReviewableError(
            f"hồ sơ {dossier_id} không chờ kiểm tra (trạng thái {dossier.status})")
    won = session.execute(
        update(Dossier).where(Dossier.id == dossier_id, Dossier.status == "needs_review",
                              _claim_free(reviewer, now))
        .values(claimed_by_key_id=reviewer.key_id,
                claim_expires_at=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(dossier)
    if not won:
        holder = dossier.claimed_by
        raise ClaimedByOtherError(holder.name if holder and holder.name else "người khác",
                             dossier.claim_expires_at or now)
    return dossier


def release(session: Session, dossier_id: str, reviewer: Reviewer) -> None:
    session.execute(update(Dossier).where(Dossier.id == dossier_id,
                                          Dossier.claimed_by_key_id == reviewer.key_id)
                    .values(claimed_by_key_id=None, claim_expires_at=None))


def _held(session: Session, dossier_id: str, reviewer: Reviewer, now: datetime,
          ttl_s: int) -> Dossier:
    """The dossier, if this reviewer still holds it; the claim is extended."""
    dossier = session.get(Dossier, dossier_id, with_for_update=True)
    if dossier is None or dossier.status != "needs_review":
        raise NotReviewableError(f"hồ sơ {dossier_id} không chờ kiểm tra")
    if dossier.claimed_by_key_id != reviewer.key_id or (
            dossier.claim_expires_at is not None and dossier.claim_expires_at < now):
        claimed = dossier.claimed_by_key_id not in (None, reviewer.key_id) and \
            dossier.claim_expires_at is not None and dossier.claim_expires_at >= now
        raise ClaimLostError("hồ sơ đã được người khác nhận" if claimed else
                        "hết thời gian giữ hồ sơ; hãy mở lại hồ sơ")
    dossier.claim_expires_at = now + timedelta(seconds=ttl_s)
    return dossier  # type: ignore[no-any-return]


@dataclass(frozen=True)
class FieldOutcome:
    field: Field
    action: str  # accept | correct
    advisories: list[str]


def review_field(session: Session, dossier_id: str, field_id: int, text: str | None,
                 reviewer: Reviewer, *, ttl_s: int, now: datetime | None = None) -> FieldOutcome:
    """Accept a field as it is (``text`` None, or a value that normalizes to the current one)
    or correct it. A correction is normalized and validated like extraction; a value with a
    blocking problem raises InvalidCorrectionError and changes nothing."""
    now = now or utcnow()
    dossier = _held(session, dossier_id, reviewer, now, ttl_s)
    field = session.scalars(select(Field).join(Document).where(
        Field.id == field_id, Document.dossier_id == dossier_id)).one_or_none()
    if field is None:
        raise NotReviewableError(f"không có trường {field_id} trong hồ sơ {dossier_id}")
    document = field.document
    spec = default_registry().specs.get(document.type)
    old = field.value
    advisories: list[str] = []
    if text is None:
        value = old
    elif spec is None or field.name not in spec.fields:
        value = text.strip() or None  # a type without a template: stored as typed (NFC)
    else:
        others = {f.name: f.value for f in document.fields}
        value, problems = check_correction(spec, field.name, text, others)
        if blocking(problems):
            raise InvalidCorrectionError(blocking(problems))
        advisories = problems
    action = "accept" if value == old else "correct"
    field.value = value
    field.pending = False
    field.problems = advisories if action == "correct" else field.problems
    if action == "correct":
        field.status = "corrected"
    elif field.status != "corrected":  # accepting a corrected value keeps it corrected
        field.status = "accepted" if value is not None else "missing"
    session.add(ReviewEvent(dossier_id=dossier_id, reviewer_key_id=reviewer.key_id,
                            reviewer_name=reviewer.name, at=now, action=action,
                            document_index=document.index, field_name=field.name,
                            old_value=old, new_value=value))
    _mirror_field(dossier, document.index, field, old, reviewer, now)
    return FieldOutcome(field, action, advisories)


def _mirror_field(dossier: Dossier, doc_index: int, field: Field, old: str | None,
                  reviewer: Reviewer, now: datetime) -> None:
    entry = dossier.result["documents"][doc_index]["fields"][field.name]  # type: ignore[index]
    if field.status == "corrected":
        entry.setdefault("ocr_value", old)  # the first correction keeps what OCR read
    entry.update(value=field.value, status=field.status, problems=list(field.problems),
                 reviewed_by=reviewer.name, reviewed_at=now.isoformat(timespec="seconds") + "Z")
    flag_modified(dossier, "result")  # changed in place: a dossier's result may be megabytes


def pending_count(session: Session, dossier_id: str) -> int:
    return int(session.scalar(select(func.count(Field.id)).join(Document).where(
        Document.dossier_id == dossier_id, Field.pending.is_(True))) or 0)


def finish_review(session: Session, dossier_id: str, reviewer: Reviewer, *, ttl_s: int,
                  now: datetime | None = None) -> Dossier:
    """Mark the dossier ``done`` once no field waits; the caller fires its callback."""
    now = now or utcnow()
    dossier = _held(session, dossier_id, reviewer, now, ttl_s)
    left = pending_count(session, dossier_id)
    if left:
        raise ReviewIncompleteError(f"còn {left} trường chưa kiểm tra")
    dossier.result["status"] = "done"  # type: ignore[index]
    dossier.result["review"] = {"by": reviewer.name,  # type: ignore[index]
                                "finished_at": now.isoformat(timespec="seconds") + "Z"}
    flag_modified(dossier, "result")
    dossier.status = "done"
    dossier.reviewed_at = now
    dossier.claimed_by_key_id = None
    dossier.claim_expires_at = None
    session.add(ReviewEvent(dossier_id=dossier_id, reviewer_key_id=reviewer.key_id,
                            reviewer_name=reviewer.name, at=now, action="finish"))
    return dossier


def events(session: Session, dossier_id: str) -> list[ReviewEvent]:
    return list(session.scalars(select(ReviewEvent).where(ReviewEvent.dossier_id == dossier_id)
                                .order_by(ReviewEvent.at, ReviewEvent.id)))

