"""Prometheus metrics shared by all processes through Redis hashes.

Workers are separate (forked) processes, so in-process prometheus_client counters would not add
up; each page's stage latencies are folded into cumulative bucket counters in Redis instead,
and the API renders them at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis import Redis
from rq import Queue

from ocr_server.jobs import QUEUES
from ocr_server.store.models import ENDED_STATUSES

BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
_KEY = "ocr:metrics"


def record_page(redis: Redis, timings_ms: Mapping[str, float], *, ok: bool) -> None:
    with redis.pipeline(transaction=False) as pipe:
        pipe.hincrby(_KEY, "pages_processed" if ok else "pages_failed", 1)
        for stage, ms in timings_ms.items():
            seconds = ms / 1000.0
            key = f"{_KEY}:stage:{stage}"
            for bound in BUCKETS_S:
                if seconds <= bound:
                    pipe.hincrby(key, str(bound), 1)
            pipe.hincrby(key, "+Inf", 1)
            pipe.hincrbyfloat(key, "sum", seconds)
        pipe.execute()


def record_dossier(redis: Redis, status: str) -> None:
    redis.hincrby(_KEY, f"dossiers_{status}", 1)


class _Collector:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def collect(self) -> Iterable[object]:
        depth = GaugeMetricFamily("ocr_queue_depth", "Jobs waiting per queue", labels=["queue"])
        for name in QUEUES:
            depth.add_metric([name], Queue(name, connection=self.redis).count)
        yield depth
        totals = {k.decode(): float(v) for k, v in self.redis.hgetall(_KEY).items()}
        pages = CounterMetricFamily("ocr_pages", "Pages finished", labels=["outcome"])
        pages.add_metric(["processed"], totals.get("pages_processed", 0.0))
        pages.add_metric(["failed"], totals.get("pages_failed", 0.0))
        yield pages
        dossiers = CounterMetricFamily("ocr_dossiers", "Dossiers finished", labels=["status"])
        for status in ENDED_STATUSES:
            dossiers.add_metric([status], totals.get(f"dossiers_{status}", 0.0))
        yield dossiers
        hist = HistogramMetricFamily("ocr_stage_seconds", "Per-page stage latency",
                                     labels=["stage"])
        for stage in ("preprocess", "ocr", "extract", "pdf"):
            raw = {k.decode(): float(v) for k, v in
                   self.redis.hgetall(f"{_KEY}:stage:{stage}").items()}
            buckets = [(str(b), raw.get(str(b), 0.0)) for b in BUCKETS_S]
            buckets.append(("+Inf", raw.get("+Inf", 0.0)))
            hist.add_metric([stage], buckets, raw.get("sum", 0.0))
        yield hist


def render(redis: Redis) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(redis))  # type: ignore[arg-type]
    return generate_latest(registry)
