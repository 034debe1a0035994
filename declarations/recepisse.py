"""The récépissé of a declaration: a PDF (WeasyPrint) generated after each submission and kept as a
document of the declaration (category ``recepisse``).

It states the submission date (Europe/Paris), the structure with its FINESS number, the call, the
instructing ARS, the certification, the objectives' verdicts, the bilan's totals per objective and
category, the lines, and the name and SHA-256 of every document referred to — all read from the
frozen ``Instantane`` of that submission, never from the live data.

Idempotent, keyed on the submission date: a second run finds its ``Recepisse`` and does nothing; two
runs at once are serialised by the lock on the declaration row, and the unique constraint
(declaration, depot) is the last guard (the loser's bytes are erased). Made by the portal
(``acteur`` None), already locked, through the documents' ``fabrique``; "recepisse" is not a category users
may upload to a declaration.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

from care_portal.core.pdf import document_html
from care_portal.workflow.services import journaliser

from .models import BaseEligible, Categorie, Declaration, Instantane, Recepisse
from .selectors import CATEGORIE_RECEPISSE

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
GABARIT = "declarations/recepisse.html"
STATUTS = {"atteint": "Atteint", "non_atteint": "Non atteint", "incomplet": "Incomplet",
           "non_applicable": "Non applicable"}


def date_de_depot(depot_iso: str) -> datetime.datetime:
    depot = datetime.datetime.fromisoformat(depot_iso)
    if timezone.is_naive(depot):
        depot = timezone.make_aware(depot, datetime.UTC)
    return depot


def _euros(valeur: str) -> str:
    return f"{Decimal(valeur):,.2f}".replace(",", "\u202f").replace(".", ",") + " €"


def contexte_recepisse(d: Declaration, i: Instantane) -> dict:
    c = d.candidature
    local = timezone.localtime(i.depot, PARIS)
    categories = dict(Categorie.choices)
    totaux = i.totaux
    return {
        "d": d, "c": c, "i": i,
        "depot": local,
        "numero": f"D{d.pk}-{local:%Y%m%d%H%M%S}",
        "base": dict(BaseEligible.choices).get(i.base_eligible, i.base_eligible),
        "verdicts": [{**v, "statut_libelle": STATUTS.get(v["statut"], v["statut"])} for v in i.verdicts],
        "lignes": [{**ligne, "categorie_libelle": categories.get(ligne["categorie"], ligne["categorie"]),
                    "date": datetime.date.fromisoformat(ligne["date"]), "ht": _euros(ligne["montant_ht"]),
                    "ttc": _euros(ligne["montant_ttc"])} for ligne in i.bilan],
        "par_objectif": [{"code": code, "ht": _euros(s["ht"]), "ttc": _euros(s["ttc"]),
                          "eligible": _euros(s["eligible"])} for code, s in totaux["par_objectif"].items()],
        "par_categorie": [{"libelle": categories.get(code, code), "ht": _euros(s["ht"]), "ttc": _euros(s["ttc"]),
                           "eligible": _euros(s["eligible"])} for code, s in totaux["par_categorie"].items()],
        "general": {k: _euros(totaux["general"][k]) for k in ("ht", "ttc", "eligible")},
        "documents": [*i.documents.get("preuves", []), *i.documents.get("justificatifs", [])],
        "genere_le": timezone.localtime(timezone.now(), PARIS),
    }


def html_du_recepisse(d: Declaration, i: Instantane) -> str:
    with translation.override("fr"):
        return render_to_string(GABARIT, contexte_recepisse(d, i))


def nom_du_fichier(d: Declaration, depot: datetime.datetime) -> str:
    return (f"recepisse-declaration-{d.candidature.entite_juridique.finess}-"
            f"{timezone.localtime(depot, PARIS):%Y%m%d-%H%M%S}.pdf")


def _existant(declaration_id: int, depot: datetime.datetime):
    return Recepisse.objects.filter(declaration_id=declaration_id, depot=depot).values_list(
        "document_id", flat=True).first()


def generer_recepisse(*, declaration_id: int, depot_iso: str) -> str | None:
    """Generate and keep the receipt of the submission made at ``depot_iso``; the document's id (the
    existing one when already generated), None for an unknown declaration or submission."""
    from care_portal.documents import fabrique

    depot = date_de_depot(depot_iso)
    existant = _existant(declaration_id, depot)
    if existant is not None:
        return str(existant)
    d = (Declaration.objects.select_related("candidature__appel", "candidature__ght", "candidature__entite_juridique",
                                            "candidature__region_instructrice").filter(pk=declaration_id).first())
    i = Instantane.objects.filter(declaration_id=declaration_id, depot=depot).select_related("certifie_par").first()
    if d is None or i is None:
        logger.warning("declarations: récépissé demandé pour la déclaration %s (%s), introuvable", declaration_id,
                       depot_iso)
        return None

    def lier(verrou: Declaration, document) -> None:
        Recepisse.objects.create(declaration=verrou, depot=depot, document=document)
        journaliser(verrou, "declarations.declaration.recepisse_genere", acteur=None, donnees={
            "document": str(document.pk), "nom": document.nom_original, "sha256": document.sha256,
            "depot": depot.isoformat(),
        })

    document = fabrique.fabriquer(
        d, CATEGORIE_RECEPISSE, lambda: document_html(html_du_recepisse(d, i)).write_pdf(),
        nom=nom_du_fichier(d, depot),
        existant=lambda decl: _existant(decl.pk, depot), lier=lier,
    )
    return str(document.pk)
