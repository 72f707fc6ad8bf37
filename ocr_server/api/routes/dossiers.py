"""/v1/dossiers: submit, follow, fetch and erase dossiers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, HTTPException, Query, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr_server.api.deps import AdminDep, Caller, CallerDep, StateDep, SubmitterDep
from ocr_server.api.schemas import (
    AccessEventOut,
    DossierStatus,
    ErrorBody,
    PageQualityProblem,
    Progress,
    ReviewEventOut,
)
from ocr_server.engines.factory import ENGINE_NAMES
from ocr_server.loading import render_page_png
from ocr_server.procedures import REQUIRED_DOCUMENTS
from ocr_server.review.service import events as review_events
from ocr_server.store.models import AccessEvent, Dossier, Page, find_page
from ocr_server.submission import Upload, delete_dossier, safe_file_name, submit_dossier

router = APIRouter(prefix="/v1/dossiers", tags=["dossiers"])

ERRORS = {code: {"model": ErrorBody} for code in (401, 403, 404, 409, 413, 415, 422, 503, 507)}
ProcedureCode = Literal[tuple(REQUIRED_DOCUMENTS)]  # type: ignore[valid-type]


def _status(d: Dossier, session: Session) -> DossierStatus:
    """Status from the dossier row and its pages' status and quality columns only (a poll
    must not load page results)."""
    base = f"/v1/dossiers/{d.id}"
    pages = session.execute(select(Page.index, Page.status, Page.quality)
                            .where(Page.dossier_id == d.id).order_by(Page.index)).all()
    pages_done = sum(1 for _, status, _ in pages if status in ("done", "failed"))
    problems = [PageQualityProblem(page=index, **problem) for index, _, quality in pages
                if quality for problem in quality.get("problems", [])]
    return DossierStatus(
        quality_problems=problems,
        dossier_id=d.id, status=d.status, priority=d.priority,  # type: ignore[arg-type]
        procedure=d.procedure, progress=Progress(pages_done=pages_done, pages_total=d.pages_total),
        error=ErrorBody(error=d.error_code or "internal_error", detail=d.error_detail or "")
        if d.status == "failed" else None,
        status_url=base, result_url=f"{base}/result", pdf_url=f"{base}/pdf",
    )


def _load(caller: Caller, dossier_id: str, session: Session, action: str | None = None
          ) -> Dossier:
    """The dossier if the caller may see it; ``action`` goes into the access log (in the
    same transaction, so a request that fails records nothing)."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or not caller.can_see(dossier):
        raise HTTPException(404, f"no dossier {dossier_id!r}")
    if action:
        session.add(AccessEvent(key_id=caller.key_id, dossier_id=dossier_id, action=action))
    return dossier  # type: ignore[no-any-return]


