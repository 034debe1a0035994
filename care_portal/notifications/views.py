"""The notification centre: the user's own notices (never another's: 404), mark as read, the digest
preference. Every change is a POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from care_portal.core.pagination import paginer

from . import selectors, services

TAILLE_PAGE = 30


def _retour(request: HttpRequest, defaut: str = "notifications:centre"):
    suivant = request.POST.get("suivant", "")
    if suivant and url_has_allowed_host_and_scheme(suivant, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return redirect(suivant)
    return redirect(defaut)


@login_required
@never_cache
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    pagination = paginer(request, selectors.notifications_de(request.user), TAILLE_PAGE)
    return render(request, "notifications/centre.html", {
        "title": "Notifications", "page": pagination["page_obj"], **pagination,
        "notifications": list(pagination["page_obj"].object_list),
        "non_lues": selectors.centre_de(request.user, 0).non_lues,
        "resume_quotidien": selectors.resume_quotidien_actif(request.user),
    })


@login_required
@require_POST
def ouvrir(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notice read and open the page it is about."""
    n = selectors.notification_de(request.user, pk)
    if n is None:
        raise Http404
    services.notification_marquer_lue(notification=n, utilisateur=request.user)
    if n.lien.startswith("/") and not n.lien.startswith("//"):
        return redirect(n.lien)
    return redirect("notifications:centre")


@login_required
@require_POST
def marquer_lue(request: HttpRequest, pk: int) -> HttpResponse:
    n = selectors.notification_de(request.user, pk)
    if n is None:
        raise Http404
    services.notification_marquer_lue(notification=n, utilisateur=request.user)
    messages.success(request, "Notification marquée comme lue.")
    return _retour(request)


@login_required
@require_POST
def tout_marquer_lu(request: HttpRequest) -> HttpResponse:
    n = services.notifications_marquer_toutes_lues(utilisateur=request.user)
    messages.success(request, f"{n} notification{'s' if n > 1 else ''} marquée{'s' if n > 1 else ''} comme lue{'s' if n > 1 else ''}."
                     if n else "Aucune notification non lue.")
    return _retour(request)


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    actif = request.POST.get("resume_quotidien") == "1"
    services.preference_enregistrer(utilisateur=request.user, resume_quotidien=actif)
    messages.success(request, "Vous recevrez chaque matin un résumé de vos notifications non lues."
                     if actif else "Vous ne recevrez plus de résumé quotidien.")
    return redirect("notifications:centre")
