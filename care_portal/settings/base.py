"""Settings of the eCaRE portal: one code path, everything read from the environment.

Nothing set → the *embedded default*: SQLite file, Celery tasks run in-process,
files on local disk (outside static), e-mails to the console, DEBUG on, a
generated development secret key. Set ``DATABASE_URL``, ``REDIS_URL``, the S3
variables, ``EMAIL_URL``, ``DJANGO_SECRET_KEY``, ``ALLOWED_HOSTS`` and
``DEBUG=0`` for the *services* mode (production). See the README's
configuration table.
"""

from __future__ import annotations

import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# pyHanko (the PAdES signature, loaded at start-up with care_portal.signature) imports cryptography's DSA
# class, which cryptography marks deprecated: a third-party notice on every command's stderr, not ours to fix.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.smart_cast = False

# Where the embedded default keeps its state (SQLite file, uploaded files, secret key).
VAR_DIR = Path(env.str("CARE_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=True)
PRODUCTION = not DEBUG


def _secret_key() -> str:
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        if PRODUCTION and (len(key) < 50 or key.startswith("django-insecure") or len(set(key)) < 5):
            raise ImproperlyConfigured(
                "DJANGO_SECRET_KEY est trop faible pour la production : au moins 50 caractères "
                "aléatoires (python -c 'import secrets; print(secrets.token_urlsafe(64))')."
            )
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY doit être défini en production (DEBUG=0) : le portail refuse de démarrer "
            "avec une clé de développement."
        )
    # Development: a key generated once and kept in var/ so sessions survive a restart.
    path = VAR_DIR / "secret_key.txt"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = "dev-" + secrets.token_urlsafe(64)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS doit être défini en production (DEBUG=0).")
CSRF_FAILURE_VIEW = "care_portal.core.views.erreur_csrf"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # dsfr before django.forms: its widget and error templates must win over Django's.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "django_fsm",
    "guardian",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "care_portal.core",
    "care_portal.comptes",
    "care_portal.workflow",
    "care_portal.notifications",
    "care_portal.documents",
    "care_portal.referentiel",
    "care_portal.federation",
    "care_portal.bureau",  # the agents' desk: assignment, notes, labels, search, bulk actions (issue 21)
    "care_portal.bureau.archives",  # the bulk actions' reports and ZIP archives (label bureau_archives)
    "candidatures",
    "conventions",
    "objectifs",
    "declarations",
    "controle",
    "paiement",
    "accompagnement",  # public pages, eligibility checker, FAQ, support, statistics (issue 22)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # after OTPMiddleware (user.is_verified) and MessageMiddleware (its timeout message)
    # after OTPMiddleware, before SecuriteSessionMiddleware: a provider's multi-factor login counts as
    # the second factor (care_portal/federation, issue 20)
    "care_portal.federation.middleware.SecondFacteurFedereMiddleware",
    "care_portal.comptes.middleware.SecuriteSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "care_portal.urls"
WSGI_APPLICATION = "care_portal.wsgi.application"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # French formatting filters (montant, pourcentage, accord…) in every template, e-mails included.
            "builtins": ["care_portal.core.templatetags.format_fr"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "care_portal.core.context_processors.site_config",  # django-dsfr's, cached
                "care_portal.core.context_processors.interface",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_db_url = env.str("DATABASE_URL", default="")
if _db_url:
    _scheme = _db_url.split(":", 1)[0].lower()
    if _scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL invalide : le schéma « {_scheme} » n'est pas pris en charge "
            "(attendu : postgres://utilisateur@hôte:5432/base ou sqlite:///chemin)."
        )
    try:
        _db = env.db_url_config(_db_url)
    except Exception as exc:  # environ raises various errors on malformed URLs
        raise ImproperlyConfigured(f"DATABASE_URL invalide : {exc}") from exc
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _db}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    # Embedded default: tasks run in-process, at the end of the transaction that enqueued them.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Europe/Paris"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)  # KiB
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page whose action hands work to Celery must not hang when the broker is down: one quick retry, then
# the work waits in the outbox (care_portal/core/travaux.py) and the catch-up job publishes it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5,
                                   "socket_connect_timeout": 2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs (loaded into the database scheduler by beat at start-up); each one is idempotent.
