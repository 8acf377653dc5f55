"""Django settings, read from environment variables (see docs/operations.md).

LEARNCITY_DATABASE_URL  sqlite:///path or postgresql://user:pass@host:port/name
                        (default: SQLite in WAL mode at var/learncity.sqlite3)
LEARNCITY_SECRET_KEY    (default: a random key kept in var/secret_key)
LEARNCITY_DEBUG         true/false (default: false)
LEARNCITY_ALLOWED_HOSTS comma-separated (default: 127.0.0.1,localhost,[::1])
LEARNCITY_TLS           true when served over HTTPS: redirect, secure cookies, HSTS (default: false)
LEARNCITY_CACHE_URL     the rate limits' shared store: empty (the database) or redis://...
LEARNCITY_TRUSTED_PROXIES  proxies whose X-Forwarded-For names the client (default: none)
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import re
from pathlib import Path
from typing import Any

import dj_database_url

from learncity.config import env
from learncity.core.errors import ConfigurationError

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env.secret_key()
DEBUG = env.env_bool("LEARNCITY_DEBUG", False)
ALLOWED_HOSTS = env.env_list("LEARNCITY_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.env_list("LEARNCITY_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's Swagger UI from local static files, no CDN
    "learncity.core",
    "learncity.regions",
    "learncity.catalog",
    "learncity.search",
    "learncity.learners",
    "learncity.enrollment",
    "learncity.attendance",
    "learncity.notifications",
    "learncity.vouchers",
    "learncity.records",
    "learncity.analytics",
    "learncity.planning",
    "learncity.notices",
    "learncity.portal",
    "learncity.console",
]

MIDDLEWARE = [
    "learncity.core.logs.RequestIdMiddleware",  # first: every later line carries the id
    "django.middleware.security.SecurityMiddleware",
    "learncity.config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "learncity.core.middleware.KoreanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "learncity.config.urls"
WSGI_APPLICATION = "learncity.config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "learncity.portal.context.staff_area",
                "learncity.portal.context.city",
            ],
            "builtins": [
                "django.templatetags.i18n",
                "learncity.core.templatetags.bilingual",
            ],
        },
    }
]


def _database(url: str) -> dict[str, Any]:
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except (ValueError, KeyError) as exc:
        raise ConfigurationError(
            f"LEARNCITY_DATABASE_URL {url!r} is not a database URL "
            "(use sqlite:///path or postgresql://user:password@host:port/name): {exc}"
        ) from exc
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        name = Path(config["NAME"])
        if str(name) != ":memory:":
            name.parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue instead of failing mid-transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        config["TEST"] = {"NAME": str(name.with_name(name.stem + "-test.sqlite3"))}
    elif engine in {
        "django.db.backends.postgresql",
        "django.db.backends.postgresql_psycopg2",
    }:
        config["ENGINE"] = "django.db.backends.postgresql"
        config["CONN_HEALTH_CHECKS"] = True
        # the hot paths' prepared statements (core.sql) are key lookups: plan them once per
        # connection instead of again at every call (the ORM's queries are not prepared)
        options = dict(config.get("OPTIONS") or {})
        if os.environ.get("LEARNCITY_DB_PREPARED", "1") != "0":
            options["options"] = (
                str(options.get("options", "")) + " -c plan_cache_mode=force_generic_plan"
            ).strip()
        # prepared only when asked (core.sql's prepare=True), never automatically: the ORM's
        # queries go on as Django sends them
        options.setdefault("prepare_threshold", 1_000_000)
        # a database that does not answer fails a request within seconds (the API's JSON
        # 503, /healthz's "unavailable") instead of holding the worker until gunicorn kills it
        options.setdefault(
            "connect_timeout", int(os.environ.get("LEARNCITY_DB_CONNECT_TIMEOUT", "5") or "5")
        )
        config["OPTIONS"] = options
    else:
        raise ConfigurationError(
            f"LEARNCITY_DATABASE_URL uses {engine or 'an unknown engine'}; "
            "learncity supports SQLite and PostgreSQL"
        )
    return config


DATABASES = {"default": _database(env.database_url())}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (portal pages): sign-in at /accounts/login; a reset link is valid for an hour.
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:landing"  # staff to the staff home, citizens to their applications
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 3600
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "learncity_language"
# The catalogues (Korean msgids, English msgstrs) live in the repository as .po files and are
# compiled to .mo by `learncity i18n compile` (run by make), without GNU gettext.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.var_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LEARNCITY_VAR = env.var_dir()
# Outbox e-mail: written as files under var/mail in development; set LEARNCITY_EMAIL_BACKEND
# (e.g. django.core.mail.backends.smtp.EmailBackend) and Django's EMAIL_* settings for SMTP.
EMAIL_BACKEND = os.environ.get(
    "LEARNCITY_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = env.var_dir() / "mail"
EMAIL_HOST = os.environ.get("LEARNCITY_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LEARNCITY_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LEARNCITY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LEARNCITY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env.env_bool("LEARNCITY_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("LEARNCITY_EMAIL_FROM", "learncity@localhost")


def _proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` or `X-Forwarded-Proto: https` -> ("HTTP_X_FORWARDED_PROTO", "https")."""
    if not raw.strip():
        return None
    name, _, value = raw.partition(":")
    name, value = name.strip(), value.strip() or "https"
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ConfigurationError(
            f"LEARNCITY_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto "
            f"(optionally `: https`), not {raw!r}"
        )
    return "HTTP_" + name.upper().replace("-", "_"), value


