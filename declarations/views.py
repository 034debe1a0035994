"""Declaration pages (STYLE.md: selector → service → redirect + message; every action is a POST).

    mes_declarations   ES       the structures' candidatures with a signed convention, their declaration
    ouvrir             ES       POST: declaration_creer, then the declaration
    detail             all      the declaration: bilan editor + XLSX import/export + submission (ES while
                                it may edit), the objectives' verdicts (live and as submitted), the ARS's
                                actions, the receipts, the timeline
    ligne_ajouter / ligne_supprimer                      ES (référent, DSI, RSSI)   POST
    modele_xlsx / exporter_xlsx                          GET: the template, the bilan as XLSX
    importer / importer_confirmer                        ES   POST: read the file; with errors nothing is
                                                         imported until the user confirms the valid rows
    deposer                                              ES référent   POST
    demander_complement / declarer_complete / declarer_non_recevable   ARS   POST
    file               ARS/ANS  the region's queue with the verdicts side by side (ANS: national, read-only)

Each view declares its roles (``roles_requis``: wrong role → 403) and fetches the declaration through
``obtenir_ou_404(declarations_pour(user), …)`` (another structure's or region's → 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from candidatures.selectors import candidatures_pour
from care_portal.bureau import selectors as bureau_selectors
from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ANS, ROLES_ARS, ROLES_ES, Role
from care_portal.comptes.selectors import habilitations, obtenir_ou_404
from care_portal.core import format_fr, pagination
from care_portal.core.alertes import action_avec_motif, alerte, erreurs_du_formulaire
from care_portal.documents.upload import refus_upload
from care_portal.workflow.chronologie import chronologie
from care_portal.workflow.services import WorkflowError

from . import bilan, bilan_xlsx, selectors, services
from .forms import (
    DepotForm,
    FiltreFileForm,
    ImportForm,
    LigneForm,
    formulaire_complement,
    formulaire_non_recevable,
)
from .models import Categorie, Declaration

ROLES_DOSSIER = tuple(ROLES_ES | ROLES_ARS | ROLES_ANS)
ROLES_EDITION = (Role.REFERENT_ES, Role.DSI, Role.RSSI)
ROLES_FILE = (Role.REFERENT_ARS, *ROLES_ANS)
CLE_IMPORT = "declarations-import-{pk}"


def _declaration(request: HttpRequest, pk: int) -> Declaration:
    return obtenir_ou_404(selectors.declarations_pour(request.user), pk=pk)


def _vers_detail(d: Declaration, ancre: str = "") -> HttpResponse:
    return redirect(reverse("declarations:detail", args=[d.pk]) + (f"#{ancre}" if ancre else ""))



# --- ES: my declarations ------------------------------------------------------------------------

@never_cache
@require_GET
@roles_requis(*ROLES_ES)
def mes_declarations(request: HttpRequest) -> HttpResponse:
    candidatures = list(selectors.candidatures_declarables_pour(request.user))
    declarations = {d.candidature_id: d for d in Declaration.objects.filter(candidature__in=candidatures)}
    return render(request, "declarations/mes_declarations.html", {
        "title": "Mes déclarations d'atteinte des objectifs",
        "lignes": [(c, declarations.get(c.pk)) for c in candidatures],
        "peut_ouvrir": habilitations(request.user).a(*ROLES_EDITION),
    })


@roles_requis(*ROLES_EDITION)
@require_POST
def ouvrir(request: HttpRequest, candidature_pk: int) -> HttpResponse:
    c = obtenir_ou_404(candidatures_pour(request.user), pk=candidature_pk)
    try:
        d = services.declaration_creer(candidature=c, acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("declarations:mes_declarations")
    messages.success(request, "Déclaration ouverte : saisissez ou importez le bilan financier, puis déposez-la.")
    return _vers_detail(d)


@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def pour_candidature(request: HttpRequest, candidature_pk: int) -> HttpResponse:
    """From the candidature or its convention: the declaration if it exists, else the ES's list."""
    c = obtenir_ou_404(candidatures_pour(request.user), pk=candidature_pk)
    d = selectors.declarations_pour(request.user).filter(candidature=c).first()
    if d is not None:
        return _vers_detail(d)
    if habilitations(request.user).est_es:
        return redirect("declarations:mes_declarations")
    messages.info(request, "L'établissement n'a pas encore ouvert sa déclaration.")
    return redirect("candidatures:detail", c.pk)


# --- the declaration ------------------------------------------------------------------------------

