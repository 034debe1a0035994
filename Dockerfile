# eCaRE portal: one image for every process of docker-compose.yml (web = gunicorn, worker and
# beat = Celery, migrate = the one-shot `manage.py migrate`). Checked without a Docker engine by
# tests/core/test_docker_compose.py.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=care_portal.settings.production

# WeasyPrint's system libraries (PDF conventions, attestations); without libharfbuzz-subset0 it warns.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# A writable home: fontconfig (under WeasyPrint) keeps its cache there.
RUN groupadd --system --gid 1000 ecare \
    && useradd --system --uid 1000 --gid ecare --create-home --home-dir /home/ecare --shell /usr/sbin/nologin ecare

WORKDIR /app

# The dependencies of pyproject.toml in their own layer, rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# The project itself, editable: the settings find templates/ and static/ next to the code
# (BASE_DIR is three levels above settings/base.py). A plain `pip install .` would copy the
# packages to site-packages without them.
RUN pip install --no-deps -e . && pip check

# Static files collected into the image (whitenoise serves them, hashed and compressed).
# Production settings refuse to load without a strong key and ALLOWED_HOSTS: a throwaway pair
# exists for this one command only and is not kept in the image's environment.
# collectstatic writes with FILE_UPLOAD_(DIRECTORY_)PERMISSIONS (0750/0640, meant for uploads):
# root-owned, the files would be unreadable by the user that serves them, hence the chmod.
RUN DEBUG=0 \
    DJANGO_SECRET_KEY=collectstatic-build-only-throwaway-key-never-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=localhost \
    CARE_VAR_DIR=/tmp/care-build \
    python manage.py collectstatic --noinput \
    && chmod -R a+rX /app/staticfiles \
    && rm -rf /tmp/care-build

# The code stays root-owned and read-only; only var/ (embedded-mode state) is the user's.
RUN mkdir -p /app/var && chown ecare:ecare /app/var
USER ecare

EXPOSE 8000

# /healthz answers 503 when the database, broker, cache or storage is down (urlopen then raises).
# Host is the first of ALLOWED_HOSTS and the request claims HTTPS as a TLS proxy would, so that
# neither ALLOWED_HOSTS nor SECURE_SSL_REDIRECT turns the probe into a 400 or a redirect.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = h if h and h != '*' else 'localhost'; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=8)"]

# Timeouts set explicitly (issue 19): a request over 30 s is killed and its transaction rolled back,
# so no page may do work that grows with the volume (the DG's countersigning seals each convention
# in a Celery task); on a restart, workers get 30 s to finish the requests in flight.
CMD ["gunicorn", "care_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--graceful-timeout", "30", "--access-logfile", "-"]
