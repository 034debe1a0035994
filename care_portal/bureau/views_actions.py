"""The bulk actions' pages (issue 21): the confirmation (posted by the dossier list), the report of a run,
the progress of a ZIP archive, and the agent's recent runs. Selector → service → redirect (README: the
access pattern): the agents only; an object of another agent answers 404."""

from __future__ import annotations

import inspect
import ipaddress
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_AGENTS
from care_portal.comptes.selectors import habilitations
from care_portal.core import etapes, format_fr
from care_portal.core.pagination import paginer
from care_portal.documents.selectors import blocage_telechargement

from . import actions
from .archives import selectors, services
from .archives.models import Archive, Execution

ROLES = tuple(ROLES_AGENTS)
INTERRUPTION = 15 * 60  # seconds after which a run still « en cours » was cut short (a crash)


def dossiers_max() -> int:
    """At most this many dossiers per bulk action: the run stays well within a page's time."""
    return int(getattr(settings, "CARE_BUREAU_ACTIONS_DOSSIERS_MAX", 100))


def _liste() -> str:
    try:
        return reverse("bureau:dossiers")
    except NoReverseMatch:
        return reverse("comptes:accueil_role")


def _retour(request: HttpRequest) -> str:
    """The page the agent came from (their filtered list), if it is one of the portal's."""
    url = request.POST.get("retour") or request.GET.get("retour") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url[:500]
    return _liste()


def _adresse_ip(request: HttpRequest) -> str | None:
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return None


def _identifiants(valeurs: list[str]) -> tuple[list[int], list[str]]:
    """The dossiers' ids posted (deduplicated, in order), and the values that are not ids."""
    ids: list[int] = []
    invalides: list[str] = []
    for v in valeurs:
        v = (v or "").strip()
        if v.isdigit() and len(v) <= 12:
            if int(v) not in ids:
                ids.append(int(v))
        elif v and v not in invalides:
            invalides.append(v[:20])
    return ids, invalides


def _formulaire(action: etapes.ActionGroupee, donnees, acteur):
    """The action's parameter form (``formulaire(data, acteur=…)`` when it takes the agent), or None."""
    classe = action.formulaire
    if classe is None:
        return None
    try:
        prend_acteur = "acteur" in inspect.signature(classe.__init__).parameters
    except (TypeError, ValueError):
        prend_acteur = False
    form = classe(donnees, acteur=acteur) if prend_acteur else classe(donnees)
    for champ in form.fields.values():  # the DSFR classes of the fields (the template renders them)
        w = champ.widget
        if isinstance(w, forms.Select):
            w.attrs.setdefault("class", "fr-select")
        elif isinstance(w, forms.Textarea | forms.Input) and not isinstance(w, forms.CheckboxInput | forms.HiddenInput):
            w.attrs.setdefault("class", "fr-input")
    return form


