"""Intake throughput: POST /api/v1/requests from concurrent clients against the production server.

Run by `make bench` (bench/run.py). For each database: a small demo city, the production server
(gunicorn with opora/gunicorn_conf.py, access log on) and the journal sealer beside it, as
`make run` starts them; the load comes from wrk, a C load generator in its own process
(bench/intake.lua): CLIENTS keep-alive connections, each request with a unique Idempotency-Key and
REPLAY_SHARE of them sent again (a client retrying after a lost answer). After a warm-up and the
measured run, the rows are counted: every accepted key must have exactly one request (the key is in
the request's details), every replay must have named the same request, and the journal must verify.
On PostgreSQL the same run measures pgbench's single-row INSERT rate with the same number of
clients, as the ratio's baseline.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION = int(os.environ.get("BENCH_INTAKE_SECONDS", "20"))
WARMUP = 3
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS") or os.cpu_count() or 2)
REPLAY_SHARE = 0.05
PORT = 8123
SCRIPT = ROOT / "bench" / "intake.lua"


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "OPORA_DATABASE_URL": url,
        "OPORA_HTTPS": "false",
        "OPORA_LOG_LEVEL": "WARNING",
        "OPORA_BIND": f"127.0.0.1:{PORT}",
        "OPORA_WEB_WORKERS": str(WORKERS),
        "OPORA_ACCESS_LOG": str(ROOT / "var" / "bench-access.log"),
    }


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
    return _manage(url, "shell", "-c", code).strip().splitlines()[-1]


def prepare(url: str) -> tuple[str, Path]:
    _manage(url, "migrate", "--noinput", "-v0")
    _manage(url, "seed_demo", "--people", "2000", "--requests", "0")
    _manage(url, "load_catalogue")
    token = _manage(url, "create_api_token", "operator", "--name", "bench").strip().splitlines()[-1]
    ids = _django_query(
        url,
        "from people.models import Person; "
        "print(list(Person.objects.filter(district__isnull=False).values_list('id', flat=True)[:500]))",
    )
    ids_file = ROOT / "var" / "bench-intake-ids.txt"
    ids_file.write_text("\n".join(str(i) for i in json.loads(ids)) + "\n")
    return token, ids_file


def serve(url: str) -> list[subprocess.Popen[bytes]]:
    """The server and the journal sealer, as scripts/serve.sh runs them."""
    env = _env(url)
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "opora.wsgi:application", "--config", "python:opora.gunicorn_conf"],
        env={**env, "OPORA_SERVER_LOG_LEVEL": "warning"},
        cwd=ROOT,
    )
    sealer = subprocess.Popen(
        ["nice", "-n", "10", sys.executable, "manage.py", "audit_seal", "--loop", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return [server, sealer]
        except OSError:
            time.sleep(0.2)
    server.kill()
    sealer.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(token: str, ids_file: Path, seconds: int, tag: str) -> tuple[dict, set[str]]:
    """wrk's tally, and the keys that got a 201 answer."""
    prefix = ROOT / "var" / f"bench-answered-{tag}-"
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CLIENTS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{PORT}",
            "--",
            token,
            str(ids_file),
            str(REPLAY_SHARE),
            tag,
            str(prefix),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"^RESULT (.*)$", out, re.M)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    answered: set[str] = set()
    for part in prefix.parent.glob(prefix.name + "*"):
        answered.update(line for line in part.read_text().split() if line)
        part.unlink()
    return json.loads(match[1]), answered


def stored_keys(url: str, tag: str) -> list[str]:
    """The key in the details of every request of this run, one per row."""
    code = (
        "import json; from assistance.models import HelpRequest; "
        f"print(json.dumps([d.rsplit(' ', 1)[-1] for d in HelpRequest.objects.filter(details__contains=' {tag}-')"
        ".values_list('details', flat=True)]))"
    )
    return json.loads(_django_query(url, code))


def run(name: str, url: str) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("make bench needs wrk (Debian package wrk): apt-get install wrk")
    token, ids_file = prepare(url)
    tag = "b" + uuid.uuid4().hex[:10]
    processes = serve(url)
    try:
        wrk(token, ids_file, WARMUP, tag + "w")
        result, answered = wrk(token, ids_file, DURATION, tag)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    _manage(url, "audit_seal")
    journal = _manage(url, "audit_verify").strip().splitlines()[0]
    rows = stored_keys(url, tag)
    stored = set(rows)
    sent = result["requests"]
    return {
        "database": name,
        "workers": WORKERS,
        "clients": CLIENTS,
        "seconds": DURATION,
        "requests_sent": sent,
        "rps": round(sent / (result["duration_us"] / 1e6), 1),
        "p50_ms": round(result["p50_us"] / 1000, 1),
        "p90_ms": round(result["p90_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "max_ms": round(result["max_us"] / 1000, 1),
        "statuses": {
            "201 new": result["created"],
            "201 replayed": result["replayed"],
            "4xx": result["refused"],
            "other": result["other"] + result["socket_errors"] + result["timeouts"],
        },
        "accepted_keys": len(answered),
        "rows_added": len(rows),
        # A key answered 201 with no row: an accepted request lost.
        "lost": len(answered - stored),
        # A key on two rows: a retry that created the request again.
        "duplicated": len(rows) - len(stored),
        # Requests still in flight when wrk stopped: stored, but their answer was not counted.
        "in_flight_at_stop": len(stored - answered),
        "replay_mismatches": result["replay_mismatches"],
        "journal": journal,
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
