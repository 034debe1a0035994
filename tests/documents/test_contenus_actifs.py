"""Active content refused at upload (issue 18): PDFs that run JavaScript or launch a program, in
clear, behind name escapes or inside a compressed object stream; images followed by HTML markup."""

from __future__ import annotations

import io
import zlib

import pytest

from care_portal.documents import services, validation
from care_portal.documents.validation import TypeRefuse, detecter_type
from care_portal.workflow.services import WorkflowError

from . import contenus
from .conftest import fichier


def pdf_brut(*objets: bytes) -> bytes:
    """A small hand-written PDF (no valid xref needed: validation reads names, not the structure)."""
    corps = b"".join(b"%d 0 obj\n%s\nendobj\n" % (i, o) for i, o in enumerate(objets, start=1))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + corps + b"trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"


CATALOGUE = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"


def flux_objets(contenu: bytes) -> bytes:
    donnees = zlib.compress(contenu)
    return (b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\r\n" % len(donnees)
            + donnees + b"\r\nendstream")


@pytest.mark.parametrize("contenu", [
    pdf_brut(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>", PAGES),
    pdf_brut(b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 3 0 R >> >>", PAGES, b"<< /Names [] >>"),
    pdf_brut(CATALOGUE, PAGES, b"<< /S /Launch /F (cmd.exe) >>"),
    pdf_brut(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61va#53cript /JS (x) >> >>", PAGES),
    pdf_brut(CATALOGUE, PAGES, flux_objets(b"3 0 << /S /JavaScript /JS (app.launchURL\\('x'\\)) >>")),
    pdf_brut(CATALOGUE, PAGES, flux_objets(b"3 0 << /Type /Action /S /Launch /Win << /F (calc) >> >>")),
], ids=["openaction-js", "javascript-du-document", "launch", "nom-echappe", "objstm-js", "objstm-launch"])
def test_pdf_actif_refuse_avec_un_message_en_francais(contenu):
    with pytest.raises(TypeRefuse) as erreur:
        detecter_type(io.BytesIO(contenu))
    assert erreur.value.message == validation.MESSAGE_PDF_ACTIF
    assert "JavaScript" in erreur.value.message and "refusés" in erreur.value.message


def test_pdf_sans_contenu_actif_accepte():
    assert detecter_type(io.BytesIO(pdf_brut(CATALOGUE, PAGES))) == validation.PDF
    assert detecter_type(io.BytesIO(pdf_brut(CATALOGUE, PAGES, flux_objets(b"3 0 << /Type /Font >>")))) == validation.PDF
    assert detecter_type(io.BytesIO(contenus.pdf())) == validation.PDF


def test_pdf_avec_piece_jointe_accepte():
    """Factur-X invoices embed their XML (/EmbeddedFile): accepted, clamd scans what they carry."""
    import weasyprint

    pdf = weasyprint.HTML(string="<p>Facture</p>").write_pdf(
        attachments=[weasyprint.Attachment(string="<facture/>", base_url=".", name="factur-x.xml")])
    assert b"/EmbeddedFile" in pdf
    assert detecter_type(io.BytesIO(pdf)) == validation.PDF


def test_un_script_entre_deux_blocs_est_trouve(monkeypatch):
    monkeypatch.setattr(validation, "TAILLE_BLOC_PDF", 64)
    contenu = pdf_brut(CATALOGUE, PAGES, b"<< " + b" " * 50 + b"/S /JavaScript /JS (x) >>")
    with pytest.raises(TypeRefuse):
        detecter_type(io.BytesIO(contenu))


PNG_ENTETE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


@pytest.mark.parametrize("contenu", [
    PNG_ENTETE + b"<html><script>alert(1)</script></html>",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<script>fetch('/')</script>",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<iframe src=x>",
], ids=["png-html", "jpeg-script", "jpeg-iframe"])
def test_image_suivie_de_html_refusee(contenu):
    with pytest.raises(TypeRefuse) as erreur:
        detecter_type(io.BytesIO(contenu))
    assert "page web (HTML)" in erreur.value.message


def test_images_ordinaires_acceptees():
    assert detecter_type(io.BytesIO(contenus.image("PNG"))) == validation.PNG
    assert detecter_type(io.BytesIO(contenus.image("JPEG"))) == validation.JPEG


@pytest.mark.django_db
def test_le_service_refuse_le_pdf_actif_et_ne_garde_rien(structure, membre, stockage):
    from care_portal.documents.models import Document

    contenu = pdf_brut(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (x) >> >>", PAGES)
    with pytest.raises(WorkflowError) as erreur:
        services.document_deposer(fichier=fichier(contenu, "facture.pdf"), acteur=membre, proprietaire=structure,
                                  categorie="pssi")
    assert erreur.value.message == validation.MESSAGE_PDF_ACTIF
    assert not Document.tous.exists()
    assert not [p for p in stockage.rglob("*") if p.is_file()]


# --- documents never scanned, once clamd is configured --------------------------------------------


@pytest.mark.django_db
def test_non_analyse_avant_clamd_puis_analyse_par_la_relance(settings, avec_clamd, taches_embarquees, client,
                                                           structure, membre):
    """Uploaded without clamd (non analysé): once clamd is there, only its uploader may download it
    until the periodic re-run scans it; an infected one is then blocked for everyone."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from care_portal.documents.models import Document
    from care_portal.documents.tasks import relancer_analyses_task
    from tests.factories import UserFactory

    socket = settings.CLAMD_SOCKET
    settings.CLAMD_SOCKET = ""
    sain = services.document_deposer(fichier=fichier(contenus.pdf(), "pssi.pdf"), acteur=membre,
                                     proprietaire=structure, categorie="pssi")
    infecte = services.document_deposer(fichier=fichier(contenus.zip_eicar(), "export.zip"), acteur=membre,
                                        proprietaire=structure, categorie="pssi")
    assert {sain.etat_analyse, infecte.etat_analyse} == {Document.EtatAnalyse.NON_ANALYSE}
    Document.objects.update(depose_le=timezone.now() - timedelta(hours=1))
    settings.CLAMD_SOCKET = socket
    collegue = UserFactory()
    assign_perm("referentiel.acceder_structure", collegue, structure)
    client.force_login(collegue)
    assert client.get(reverse("documents:telecharger", args=[sain.pk])).status_code == 403

    assert relancer_analyses_task.delay().get() == 2
    sain.refresh_from_db()
    infecte.refresh_from_db()
    assert (sain.etat_analyse, infecte.etat_analyse) == (Document.EtatAnalyse.SAIN, Document.EtatAnalyse.INFECTE)
    assert client.get(reverse("documents:telecharger", args=[sain.pk])).status_code == 200
    assert client.get(reverse("documents:telecharger", args=[infecte.pk])).status_code == 403
