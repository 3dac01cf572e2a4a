"""Netloom settings, all from the environment.

With nothing set, the embedded default: a SQLite file, an in-process channel layer and an
in-process Celery worker on the memory transport. With `DATABASE_URL` and `REDIS_URL` set:
PostgreSQL, Redis as Celery broker and as the Channels layer.

- `NETLOOM_DEBUG=1` turns DEBUG on (off by default).
- `NETLOOM_SECRET_KEY` is required when DEBUG is off and a database URL is set (production).
- `NETLOOM_ALLOWED_HOSTS`, comma-separated (default: localhost names).
- `NETLOOM_SECURE=1` (production behind TLS): secure cookies, HSTS, HTTPS redirect.
- `NETLOOM_DRIFT_INTERVAL`: seconds between two observations of a deployed topology's hosts
  looking for drift (default 30).
- `NETLOOM_FABRIC_PREFIX`: the lab fabric that the API and `manage.py fabric` manage, by the
  2 to 5 lower-case letters every one of its kernel objects is named from (default `nlfab`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NETLOOM_VAR_DIR", BASE_DIR / "var"))


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("NETLOOM_DEBUG")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not REDIS_URL


def _secret_key() -> str:
    key = os.environ.get("NETLOOM_SECRET_KEY")
    if key:
        return key
    # Embedded mode keeps a generated key in var/, so sessions survive a restart.
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = get_random_secret_key() + get_random_secret_key()
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("NETLOOM_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("NETLOOM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "designer",
]

MIDDLEWARE = [
    "designer.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "designer.urls"
ASGI_APPLICATION = "designer.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "netloom.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not memory, so the browser tests' server process can open it too.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The built front end (make setup runs Vite into frontend/dist), collected under /static/app/.
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("app", FRONTEND_DIST)] if FRONTEND_DIST.is_dir() else []
# WhiteNoise reads this folder when the app starts; collectstatic fills it.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Request bodies: a topology document of the largest allowed size fits well inside this;
# anything larger is refused with 413 before it is read.
NETLOOM_MAX_REQUEST_BYTES = int(os.environ.get("NETLOOM_MAX_REQUEST_BYTES", 32 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = NETLOOM_MAX_REQUEST_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "designer.api.authentication.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "designer.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Netloom API",
    "DESCRIPTION": "Design, validate and deploy cloud and container network topologies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from this server, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets are both called "role"; name each after what it is.
    "ENUM_NAME_OVERRIDES": {
        "ProjectRoleEnum": "designer.models.projects.Role",
        "HostRoleEnum": "designer.models.hosts.HostRole",
        "DrillKindEnum": "designer.models.failover.DrillKind",
    },
}

CHANNEL_LAYERS: dict[str, dict[str, object]]
# A socket's channel holds up to CHANNEL_CAPACITY messages while its consumer is busy; past
# that the layer drops messages. Clients detect the gap in revision numbers and catch up, so a
# drop is never silent, but a roomy channel makes it rare.
CHANNEL_CAPACITY = 2000
if EMBEDDED:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels_redis blocks 5 s at a time waiting for a socket's next message; redis-py's
            # own read timeout (5 s by default since redis 8) must be longer, or an idle
            # socket's wait times out and its consumer dies.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "capacity": CHANNEL_CAPACITY,
            },
        }
    }

# Celery: Redis in production; in embedded mode the memory transport, consumed by a worker
# thread inside the web process (tasks.embedded). Its poll interval is cut from the default
# 1 s to 10 ms so a task does not wait a poll before it starts.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# With Redis, a task whose worker died (SIGKILL, power loss) goes back to the queue once it
# has been unacknowledged this long; it must exceed every task's hard time limit.
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("NETLOOM_BROKER_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, float] = (
    {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        # Look for such tasks this often (kombu's default sweep is every 100 s).
        "unacked_restore_interval": min(10, BROKER_VISIBILITY_TIMEOUT),
        "unacked_restore_throttle": 1,
    }
    if REDIS_URL
    else {"polling_interval": 0.01}
)
CELERY_TASK_ACKS_LATE = True
# A deployed topology's hosts are observed this often, for what changed outside Netloom (drift):
# a chain of delayed tasks, since the embedded mode has no beat scheduler.
NETLOOM_DRIFT_INTERVAL = float(os.environ.get("NETLOOM_DRIFT_INTERVAL", "30"))
# The lab fabric on this machine. Letters only, as `tasks.fabric.spec.PREFIX_PATTERN` says:
# checked here, so a bad value stops the app at start rather than failing a request later.
NETLOOM_FABRIC_PREFIX = os.environ.get("NETLOOM_FABRIC_PREFIX", "nlfab")
if not re.fullmatch(r"[a-z]{2,5}", NETLOOM_FABRIC_PREFIX):
    raise ImproperlyConfigured(
        f"NETLOOM_FABRIC_PREFIX must be 2 to 5 lower-case letters, not {NETLOOM_FABRIC_PREFIX!r}"
    )
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

if _flag("NETLOOM_SECURE"):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NETLOOM_LOG_LEVEL", "INFO")},
}
