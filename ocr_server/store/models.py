"""Durable records: the database is the source of truth for status and results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from ocr_server.loading import PageRef

# A dossier in one of these has ended: nothing more will happen to it without a person.
ENDED_STATUSES = ("done", "needs_review", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (UniqueConstraint("owner_key_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    procedure: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16))
    callback_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    pages_total: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)  # loaded on use
    pdf_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    batch: Mapped[str | None] = mapped_column(String(200), index=True)  # archive batch name
    pdf_format: Mapped[str] = mapped_column(String(16), default="pdf")  # pdf | pdfa-2b
    engine: Mapped[str | None] = mapped_column(String(32))  # None: the deployment's engine
    # review: who holds the dossier (opening it in the review UI claims it until the deadline)
    claimed_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    claim_expires_at: Mapped[datetime | None] = mapped_column()
    reviewed_at: Mapped[datetime | None] = mapped_column()

    claimed_by: Mapped[ApiKey | None] = relationship(foreign_keys=[claimed_by_key_id])
    pages: Mapped[list[Page]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="Page.index"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="Document.index"
    )
    callbacks: Mapped[list[CallbackAttempt]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan"
    )


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("dossier_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()
    file_name: Mapped[str] = mapped_column(String(500))
    blob_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    frame: Mapped[int] = mapped_column()
    frames: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    pdf_key: Mapped[str | None] = mapped_column(String(64))
    timings_ms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    finished_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)  # times a worker started this page

    dossier: Mapped[Dossier] = relationship(back_populates="pages")

    def ref(self, path: Path) -> PageRef:
        """Where the pipeline reads this page: ``path`` is the upload's blob."""
        return PageRef(path=path, name=self.file_name, kind=self.kind,  # type: ignore[arg-type]
                       frame=self.frame, frames=self.frames)


Index("ix_pages_status_finished", Page.status, Page.finished_at)


def find_page(session: Session, dossier_id: str, index: int) -> Page | None:
    """Page ``index`` (0-based) of a dossier."""
    return session.scalars(select(Page).where(Page.dossier_id == dossier_id,
                                              Page.index == index)).one_or_none()


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column()
    pages: Mapped[list[Any]] = mapped_column(JSON)

    dossier: Mapped[Dossier] = relationship(back_populates="documents")
    fields: Mapped[list[Field]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )


class Field(Base):
    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    page: Mapped[int | None] = mapped_column()
    bbox: Mapped[list[Any] | None] = mapped_column(JSON)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # a reviewer must look at it (needs_review, or a required field that was not found)
    pending: Mapped[bool] = mapped_column(default=False)

    document: Mapped[Document] = relationship(back_populates="fields")


class ReviewEvent(Base):
    """The audit trail of review: a field accepted or corrected, or the dossier finished."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"),
                                            index=True)
    reviewer_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    reviewer_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # accept | correct | finish
    document_index: Mapped[int | None] = mapped_column()
    field_name: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class AccessEvent(Base):
    """Who read or changed which dossier (kept after the dossier is deleted or purged)."""

    __tablename__ = "access_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    key_id: Mapped[int | None] = mapped_column()  # None: the system (retention)
    dossier_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(32))


class CallbackAttempt(Base):
    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)

    dossier: Mapped[Dossier] = relationship(back_populates="callbacks")
