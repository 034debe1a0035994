"""Payment pages.

- The public **simulator** (no login): find a structure in the FINESS referential (the sign-up's
  search, without JavaScript), see its ceiling for the current call, the row that applied and why.
- The ceiling tables for the ANS administration (``admin_ans``): the versions of each call, one
  version's rows, and the import of a CSV/XLSX file (all or nothing, errors row by row).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import Role
from care_portal.core import exports, format_fr
from care_portal.referentiel import selectors as referentiel_selectors
from care_portal.referentiel.models import GHT, EtablissementGeographique
from care_portal.referentiel.recherche import (
    MESSAGE_INCONNU,
    etablissement_par_valeur,
    rechercher_pour_une_page,
)

from . import selectors, services
from .forms import ImportPlafondsForm, RechercheStructureForm
from .imports import COLONNES
from .imports import TAILLE_MAX as TAILLE_MAX_PLAFONDS
from .regles import libelle_type

# --- the public simulator ---------------------------------------------------------------------------

@require_GET
def simulateur(request: HttpRequest) -> HttpResponse:
    form = RechercheStructureForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    appel = referentiel_selectors.appel_courant()
    contexte: dict = {"title": "Simulateur du montant plafond", "form": form, "q": q, "appel": appel,
                      "resultats": [], "erreur_finess": "", "erreur": "", "trop_court": False}
    valeur = request.GET.get("etablissement")
    if valeur is not None:
        etablissement = etablissement_par_valeur(valeur)
        if etablissement is None:
            contexte["erreur"] = MESSAGE_INCONNU
            return render(request, "paiement/simulateur.html", contexte, status=404)
        structure = selectors.structure_porteuse(etablissement)
        simulation = selectors.simuler_plafond(structure, appel) if appel else None
        contexte.update({
            "title": f"Montant plafond — {structure.nom if isinstance(structure, GHT) else structure.raison_sociale}",
            "etablissement": etablissement, "structure": structure, "est_ght": isinstance(structure, GHT),
            "est_eg": isinstance(etablissement, EtablissementGeographique),
            "via_ght": isinstance(structure, GHT) and not isinstance(etablissement, GHT),
            "simulation": simulation,
            "type_libelle": libelle_type(simulation.resultat.structure.type_structure)
            if simulation and simulation.resultat else "",
            "membres": selectors.membres_du_ght(structure) if isinstance(structure, GHT) else [],
        })
        return render(request, "paiement/simulateur.html", contexte)
    if q:
        trouve = rechercher_pour_une_page(request, q)
        if isinstance(trouve, HttpResponse):
            return trouve
        contexte.update(trouve)
    return render(request, "paiement/simulateur.html", contexte)


# --- the ceiling tables (ANS administration) ---------------------------------------------------------

def _page_plafonds(request: HttpRequest, form: ImportPlafondsForm, *, erreurs_import: list[str] | None = None,
                   message_import: str = "", status: int = 200) -> HttpResponse:
    toutes = list(selectors.grilles())
    en_vigueur = {}
    for grille in toutes:
        if grille.appel_id not in en_vigueur:
            actuelle = selectors.grille_en_vigueur(grille.appel)
            en_vigueur[grille.appel_id] = actuelle.pk if actuelle else None
    return render(request, "paiement/plafonds.html", {
        "title": "Matrices des montants plafonds", "form": form, "grilles": toutes,
        "en_vigueur": set(en_vigueur.values()), "erreurs_import": erreurs_import or [],
        "message_import": message_import, "colonnes": COLONNES,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@roles_requis(Role.ADMIN_ANS)
def plafonds(request: HttpRequest) -> HttpResponse:
    """GET: the versions of every call and the import form; POST: import a file as a new version."""
    if request.method == "GET":
        return _page_plafonds(request, ImportPlafondsForm())
    form = ImportPlafondsForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page_plafonds(request, form, status=400)
    data = form.cleaned_data
    fichier = data["fichier"]
    try:
        grille = services.grille_importer(
            appel=data["appel"], contenu=fichier.read(TAILLE_MAX_PLAFONDS + 1), nom_fichier=fichier.name,
            acteur=request.user,
            illustrative=data["illustrative"], en_vigueur_le=data["en_vigueur_le"], commentaire=data["commentaire"],
        )
    except services.MatricePlafondsInvalide as exc:
        return _page_plafonds(request, form, erreurs_import=exc.erreurs, message_import=exc.message, status=400)
    messages.success(request, f"Version {grille.version} de la matrice des montants plafonds de « {grille.appel} » "
                              f"importée : {format_fr.pluriel(grille.lignes.count(), 'ligne')}, en vigueur à partir du "
                              f"{grille.en_vigueur_le:%d/%m/%Y}.")
    return redirect("paiement:plafonds_detail", pk=grille.pk)


@never_cache
@require_GET
@roles_requis(Role.ADMIN_ANS)
def plafonds_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grille = get_object_or_404(selectors.grilles(), pk=pk)
    lignes = list(grille.lignes.order_by("type_structure", "activite_min"))
    actuelle = selectors.grille_en_vigueur(grille.appel)
    return render(request, "paiement/plafonds_detail.html", {
        "title": f"Matrice des montants plafonds v{grille.version} — {grille.appel}", "grille": grille,
        "lignes": lignes, "en_vigueur": actuelle is not None and actuelle.pk == grille.pk,
    })


@never_cache
@require_GET
@roles_requis(Role.ADMIN_ANS)
def plafonds_modele(request: HttpRequest) -> HttpResponse:
    """A CSV template to fill (UTF-8 with BOM, ``;``), with one example row per type."""
    exemples = [("ght", "0", "1000000", "250000,00"), ("ght", "1000000", "", "450000,00"),
                ("public_hors_ght", "0", "", "200000,00"), ("prive_ebnl", "0", "", "150000,00"),
                ("prive_lucratif", "0", "", "100000,00")]
    return exports.reponse_csv(COLONNES, exemples, nom="modele-matrice-plafonds.csv", en_flux=False)
