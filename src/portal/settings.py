"""Django settings for DID Portal, read from the environment (see docs/configuration.md).

Development defaults are safe and embedded (SQLite, local store, outbox email); with
DJANGO_ENV=production every secret must be given and unsafe values stop start-up.
"""

import json
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.env import (
    PRODUCTION,
    env_bool,
    env_int,
    env_list,
    env_str,
    fernet_key_from,
    fernet_key_is_valid,
)

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("DID_VAR_DIR", str(REPO_DIR / "var")))

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET, required=True)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"], required=True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A stale form or lost session gets an NHS.UK page with a way forward (core/views.py).
CSRF_FAILURE_VIEW = "portal.core.views.csrf_failure"
# Keys for secrets kept encrypted in the database (portal.core.encryption); the first
# encrypts, all decrypt. Development derives one from SECRET_KEY; production must set them.
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", [fernet_key_from(SECRET_KEY)], required=True
)

# The audit trail's seals (portal.audit.services.seal) are HMACs with this key, kept out of
# the database so that write access to the database is not enough to forge them.
AUDIT_SEAL_KEY = env_str(
    "AUDIT_SEAL_KEY", fernet_key_from("audit-seal:" + SECRET_KEY), required=True
)
# Entries younger than this are left for the next seal: a transaction still open may yet
# commit an entry with a lower id.
AUDIT_SEAL_DELAY_SECONDS = env_int("AUDIT_SEAL_DELAY_SECONDS", 60, minimum=0)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "django_ratelimit",
    "portal.core",
    "portal.audit",
    "portal.organisations",
    "portal.accounts",
    "portal.publications",
    "portal.submissions",
    "portal.store",
    "portal.notify",
    "portal.certificates",
    "portal.operations",
    "django_prometheus",
    "django.forms",  # after our apps, so core/templates/django/forms overrides it
]

MIDDLEWARE = [
    "portal.operations.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.operations.middleware.MetricsTokenMiddleware",  # the scraper's bearer token
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "portal.accounts.middleware.SessionEpochMiddleware",
    "portal.submissions.middleware.ApiTokenMiddleware",  # API: Bearer tokens, 401 not redirects
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: turns a lock-out found during the request into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}", required=True),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: short-lived, never readable from JavaScript, secure over HTTPS.
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None

