"""Every PDF the portal makes, rendered through the real code paths and read back as text (pypdf): no
template syntax or comment printed as text, no English or Python leftovers, and the key facts right
(structure, amount in French, signatories worded for a man or a woman).

The PDFs: the candidature's receipt, the declaration's receipt, the convention, the control's
attestation and report. (The payment notice is an e-mail, not a PDF: nothing to read here.)"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.candidatures.donnees import stockage_prive
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

STRUCTURE = "Centre hospitalier de Libourne"
INTERDITS = ["{#", "#}", "{{", "}}", "{%", "%}"]
MOTS_INTERDITS = re.compile(r"\b(None|True|False|nan|NaN|null|undefined)\b|\bPage \d+ of \d+")


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    return stockage_prive(settings, tmp_path)


@pytest.fixture
def ans_monsieur(settings):
    settings.CARE_ANS_SIGNATAIRE_CIVILITE = "monsieur"
    settings.CARE_ANS_SIGNATAIRE_NOM = "Paul Martin"
    settings.CARE_ANS_SIGNATAIRE_TITRE = "directeur général"


def texte(pdf: bytes) -> str:
    """The PDF's text, whitespace (including the narrow no-break spaces of French numbers) made plain."""
    assert pdf.startswith(b"%PDF")
    lecteur = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in lecteur.pages).split())


def propre(nom: str, contenu: str) -> None:
    for motif in INTERDITS:
        assert motif not in contenu, f"{nom} : « {motif} » imprimé"
    trouve = MOTS_INTERDITS.search(contenu)
    assert trouve is None, f"{nom} : « {trouve.group(0)} » imprimé"


@pytest.fixture
def dossier_controle(certificat, ans_monsieur):  # noqa: F811
    """A control whose objectives are reached, for a public EJ whose grid ceiling is 40 000 €: every
    earlier stage went through its services (receipts, signed convention, frozen declaration)."""
    from candidatures.regles import TypeCandidature as T
    from tests.paiement.paiements import controle_valide

    ctl, _, _ = controle_valide(raison_sociale=STRUCTURE, spec=[(T.PUBLIC_HORS_GHT, "0", None, "40000.00")],
                                reelle=True)
    return ctl


def _pdfs(ctl) -> dict[str, bytes]:
    from candidatures import recepisse as recepisse_candidature
    from care_portal.core.pdf import document_html
    from controle import pieces
    from conventions import services as conventions
    from declarations import recepisse as recepisse_declaration
    from declarations.selectors import dernier_instantane
    from tests.conventions.conventions import lire

    d = ctl.declaration
    c = d.candidature
    cv = c.convention
    return {
        "récépissé de candidature": recepisse_candidature.rendre(c, c.deposee_le).write_pdf(),
        "récépissé de déclaration": document_html(
            recepisse_declaration.html_du_recepisse(d, dernier_instantane(d))).write_pdf(),
        "convention": lire(conventions.document_courant(cv, conventions.CATEGORIE_CONVENTION)),
        "attestation de contrôle": pieces.attestation_pdf(ctl),
        "rapport de contrôle": pieces.rapport_pdf(ctl),
    }


def test_chaque_pdf_du_portail_se_lit_en_francais_sans_reste_de_gabarit(dossier_controle):
    textes = {nom: texte(pdf) for nom, pdf in _pdfs(dossier_controle).items()}
    for nom, contenu in textes.items():
        propre(nom, contenu)
        assert STRUCTURE in contenu, nom
    convention = textes["convention"]
    assert "Montant de la convention : 40 000,00 €" in convention
    assert "matrice des montants plafonds v1" in convention
    assert "représentée par son directeur général, Monsieur Paul Martin" in convention
    # the establishment's signatory, from the dossier: Madame Sylvie Directrice, « Directrice générale »
    assert "sa directrice générale, Madame Sylvie Directrice" in convention
    assert "Le directeur général, Monsieur Paul Martin" in convention
    assert "directrice générale de l'ANS" not in convention


def test_la_convention_s_accorde_au_signataire(dossier_controle, settings):
    from conventions import pdf as convention_pdf

    cv = dossier_controle.declaration.candidature.convention
    settings.CARE_ANS_SIGNATAIRE_CIVILITE = "madame"
    settings.CARE_ANS_SIGNATAIRE_NOM = "Anne Dupont"
    settings.CARE_ANS_SIGNATAIRE_TITRE = "Directrice générale"
    c = cv.candidature
    c.signataire_civilite, c.signataire_nom, c.signataire_fonction = "monsieur", "Jean Durand", "Directeur"
    contenu = texte(convention_pdf.rendre_pdf(cv))
    propre("convention", contenu)
    assert "représentée par sa directrice générale, Madame Anne Dupont" in contenu
    assert "son directeur, Monsieur Jean Durand" in contenu
    assert "La directrice générale, Madame Anne Dupont" in contenu
