"""The city at scale (issue 15 §4), run by `make bench` (bench/run.py): pages timed with 370,000 and with
4,000,000 help requests in a 20,000-citizen demo city, on SQLite and on PostgreSQL.

Each size has its own database (var/bench-city-<size>.sqlite3, opora_bench_city_<size>): migrated, the
demo city seeded (`seed_demo --people 20000 --seed 7`), then topped up to the size by the bulk generator
(bench/city_measure.py `build`, which says what it makes). The data is dated from the moment it was made,
so a database made more than MAX_AGE_HOURS ago is made again (or always, with BENCH_CITY_FRESH=1).
BENCH_CITY_SIZES (default "370000,4000000"), BENCH_CITY_DATABASES (default "SQLite,PostgreSQL") and
BENCH_CITY_RUNS (200 requests of each page, a tenth of it for the dashboards) change the work; the sizes and
databases not measured keep their earlier figures. Each step runs in a child process
(`python bench/city.py build|measure`).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("BENCH_CITY_SIZES", "370000,4000000").split(",") if s.strip()]
RUNS = int(os.environ.get("BENCH_CITY_RUNS", "200"))
# Data older than this is made again: it is dated from the moment it was made (open requests, the last 30 days).
MAX_AGE_HOURS = 20
PG_BASE = os.environ.get("BENCH_CITY_POSTGRES", "postgres://postgres@127.0.0.1:5432")

# Page: (label, target ms at 370k, target ms at 4M); the targets are the issue's, server-side.
PAGES = {
    "baseline": ("primary-key read of one request (baseline)", None, None),
    "dashboard": ("supervisor's dashboard, whole city, 30 days", 500, 1000),
    "dashboard_tcso": ("dispatcher's dashboard, own TCSO, 30 days", 500, 1000),
    "queue": ("dispatcher's queue (open requests)", 100, 100),
    "queue_city": ("supervisor's queue, every TCSO", 100, 100),
    "queue_rows": ("queue's live rows (htmx, every few seconds)", 100, 100),
    "queue_counts": ("queue's live counts (htmx)", 100, 100),
    "screen_pop": ("operator's screen pop for a calling citizen", 100, 100),
    "card": ("citizen's card", 100, 100),
    "card_requests": ("citizen's card, requests tab", 100, 100),
    "request": ("request page (any request of the TCSO)", 100, 100),
    "request_to_assign": ("request page of a request to assign (worker suggestions)", 100, 100),
}

# What the pages cost before the fix and why (measured once, 2026-12-05, on the 370,000-request data above,
# 30 requests of each page, 10 of the dashboard, with the code of 5a3cd86); kept as text: the old code is gone.
WHY = [
    "Before the fix, at 370,000 requests: the supervisor's dashboard took 6,835 ms (median) on SQLite and"
    " 2,544 ms on PostgreSQL, the dispatcher's own dashboard 372 ms and 736 ms, the dispatcher's queue 86 ms"
    " (p99 182 ms) on SQLite and 453 ms (p99 770 ms) on PostgreSQL; the screen pop, card and request page were"
    " within 100 ms. Where the time went, query by query:",
    "",
    "- The TCSO table counted created, closed, done and overdue in one pass over every request of every TCSO"
    " (7.0 s on SQLite); now three counts, each reading only its period's rows or the open ones through an index.",
    "- The chart's days: Django's TruncDate is a Python function called for every row on SQLite (6.1 s); now"
    " the database's own date arithmetic at the zone's offset when it is fixed over the period (Moscow's is),"
    " TruncDate only for a period in which the clocks move.",
    "- The calls of the period: no index held direction, medium and outcome beside the start time (5.5 s on"
    " SQLite): now `interaction_period` (started_at, medium, direction, outcome) answers from the index alone.",
    "- The median time to done: every done request's two datetimes turned into Python objects (1.7 s twice on"
    " SQLite); now the database computes each duration and sorts (PostgreSQL `percentile_cont`), or hands"
    " SQLite's plain numbers to `statistics.median`.",
    "- Created and closed in the period filtered on `created_at` and `closed_at`, which had no index: now"
    " `request_created` (created_at, status, service_type, tcso) and `request_closed` (closed_at, status,"
    " tcso, created_at) cover the counts. SQLite, which the application leaves without planner statistics,"
    " still read the closed ones through the index on status (every closed request of the city); that index"
    " is now partial (`request_open`: open statuses only, with due time), and the TCSO's own index is gone"
    " because `request_queue` (tcso, status, due_at) begins with it — SQLite read the queue through it,"
    " every request the TCSO ever had.",
    "- The queue's district list and its counts read every request of the TCSO, closed ones included: now the"
    " districts the TCSO serves plus those of its open requests, and counts over the open requests only. A"
    " page's 50 request numbers are sorted on the request table alone before those rows are joined (PostgreSQL"
    " joined every open request to the citizens first). The supervisor's queue names every TCSO, so both"
    " databases seek the open requests TCSO by TCSO (found while measuring: SQLite walked all 4 million"
    " requests in due order, 15 s; PostgreSQL walked the due-time index, 12 s, until `request_open` was put"
    " in due order).",
    "- Worker suggestions read every assignment the TCSO's workers ever had: now the live ones (partial index)"
    " and today's (worker, finished_at).",
    "- COUNT(id) made PostgreSQL read the table instead of the index (an index does not hold the id): the"
    " figures count rows. Given the open statuses as bound parameters SQLite cannot use a partial index: the"
    " counts name the TCSOs.",
    "- The card's Requests tab listed all of a citizen's requests (200 each at 4 million): 25 a page now.",
    "",
    "Tests that would have caught each: reports/tests/test_scale.py and assistance/tests/test_queue_scale.py"
    " ask the database for the plan of every query of the dashboard's request and call panels and of the queue,"
    " and fail on any read of the request or call table that a period or the open statuses do not bound.",
    "",
    "With those indexes alone the supervisor's dashboard still took 669–716 ms on SQLite at 370,000 requests"
    " (target 500): reading the period's 250,000 created and 206,000 closed index entries, grouped by day,"
    " status and service, and 650,000 call entries. Since 2026-12-06 the services keep daily tallies"
    " (core/tallies.py: requests per Moscow day, TCSO, service and status; calls per day, medium, direction and"
    " outcome) in the transaction of each change, and the dashboard reads a period's whole days from them and"
    " only today row by row; the medians of time to done are still read from `request_closed`"
    " (reports/tests/test_tallied_figures.py checks both ways give the same figures for seven period shapes).",
    "",
    "The p99 misses of 120–216 ms on the queue, the request page and the card were full garbage collections"
    " walking the ~180,000 objects the application keeps for its life: a server worker now freezes them"
    " once loaded (opora/wsgi.py), and the pages here are timed in a process set up the same way.",
]


def _label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def urls(size: int) -> dict[str, str]:
    return {
        "SQLite": f"sqlite:///{ROOT / 'var' / f'bench-city-{_label(size)}.sqlite3'}",
        "PostgreSQL": f"{PG_BASE}/opora_bench_city_{_label(size)}",
    }


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "OPORA_DATABASE_URL": url, "OPORA_LOG_LEVEL": "WARNING", "OPORA_HTTPS": "false"}


def _manage(url: str, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=_env(url), cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")


def _step(url: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], env=_env(url), cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"bench/city.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        name = url.rsplit("/", 1)[1]
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if statement == "create" and not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
        elif statement == "drop" and exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _drop(url: str) -> None:
    if url.startswith("postgres"):
        _pg_admin(url, "drop")
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _warm(url: str) -> int:
    """Read the whole database once, so that the pages are timed as on a server that has been running (its
    files in the OS cache), not just after the generator wrote gigabytes past it: a citizen's rows read
    for the first time from disk cost a screen pop 100–200 ms."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            relations = conn.execute(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
            ).fetchall()
            for (relation,) in relations:
                conn.execute("SELECT pg_prewarm(%s::regclass, 'read')", (relation,))
        return len(relations)
    path = Path(url.removeprefix("sqlite:///"))
    with path.open("rb") as database:
        return sum(len(chunk) for chunk in iter(lambda: database.read(1 << 24), b""))


