import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings.base")
application = get_wsgi_application()

# gunicorn runs no system check: the portal refuses to serve without an antivirus in production
# (ecare.E001, care_portal/documents/checks.py) instead of serving unscanned files.
from care_portal.documents.checks import refuser_de_demarrer  # noqa: E402

refuser_de_demarrer()
