"""Slow-loris clients against a real ``ocr-server serve`` (uvicorn): headers or bodies that
trickle in are cut off with 408 and the connection closed, while other clients are served and
nothing of the slow upload is stored."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.server.stack import free_port

pytestmark = pytest.mark.slow

BOUNDARY = "slowloris"


@pytest.fixture
def served(stack):
    port = free_port()
    env = dict(stack.env, OCR_SERVER_HEADER_TIMEOUT_S="1", OCR_SERVER_BODY_IDLE_TIMEOUT_S="1",
               OCR_SERVER_BODY_TIMEOUT_S="3")
    proc = subprocess.Popen([sys.executable, "-m", "ocr_server.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """What the server says until it closes the connection (b"" if it sends nothing)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _upload_head(port: int, key: str, length: int) -> bytes:
    return (f"POST /v1/dossiers HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {key}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def _part_start() -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"scan.png\"\r\nContent-Type: image/png\r\n\r\n").encode()


def _stored_blobs(stack) -> list:
    return [p for p in (stack.data_dir / "blobs").rglob("*") if p.is_file()]


def test_trickled_headers_are_cut_off(served):
    sock = _connect(served)
    started = time.monotonic()
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    try:
        for _ in range(20):  # one header byte every 0.2 s: never a complete request
            sock.sendall(b"X")
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        pass
    reply = _read_all(sock)
    assert reply.startswith(b"HTTP/1.1 408") and b"request_timeout" in reply
    assert time.monotonic() - started < 3.5


def test_stalled_and_trickled_bodies_get_408_and_store_nothing(stack, served):
    key = stack.keys["counter"]
    stalled = _connect(served)  # sends half its upload, then nothing
    stalled.sendall(_upload_head(served, key, 100_000) + _part_start() + b"\x89PNG" * 100)
    trickled = _connect(served)  # never pauses for long, but would take forever
    trickled.sendall(_upload_head(served, key, 100_000) + _part_start())
    started = time.monotonic()
    while time.monotonic() - started < 4.5:
        try:
            trickled.sendall(b"\x00" * 10)
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(0.3)
    for sock in (stalled, trickled):
        reply = _read_all(sock)
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), reply[:200]
        assert b"connection: close" in head.lower() and b'"request_timeout"' in body
    assert time.monotonic() - started < 6
    assert _stored_blobs(stack) == []


def test_many_slow_connections_do_not_starve_others(stack, served):
    slow = []
    for _ in range(200):
        sock = _connect(served)
        sock.sendall(b"POST /v1/dossiers HTTP/1.1\r\nHost: x\r\n")  # and never more
        slow.append(sock)
    started = time.monotonic()
    r = httpx.get(f"http://127.0.0.1:{served}/v1/dossiers/nope",
                  headers={"X-API-Key": stack.keys["counter"]}, timeout=5)
    assert r.status_code == 404 and time.monotonic() - started < 2.0
    time.sleep(1.5)  # past the header timeout: the server has hung up on every one of them
    closed = 0
    for sock in slow:
        sock.settimeout(2)
        closed += _read_all(sock).startswith(b"HTTP/1.1 408")
        sock.close()
    assert closed == len(slow)
    assert _stored_blobs(stack) == []