def _texte(valeur) -> str:
    if hasattr(valeur, "get_full_name"):
        return valeur.get_full_name() or getattr(valeur, "email", "")
    if hasattr(valeur, "libelle"):
        return str(valeur.libelle)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def _jeton(valeur: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(str(valeur))
    except (TypeError, ValueError):
        return uuid.uuid4()


@roles_requis(*ROLES)
def confirmer(request: HttpRequest) -> HttpResponse:
    """POSTed by the dossier list (``action``, ``dossiers``, ``retour``): the confirmation page, listing the
    dossiers the agent may act on (the others are left out and said so) and the action's parameters; posted
    again with ``confirmer``, the run, then its report."""
    if request.method != "POST":
        messages.info(request, "Cochez des dossiers dans la liste, puis choisissez l'action à lancer.")
        return redirect(_liste())
    retour = _retour(request)
    code = (request.POST.get("action") or "").strip()
    if not code:
        messages.error(request, "Choisissez l'action à lancer sur les dossiers cochés.")
        return redirect(retour)
    try:
        action = etapes.action(code)
    except etapes.EtapeInconnue:
        messages.error(request, "Cette action n'existe pas : choisissez-en une dans la liste.")
        return redirect(retour)
    if action not in etapes.actions(habilitations(request.user)):
        raise PermissionDenied("Cette action n'est pas ouverte à votre profil.")
    ids, invalides = _identifiants(request.POST.getlist("dossiers"))
    if not ids and not invalides:
        messages.error(request, "Cochez au moins un dossier avant de lancer une action.")
        return redirect(retour)
    if len(ids) > dossiers_max():
        messages.error(request, f"Vous avez coché {format_fr.pluriel(len(ids), 'dossier')} : une action groupée "
                                f"porte sur {dossiers_max()} dossiers au plus. Affinez la sélection.")
        return redirect(retour)
    visibles = {d.pk: d for d in selectors.dossiers_visibles(request.user).filter(pk__in=ids)}
    if not visibles:
        raise Http404("Aucun de ces dossiers n'est accessible.")
    dossiers = [visibles[i] for i in ids if i in visibles]
    ignores = [str(i) for i in ids if i not in visibles] + invalides

    confirme = "confirmer" in request.POST
    form = _formulaire(action, request.POST if confirme else None, request.user)
    if confirme and (form is None or form.is_valid()):
        parametres = dict(form.cleaned_data) if form is not None else {}
        description = {form.fields[n].label or n: _texte(v) for n, v in parametres.items()} if form else {}
        execution = services.execution_lancer(
            acteur=request.user, action=action, dossiers=dossiers, ignores=ignores, parametres=parametres,
            description=description, jeton=_jeton(request.POST.get("jeton")), retour=retour,
            apres=actions.apres(action.code), contexte={"adresse_ip": _adresse_ip(request)})
        return redirect("bureau:actions_rapport", pk=execution.pk)
    situations = selectors.situations(dossiers)
    return render(request, "bureau/actions_confirmer.html", {
        "title": f"Confirmer : {action.libelle}", "action": action, "form": form, "retour": retour,
        "lignes": [{"dossier": d, "libelle": selectors.libelle_dossier(d), "situation": situations.get(d.pk, "")}
                   for d in dossiers],
        "ignores": ignores, "jeton": _jeton(request.POST.get("jeton")) if confirme else uuid.uuid4(),
    }, status=400 if confirme else 200)


@require_GET
@roles_requis(*ROLES)
def rapport(request: HttpRequest, pk) -> HttpResponse:
    """The report of a run: what was done (with its sentence), refused (and why), ignored; its author's only."""
    execution = selectors.execution_pour(request.user, pk)
    r = selectors.rapport(execution)
    try:
        archive = execution.archive
    except Archive.DoesNotExist:
        archive = None
    interrompue = (execution.etat == Execution.Etat.EN_COURS
                   and (timezone.now() - execution.cree_le).total_seconds() > INTERRUPTION)
    return render(request, "bureau/actions_rapport.html", {
        "title": f"Rapport : {execution.libelle}", "execution": execution, "rapport": r, "archive": archive,
        "interrompue": interrompue, "retour": execution.retour or _liste(),
    })


def _etat_archive(request: HttpRequest, a: Archive) -> dict:
    blocage = blocage_telechargement(a.document, request.user) if a.document is not None else None
    pret = a.etat == Archive.Etat.PRETE and a.expire_le is not None and a.expire_le > timezone.now()
    if a.etat == Archive.Etat.DEMANDEE:
        message = "L'archive attend qu'un serveur de traitement la prenne en charge."
    elif a.etat == Archive.Etat.EN_COURS:
        message = (f"Préparation en cours : {a.traites} sur {format_fr.pluriel(a.total, 'document')} mis dans "
                   "l'archive." if a.total else "Préparation en cours : recherche des documents.")
    elif a.etat == Archive.Etat.ECHEC:
        message = a.erreur or "La préparation de l'archive a échoué."
    elif pret and blocage:
        message = "L'archive est prête ; son analyse antivirale est en cours : elle sera téléchargeable dans un instant."
    elif pret:
        message = f"L'archive est prête : {format_fr.pluriel(a.traites, 'document')}, {filesizeformat(a.taille)}."
    else:
        message = "Cette archive a expiré : son fichier a été supprimé. Relancez l'action depuis la liste des dossiers."
    expiree = a.etat == Archive.Etat.EXPIREE or (a.etat == Archive.Etat.PRETE and not pret)
    return {
        "etat": a.etat, "libelle": "Expirée" if expiree else a.get_etat_display(), "expiree": expiree,
        "traites": a.traites, "total": a.total,
        "pourcentage": a.pourcentage, "termine": a.termine and not (pret and blocage), "message": message,
        "telechargeable": bool(pret and not blocage),
        "lien": reverse("documents:telecharger", args=[a.document_id]) if pret and not blocage else "",
    }


@require_GET
@roles_requis(*ROLES)
def archive(request: HttpRequest, pk) -> HttpResponse:
    """The progress of a ZIP archive (the page polls ``archive_etat``), then its download link."""
    a = selectors.archive_pour(request.user, pk)
    return render(request, "bureau/actions_archive.html", {
        "title": "Archive ZIP des documents", "archive": a, "etat": _etat_archive(request, a),
        "heures": services.heures_conservation(),
    })


@require_GET
@roles_requis(*ROLES)
def archive_etat(request: HttpRequest, pk) -> JsonResponse:
    a = selectors.archive_pour(request.user, pk)
    reponse = JsonResponse(_etat_archive(request, a))
    reponse["Cache-Control"] = "no-store"
    return reponse


@require_GET
@roles_requis(*ROLES)
def historique(request: HttpRequest) -> HttpResponse:
    """The agent's bulk actions, latest first, with their counts and their archives."""
    return render(request, "bureau/actions_historique.html", {
        "title": "Mes actions groupées", **paginer(request, selectors.executions_de(request.user), 20),
        "liste": _liste(),
    })
