"""One settings module, driven by environment variables.

Development (the default) needs nothing set: SQLite in the project folder, a fixed
insecure key, console e-mail. Production sets DJANGO_ENV=production and must then supply
DJANGO_SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS; the process refuses to start without a
secret key rather than run with a guessable one.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_forms_gds",
    "guardian",
    "django_fsm_log",
    "axes",
    "viewflow",
    "viewflow.workflow",
    "core",
    "agencies",
    "actions",
    "scr",
    "audits",
    "challenge_log",
    "risk_register",
    "improvement_plan",
    "workflows",
    "overview",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (with request.csp_nonce), Permissions-Policy, and no-store
    # for signed-in responses; after WhiteNoise, so static files stay cacheable.
    "core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.partnership",
                "core.context_processors.error_message",
                # manages_tasks: the navigation links to Team tasks (lazy, one read)
                "workflows.context_processors.task_navigation",
            ],
        },
    }
]

if PRODUCTION and not os.environ.get("DATABASE_URL"):  # empty counts as unset
    raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_ENV=production")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the scheduler read while the other writes;
    # IMMEDIATE makes a writing transaction take the lock at BEGIN, so two writers
    # queue rather than fail half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the pages' queries are short, but a permission subquery can make the
    # planner's cost estimate large enough to JIT-compile one, which took 4 to 5 s of a
    # 0.1 s action list at 500,000 tasks (issue 13). PostgreSQL's JIT is for analytics.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Forgotten password (core/views.py): the e-mailed link works once and for this many
# seconds (default one hour); an account is sent at most PASSWORD_RESET_PER_HOUR links
# an hour (the page answers the same whether or not one was sent).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))
PASSWORD_RESET_PER_HOUR = int(os.environ.get("PASSWORD_RESET_PER_HOUR", "3"))
# A failed CSRF check (a form left open too long) gets the service's own 403 page.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Guardian: no anonymous user row; permissions on the Agency use the direct-FK tables.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False

# Sessions end after eight idle hours and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Saved when it changes or when its expiry was last slid forward more than a few minutes
# ago (core.sessions), not on every request: the idle timeout without a write a click.
SESSION_ENGINE = "core.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login lockout (agencies/lockout.py): five failures lock the username from that
# address for an hour; thirty from one address, over any usernames, lock the address.
# The address is REMOTE_ADDR, or X-Forwarded-For read past TRUSTED_PROXY_COUNT proxies.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "agencies.lockout.client_ip_address"
AXES_HANDLER = "agencies.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds every subdomain of the partnership's domain to HTTPS in the
        # browsers' built-in list and takes months to undo, so it is the domain owner's
        # decision (SECURE_HSTS_PRELOAD=true), not a default; until then the reminder
        # would make `check --deploy` fail on every install.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# GOV.UK Frontend's compiled CSS asks for /assets/fonts/... and /assets/images/..., so
# static files are served from /assets/ and the two asset folders sit at its root.
STATIC_URL = "/assets/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    NODE_MODULES / "govuk-frontend" / "dist" / "govuk" / "assets",
    NODE_MODULES / "@ministryofjustice" / "frontend" / "moj" / "assets",
    ("govuk", NODE_MODULES / "govuk-frontend" / "dist" / "govuk"),
    ("moj", NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"),
]
# Apps' static folders are collected except those named here: django-viewflow ships its
# own Material frontend (49 MB), which we do not use, and a stylesheet in it names fonts
# the package leaves out, so collecting it fails the manifest storage (MissingFileError)
# and with no manifest every page is a 500. `check --deploy` verifies the collected set
# (core.checks).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "core.staticfiles.AppDirectoriesFinder",
]
STATICFILES_SKIP_APPS = ["viewflow"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media-not-served/"  # evidence files are only ever served through permission checks
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "safeguarding-partnership@localhost")

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# API tokens (agencies/tokens.py): they last this many seconds from issue, never extended.
API_TOKEN_TTL = int(os.environ.get("API_TOKEN_TTL", str(8 * 60 * 60)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "agencies.tokens.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # ?limit= (at most core.api.MAX_PAGE_SIZE) and ?offset=, checked: bad values are a 400
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguarding partnership assurance API",
    "DESCRIPTION": "Every list is scoped to the agencies the caller holds permissions on.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's script is served from our static files, never a CDN.
    "REDOC_DIST": "SIDECAR",
    # Several models have a field named "kind": each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "agencies.models.AgencyKind",
        "ReviewKindEnum": "scr.models.ReviewKind",
        "ChallengeKindEnum": "challenge_log.models.ChallengeKind",
        "MilestoneKindEnum": "actions.models.MilestoneKind",
        "ReferenceKindEnum": "improvement_plan.models.ReferenceKind",
        "InspectionKindEnum": "improvement_plan.models.InspectionKind",
        "TemplateKindEnum": "audits.models.TemplateKind",
    },
    # 400 / 403 / 404 (and each step's 409) on every operation that answers them, with
    # their bodies: core.openapi.document_error_responses
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.document_error_responses",
    ],
}

# The partnership using this install: its name brands the header.
PARTNERSHIP_NAME = os.environ.get("PARTNERSHIP_NAME", "Barnet Safeguarding Children Partnership")
# Who to contact (the help, privacy and accessibility pages): the partnership's business
# unit, and its data protection officer (default: the business unit's address).
PARTNERSHIP_CONTACT_EMAIL = os.environ.get(
    "PARTNERSHIP_CONTACT_EMAIL", "safeguarding-partnership@example.org"
)
DATA_PROTECTION_OFFICER_EMAIL = (
    os.environ.get("DATA_PROTECTION_OFFICER_EMAIL") or PARTNERSHIP_CONTACT_EMAIL
)

# Outbox: how many times a notification is tried before it is left as failed.
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
# Outbox rate: at most this many e-mails per scheduler pass (one a minute), starting no new
# chunk of 200 after OUTBOX_PASS_SECONDS. 2,500 a pass sends a day's reminders (about
# 10,000 for 5,000 overdue actions) in four or five minutes (issue 13).
OUTBOX_SEND_PER_PASS = int(os.environ.get("OUTBOX_SEND_PER_PASS", "2500"))
OUTBOX_PASS_SECONDS = float(os.environ.get("OUTBOX_PASS_SECONDS", "50"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
