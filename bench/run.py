"""Benchmarks of Opora, run by `make bench`; results go to docs/benchmarks.md.

Parts (all by default; one with `BENCH_ONLY=<part> make bench` or `bench/run.py <part>`):

- registry: the operator's search by phone, by name and by a misspelt surname over BENCH_PEOPLE citizens
  (default 500 000) on SQLite and on PostgreSQL. Each query runs through the same code the search page uses
  (people.selectors.parse_query + search_people). The baseline is a primary-key read of one person on the
  same database: the cheapest query there is, so the ratio says what the search costs on top of it.
- intake: POST /api/v1/requests against the production server from concurrent clients (bench/intake_load.py).
- slots: oncology navigation's free-slot search over 200 facilities x 2 years of slots, against a
  primary-key read of one slot, and 16 clients booking the same slot at once, 50 rounds (bench/slots.py,
  bench/slots_measure.py).
- city: the city at scale (issue 15 §4): the dashboard, the queue, the screen pop, the card and the request
  page with 370,000 and with 4,000,000 help requests in a 20,000-citizen city (bench/city.py, the bulk
  generator in bench/city_measure.py).

Each part keeps its results in bench/results/<part>.json and the report is written from all of them, so
running one part keeps the others' figures. A part with no results file there (a fresh checkout: the files
are not committed) keeps its section of the docs/benchmarks.md it finds. BENCH_SKIP_POSTGRES=1 measures
SQLite only.
"""

import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import city
import intake_load as intake
import slots

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "500000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "2000"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/opora_bench")
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
INTAKE_SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench-intake.sqlite3'}"
INTAKE_PG_URL = os.environ.get("BENCH_INTAKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/opora_bench_intake")
RESULTS = ROOT / "bench" / "results"


def _manage(url: str, *args: str) -> str:
    env = {**os.environ, "OPORA_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout


def _ensure_pg_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(url: str) -> str:
    """Migrate and seed; says how the citizens got there (seeded now, at what rate, or already there)."""
    _manage(url, "migrate", "--noinput", "-v0")
    output = _manage(url, "seed_demo", "--people", str(PEOPLE), "--seed", "7")
    match = re.search(r"\((\d+) added in ([\d.]+) s \((\d+) citizens/s\)\)", output)
    if match:
        return f"seeded {int(match[1]):,} in {float(match[2]):.0f} s ({int(match[3]):,} citizens/s)"
    return "already seeded by an earlier run"


def measure(url: str) -> dict:
    """Runs in a child process so that Django is configured for exactly one database."""
    env = {**os.environ, "OPORA_DATABASE_URL": url, "BENCH_CHILD": "1"}
    out = subprocess.run([sys.executable, __file__], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p99_ms": round(_percentile(samples, 0.99) * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
    }


def child() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
    import django

    django.setup()
    from django.db import connection

    from people.models import Person, PersonPhone
    from people.selectors import parse_query, search_people

    rng = random.Random(42)
    count = Person.objects.count()
    max_id = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = [rng.randint(1, max_id) for _ in range(QUERIES)]
    numbers = list(PersonPhone.objects.filter(person_id__in=ids).values_list("number", flat=True))
    people = list(Person.objects.filter(id__in=ids).values_list("surname", "given_name", "patronymic"))
    meant = list(Person.objects.filter(id__in=ids).values_list("id", "surname", "given_name", "patronymic"))
    formats = [
        lambda n: f"8 ({n[2:5]}) {n[5:8]}-{n[8:10]}-{n[10:12]}",
        lambda n: f"+7 {n[2:5]} {n[5:8]} {n[8:10]} {n[10:12]}",
        lambda n: "8" + n[2:],
    ]
    phone_queries = [rng.choice(formats)(n) for n in numbers][:QUERIES]
    name_queries = [
        rng.choice([f"{s} {g[0]}.{p[0]}.", f"{s} {g}", s[: max(3, len(s) - 2)] + f" {g[0]}."]) for s, g, p in people
    ][:QUERIES]

    misspelt_queries = [
        (pk, rng.choice([f"{m} {g} {p}", f"{m} {g[0]}.{p[0]}.", f"{m} {g}"]))
        for pk, s, g, p in meant
        if (m := misspell(s, rng))
    ][:QUERIES]

    def run(queries: list[str]) -> tuple[list[float], int]:
        times, found = [], 0
        for q in queries:
            started = time.perf_counter()
            results = search_people(parse_query(q))
            times.append(time.perf_counter() - started)
            found += bool(results)
        return times, found

    run(phone_queries[:100])  # warm caches
    run(name_queries[:100])
    run([q for _, q in misspelt_queries[:100]])
    baseline = []
    for pk in ids:
        started = time.perf_counter()
        Person.objects.filter(pk=pk).first()
        baseline.append(time.perf_counter() - started)
    phone_times, phone_found = run(phone_queries)
    name_times, name_found = run(name_queries)
    misspelt_times, misspelt_found = [], 0
    for pk, q in misspelt_queries:
        started = time.perf_counter()
        results = search_people(parse_query(q))
        misspelt_times.append(time.perf_counter() - started)
        misspelt_found += any(p.pk == pk for p in results)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "people": count,
                "phones": PersonPhone.objects.count(),
                "baseline_pk_read": _stats(baseline),
                "phone": {**_stats(phone_times), "found_share": round(phone_found / len(phone_queries), 4)},
                "name": {**_stats(name_times), "found_share": round(name_found / len(name_queries), 4)},
                "misspelt": {
                    **_stats(misspelt_times),
                    "found_share": round(misspelt_found / len(misspelt_queries), 4),
                },
            }
        )
    )


