"""Django settings. Every knob is a CSOPS_* environment variable (see docs/configuration.md);
the defaults give the embedded setup: SQLite and an event lake under ./var/."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from csops.lib.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("CSOPS_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("CSOPS_DEBUG", False)
SECRET_KEY = env_str("CSOPS_SECRET_KEY")
if not SECRET_KEY:
    # An embedded install still needs a stable, private key: keep one beside the database.
    _key_file = VAR_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        _key_file.write_text(SECRET_KEY)
        _key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("CSOPS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSOPS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csops.users",
    "csops.audit",
    "csops.customers",
    "csops.usage",
    "csops.health",
    "csops.journey",
    "csops.playbooks",
    "csops.insights",
    "csops.pipeline",
    "csops.outreach",
    "csops.feedback",
    "csops.demo",
    "csops.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "csops.users.middleware.UserLanguageMiddleware",
    "csops.users.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "csops.urls"
WSGI_APPLICATION = "csops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASE_URL = env_str("CSOPS_DATABASE_URL", f"sqlite:///{VAR_DIR / 'csops.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ConfigError(f"CSOPS_DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("CSOPS_LANGUAGE", "ja")
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("CSOPS_TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("CSOPS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CSOPS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The event lake: Parquet files partitioned by date (docs/event-lake.md).
CSOPS_LAKE_DIR = Path(env_str("CSOPS_LAKE_DIR", str(VAR_DIR / "lake"))).resolve()
# The analytical engine the query layer runs on (docs/usage-queries.md, docs/spark.md).
CSOPS_ENGINE = env_str("CSOPS_ENGINE", "duckdb").strip().lower()
if CSOPS_ENGINE not in {"duckdb", "pyspark"}:
    raise ConfigError(f"CSOPS_ENGINE must be duckdb or pyspark, got {CSOPS_ENGINE!r}")
CSOPS_SPARK_MASTER = env_str("CSOPS_SPARK_MASTER", "local[*]")
# Limits of the sandbox in which CS Ops' custom SQL measures run (DuckDB; docs/health.md).
CSOPS_CUSTOM_SQL_MEMORY_LIMIT = env_str("CSOPS_CUSTOM_SQL_MEMORY_LIMIT", "1GB")
CSOPS_CUSTOM_SQL_THREADS = env_int("CSOPS_CUSTOM_SQL_THREADS", 2)
CSOPS_CUSTOM_SQL_TIMEOUT = env_int("CSOPS_CUSTOM_SQL_TIMEOUT", 120)  # seconds; 0 for none
# Ingestion through the tracking API (docs/event-lake.md, "Ingestion and durability").
CSOPS_INGEST_RATE = env_int("CSOPS_INGEST_RATE", 50_000)  # events per second per write key, per process
CSOPS_INGEST_FLUSH_SECONDS = env_int("CSOPS_INGEST_FLUSH_SECONDS", 2)  # write-ahead log -> Parquet
CSOPS_INGEST_DEDUPE_DAYS = env_int("CSOPS_INGEST_DEDUPE_DAYS", 2)  # days of message ids kept against retries
CSOPS_COMPANY_CURRENCY = env_str("CSOPS_CURRENCY", "JPY")
CSOPS_LOGIN_RATE = env_int("CSOPS_LOGIN_RATE", 10)  # failed attempts per 15 minutes per IP and email
CSOPS_DEMO_PASSWORD = env_str("CSOPS_DEMO_PASSWORD")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CSOPS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Outreach, the worker and the daily pipeline (docs/outreach.md, docs/worker.md, docs/deploy.md).
CSOPS_PUBLIC_URL = env_str("CSOPS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")  # base of links in emails
CSOPS_SMTP_HOST = env_str("CSOPS_SMTP_HOST", "127.0.0.1")
CSOPS_SMTP_PORT = env_int("CSOPS_SMTP_PORT", 25)
CSOPS_SMTP_USER = env_str("CSOPS_SMTP_USER")
CSOPS_SMTP_PASSWORD = env_str("CSOPS_SMTP_PASSWORD")
CSOPS_SMTP_STARTTLS = env_bool("CSOPS_SMTP_STARTTLS", False)
CSOPS_SMTP_TIMEOUT = env_int("CSOPS_SMTP_TIMEOUT", 30)
CSOPS_SMTP_FROM = env_str("CSOPS_SMTP_FROM", "csops <cs@csops.example>")
CSOPS_COUNTRY = env_str("CSOPS_COUNTRY", "JP")  # public holidays skipped by sending windows
CSOPS_SEND_WINDOW = env_str("CSOPS_SEND_WINDOW", "09:00-18:00")  # local time, weekdays that are not holidays
CSOPS_CONTACT_CAP = env_int("CSOPS_CONTACT_CAP", 3)  # outbound touches per contact ...
CSOPS_CONTACT_CAP_DAYS = env_int("CSOPS_CONTACT_CAP_DAYS", 7)  # ... per this many days
CSOPS_SEND_MAX_ATTEMPTS = env_int("CSOPS_SEND_MAX_ATTEMPTS", 6)
CSOPS_SEND_RETRY_SECONDS = env_int("CSOPS_SEND_RETRY_SECONDS", 60)  # first back-off; doubles per attempt
CSOPS_SEND_STALE_SECONDS = env_int("CSOPS_SEND_STALE_SECONDS", 300)  # a claim older than this is recovered
CSOPS_WEBHOOK_TIMEOUT = env_int("CSOPS_WEBHOOK_TIMEOUT", 10)
CSOPS_PIPELINE_TIME = env_str("CSOPS_PIPELINE_TIME", "06:00")  # local time the worker starts the daily run
CSOPS_PIPELINE_STALE_MINUTES = env_int("CSOPS_PIPELINE_STALE_MINUTES", 120)
CSOPS_WORKER_INTERVAL = env_int("CSOPS_WORKER_INTERVAL", 5)  # seconds between worker passes when idle
try:
    import datetime as _dt

    _dt.time.fromisoformat(CSOPS_PIPELINE_TIME)
    _start, _end = (_dt.time.fromisoformat(part) for part in CSOPS_SEND_WINDOW.split("-"))
    if not _start < _end:
        raise ValueError("the window must start before it ends")
except ValueError as exc:
    raise ConfigError(f"CSOPS_PIPELINE_TIME (HH:MM) or CSOPS_SEND_WINDOW (HH:MM-HH:MM) is invalid: {exc}") from None
