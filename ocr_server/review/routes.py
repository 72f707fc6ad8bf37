"""/review: the reviewers' pages (server-rendered) and the few JSON calls their script makes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select

from ocr_server.api.deps import StateDep
from ocr_server.jobs import enqueue_callback
from ocr_server.review import images
from ocr_server.review.auth import (
    CsrfDep,
    CsrfError,
    LoginRequiredError,
    ReviewerDep,
    csrf_token,
    log_in,
)
from ocr_server.review.service import (
    REVIEW_ROLES,
    InvalidCorrectionError,
    ReviewError,
    claim,
    finish_review,
    pending_count,
    release,
    review_field,
    review_queue,
)
from ocr_server.review.views import (
    PRIORITY_TEXT,
    STATUS_TEXT,
    document_titles,
    document_views,
    field_kind,
    page_sizes,
    procedure_choices,
)
from ocr_server.store.keys import find_key
from ocr_server.store.models import AccessEvent, Document, find_page
from ocr_server.store.models import Field as FieldRow
from templates.problems import describe
from templates.review import display_value

HERE = Path(__file__).parent
pages = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/review", include_in_schema=False)


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("csrf", csrf_token(request))
    return pages.TemplateResponse(request, name, context, status_code=status_code)


def _error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status_code, message=message)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/review") -> HTMLResponse:
    return _render(request, "login.html", next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfDep])
def login(request: Request, state: StateDep, api_key: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form()] = "/review") -> Response:
    with state.db.session() as s:
        key = find_key(s, api_key.strip())
        if key is None:
            return _render(request, "login.html", 401, next=_safe_next(next),
                           error="Khóa API không đúng hoặc đã bị thu hồi.")
        if key.role not in REVIEW_ROLES:
            return _render(request, "login.html", 403, next=_safe_next(next),
                           error=f"Khóa có vai trò “{key.role}” không được kiểm tra hồ sơ.")
        log_in(request, key)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/review/login", status_code=303)


def _safe_next(target: str) -> str:
    """Only paths inside the review pages (no open redirect)."""
    return target if target.startswith("/review") and "//" not in target else "/review"


@router.get("", response_class=HTMLResponse)
def queue(request: Request, state: StateDep, reviewer: ReviewerDep,
          procedure: Annotated[str | None, Query(max_length=64)] = None,
          priority: Annotated[str | None, Query(max_length=16)] = None) -> HTMLResponse:
    with state.db.session() as s:
        entries, held = review_queue(s, reviewer, procedure=procedure or None,
                                     priority=priority or None)
    return _render(request, "queue.html", reviewer=reviewer, entries=entries, held=held,
                   procedures=procedure_choices(), procedure=procedure or "",
                   priority=priority or "", priorities=PRIORITY_TEXT,
                   waiting_total=sum(e.waiting for e in entries))


@router.get("/dossiers/{dossier_id}", response_class=HTMLResponse)
def dossier_page(request: Request, dossier_id: str, state: StateDep,
                 reviewer: ReviewerDep) -> HTMLResponse:
    try:
        with state.db.session() as s:
            dossier = claim(s, dossier_id, reviewer, ttl_s=state.server.review_claim_s)
            s.add(AccessEvent(key_id=reviewer.key_id, dossier_id=dossier_id,
                              action="review_open"))
            docs = document_views(dossier)
            missing = (dossier.result or {}).get("missing_documents", [])
            context = {"dossier": dossier, "documents": docs, "sizes": page_sizes(dossier),
                       "waiting": pending_count(s, dossier_id),
                       "missing": document_titles(missing),
                       "procedures": procedure_choices(), "priorities": PRIORITY_TEXT}
    except ReviewError as exc:
        return _error_page(request, exc.http_status, str(exc))
    return _render(request, "dossier.html", reviewer=reviewer, **context)


class FieldInput(BaseModel):
    value: str | None = Field(default=None, max_length=2000,
                              description="the corrected value; null accepts the field as it is")


@router.post("/dossiers/{dossier_id}/fields/{field_id}", dependencies=[CsrfDep])
def save_field(dossier_id: str, field_id: int, body: FieldInput, state: StateDep,
               reviewer: ReviewerDep) -> JSONResponse:
    try:
        with state.db.session() as s:
            outcome = review_field(s, dossier_id, field_id, body.value, reviewer,
                                   ttl_s=state.server.review_claim_s)
            kind = field_kind(outcome.field.document.type, outcome.field.name)
            answer = {"action": outcome.action, "status": outcome.field.status,
                      "status_text": STATUS_TEXT[outcome.field.status],
                      "value": display_value(kind, outcome.field.value),
                      "messages": [describe(p) for p in outcome.advisories],
                      "waiting": pending_count(s, dossier_id)}
    except InvalidCorrectionError as exc:
        return JSONResponse({"error": exc.code, "detail": str(exc), "problems": exc.problems},
                            status_code=exc.http_status)
    return JSONResponse(answer)


@router.post("/dossiers/{dossier_id}/finish", dependencies=[CsrfDep])
def finish(dossier_id: str, state: StateDep, reviewer: ReviewerDep) -> JSONResponse:
    with state.db.session() as s:
        dossier = finish_review(s, dossier_id, reviewer, ttl_s=state.server.review_claim_s)
        callback, priority = dossier.callback_url, dossier.priority
    if callback:
        enqueue_callback(state.redis, dossier_id, priority=priority)  # type: ignore[arg-type]
    return JSONResponse({"status": "done", "next": "/review"})


@router.post("/dossiers/{dossier_id}/release", dependencies=[CsrfDep])
def release_claim(dossier_id: str, state: StateDep, reviewer: ReviewerDep) -> Response:
    with state.db.session() as s:
        release(s, dossier_id, reviewer)
    return RedirectResponse("/review", status_code=303)


def _page_pixels(state: StateDep, dossier_id: str, n: int):  # type: ignore[no-untyped-def]
    """Page ``n`` as uploaded, decoded (404 when there is none; a damaged file answers 422
    through the app's error handler)."""
    with state.db.session() as s:
        page = find_page(s, dossier_id, n)
        if page is None:
            raise HTTPException(404, f"no page {n}")
        ref = page.ref(state.blobs.path(page.blob_key))
    return images.page_pixels(ref, pdf_dpi=state.pipeline.pdf_dpi)


_IMAGE_HEADERS = {"Cache-Control": "private, max-age=300"}
# The review pages load only their own script, style and images, and are never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; script-src 'self'; "
                               "style-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/dossiers/{dossier_id}/pages/{n}/preview.jpg")