def _actions(user, d: Declaration) -> set[str]:
    """The state machine's transitions × the service's rights (the screen and the rules agree)."""
    from candidatures.services import peut_deposer, peut_editer, peut_instruire

    c = d.candidature
    disponibles = {t.name for t in d.get_available_etat_transitions()}
    actions: set[str] = set()
    if d.modifiable_par_es and peut_editer(user, c):
        actions.add("editer")
    if peut_deposer(user, c):
        actions |= disponibles & {"deposer"}
    if peut_instruire(user, c):
        actions |= disponibles & {"demander_complement", "declarer_complete", "declarer_non_recevable"}
    return actions


def _tableau_totaux(totaux: bilan.Totaux, objectifs: dict[str, str]) -> list[dict]:
    codes = list(objectifs) + [code for code in totaux.par_objectif if code not in objectifs]
    lignes = []
    for code in codes:
        somme = totaux.par_objectif.get(code)
        if somme is None:
            continue
        lignes.append({
            "code": code, "titre": objectifs.get(code, ""),
            "categories": [totaux.par_objectif_categorie.get((code, cat), bilan.Somme()).eligible
                           for cat in Categorie.values],
            "somme": somme,
        })
    return lignes


def _contexte(request: HttpRequest, d: Declaration, **surcharges) -> dict:
    from objectifs.selectors import verdicts_de

    user = request.user
    c = d.candidature
    actions = _actions(user, d)
    objectifs = selectors.objectifs_applicables(c)
    lignes = selectors.lignes_de(d)
    totaux = selectors.totaux_de(d, lignes)
    instantane = selectors.dernier_instantane(d)
    figes = {v["code"]: v for v in instantane.verdicts} if instantane else {}
    vivants = verdicts_de(c)
    import_en_attente = request.session.get(CLE_IMPORT.format(pk=d.pk))
    contexte = {
        "title": f"Déclaration — {c.structure_libelle}",
        "d": d, "c": c, "actions": actions,
        "editable": "editer" in actions,
        "lecture_seule": not actions,
        "objectifs": objectifs,
        "lignes": lignes,
        "totaux": totaux,
        "tableau_totaux": _tableau_totaux(totaux, objectifs),
        "categories": Categorie.choices,
        "base_libelle": "HT" if totaux.base == "ht" else "TTC",
        "verdicts": [{"vivant": v, "fige": figes.get(v.code)} for v in vivants],
        "avertissements": services.avertissements_de(vivants),
        "instantane": instantane,
        "recepisses": selectors.recepisses_de(d),
        "fenetre_ouverte": c.appel.declaration_debut <= timezone.localdate() <= c.appel.declaration_fin,
        "periode": selectors.contexte_bilan(d),
        "form_ligne": surcharges.pop("form_ligne", None) or LigneForm(objectifs=objectifs),
        "form_import": surcharges.pop("form_import", None) or ImportForm(),
        "form_depot": surcharges.pop("form_depot", None) or DepotForm(),
        "form_complement": surcharges.pop("form_complement", None) or formulaire_complement(),
        "form_non_recevable": surcharges.pop("form_non_recevable", None) or formulaire_non_recevable(),
        "import_en_attente": import_en_attente,
        "chronologie": chronologie([d], limite=200),
        "alerte": surcharges.pop("alerte", None),
    }
    contexte.update(surcharges)
    return contexte


def _rendre(request: HttpRequest, d: Declaration, *, status: int = 200, **surcharges) -> HttpResponse:
    d = _declaration(request, d.pk)
    return render(request, "declarations/detail.html", _contexte(request, d, **surcharges), status=status)


@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    return render(request, "declarations/detail.html", _contexte(request, d))