CELERY_BEAT_SCHEDULE = {
    # the transactional outbox (issue 24): work the broker or a worker lost is published again
    "core-relancer-travaux": {"task": "core.relancer_travaux", "schedule": 60},
    "documents-relancer-analyses": {"task": "documents.relancer_analyses", "schedule": 15 * 60},
    "documents-nettoyer-orphelins": {"task": "documents.nettoyer_orphelins", "schedule": 24 * 60 * 60},
    "bureau-purger-archives": {"task": "bureau.purger_archives", "schedule": 60 * 60},  # bulk ZIP archives (issue 21)
    "conventions-expirer": {"task": "conventions.expirer", "schedule": 10 * 60},
    # notifications (issue 10): reminders and digest, keyed by unique constraints (a re-run sends nothing)
    "notifications-rappels": {"task": "notifications.envoyer_rappels", "schedule": 60 * 60},
    "notifications-rappels-audits": {"task": "notifications.envoyer_rappels_audits", "schedule": 6 * 60 * 60},
    "notifications-resumes": {"task": "notifications.envoyer_resumes", "schedule": 60 * 60},
}

# --- Files -----------------------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: documents are streamed by a view that checks permissions
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves static files from the finders (no collectstatic needed); production from STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": env.int("S3_URL_EXPIRE_SECONDS", default=300),
            "object_parameters": {"ServerSideEncryption": "AES256"} if env.bool("S3_SSE", default=False) else {},
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Documents (care_portal/documents) ----------------------------------------
# Largest accepted file, in bytes; enforced while the request body streams in.
CARE_DOCUMENTS_TAILLE_MAX = env.int("CARE_DOCUMENTS_TAILLE_MAX", default=200 * 1024 * 1024)
# Counts each file's bytes and cuts it past the limit, then Django's handlers: memory for a small
# request (< FILE_UPLOAD_MAX_MEMORY_SIZE), a temporary file on disk otherwise, never memory.
FILE_UPLOAD_HANDLERS = [
    "care_portal.documents.upload.LimiteTailleUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Antivirus: clamd reached by a Unix socket (CLAMD_SOCKET) or TCP (CLAMD_HOST, CLAMD_PORT); neither
# set = no scanning (documents marked "non analysé"). clamd's StreamMaxLength must be at least
# CARE_DOCUMENTS_TAILLE_MAX.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=120)  # seconds
# In production (DEBUG=0) a clamd setting is required (system check ecare.E001, run by the WSGI start):
# CARE_ANTIVIRUS=desactive runs the portal without scanning, as an explicit and reported choice.
CARE_ANTIVIRUS = env.str("CARE_ANTIVIRUS", default="")
if S3_BUCKET:
    # Reading an S3 object (download, scan) spools it; past this size on disk, not in memory
    # (django-storages' default 0 keeps the whole object in memory).
    STORAGES["default"]["OPTIONS"].setdefault("max_memory_size", FILE_UPLOAD_MAX_MEMORY_SIZE)

# --- E-mail ----------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="eCaRE <ne-pas-repondre@ecare.esante.gouv.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "comptes.User"
LOGIN_URL = "comptes:connexion"
LOGIN_REDIRECT_URL = "comptes:accueil_role"
LOGOUT_REDIRECT_URL = "core:accueil"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link lives 2 hours

# Sessions: 8 hours at most for everyone; agents (ARS, ANS) are logged out after an idle time.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_INACTIVITE_AGENTS = env.int("SESSION_INACTIVITE_AGENTS", default=30 * 60)  # seconds

# Two-factor authentication (TOTP), compulsory for ARS and ANS agents.
OTP_TOTP_ISSUER = "eCaRE"
OTP_TOTP_TOLERANCE = 1
# Demo only: agents' TOTP secrets are printed by `make demo`. Refused outside the embedded default.
CARE_DEMO_TOTP = False if PRODUCTION else env.bool("CARE_DEMO_TOTP", default=True)

# Lockout after repeated failures (django-axes): per account whatever the address (AXES_FAILURE_LIMIT)
# and per address whatever the account (CARE_ECHECS_MAX_PAR_ADRESSE, higher: a hospital's staff may
# share one NAT address). The account's owner is told by e-mail (comptes/verrouillage.py).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
CARE_ECHECS_MAX_PAR_ADRESSE = env.int("CARE_ECHECS_MAX_PAR_ADRESSE", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]  # order used by comptes/verrouillage.py
AXES_HANDLER = "care_portal.comptes.verrouillage.VerrouillageHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "comptes/verrouille.html"
# The French page saying when to retry (renders comptes/verrouille.html with status 429).
AXES_LOCKOUT_CALLABLE = "care_portal.comptes.views.auth.verrouillage"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
# Failures are counted on the address as typed, lower-cased: "Nom@X.fr" gives no extra tries.
AXES_USERNAME_CALLABLE = "care_portal.comptes.forms_auth.identifiant_axes"
AXES_VERBOSE = False

# Links sent by e-mail.
CARE_VERIFICATION_EMAIL_HEURES = env.int("CARE_VERIFICATION_EMAIL_HEURES", default=48)
CARE_INVITATION_JOURS = env.int("CARE_INVITATION_JOURS", default=7)
# An agent's TOTP enrolment link (sent when an ANS admin allows the enrolment) lives this long.
CARE_ENROLEMENT_TOTP_HEURES = env.int("CARE_ENROLEMENT_TOTP_HEURES", default=72)

# Rate limits (care_portal/core/limitation.py): "N/unit", unit s, m, h or d ("20/15m" also works),
# counted in the cache per client address ("ip") and per target (address, account, structure).
CARE_LIMITES = {
    "inscription": {"ip": env.str("CARE_LIMITE_INSCRIPTION_IP", default="10/h"),
                    "email": env.str("CARE_LIMITE_INSCRIPTION_EMAIL", default="3/h"),
                    "structure": env.str("CARE_LIMITE_INSCRIPTION_STRUCTURE", default="5/h")},
    "mot_de_passe": {"ip": env.str("CARE_LIMITE_MOT_DE_PASSE_IP", default="10/h"),
                     "email": env.str("CARE_LIMITE_MOT_DE_PASSE_EMAIL", default="3/h")},
    "verification_email": {"ip": env.str("CARE_LIMITE_VERIFICATION_EMAIL_IP", default="10/h"),
                           "compte": env.str("CARE_LIMITE_VERIFICATION_EMAIL_COMPTE", default="3/h")},
    "code_signature": {"ip": env.str("CARE_LIMITE_CODE_SIGNATURE_IP", default="20/h"),
                       "compte": env.str("CARE_LIMITE_CODE_SIGNATURE_COMPTE", default="5/h")},
    "recherche": {"ip": env.str("CARE_LIMITE_RECHERCHE_IP", default="60/m")},
}

# --- Notifications and reminders (care_portal/notifications, issue 10) -------------------------
# Failed e-mails: retried CARE_NOTIFICATIONS_ESSAIS_MAX times, after 30 s, 1 min, 2 min… (at most 1 h).
# Transactional outbox (care_portal/core/travaux.py, issue 24): work published and not done after
# DELAI s is published again (the delay doubles at each publication, capped); given up after ESSAIS_MAX
# publications; shown as « en attente de traitement », with « Relancer », past SEUIL_ATTENTE s.
# Stored files no document row points to (a process killed between the write and the commit) are removed
# by a daily job once older than this grace period (never a file a row points to).
CARE_DOCUMENTS_ORPHELINS_GRACE_HEURES = env.int("CARE_DOCUMENTS_ORPHELINS_GRACE_HEURES", default=24)
# A help request (accompagnement/) with no answer for N days: one reminder to the agents it is routed to.
CARE_RAPPEL_AIDE_ATTENTE_JOURS = env.int("CARE_RAPPEL_AIDE_ATTENTE_JOURS", default=3)
CARE_TRAVAUX_DELAI_SECONDES = env.int("CARE_TRAVAUX_DELAI_SECONDES", default=600)
CARE_TRAVAUX_DELAI_MAX_SECONDES = env.int("CARE_TRAVAUX_DELAI_MAX_SECONDES", default=6 * 3600)
CARE_TRAVAUX_DELAI_BROKER_SECONDES = env.int("CARE_TRAVAUX_DELAI_BROKER_SECONDES", default=30)
CARE_TRAVAUX_ESSAIS_MAX = env.int("CARE_TRAVAUX_ESSAIS_MAX", default=10)
CARE_TRAVAUX_SEUIL_ATTENTE_SECONDES = env.int("CARE_TRAVAUX_SEUIL_ATTENTE_SECONDES", default=900)
CARE_TRAVAUX_CONSERVATION_JOURS = env.int("CARE_TRAVAUX_CONSERVATION_JOURS", default=30)
CARE_NOTIFICATIONS_ESSAIS_MAX = env.int("CARE_NOTIFICATIONS_ESSAIS_MAX", default=5)
CARE_NOTIFICATIONS_BACKOFF_SECONDES = env.int("CARE_NOTIFICATIONS_BACKOFF_SECONDES", default=30)
CARE_NOTIFICATIONS_BACKOFF_MAX_SECONDES = env.int("CARE_NOTIFICATIONS_BACKOFF_MAX_SECONDES", default=3600)
# A draft not submitted: reminded this many days before the candidature window closes.
CARE_RAPPEL_BROUILLON_JOURS_AVANT = env.int("CARE_RAPPEL_BROUILLON_JOURS_AVANT", default=7)
# A convention not signed: reminded on these days after its sending (of the call's 5), then it expires.
CARE_RAPPEL_CONVENTION_JOURS = tuple(int(j) for j in env.list("CARE_RAPPEL_CONVENTION_JOURS", default=["2", "4"]))
# The next ADS or exposure audit: reminded this many days before the 2-month cadence breaks.
CARE_RAPPEL_AUDIT_JOURS_AVANT = env.int("CARE_RAPPEL_AUDIT_JOURS_AVANT", default=10)
# A declaration not submitted: reminded this many days before the call's declaration window closes.
CARE_RAPPEL_DECLARATION_JOURS_AVANT = env.int("CARE_RAPPEL_DECLARATION_JOURS_AVANT", default=15)
# ANS: payments not yet paid, reminded this many days before the call's payment window closes.
CARE_RAPPEL_PAIEMENT_JOURS_AVANT = env.int("CARE_RAPPEL_PAIEMENT_JOURS_AVANT", default=30)
# ARS: a submitted candidature (or declaration) waiting for a decision longer than this many days.
CARE_RAPPEL_ARS_ATTENTE_JOURS = env.int("CARE_RAPPEL_ARS_ATTENTE_JOURS", default=15)
# Daily digest (for the users who ask for it): sent by the first run after this hour (Europe/Paris).
CARE_RESUME_HEURE = env.int("CARE_RESUME_HEURE", default=7)

# --- Paiement (paiement/) -------------------------------------------------------
# The ANS account debited by the SEPA credit transfer files (paiement/sepa.py). Empty: the demo
# account paiement.sepa.DEBITEUR_*_DEMO (fictitious, valid IBAN/BIC); production sets all three.
CARE_SEPA_DEBITEUR_NOM = env.str("CARE_SEPA_DEBITEUR_NOM", default="")
CARE_SEPA_DEBITEUR_IBAN = env.str("CARE_SEPA_DEBITEUR_IBAN", default="")
CARE_SEPA_DEBITEUR_BIC = env.str("CARE_SEPA_DEBITEUR_BIC", default="")
# The payments « à valider » of the validated controls (idempotent: one payment per convention, by a
# database constraint; a re-run creates nothing more).
CELERY_BEAT_SCHEDULE["paiement-creer-a-valider"] = {"task": "paiement.creer_a_valider", "schedule": 60 * 60}

# --- I18N ------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content-Security-Policy (django-csp): no inline script, nonces for the few scripts we emit.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Identity federation: ProConnect and Pro Santé Connect (care_portal/federation, issue 20) ------
# Each provider is optional: it is offered on the login page only when its discovery URL, client id
# and client secret are all set. Redirect URI to register at the provider:
# SITE_URL/federation/<proconnect|psc>/retour/ ; post-logout URI: SITE_URL/federation/deconnexion/.
# *_MFA_ACR / *_MFA_AMR: the acr values (any of) or amr values (any of) that show a multi-factor
# login at the provider; such a login stands for the portal's TOTP. Both empty: TOTP always applies.
def _fournisseur_oidc(prefixe: str, *, scopes: str, acr_values: str, mfa_acr: list[str], mfa_amr: list[str]) -> dict:
    return {
        "DISCOVERY_URL": env.str(f"{prefixe}_DISCOVERY_URL", default=""),
        "CLIENT_ID": env.str(f"{prefixe}_CLIENT_ID", default=""),
        "CLIENT_SECRET": env.str(f"{prefixe}_CLIENT_SECRET", default=""),
        "SCOPES": env.str(f"{prefixe}_SCOPES", default=scopes),
        "ACR_VALUES": env.str(f"{prefixe}_ACR_VALUES", default=acr_values),
        "MFA_ACR": env.list(f"{prefixe}_MFA_ACR", default=mfa_acr),
        "MFA_AMR": env.list(f"{prefixe}_MFA_AMR", default=mfa_amr),
        "PKCE": env.bool(f"{prefixe}_PKCE", default=True),  # S256, sent when the provider announces it
    }


CARE_FEDERATION = {
    "proconnect": _fournisseur_oidc(
        "PROCONNECT", scopes="openid email given_name usual_name uid siret", acr_values="eidas1",
        mfa_acr=["https://proconnect.gouv.fr/assurance/self-asserted-2fa",
                 "https://proconnect.gouv.fr/assurance/consistency-checked-2fa"],
        mfa_amr=["mfa"]),
    # e-CPS (application + PIN) and the CPS card (card + PIN) are both two-factor logins.
    "psc": _fournisseur_oidc("PSC", scopes="openid scope_all", acr_values="eidas1", mfa_acr=["eidas1"],
                             mfa_amr=[]),
}
CARE_FEDERATION_DELAI = env.float("CARE_FEDERATION_DELAI", default=5.0)  # seconds per call to a provider
# The provider's pages (login, end of session) are reached by redirects after a form: CSP form-action.
for _f in CARE_FEDERATION.values():
    if _f["DISCOVERY_URL"]:
        _origine = "/".join(_f["DISCOVERY_URL"].split("/", 3)[:3])
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_origine)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += env.list("CARE_FEDERATION_FORM_ACTION", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Electronic signature of the conventions (care_portal/signature) ----------------------
# "native" (embedded default): e-mail one-time code, then the portal seals the PDF (PAdES, pyHanko)
# with the platform certificate below; "yousign": the Yousign API v3.
SIGNATURE_FOURNISSEUR = env.str("SIGNATURE_FOURNISSEUR", default="native")
SIGNATURE_CERTIFICAT = Path(env.str("SIGNATURE_CERTIFICAT", default=str(VAR_DIR / "signature" / "plateforme.crt")))
SIGNATURE_CLE = Path(env.str("SIGNATURE_CLE", default=str(VAR_DIR / "signature" / "plateforme.key")))
SIGNATURE_CLE_MOT_DE_PASSE = env.str("SIGNATURE_CLE_MOT_DE_PASSE", default="")
SIGNATURE_CODE_VALIDITE_MINUTES = 10
SIGNATURE_CODE_TENTATIVES = 5
YOUSIGN_API_URL = env.str("YOUSIGN_API_URL", default="https://api-sandbox.yousign.app/v3")
YOUSIGN_API_KEY = env.str("YOUSIGN_API_KEY", default="")
YOUSIGN_WEBHOOK_SECRET = env.str("YOUSIGN_WEBHOOK_SECRET", default="")
YOUSIGN_TIMEOUT = env.float("YOUSIGN_TIMEOUT", default=15.0)  # seconds per call
YOUSIGN_TENTATIVES = env.int("YOUSIGN_TENTATIVES", default=4)
YOUSIGN_BACKOFF = env.float("YOUSIGN_BACKOFF", default=0.5)  # seconds, base of the exponential backoff
if SIGNATURE_FOURNISSEUR not in ("native", "yousign"):
    raise ImproperlyConfigured("SIGNATURE_FOURNISSEUR doit valoir « native » ou « yousign ».")
if SIGNATURE_FOURNISSEUR == "yousign" and not (YOUSIGN_API_KEY and YOUSIGN_WEBHOOK_SECRET):
    raise ImproperlyConfigured("SIGNATURE_FOURNISSEUR=yousign exige YOUSIGN_API_KEY et YOUSIGN_WEBHOOK_SECRET.")
# The ANS's signatory as the conventions name it (« représentée par son directeur général, Monsieur X »):
# civility "madame" or "monsieur", the title as it reads in a sentence, the name (empty: not printed).
CARE_ANS_SIGNATAIRE_NOM = env.str("CARE_ANS_SIGNATAIRE_NOM", default="")
CARE_ANS_SIGNATAIRE_TITRE = env.str("CARE_ANS_SIGNATAIRE_TITRE", default="directeur général")
CARE_ANS_SIGNATAIRE_CIVILITE = env.str("CARE_ANS_SIGNATAIRE_CIVILITE", default="monsieur").strip().lower()
if CARE_ANS_SIGNATAIRE_CIVILITE not in ("madame", "monsieur"):
    raise ImproperlyConfigured("CARE_ANS_SIGNATAIRE_CIVILITE doit valoir « madame » ou « monsieur ».")

# --- Portal ------------------------------------------------------------------
# Mode: "embarque" (embedded default) or "services"; shown by /healthz and the demo banner.
CARE_MODE = "services" if (_db_url or REDIS_URL) else "embarque"
# /healthz: anonymous callers get the status only; the detailed report needs this token (header
# "Authorization: Bearer <jeton>") or an ANS admin's session. Empty: no token accepted.
CARE_HEALTHZ_JETON = env.str("CARE_HEALTHZ_JETON", default="")
