"""Issue 18: the hostile corpus (tests/securite/corpus.py) and the hostile documents of this package pushed
through the generic upload view of the documents service, as a member of the structure: never a 500,
every refusal said in French, nothing kept (no row, no file in storage) from a refused file. A file of an
allowed type is only stored, never parsed by the portal: clamd scans it (the EICAR archive is caught by
the clamd tests of test_antivirus.py), and until then only its depositor may download it."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from care_portal.documents.models import Document
from care_portal.documents.selectors import url_depot
from tests.securite import corpus

from . import contenus
from .conftest import fichier, fichiers_stockes

pytestmark = pytest.mark.django_db

DOCUMENTS_HOSTILES = [
    ("html-renomme.pdf", contenus.HTML_RENOMME),
    ("polyglotte.pdf", contenus.PDF_POLYGLOTTE),
    ("tronque.pdf", contenus.PDF_TRONQUE),
    ("programme.pdf", contenus.EXE_WINDOWS),
    ("programme.docx", contenus.EXE_LINUX),
    ("script.pdf", contenus.SCRIPT_SHELL),
    ("script.odt", contenus.SCRIPT_BATCH),
    ("zip-casse.docx", contenus.ZIP_CASSE),
    ("macros.docx", contenus.docx(macros=True)),
    ("chiffre.zip", contenus.zip_chiffre()),
    ("actif.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n"
                  b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
    ("lance.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >> >>\nendobj\n"
                  b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"),
    ("image-html.png", b"\x89PNG\r\n\x1a\n" + contenus.HTML_RENOMME),
]

MOTS_FRANCAIS = (" est ", " le ", " la ", " les ", " des ", " de ", " un ", " une ", "fichier")


def _cas():
    for f in corpus.tous():
        yield f.nom, f.contenu
    yield from DOCUMENTS_HOSTILES


def test_le_corpus_par_le_depot_de_documents(structure, membre, stockage):
    from django.test import Client

    echecs, refuses, acceptes = [], 0, []
    for nom, contenu in _cas():
        client = Client()  # a new session per file: each answer carries only its own messages
        client.force_login(membre)
        avant = set(Document.tous.values_list("pk", flat=True))
        fichiers_avant = set(fichiers_stockes(stockage))
        reponse = client.post(url_depot(structure, "pssi"), {"fichier": fichier(contenu, nom)})
        messages = [str(m) for m in get_messages(reponse.wsgi_request)]
        nouveaux = set(Document.tous.values_list("pk", flat=True)) - avant
        if reponse.status_code >= 500 or reponse.status_code not in (200, 302, 400):
            echecs.append(f"{nom} : HTTP {reponse.status_code}")
            continue
        if nouveaux:  # accepted: a document of a type the category allows (scanned later by clamd)
            acceptes.append(nom)
            if not any("a été déposé" in m for m in messages):
                echecs.append(f"{nom} : accepté sans message de dépôt ({messages})")
            continue
        refuses += 1
        texte = " ".join(messages) or reponse.content.decode(errors="replace")
        if not any(mot in f" {texte.lower()} " for mot in MOTS_FRANCAIS):
            echecs.append(f"{nom} : refus sans message en français ({texte[:200]!r})")
        if set(fichiers_stockes(stockage)) != fichiers_avant:
            echecs.append(f"{nom} : refusé mais un fichier est resté dans le stockage")
    assert not echecs, "\n".join(echecs)
    # every hostile document is refused; what is accepted is stored only (the portal never parses a
    # deposited document: clamd scans it, and only its depositor may download it until then)
    assert not {nom for nom, _ in DOCUMENTS_HOSTILES} & set(acceptes), acceptes
    assert refuses >= len(DOCUMENTS_HOSTILES), (refuses, acceptes)
