"""Settings, read from the environment so one codebase runs embedded or scaled out.

With nothing set: SQLite in WAL mode and SqliteHuey, both under var/.
DATABASE_URL switches to PostgreSQL; REDIS_URL switches huey to Redis.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from . import logs

ROOT_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("PLATFORM_VAR_DIR", ROOT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Where flow templates, entity schemas and plugins live; tests point these elsewhere.
FLOWS_DIR = Path(os.environ.get("PLATFORM_FLOWS_DIR", ROOT_DIR / "flows"))
SCHEMAS_DIR = Path(os.environ.get("PLATFORM_SCHEMAS_DIR", ROOT_DIR / "schemas"))

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-change-me")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("Set DJANGO_SECRET_KEY when DJANGO_DEBUG=0")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "api.apps.StaticFiles",  # django.contrib.staticfiles, less the API docs page's unused files (api/apps.py)
    "huey.contrib.djhuey",
    "axes",  # login throttling and the audit of logins (docs/deployment.md)
    "simple_history",
    "accounts",
    "kernel",
    "engine",
    "web",
    "extensions",  # the plugin host: hooks, rule sets (docs/plugins.md)
    "plugins.pricing",
    "plugins.commission",
    "plugins.points",
    "figures",  # management figures and targets (docs/figures.md)
    "imports",  # spreadsheets in and out (docs/imports.md)
    "bundles",  # client configuration as files (docs/bundles.md)
    "documents",  # printed documents: templates per project, PDF, receipts (docs/documents.md)
    "notifications",  # the bell, emails and SMS of work meant for a person (docs/notifications.md)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, installed with the package (nothing fetched at run time)
    "api",  # the REST API under /api/v1/ (docs/api.md)
]

MIDDLEWARE = [
    "web.request_log.RequestLogMiddleware",  # first: its request id is on every line the request logs
    "django.middleware.security.SecurityMiddleware",
    "web.query_strings.StripNulMiddleware",  # a NUL in a query string would reach PostgreSQL as a 500
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files without a separate server
    "csp.middleware.CSPMiddleware",  # the content security policy below, with a nonce per response
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # who changed a customer in the admin
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a locked-out login into its page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "web.context.user_projects",
                "web.context.vendor_assets",
            ],
        },
    },
]


def _database() -> Mapping[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"].endswith("sqlite3"):
            config.setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
        elif os.environ.get("PLATFORM_PREPARED_STATEMENTS", "1") != "0":
            # The engine prepares its hot statements (engine/runtime/rows.py). Django turns
            # prepared statements off (prepare_threshold None) for transaction-mode poolers;
            # a threshold no statement reaches lets the engine's explicit prepares through
            # and leaves the ORM's statements unprepared, as Django has them.
            config.setdefault("OPTIONS", {}).setdefault("prepare_threshold", sys.maxsize)
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "platform.sqlite3",
        "OPTIONS": dict(_SQLITE_OPTIONS),
    }


# WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock
# at BEGIN so two writers queue instead of failing with "database is locked" mid-way.
_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out user before a password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one user name, that name
# is locked for the cool-off time, from every address. Not by address: a sales office's
# consultants share one, and one typist's mistakes would lock them all out.
AXES_FAILURE_LIMIT = int(os.environ.get("PLATFORM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PLATFORM_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # "add ip_address": on purpose not, see above
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PLATFORM_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [ROOT_DIR / "platform" / "locale"]
TIME_ZONE = os.environ.get("PLATFORM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it; WhiteNoise wants it to exist
# WhiteNoise serves static files from the web processes. Debugging, it reads the apps'
# folders directly; otherwise what `collectstatic` put in STATIC_ROOT, compressed and
# with content hashes in the names, cached for a year (bin/_env.sh collects them).
WHITENOISE_USE_FINDERS = DEBUG
# Source maps are read by developers' tools only: compressing mermaid's 20 MB map with Brotli took most of a
# deploy's collectstatic (minutes on a busy machine); they are served uncompressed.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*__import__("whitenoise.compress", fromlist=["Compressor"])
                                       .Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Browser assets installed from the npm registry by bin/_env.sh (package.json); each optional.
NPM_DIR = ROOT_DIR / ".venv" / "npm" / "node_modules"
MERMAID_DIR = NPM_DIR / "mermaid" / "dist"  # the studio draws diagrams when it is there
MERMAID_AVAILABLE = (MERMAID_DIR / "mermaid.min.js").exists()
# The pages' files from those packages are listed one by one (web/vendor_files.py), not their folders.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "web.vendor_files.VendorFinder",
]
_VENDOR = {"mermaid": "mermaid/dist", "htmx": "htmx.org/dist", "tom-select": "tom-select/dist",
           "echarts": "echarts/dist"}  # name -> folder
VENDOR_ASSETS = frozenset(name for name, folder in _VENDOR.items() if (NPM_DIR / folder).is_dir())

LOGIN_URL = "web:login"

# Email (notifications): printed to the console unless EMAIL_BACKEND names another backend, e.g.
# django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS (docs/notifications.md).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
# the address links in emails start with; the SMS/WeChat backend a client's plugin provides
NOTIFICATION_SITE_URL = os.environ.get("PLATFORM_SITE_URL", "http://localhost:8000")
NOTIFICATION_SMS_BACKEND = os.environ.get("NOTIFICATION_SMS_BACKEND", "notifications.channels.LoggingSms")
# reminders (notifications.reminders): how long before a hold ends its consultant is told, of which flows,
# and the local hour the day's follow-ups are announced
NOTIFICATION_EXPIRY_LEAD_HOURS = int(os.environ.get("NOTIFICATION_EXPIRY_LEAD_HOURS", "24"))
NOTIFICATION_EXPIRING_FLOWS = ("reservation",)
NOTIFICATION_FOLLOW_UP_HOUR = int(os.environ.get("NOTIFICATION_FOLLOW_UP_HOUR", "8"))
# payments due or overdue and customers' birthdays: told from this local hour of each project's day, a line
# this many days before it falls due (0: on the day)
NOTIFICATION_MORNING_HOUR = int(os.environ.get("NOTIFICATION_MORNING_HOUR", "8"))
NOTIFICATION_PAYMENT_LEAD_DAYS = int(os.environ.get("NOTIFICATION_PAYMENT_LEAD_DAYS", "3"))
# webhooks to loopback and private networks (refused by default: SSRF; docs/api.md): on-premise installs only
WEBHOOK_ALLOW_PRIVATE_TARGETS = os.environ.get("PLATFORM_WEBHOOK_ALLOW_PRIVATE_TARGETS") == "1"
# deliveries leave through this proxy (HTTP CONNECT to the checked address) where outbound traffic must (api/targets.py)
WEBHOOK_PROXY = os.environ.get("PLATFORM_WEBHOOK_PROXY", "")
LOGIN_REDIRECT_URL = "web:inbox"
# A list longer than this is exported by a background job with a progress page (imports.export_jobs)
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("PLATFORM_EXPORT_INLINE_MAX_ROWS", "5000"))
# An export job's file is deleted this many days after it was written (the job stays, saying so; imports.tasks)
EXPORT_KEEP_DAYS = int(os.environ.get("PLATFORM_EXPORT_KEEP_DAYS", "7"))

# Huey: SqliteHuey under var/ by default, Redis when REDIS_URL is set. Tasks run in
# a consumer process, never inline, unless HUEY_IMMEDIATE=1 (used by the test suite).
_REDIS_URL = os.environ.get("REDIS_URL")
if _REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("HUEY_NAME", "platform"),
        "url": _REDIS_URL,
        "immediate": os.environ.get("HUEY_IMMEDIATE") == "1",
        "utc": True,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": os.environ.get("HUEY_NAME", "platform"),
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": os.environ.get("HUEY_IMMEDIATE") == "1",
        "utc": True,
    }

LOGGING = logs.config(VAR_DIR / "log", os.environ.get("PLATFORM_LOG_LEVEL", "INFO"))

# Behind HTTPS (docs/deployment.md): PLATFORM_HTTPS=1 turns on the redirect, secure
# cookies and HSTS; `manage.py check --deploy` is then clean. The demo runs without.
HTTPS = os.environ.get("PLATFORM_HTTPS") == "1"
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("PLATFORM_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS and os.environ.get("PLATFORM_HSTS_PRELOAD", "1") == "1"
if os.environ.get("PLATFORM_BEHIND_PROXY") == "1":  # the proxy ends TLS and says so in this header
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SESSION_COOKIE_AGE = int(os.environ.get("PLATFORM_SESSION_HOURS", "12")) * 3600  # a working day
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp): scripts only from this site or inline with the
# response's nonce (templates: nonce="{{ request.csp_nonce }}"), no inline handlers, no
# other origins for anything. Styles may be inline: Mermaid's diagrams and htmx style
# their own elements. PLATFORM_CSP=report-only reports instead of enforcing.
_POLICY = {"DIRECTIVES": {
    "default-src": [SELF], "script-src": [SELF, NONCE], "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"], "font-src": [SELF, "data:"], "connect-src": [SELF],
    "object-src": [NONE], "base-uri": [SELF], "form-action": [SELF], "frame-ancestors": [NONE],
}}
if os.environ.get("PLATFORM_CSP") == "report-only":
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _POLICY
else:
    CONTENT_SECURITY_POLICY = _POLICY
SECURE_REFERRER_POLICY = "same-origin"

# The REST API (docs/api.md). Tokens and sessions; errors as problem details (RFC 9457);
# cursor pagination; one rate per token (or per user on a session) from the "api" cache:
# Redis when REDIS_URL is set, so every web process counts together, else this process's memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL, "KEY_PREFIX": "api"}
            if _REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.BearerTokenAuthentication",
                                       "rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "api.auth.TokenScope"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DecimalJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.ExactJSONRenderer"],  # JSON only: /api/docs/ is the page
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("PLATFORM_API_RATE", "600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Real-estate workflow platform API",
    "DESCRIPTION": "Projects, units, customers, records of every flow, tasks and payments (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}
