"""OneWindow settings: one env-driven file.

Environment variables (all optional):
  ONEWINDOW_DEBUG            "1" for development (default "0")
  ONEWINDOW_SECRET_KEY       required when DEBUG is off in production
  ONEWINDOW_ALLOWED_HOSTS    comma-separated (default "localhost,127.0.0.1")
  ONEWINDOW_DATA_DIR         where the SQLite file and uploads live (default ./var)
  DATABASE_URL               e.g. postgres://user@host:5432/db; SQLite when unset
  ONEWINDOW_DB_PREPARED      "0" turns off prepared statements on PostgreSQL (default "1")
  ONEWINDOW_TIME_ZONE        default Asia/Shanghai
  ONEWINDOW_PUBLIC_URL       the public site's address (e.g. https://zwfw.example.gov.cn), for
                             QR codes on printed and archived receipts
  ONEWINDOW_MAX_UPLOAD_MB    largest accepted upload (default 20)
  ONEWINDOW_CASE_FILE_MAX_MB largest scan or photo uploaded for a case (default 10)
  ONEWINDOW_CLIENT_IP_HEADER behind a proxy, the header with the client's address (HTTP_X_REAL_IP)
  ONEWINDOW_CASE_YELLOW_SHARE share of a case's time after which its light is yellow (0.8)
  ONEWINDOW_QUESTION_ANSWER_DAYS working days to answer an online question (3)
  ONEWINDOW_ANSWER_REVIEW_DAYS days after which an answer is flagged for review (365)
  ONEWINDOW_COMPLAINT_REPLY_DAYS working days to reply to a complaint (10)
"""

