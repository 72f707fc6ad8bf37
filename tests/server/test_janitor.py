"""Retries whose scheduler died with its machine are enqueued by any worker's maintenance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fakeredis
from rq import Queue
from rq.registry import ScheduledJobRegistry

from workers.janitor import enqueue_overdue_retries


def test_overdue_retries_are_enqueued_once_and_future_ones_wait():
    redis = fakeredis.FakeRedis()
    queue = Queue("bulk", connection=redis)
    now = datetime.now(UTC)
    overdue = queue.enqueue_at(now - timedelta(seconds=30), print, "late")
    recent = queue.enqueue_at(now - timedelta(seconds=1), print, "the scheduler's")
    future = queue.enqueue_at(now + timedelta(seconds=60), print, "later")
    assert queue.job_ids == []

    assert enqueue_overdue_retries(redis, ["bulk", "counter"]) == [overdue.id]
    assert queue.job_ids == [overdue.id]
    assert enqueue_overdue_retries(redis, ["bulk"]) == []  # not twice
    assert set(ScheduledJobRegistry(queue=queue).get_job_ids()) == {recent.id, future.id}