@router.post("", status_code=202, response_model=DossierStatus, responses=ERRORS)
def submit(
    state: StateDep,
    caller: SubmitterDep,
    response: Response,
    files: Annotated[list[UploadFile], File(description="JPEG/PNG/TIFF/PDF pages, in order")],
    procedure: Annotated[ProcedureCode | None, Form()] = None,
    priority: Annotated[Literal["counter", "bulk"], Form()] = "counter",
    callback_url: Annotated[str | None, Form(pattern=r"^https?://", max_length=2000)] = None,
    pdf_format: Annotated[Literal["pdf", "pdfa-2b"], Form(
        description="`pdfa-2b` for an archival PDF/A-2b")] = "pdf",
    engine: Annotated[Literal[ENGINE_NAMES] | None, Form(  # type: ignore[valid-type]
        description="OCR engine for this dossier (default: the deployment's)")] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> DossierStatus:
    """Store the files and queue the dossier; answers as soon as the files are stored."""
    uploads = [Upload(name=safe_file_name(f.filename, f"file{i + 1}"), stream=f.file)
               for i, f in enumerate(files)]
    dossier, created = submit_dossier(
        uploads, owner_key_id=caller.key_id, procedure=procedure, priority=priority,
        callback_url=callback_url, idempotency_key=idempotency_key, db=state.db,
        blobs=state.blobs, redis=state.redis, server=state.server,  # type: ignore[arg-type]
        pipeline=state.pipeline, pdf_format=pdf_format, engine=engine,
    )
    response.headers["Location"] = f"/v1/dossiers/{dossier.id}"
    with state.db.session() as s:
        if created:
            s.add(AccessEvent(key_id=caller.key_id, dossier_id=dossier.id, action="submit"))
        return _status(s.get(Dossier, dossier.id) or dossier, s)


@router.get("/{dossier_id}", response_model=DossierStatus, responses=ERRORS)
def get_status(dossier_id: str, state: StateDep, caller: CallerDep) -> DossierStatus:
    with state.db.session() as s:
        return _status(_load(caller, dossier_id, s), s)


@router.get("/{dossier_id}/result", responses=ERRORS)
def get_result(dossier_id: str, state: StateDep, caller: CallerDep) -> JSONResponse:
    """The ``dossier/1`` result JSON (see RESULT_CONTRACT.md); 409 until it is ready."""
    with state.db.session() as s:
        dossier = _load(caller, dossier_id, s, "read_result")
        if dossier.result is None:
            raise HTTPException(409, f"dossier is {dossier.status}; no result yet")
        return JSONResponse(dossier.result)


@router.get("/{dossier_id}/pdf", responses=ERRORS, response_class=FileResponse)
def get_pdf(dossier_id: str, state: StateDep, caller: CallerDep) -> FileResponse:
    with state.db.session() as s:
        dossier = _load(caller, dossier_id, s, "read_pdf")
        if dossier.pdf_key is None:
            raise HTTPException(409, f"dossier is {dossier.status}; no PDF yet")
        path = state.blobs.path(dossier.pdf_key)
    return FileResponse(path, media_type="application/pdf", filename=f"{dossier_id}.pdf")


@router.get("/{dossier_id}/pages/{n}/image", responses=ERRORS)
def get_page_image(dossier_id: str, n: int, state: StateDep, caller: CallerDep) -> Response:
    """Page ``n`` (0-based) as uploaded: the file itself, or the page of a multi-page file."""
    with state.db.session() as s:
        _load(caller, dossier_id, s, "read_image")
        page = find_page(s, dossier_id, n)
        if page is None:
            raise HTTPException(404, f"no page {n} in dossier {dossier_id!r}")
        ref = page.ref(state.blobs.path(page.blob_key))
    if ref.frames == 1 and ref.kind in ("jpeg", "png"):
        return FileResponse(ref.path, media_type=f"image/{ref.kind}")
    return Response(render_page_png(ref, pdf_dpi=state.pipeline.pdf_dpi), media_type="image/png")


@router.get("/{dossier_id}/review-events", response_model=list[ReviewEventOut],
            responses=ERRORS)
def get_review_events(dossier_id: str, state: StateDep, caller: CallerDep) -> list[ReviewEventOut]:
    """The review audit trail: each field accepted or corrected (old and new value, who,
    when) and the finish, oldest first."""
    with state.db.session() as s:
        _load(caller, dossier_id, s, "read_review_events")
        return [ReviewEventOut.model_validate(e, from_attributes=True)
                for e in review_events(s, dossier_id)]


@router.delete("/{dossier_id}", status_code=204, responses=ERRORS)
def erase(dossier_id: str, state: StateDep, caller: CallerDep) -> Response:
    """Purge the dossier's images, PDF and records."""
    with state.db.session() as s:
        _load(caller, dossier_id, s, "delete")
    delete_dossier(dossier_id, db=state.db, blobs=state.blobs, redis=state.redis)  # type: ignore[arg-type]
    return Response(status_code=204)


audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])


@audit_router.get("", response_model=list[AccessEventOut], responses=ERRORS)
def get_audit(state: StateDep, _: AdminDep,
              dossier_id: Annotated[str | None, Query(max_length=32)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AccessEventOut]:
    """Who read or changed which dossier, newest first (``admin`` keys only). Entries outlive
    the dossier (a deletion or retention purge is itself an entry)."""
    with state.db.session() as s:
        query = select(AccessEvent).order_by(AccessEvent.at.desc(), AccessEvent.id.desc())
        if dossier_id:
            query = query.where(AccessEvent.dossier_id == dossier_id)
        return [AccessEventOut.model_validate(e, from_attributes=True)
                for e in s.scalars(query.limit(limit))]