def misspell(surname: str, rng: random.Random) -> str:
    """``surname`` as heard over the phone and typed wrong: a final «в» heard as «ф», a letter left
    out, or an unstressed vowel written as another (о/а, е/и). Never the surname itself or a prefix of it
    (those are the prefix search, not the misspelt one)."""
    word = surname.lower().replace("ё", "е")
    ways = []
    if word.endswith("в"):
        ways.append(word[:-1] + "ф")
    if len(word) > 4:
        i = rng.randrange(1, len(word) - 1)
        ways.append(word[:i] + word[i + 1 :])
    vowels = [i for i, c in enumerate(word[1:-1], 1) if c in "оаеи"]
    if vowels:
        i = rng.choice(vowels)
        ways.append(word[:i] + {"о": "а", "а": "о", "е": "и", "и": "е"}[word[i]] + word[i + 1 :])
    ways = [w for w in ways if w != word and not word.startswith(w)]
    return rng.choice(ways).capitalize() if ways else ""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return f"{cpu}, {os.cpu_count()} cores, {mem_kb // 1024 // 1024} GiB RAM, {platform.system()} {platform.release()}"


def _measured(data: dict) -> str:
    return f"Measured {data.get('date', 'at an unrecorded date')} on {data.get('machine', 'an unrecorded machine')}."


