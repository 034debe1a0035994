"""Public pages (no account): the programme, the calendar, the objectives and their FAQ, the reference
documents, the legal pages, the sitemap, the eligibility checker and the statistics. Reads only."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from care_portal.core import exports
from care_portal.core.limitation import limiter
from care_portal.documents.selectors import blocage_telechargement
from care_portal.documents.validation import nom_de_telechargement
from care_portal.referentiel import selectors as referentiel_selectors
from care_portal.referentiel.recherche import (
    MESSAGE_INCONNU,
    etablissement_par_valeur,
    rechercher_pour_une_page,
)
from objectifs.models import Objectif

from . import eligibilite, selectors, statistiques
from .forms import RechercheForm

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, gabarit: str, titre: str, **contexte) -> HttpResponse:
    return render(request, f"accompagnement/{gabarit}", {"title": titre, **contexte})


@require_GET
def programme(request: HttpRequest) -> HttpResponse:
    appel = referentiel_selectors.appel_courant()
    return _page(request, "programme.html", "Le programme CaRE et le Domaine 1", appel=appel,
                 objectifs=Objectif.objects.order_by("ordre", "code"))


@require_GET
def calendrier(request: HttpRequest) -> HttpResponse:
    appels = [(a, selectors.calendrier(a)) for a in selectors.appels_publies()]
    return _page(request, "calendrier.html", "Calendrier de l'appel à financement", appels=appels)


@require_GET
def objectifs(request: HttpRequest) -> HttpResponse:
    return _page(request, "objectifs.html", "Les objectifs du Domaine 1",
                 objectifs=Objectif.objects.order_by("ordre", "code"))


@require_GET
def objectif(request: HttpRequest, code: str) -> HttpResponse:
    o = get_object_or_404(Objectif, code=code)
    from candidatures.regles import TypeCandidature

    types = dict(TypeCandidature.CHOICES)
    return _page(request, "objectif.html", f"{o.code} — {o.titre}", objectif=o,
                 types=[types.get(t, t) for t in o.types_candidature or []],
                 seuils=o.seuils.order_by("code"), faq=selectors.faq_publiees(objectif=o))


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    questions = list(selectors.faq_publiees())
    generales = [q for q in questions if q.objectif_id is None]
    par_objectif: dict = {}
    for q in questions:
        if q.objectif_id is not None:
            par_objectif.setdefault(q.objectif, []).append(q)
    return _page(request, "faq.html", "Foire aux questions", generales=generales,
                 par_objectif=list(par_objectif.items()))


@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    references = list(selectors.documents_publies().order_by("ordre", "titre", "pk"))
    fichiers = selectors.fichiers_de(references)
    lignes = [{"reference": r, "fichier": fichiers.get(r.pk)} for r in references]
    return _page(request, "documents.html", "Documents de référence", lignes=lignes)


@require_GET
def document_telecharger(request: HttpRequest, pk: int) -> HttpResponse:
    """A published reference document's current file, to anyone. Public documents: no download log
    (the log is for the dossiers' private documents); an infected or not yet scanned file is not served."""
    reference = get_object_or_404(selectors.documents_publies(), pk=pk)
    fichier = selectors.fichier_de(reference)
    if fichier is None:
        raise Http404("Ce document n'a pas encore de fichier.")
    motif = blocage_telechargement(fichier, None)
    if motif:
        return _page(request, "document_indisponible.html", "Document indisponible", motif=motif,
                     reference=reference)
    try:
        flux = default_storage.open(fichier.cle_stockage, "rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("accompagnement: fichier absent du stockage pour %s (%s)", fichier.pk, exc)
        raise Http404("Fichier introuvable.") from exc
    reponse = FileResponse(flux, as_attachment=True, content_type=fichier.type_mime,
                           filename=nom_de_telechargement(fichier.nom_original, fichier.type_mime))
    reponse["Content-Length"] = str(fichier.taille)
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return reponse


@require_GET
def mentions_legales(request: HttpRequest) -> HttpResponse:
    return _page(request, "mentions_legales.html", "Mentions légales")


@require_GET
def donnees_personnelles(request: HttpRequest) -> HttpResponse:
    return _page(request, "donnees_personnelles.html", "Données personnelles")


@require_GET
def accessibilite(request: HttpRequest) -> HttpResponse:
    return _page(request, "accessibilite.html", "Déclaration d'accessibilité")


@require_GET
def plan_du_site(request: HttpRequest) -> HttpResponse:
    return _page(request, "plan_du_site.html", "Plan du site", objectifs=Objectif.objects.order_by("ordre", "code"))


# --- the eligibility checker ------------------------------------------------------------------------------

@require_GET
def eligibilite_verifier(request: HttpRequest) -> HttpResponse:
    """Search a structure, then its verdict. Every request that reads the referential counts against the
    search limit (CARE_LIMITES["recherche"]): nothing is stored."""
    form = RechercheForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    appel = referentiel_selectors.appel_courant()
    contexte: dict = {"form": form, "q": q, "appel": appel, "resultats": [], "erreur": "", "erreur_finess": "",
                      "trop_court": False}
    titre = "Vérifier l'éligibilité de votre établissement"
    valeur = request.GET.get("etablissement")
    if valeur is not None:
        if refus := limiter(request, "recherche"):
            return refus
        etablissement = etablissement_par_valeur(valeur)
        if etablissement is None:
            contexte["erreur"] = MESSAGE_INCONNU
            return render(request, "accompagnement/eligibilite.html", {"title": titre, **contexte}, status=404)
        v = eligibilite.verifier(etablissement, appel)
        contexte.update({"verification": v, "etablissement": etablissement, "structure": v.structure,
                         "est_ght": v.est_ght, "est_eg": v.est_eg, "via_ght": v.via_ght,
                         "simulation": v.simulation, "type_libelle": v.type_libelle, "membres": v.membres})
        nom = v.structure.nom if v.est_ght else v.structure.raison_sociale
        return render(request, "accompagnement/eligibilite.html", {"title": f"Éligibilité — {nom}", **contexte})
    if q:
        trouve = rechercher_pour_une_page(request, q)
        if isinstance(trouve, HttpResponse):
            return trouve
        contexte.update(trouve)
    return render(request, "accompagnement/eligibilite.html", {"title": titre, **contexte})


# --- public statistics ------------------------------------------------------------------------------------

@require_GET
def statistiques_page(request: HttpRequest) -> HttpResponse:
    stats = statistiques.statistiques(selectors.dossiers_deposes())
    return _page(request, "statistiques.html", "Statistiques du programme", stats=stats,
                 graphique=statistiques.graphique(stats), seuil=statistiques.SEUIL_SECRET)


@require_GET
def statistiques_csv(request: HttpRequest) -> HttpResponse:
    stats = statistiques.statistiques(selectors.dossiers_deposes())
    entete, lignes = stats.csv()
    return exports.reponse_csv(entete, lignes, nom="ecare-statistiques-par-region.csv", en_flux=False)
