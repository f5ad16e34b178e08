"""Settings for the Dukcapil back-office, read from the environment (django-environ).

Defaults give a zero-setup development run: SQLite, an eager Celery and the console WhatsApp
sender. Production (DJANGO_DEBUG unset or false) refuses to start without a secret key and hosts.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY wajib diisi bila DJANGO_DEBUG tidak aktif.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS wajib diisi bila DJANGO_DEBUG tidak aktif.")

INSTALLED_APPS = [
    "dukcapil.core.admin_site.OfficeAdminConfig",  # django.contrib.admin with the office site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "dukcapil.accounts",
    "dukcapil.core",
    "routing",
    "applications",
    "notifications",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # pages (mostly tables) shrink ~8× on a weak rural connection; CSRF tokens are masked per response
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dukcapil.accounts.middleware.OfficeLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # the request for the audit trail (actor, IP) and one audit row per refused request
    "dukcapil.core.middleware.AuditRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dukcapil.accounts.sessions.AbsoluteSessionLimitMiddleware",
    # after the session limit (an expired session logs out first), before any view runs
    "dukcapil.accounts.middleware.TwoFactorRequiredMiddleware",
    # last, as django-axes asks
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling keyed on username AND address together, so one person guessing cannot lock out
# a whole office behind one NAT address, and one account is not locked by a stranger elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Two-factor authentication (TOTP, django-otp) for the roles that see a whole bidang or the whole
# office, or manage accounts; superusers always. See dukcapil/accounts/two_factor.py.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["admin", "kepala_bidang", "kepala_dinas"])
# URL names (as in reverse()) a logged-in but not yet verified user may still reach, e.g. health checks
OTP_EXEMPT_URL_NAMES = env.list("OTP_EXEMPT_URL_NAMES", default=[])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Adminduk Daring")
# wait 1, 2, 4, 8 … seconds after successive wrong codes (django-otp's throttling)
OTP_TOTP_THROTTLE_FACTOR = 1

ROOT_URLCONF = "dukcapil.urls"
WSGI_APPLICATION = "dukcapil.wsgi.application"

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
                "dukcapil.accounts.context_processors.office",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server and a Celery worker read while another writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dukcapil.accounts.password_validation.OfficeWordsValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    # Attachments hold personal data: they live outside any URL and are streamed by a view that
    # checks access. There is deliberately no MEDIA_URL.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media"),
            "base_url": None,
        },
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
PRIVATE_MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]
MEDIA_ROOT = PRIVATE_MEDIA_ROOT

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The office -------------------------------------------------------------------------
OFFICE_KABUPATEN = env.str("OFFICE_KABUPATEN", default="52.06")
OFFICE_NAME = env.str("OFFICE_NAME", default="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bima")
OFFICE_ADDRESS = env.str(
    "OFFICE_ADDRESS", default="Jl. Lintas Sumbawa, Godo, Kec. Woha, Kabupaten Bima, NTB 84171"
)
OFFICE_PICKUP_PLACE = env.str("OFFICE_PICKUP_PLACE", default="Loket pengambilan Disdukcapil Kabupaten Bima")
OFFICE_CODE = env.str("OFFICE_CODE", default="BIMA")
# Words an officer may not build a password from (office names, the region, the product).
OFFICE_PASSWORD_WORDS = env.list(
    "OFFICE_PASSWORD_WORDS", default=["dukcapil", "disdukcapil", "bima", "kependudukan"]
)
ASSIGNMENT_OPEN_CAP = env.int("ASSIGNMENT_OPEN_CAP", default=60)
URGENT_RECORDING_DAILY_CAP = env.int("URGENT_RECORDING_DAILY_CAP", default=20)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The site's public address: the delivery manifest's QR code points here (its PDF is made in a task,
# without a request). Empty: the print page uses the request's host.
SITE_URL = env.str("SITE_URL", default="")
# Pemdes portal: documents waiting at the desa longer than this many days are listed for follow-up
DELIVERY_WAITING_DAYS = env.int("DELIVERY_WAITING_DAYS", default=14)
UPLOAD_MAX_FILES_PER_APPLICATION = env.int("UPLOAD_MAX_FILES_PER_APPLICATION", default=40)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# routing.tasks is found by autodiscovery; the staff tasks live in a second module
CELERY_IMPORTS = ["routing.tasks_staff"]
CELERY_BEAT_SCHEDULE = {
    # the dashboard's daily summaries: every day that is over (hourly, so a missed run catches up)
    "reports-refresh": {
        "task": "reports.tasks.summaries_refresh_task",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    # the evening before an office day, each officer on the published rota gets a reminder
    "shift-reminders": {
        "task": "routing.tasks_staff.shift_reminders_send",
        "schedule": crontab(hour=17, minute=0),
        "options": {"expires": 6 * 3600},
    },
}

# --- WhatsApp ---------------------------------------------------------------------------
WHATSAPP_SENDER = env.str("WHATSAPP_SENDER", default="console")  # console | cloud | gateway
WHATSAPP_CLOUD_API_URL = env.str("WHATSAPP_CLOUD_API_URL", default="https://graph.facebook.com/v21.0")
WHATSAPP_CLOUD_TOKEN = env.str("WHATSAPP_CLOUD_TOKEN", default="")
WHATSAPP_CLOUD_PHONE_NUMBER_ID = env.str("WHATSAPP_CLOUD_PHONE_NUMBER_ID", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_GATEWAY_URL = env.str("WHATSAPP_GATEWAY_URL", default="")
WHATSAPP_GATEWAY_TOKEN = env.str("WHATSAPP_GATEWAY_TOKEN", default="")
WHATSAPP_GATEWAY_TARGET_FIELD = env.str("WHATSAPP_GATEWAY_TARGET_FIELD", default="target")
WHATSAPP_GATEWAY_MESSAGE_FIELD = env.str("WHATSAPP_GATEWAY_MESSAGE_FIELD", default="message")
WHATSAPP_TIMEOUT_SECONDS = env.float("WHATSAPP_TIMEOUT_SECONDS", default=10.0)
WHATSAPP_GATEWAY_BODY_FORMAT = env.str("WHATSAPP_GATEWAY_BODY_FORMAT", default="form")  # form | json

# --- Outbox and WhatsApp inbox (notifications/; see docs/notifications.md) ---------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# a timeout may hide a message that did go out: stop sooner to avoid sending it twice
OUTBOX_MAX_TIMEOUT_ATTEMPTS = env.int("OUTBOX_MAX_TIMEOUT_ATTEMPTS", default=3)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600.0)
# a `sending` claim older than the hard time limit belongs to a killed worker
OUTBOX_CLAIM_STALE_SECONDS = CELERY_TASK_TIME_LIMIT + 30
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
OUTBOX_SWEEP_PENDING_GRACE_SECONDS = env.float("OUTBOX_SWEEP_PENDING_GRACE_SECONDS", default=30.0)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=500)
OUTBOX_TASK_COUNTDOWN_MAX_SECONDS = 300
OUTBOX_BROKER_BACKOFF_SECONDS = env.float("OUTBOX_BROKER_BACKOFF_SECONDS", default=30.0)
INBOUND_MEDIA_MAX_ATTEMPTS = env.int("INBOUND_MEDIA_MAX_ATTEMPTS", default=6)
CELERY_BEAT_SCHEDULE.update(
    {
        "outbox-sweep": {
            "task": "notifications.tasks.outbox_sweep",
            "schedule": OUTBOX_SWEEP_SECONDS,
            "options": {"expires": OUTBOX_SWEEP_SECONDS},
        },
        "inbound-media-sweep": {
            "task": "notifications.tasks.inbound_media_sweep",
            "schedule": 120.0,
            "options": {"expires": 120.0},
        },
    }
)
# Publishing fails within ~0.1 s when Redis is down instead of retrying for seconds: web requests
# only "kick" the outbox and the sweep sends later. Workers reconnect with their own retry settings.
CELERY_BROKER_TRANSPORT_OPTIONS.update({"max_retries": 1, "interval_start": 0, "interval_step": 0.2})

# --- Cache ------------------------------------------------------------------------------
# Holds rate-limit counters (the public tracking page). LocMemCache is per process: in production
# with several workers set CACHE_URL=redis://127.0.0.1:6379/1 so every worker shares one count.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# the public tracking page: failed tries per client address and per registration number
TRACKING_MAX_FAILURES = env.int("TRACKING_MAX_FAILURES", default=10)
TRACKING_WINDOW_SECONDS = env.int("TRACKING_WINDOW_SECONDS", default=15 * 60)
# behind a reverse proxy: the META key holding the client address the proxy sets (e.g. HTTP_X_REAL_IP)
TRACKING_CLIENT_IP_HEADER = env.str("TRACKING_CLIENT_IP_HEADER", default="")

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Security (production profile; check --deploy must pass) ---------------------------
# 30 idle minutes: the cookie's age is renewed on every request; 12 hours at most after login
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
# Django's database sessions, with that save on every request done in one statement
SESSION_ENGINE = "dukcapil.accounts.sessions"
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Scripts and styles from this site only: behaviour comes from static/js through data attributes
# (static/js/common.js), never inline code or on*= handlers, and no style="" attributes. The one
# <style> left (the manifest's page footer, which names the batch) carries the request's nonce.
# The attachment view sends its own stricter policy (applications.attachments.ATTACHMENT_CSP),
# which lets our own pages frame it; the middleware keeps a header a view has set.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "frame-src": [SELF],  # the application page shows PDFs through the attachment view
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# The dashboard's covering indexes use INCLUDE columns on PostgreSQL; SQLite (development) builds
# them without those columns, which is harmless.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
