"""Settings for the simulator process. Independent of arcadium.settings on purpose."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SIMULATOR_VAR_DIR", str(BASE_DIR.parent.parent / "var")))

DEBUG = False
SECRET_KEY = os.environ.get("SIMULATOR_SECRET_KEY", "ringcentral-simulator-not-a-real-secret")  # noqa: S105
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "channels",
    "telephony.simulator.platform",
    "telephony.simulator.voice",
    "telephony.simulator.webphone",
]
MIDDLEWARE = [
    "telephony.simulator.platform.middleware.FaultInjectionMiddleware",
    "telephony.simulator.platform.middleware.RateLimitMiddleware",
]
ROOT_URLCONF = "telephony.simulator.urls"
ASGI_APPLICATION = "telephony.simulator.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

_db_url = os.environ.get("SIMULATOR_DATABASE_URL")
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SIMULATOR_DB_PATH", str(VAR_DIR / "simulator.sqlite3")),
            # IMMEDIATE: take the write lock when a transaction starts, so the server and the
            # management commands (simulate_call) writing the same file wait instead of failing.
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

# Behaviour knobs (tests shorten them through the environment of the simulator process).
SIM_ACCESS_TOKEN_TTL = int(os.environ.get("SIM_ACCESS_TOKEN_TTL", "3600"))
SIM_REFRESH_TOKEN_TTL = int(os.environ.get("SIM_REFRESH_TOKEN_TTL", "604800"))
SIM_AUTH_CODE_TTL = int(os.environ.get("SIM_AUTH_CODE_TTL", "60"))
SIM_WS_TOKEN_TTL = int(os.environ.get("SIM_WS_TOKEN_TTL", "60"))
# Seconds an already used refresh token still returns its successor (RingCentral: ~10); 0 = strict.
SIM_REFRESH_GRACE = int(os.environ.get("SIM_REFRESH_GRACE", "0"))
# host:port of the SIP WebSocket over TLS (`__main__` sets it to the port it serves); sip-provision
# hands it out as `outboundProxy`.
SIM_SIP_PROXY = os.environ.get("SIM_SIP_PROXY", "127.0.0.1:8002")
SIM_RATE_LIMITS_ENABLED = os.environ.get("SIM_RATE_LIMITS", "1") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SIM_LOG_LEVEL", "WARNING")},
    # A browser's /favicon.ico and other 4xx answers are normal here; keep `make run`'s console quiet.
    "loggers": {"django.request": {"level": "ERROR"}},
}
