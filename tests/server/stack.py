"""A real redis-server and real worker processes for server tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from redis import Redis

from ocr_server.store.models import ENDED_STATUSES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """redis-server with AOF (fsync always) in its own directory, on loopback unless ``host``
    names another local address (the multi-host test's link); off loopback Redis wants a
    password, as a real deployment's would."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", password: str | None = None) -> None:
        self.folder = folder
        self.host = host
        self.password = password
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", self.host, "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             *(["--requirepass", self.password] if self.password else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except Exception:  # noqa: BLE001
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


class Workers:
    """``ocr-server worker`` processes, each in its own process group (worker + work horse)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, queues: str = "counter,bulk", *, name: str | None = None,
              prefix: Sequence[str] = (), env: dict[str, str] | None = None,
              ) -> subprocess.Popen[bytes]:
        """``prefix`` wraps the command (``ip netns exec HOST``); ``env`` replaces the stack's."""
        log = (self.log_dir / f"worker-{name or len(self.procs)}.log").open("wb")
        cmd = [sys.executable, "-m", "ocr_server.cli", "worker", "--queues", queues]
        if name:
            cmd += ["--name", name]
        proc = subprocess.Popen(
            [*prefix, *cmd], env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill9(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL to the worker and every process under it. RQ puts each work horse in a
        process group of its own, so a signal to the worker's group would miss it."""
        for pid in [*_descendants(proc.pid), proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)  # a warm shutdown: the page ends first
                    proc.wait(timeout=10)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    self.kill9(proc)  # e.g. a work horse stuck on a cut-off link
        self.procs.clear()


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc), children before their parents."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [*_descendants(child), child]
    return found


def wait_final(client, headers: dict[str, str], dossier_id: str,  # type: ignore[no-untyped-def]
               timeout_s: float = 120) -> dict:
    """Poll ``GET /v1/dossiers/{id}`` until the dossier has ended; its status body."""
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(f"/v1/dossiers/{dossier_id}", headers=headers).json()
        if body.get("status") in ENDED_STATUSES:
            return body  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise AssertionError(f"dossier {dossier_id} not ended after {timeout_s}s: {body}")
        time.sleep(0.25)


def fault_outcome(fault: str, bodies: list[dict]) -> None:
    """Check and print one row of the fault table (``pytest -s`` shows it): every dossier
    ended ``done``/``needs_review``, or ``failed`` with a reason; none lost."""
    done = sum(b.get("status") in ("done", "needs_review") for b in bodies)
    failed = [b for b in bodies if b.get("status") == "failed"]
    reasons = sorted({b["error"]["error"] for b in failed if b.get("error")})
    lost = len(bodies) - done - len(failed)
    print(f"\nFAULT | {fault} | {len(bodies)} dossiers | done {done} | failed {len(failed)} "
          f"{'(' + ', '.join(reasons) + ')' if reasons else ''} | lost {lost}")
    assert lost == 0, bodies
    assert all(b.get("error") and b["error"].get("detail") for b in failed), failed