@roles_requis(*ROLES_EDITION)
@require_POST
def ligne_ajouter(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    form = LigneForm(request.POST, request.FILES, objectifs=selectors.objectifs_applicables(d.candidature))
    titre = "La dépense n'a pas été ajoutée"
    refus = refus_upload(request)
    if refus or not form.is_valid():
        return _rendre(request, d, status=400, form_ligne=form, alerte=alerte(
            titre, liste=erreurs_du_formulaire(form, refus.values())))
    donnees = {k: form.cleaned_data[k] for k in bilan_xlsx.CHAMPS}
    try:
        services.ligne_ajouter(declaration=d, acteur=request.user, donnees=donnees,
                               justificatif=form.cleaned_data.get("justificatif"))
    except services.LigneInvalide as exc:
        return _rendre(request, d, status=400, form_ligne=form, alerte=alerte(titre, liste=exc.erreurs))
    except WorkflowError as exc:
        return _rendre(request, d, status=400, form_ligne=form, alerte=alerte(titre, exc.message))
    messages.success(request, f"Dépense « {donnees['libelle']} » ajoutée au bilan.")
    return _vers_detail(d, "bilan")


@roles_requis(*ROLES_EDITION)
@require_POST
def ligne_supprimer(request: HttpRequest, pk: int, ligne_pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    ligne = obtenir_ou_404(d.lignes.all(), pk=ligne_pk)
    try:
        services.ligne_supprimer(ligne=ligne, acteur=request.user)
    except WorkflowError as exc:
        return _rendre(request, d, status=400, alerte=alerte("La dépense n'a pas été retirée", exc.message))
    messages.success(request, f"Dépense « {ligne.libelle} » retirée du bilan.")
    return _vers_detail(d, "bilan")


def _xlsx(contenu: bytes, nom: str) -> HttpResponse:
    reponse = HttpResponse(contenu, content_type=bilan_xlsx.TYPE_MIME)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def modele_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    return _xlsx(bilan_xlsx.modele(selectors.contexte_bilan(d)),
                 f"modele-bilan-financier-{d.candidature.entite_juridique.finess}.xlsx")


@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def exporter_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    return _xlsx(bilan_xlsx.exporter(selectors.lignes_de(d), selectors.contexte_bilan(d)),
                 bilan_xlsx.nom_export(d.candidature.entite_juridique.finess, timezone.localdate()))


@roles_requis(*ROLES_EDITION)
@require_POST
def importer(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    form = ImportForm(request.POST, request.FILES)
    titre = "Le bilan n'a pas été importé"
    refus = refus_upload(request)
    cle = CLE_IMPORT.format(pk=d.pk)
    request.session.pop(cle, None)
    if refus or not form.is_valid():
        return _rendre(request, d, status=400, form_import=form, alerte=alerte(
            titre, liste=erreurs_du_formulaire(form, refus.values())))
    if "editer" not in _actions(request.user, d):
        return _rendre(request, d, status=400, alerte=alerte(titre, "Le bilan financier n'est plus modifiable."))
    fichier = form.cleaned_data["fichier"]
    # read one byte past the limit, never the whole upload: ``lire`` refuses what is too large
    resultat = bilan_xlsx.lire(fichier.read(bilan_xlsx.LIMITES.taille_max + 1), selectors.contexte_bilan(d))
    remplacer = form.cleaned_data["remplacer"]
    if resultat.fichier_refuse or not resultat.lignes:
        return _rendre(request, d, status=400, form_import=form, alerte=alerte(
            titre, "Aucune ligne n'a été importée." if not resultat.fichier_refuse else "", resultat.erreurs))
    if resultat.erreurs:
        request.session[cle] = {"lignes": [ligne.en_json() for ligne in resultat.lignes], "remplacer": remplacer,
                                "fichier": fichier.name, "erreurs": resultat.erreurs,
                                "valides": len(resultat.lignes), "en_erreur": resultat.lignes_en_erreur}
        return _rendre(request, d, status=400, form_import=form, alerte=alerte(
            f"{resultat.lignes_en_erreur} ligne{format_fr.s(resultat.lignes_en_erreur)} du fichier "
            f"{'sont' if resultat.lignes_en_erreur > 1 else 'est'} en erreur : rien n'a été importé",
            f"{len(resultat.lignes)} ligne{format_fr.s(len(resultat.lignes))} {'sont' if len(resultat.lignes) > 1 else 'est'} valide{format_fr.s(len(resultat.lignes))}. Corrigez le fichier et importez-le de nouveau, ou "
            "confirmez l'import des seules lignes valides.", resultat.erreurs))
    return _importer(request, d, resultat.lignes, remplacer, fichier.name)


def _importer(request: HttpRequest, d: Declaration, lignes, remplacer: bool, nom: str) -> HttpResponse:
    try:
        n = services.lignes_importer(declaration=d, acteur=request.user, lignes=lignes, remplacer=remplacer,
                                     nom_fichier=nom)
    except WorkflowError as exc:
        return _rendre(request, d, status=400, alerte=alerte("Le bilan n'a pas été importé", exc.message))
    messages.success(request, f"{n} dépense{format_fr.s(n)} importée{format_fr.s(n)} depuis « {nom} ».")
    return _vers_detail(d, "bilan")


@roles_requis(*ROLES_EDITION)
@require_POST
def importer_confirmer(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    attente = request.session.pop(CLE_IMPORT.format(pk=d.pk), None)
    if not attente:
        messages.error(request, "Aucun import n'attend de confirmation : importez de nouveau le fichier.")
        return _vers_detail(d, "import")
    lignes = [bilan.LigneSaisie.depuis_json(x) for x in attente["lignes"]]
    return _importer(request, d, lignes, attente["remplacer"], attente["fichier"])


@roles_requis(*ROLES_EDITION)
@require_POST
def importer_annuler(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    request.session.pop(CLE_IMPORT.format(pk=d.pk), None)
    messages.info(request, "Import abandonné : rien n'a été importé.")
    return _vers_detail(d, "import")


@roles_requis(Role.REFERENT_ES)
@require_POST
def deposer(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    form = DepotForm(request.POST)
    titre = "La déclaration n'a pas été déposée"
    if not form.is_valid():
        return _rendre(request, d, status=400, form_depot=form,
                       alerte=alerte(titre, liste=erreurs_du_formulaire(form)))
    etait_en_complement = d.etat == Declaration.Etat.COMPLEMENT_DEMANDE
    try:
        d = services.declaration_deposer(declaration=d, acteur=request.user, certifie=form.cleaned_data["certifie"])
    except WorkflowError as exc:
        return _rendre(request, d, status=400, form_depot=form, alerte=alerte(titre, exc.message))
    texte = ("Votre complément est déposé : l'ARS reprend la vérification." if etait_en_complement else
             "Votre déclaration est déposée. L'ARS va en vérifier la complétude ; un récépissé est joint.")
    if d.avertissements:
        messages.warning(request, texte + f" Attention : {len(d.avertissements)} objectif{format_fr.s(len(d.avertissements))} "
                                          f"{'ne sont pas atteints' if len(d.avertissements) > 1 else 'n’est pas atteint'} "
                                          "selon le moteur de règles ; l'avertissement est enregistré.")
    else:
        messages.success(request, texte)
    return _vers_detail(d)


# --- ARS ------------------------------------------------------------------------------------------

def _action_avec_motif(request: HttpRequest, pk: int, **action) -> HttpResponse:
    """An ARS action that needs a motive, on this declaration (care_portal.core.alertes)."""
    return action_avec_motif(request, _declaration(request, pk), rendre=_rendre, vers_detail=_vers_detail, **action)


@roles_requis(Role.REFERENT_ARS)
@require_POST
def demander_complement(request: HttpRequest, pk: int) -> HttpResponse:
    return _action_avec_motif(
        request, pk, formulaire=formulaire_complement, nom_form="form_complement",
        titre="Le complément n'a pas été demandé",
        service=lambda d, motif: services.declaration_demander_complement(declaration=d, acteur=request.user,
                                                                          message=motif),
        succes="Complément demandé : l'établissement est prévenu par e-mail.")


@roles_requis(Role.REFERENT_ARS)
@require_POST
def declarer_non_recevable(request: HttpRequest, pk: int) -> HttpResponse:
    return _action_avec_motif(
        request, pk, formulaire=formulaire_non_recevable, nom_form="form_non_recevable",
        titre="La déclaration n'a pas été déclarée non recevable",
        service=lambda d, motif: services.declaration_declarer_non_recevable(declaration=d, acteur=request.user,
                                                                             motif=motif),
        succes="Déclaration non recevable : l'établissement est prévenu par e-mail, avec le motif.")


@roles_requis(Role.REFERENT_ARS)
@require_POST
def declarer_complete(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    try:
        services.declaration_declarer_complete(declaration=d, acteur=request.user)
    except WorkflowError as exc:
        return _rendre(request, d, status=400, alerte=alerte("La déclaration n'a pas été déclarée complète",
                                                              exc.message))
    messages.success(request, "Déclaration complète : l'établissement est prévenu et l'ANS va planifier le contrôle.")
    return _vers_detail(d)


# --- the queue --------------------------------------------------------------------------------------

@never_cache
@require_GET
@roles_requis(*ROLES_FILE)
def file(request: HttpRequest) -> HttpResponse:
    h = habilitations(request.user)
    filtre = FiltreFileForm(request.GET or None)
    page = Paginator(selectors.file(request.user, filtre.filtres()), selectors.TAILLE_PAGE).get_page(
        request.GET.get("page"))
    declarations = list(page.object_list)
    verdicts = selectors.verdicts_figes(declarations)
    totaux = selectors.totaux_figes(declarations)
    # the ARS agent on each dossier (care_portal.bureau): one query for the page
    affectes = bureau_selectors.affectes([d.candidature_id for d in declarations], agence=bureau_selectors.ARS)
    codes: list[str] = []
    for par_code in verdicts.values():
        codes += [code for code in par_code if code not in codes]
    return render(request, "declarations/file.html", {
        "title": "Déclarations à vérifier" if h.est_ars and not h.est_ans else "Déclarations — vue nationale",
        "filtre": filtre, **pagination.contexte(request, page),
        "codes": codes,
        "rangs": [{"d": d, "verdicts": [verdicts.get(d.pk, {}).get(code) for code in codes],
                   "total": (totaux.get(d.pk) or {}).get("general", {}).get("eligible"),
                   "affecte": affectes.get(d.candidature_id)} for d in declarations],
        "lecture_seule": not h.est_ars,
        "nb_a_verifier": selectors.file(request.user).filter(Q(etat=Declaration.Etat.DEPOSEE)).count(),
    })
