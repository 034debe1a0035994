"""Builders for the declaration tests: a candidature whose convention is signed (by default brought
to « signée » without rendering nor sealing, ``tests.factories.convention_signee``; ``reelle=True``:
the native signature, codes read from the test mailbox), lines of a bilan, XLSX files."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core import mail
from django.utils import timezone
from openpyxl import Workbook

from candidatures.models import Candidature
from conventions import services as conventions
from declarations import services
from declarations.bilan_xlsx import COLONNES
from declarations.models import Declaration
from tests.conventions.conventions import commit, dernier_code, dg_ans, dossier_complet, envoyee, signee_es
from tests.factories import convention_signee


def jours(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def ouvrir_fenetre(c: Candidature, *, debut: int = -10, fin: int = 100) -> None:
    """Move the call's declaration window around today (days from today)."""
    appel = c.appel
    appel.declaration_debut, appel.declaration_fin = jours(debut), jours(fin)
    appel.save(update_fields=["declaration_debut", "declaration_fin"])


def signer(c: Candidature, dg=None, *, reelle: bool = False) -> None:
    """Send, sign (ES) and countersign (DG ANS) the convention of a complete candidature: by default
    its states, log rows and stored versions without WeasyPrint nor PAdES (a later stage's test);
    ``reelle``: through the convention services (PDF rendered, two seals; needs ``certificat``)."""
    if not reelle:
        convention_signee(c, dg=dg)
        return
    cv = signee_es(envoyee(c))
    dg = dg or dg_ans()
    with commit():
        conventions.code_envoyer_dg(acteur=dg, conventions=[cv])
    with commit():
        conventions.conventions_contresigner(acteur=dg, code=dernier_code(dg.email), ip="198.51.100.2")


def candidature_signee(*, reelle: bool = False, **kwargs):
    """A complete candidature (``dossier_complet``) whose convention is signed and countersigned, the
    declaration window open: (candidature, référent, ARS)."""
    c, referent, ars = dossier_complet(**kwargs)
    signer(c, reelle=reelle)
    ouvrir_fenetre(c)
    mail.outbox.clear()
    return Candidature.objects.get(pk=c.pk), referent, ars


def ligne(**champs) -> dict:
    base = {"objectif": "D1.O1.A", "categorie": "externe_prestations", "libelle": "Audit ORADAD par un prestataire",
            "fournisseur": "Cyber Conseil SAS", "date": jours(-30), "montant_ht": "1000.00",
            "montant_ttc": "1200.00"}
    return {**base, **champs}


def ajouter(d: Declaration, acteur, **champs):
    return services.ligne_ajouter(declaration=d, acteur=acteur, donnees=ligne(**champs))


def rafraichir(d: Declaration) -> Declaration:
    return Declaration.objects.get(pk=d.pk)


def xlsx(lignes: list[list], *, entete: list | None = None, preparer=None) -> bytes:
    """A workbook with the template's header (or ``entete``) and ``lignes``; ``preparer(ws)`` may
    alter the sheet (merge cells…)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilan"
    ws.append(entete or COLONNES)
    for rang in lignes:
        ws.append(rang)
    if preparer:
        preparer(ws)
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def montant(texte: str) -> Decimal:
    return Decimal(texte)


#: A valid row of the XLSX (after the header), for a public EJ's declaration.
BONNE_LIGNE = ["D1.O1.A", "Coûts externes (prestations)", "Audit ORADAD", "Cyber Conseil", jours(-20), 1000.5, 1200.6]
