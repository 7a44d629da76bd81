"""Opora settings: one file, driven by OPORA_* environment variables (12-factor).

Every variable is listed in README.md. Defaults are safe for a single machine: SQLite under var/,
DEBUG off, a secret key generated into var/ on first start and never committed.
"""

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OPORA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
# The SQLite database, its journal files, the secret key, receipts and logs live here: only the owner may
# enter the folder, whatever mode the files inside were created with.
if VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)
(VAR_DIR / "static").mkdir(exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("OPORA_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("OPORA_DEBUG")
ALLOWED_HOSTS = env_list("OPORA_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("OPORA_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "core.admin.OporaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "phonenumber_field",
    "core",
    "directory",
    "people",
    "audit",
    "notify",
    "assistance",
    "intake",
    "cases",
    "scheduling",
    "psych",
    "navigation",
    "reports",
    "api",
    "accounts",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.JsonBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.middleware.AccountGateMiddleware",
]

ROOT_URLCONF = "opora.urls"
WSGI_APPLICATION = "opora.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("OPORA_DATABASE_URL", f"sqlite:///{VAR_DIR / 'opora.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: every transaction takes the write lock up front, so two writers queue on the busy
        # timeout instead of failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-32000;"
        ),
    }
    # One test database per process, so parallel runs (several checkouts, xdist) never share a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security ----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: after 5 failures in a row an account is locked for 15 minutes whatever address
