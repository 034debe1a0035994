"""System checks of the documents: no production without an antivirus, unless explicitly chosen.

``ecare.E001`` (Error): DEBUG=0, neither CLAMD_SOCKET nor CLAMD_HOST, and CARE_ANTIVIRUS is not
``desactive``. An Error, not a Warning: every file the establishments upload (RIB, PSSI, invoices,
ORADAD archives) would reach ARS and ANS agents unscanned, and the portal would say nothing about
it; the operator must either give clamd's address or write down the decision. ``check --deploy``
exits non-zero on it, and the WSGI start (care_portal/wsgi.py, ``refuser_de_demarrer``) refuses
to serve, since gunicorn does not run system checks itself.

``ecare.W001`` (Warning): the antivirus is deliberately off in production; reported, not blocking.
``ecare.E002`` (Error): CARE_ANTIVIRUS holds something else than "" or "desactive".
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .antivirus import clamd_configure

TAG = "ecare"
DESACTIVE = "desactive"


def _en_production() -> bool:
    return bool(getattr(settings, "PRODUCTION", not settings.DEBUG)) and not settings.DEBUG


@register(Tags.security, TAG, deploy=True)
def verifier_antivirus(app_configs=None, **kwargs) -> list:
    choix = (getattr(settings, "CARE_ANTIVIRUS", "") or "").strip().lower()
    if choix not in ("", DESACTIVE):
        return [Error(
            f"CARE_ANTIVIRUS vaut « {choix} » : seule la valeur « desactive » est reconnue.",
            hint="Laissez CARE_ANTIVIRUS vide et configurez clamd, ou écrivez CARE_ANTIVIRUS=desactive.",
            id="ecare.E002",
        )]
    if not _en_production() or clamd_configure():
        return []
    if choix == DESACTIVE:
        return [Warning(
            "Antivirus désactivé (CARE_ANTIVIRUS=desactive) : les fichiers déposés ne sont pas analysés.",
            hint="Configurez CLAMD_SOCKET ou CLAMD_HOST dès qu'un clamd est disponible.",
            id="ecare.W001",
        )]
    return [Error(
        "Aucun antivirus configuré en production : les fichiers déposés seraient servis sans analyse.",
        hint="Définissez CLAMD_SOCKET (socket Unix) ou CLAMD_HOST (et CLAMD_PORT) vers un clamd ; "
             "pour fonctionner sans antivirus, écrivez explicitement CARE_ANTIVIRUS=desactive.",
        id="ecare.E001",
    )]


def refuser_de_demarrer() -> None:
    """Raise ImproperlyConfigured when a check of ``TAG`` reports an error (the WSGI start calls it)."""
    from django.core.checks import ERROR, run_checks

    erreurs = [m for m in run_checks(tags=[TAG], include_deployment_checks=True) if m.level >= ERROR]
    if erreurs:
        raise ImproperlyConfigured("\n".join(f"{m.id} : {m.msg} {m.hint or ''}".strip() for m in erreurs))