def _stamp(data: dict) -> dict:
    """The results with when and where they were measured."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return {**data, "date": when, "machine": f"{machine()}, Python {platform.python_version()}"}


def kept_sections(path: Path) -> dict[str, list[str]]:
    """The sections of an earlier report by heading (``## ...``), for the parts not measured here."""
    if not path.exists():
        return {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line, [])
        if current is not None:
            current.append(line)
    return {heading: [*lines, ""] if lines[-1] else lines for heading, lines in sections.items()}


def _kept(sections: dict[str, list[str]], *prefixes: str) -> list[str]:
    return [line for heading, lines in sections.items() if heading.startswith(prefixes) for line in lines]


def write_report() -> None:
    report = ROOT / "docs" / "benchmarks.md"
    earlier = kept_sections(report)
    lines = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (bench/run.py); do not edit by hand, run it again (one part:"
        " `BENCH_ONLY=registry|intake|slots|city make bench`). Each section says when and on what machine it was"
        " measured.",
        "",
    ]
    registry_file, intake_file, slots_file = RESULTS / "registry.json", RESULTS / "intake.json", RESULTS / "slots.json"
    city_file = RESULTS / "city.json"
    if registry_file.exists():
        lines += registry_report(json.loads(registry_file.read_text()))
    else:
        lines += _kept(earlier, "## Registry look-up")
    if intake_file.exists():
        lines += intake_report(json.loads(intake_file.read_text()))
    else:
        lines += _kept(earlier, "## Intake throughput")
    if slots_file.exists():
        lines += slots.report(json.loads(slots_file.read_text()))
    else:
        lines += _kept(earlier, "## Free-slot search", "## Booking one slot")
    if city_file.exists():
        lines += city.report(json.loads(city_file.read_text()))
    else:
        lines += _kept(earlier, "## The city at scale")
    report.write_text("\n".join(lines))


def registry_report(registry: dict) -> list[str]:
    if "results" not in registry:  # written by an earlier version: the results alone
        registry = {"results": registry, "seeding": {}}
    results, seeding = registry["results"], registry["seeding"]
    people, queries = registry.get("people", PEOPLE), registry.get("queries", QUERIES)
    lines = [
        "## Registry look-up (people.selectors.search_people)",
        "",
        _measured(registry),
        "",
        f"- Data: {people:,} citizens from `seed_demo --seed 7`; {queries:,} queries of each kind, random"
        " existing citizens, phones typed in three common formats, names as `Surname I.P.`, `Surname Given`"
        " or a surname prefix with one initial; misspelt surnames (bench/run.py `misspell`: a final «в» typed"
        " «ф», a letter left out, or о/а, е/и swapped) with the full name, the initials or the given name,"
        " found = the citizen meant is among the first 50 results.",
        "- Baseline: reading one person by primary key on the same database (`ratio` = median / baseline median).",
        "",
        "| database | people | query | median ms | p99 ms | max ms | ratio to baseline | found | target p99 |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        base = r["baseline_pk_read"]["median_ms"]
        lines.append(
            f"| {name} | {r['people']:,} | primary-key read (baseline) | {base} | "
            f"{r['baseline_pk_read']['p99_ms']} | {r['baseline_pk_read']['max_ms']} | 1.0 | — | — |"
        )
        for kind, label, target in (("phone", "phone", 5), ("name", "name", 50), ("misspelt", "misspelt surname", 50)):
            if kind not in r:  # measured before the kind existed
                continue
            s = r[kind]
            verdict = "met" if s["p99_ms"] < target else "MISSED"
            lines.append(
                f"| {name} | {r['people']:,} | {label} | {s['median_ms']} | {s['p99_ms']} | {s['max_ms']} | "
                f"{s['median_ms'] / base:.1f} | {s['found_share']:.0%} | < {target} ms: {verdict} |"
            )
    lines += ["", "Data: " + "; ".join(f"{k} {v}" for k, v in seeding.items()) + ".", ""]
    return lines


def intake_report(data: dict) -> list[str]:
    pg_tps = data.get("pgbench_insert_tps")
    first = next((data[n] for n in ("PostgreSQL", "SQLite") if data.get(n)), None)
    setup = (
        f"gunicorn with opora/gunicorn_conf.py ({first['workers']} sync workers) and the journal sealer beside it,"
        f" as `make run` starts them; load from wrk in its own process, {first['clients']} keep-alive connections"
        f" on 127.0.0.1 for {first['seconds']} s after a 3 s warm-up"
        if first
        else ""
    )
    lines = [
        "## Intake throughput (POST /api/v1/requests)",
        "",
        _measured(data),
        "",
        f"{setup}. Every request has its own Idempotency-Key; 5 % are sent a second time (a client retrying)."
        " Each request: token check, idempotency record, routing to the TCSO, the request, its first status and"
        " a journal entry, in one transaction. Afterwards every key answered 201 is looked up among the stored"
        " requests (lost: answered but not stored; duplicated: stored twice; in flight: stored, but wrk stopped"
        " before the answer came), and `audit_verify` checks the journal.",
        "",
        "| database | requests sent | requests/s | p50 ms | p90 ms | p99 ms | answers | keys answered | rows added |"
        " lost | duplicated | in flight at stop | replay mismatches | journal | ratio to pgbench INSERT tps | target |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for name in ("SQLite", "PostgreSQL"):
        r = data.get(name)
        if not r:
            continue
        ratio = f"{r['rps'] / pg_tps:.3f} (pgbench {pg_tps:,.0f} tps)" if pg_tps and name == "PostgreSQL" else "—"
        met = "met" if r["rps"] >= 300 and r["p99_ms"] < 100 else "MISSED"
        target = f">= 300/s, p99 < 100 ms: {met}" if name == "PostgreSQL" else "—"
        answers = ", ".join(f"{k}: {v:,}" for k, v in r["statuses"].items() if v)
        lines.append(
            f"| {name} | {r['requests_sent']:,} | {r['rps']} | {r['p50_ms']} | {r['p90_ms']} | {r['p99_ms']} |"
            f" {answers} | {r['accepted_keys']:,} | {r['rows_added']:,} | {r['lost']} | {r['duplicated']} |"
            f" {r['in_flight_at_stop']} | {r['replay_mismatches']} |"
            f" {r['journal']} | {ratio} | {target} |"
        )
    lines.append("")
    return lines


PARTS = ("registry", "intake", "slots", "city")


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (ROOT / "var").mkdir(exist_ok=True)
    only = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_ONLY", "all")
    if only not in ("all", *PARTS):
        raise SystemExit(f"unknown part {only!r}: one of {', '.join(PARTS)} (or all)")
    with_postgres = os.environ.get("BENCH_SKIP_POSTGRES") != "1"
    if with_postgres:
        _ensure_pg_database(PG_URL)
        _ensure_pg_database(INTAKE_PG_URL)
        _ensure_pg_database(slots.PG_URL)
    if only in ("all", "registry"):
        results, seeding = {}, {}
        targets = {"SQLite": SQLITE_URL, **({"PostgreSQL": PG_URL} if with_postgres else {})}
        for name, url in targets.items():
            print(f"== registry, {name}: preparing {PEOPLE:,} people", flush=True)
            seeding[name] = prepare(url)
            print(f"== registry, {name}: measuring", flush=True)
            results[name] = measure(url)
            print(json.dumps(results[name], indent=1), flush=True)
        registry = _stamp({"results": results, "seeding": seeding, "people": PEOPLE, "queries": QUERIES})
        (RESULTS / "registry.json").write_text(json.dumps(registry, indent=1))
    if only in ("all", "intake"):
        intake_results: dict[str, Any] = {}
        targets = {"SQLite": INTAKE_SQLITE_URL, **({"PostgreSQL": INTAKE_PG_URL} if with_postgres else {})}
        for name, url in targets.items():
            print(f"== intake, {name}", flush=True)
            intake_results[name] = intake.run(name, url)
            print(json.dumps(intake_results[name], indent=1), flush=True)
        if with_postgres:
            intake_results["pgbench_insert_tps"] = intake.pgbench_insert_rate(INTAKE_PG_URL)
        (RESULTS / "intake.json").write_text(json.dumps(_stamp(intake_results), indent=1))
    if only in ("all", "slots"):
        slot_results: dict[str, Any] = {}
        targets = {"SQLite": slots.SQLITE_URL, **({"PostgreSQL": slots.PG_URL} if with_postgres else {})}
        for name, url in targets.items():
            slot_results[name] = slots.run(name, url)
        (RESULTS / "slots.json").write_text(json.dumps(_stamp(slot_results), indent=1))
    if only in ("all", "city"):
        # Sizes and databases not measured now (BENCH_CITY_SIZES, BENCH_CITY_DATABASES) keep their earlier figures.
        city_file = RESULTS / "city.json"
        kept = json.loads(city_file.read_text()) if city_file.exists() else {}
        databases = os.environ.get("BENCH_CITY_DATABASES", "SQLite,PostgreSQL" if with_postgres else "SQLite")
        for size, by_database in city.run_all(databases.split(",")).items():
            kept.setdefault(size, {}).update(by_database)
        city_file.write_text(json.dumps(_stamp({**kept, "why": city.WHY}), indent=1))
    write_report()
    print("written docs/benchmarks.md")


if __name__ == "__main__":
    child() if os.environ.get("BENCH_CHILD") == "1" else main()