# the tries come from, and so is an address whatever accounts it tries (a shared office address counts
# its users' mistakes together: raise the limit there rather than take the address out).
AXES_FAILURE_LIMIT = int(os.environ.get("OPORA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("OPORA_LOGIN_LOCK_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("OPORA_PROXY_COUNT", "0")) or None

SECURE_SSL = env_bool("OPORA_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600  # one working shift: a session ends 12 hours after login at the latest
# ... and after this many minutes without a request (accounts.middleware).
OPORA_IDLE_MINUTES = int(os.environ.get("OPORA_IDLE_MINUTES", "30"))
# A second factor (TOTP with backup codes) for every role that opens citizens' records and for
# administrators; the demo city's demo logins are exempt.
OPORA_TWO_FACTOR_REQUIRED = env_bool("OPORA_TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Opora"
# A password-reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("OPORA_PASSWORD_RESET_MINUTES", "60")) * 60
# API tokens stop working this many days after they are made; people make their own only in these roles
# (administrators make tokens for service accounts in the admin site).
OPORA_TOKEN_DAYS = int(os.environ.get("OPORA_TOKEN_DAYS", "90"))
OPORA_TOKEN_ROLES = env_list("OPORA_TOKEN_ROLES", "supervisor,dispatcher")
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("OPORA_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = int(os.environ.get("OPORA_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("OPORA_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Strict Content Security Policy: no inline scripts or styles, everything from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- I18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "RU"
PHONENUMBER_DB_FORMAT = "E164"

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Background tasks ----------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": os.environ.get("OPORA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusal_without_traceback": {"()": "core.logging.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPORA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # A 403 is a refusal, not a crash: one line, no traceback.
        "django.request": {"filters": ["refusal_without_traceback"]},
    },
}

# --- Opora --------------------------------------------------------------------------------------
OPORA_DEMO_PASSWORD = os.environ.get("OPORA_DEMO_PASSWORD", "opora-demo")
OPORA_API_PAGE_SIZE = 50


# --- Journal ---
# The key of the journal's HMAC chain and the file that records the chain's head live outside the
# database and outside var/: whoever can write the database (or restores var/ from a backup) can
# neither recompute the chain nor roll the record of its head back. The sealer generates the key file
# on its first run (mode 0600, in a 0700 folder); production sets both paths, the head file ideally on
# another host or an append-only mount. keys/ is in .gitignore.
def _database_label(database: Mapping[str, object]) -> str:
    """A file-name-safe name of the database: each database's journal has its own head file."""
    vendor = str(database["ENGINE"]).rsplit(".", 1)[-1]
    if vendor == "sqlite3":
        parts = ["sqlite", Path(str(database["NAME"])).stem]
    else:
        parts = [vendor, str(database.get("HOST") or "local"), str(database.get("PORT") or ""), str(database["NAME"])]
    return re.sub(r"[^A-Za-z0-9._]+", "-", "-".join(part for part in parts if part))


OPORA_JOURNAL_KEY = os.environ.get("OPORA_JOURNAL_KEY", "")
OPORA_JOURNAL_KEY_FILE = Path(os.environ.get("OPORA_JOURNAL_KEY_FILE", BASE_DIR / "keys" / "journal_key"))
OPORA_JOURNAL_HEAD_FILE = Path(
    os.environ.get(
        "OPORA_JOURNAL_HEAD_FILE", BASE_DIR / "keys" / f"journal-head-{_database_label(DATABASES['default'])}.log"
    )
)

# --- Psychologists' notes ---
# Session notes and safety plans are encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256) with a key
# that is never in the database: OPORA_NOTES_KEY (one or more Fernet keys, comma-separated; the first
# encrypts, all decrypt, so a key can be rotated), or else the key file, generated on first use (0600, in
# a 0700 folder) like the journal key. Back it up apart from the database: without it the notes are lost.
OPORA_NOTES_KEY = os.environ.get("OPORA_NOTES_KEY", "")
OPORA_NOTES_KEY_FILE = Path(os.environ.get("OPORA_NOTES_KEY_FILE", BASE_DIR / "keys" / "notes_key"))

# Optionally, the chain head also leaves this host by e-mail through the outbox (a mailbox elsewhere,
# kept by other people): the first head of every so many minutes.
OPORA_JOURNAL_HEAD_EMAIL = os.environ.get("OPORA_JOURNAL_HEAD_EMAIL", "")
OPORA_JOURNAL_HEAD_EMAIL_MINUTES = int(os.environ.get("OPORA_JOURNAL_HEAD_EMAIL_MINUTES", "60"))

# --- Call centre ---
# Working hours of the call centre "My social assistant", Europe/Moscow; outside them only urgent
# requests are taken.
OPORA_CALL_CENTRE_HOURS = os.environ.get("OPORA_CALL_CENTRE_HOURS", "08:00-21:00")

# --- Notifications ---
# The outbox (notify app). Each message channel is delivered by a pluggable channel chosen here:
# sms -> OPORA_SMS_CHANNEL ("log" or "http"), email -> OPORA_EMAIL_CHANNEL ("log" or "smtp").
# "log" writes the message to the "opora.notify" logger and a JSON line to OPORA_NOTIFY_LOG_FILE.
OPORA_SMS_CHANNEL = os.environ.get("OPORA_SMS_CHANNEL", "log")
OPORA_EMAIL_CHANNEL = os.environ.get("OPORA_EMAIL_CHANNEL", "log")
OPORA_NOTIFY_LOG_FILE = Path(os.environ.get("OPORA_NOTIFY_LOG_FILE", VAR_DIR / "outbox.log"))
# A failed delivery is retried after 30 s x 2^(attempt - 1), at most 1 h, with +-20 % jitter; after the
# last attempt the message is marked failed.
OPORA_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("OPORA_NOTIFY_MAX_ATTEMPTS", "8"))
OPORA_NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("OPORA_NOTIFY_RETRY_BASE_SECONDS", "30"))
OPORA_NOTIFY_RETRY_MAX_SECONDS = float(os.environ.get("OPORA_NOTIFY_RETRY_MAX_SECONDS", "3600"))
OPORA_SMS_GATEWAY_URL = os.environ.get("OPORA_SMS_GATEWAY_URL", "")
OPORA_SMS_GATEWAY_TOKEN = os.environ.get("OPORA_SMS_GATEWAY_TOKEN", "")
OPORA_SMS_GATEWAY_TIMEOUT = float(os.environ.get("OPORA_SMS_GATEWAY_TIMEOUT", "10"))
EMAIL_HOST = os.environ.get("OPORA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("OPORA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("OPORA_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("OPORA_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OPORA_EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("OPORA_EMAIL_USE_SSL")
EMAIL_TIMEOUT = float(os.environ.get("OPORA_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("OPORA_EMAIL_FROM", "opora@localhost")

# A hand-off from a hospital to a TCSO not accepted within this many hours is escalated to the TCSO's
# dispatchers and the hospital's supervisors (a quarter of it for an urgent request).
OPORA_HANDOFF_ACCEPT_HOURS = int(os.environ.get("OPORA_HANDOFF_ACCEPT_HOURS", "24"))
