"""The support from the dossier: ask for help, the request's thread, the establishment's requests and the
agents' queue. Selector (404 for what the user may not see) → service → redirect + message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from candidatures.selectors import candidatures_pour
from care_portal.comptes.selectors import habilitations
from care_portal.core.pagination import paginer
from care_portal.workflow.services import WorkflowError

from . import selectors, services
from .forms import DemandeAideForm, MessageAideForm
from .models import ROUTAGE, DemandeAide, Destinataire, Theme

PAR_PAGE = 25


def _connecte(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_connecte
@require_http_methods(["GET", "POST"])
def demander(request: HttpRequest, candidature_pk: int) -> HttpResponse:
    """The « Demander de l'aide » form of a dossier: only for the ES members of its structure."""
    c = candidatures_pour(request.user).filter(pk=candidature_pk).first()
    if c is None or not selectors.peut_demander(request.user, c):
        raise Http404("Dossier introuvable.")
    form = DemandeAideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            demande = services.demande_creer(candidature=c, acteur=request.user, theme=d["theme"], objet=d["objet"],
                                             corps=d["corps"])
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Votre demande a été envoyée à {selectors.libelle_destinataire(demande)}. "
                                      "Vous serez prévenu par e-mail de sa réponse.")
            return redirect("accompagnement:demande", demande.pk)
    region = c.region_instructrice.nom if c.region_instructrice_id else ""
    routage = [(libelle, f"l'ARS {region}" if ROUTAGE[code] == Destinataire.ARS else "l'ANS")
               for code, libelle in Theme.choices]
    return render(request, "accompagnement/aide/demander.html", {
        "title": "Demander de l'aide", "c": c, "form": form, "routage": routage,
        "demandes": selectors.demandes_du_dossier(request.user, c)[:10],
    }, status=400 if request.method == "POST" else 200)


@_connecte
@require_http_methods(["GET", "POST"])
def demande(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.demande_pour(request.user, pk)
    agent = selectors.peut_repondre(request.user, d)
    es = selectors.peut_demander(request.user, d.candidature)
    form = MessageAideForm(request.POST or None)
    if request.method == "POST":
        if not (agent or es):
            raise PermissionDenied("Vous ne pouvez pas écrire sur cette demande.")
        if form.is_valid():
            try:
                if agent:
                    services.demande_repondre(demande=d, acteur=request.user, corps=form.cleaned_data["corps"],
                                              resoudre=form.cleaned_data["resoudre"])
                else:
                    services.demande_ecrire(demande=d, acteur=request.user, corps=form.cleaned_data["corps"],
                                            resoudre=form.cleaned_data["resoudre"])
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Votre réponse a été envoyée à l'établissement." if agent
                                 else "Votre message a été envoyé.")
                return redirect("accompagnement:demande", d.pk)
    d.refresh_from_db()
    return render(request, "accompagnement/aide/demande.html", {
        "title": f"Demande d'aide — {d.objet}", "d": d, "c": d.candidature, "messages_aide": selectors.messages_de(d),
        "form": form, "agent": agent, "es": es, "destinataire": selectors.libelle_destinataire(d),
        "attente": selectors.attente_jours(d),
    }, status=400 if request.method == "POST" else 200)


@_connecte
@require_GET
def mes_demandes(request: HttpRequest) -> HttpResponse:
    if not habilitations(request.user).est_es:
        raise PermissionDenied("Cette page est réservée aux établissements.")
    return render(request, "accompagnement/aide/mes_demandes.html", {
        "title": "Mes demandes d'aide", **paginer(request, selectors.mes_demandes(request.user), PAR_PAGE)})


FILTRES = [("a_traiter", "À traiter"), ("ouverte", "Ouvertes"), ("en_cours", "En cours"), ("resolue", "Résolues"),
           ("", "Toutes")]


@_connecte
@require_GET
def file(request: HttpRequest) -> HttpResponse:
    """The agents' queue: the requests routed to them, those waiting longest first, with the waiting time."""
    h = habilitations(request.user)
    if not (h.est_ars or h.a(*selectors.ROLES_SUPPORT_ANS)):
        raise PermissionDenied("Cette page est réservée aux agents des ARS et de l'ANS.")
    etat = request.GET.get("etat", "a_traiter")
    if etat not in dict(FILTRES):
        etat = "a_traiter"
    pagination = paginer(request, selectors.file_pour(request.user, etat=etat), PAR_PAGE)
    maintenant = timezone.now()
    for d in pagination["page_obj"]:
        d.attente = selectors.attente_jours(d, maintenant)
        d.destinataire_libelle = selectors.libelle_destinataire(d)
    comptes = selectors.compter_file(request.user)
    return render(request, "accompagnement/aide/file.html", {
        "title": "Demandes d'aide", "etat": etat, "comptes": comptes,
        "filtres": [(code, libelle, comptes.get(code) if code else sum(comptes[e] for e in DemandeAide.Etat.values))
                    for code, libelle in FILTRES],
        **pagination})
