"""Type detection on the content (never the name), and the file-name cleaning."""

from __future__ import annotations

import io

import pytest

from care_portal.documents import validation
from care_portal.documents.validation import TypeRefuse, detecter_type, nettoyer_nom, nom_de_telechargement

from . import contenus


@pytest.mark.parametrize(
    ("fabrique", "attendu"),
    [
        (contenus.pdf, validation.PDF),
        (contenus.odt, validation.ODT),
        (contenus.ods, validation.ODS),
        (contenus.docx, validation.DOCX),
        (contenus.xlsx, validation.XLSX),
        (lambda: contenus.image("PNG"), validation.PNG),
        (lambda: contenus.image("JPEG"), validation.JPEG),
        (contenus.zip_oradad, validation.ZIP),
    ],
    ids=["pdf", "odt", "ods", "docx", "xlsx", "png", "jpeg", "zip"],
)
def test_types_acceptes_reconnus_sur_le_contenu(fabrique, attendu):
    assert detecter_type(io.BytesIO(fabrique())) == attendu


@pytest.mark.parametrize(
    ("contenu", "extrait"),
    [
        (contenus.HTML_RENOMME, "page web (HTML)"),
        (b"\xef\xbb\xbf  \n<html><body>x</body></html>", "page web (HTML)"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "page web (HTML)"),
        (contenus.PDF_POLYGLOTTE, "page web (HTML)"),
        (contenus.EXE_WINDOWS, "programmes et les scripts"),
        (contenus.EXE_LINUX, "programmes et les scripts"),
        (contenus.SCRIPT_SHELL, "programmes et les scripts"),
        (contenus.SCRIPT_BATCH, "programmes et les scripts"),
        (b"", "vide"),
        (contenus.TEXTE, "type de fichier n'est pas accepté"),
        (contenus.PDF_TRONQUE, "incomplet ou endommagé"),
        (contenus.ZIP_CASSE, "endommagée ou illisible"),
        (contenus.zip_chiffre(), "mot de passe"),
        (contenus.docx(macros=True), "macros"),
        (contenus.opendocument("application/vnd.oasis.opendocument.presentation"), "OpenDocument n'est pas accepté"),
    ],
    ids=["html", "html-bom", "svg", "pdf-polyglotte", "exe", "elf", "script-sh", "script-bat", "vide", "texte",
         "pdf-tronque", "zip-casse", "zip-chiffre", "docm", "odp"],
)
def test_contenus_refuses_avec_un_message_en_francais(contenu, extrait):
    with pytest.raises(TypeRefuse) as erreur:
        detecter_type(io.BytesIO(contenu))
    assert extrait in erreur.value.message


def test_le_nom_ne_compte_pas():
    """An HTML page named .pdf is HTML; a PDF named .exe is a PDF."""
    with pytest.raises(TypeRefuse):
        detecter_type(io.BytesIO(contenus.HTML_RENOMME))
    assert detecter_type(io.BytesIO(contenus.pdf())) == validation.PDF


@pytest.mark.parametrize(
    ("brut", "propre"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\pssi.pdf", "pssi.pdf"),
        ("C:\\fakepath\\RIB banque.pdf", "RIB banque.pdf"),
        ("rap\x00port\r\n.pdf", "rapport.pdf"),
        ("facture\u202egpj.exe", "facturegpj.exe"),  # RIGHT-TO-LEFT OVERRIDE would display "exe.jpg"
        ('compte "rendu" <v2>.pdf', "compte _rendu_ _v2_.pdf"),
        ("  .cache  ", "cache"),
        ("Procédure  de\tsignalement.odt", "Procédure de signalement.odt"),
        ("e\u0301te\u0301.pdf", "été.pdf"),  # NFC
    ],
)
def test_nettoyer_nom(brut, propre):
    assert nettoyer_nom(brut) == propre


@pytest.mark.parametrize("brut", ["", None, "/", "..", "../", "\x00\x01\x02", "\u200b\u202e", " . ", "???"])
def test_nettoyer_nom_vide_apres_nettoyage(brut):
    assert nettoyer_nom(brut) == ""


def test_nettoyer_nom_long_garde_l_extension():
    nom = nettoyer_nom("a" * 400 + ".pdf")
    assert len(nom) == validation.LONGUEUR_NOM
    assert nom.endswith(".pdf")


@pytest.mark.parametrize(
    ("nom", "mime", "attendu"),
    [
        ("pssi.pdf", "application/pdf", "pssi.pdf"),
        ("PSSI.PDF", "application/pdf", "PSSI.PDF"),
        ("page.html", "application/pdf", "page.html.pdf"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("export", "application/zip", "export.zip"),
    ],
)
def test_nom_de_telechargement_porte_l_extension_du_vrai_type(nom, mime, attendu):
    assert nom_de_telechargement(nom, mime) == attendu
