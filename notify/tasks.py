"""Background tasks (django-tasks): deliver one message, sweep the due ones."""

from django_tasks import task

from notify import services


@task()
def deliver_message(message_id: int) -> str:
    return services.deliver(message_id)


@task()
def deliver_due_messages(limit: int = 100) -> dict[str, int]:
    return services.deliver_due(limit=limit)
