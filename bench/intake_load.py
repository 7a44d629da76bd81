"""Intake throughput: POST /api/v1/requests from concurrent clients against the production server.

Run by `make bench` (bench/run.py). For each database: a small demo city, gunicorn on loopback,
CLIENTS threads with keep-alive connections each sending its share of TOTAL requests with a unique
Idempotency-Key (REPLAY_SHARE of them sent twice, as a client retrying after a lost answer), then a
count: every accepted request exists exactly once. On PostgreSQL the same run measures pgbench's
single-row INSERT rate with the same number of clients, as the ratio's baseline.
"""

import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOTAL = int(os.environ.get("BENCH_INTAKE_REQUESTS", "3000"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "4"))
REPLAY_SHARE = 0.05
PORT = 8123


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "OPORA_DATABASE_URL": url, "OPORA_HTTPS": "false", "OPORA_LOG_LEVEL": "WARNING"}


def _manage(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        env=_env(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _django_query(url: str, code: str) -> str:
    return _manage(url, "shell", "-c", code).strip()


def prepare(url: str) -> tuple[str, list[int]]:
    _manage(url, "migrate", "--noinput", "-v0")
    _manage(url, "seed_demo", "--people", "2000", "--requests", "0")
    _manage(url, "load_catalogue")
    token = _manage(url, "create_api_token", "operator", "--name", "bench").strip().splitlines()[-1]
    ids = _django_query(
        url,
        "from people.models import Person; "
        "print(list(Person.objects.filter(district__isnull=False).values_list('id', flat=True)[:500]))",
    )
    return token, json.loads(ids.splitlines()[-1])


def serve(url: str) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            "opora.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--threads",
            "1",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=_env(url),
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def load(token: str, person_ids: list[int]) -> dict:
    per_client = TOTAL // CLIENTS
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    created: dict[str, int] = {}
    lock = threading.Lock()

    def client(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine: list[float] = []
        for i in range(per_client):
            key = f"bench-{n}-{i}-{uuid.uuid4()}"
            body = json.dumps(
                {
                    "person_id": rng.choice(person_ids),
                    "service_type": "food",
                    "details": "Хлеб, молоко",
                    "urgency": "normal",
                }
            )
            headers = {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
                "Accept-Language": "ru",
            }
            for attempt in range(2 if rng.random() < REPLAY_SHARE else 1):
                started = time.perf_counter()
                conn.request("POST", "/api/v1/requests", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                mine.append(time.perf_counter() - started)
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status == 201:
                        request_id = json.loads(payload)["id"]
                        if attempt == 0:
                            created[key] = request_id
                        elif created.get(key) != request_id:
                            created[key + ":replay-mismatch"] = request_id
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests_sent": len(latencies),
        "elapsed_s": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000, 1),
        "statuses": statuses,
        "accepted_keys": len([k for k in created if not k.endswith(":replay-mismatch")]),
        "replay_mismatches": len([k for k in created if k.endswith(":replay-mismatch")]),
        "created_ids": sorted(v for k, v in created.items() if not k.endswith(":replay-mismatch")),
    }


def pgbench_insert_rate(pg_url: str) -> float:
    """Single-row INSERTs per second by pgbench with the same number of clients."""
    base, _name = pg_url.rsplit("/", 1)
    admin = ["psql", base + "/postgres", "-qc"]
    subprocess.run([*admin, "DROP DATABASE IF EXISTS opora_pgbench"], check=True, capture_output=True)
    subprocess.run([*admin, "CREATE DATABASE opora_pgbench"], check=True, capture_output=True)
    target = base + "/opora_pgbench"
    subprocess.run(
        ["psql", target, "-qc", "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text)"],
        check=True,
        capture_output=True,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("INSERT INTO bench_insert (payload) VALUES ('Хлеб, молоко');\n")
    out = subprocess.run(
        ["pgbench", "-n", "-c", str(CLIENTS), "-j", "2", "-T", "10", "-f", script.name, target],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    return float(match[1]) if match else 0.0


def run(name: str, url: str) -> dict:
    token, ids = prepare(url)
    before = int(
        _django_query(
            url, "from assistance.models import HelpRequest; print(HelpRequest.objects.count())"
        ).splitlines()[-1]
    )
    server = serve(url)
    try:
        result = load(token, ids)
    finally:
        server.terminate()
        server.wait(timeout=30)
    after = int(
        _django_query(
            url, "from assistance.models import HelpRequest; print(HelpRequest.objects.count())"
        ).splitlines()[-1]
    )
    ids_created = result.pop("created_ids")
    result["rows_added"] = after - before
    result["lost_or_duplicated"] = (after - before) - result["accepted_keys"]
    result["distinct_ids"] = len(set(ids_created))
    result["database"] = name
    return result
