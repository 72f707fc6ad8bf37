"""Queue names and how a dossier becomes RQ jobs (enqueued by dotted path: no heavy imports)."""

from __future__ import annotations

import contextlib

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Dependency, Job

QUEUES = ("counter", "bulk")
PRIORITIES = QUEUES
# Transient failures (a lost connection, a killed worker) are retried with backoff.
# Long enough to ride out a restart of Redis-side services or the object store (~50 s).
PAGE_RETRY = Retry(max=4, interval=[2, 5, 15, 30])
CALLBACK_RETRY = Retry(max=5, interval=[2, 4, 8, 16, 32])


def page_job_id(dossier_id: str, index: int) -> str:
    return f"{dossier_id}-p{index:05d}"


def finish_job_id(dossier_id: str) -> str:
    return f"{dossier_id}-finish"


def enqueue_dossier(
    redis: Redis, dossier_id: str, page_count: int, *, priority: str, page_timeout_s: int
) -> None:
    """One job per page, plus a finishing job that runs when all of them have ended."""
    queue = Queue(priority, connection=redis)
    page_jobs = [page_job_data(dossier_id, i, page_timeout_s) for i in range(page_count)]
    with redis.pipeline() as pipe:
        jobs = queue.enqueue_many(page_jobs, pipeline=pipe)
        pipe.execute()
    # RQ checks dependencies against Redis, so the page jobs must exist first. A page that
    # ends before this line is seen as finished and the finishing job is queued at once.
    queue.enqueue_many([finish_job_data(dossier_id, page_timeout_s, depends_on=jobs)])


def page_job_data(dossier_id: str, index: int, timeout_s: int):  # type: ignore[no-untyped-def]
    return Queue.prepare_data(
        "workers.tasks.process_page_job", args=(dossier_id, index),
        job_id=page_job_id(dossier_id, index), timeout=timeout_s, retry=PAGE_RETRY,
        result_ttl=600, failure_ttl=7 * 24 * 3600,
    )


def finish_job_data(dossier_id: str, timeout_s: int,  # type: ignore[no-untyped-def]
                    depends_on: list[Job] | None = None):
    return Queue.prepare_data(
        "workers.tasks.finish_dossier_job", args=(dossier_id,),
        job_id=finish_job_id(dossier_id), timeout=timeout_s, retry=PAGE_RETRY,
        depends_on=Dependency(jobs=depends_on, allow_failure=True, enqueue_at_front=True)
        if depends_on else None,
        result_ttl=600, failure_ttl=7 * 24 * 3600,
    )


def enqueue_callback(redis: Redis, dossier_id: str, *, priority: str) -> None:
    Queue(priority, connection=redis).enqueue_many([Queue.prepare_data(
        "workers.tasks.deliver_callback_job", args=(dossier_id,), retry=CALLBACK_RETRY,
        job_id=f"{dossier_id}-callback", result_ttl=600, failure_ttl=7 * 24 * 3600,
    )])


def cancel_dossier_jobs(redis: Redis, dossier_id: str, page_count: int) -> None:
    """Remove a dossier's jobs that have not started (for DELETE)."""
    ids = [page_job_id(dossier_id, i) for i in range(page_count)] + [finish_job_id(dossier_id)]
    for job_id in ids:
        with contextlib.suppress(NoSuchJobError, InvalidJobOperation):  # gone or finished
            Job.fetch(job_id, connection=redis).cancel()
