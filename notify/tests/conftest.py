"""Fixtures of the outbox tests: a real HTTP SMS gateway and a real SMTP server on 127.0.0.1."""

import json
import socket
import threading
import time
from collections import deque
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from notify import channels


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def outbox_log(settings, tmp_path):
    """The log channel writes here, never into var/."""
    path = tmp_path / "outbox.log"
    settings.OPORA_NOTIFY_LOG_FILE = path
    settings.OPORA_SMS_CHANNEL = "log"
    settings.OPORA_EMAIL_CHANNEL = "log"
    return path


def read_log(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


class Gateway:
    """What the fake SMS gateway received, and the answers it will give, in order."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        # (HTTP status, JSON body, seconds to wait before answering); when empty: 200 with an id.
        self.answers: deque[tuple[int, object, float]] = deque()
        self.url = ""

    def answer(self, status: int, body: object = None, delay: float = 0.0) -> None:
        self.answers.append((status, body if body is not None else {}, delay))


@pytest.fixture
def sms_gateway(settings, monkeypatch):
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            gateway.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(self.rfile.read(length))}
            )
            status, body, delay = gateway.answers.popleft() if gateway.answers else (200, {"id": "gw-default"}, 0.0)
            time.sleep(delay)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the time-out test)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the fake gateway quiet: http.server logs every request to stderr."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings.OPORA_SMS_CHANNEL = "http"
    settings.OPORA_SMS_GATEWAY_URL = gateway.url
    settings.OPORA_SMS_GATEWAY_TOKEN = "gateway-secret"
    settings.OPORA_SMS_GATEWAY_TIMEOUT = 2
    yield gateway
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list:
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.OPORA_EMAIL_CHANNEL = "smtp"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "opora@mos.example"
    yield mailbox
    controller.stop()


class CountingChannel:
    """A channel that counts its sends, optionally failing or waiting at a barrier first."""

    calls: list[int] = []
    fail_with: Exception | None = None
    barrier: threading.Barrier | None = None
    pause: float = 0.0

    def send(self, message) -> str:
        if CountingChannel.barrier is not None:
            CountingChannel.barrier.wait(timeout=10)
        time.sleep(CountingChannel.pause)
        CountingChannel.calls.append(message.pk)
        if CountingChannel.fail_with is not None:
            raise CountingChannel.fail_with
        return f"counted-{message.pk}"


@pytest.fixture
def counting_channel(settings, monkeypatch):
    monkeypatch.setitem(channels.REGISTRY, "counting", CountingChannel)
    monkeypatch.setattr(CountingChannel, "calls", [])
    monkeypatch.setattr(CountingChannel, "fail_with", None)
    monkeypatch.setattr(CountingChannel, "barrier", None)
    monkeypatch.setattr(CountingChannel, "pause", 0.0)
    settings.OPORA_SMS_CHANNEL = "counting"
    return CountingChannel
