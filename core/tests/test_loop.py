import pytest

from core import loop


def test_once_without_seconds(monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(loop.time, "sleep", lambda s: calls.append(f"sleep {s}"))
    loop.run_periodically(lambda: calls.append("step") is None, None)
    loop.run_periodically(lambda: calls.append("step") is None, 0)
    assert calls == ["step", "step"]


def test_goes_again_at_once_while_work_is_waiting_and_stops_quietly_on_ctrl_c(monkeypatch) -> None:
    calls: list[str] = []
    answers = iter([True, True, False, True])

    def step() -> bool:
        calls.append("step")
        try:
            return next(answers)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(loop.time, "sleep", lambda s: calls.append(f"sleep {s}"))
    monkeypatch.setattr(loop, "close_old_connections", lambda: calls.append("close"))
    loop.run_periodically(step, 5)
    assert calls == [
        "step", "close",
        "step", "close",
        "step", "sleep 5", "close",
        "step", "close",
        "step",
    ]  # fmt: skip


@pytest.mark.django_db
def test_audit_seal_without_loop_seals_more_than_one_batch(monkeypatch, capsys) -> None:
    from django.core.management import call_command

    from audit import services
    from audit.models import AuditEvent

    monkeypatch.setattr(services, "SEAL_BATCH", 2)
    for i in range(5):
        services.record(actor=None, action="view", object_type="people.person", object_id=i)
    rounds: list[int] = []
    seal = services.seal
    monkeypatch.setattr(services, "seal", lambda: rounds.append(seal()) or rounds[-1])
    call_command("audit_seal")
    assert rounds == [2, 2, 1]
    assert "5 entries sealed" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(hash__isnull=True).exists()
