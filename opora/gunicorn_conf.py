"""The production server's settings, shared by `make run` (scripts/serve.sh) and `make bench`.

Sync workers, one per core by default. On the 2-core reference machine the intake endpoint
(POST /api/v1/requests, PostgreSQL on the same machine) served 183-194 requests/s with 2 sync
workers against 157 with the earlier 3 workers × 2 threads and 128-162 with 4 sync workers: the
workers and PostgreSQL compete for the same cores, so more workers only add switching. Behind a
reverse proxy that buffers slow clients (nginx), sync workers are gunicorn's recommended model;
every setting can be overridden from the environment.
"""

import os

bind = os.environ.get("OPORA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("OPORA_WEB_WORKERS") or os.cpu_count() or 2)
threads = int(os.environ.get("OPORA_WEB_THREADS", "1"))
timeout = 60
keepalive = 5
forwarded_allow_ips = os.environ.get("OPORA_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("OPORA_ACCESS_LOG", "-") or None
loglevel = os.environ.get("OPORA_SERVER_LOG_LEVEL", "info")
