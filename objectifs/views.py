"""The objectives page of a candidature (STYLE.md: selector → service → redirect + message).

    tableau            ES, ARS, ANS   GET: one card per objective (verdict, reasons, evidence, what to do,
                                      next due dates); the entry forms for the ES members who may write
    ad_ajouter, ads_ajouter, exposition_ajouter, exercice_ajouter, osis_enregistrer, budget_enregistrer,
    gouvernance_enregistrer, convergence_enregistrer        ES (référent, DSI, RSSI)   POST
    ads_modifier, perimetre_importer                        ES (référent, DSI, RSSI)   POST, one row

The candidature is fetched with ``selectors.candidature_objectifs_ou_404``: another structure's or
another region's dossier is a 404, as is a draft. The ARS of the instructing region and the ANS see
the same page without the forms. A refused entry re-renders the page (status 400) with the form as
typed, its French errors and a DSFR alert: nothing was stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from candidatures.models import Candidature
from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ANS, ROLES_ARS, ROLES_ES, Role
from care_portal.comptes.selectors import habilitations, obtenir_ou_404
from care_portal.core import format_fr
from care_portal.core.alertes import alerte
from care_portal.core.format_fr import pluriel
from care_portal.documents.upload import refus_upload
from care_portal.workflow.services import WorkflowError

from . import forms, selectors, services
from .models import AuditADS, AuditExposition

ROLES_LECTURE = tuple(ROLES_ES | ROLES_ARS | ROLES_ANS)
ROLES_SAISIE = (Role.REFERENT_ES, Role.DSI, Role.RSSI)

#: Which field a service refusal is about (WorkflowError.code → form field).
CHAMP_DU_CODE = {"date": "date", "score": "score", "doublon": "date", "rapport": "rapport", "nom": "nom",
                 "structures": "structures", "outil": "outil", "vulnerabilites": "critiques", "csv": "perimetre",
                 "kit": "kit", "preuve": "fournisseur", "mesures": "mesures_prioritaires", "montant": None}


def _candidature(request: HttpRequest, pk: int) -> Candidature:
    return selectors.candidature_objectifs_ou_404(request.user, pk)


def _vers_tableau(c: Candidature, ancre: str = "") -> HttpResponse:
    return redirect(reverse("objectifs:tableau", args=[c.pk]) + (f"#{ancre}" if ancre else ""))


# --- the page -----------------------------------------------------------------------------------------

FORMULAIRES = {
    "form_ad": forms.ActiveDirectoryForm, "form_ads": forms.AuditADSForm, "form_expo": forms.AuditExpositionForm,
    "form_exercice": forms.ExerciceForm, "form_osis": forms.OsisForm, "form_budget": forms.BudgetForm,
}
FORMULAIRES_GHT = {"form_gouvernance": forms.GouvernanceForm, "form_convergence": forms.ConvergenceForm}


def _resume(cartes) -> dict:
    """The top of the page: how many objectives are reached, and the first thing to do for each other one."""
    statuts = [getattr(carte.verdict, "statut", None) for carte in cartes]
    return {
        "total": len(cartes),
        "atteints": sum(1 for s in statuts if s == "atteint"),
        "non_atteints": sum(1 for s in statuts if s == "non_atteint"),
        "incomplets": sum(1 for s in statuts if s == "incomplet"),
        "a_faire": [{"carte": carte, "texte": carte.verdict.a_faire[0] if carte.verdict.a_faire else
                     (carte.verdict.raisons[0] if carte.verdict.raisons else "")}
                    for carte in cartes
                    if carte.verdict is not None and carte.verdict.statut in ("incomplet", "non_atteint")],
    }


def _contexte(request: HttpRequest, c: Candidature, **surcharges) -> dict:
    saisie = services.peut_saisir(request.user, c)
    h = habilitations(request.user)
    cartes = selectors.tableau(c)
    contexte = {
        "title": f"Objectifs — {c.structure_libelle}",
        "c": c,
        "cartes": cartes,
        "resume": _resume(cartes),
        "aujourd_hui": timezone.localdate(),
        "saisie": saisie,
        "gel_preuves": services.gel_des_preuves(c)[1] if h.est_es else "",
        "membre_es": h.est_es and not (h.est_ars or h.est_ans),
        "structures": selectors.structures_incluses(c),
        "active_directories": list(c.active_directories.all()),
        "audits_exposition": list(c.audits_exposition.all()),
        "alerte": surcharges.pop("alerte", None),
        "ouvrir": surcharges.pop("ouvrir", ""),
    }
    if saisie:
        formulaires = {**FORMULAIRES, **(FORMULAIRES_GHT if c.est_ght else {})}
        for nom, classe in formulaires.items():
            contexte[nom] = surcharges.pop(nom, None) or classe(candidature=c)
        lies = surcharges.pop("forms_audits", {})
        contexte["corrections_ads"] = [
            {"form": lies.get(a.pk) or forms.AuditADSModifierForm(audit=a), "id": f"form-audit-{a.pk}",
             "action": reverse("objectifs:ads_modifier", args=[c.pk, a.pk]),
             "titre": f"Corriger l'audit ADS de « {ad.nom} » du {a.date:%d/%m/%Y}"}
            for ad in contexte["active_directories"] for a in ad.audits.all()]
        lies = surcharges.pop("forms_perimetre", {})
        contexte["perimetres"] = [
            {"form": lies.get(a.pk) or forms.PerimetreExpositionForm(audit=a), "id": f"form-perimetre-{a.pk}",
             "action": reverse("objectifs:perimetre_importer", args=[c.pk, a.pk]),
             "titre": f"Compléter le périmètre de l'audit d'exposition du {a.date:%d/%m/%Y} "
                      f"({pluriel(a.nb_elements, 'élément')})"}
            for a in contexte["audits_exposition"]]
    contexte.update(surcharges)
    return contexte


def _rendre(request: HttpRequest, pk: int, *, status: int = 200, **surcharges) -> HttpResponse:
    c = _candidature(request, pk)  # fresh: a refused service changed nothing
    return render(request, "objectifs/tableau.html", _contexte(request, c, **surcharges), status=status)



@never_cache
@require_GET
@roles_requis(*ROLES_LECTURE)
def tableau(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    return render(request, "objectifs/tableau.html", _contexte(request, c))


# --- entries ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saisie:
    """One entry form of the page: its form, the service call, the success message, the card to show."""

    nom_form: str
    formulaire: type
    service: Callable[[Candidature, dict, object], object]
    succes: Callable[[object], str]
    titre_refus: str
    ancre: str


def _erreurs(form) -> list[str]:
    return [str(e) for erreurs in form.errors.values() for e in erreurs]


def _traiter(request: HttpRequest, pk: int, saisie: Saisie, *, form=None, surcharge_form: dict | None = None
             ) -> HttpResponse:
    """Validate the form, call the service, redirect with the message; or re-render with the errors."""
    c = _candidature(request, pk)
    form = form or saisie.formulaire(request.POST, request.FILES, candidature=c)
    placer = surcharge_form or {saisie.nom_form: form}
    refus = refus_upload(request)
    if refus or not form.is_valid():
        for nom, message in refus.items():
            champ = nom.split("-", 1)[-1]
            form.add_error(champ if champ in form.fields else None, message)
        return _rendre(request, pk, status=400, ouvrir=saisie.ancre, **placer,
                       alerte=alerte(saisie.titre_refus, "Corrigez les champs signalés ; rien n'a été enregistré.",
                                      _erreurs(form)))
    try:
        resultat = saisie.service(c, form.cleaned_data, request.user)
    except WorkflowError as exc:
        liste = list(getattr(exc, "erreurs", []))
        champ = CHAMP_DU_CODE.get(exc.code)
        if champ in form.fields:
            form.add_error(champ, exc.message if not liste else f"{exc.message} " + " ".join(liste[:5]))
        return _rendre(request, pk, status=400, ouvrir=saisie.ancre, **placer,
                       alerte=alerte(saisie.titre_refus, exc.message, liste))
    messages.success(request, saisie.succes(resultat))
    return _vers_tableau(c, saisie.ancre)


def _ids(valeurs) -> list[int]:
    return [int(v) for v in valeurs]


SAISIES = {
    "ad": Saisie(
        "form_ad", forms.ActiveDirectoryForm,
        lambda c, d, u: services.active_directory_ajouter(
            candidature=c, nom=d["nom"], structures=_ids(d["structures"]), description=d.get("description"),
            acteur=u),
        lambda ad: f"Active Directory « {ad.nom} » ajouté.", "L'Active Directory n'a pas été ajouté",
        "objectif-d1-o1-a"),
    "ads": Saisie(
        "form_ads", forms.AuditADSForm,
        lambda c, d, u: services.audit_ads_ajouter(
            active_directory=obtenir_ou_404(c.active_directories.all(), pk=d["active_directory"]), date=d["date"],
            score=d["score"], rapport=d["rapport"], acteur=u),
        lambda a: f"Audit ADS de « {a.active_directory.nom} » du {a.date:%d/%m/%Y} enregistré (score {a.score}).",
        "L'audit ADS n'a pas été enregistré", "objectif-d1-o1-a"),
    "exposition": Saisie(
        "form_expo", forms.AuditExpositionForm,
        lambda c, d, u: services.audit_exposition_ajouter(
            candidature=c, date=d["date"], outil=d["outil"], outil_nom=d["outil_nom"],
            structures=_ids(d["structures"]), rapport=d["rapport"], perimetre=d["perimetre"],
            fichier_csv=d.get("fichier_csv"), acteur=u,
            vulnerabilites={k: d.get(k) for k in ("critiques", "hautes", "moyennes", "faibles")}),
        lambda a: f"Audit d'exposition du {a.date:%d/%m/%Y} enregistré ({pluriel(a.elements.count(), 'élément')} de "
                  "périmètre).", "L'audit d'exposition n'a pas été enregistré", "objectif-d1-o2-a"),
    "exercice": Saisie(
        "form_exercice", forms.ExerciceForm,
        lambda c, d, u: services.exercice_crise_ajouter(
            candidature=c, structure=d["structure"], date=d["date"], kit=d["kit"], type_preuve=d["type_preuve"],
            fournisseur=d["fournisseur"], document=d["document"], acteur=u),
        lambda e: f"Exercice de crise du {e.date:%d/%m/%Y} enregistré.", "L'exercice n'a pas été enregistré",
        "objectif-d1-o3"),
    "osis": Saisie(
        "form_osis", forms.OsisForm,
        lambda c, d, u: services.osis_enregistrer(
            candidature=c, structure=d["structure"], part_budget_renseignee=d["part_budget_renseignee"],
            mesures_prioritaires=d["mesures_prioritaires"], date=d["date"], acteur=u),
        lambda o: f"Saisie oSIS de {o.structure.libelle} enregistrée.", "La saisie oSIS n'a pas été enregistrée",
        "objectif-d1-o4"),
    "budget": Saisie(
        "form_budget", forms.BudgetForm,
        lambda c, d, u: services.budget_enregistrer(
            candidature=c, structure=d["structure"], budget_general=d["budget_general"],
            budget_numerique=d["budget_numerique"], etp_securite=d["etp_securite"], acteur=u),
        lambda b: f"Budget de {b.structure.libelle} enregistré : part du numérique {selectors.part_numerique_texte(b)}.",
        "Le budget n'a pas été enregistré", "objectif-d1-o5"),
    "gouvernance": Saisie(
        "form_gouvernance", forms.GouvernanceForm,
        lambda c, d, u: services.gouvernance_enregistrer(
            candidature=c, referent_projet=d["referent_projet"], equipe_ad_unique=d["equipe_ad_unique"],
            referent_nomme_par_directeur=d["referent_nomme_par_directeur"],
            sdsi_volet_organisationnel=d["sdsi_volet_organisationnel"], sdsi_volet_technique=d["sdsi_volet_technique"],
            schema_gouvernance=d.get("schema_gouvernance"), equipe_projet=d.get("equipe_projet"),
            schema_directeur=d.get("schema_directeur"), acteur=u),
        lambda g: "Gouvernance du GHT enregistrée.", "La gouvernance n'a pas été enregistrée", "objectif-d1-o6-a"),
    "convergence": Saisie(
        "form_convergence", forms.ConvergenceForm,
        lambda c, d, u: services.convergence_enregistrer(
            candidature=c, deja_convergee=d["deja_convergee"], description=d["description"],
            valide_dsi=d["valide_dsi"], valide_comite=d["valide_comite"], date_convergence=d["date_convergence"],
            budget=d["budget"], document=d.get("document"), responsable=d["responsable"],
            equipes_mutualisees=d["equipes_mutualisees"], structures=_ids(d["structures"]), acteur=u),
        lambda v: "Convergence des AD enregistrée.", "La convergence n'a pas été enregistrée", "objectif-d1-o6-b"),
}


def _vue_saisie(action: str):
    @roles_requis(*ROLES_SAISIE)
    @require_POST
    def vue(request: HttpRequest, pk: int) -> HttpResponse:
        return _traiter(request, pk, SAISIES[action])

    vue.__name__ = f"{action}_saisir"
    return vue


ad_ajouter = _vue_saisie("ad")
ads_ajouter = _vue_saisie("ads")
exposition_ajouter = _vue_saisie("exposition")
exercice_ajouter = _vue_saisie("exercice")
osis_enregistrer = _vue_saisie("osis")
budget_enregistrer = _vue_saisie("budget")
gouvernance_enregistrer = _vue_saisie("gouvernance")
convergence_enregistrer = _vue_saisie("convergence")


@roles_requis(*ROLES_SAISIE)
@require_POST
def ads_modifier(request: HttpRequest, pk: int, audit_pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    audit = obtenir_ou_404(AuditADS.objects.select_related("active_directory"), pk=audit_pk,
                           active_directory__candidature=c)
    form = forms.AuditADSModifierForm(request.POST, request.FILES, audit=audit)
    saisie = Saisie(
        "forms_audits", forms.AuditADSModifierForm,
        lambda c, d, u: services.audit_ads_modifier(audit=audit, date=d["date"], score=d["score"],
                                                    rapport=d.get("rapport"), acteur=u),
        lambda a: f"Audit ADS de « {a.active_directory.nom} » modifié : {a.date:%d/%m/%Y}, score {a.score}.",
        "L'audit ADS n'a pas été modifié", "objectif-d1-o1-a")
    return _traiter(request, pk, saisie, form=form, surcharge_form={"forms_audits": {audit.pk: form}})


@roles_requis(*ROLES_SAISIE)
@require_POST
def perimetre_importer(request: HttpRequest, pk: int, audit_pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    audit = obtenir_ou_404(AuditExposition.objects.all(), pk=audit_pk, candidature=c)
    form = forms.PerimetreExpositionForm(request.POST, request.FILES, audit=audit)
    saisie = Saisie(
        "forms_perimetre", forms.PerimetreExpositionForm,
        lambda c, d, u: services.perimetre_exposition_importer(audit=audit, perimetre=d["perimetre"],
                                                               fichier_csv=d.get("fichier_csv"), acteur=u),
        lambda n: f"Périmètre importé : {n} élément{format_fr.s(n)} ajouté{format_fr.s(n)} à l'audit du {audit.date:%d/%m/%Y}.",
        "Le périmètre n'a pas été importé", "objectif-d1-o2-a")
    return _traiter(request, pk, saisie, form=form, surcharge_form={"forms_perimetre": {audit.pk: form}})