def run(name: str, url: str, size: int) -> dict[str, Any]:
    """Make (or reuse) the database for ``size`` requests and time the pages on it."""
    stamp = ROOT / "var" / f"bench-city-{name.lower()}-{_label(size)}.json"
    today = time.strftime("%Y-%m-%d", time.gmtime())
    earlier = json.loads(stamp.read_text()) if stamp.exists() else {}
    if os.environ.get("BENCH_CITY_FRESH") == "1" or time.time() - earlier.get("made_at", 0) > MAX_AGE_HOURS * 3600:
        print(f"== city, {name}, {size:,}: making the data afresh", flush=True)
        _drop(url)
        earlier = {}
    if url.startswith("postgres"):
        _pg_admin(url, "create")
    _manage(url, "migrate", "--noinput", "-v0")
    _manage(url, "collectstatic", "--noinput", "-v0")  # the pages are rendered as in production
    started = time.perf_counter()
    _manage(url, "seed_demo", "--people", "20000", "--seed", "7", "--if-empty")
    seeded = time.perf_counter() - started
    print(f"== city, {name}, {size:,}: generating requests", flush=True)
    built = _step(url, "build", str(size))
    if built["made"]:
        earlier = {"date": today, "made_at": time.time(), "seed_demo_seconds": round(seeded, 1), **built}
        stamp.write_text(json.dumps(earlier))
    print(json.dumps(earlier), flush=True)
    print(f"== city, {name}, {size:,}: reading the database into the OS cache, then timing the pages", flush=True)
    print(f"read {_warm(url):,} {'relations' if url.startswith('postgres') else 'bytes'}", flush=True)
    load_before = round(os.getloadavg()[0], 2)
    measured = _step(url, "measure", str(RUNS))
    measured["load"] = [load_before, round(os.getloadavg()[0], 2)]
    print(json.dumps(measured["pages"]), flush=True)
    return {"built": earlier, "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **measured}


def run_all(databases: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in SIZES:
        for name in databases:
            results.setdefault(str(size), {})[name] = run(name, urls(size)[name], size)
    return results


def _verdict(ms: float, target: int | None) -> str:
    if target is None:
        return "—"
    return f"< {target:,} ms: {'met' if ms < target else 'MISSED'}"


def report(results: dict[str, Any]) -> list[str]:
    lines = [
        "## The city at scale (issue 15 §4: dashboard, queue, screen pop, card, request page)",
        "",
        f"Measured {results.get('date', 'at an unrecorded date')}"
        f" on {results.get('machine', 'an unrecorded machine')}.",
        "",
        "- Data: the demo city of 20,000 citizens (`seed_demo --people 20000 --seed 7`) topped up by the bulk"
        " generator (bench/city_measure.py) to each size at the reference city's pandemic rate, 370,000 requests"
        " in 45 days (8,222 a day: 370,000 span 45 days, 4,000,000 span 487), each with the call it came in on and"
        " about 1.7 calls more without a request (1,000,000 calls in 45 days), its status changes and, once"
        " assigned, its worker's assignment; those older than three days closed (89 % done, 7 % not done, 4 %"
        " cancelled), younger ones open in proportion to their age.",
        "- Time: server-side, Django's test client in one process (middleware, view, queries, template; no"
        " network), logged in as the demo user of the role; each page requested after three warm-up requests.",
        "- Baseline: a primary-key read of one request on the same database (`ratio` = median / baseline median).",
        "",
    ]
    sizes = [k for k in results if k.isdigit()]
    for size in sizes:
        for name, r in results[size].items():
            d = r["data"]
            lines.append(
                f"- {name}, {int(size):,}: {d['requests']:,} requests over {d['days']} days, {d['open']:,} open"
                f" ({d['largest_open_queue']:,} in the largest TCSO's queue; the dispatcher's TCSO: {r['tcso']}),"
                f" {d['transitions']:,} status changes, {d['assignments']:,} assignments, {d['calls']:,} calls,"
                f" {d['citizens']:,} citizens, {d['tcsos']} TCSOs; measured {r.get('measured', 'at the date above')}"
                f" (1-minute load average {' → '.join(map(str, r.get('load', [])))} on {os.cpu_count()} cores)."
                + (
                    f" Generated in {r['built']['seconds']:,.0f} s ({r['built']['made'] / r['built']['seconds']:,.0f}"
                    f" requests/s with their rows) on {r['built']['date']}."
                    if r.get("built", {}).get("seconds")
                    else ""
                )
            )
    lines += [
        "",
        "| database | requests | page | runs | median ms | p99 ms | max ms | ratio to baseline | target |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        for name, r in results[size].items():
            base = r["pages"]["baseline"]["median_ms"] or 1
            for key, (label, small, large) in PAGES.items():
                s = r["pages"].get(key)
                if s is None:
                    continue
                target = small if int(size) < 1_000_000 else large
                verdict = (
                    _verdict(s["median_ms"], target) if key.startswith("dashboard") else _verdict(s["p99_ms"], target)
                )
                lines.append(
                    f"| {name} | {int(size):,} | {label} | {s['n']} | {s['median_ms']} | {s['p99_ms']} |"
                    f" {s['max_ms']} | {s['median_ms'] / base:.1f} | {verdict} |"
                )
    lines += [
        "",
        "Targets: the dashboards' median against their target, every other page's p99 (of 200 runs, the third"
        " slowest). The pages run in one process set up as each server worker is (opora/wsgi.py: the objects that"
        " live as long as the worker frozen out of the garbage collector's reach, without which a full collection"
        " added 100–130 ms to whichever request set it off).",
        "",
        *results.get("why", []),
    ]
    return [*lines, ""]


def child(args: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
    import django

    django.setup()
    import city_measure as work

    step = args[0] if args else ""
    if step == "build":
        result: dict[str, Any] = work.build(int(args[1]))
    elif step == "measure":
        result = work.measure(int(args[1]))
    else:
        raise SystemExit(f"unknown step {step!r}: build SIZE or measure RUNS")
    print(json.dumps(result))


if __name__ == "__main__":
    child(sys.argv[1:])
