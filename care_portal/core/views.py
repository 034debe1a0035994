from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from care_portal.referentiel import selectors as referentiel_selectors

from .health import etat_des_services


@require_GET
def accueil(request: HttpRequest) -> HttpResponse:
    context = {"appel": referentiel_selectors.appel_courant(), **referentiel_selectors.compter_referentiel()}
    return render(request, "core/accueil.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    etat = etat_des_services()
    return JsonResponse(etat, status=200 if etat["status"] == "ok" else 503)


def erreur_403(request, exception=None):
    return render(request, "403.html", status=403)


def erreur_404(request, exception=None):
    return render(request, "404.html", status=404)


def erreur_500(request):
    return render(request, "500.html", status=500)
