"""schemathesis against /openapi.json: no generated request may produce a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import fakeredis
import schemathesis
from hypothesis import HealthCheck, settings

from ocr_server.api.app import create_app
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.database import Database, upgrade
from ocr_server.store.keys import create_key

# schemathesis' fixture loader does not work with this pytest, so the app is built at import
# time on a throw-away data directory (no Redis needed: the queue is fakeredis).
_data = Path(tempfile.mkdtemp(prefix="ocr-fuzz-"))
_server = ServerSettings(OCR_SERVER_DATA_DIR=_data, REDIS_URL="redis://unused")
upgrade(_server.db_url)
with Database(_server.db_url).session() as _s:
    ADMIN_KEY = create_key(_s, role="admin")
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_server, PipelineSettings(), redis=fakeredis.FakeRedis()))


@schema.parametrize()
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case):
    for headers in ({"X-API-Key": ADMIN_KEY}, {}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.text)
