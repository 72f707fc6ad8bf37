"""Re-queue work that RQ lost: a dossier must end ``done``/``failed``, never stay ``processing``.

RQ re-runs a job whose worker stopped heart-beating, but not one killed in the instant between
being taken off the queue and being marked started: its registry entry is then dropped with
the job still saying ``queued``, in no queue. Every worker's maintenance looks for such jobs of
unfinished dossiers and puts them back (or re-creates them if Redis lost them altogether).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import select

from ocr_server.jobs import finish_job_data, finish_job_id, page_job_data, page_job_id
from ocr_server.store.database import Database
from ocr_server.store.models import Dossier, Page, utcnow
from workers.tasks import fail_dossier

log = logging.getLogger("workers.janitor")

STALL_AFTER_S = 30  # younger dossiers are left to the normal flow
OVERDUE_AFTER_S = 5  # RQ's scheduler enqueues due jobs every second while it lives
LOCK_KEY, LOCK_TTL_S = "ocr:janitor", 9
_ENDED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def requeue_lost_jobs(redis: Redis, db: Database, *, page_timeout_s: int) -> list[str]:
    """Ids of the jobs put back. Only one worker at a time does this (a short Redis lock)."""
    if not redis.set(LOCK_KEY, "1", nx=True, ex=LOCK_TTL_S):
        return []
    cutoff = utcnow() - timedelta(seconds=STALL_AFTER_S)
    with db.session() as s:
        dossiers = s.execute(select(Dossier.id, Dossier.priority).where(
            Dossier.status.in_(("queued", "processing")), Dossier.created_at < cutoff)).all()
        pending = {d_id: [i for (i,) in s.execute(select(Page.index).where(
            Page.dossier_id == d_id, Page.status.not_in(("done", "failed"))))]
            for d_id, _ in dossiers}
    requeued = []
    for dossier_id, priority in dossiers:
        queue = Queue(priority, connection=redis)
        held = (set(queue.get_job_ids()) | set(StartedJobRegistry(queue=queue).get_job_ids())
                | set(ScheduledJobRegistry(queue=queue).get_job_ids())
                | set(DeferredJobRegistry(queue=queue).get_job_ids()))
        wanted = ([(page_job_id(dossier_id, i), page_job_data(dossier_id, i, page_timeout_s))
                   for i in pending[dossier_id]]
                  or [(finish_job_id(dossier_id), finish_job_data(dossier_id, page_timeout_s))])
        for job_id, data in wanted:
            if job_id in held:
                continue
            try:
                job = Job.fetch(job_id, connection=redis)
            except NoSuchJobError:
                queue.enqueue_many([data])  # Redis lost it altogether
                requeued.append(job_id)
                continue
            status = job.get_status()
            if status == JobStatus.FAILED and job_id == finish_job_id(dossier_id):
                # the finishing job failed for good (not a storage error, which it records):
                # nothing else will end this dossier
                fail_dossier(db, redis, dossier_id, "internal_error",
                             "the dossier could not be finished; see the worker log")
                continue
            if status in _ENDED:
                continue  # a finished or failed page job is the finishing job's business
            queue.enqueue_job(job)
            requeued.append(job_id)
    if requeued:
        log.warning("re-queued lost jobs: %s", ", ".join(requeued))
    return requeued


def enqueue_overdue_retries(redis: Redis, queue_names: Iterable[str]) -> list[str]:
    """Delayed retries (RQ's scheduled jobs) overdue by more than ``OVERDUE_AFTER_S``, put on
    their queue. RQ's scheduler runs in one worker at a time, under a lock that lives 61 s;
    when that worker's machine dies, retries would wait out the lock. Removing the job from
    the registry first (an atomic ZREM) means only one worker enqueues it."""
    cutoff = int(time.time()) - OVERDUE_AFTER_S
    moved = []
    for name in queue_names:
        queue = Queue(name, connection=redis)
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_jobs_to_schedule(timestamp=cutoff):
            if not redis.zrem(registry.key, job_id):
                continue  # the scheduler, or another worker, took it
            try:
                job = Job.fetch(job_id, connection=redis)
            except NoSuchJobError:
                continue
            queue.enqueue_job(job, at_front=job.should_enqueue_at_front())
            moved.append(job_id)
    if moved:
        log.warning("enqueued overdue retries (no scheduler running?): %s", ", ".join(moved))
    return moved
