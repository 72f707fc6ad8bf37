"""Counter latency under bulk load: p50/p95 seconds from POST to `done` for counter dossiers.

    python -m benchmarks.counter_latency [--bulk-pages 200] [--counter 20] [--workers 2]

Starts its own redis-server and `ocr-server worker` processes on a temporary data directory,
uses the API in-process. First measures the counter dossiers (an ID-card-sized front and back
each) with no load, then again while the workers grind through one bulk dossier.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from redis import Redis

from ocr_server.api.app import create_app
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.database import Database, upgrade
from ocr_server.store.keys import create_key
from tests.documents import cccd_back, cccd_front
from tests.server.stack import RedisServer, Workers
from tests.synthetic import encode, render_lltp_form


def card_sides(seed: int) -> list[tuple[str, bytes]]:
    """A counter dossier: both sides of a generated chip ID card."""
    return [(f"{side.doc_type}.jpg", encode(side.image, "jpeg", quality=85, dpi=side.dpi))
            for side in (cccd_front(seed), cccd_back(seed))]


def measure(client: TestClient, headers: dict[str, str], n: int) -> list[float]:
    latencies = []
    for i in range(n):
        files = [("files", (name, data, "image/jpeg")) for name, data in card_sides(i)]
        start = time.perf_counter()
        r = client.post("/v1/dossiers", files=files, headers=headers)
        status_url = r.json()["status_url"]
        while client.get(status_url, headers=headers).json()["status"] not in (
                "done", "needs_review", "failed"):
            time.sleep(0.05)
        latencies.append(time.perf_counter() - start)
    return latencies


def report(label: str, xs: list[float]) -> None:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    print(f"{label:<28} n={len(xs):<3} p50={statistics.median(xs):.2f}s  p95={p95:.2f}s  "
          f"max={xs[-1]:.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk-pages", type=int, default=200)
    parser.add_argument("--counter", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="latency-"))
    redis = RedisServer(tmp / "redis")
    redis.start()
    server = ServerSettings(REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=tmp / "data")
    server.data_dir.mkdir()
    upgrade(server.db_url)
    with Database(server.db_url).session() as s:
        key = create_key(s, role="counter")
    headers = {"X-API-Key": key}
    env = dict(os.environ, REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=str(server.data_dir))
    workers = Workers(env, tmp)
    for _ in range(args.workers):
        workers.start()
    client = TestClient(create_app(server, PipelineSettings(), redis=Redis.from_url(redis.url)))
    try:
        measure(client, headers, 2)  # warm-up: workers load their engine
        idle = measure(client, headers, args.counter)
        page = encode(render_lltp_form(3).image, "jpeg", quality=80, dpi=300)
        bulk = [("files", (f"archive-{i:04d}.jpg", page, "image/jpeg"))
                for i in range(args.bulk_pages)]
        r = client.post("/v1/dossiers", files=bulk, data={"priority": "bulk"}, headers=headers)
        bulk_url = r.json()["status_url"]
        time.sleep(3)  # let the workers get into the bulk pages
        loaded = measure(client, headers, args.counter)
        progress = client.get(bulk_url, headers=headers).json()["progress"]
        print(f"{args.workers} workers, {os.cpu_count()} CPUs; counter dossier = card front + back")
        report("no bulk load", idle)
        report(f"{args.bulk_pages}-page bulk running", loaded)
        print(f"bulk progress when done measuring: {progress['pages_done']}/"
              f"{progress['pages_total']} pages (still loading the workers)")
    finally:
        workers.stop_all()
        redis.stop()


if __name__ == "__main__":
    main()