def _hsts_seconds(default: int) -> int:
    raw = os.environ.get("LEARNCITY_HSTS_SECONDS", "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) > 2 * 31536000:
        raise ConfigurationError(
            f"LEARNCITY_HSTS_SECONDS must be a whole number of seconds up to two years, not {raw!r}"
        )
    return int(raw)


# HTTPS (docs/operations.md, "Production settings"). LEARNCITY_TLS=true when citizens reach the
# site over HTTPS, served by gunicorn or by a proxy in front: http is redirected to https
# (except /healthz, which a balancer asks each worker over plain http), the session and CSRF
# cookies go over HTTPS only, and browsers are told to use HTTPS alone for
# LEARNCITY_HSTS_SECONDS (default a year, or off with DEBUG; 0: no HSTS). Behind a proxy that
# terminates TLS, LEARNCITY_PROXY_SSL_HEADER names the header it sets on https requests
# (`X-Forwarded-Proto`, value `https`); the proxy must overwrite that header, never pass on a
# client's. HSTS covers the site's subdomains; `preload` is sent only with
# LEARNCITY_HSTS_PRELOAD=true, since joining the browsers' preload list is a decision for the
# owner of the city's whole domain, so Django's reminder (security.W021) is silenced otherwise.
LEARNCITY_TLS = env.env_bool("LEARNCITY_TLS", False)
SECURE_SSL_REDIRECT = LEARNCITY_TLS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(os.environ.get("LEARNCITY_PROXY_SSL_HEADER", ""))
_HSTS_SECONDS = _hsts_seconds(0 if DEBUG else 31536000)  # read (and checked) in any case
SECURE_HSTS_SECONDS = _HSTS_SECONDS if LEARNCITY_TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("LEARNCITY_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.env_bool("LEARNCITY_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.env_bool("LEARNCITY_SECURE_COOKIES", LEARNCITY_TLS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of every HTML page (learncity.config.middleware): scripts and styles
# from the site's own static files only; styles may also be inline (the pages' `style=`
# attributes, the city colour's <style> in the layout, the styles vega-embed and htmx add).
# Pages under LEARNCITY_CSP_EVAL_PATHS (the console) also allow 'unsafe-eval': Vega compiles
# each chart's expressions with Function().
LEARNCITY_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
LEARNCITY_CSP_EVAL_PATHS = ("/console/",)

# Logs (docs/operations.md, "Logs"): LEARNCITY_LOG_FORMAT `text` (default) or `json` (one
# object per line); every record carries the request's id, method and redacted path
# (learncity.core.logs). LEARNCITY_REQUEST_LOG: one line per request from the application
# (status, duration, user id), default on with json, off with text (gunicorn's access log,
# redacted too, has the request line there).
LEARNCITY_LOG_FORMAT = os.environ.get("LEARNCITY_LOG_FORMAT", "").strip().lower() or "text"
if LEARNCITY_LOG_FORMAT not in {"text", "json"}:
    raise ConfigurationError(
        f"LEARNCITY_LOG_FORMAT must be text or json, not {LEARNCITY_LOG_FORMAT[:40]!r}"
    )
LEARNCITY_REQUEST_LOG = env.env_bool("LEARNCITY_REQUEST_LOG", LEARNCITY_LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "learncity.core.logs.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "learncity.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": LEARNCITY_LOG_FORMAT,
        }
    },
    "loggers": {
        "learncity.request": {"level": "INFO" if LEARNCITY_REQUEST_LOG else "WARNING"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}


def _count(name: str, default: int, low: int, high: int, unit: str = "") -> int:
    """A whole number from the environment within [low, high] (`unit`: words for errors)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    what = f" ({unit})" if unit else ""
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number{what}, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}{what}, not {value}")
    return value


def _minutes(name: str, default: int, low: int, high: int) -> int:
    return _count(name, default, low, high, "minutes")


# Check-in (docs/attendance.md): the kiosk takes a check-in from OPENS_BEFORE minutes before a
# session starts until CLOSES_AFTER minutes after it ends; later than LATE_AFTER minutes after
# the start counts as late. A kiosk's offline queue may send a check-in up to QUEUE_MAX
# minutes after it was scanned.
LEARNCITY_CHECKIN_OPENS_BEFORE = _minutes("LEARNCITY_CHECKIN_OPENS_BEFORE", 30, 0, 720)
LEARNCITY_CHECKIN_CLOSES_AFTER = _minutes("LEARNCITY_CHECKIN_CLOSES_AFTER", 0, 0, 720)
LEARNCITY_CHECKIN_LATE_AFTER = _minutes("LEARNCITY_CHECKIN_LATE_AFTER", 10, 0, 720)
LEARNCITY_CHECKIN_QUEUE_MAX = _minutes("LEARNCITY_CHECKIN_QUEUE_MAX", 240, 1, 10080)
# Paired kiosks (docs/attendance.md, issue 19 finding 7): the person looked up on a kiosk (the
# name or class asked after the phone tail or the QR code) is forgotten after IDLE_SECONDS
# without an answer; a device unused for DEVICE_DAYS must be paired again; a pairing link
# works once, for PAIRING_MINUTES.
LEARNCITY_KIOSK_IDLE_SECONDS = _count("LEARNCITY_KIOSK_IDLE_SECONDS", 60, 10, 600, "seconds")
LEARNCITY_KIOSK_DEVICE_DAYS = _count("LEARNCITY_KIOSK_DEVICE_DAYS", 30, 1, 365, "days")
LEARNCITY_KIOSK_PAIRING_MINUTES = _minutes("LEARNCITY_KIOSK_PAIRING_MINUTES", 10, 1, 60)
# QR tokens are HMAC-SHA256(this key, nonce): set it to rotate codes independently of the
# secret key (rotating either one changes every code; staff re-issue them).
LEARNCITY_CHECKIN_KEY = os.environ.get("LEARNCITY_CHECKIN_KEY", "")
# no-shows (held sessions neither attended nor excused) at which a person's applications lose
# the lottery priorities of an offer; 0: never
LEARNCITY_NO_SHOW_LIMIT = int(os.environ.get("LEARNCITY_NO_SHOW_LIMIT") or 3)
# The address citizens reach the site at, for links in messages (check-in code page).
LEARNCITY_PUBLIC_URL = os.environ.get("LEARNCITY_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Verifiable credentials (docs/credentials.md): the issuing city's name; the private Ed25519 key
# from a PEM file in production (LEARNCITY_CREDENTIAL_KEY_FILE), else generated keys kept in
# LEARNCITY_CREDENTIAL_KEY_DIR (default var/keys). Credentials carry links under PUBLIC_URL.
# the issuer's name on credentials; empty: the city's (`learncity city set`) + " 평생학습"
LEARNCITY_ISSUER_NAME = os.environ.get("LEARNCITY_ISSUER_NAME", "")
LEARNCITY_CREDENTIAL_KEY_FILE = os.environ.get("LEARNCITY_CREDENTIAL_KEY_FILE", "")
LEARNCITY_CREDENTIAL_KEY_DIR = os.environ.get("LEARNCITY_CREDENTIAL_KEY_DIR", "") or str(
    env.var_dir() / "keys"
)
# The search index (docs/search.md): a Tantivy index per database under this folder; derived
# data, rebuilt from the database (`learncity search-index --rebuild`), never backed up.
LEARNCITY_SEARCH_INDEX_DIR = os.environ.get("LEARNCITY_SEARCH_INDEX_DIR", "") or str(
    env.var_dir() / "search"
)


# Sign-in throttle (docs/security.md): LOGIN_FAILURES failed sign-ins of one user name from one
# client address within LOGIN_WINDOW minutes refuse that name from that address for
# LOGIN_LOCKOUT minutes (the owner elsewhere is not locked out); LOGIN_ADDRESS_FAILURES
# failures of any names from one address refuse every name from it (password spraying).
LEARNCITY_LOGIN_FAILURES = _count("LEARNCITY_LOGIN_FAILURES", 5, 1, 1000)
LEARNCITY_LOGIN_ADDRESS_FAILURES = _count("LEARNCITY_LOGIN_ADDRESS_FAILURES", 20, 1, 100000)
LEARNCITY_LOGIN_WINDOW = _minutes("LEARNCITY_LOGIN_WINDOW", 15, 1, 1440)
LEARNCITY_LOGIN_LOCKOUT = _minutes("LEARNCITY_LOGIN_LOCKOUT", 15, 1, 1440)
# Password reset: at most PASSWORD_RESETS_PER_ACCOUNT links to one account and
# PASSWORD_RESETS_PER_ADDRESS requests from one client address within PASSWORD_RESET_WINDOW
# minutes; the page answers the same whether a link was sent or not.
LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT = _count("LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT", 3, 1, 100)
LEARNCITY_PASSWORD_RESETS_PER_ADDRESS = _count("LEARNCITY_PASSWORD_RESETS_PER_ADDRESS", 10, 1, 9999)
LEARNCITY_PASSWORD_RESET_WINDOW = _minutes("LEARNCITY_PASSWORD_RESET_WINDOW", 60, 1, 1440)


def _cache(url: str) -> dict[str, Any]:
    """The shared store of the rate limits (docs/operations.md, "Rate limits and proxies"):
    the database's table learncity_cache (made by `learncity migrate`), or Redis from
    LEARNCITY_CACHE_URL=redis://host:port/db, which needs the `redis` package installed."""
    if not url:
        return {
            "BACKEND": "learncity.config.cache.DatabaseCache",
            "LOCATION": "learncity_cache",
            # a full table drops a third of its counts: far above the live windows' keys
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 3},
        }
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            f"LEARNCITY_CACHE_URL must be a redis:// URL (or empty: the database), not {url[:60]!r}"
        )
    if importlib.util.find_spec("redis") is None:
        raise ConfigurationError(
            "LEARNCITY_CACHE_URL names Redis, but the `redis` package is not installed "
            "(pip install redis), or leave it empty for the database's cache table"
        )
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


def _networks(name: str) -> list[str]:
    found = []
    for item in env.env_list(name, []):
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigurationError(
                f"{name} must list addresses or networks (10.0.0.5, 10.0.0.0/24, ::1), "
                f"not {item[:60]!r}"
            ) from None
    return found


# Rate limits (docs/operations.md, "Rate limits and proxies") count in CACHES, one store for
# every worker and server. A request's address is REMOTE_ADDR, or, when REMOTE_ADDR is one of
# LEARNCITY_TRUSTED_PROXIES (addresses or networks, comma-separated; default none), the
# right-most address of X-Forwarded-For that is not a trusted proxy (learncity.core.ratelimit).
CACHES = {"default": _cache(os.environ.get("LEARNCITY_CACHE_URL", "").strip())}
LEARNCITY_TRUSTED_PROXIES = _networks("LEARNCITY_TRUSTED_PROXIES")
# Sign-ups from one address per SIGNUP_WINDOW minutes; verifications of credentials (the
# public page) from one address per minute.
LEARNCITY_SIGNUPS_PER_ADDRESS = _count("LEARNCITY_SIGNUPS_PER_ADDRESS", 20, 1, 100000)
LEARNCITY_SIGNUP_WINDOW = _minutes("LEARNCITY_SIGNUP_WINDOW", 60, 1, 1440)
LEARNCITY_VERIFICATIONS_PER_MINUTE = _count("LEARNCITY_VERIFICATIONS_PER_MINUTE", 30, 1, 100000)
# Sign-up proves the mobile number by a 6-digit code sent by SMS (learners.phone_codes): valid
# PHONE_CODE_MINUTES minutes and for PHONE_CODE_TRIES wrong tries; at most PHONE_CODES_PER_NUMBER
# codes to one number and PHONE_CODES_PER_ADDRESS requests from one client address per
# PHONE_CODE_WINDOW minutes.
LEARNCITY_PHONE_CODE_MINUTES = _minutes("LEARNCITY_PHONE_CODE_MINUTES", 10, 1, 60)
LEARNCITY_PHONE_CODE_TRIES = _count("LEARNCITY_PHONE_CODE_TRIES", 5, 1, 20)
LEARNCITY_PHONE_CODES_PER_NUMBER = _count("LEARNCITY_PHONE_CODES_PER_NUMBER", 5, 1, 100)
LEARNCITY_PHONE_CODES_PER_ADDRESS = _count("LEARNCITY_PHONE_CODES_PER_ADDRESS", 20, 1, 100000)
LEARNCITY_PHONE_CODE_WINDOW = _minutes("LEARNCITY_PHONE_CODE_WINDOW", 60, 1, 1440)
# The credentials' issuer id (issue 19): a URI that stays the city's when the public URL
# changes; empty: the id the first credential was issued under (kept in the database).
LEARNCITY_ISSUER_ID = os.environ.get("LEARNCITY_ISSUER_ID", "").strip()
# SMS (docs/operations.md, "SMS gateway"): "file" writes them to var/sms.log (development);
# "http" posts them to a commercial gateway (notifications.gateway), configured by the
# LEARNCITY_SMS_* variables below and checked when the outbox builds the adapter.
LEARNCITY_SMS_BACKEND = os.environ.get("LEARNCITY_SMS_BACKEND", "").strip().lower() or "file"
if LEARNCITY_SMS_BACKEND not in {"file", "http"}:
    raise ConfigurationError(
        f"LEARNCITY_SMS_BACKEND must be file or http, not {LEARNCITY_SMS_BACKEND[:40]!r}"
    )
LEARNCITY_SMS = {
    name: os.environ.get(name, "")
    for name in (
        "LEARNCITY_SMS_URL",
        "LEARNCITY_SMS_API_KEY",
        "LEARNCITY_SMS_KEY_HEADER",
        "LEARNCITY_SMS_SENDER",
        "LEARNCITY_SMS_TIMEOUT",
    )
}
# The public eligibility-check service (issue 19; docs/eligibility.md): empty URL, none
# (staff verify at the desk only); otherwise learners.eligibility_service.HttpEligibilityService.
LEARNCITY_ELIGIBILITY = {
    name: os.environ.get(name, "")
    for name in (
        "LEARNCITY_ELIGIBILITY_URL",
        "LEARNCITY_ELIGIBILITY_API_KEY",
        "LEARNCITY_ELIGIBILITY_KEY_HEADER",
        "LEARNCITY_ELIGIBILITY_TIMEOUT",
    )
}
