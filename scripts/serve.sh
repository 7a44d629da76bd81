#!/usr/bin/env bash
# Serve Opora with the production server (gunicorn) and run the background worker beside it.
# Stops the worker when the server stops (Ctrl+C).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
BIND=${OPORA_BIND:-127.0.0.1:8000}
# make run serves plain HTTP on this machine; behind TLS set OPORA_HTTPS=true (the default).
export OPORA_HTTPS=${OPORA_HTTPS:-false}

"$BIN/python" manage.py db_worker --queue-name "*" &
WORKER=$!
# The outbox sweep picks up messages whose delivery task was lost or whose worker died mid-send.
"$BIN/python" manage.py deliver_outbox --loop 60 &
SWEEP=$!
# Idempotency-Key records are kept for a day; drop older ones every hour.
"$BIN/python" manage.py purge_idempotency --loop 3600 &
PURGE=$!
# Hand-offs from hospitals that no TCSO accepted in time are escalated (looked at every 5 minutes).
"$BIN/python" manage.py escalate_handoffs --loop 300 &
ESCALATE=$!
# Clients of the psychological service are reminded of their consultations (looked at every minute), and
# the slot calendars are kept two months ahead (every hour).
"$BIN/python" manage.py psych_reminders --loop 60 &
REMIND=$!
"$BIN/python" manage.py navigation_reminders --loop 60 &  # oncology patients of their appointments
NAV_REMIND=$!
"$BIN/python" manage.py extend_slots --loop 3600 &
SLOTS=$!
# Journal entries are written unsealed (no lock on the request path) and linked into the hash chain
# here, at a lower CPU priority than the server: sealing can wait a moment, a caller cannot. Its first
# run generates the journal key (keys/journal_key) and starts the head file; see docs/operations.md.
nice -n 10 "$BIN/python" manage.py audit_seal --loop 2 &
SEAL=$!
trap 'kill "$WORKER" "$SWEEP" "$PURGE" "$ESCALATE" "$REMIND" "$NAV_REMIND" "$SLOTS" "$SEAL" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM

echo "Opora is at http://$BIND/  (Ctrl+C stops the server and the worker)"
"$BIN/gunicorn" opora.wsgi:application --config python:opora.gunicorn_conf --bind "$BIND"
