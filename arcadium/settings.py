"""Arcadium settings: one module, driven by the environment.

With no environment at all (a newcomer's laptop) Arcadium runs on SQLite, an in-memory channel
layer, background work inside the web process and the built-in RingCentral simulator. Setting
DATABASE_URL / REDIS_URL switches to PostgreSQL, the Redis channel layer and a Celery worker.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from arcadium.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    isolate_parallel_test_worker,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ARCADIUM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("ARCADIUM_TESTING", False)
if TESTING:
    isolate_parallel_test_worker()

_DEV_SECRET_KEY = "dev-only-insecure-key-8m2@k!arcadium-telephony-do-not-use-in-production"  # noqa: S105 (development only, refused without DEBUG)
_DEV_FIELD_KEY = "3sV0aQ7fJmN8p1vGZk2yXb5cR9tLwE4hUo6iD0nAqCs="

SECRET_KEY = env_secret("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (set DEBUG=1 for development).")

# Fernet keys, comma-separated, newest first: the first encrypts, all of them decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", env_secret("FIELD_ENCRYPTION_KEY"))
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = [_DEV_FIELD_KEY]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    # Django admin, split by company for anyone but superusers (arcadium/admin_site.py).
    "arcadium.admin_site.ArcadiumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "arcadium.audit",
    "crm",
    "telephony",
    "telephony.callbacks",
    "telephony.insights",
    "callreports",
]

MIDDLEWARE = [
    "arcadium.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.middleware.CurrentEntityMiddleware",
    "telephony.connect.middleware.RingCentralAuthorizationMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the login form into its response.
    "arcadium.lockout.SyncAxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out user or address is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

FORM_RENDERER = "arcadium.forms.FormRenderer"  # labels without a trailing colon, everywhere
ROOT_URLCONF = "arcadium.urls"
ASGI_APPLICATION = "arcadium.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% partialdef %} everywhere without a {% load %}, as Django 6.0 will have it built in.
            "builtins": ["template_partials.templatetags.partials"],
            "libraries": {"schedule": "arcadium.templatetags.schedule"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "crm.context_processors.current_entity",
                "telephony.connect.context_processors.phone",
                "telephony.callbacks.context_processors.callback_badge",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI every request runs its sync code in a fresh thread, so per-thread persistent
    # connections (CONN_MAX_AGE) pile up until PostgreSQL refuses clients; Django's advice is a
    # driver-level pool instead. Connections are borrowed per request and returned at its end.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 20),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
        # Prepared statements only for the hot-path queries that ask for one (arcadium/prepared.py):
        # a threshold no query reaches by repetition (None would forbid preparing at all).
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2**31 - 1
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "arcadium.sqlite3"),
            # IMMEDIATE: a transaction takes the write lock up front, which is what select_for_update
            # means on PostgreSQL (token refresh relies on it).
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
            "TEST": {"NAME": VAR_DIR / "test-arcadium.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# axes.W002 looks for axes' middleware by its dotted name; ours is its sync-only subclass
# (arcadium/lockout.py), in the place axes asks for: last.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
# SQLite ignores an index's INCLUDE columns (the insights index covers its counts on PostgreSQL):
# the index still works there, so the embedded demo need not warn about it at every start.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SILENCED_SYSTEM_CHECKS += ["models.W040"]

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNELS_PREFIX", "arcadium")},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "beat": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Beat (its own process) tells the web process its next run times through files.
        "beat": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "beat"),
        },
    }

# The doors (webhook, listener) store each RingCentral notification; the ingest process
# (`manage.py run_ingest`, as many as wanted on any hosts) applies it, matches, renders and
# pushes. Inline, the door applies it itself with the same function: the embedded defaults (no
# channel layer crosses processes there) and tests that start no ingest process.
_SCALES_OUT = bool(REDIS_URL) and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
INGEST_INLINE = env_bool("INGEST_INLINE", not _SCALES_OUT)
INGEST_BATCH_SIZE = env_int("INGEST_BATCH_SIZE", 100)

# Celery: with REDIS_URL a separate worker runs tasks. Without it (the embedded defaults) the web
# process runs the tasks it starts itself, and `make run` adds one worker with beat on kombu's
# filesystem transport (files under var/celery/, no server) for the periodic schedule.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _QUEUE_DIR = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_QUEUE_DIR / "queue"),
        "data_folder_out": str(_QUEUE_DIR / "queue"),
        "control_folder": str(_QUEUE_DIR / "control"),
    }
CELERY_RESULT_BACKEND = None
# Tests keep tasks in-process (CELERY_TASK_ALWAYS_EAGER=1) except those about the queue itself.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
if CELERY_BROKER_URL.startswith("filesystem://") and not CELERY_TASK_ALWAYS_EAGER:
    (_QUEUE_DIR / "queue").mkdir(parents=True, exist_ok=True)  # the worker's queue; kombu does not create it
CELERY_BEAT_SCHEDULER = "arcadium.schedule:RecordingScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# A web process checks subscriptions and reconciles live calls once when it starts (arcadium/asgi.py).
CATCH_UP_ON_START = env_bool("CATCH_UP_ON_START", True)
CELERY_BEAT_SCHEDULE = {
    "renew-subscriptions": {"task": "telephony.connect.tasks.renew_subscriptions_task", "schedule": 300.0},
    # Webhooks: only asking RingCentral tells "no calls" from "RingCentral down" (the header icon).
    "check-subscriptions": {"task": "telephony.connect.tasks.check_subscriptions_task", "schedule": 30.0},
    "refresh-tokens": {"task": "telephony.connect.tasks.refresh_tokens_task", "schedule": 3600.0},
    "retry-events": {"task": "telephony.ingest.tasks.retry_events_task", "schedule": 60.0},
    # Live calls whose notifications were lost (RingCentral does not retry a failed delivery).
    "reconcile-live-calls": {"task": "telephony.ingest.tasks.reconcile_live_calls_task", "schedule": 60.0},
    "requeue-lookups": {"task": "telephony.wizard.tasks.requeue_lookups_task", "schedule": 30.0},
    "sync-call-logs": {"task": "telephony.history.tasks.sync_call_logs_task", "schedule": 300.0},
    "overdue-callbacks": {"task": "telephony.callbacks.tasks.notify_overdue_task", "schedule": 60.0},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm-customer-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Security: strict by default; relaxed only for local development over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not TESTING)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

RINGCENTRAL_FORM_TARGETS = [
    "https://platform.ringcentral.com",
    "https://platform.devtest.ringcentral.com",
    *(["http://127.0.0.1:*", "http://localhost:*"] if DEBUG or TESTING else []),
]
_rc_origin = env_str("RINGCENTRAL_SERVER_URL").rstrip("/")
if _rc_origin.startswith(("https://", "http://")) and _rc_origin not in RINGCENTRAL_FORM_TARGETS:
    RINGCENTRAL_FORM_TARGETS.append("/".join(_rc_origin.split("/")[:3]))

# "Answer in browser": the browser phone opens RingCentral's SIP WebSocket (wss://<outboundProxy>);
# with DEBUG the simulator serves it on 127.0.0.1.
WEBPHONE_SIP_ORIGINS = env_list(
    "WEBPHONE_SIP_ORIGINS",
    "wss://*.ringcentral.com:*" + (",wss://127.0.0.1:*,wss://localhost:*" if DEBUG or TESTING else ""),
)

# Content-Security-Policy (django-csp): scripts only from here or carrying this response's nonce,
# no inline handlers, no eval; styles likewise (htmx's indicator style gets the nonce too).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "connect-src": ["'self'", *WEBPHONE_SIP_ORIGINS],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Signing in ends in a redirect to RingCentral's login when RingCentral is ticked, and
        # browsers hold a form's whole redirect chain to form-action: name RingCentral's origins.
        "form-action": ["'self'", *RINGCENTRAL_FORM_TARGETS],
        "frame-ancestors": ["'none'"],
    }
}

# Open sockets re-check their session this often (sign-out, deactivation and password changes
# close them at once; this catches expiry and sessions removed behind Django's back).
LIVE_SESSION_CHECK_SECONDS = env_int("LIVE_SESSION_CHECK_SECONDS", 30)

# Request bodies: refused with 413 at the door (arcadium/limits.py, arcadium/daphne_limits.py).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 2 * 1024 * 1024)
WEBHOOK_BODY_MAX_BYTES = env_int("WEBHOOK_BODY_MAX_BYTES", 1024 * 1024)
WEBHOOK_BODY_PATHS = ["/telephony/webhook/"]
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures a user is locked out, and so is
# an address, for AXES_COOLOFF_MINUTES; the lockout page says when to retry. Admins unlock in
# /admin/axes/ or with `manage.py axes_reset_username <name>`.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "arcadium.login_throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the proxy daphne's --proxy-headers puts the client's address in REMOTE_ADDR.
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# RingCentral. Development and tests point at the built-in simulator (its own process and port);
# production must name an HTTPS server: guessing would send the client secret over plain HTTP.
RINGCENTRAL_SERVER_URL = env_str("RINGCENTRAL_SERVER_URL", "http://127.0.0.1:8001" if DEBUG else "")
if not RINGCENTRAL_SERVER_URL:
    raise ImproperlyConfigured(
        "RINGCENTRAL_SERVER_URL is required when DEBUG is off (e.g. https://platform.ringcentral.com)."
    )
if not (DEBUG or TESTING) and not RINGCENTRAL_SERVER_URL.startswith("https://"):
    raise ImproperlyConfigured(
        f"RINGCENTRAL_SERVER_URL must be an https:// URL when DEBUG is off; got {RINGCENTRAL_SERVER_URL!r}."
    )
RINGCENTRAL_SIMULATOR_OFFERED = DEBUG or TESTING
RINGCENTRAL_TIMEOUT_SECONDS = env_float("RINGCENTRAL_TIMEOUT_SECONDS", 10.0)
# The public base URL RingCentral delivers webhooks to (empty: WebSocket delivery via the listener).
ARCADIUM_PUBLIC_URL = env_str("ARCADIUM_PUBLIC_URL", "http://127.0.0.1:8000" if DEBUG else "")

# Reverse phone lookup for unknown callers. The offline provider (phonenumbers data) is always on;
# an HTTP caller-name service shaped like Twilio Lookup v2 is added when REVERSE_LOOKUP_URL is set.
REVERSE_LOOKUP_URL = env_str("REVERSE_LOOKUP_URL")
REVERSE_LOOKUP_ACCOUNT = env_str("REVERSE_LOOKUP_ACCOUNT")
REVERSE_LOOKUP_TOKEN = env_secret("REVERSE_LOOKUP_TOKEN")
REVERSE_LOOKUP_NAME = env_str("REVERSE_LOOKUP_NAME", "caller-name lookup")
# Ask first: after this long on hold the wizard says "Caller on hold for 1:30" in the alert colour.
TRANSFER_HOLD_NUDGE_SECONDS = env_int("TRANSFER_HOLD_NUDGE_SECONDS", 60)
REVERSE_LOOKUP_TIMEOUT_SECONDS = env_float("REVERSE_LOOKUP_TIMEOUT_SECONDS", 3.0)
REVERSE_LOOKUP_MAX_BYTES = env_int("REVERSE_LOOKUP_MAX_BYTES", 64 * 1024)
REVERSE_LOOKUP_HIT_TTL = env_int("REVERSE_LOOKUP_HIT_TTL", 7 * 24 * 3600)
REVERSE_LOOKUP_MISS_TTL = env_int("REVERSE_LOOKUP_MISS_TTL", 3600)
REVERSE_LOOKUP_MAX_RETRIES = env_int("REVERSE_LOOKUP_MAX_RETRIES", 3)
# A lookup queued this long ago and still not shown was lost (Redis or the worker down): re-queue.
REVERSE_LOOKUP_REQUEUE_SECONDS = env_int("REVERSE_LOOKUP_REQUEUE_SECONDS", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"expected_refusals": {"()": "arcadium.request_log.DropExpectedRefusals"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["expected_refusals"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own DEBUG-only console handler, so its records pass our filter once.
        "django": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO"), "propagate": False},
        "daphne": {"level": "WARNING"},
        # "Task … received/succeeded" for every task: quiet unless asked (the tests' worker asks).
        "celery": {"level": env_str("CELERY_LOG_LEVEL", "WARNING")},
        "django.channels.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
