"""The upload handler chain of settings.FILE_UPLOAD_HANDLERS, on real multipart bodies."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import RequestFactory

from care_portal.documents.upload import refus_upload

LIMITE = "----limite-ecare-test"


def corps_multipart(taille_fichier: int, *, avant: dict | None = None, apres: dict | None = None) -> bytes:
    parties = []
    for nom, valeur in (avant or {}).items():
        parties.append(f'--{LIMITE}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n{valeur}\r\n'.encode())
    parties.append(
        f'--{LIMITE}\r\nContent-Disposition: form-data; name="fichier"; filename="export.zip"\r\n'
        f"Content-Type: application/zip\r\n\r\n".encode()
        + b"x" * taille_fichier + b"\r\n"
    )
    for nom, valeur in (apres or {}).items():
        parties.append(f'--{LIMITE}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n{valeur}\r\n'.encode())
    return b"".join(parties) + f"--{LIMITE}--\r\n".encode()


def requete(corps: bytes):
    return RequestFactory().post("/documents/deposer/x/1/pssi/", data=corps,
                                 content_type=f"multipart/form-data; boundary={LIMITE}")


@pytest.fixture
def octets_ecrits_sur_disque(monkeypatch):
    compteur = {"octets": 0}
    original = TemporaryFileUploadHandler.receive_data_chunk

    def compter(self, raw_data, start):
        compteur["octets"] += len(raw_data)
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", compter)
    return compteur


def test_petit_fichier_en_memoire_intact(settings):
    r = requete(corps_multipart(1000, avant={"suivant": "/x/"}))
    televerse = r.FILES["fichier"]
    assert isinstance(televerse, InMemoryUploadedFile)
    assert televerse.size == 1000 and televerse.read() == b"x" * 1000
    assert refus_upload(r) == {}


def test_gros_fichier_sur_disque_jamais_en_memoire(settings, stockage):
    taille = settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024
    r = requete(corps_multipart(taille))
    televerse = r.FILES["fichier"]
    assert isinstance(televerse, TemporaryUploadedFile)
    assert televerse.temporary_file_path().startswith(settings.FILE_UPLOAD_TEMP_DIR)
    assert televerse.size == taille
    televerse.close()


def test_au_dela_de_la_limite_le_fichier_est_coupe_pendant_la_reception(settings, stockage, octets_ecrits_sur_disque):
    """A file 3x over the limit: at most the limit reaches the disk, the partial file is deleted,
    the fields around it survive (the CSRF token comes first), and the request says why."""
    settings.CARE_DOCUMENTS_TAILLE_MAX = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # straight to the temporary-file handler
    r = requete(corps_multipart(3 * 1024 * 1024, avant={"csrfmiddlewaretoken": "jeton"}, apres={"suivant": "/x/"}))

    assert "fichier" not in r.FILES
    assert r.POST["csrfmiddlewaretoken"] == "jeton" and r.POST["suivant"] == "/x/"
    assert refus_upload(r) == {"fichier": "Le fichier est trop volumineux (max 1 Mo)."}
    assert octets_ecrits_sur_disque["octets"] <= settings.CARE_DOCUMENTS_TAILLE_MAX
    assert list((stockage.parent / "upload-tmp").iterdir()) == []


def test_a_la_limite_exacte_accepte(settings, stockage):
    settings.CARE_DOCUMENTS_TAILLE_MAX = 256 * 1024
    r = requete(corps_multipart(256 * 1024))
    assert r.FILES["fichier"].size == 256 * 1024
    assert refus_upload(r) == {}