import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from onewindow.core.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("ONEWINDOW_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("ONEWINDOW_DEBUG", False)
SECRET_KEY = env("ONEWINDOW_SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    # Without a configured key, derive a per-installation key kept in the data dir.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        _key_file.write_text(SECRET_KEY)
        _key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("ONEWINDOW_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Where citizens reach the site; receipts rendered without a request (the archive worker) need it.
ONEWINDOW_PUBLIC_URL = env("ONEWINDOW_PUBLIC_URL", "").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("ONEWINDOW_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "onewindow.core",
    "onewindow.accounts",
    "onewindow.catalog",
    "onewindow.halls",
    "onewindow.tickets",
    "onewindow.cases",
    "onewindow.knowledge",
    "onewindow.consult",
    "onewindow.complaints",
    "onewindow.assist",
    "onewindow.rosters",
    "onewindow.evaluations",
    "onewindow.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "onewindow.urls"

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
                "onewindow.core.context_processors.site",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

WSGI_APPLICATION = "onewindow.wsgi.application"

DATABASE_URL = env("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool(
        "ONEWINDOW_DB_PREPARED", True
    ):
        # Server-side parameters, and statements prepared on each connection after a few
        # runs: the queue's hot queries are parsed and planned once per connection instead of
        # on every call (docs/operations.md). Turn off behind a pooler in transaction mode.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": env_int("ONEWINDOW_DB_PREPARE_THRESHOLD", 5),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "onewindow.sqlite3"),
            "OPTIONS": {
                # BEGIN IMMEDIATE: writers take the lock up front, so two windows racing
                # for one ticket queue up instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
# Tests normally use an in-memory SQLite database. Browser journeys and threaded tests need a file
# (WAL + busy timeout), since in-memory shared-cache tables lock instead of waiting.
if env("ONEWINDOW_TEST_SQLITE_FILE") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": env("ONEWINDOW_TEST_SQLITE_FILE")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "catalog:guide-home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("ONEWINDOW_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# After `collectstatic` (the demo and production do it), hashed file names and compressed copies
# are served by WhiteNoise; without it (tests, development) files come from the app folders.
_MANIFEST = not DEBUG and (
    (STATIC_ROOT / "staticfiles.json").exists() or sys.argv[1:2] == ["collectstatic"]
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _MANIFEST
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Uploaded files under these prefixes are served only to staff holding the permission. None:
# never through /media/ at all (a case's files are streamed by `cases` views that check the case).
ONEWINDOW_PROTECTED_MEDIA: dict[str, str | None] = {
    "catalog/agreements/": "catalog.view_delegationagreement",
    "cases/": None,
}

MAX_UPLOAD_MB = env_int("ONEWINDOW_MAX_UPLOAD_MB", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Scans and photos of a case's materials (checked by content in `cases.uploads`). Django's own
# limits above do not stop them first: DATA_UPLOAD_MAX_MEMORY_SIZE leaves file data out, and
# files over FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file.
ONEWINDOW_CASE_FILE_MAX_MB = env_int("ONEWINDOW_CASE_FILE_MAX_MB", 10)
# Behind a reverse proxy: the request header carrying the client's address (e.g. HTTP_X_REAL_IP),
# so the online application's SMS codes are throttled per applicant, not per proxy.
ONEWINDOW_CLIENT_IP_HEADER = env("ONEWINDOW_CLIENT_IP_HEADER", "")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("ONEWINDOW_LOG_LEVEL", "INFO")},
    # WeasyPrint logs each rendering step of every archived PDF at INFO.
    "loggers": {"jieba": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

# Where ticket SMS go; the default writes them to the log (like Django's console e-mail backend).
ONEWINDOW_SMS_BACKEND = env("ONEWINDOW_SMS_BACKEND", "onewindow.tickets.sms.LogBackend")

# How long each server process reuses a hall's display feed (seconds; 0: never). Many screens
# polling every second then cost one computation per hall and process, not one per screen.
ONEWINDOW_DISPLAY_CACHE_SECONDS = float(env("ONEWINDOW_DISPLAY_CACHE_SECONDS", "0.5"))

# How long each server process trusts an API token it has checked (seconds; 0: check every
# request). A revoked token stops working within this time.
ONEWINDOW_API_TOKEN_CACHE_SECONDS = float(env("ONEWINDOW_API_TOKEN_CACHE_SECONDS", "10"))

# How long each server process reuses the working-day calendar and the delegated powers of an
# item (seconds; 0: read them afresh each time). A change made in one process is seen there at
# once and in the others within this time.
ONEWINDOW_CALENDAR_CACHE_SECONDS = float(env("ONEWINDOW_CALENDAR_CACHE_SECONDS", "60"))
ONEWINDOW_DELEGATION_CACHE_SECONDS = float(env("ONEWINDOW_DELEGATION_CACHE_SECONDS", "10"))

# 好差评: how long a rating link (QR code, SMS) stays valid (days), and the working days to verify
# a bad rating with the rater (回访核实) and to rectify and report back (整改).
ONEWINDOW_RATING_LINK_DAYS = env_int("ONEWINDOW_RATING_LINK_DAYS", 30)
ONEWINDOW_RATING_VERIFY_DAYS = env_int("ONEWINDOW_RATING_VERIFY_DAYS", 1)
ONEWINDOW_RATING_RECTIFY_DAYS = env_int("ONEWINDOW_RATING_RECTIFY_DAYS", 15)
# How long a window's rating pad offers the service just finished (seconds); then it stays
# "not rated".
ONEWINDOW_RATING_PAD_SECONDS = env_int("ONEWINDOW_RATING_PAD_SECONDS", 90)

# Installation identity shown on every page and printout.
ONEWINDOW_SITE_NAME = env("ONEWINDOW_SITE_NAME", "政务服务中心")
# A case's light turns yellow once this share of its working days is used (red when overdue).
ONEWINDOW_CASE_YELLOW_SHARE = float(env("ONEWINDOW_CASE_YELLOW_SHARE", "0.8"))
# 帮办代办: working days from a request to its expected completion (the helper's lights).
ONEWINDOW_ASSIST_DAYS = int(env("ONEWINDOW_ASSIST_DAYS", "5"))
# Working days within which staff answer a citizen's online question (留言咨询).
ONEWINDOW_QUESTION_ANSWER_DAYS = env_int("ONEWINDOW_QUESTION_ANSWER_DAYS", 3)
# Knowledge-base answers not reviewed for this many days are flagged for review.
ONEWINDOW_ANSWER_REVIEW_DAYS = env_int("ONEWINDOW_ANSWER_REVIEW_DAYS", 365)
# Working days from a complaint's registration (or reopening) to the reply (“办不成事”).
ONEWINDOW_COMPLAINT_REPLY_DAYS = env_int("ONEWINDOW_COMPLAINT_REPLY_DAYS", 10)

CSRF_FAILURE_VIEW = "onewindow.core.views.csrf_failure"
