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
GABARIT = "candidatures/convention/convention.html"


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


def contexte(convention: Convention) -> dict:
    c = convention.candidature
    return {
        "cv": convention,
        "c": c,
        "lignes": [ligne for ligne in c.perimetre.all() if ligne.inclus],
        "objectifs": objectifs_de(convention),
        "plafond_texte": montant_texte(convention.plafond),
        "iban": " ".join(c.iban[i:i + 4] for i in range(0, len(c.iban), 4)),
        "genere_le": timezone.localtime(timezone.now(), PARIS),
    }


def rendre_html(convention: Convention) -> str:
    with translation.override("fr"):
        return render_to_string(GABARIT, contexte(convention))


def rendre_pdf(convention: Convention) -> bytes:
    """The convention's PDF with its two empty signature fields."""
    from .signature import pades

    pdf = document_html(rendre_html(convention)).write_pdf()
    return pades.preparer_champs(pdf)


def nom_du_fichier(convention: Convention, suffixe: str = "") -> str:
    return f"convention-care-{convention.numero}{suffixe}.pdf"
