"""Control pages (STYLE.md: selector → service → redirect + message; every action is a POST).

    planning           ANS      the controls by state, controller and ISO week; workload; late controls
                                (creates the « à planifier » controls of the complete declarations first)
    mes_controles      ES       the controls of the user's structures
    detail             all      the control: planning form, checklist, requests and answers, decision,
                                attestation and report, timeline
    planifier / commencer / grille / demander_informations / valider / non_atteinte   controller ANS, POST
    repondre           ES (référent, DSI, RSSI)   POST, with documents

Each view declares its roles (``roles_requis``: wrong role → 403) and fetches the control through
``obtenir_ou_404(controles_pour(user), …)`` (another structure's → 404). The services check the rest
(assigned controller, state, window) and their refusals are shown in a DSFR alert.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from candidatures.services import peut_editer
from care_portal.bureau import selectors as bureau_selectors
from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ANS, ROLES_ARS, ROLES_ES, Role
from care_portal.comptes.selectors import habilitations, obtenir_ou_404
from care_portal.core import format_fr, pagination, travaux
from care_portal.core.alertes import alerte, erreurs_du_formulaire
from care_portal.documents.upload import refus_upload
from care_portal.workflow.chronologie import chronologie
from care_portal.workflow.services import WorkflowError

from . import regles, selectors, services
from .forms import FiltrePlanningForm, PlanificationForm, ReponseForm, formulaire_demande
from .models import Controle, Verdict

ROLES_DOSSIER = tuple(ROLES_ES | ROLES_ARS | ROLES_ANS)
ROLES_REPONSE = (Role.REFERENT_ES, Role.DSI, Role.RSSI)


def _controle(request: HttpRequest, pk: int) -> Controle:
    return obtenir_ou_404(selectors.controles_pour(request.user), pk=pk)


def _vers_detail(c: Controle, ancre: str = "") -> HttpResponse:
    return redirect(reverse("controle:detail", args=[c.pk]) + (f"#{ancre}" if ancre else ""))



def _alerte_refus(titre: str, exc: WorkflowError) -> dict:
    if isinstance(exc, services.GrilleInvalide):
        return alerte(titre, exc.titre, exc.erreurs)
    return alerte(titre, exc.message)


# --- the planning --------------------------------------------------------------------------------

PAGE_RETARD = "page_retard"  # the late controls' own page key (the main list keeps « page »)


@never_cache
@require_GET
@roles_requis(*ROLES_ANS)
def planning(request: HttpRequest) -> HttpResponse:
    controleurs = selectors.controleurs_ans()
    filtre = FiltrePlanningForm(request.GET or None, controleurs=controleurs)
    p = selectors.planning(request.user, filtre.filtres(), page=request.GET.get("page"),
                           page_retard=request.GET.get(PAGE_RETARD))
    retard = pagination.contexte(request, p.retard_page_obj, cle=PAGE_RETARD)
    # the ANS agent on each dossier (care_portal.bureau): one query for the page
    affectes = bureau_selectors.affectes([c.declaration.candidature_id for c in p.controles],
                                         agence=bureau_selectors.ANS)
    return render(request, "controle/planning.html", {
        "title": "Planning des contrôles", "filtre": filtre, "p": p, **pagination.contexte(request, p.page_obj),
        "retard": {**retard, "cle": PAGE_RETARD},
        "etats": [(e, libelle, p.par_etat.get(e, 0)) for e, libelle in Controle.Etat.choices],
        "rangs": [{"c": c, "semaine": selectors.semaine_iso(c.date_prevue),
                   "affecte": affectes.get(c.declaration.candidature_id)} for c in p.controles],
        "etats_clos": Controle.ETATS_CLOS,
    })


@never_cache
@require_GET
@roles_requis(*ROLES_ES)
def mes_controles(request: HttpRequest) -> HttpResponse:
    controles = list(selectors.controles_pour(request.user).order_by("-cree_le", "pk"))
    return render(request, "controle/mes_controles.html", {"title": "Mes contrôles", "controles": controles})


# --- the control ---------------------------------------------------------------------------------

def _actions(user, c: Controle) -> set[str]:
    """The state machine's transitions × the services' rights (the screen and the rules agree)."""
    disponibles = {t.name for t in c.get_available_etat_transitions()}
    actions: set[str] = set()
    if selectors.est_controleur(user):
        if c.etat == Controle.Etat.A_PLANIFIER:
            actions |= disponibles & {"planifier"}
        elif selectors.est_assigne(user, c):
            actions |= disponibles & {"replanifier", "commencer", "demander_informations", "valider_atteinte",
                                      "constater_non_atteinte"}
            if c.etat in (Controle.Etat.EN_COURS, Controle.Etat.INFORMATIONS_DEMANDEES):
                actions.add("grille")
            if "commencer" in actions and selectors.commencement_refuse(c):
                actions.discard("commencer")  # before its planned day: the page says when it can start
    if "repondre" in disponibles and peut_editer(user, c.declaration.candidature):
        actions.add("repondre")
    return actions


def _form_planification(user, c: Controle, controleurs) -> PlanificationForm:
    """Pre-filled with the current plan (re-planning), else with the controller themselves."""
    if c.date_prevue:
        return PlanificationForm(controleurs=controleurs, controle=c)
    return PlanificationForm(controleurs=controleurs,
                             initial={"controleurs": [user] if selectors.est_controleur(user) else []})


def _contexte(request: HttpRequest, c: Controle, **surcharges) -> dict:
    user = request.user
    actions = _actions(user, c)
    verdicts = selectors.grille(c)
    declare = selectors.preuves_declarees(c)
    lignes = selectors.lignes_grille(verdicts)
    saisies = surcharges.pop("saisies", {})
    grille = []
    for v in verdicts:
        propose = v.verdict or regles.proposition(v.statut_moteur)
        commentaire = v.commentaire if v.verdict else "\n".join(v.raisons_moteur)
        if v.code in saisies:
            propose, commentaire = saisies[v.code]
        grille.append({"v": v, "propose": propose, "commentaire": commentaire, "fige": {"statut": v.statut_moteur},
                       "preuves": declare["preuves"].get(v.code, [])})
    controleurs = selectors.controleurs_ans()
    contexte = {
        "title": f"Contrôle — {c.declaration.candidature.structure_libelle}",
        "ctl": c, "d": c.declaration, "cand": c.declaration.candidature, "actions": actions,
        "controleurs_assignes": list(c.controleurs.all()),
        "grille": grille, "verdicts_choix": Verdict.choices,
        "documents_declares": declare["documents"],
        "manque_atteinte": regles.verifier_atteinte(lignes),
        "manque_non_atteinte": regles.verifier_non_atteinte(lignes),
        "pieces": selectors.pieces_de(c),
        # the report and attestation generation lost by the broker or a worker: said, relaunchable (ANS)
        "travaux_en_attente": travaux.en_attente(c),
        "objet_travaux": travaux.cle_objet(c),
        "peut_relancer_travaux": habilitations(user).est_ans,
        "reponses": selectors.reponses_de(c),
        "fenetre": selectors.fenetre(c),
        "commencement_refuse": selectors.commencement_refuse(c) if c.etat == Controle.Etat.PLANIFIE else [],
        "est_ans": habilitations(user).est_ans,
        "form_planification": surcharges.pop("form_planification", None) or _form_planification(user, c, controleurs),
        "form_demande": surcharges.pop("form_demande", None) or formulaire_demande(),
        "form_reponse": surcharges.pop("form_reponse", None) or ReponseForm(),
        "chronologie": chronologie([c], limite=200),
        "alerte": surcharges.pop("alerte", None),
    }
    contexte.update(surcharges)
    return contexte


def _rendre(request: HttpRequest, c: Controle, *, status: int = 200, **surcharges) -> HttpResponse:
    c = _controle(request, c.pk)
    return render(request, "controle/detail.html", _contexte(request, c, **surcharges), status=status)


@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "controle/detail.html", _contexte(request, _controle(request, pk)))


@roles_requis(Role.CONTROLEUR_ANS)
@require_POST
def planifier(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    form = PlanificationForm(request.POST, controleurs=selectors.controleurs_ans())
    titre = "Le contrôle n'a pas été planifié"
    if not form.is_valid():
        return _rendre(request, c, status=400, form_planification=form,
                       alerte=alerte(titre, liste=erreurs_du_formulaire(form)))
    replanifie = c.etat == Controle.Etat.PLANIFIE
    try:
        services.controle_planifier(controle=c, acteur=request.user, modalite=form.cleaned_data["modalite"],
                                    date_prevue=form.date_prevue(), lieu=form.cleaned_data["lieu"],
                                    controleurs=form.cleaned_data["controleurs"],
                                    duree_minutes=form.cleaned_data["duree_minutes"])
    except WorkflowError as exc:
        return _rendre(request, c, status=400, form_planification=form, alerte=_alerte_refus(titre, exc))
    messages.success(request, ("Contrôle replanifié" if replanifie else "Contrôle planifié")
                     + " : l'invitation (avec son fichier d'agenda) est envoyée aux contacts de l'établissement.")
    return _vers_detail(c)


@roles_requis(Role.CONTROLEUR_ANS)
@require_POST
def commencer(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    try:
        services.controle_commencer(controle=c, acteur=request.user)
    except WorkflowError as exc:
        return _rendre(request, c, status=400, alerte=_alerte_refus("Le contrôle n'a pas été commencé", exc))
    messages.success(request, "Contrôle commencé : renseignez la grille, objectif par objectif.")
    return _vers_detail(c, "grille")


def _saisies(request: HttpRequest, c: Controle) -> dict[str, tuple[str, str]]:
    saisies = {}
    for v in c.verdicts.all():
        verdict = request.POST.get(f"verdict-{v.pk}", "")
        commentaire = request.POST.get(f"commentaire-{v.pk}", "")
        if verdict or commentaire.strip():
            saisies[v.code] = (verdict, commentaire[:5000])
    return saisies


@roles_requis(Role.CONTROLEUR_ANS)
@require_POST
def grille(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    saisies = _saisies(request, c)
    try:
        n = services.controle_enregistrer_grille(controle=c, acteur=request.user, saisies=saisies)
    except WorkflowError as exc:
        return _rendre(request, c, status=400, saisies=saisies,
                       alerte=_alerte_refus("La grille n'a pas été enregistrée", exc))
    messages.success(request, f"Grille enregistrée ({n} objectif{format_fr.s(n)} modifié{format_fr.s(n)}).")
    return _vers_detail(c, "grille")


@roles_requis(Role.CONTROLEUR_ANS)
@require_POST
def demander_informations(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    form = formulaire_demande(request.POST)
    titre = "Les informations n'ont pas été demandées"
    if not form.is_valid():
        return _rendre(request, c, status=400, form_demande=form,
                       alerte=alerte(titre, liste=[str(e) for e in form.errors.get("message", [])]))
    try:
        services.controle_demander_informations(controle=c, acteur=request.user,
                                                message=form.cleaned_data["message"])
    except WorkflowError as exc:
        return _rendre(request, c, status=400, form_demande=form, alerte=_alerte_refus(titre, exc))
    messages.success(request, "Informations demandées : l'établissement est prévenu par e-mail.")
    return _vers_detail(c)


@roles_requis(*ROLES_REPONSE)
@require_POST
def repondre(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    form = ReponseForm(request.POST, request.FILES)
    titre = "Votre réponse n'a pas été envoyée"
    refus = refus_upload(request)
    if refus or not form.is_valid():
        return _rendre(request, c, status=400, form_reponse=form, alerte=alerte(
            titre, liste=erreurs_du_formulaire(form, refus.values())))
    try:
        services.controle_repondre(controle=c, acteur=request.user, message=form.cleaned_data["message"],
                                   fichiers=form.cleaned_data["documents"] or [])
    except WorkflowError as exc:
        return _rendre(request, c, status=400, form_reponse=form, alerte=_alerte_refus(titre, exc))
    messages.success(request, "Réponse envoyée : le contrôleur de l'ANS est prévenu.")
    return _vers_detail(c)


@roles_requis(Role.CONTROLEUR_ANS)
@require_POST
def valider(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    try:
        services.controle_valider_atteinte(controle=c, acteur=request.user)
    except WorkflowError as exc:
        return _rendre(request, c, status=400, alerte=_alerte_refus("Les objectifs n'ont pas été validés", exc))
    messages.success(request, "Objectifs atteints : l'attestation scellée et le rapport sont envoyés à "
                              "l'établissement.")
    return _vers_detail(c)


@roles_requis(Role.CONTROLEUR_ANS)
@require_POST
def non_atteinte(request: HttpRequest, pk: int) -> HttpResponse:
    c = _controle(request, pk)
    try:
        services.controle_constater_non_atteinte(controle=c, acteur=request.user)
    except WorkflowError as exc:
        return _rendre(request, c, status=400,
                       alerte=_alerte_refus("La non-atteinte n'a pas été enregistrée", exc))
    messages.success(request, "Objectifs non atteints : le rapport et le motif sont envoyés à l'établissement.")
    return _vers_detail(c)