# Everything the pages need is served from this host: no fonts, scripts or images from
# elsewhere, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [VAR_DIR / "frontend"]
STORAGES = {
    # Certificate scans, through the media store (local folder or object storage).
    "default": {"BACKEND": "portal.store.files.MediaStorage"},
    # Production serves hashed names (cacheable for ever) from the manifest that
    # `portal collectstatic` writes; development needs no collectstatic after each change.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Production serves only what collectstatic gathered; development finds files where they are.
WHITENOISE_USE_FINDERS = not PRODUCTION

# `portal serve` (gunicorn): the production web process (docs/deploy.md).
SERVE_BIND = env_str("SERVE_BIND", "127.0.0.1:8000")
SERVE_WORKERS = env_int("SERVE_WORKERS", 2, minimum=1)
SERVE_THREADS = env_int("SERVE_THREADS", 4, minimum=1)
SERVE_TIMEOUT = env_int("SERVE_TIMEOUT", 60, minimum=1)
SERVE_MAX_REQUESTS = env_int("SERVE_MAX_REQUESTS", 2000, minimum=0)
# Addresses of the reverse proxy whose X-Forwarded-* headers gunicorn trusts.
SERVE_FORWARDED_ALLOW_IPS = env_str("SERVE_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Storage (docs/adr/091): the record store (uploads, reports, accepted records as Parquet)
# and the media store (release files, certificate scans), each a local folder or a prefix
# of one S3-compatible bucket. Credentials come from the standard AWS variables or role.
STORE_BACKEND = env_str("STORE_BACKEND", "local", required=True)
if STORE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured("STORE_BACKEND must be local or s3 (see docs/configuration.md).")
DID_STORE = Path(env_str("DID_STORE", str(VAR_DIR / "store"), required=STORE_BACKEND == "local"))
MEDIA_ROOT = VAR_DIR / "media"
STORE_S3_BUCKET = env_str("STORE_S3_BUCKET", "")
STORE_S3_PREFIX = env_str("STORE_S3_PREFIX", "")
STORE_S3_ENDPOINT = env_str("STORE_S3_ENDPOINT", "")
STORE_S3_REGION = env_str("STORE_S3_REGION", "eu-west-2", required=STORE_BACKEND == "s3")
if STORE_BACKEND == "s3" and not STORE_S3_BUCKET:
    raise ImproperlyConfigured(
        "STORE_S3_BUCKET must be set when STORE_BACKEND=s3 (see docs/configuration.md)."
    )

# Publications (docs/adr/051): optional small-number suppression (0 = off), the minimum
# number of tests behind a published median, and the Spark master for --engine spark.
PUBLICATIONS_SUPPRESS_BELOW = env_int("PUBLICATIONS_SUPPRESS_BELOW", 0, minimum=0)
PUBLICATIONS_MIN_TESTS_FOR_DAYS = env_int("PUBLICATIONS_MIN_TESTS_FOR_DAYS", 10, minimum=1)
DID_SPARK_MASTER = env_str("DID_SPARK_MASTER", "local[2]")

# Two queues, each with its own workers (`portal worker --queue-name <queue>`), so a
# month-end backlog of validations never delays an invitation or a password reset email.
VALIDATION_QUEUE = "validation"
EMAIL_QUEUE = "email"
TASK_QUEUES_SERVED = [VALIDATION_QUEUE, EMAIL_QUEUE]
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # A task on any other queue is refused when it is enqueued: no worker serves it.
        "QUEUES": TASK_QUEUES_SERVED,
    }
}
# Each worker records a heartbeat this often; /healthz fails a queue with no worker whose
# beat is younger than the stale limit, or whose oldest ready task has waited too long.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 60, minimum=2)
HEALTHZ_QUEUE_MAX_WAIT_SECONDS = env_int("HEALTHZ_QUEUE_MAX_WAIT_SECONDS", 1800, minimum=1)
# /metrics (Prometheus): the scraper sends `Authorization: Bearer <METRICS_TOKEN>`; the
# service desk may also read it signed in. No token set: only the service desk.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# Email: "outbox" (stored, readable at /outbox outside production), "smtp" or "notify".
EMAIL_DELIVERY = env_str("EMAIL_DELIVERY", "outbox", required=True)
if EMAIL_DELIVERY not in {"outbox", "smtp", "notify"}:
    raise ImproperlyConfigured("EMAIL_DELIVERY must be one of outbox, smtp, notify.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "did-portal@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY", "")
if PRODUCTION and EMAIL_DELIVERY == "notify" and not NOTIFY_API_KEY:
    raise ImproperlyConfigured("NOTIFY_API_KEY must be set when EMAIL_DELIVERY=notify.")
if PRODUCTION and EMAIL_DELIVERY == "outbox":
    raise ImproperlyConfigured("EMAIL_DELIVERY=outbox is for development; use smtp or notify.")

try:
    # {"invitation": "<GOV.UK Notify template id>", ...}; see docs/configuration.md.
    NOTIFY_TEMPLATE_IDS = json.loads(env_str("NOTIFY_TEMPLATE_IDS", "{}"))
except ValueError:
    raise ImproperlyConfigured("NOTIFY_TEMPLATE_IDS must be a JSON object.") from None
if not isinstance(NOTIFY_TEMPLATE_IDS, dict):
    raise ImproperlyConfigured("NOTIFY_TEMPLATE_IDS must be a JSON object.")
# The outbox page shows every stored email: never in production.
OUTBOX_PAGE_ENABLED = not PRODUCTION

# Shown on the contact, accessibility and privacy pages and on every error page.
SERVICE_DESK_EMAIL = env_str("SERVICE_DESK_EMAIL", "did.servicedesk@example.nhs.uk", required=True)
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000", required=True)
PASSWORD_RESET_VALID_FOR = timedelta(minutes=env_int("PASSWORD_RESET_VALID_MINUTES", 60, minimum=5))
INVITATION_VALID_FOR = timedelta(days=env_int("INVITATION_VALID_DAYS", 14, minimum=1))
GUARDIAN_LINK_VALID_FOR = timedelta(days=env_int("GUARDIAN_LINK_VALID_DAYS", 7, minimum=1))
# "Who are our contacts?" is a public form that emails the registered guardian: at most this
# many links reach one guardian in 24 hours, so nobody can flood a guardian's inbox.
CONTACTS_LINKS_PER_GUARDIAN_PER_DAY = env_int("CONTACTS_LINKS_PER_GUARDIAN_PER_DAY", 3, minimum=1)
# Largest scan of a paper Data User Certificate the service desk may attach.
CERTIFICATE_SCAN_MAX_BYTES = env_int("CERTIFICATE_SCAN_MAX_MB", 10, minimum=1) * 1024 * 1024

# The proxies in front of the portal that append to X-Forwarded-For (portal.core.client):
# the browser's address is the one they were reached from. 0 = nothing in front.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, required=True)

# NHS CIS2 sign-in (OpenID Connect, portal.accounts.cis2, ADR 077): off unless CIS2_ISSUER
# is set; then the client id, secret and redirect URI must be set too.
CIS2_ISSUER = env_str("CIS2_ISSUER", "").rstrip("/")
CIS2_ENABLED = bool(CIS2_ISSUER)
CIS2_DISCOVERY_URL = env_str(
    "CIS2_DISCOVERY_URL",
    f"{CIS2_ISSUER}/.well-known/openid-configuration" if CIS2_ENABLED else "",
)
CIS2_CLIENT_ID = env_str("CIS2_CLIENT_ID", "")
CIS2_CLIENT_SECRET = env_str("CIS2_CLIENT_SECRET", "")
CIS2_REDIRECT_URI = env_str(
    "CIS2_REDIRECT_URI", PORTAL_BASE_URL.rstrip("/") + "/sign-in/cis2/callback"
)
CIS2_SCOPES = env_str("CIS2_SCOPES", "openid email profile")
# Authentication assurance (ADR 077): what the portal asks CIS2 for (`acr_values`), and the
# `acr` values an ID token may carry to be accepted. CIS2's authenticators are AAL2 or AAL3.
CIS2_ACR_VALUES = env_str("CIS2_ACR_VALUES", "AAL2_OR_AAL3_ANY")
CIS2_ACCEPTED_ACR = env_str("CIS2_ACCEPTED_ACR", "AAL2_OR_AAL3_ANY AAL3_ANY").split()
CIS2_DISCOVERY_CACHE_SECONDS = env_int("CIS2_DISCOVERY_CACHE_SECONDS", 3600, minimum=0)
# Seconds the portal waits for CIS2 (discovery, keys, token), and the clock skew allowed
# when checking the ID token's times.
CIS2_TIMEOUT_SECONDS = env_int("CIS2_TIMEOUT_SECONDS", 10, minimum=1)
CIS2_LEEWAY_SECONDS = env_int("CIS2_LEEWAY_SECONDS", 60, minimum=0)
if CIS2_ENABLED:
    _missing = [
        name
        for name, value in (
            ("CIS2_CLIENT_ID", CIS2_CLIENT_ID),
            ("CIS2_CLIENT_SECRET", CIS2_CLIENT_SECRET),
            ("CIS2_REDIRECT_URI", CIS2_REDIRECT_URI),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(f"CIS2_ISSUER is set, so {', '.join(_missing)} must be too.")
    if "openid" not in CIS2_SCOPES.split():
        raise ImproperlyConfigured("CIS2_SCOPES must include openid.")

# Shared by every web process and the worker (rate limits count across all of them).
CACHES = {
    "default": {
        "BACKEND": "portal.core.cache.AtomicDatabaseCache",
        "LOCATION": "portal_cache",
    }
}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists the cache backends it knows; ours is the database cache with
    # an atomic increment (portal.core.cache, tested in tests/core/test_throttling.py).
    "django_ratelimit.W001",
    # django-axes locks accounts only; addresses are throttled by django-ratelimit.
    "axes.W006",
]

# Sign-in throttling (portal.accounts.throttle, ADR 071): failures per account (django-axes)
# and per client address (django-ratelimit) within the window lock further attempts.
SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 5
SIGN_IN_MAX_FAILURES_PER_IP = env_int("SIGN_IN_MAX_FAILURES_PER_IP", 20, minimum=1)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = SIGN_IN_MAX_FAILURES_PER_ACCOUNT
AXES_COOLOFF_TIME = SIGN_IN_WINDOW
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account; addresses are django-ratelimit's
AXES_USERNAME_FORM_FIELD = "email"
AXES_USERNAME_CALLABLE = "portal.accounts.throttle.username"
AXES_CLIENT_IP_CALLABLE = "portal.core.client.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "portal.accounts.views.sign_in.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail
AXES_ENABLE_ADMIN = False
AXES_SENSITIVE_PARAMETERS = ["password", "code", "csrfmiddlewaretoken"]
AXES_VERBOSE = False

# Rate limits per client address (portal.core.ratelimits): "N/period" with period
# s, m, h or d (e.g. 10/h). Each application and contacts lookup emails a guardian.
RATE_LIMITS = {
    "apply": env_str("RATE_LIMIT_APPLY", "10/h"),
    "contacts": env_str("RATE_LIMIT_CONTACTS", "10/h"),
    "password-reset": env_str("RATE_LIMIT_PASSWORD_RESET", "5/h"),
    "api": env_str("RATE_LIMIT_API", "600/m"),
}

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# "json": one JSON object a line (time, level, logger, message, request_id), for the log
# platform; "text" reads better in a terminal. Never an NHS number, birth date, postcode or
# link token either way (portal.core.log_filters).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "portal.core.log_filters.RequestId"},
        "redact_tokens": {"()": "portal.core.log_filters.RedactTokenPaths"},
        "redact_patient_identifiers": {"()": "portal.core.log_filters.RedactPatientIdentifiers"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact_tokens", "redact_patient_identifiers"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # runserver's request lines; Django's default handler for it has no filter.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
FORM_RENDERER = "portal.core.forms.NHSUKFormRenderer"

# Submissions (portal.submissions): uploads stream to disk in chunks, never whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
SUBMISSIONS_MAX_UPLOAD_BYTES = env_int("SUBMISSIONS_MAX_UPLOAD_BYTES", 2 * 1024**3, minimum=1)
if STORE_BACKEND == "s3" and SUBMISSIONS_MAX_UPLOAD_BYTES > 5 * 1000**3:
    # An upload is moved into place by one server-side copy, which S3 allows up to 5 GB.
    raise ImproperlyConfigured(
        "SUBMISSIONS_MAX_UPLOAD_BYTES must be at most 5000000000 when STORE_BACKEND=s3."
    )
# Records whose test date falls outside the chosen reporting period are errors unless this is on.
SUBMISSIONS_ALLOW_OTHER_MONTHS = env_bool("SUBMISSIONS_ALLOW_OTHER_MONTHS", default=False)
# What an error rejects: "file" (any error rejects the file, as the national DID portal
# did) or "record" (an error rejects its record, as the national pipeline does).
SUBMISSIONS_REJECTION = env_str("SUBMISSIONS_REJECTION", "file")
if SUBMISSIONS_REJECTION not in ("file", "record"):
    raise ImproperlyConfigured("SUBMISSIONS_REJECTION must be 'file' or 'record'")
# National timetable: accepted until the end of the Nth month after the period; the monthly
# publication takes files received by this day of the month after the period.
SUBMISSIONS_WINDOW_MONTHS = env_int("SUBMISSIONS_WINDOW_MONTHS", 1, minimum=1)
SUBMISSIONS_PUBLICATION_CUTOFF_DAY = env_int("SUBMISSIONS_PUBLICATION_CUTOFF_DAY", 26, minimum=1)
SUBMISSIONS_REMINDER_DAYS = env_int("SUBMISSIONS_REMINDER_DAYS", 5, minimum=0)
SUBMISSIONS_IMAGING_CODES = env_str("SUBMISSIONS_IMAGING_CODES", "")
# Raw uploads (as the provider sent them: NHS numbers, birth dates, postcodes) are deleted
# this many days after their validation finished; the accepted records stay in the store.
SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS = env_int(
    "SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS", 30, minimum=1
)

# Production refuses to start with an unsafe value; every problem is named at once.
if PRODUCTION:
    problems = []
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be a random value of at least 50 characters")
    if not all(fernet_key_is_valid(key) for key in FIELD_ENCRYPTION_KEYS):
        problems.append("FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes)")
    if len(AUDIT_SEAL_KEY) < 32 or AUDIT_SEAL_KEY in (SECRET_KEY, *FIELD_ENCRYPTION_KEYS):
        problems.append("AUDIT_SEAL_KEY must be a random value of its own, at least 32 characters")
    if DEBUG:
        problems.append("DEBUG must be false")
    if "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the portal's hosts, not '*'")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append("DATABASE_URL must name a PostgreSQL database, not SQLite")
    if not SECURE_COOKIES:
        problems.append("SECURE_COOKIES must be true (cookies only over HTTPS)")
    if not SECURE_SSL_REDIRECT:
        problems.append("SECURE_SSL_REDIRECT must be true (plain HTTP is redirected to HTTPS)")
    if SECURE_HSTS_SECONDS < 31536000:
        problems.append("SECURE_HSTS_SECONDS must be at least 31536000 (one year of HSTS)")
    if CIS2_ENABLED and not all(
        url.startswith("https://") for url in (CIS2_ISSUER, CIS2_DISCOVERY_URL, CIS2_REDIRECT_URI)
    ):
        problems.append("CIS2_ISSUER, CIS2_DISCOVERY_URL and CIS2_REDIRECT_URI must be https")
    if problems:
        raise ImproperlyConfigured(
            "Unsafe production settings: " + "; ".join(problems) + " (see docs/configuration.md)."
        )
