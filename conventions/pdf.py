"""The convention's PDF: an HTML template laid out by WeasyPrint, then two empty signature fields
added on its last page (signature/pades.py), ready for the establishment's signature and the ANS's
countersignature. Pure rendering: storing it is the services' job (services_convention.py)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from care_portal.core.pdf import document_html

from .models import Convention

PARIS = ZoneInfo("Europe/Paris")
GABARIT = "conventions/convention.html"


def objectifs_de(convention: Convention) -> list[tuple[str, str, str]]:
    """(code, title, attainment rule) of the objectives the structure commits to, from the objectives
    referential (objectifs.models.Objectif); the GHT-only objectives for a GHT only."""
    from objectifs import models as objectifs

    lignes = []
    for o in objectifs.Objectif.objects.all():  # ordered by the referential's order
        if not o.s_applique_a(convention.candidature.type_candidature):
            continue
        lignes.append((o.code, o.titre, o.description))
    return lignes


def montant_texte(montant: Decimal | None) -> str:
    if montant is None:
        return "à fixer par l'ANS"
    return f"{formats.number_format(montant, decimal_pos=2, use_l10n=True, force_grouping=True)} €"


def origine_texte(convention: Convention) -> str:
    """« matrice des montants plafonds v2, ligne n° 14 (Public hors GHT, tranche de 0 à 1 000 000) »."""
    if convention.grille_version is None:
        return ""
    o = convention.origine_plafond or {}
    texte = f"matrice des montants plafonds v{convention.grille_version}"
    if o.get("illustrative"):
        texte += " (montants indicatifs)"
    if convention.grille_ligne is not None:
        texte += f", ligne n° {convention.grille_ligne}"
        if o.get("tranche"):
            texte += f" (activité combinée {o['tranche']})"
    return texte


def contexte(convention: Convention) -> dict:
    from . import signataires

    c = convention.candidature
    return {
        "cv": convention,
        "c": c,
        "lignes": [ligne for ligne in c.perimetre.all() if ligne.inclus],
        "objectifs": objectifs_de(convention),
        "montant_texte": montant_texte(convention.montant),
        "plafond_texte": montant_texte(convention.plafond),
        "origine_texte": origine_texte(convention),
        "ans": signataires.signataire_ans(),
        "es": signataires.signataire_es(c),
        "iban": " ".join(c.iban[i:i + 4] for i in range(0, len(c.iban), 4)),
        "genere_le": timezone.localtime(timezone.now(), PARIS),
    }


def rendre_html(convention: Convention) -> str:
    with translation.override("fr"):
        return render_to_string(GABARIT, contexte(convention))


def rendre_pdf(convention: Convention) -> bytes:
    """The convention's PDF with its two empty signature fields."""
    from care_portal.signature import pades

    pdf = document_html(rendre_html(convention)).write_pdf()
    return pades.preparer_champs(pdf)


def nom_du_fichier(convention: Convention, suffixe: str = "") -> str:
    return f"convention-care-{convention.numero}{suffixe}.pdf"
