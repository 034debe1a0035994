"""The PDFs of a decided control (WeasyPrint), kept as documents of the control:

- the **attestation d'atteinte des objectifs** (objectives reached only): one page with one signature
  field, sealed with the platform certificate (PAdES, care_portal/signature/pades.py) on behalf of the
  deciding controller — or « Agence du Numérique en Santé » when the decision has no named author;
- the **rapport de contrôle**: the checklist (objective, rules engine's frozen verdict, controller's
  verdict, comment), the modality and dates, the decision and its motive.

Idempotent: each piece is made once through the documents' ``fabrique`` (``PieceControle`` is unique
per (control, kind); the control's row lock serialises two runs, a lost race erases the loser's bytes).
The e-mail to the ES contacts (all the pieces attached) is recorded in the same transaction as the
last piece made, so a second run sends nothing.
"""

from __future__ import annotations

import logging
from io import BytesIO
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

from care_portal.core.pdf import document_html
from care_portal.notifications.services import envoyer_email
from care_portal.workflow.services import journaliser

from . import selectors
from .models import Controle, PieceControle

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CHAMP_CACHET = "cachet_ans"
# (ll_x, ll_y, ur_x, ur_y) in PDF points on the last page (A4 595×842): the frame the attestation's
# template draws at 672pt from the top, 312pt from the left, 226×90pt.
BOITE_CACHET = (312, 80, 538, 170)
RAISON = "Attestation d'atteinte des objectifs CaRE"
ANS = "Agence du Numérique en Santé"
STATUTS_MOTEUR = {"atteint": "Atteint", "non_atteint": "Non atteint", "incomplet": "Incomplet",
                  "non_applicable": "Non applicable"}


# the log code of each piece, in the past participle like every log code
JOURNAL = {PieceControle.Genre.ATTESTATION: "attestation_generee", PieceControle.Genre.RAPPORT: "rapport_genere"}

def numero(c: Controle) -> str:
    return f"C{c.pk}-{timezone.localtime(c.decide_le or timezone.now(), PARIS):%Y%m%d}"


def signataire(c: Controle) -> tuple[str, str]:
    """(name, function) in the seal: the deciding controller, or the agency itself."""
    u = c.decide_par
    if u is None:
        return ANS, ""
    return (u.get_full_name() or u.email), (u.fonction or f"Contrôleur de l'{ANS}")


def contexte(c: Controle) -> dict:
    d = c.declaration
    verdicts = selectors.grille(c)
    nom, fonction = signataire(c)
    return {
        "ctl": c, "d": d, "cand": d.candidature, "numero": numero(c),
        "verdicts": [{"v": v, "moteur": STATUTS_MOTEUR.get(v.statut_moteur, v.statut_moteur)} for v in verdicts],
        "controleurs": list(c.controleurs.all()),
        "signataire_nom": nom, "signataire_fonction": fonction,
        "decide_le": timezone.localtime(c.decide_le, PARIS) if c.decide_le else None,
        "date_prevue": timezone.localtime(c.date_prevue, PARIS) if c.date_prevue else None,
        "date_tenue": c.date_tenue,
        "genere_le": timezone.localtime(timezone.now(), PARIS),
    }


def _pdf(gabarit: str, c: Controle) -> bytes:
    with translation.override("fr"):
        html = render_to_string(gabarit, contexte(c))
    return document_html(html).write_pdf()


def preparer_champ(pdf: bytes) -> bytes:
    """Add the one empty signature field of the attestation over its frame (incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec(
        sig_field_name=CHAMP_CACHET, on_page=-1, box=BOITE_CACHET, readable_field_name=f"Cachet de l'{ANS}"))
    sortie = BytesIO()
    writer.write(sortie)
    return sortie.getvalue()


def attestation_pdf(c: Controle) -> bytes:
    """The attestation, sealed by the ANS (platform certificate)."""
    from care_portal.signature import pades

    nom, fonction = signataire(c)
    pdf = preparer_champ(_pdf("controle/attestation.html", c))
    return pades.sceller(pdf, champ=CHAMP_CACHET, nom=nom, fonction=fonction,
                         horodatage=c.decide_le or timezone.now(), ip="plateforme eCaRE", raison=RAISON)


def rapport_pdf(c: Controle) -> bytes:
    return _pdf("controle/rapport.html", c)


def nom_du_fichier(c: Controle, genre: str) -> str:
    prefixe = "attestation-atteinte-objectifs" if genre == PieceControle.Genre.ATTESTATION else "rapport-controle"
    return f"{prefixe}-{c.declaration.candidature.entite_juridique.finess}-{numero(c)}.pdf"


def genres_de(c: Controle) -> list[str]:
    if c.etat == Controle.Etat.OBJECTIFS_ATTEINTS:
        return [PieceControle.Genre.ATTESTATION, PieceControle.Genre.RAPPORT]
    if c.etat == Controle.Etat.OBJECTIFS_NON_ATTEINTS:
        return [PieceControle.Genre.RAPPORT]
    return []


def _existantes(controle_id: int) -> dict[str, str]:
    return {g: str(d) for g, d in PieceControle.objects.filter(controle_id=controle_id).values_list(
        "genre", "document_id")}


def generer_pieces(*, controle_id: int) -> list[str]:
    """Generate and keep the PDFs of a decided control (once each); their document ids."""
    from care_portal.documents import fabrique

    c = (Controle.objects.select_related("declaration__candidature__appel", "declaration__candidature__entite_juridique",
                                         "declaration__candidature__ght", "decide_par")
         .filter(pk=controle_id).first())
    if c is None:
        logger.warning("controle: pièces demandées pour le contrôle %s, introuvable", controle_id)
        return []
    genres = genres_de(c)

    def lier(verrou: Controle, document, genre: str) -> None:
        PieceControle.objects.create(controle=verrou, genre=genre, document=document)
        journaliser(verrou, f"controle.controle.{JOURNAL[genre]}", acteur=None, donnees={
            "document": str(document.pk), "nom": document.nom_original, "sha256": document.sha256})
        pieces = dict(PieceControle.objects.filter(controle=verrou).values_list("genre", "document_id"))
        if all(g in pieces for g in genres):  # the last one made: the e-mail, with all of them, once
            from care_portal.documents.models import Document

            par_id = Document.tous.in_bulk([pieces[g] for g in genres])
            _envoyer(c, [par_id[pieces[g]] for g in genres])

    for genre in genres:
        fabrique.fabriquer(
            c, genre, (lambda g=genre: attestation_pdf(c) if g == PieceControle.Genre.ATTESTATION else rapport_pdf(c)),
            nom=nom_du_fichier(c, genre), existant=lambda ctl, g=genre: _existantes(ctl.pk).get(g),
            lier=lambda verrou, document, g=genre: lier(verrou, document, g),
        )
    existantes = _existantes(c.pk)
    return [existantes[g] for g in genres if g in existantes]


def _envoyer(c: Controle, documents: list) -> None:
    from .services import lien

    cand = c.declaration.candidature
    atteints = c.etat == Controle.Etat.OBJECTIFS_ATTEINTS
    sujet = ("Attestation d'atteinte des objectifs CaRE" if atteints else "Contrôle CaRE : objectifs non atteints")
    envoyer_email(selectors.emails_contacts(c), f"{sujet} — {cand.structure_libelle}",
                  "controle_objectifs_atteints" if atteints else "controle_objectifs_non_atteints",
                  {"controle": c, "candidature": cand, "lien": lien(c), "lien_dossier": lien(c),
                   "documents": documents},
                  copies=selectors.emails_controleurs(c), pieces_jointes=[str(d.pk) for d in documents])
