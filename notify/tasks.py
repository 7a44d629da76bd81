"""Background tasks (django-tasks): deliver one message, sweep the due ones, book the next sweep."""

import logging
from datetime import datetime

from django_tasks import task

from notify import delivery

logger = logging.getLogger("opora.notify")


@task()
def deliver_message(message_id: int) -> str:
    return delivery.deliver(message_id, on_retry=schedule_sweep)


@task()
def deliver_due_messages(limit: int = 100) -> dict[str, int]:
    return delivery.deliver_due(limit=limit, on_retry=schedule_sweep)


def schedule_sweep(when: datetime) -> None:
    """Have the task worker run :func:`deliver_due_messages` at ``when`` (if its backend can defer tasks).

    django-tasks has no periodic scheduler, so each retry books the sweep that will make it.
    """
    try:
        if not deliver_due_messages.get_backend().supports_defer:
            return
        deliver_due_messages.using(run_after=when).enqueue()
    except Exception:
        logger.exception("could not schedule the outbox sweep; run manage.py deliver_outbox")
