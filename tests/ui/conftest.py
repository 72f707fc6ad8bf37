"""A live HTTP server on the test stack's app, and headless Chromium (Debian's package,
installed by scripts/install-system-deps) driven by Playwright."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from tests.server.conftest import Stack, stack  # noqa: F401  (the fixture, reused)
from tests.server.stack import free_port

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_url(stack: Stack) -> Iterator[str]:  # noqa: F811
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(stack.client.app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()