def page_preview(dossier_id: str, n: int, state: StateDep, _: ReviewerDep) -> Response:
    data = images.encode(_page_pixels(state, dossier_id, n), fmt=".jpg",
                         max_long_side=images.PREVIEW_LONG_SIDE)
    return Response(data, media_type="image/jpeg", headers=_IMAGE_HEADERS)


@router.get("/dossiers/{dossier_id}/fields/{field_id}/crop.png")
def field_crop(dossier_id: str, field_id: int, state: StateDep, _: ReviewerDep) -> Response:
    with state.db.session() as s:
        row = s.execute(select(FieldRow.page, FieldRow.bbox).join(Document).where(
            FieldRow.id == field_id, Document.dossier_id == dossier_id)).one_or_none()
    if row is None or row.page is None or not row.bbox:
        raise HTTPException(404, "this field has no box")
    crop = images.crop_with_margin(_page_pixels(state, dossier_id, row.page),
                                   tuple(row.bbox))  # type: ignore[arg-type]
    return Response(images.encode(crop, max_long_side=1200), media_type="image/png",
                    headers=_IMAGE_HEADERS)


def install_review(app: FastAPI) -> None:
    """Mount the pages, their static files and their error handling on ``app``."""
    from ocr_server.review.auth import install_sessions

    app.include_router(router)
    app.mount("/review/static", StaticFiles(directory=HERE / "static"), name="review-static")
    install_sessions(app, app.state.ocr.server)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        if request.url.path.startswith("/review"):
            response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, _: LoginRequiredError) -> Response:
        if request.method == "GET" and "application/json" not in request.headers.get("accept", ""):
            return RedirectResponse(f"/review/login?next={request.url.path}", status_code=303)
        return JSONResponse({"error": "unauthorized", "detail": "log in at /review/login"},
                            status_code=401)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, _: CsrfError) -> Response:
        if "application/json" not in request.headers.get("accept", "") and \
                "X-CSRF-Token" not in request.headers:
            return _error_page(request, 403, "Phiên làm việc đã hết hạn; hãy tải lại trang.")
        return JSONResponse({"error": "csrf_failed", "detail": "missing or wrong CSRF token"},
                            status_code=403)

