"""``ocr-server worker``: an RQ worker that listens to ``counter`` before ``bulk``."""

from __future__ import annotations

from collections.abc import Sequence

from rq import Queue, Worker
from rq.job import Job
from rq.worker import WorkerStatus

from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.retention import maybe_purge
from ocr_server.store.database import prepare_storage
from workers.context import current, init_worker
from workers.janitor import enqueue_overdue_retries, requeue_lost_jobs

# A job whose worker vanished (SIGKILL, machine lost) stops heart-beating; after this many
# seconds without a beat it counts as abandoned and is retried by any other worker.
JOB_MONITORING_INTERVAL_S = 5
ABANDONED_AFTER_S = 15
MAINTENANCE_INTERVAL_S = 10
WORKER_TTL_S = 25  # an idle worker wakes every WORKER_TTL_S - 15 s, so maintenance runs


IN_PROCESS_JOBS = frozenset({"workers.tasks.finish_dossier_job",
                             "workers.tasks.deliver_callback_job"})


class OcrWorker(Worker):
    """RQ's forking worker, with heartbeats short enough to re-run a killed worker's page fast.

    RQ adds a fixed 60 s to every heartbeat; a page takes a few seconds, so we do not.
    """

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        remaining = (job.timeout or 0) - working_time if job.timeout and job.timeout > 0 else None
        interval = self.job_monitoring_interval
        if remaining is not None:
            interval = min(interval, max(1, int(remaining)))
        return int(interval) + ABANDONED_AFTER_S - JOB_MONITORING_INTERVAL_S

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Finishing and callback jobs run in this process: they are short, trusted Python
        (no OCR engine), and a fork per job costs about 0.1 s. Page jobs fork as usual, so a
        page that crashes the engine takes down only its work horse."""
        if job.func_name in IN_PROCESS_JOBS:
            execution = self.prepare_execution(job)
            self.perform_job(job, queue, execution)
            self.set_state(WorkerStatus.IDLE)
            return
        super().execute_job(job, queue)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        ctx, redis = current(), self.connection
        tasks = {
            "re-queueing lost jobs": lambda: requeue_lost_jobs(
                redis, ctx.db, page_timeout_s=ctx.server.page_job_timeout_s),
            "enqueueing overdue retries": lambda: enqueue_overdue_retries(
                redis, self.queue_names()),
            "retention purge": lambda: maybe_purge(
                ctx.server.retention_days, db=ctx.db, blobs=ctx.blobs, redis=redis),
        }
        for what, task in tasks.items():  # each on its own: one failing must not stop the rest
            try:
                task()
            except Exception:  # noqa: BLE001 - maintenance must not stop the worker
                self.log.exception("%s failed", what)


def run_worker(queues: Sequence[str], *, burst: bool = False, name: str | None = None) -> bool:
    server, pipeline = ServerSettings(), PipelineSettings()
    prepare_storage(server.data_dir, server.db_url)
    ctx = init_worker(server, pipeline)
    worker = OcrWorker(
        [Queue(queue, connection=ctx.redis) for queue in queues],
        connection=ctx.redis,
        name=name,
        job_monitoring_interval=JOB_MONITORING_INTERVAL_S,
        maintenance_interval=MAINTENANCE_INTERVAL_S,
        worker_ttl=WORKER_TTL_S,
    )
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
