"""A private PostgreSQL cluster for one test: Debian's server binaries, its own data directory,
listening on the addresses given (the test link's as well as loopback), password login from the
test subnet. Runs as the ``postgres`` user, as the server refuses root."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.server.stack import free_port

PASSWORD = "ocr"


def server_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian layout), or None."""
    versions = sorted((p for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")),
                      key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


class PrivatePostgres:
    def __init__(self, listen: list[str], allow_subnet: str) -> None:
        self.listen = listen
        self.allow_subnet = allow_subnet
        self.port = free_port()
        # not under pytest's tmp_path: that is root-only (0700) and the server runs as postgres
        self.root = Path(tempfile.mkdtemp(prefix="ocr-pg-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, host: str) -> str:
        return f"postgresql+psycopg://ocr:{PASSWORD}@{host}:{self.port}/ocr"

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        bindir = server_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/install-system-deps)")
        shutil.chown(self.root, "postgres", "postgres")
        data, pwfile = self.root / "data", self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        shutil.chown(pwfile, "postgres", "postgres")
        self._as_postgres(str(bindir / "initdb"), "-D", str(data), "-U", "ocr", "-E", "UTF8",
                          "--auth-local=trust", "--auth-host=scram-sha-256",
                          f"--pwfile={pwfile}")
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {self.allow_subnet} scram-sha-256\n")
        log = (self.root / "server.log").open("wb")
        self.proc = subprocess.Popen(
            ["runuser", "-u", "postgres", "--", str(bindir / "postgres"), "-D", str(data),
             "-p", str(self.port), "-k", str(self.root), "-c",
             f"listen_addresses={','.join(self.listen)}", "-c", "fsync=off"],
            stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            ready = subprocess.run([str(bindir / "pg_isready"), "-q", "-h", str(self.root),
                                    "-p", str(self.port)], timeout=10)
            if ready.returncode == 0:
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited; see {self.root / 'server.log'}")
            time.sleep(0.1)
        else:
            raise RuntimeError("postgres did not start")
        self._as_postgres(str(bindir / "createdb"), "-h", str(self.root), "-p", str(self.port),
                          "-U", "ocr", "ocr")

    def stop(self) -> None:
        if self.proc is not None:
            pidfile = self.root / "data" / "postmaster.pid"
            if pidfile.exists():  # SIGINT to the server itself: a "fast" shutdown
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)
