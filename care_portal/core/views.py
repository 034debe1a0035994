from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ANS
from care_portal.referentiel import selectors as referentiel_selectors

from .health import etat_des_services


@require_GET
def accueil(request: HttpRequest) -> HttpResponse:
    context = {"appel": referentiel_selectors.appel_courant(), **referentiel_selectors.compter_referentiel()}
    return render(request, "core/accueil.html", context)


def _rapport_detaille_autorise(request: HttpRequest) -> bool:
    """The token of CARE_HEALTHZ_JETON (``Authorization: Bearer …``, compared in constant time), or an
    ANS admin's session verified by its second factor (/healthz is outside the 2FA middleware)."""
    jeton = settings.CARE_HEALTHZ_JETON
    schema, _, valeur = request.headers.get("Authorization", "").partition(" ")
    if jeton and schema.lower() == "bearer" and secrets.compare_digest(valeur.strip().encode(), jeton.encode()):
        return True
    from care_portal.comptes.selectors import habilitations

    try:  # the session and the roles live in the database, which may be what is down
        user = request.user
        return bool(user.is_authenticated and getattr(user, "is_verified", lambda: False)()
                    and habilitations(user).est_admin)
    except Exception:  # noqa: BLE001 — no detail then, the status still answers
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} or 503 {"status": "down"}: all a load balancer or docker needs; which
    engine, backend or error is behind it only for the token's holder or an ANS admin."""
    etat = etat_des_services()
    code = 200 if etat["status"] == "ok" else 503
    if _rapport_detaille_autorise(request):
        return JsonResponse(etat, status=code)
    return JsonResponse({"status": etat["status"]}, status=code)


# --- error pages (handler403/404/500 in care_portal/urls.py) -------------------------------------------

def erreur_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The DSFR 403 page; the refusal's own French message (PermissionDenied("…")) when it has one."""
    motif = str(exception) if exception is not None and exception.args else ""
    return render(request, "403.html", {"title": "Accès refusé", "motif": motif}, status=403)


def erreur_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Never the exception's text: it may name the object that was looked for.
    return render(request, "404.html", {"title": "Page introuvable"}, status=404)


def erreur_500(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: no context processor, no database query (the
    database may be what failed). When it is the database that is unreachable (an outage, a failover),
    a French 503 « service momentanément indisponible » with Retry-After, not a 500 (issue 24): the
    request's transaction was rolled back, nothing is half-written."""
    import sys

    from django.db import InterfaceError, OperationalError

    erreur = sys.exc_info()[1]
    if isinstance(erreur, (OperationalError, InterfaceError)):
        reponse = HttpResponse(loader.get_template("503.html").render(), status=503)
        reponse["Retry-After"] = "60"
        return reponse
    return HttpResponseServerError(loader.get_template("500.html").render())


def erreur_csrf(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from an expired page, in French, instead of Django's English page."""
    return render(request, "403.html", {
        "title": "Formulaire expiré",
        "motif": "Le formulaire a expiré ou a été envoyé depuis une autre page : revenez en arrière, rechargez la "
                 "page puis renvoyez-le. Vérifiez aussi que votre navigateur accepte les cookies d'eCaRE.",
    }, status=403)


@roles_requis(*ROLES_ANS)
@require_POST
def relancer_travaux(request: HttpRequest) -> HttpResponse:
    """An ANS agent's « Relancer » on work waiting past the threshold (a generation, a sending lost by
    the broker or a worker): publishes that object's unfinished work again, now (issue 24). Idempotent:
    the tasks are, and work already done is left alone. Back to the page it came from."""
    from django.contrib import messages
    from django.db import transaction
    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme

    from care_portal.workflow.services import journaliser

    from . import travaux
    from .models import Travail

    objet = request.POST.get("objet", "")
    suite = request.POST.get("suite", "")
    if not url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        suite = "/"
    with transaction.atomic():
        attente = travaux.en_attente(objet) if re.fullmatch(r"[a-z_]+\.[a-z_]+:[\w-]+", objet) else []
        if not attente:
            messages.info(request, "Rien n'attend d'être relancé : le traitement a déjà eu lieu ou est en cours.")
            return redirect(suite)
        nombre = travaux.relancer(objet, acteur=request.user)
        journaliser(Travail.objects.get(pk=attente[0].pk), "core.travaux.relances", acteur=request.user,
                    donnees={"objet": objet, "nombre": nombre})
    messages.success(request, "Le traitement est relancé ; rechargez la page dans quelques instants.")
    return redirect(suite)
