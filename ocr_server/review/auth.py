"""Log-in for the review pages: a reviewer's API key once, then a signed session cookie.

The cookie (Starlette's SessionMiddleware, signed with itsdangerous) is HttpOnly, SameSite
strict, scoped to ``/review`` and Secure when ``OCR_SERVER_SECURE_COOKIES`` is set. Every
state-changing request carries the session's CSRF token (a form field or ``X-CSRF-Token``).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

from ocr_server.api.deps import StateDep
from ocr_server.config import ServerSettings
from ocr_server.review.service import REVIEW_ROLES, Reviewer
from ocr_server.store.models import ApiKey

COOKIE = "ocr_review"
SESSION_HOURS = 10  # one working day at the counter


class LoginRequiredError(Exception):
    """No valid reviewer session; pages redirect to the log-in form, fetches get 401."""


class CsrfError(Exception):
    """A state-changing request without the session's token."""


def session_secret(server: ServerSettings) -> str:
    """The configured secret, or one kept in the data dir (created once, mode 0600)."""
    if server.session_secret:
        return server.session_secret
    path = Path(server.data_dir) / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another API process created it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def install_sessions(app: FastAPI, server: ServerSettings) -> None:
    app.add_middleware(SessionMiddleware, secret_key=session_secret(server),
                       session_cookie=COOKIE, max_age=SESSION_HOURS * 3600, path="/review",
                       same_site="strict", https_only=server.secure_cookies)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf_token")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfError


def log_in(request: Request, key: ApiKey) -> None:
    request.session.clear()  # a fresh session (and CSRF token) for the new identity
    request.session.update(key_id=key.id, csrf=secrets.token_urlsafe(32))


def current_reviewer(request: Request, state: StateDep) -> Reviewer:
    key_id = request.session.get("key_id")
    if key_id is None:
        raise LoginRequiredError
    with state.db.session() as s:
        key = s.get(ApiKey, key_id)
        if key is None or key.revoked or key.role not in REVIEW_ROLES:
            request.session.clear()
            raise LoginRequiredError
        return Reviewer.of(key)


ReviewerDep = Annotated[Reviewer, Depends(current_reviewer)]
CsrfDep = Depends(check_csrf)
