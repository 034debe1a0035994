"""Fixtures of the documents tests.

- every test gets its own storage directory (and an empty upload temp dir) and no clamd, unless
  it asks for ``avec_clamd``;
- ``clamd_session`` starts a private clamd once (skipped when the binary is missing; a failure
  under CARE_REQUIRE_SERVICES=1);
- the owner used here is ``EntiteJuridique``, registered for these tests only, with the real
  scope permission ``referentiel.acceder_structure`` (guardian) as its access rule.
"""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from guardian.shortcuts import assign_perm

from care_portal.comptes.selectors import structures_pour
from care_portal.documents import acces
from care_portal.referentiel.models import EntiteJuridique
from tests.factories import EntiteJuridiqueFactory, UserFactory

from . import contenus
from .clamd_local import binaire_clamd, demarrer_clamd


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """A private FileSystemStorage for the test, plus a private upload temp dir."""
    media = tmp_path / "media"
    media.mkdir()
    temporaire = tmp_path / "upload-tmp"
    temporaire.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(temporaire)
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    return media


def fichiers_stockes(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def ej_visibles(user):
    return structures_pour(user)[0]


@pytest.fixture
def proprietaire_ej():
    """Register EntiteJuridique as a document owner for the test, and unregister it after."""
    acces.enregistrer(EntiteJuridique, ej_visibles)
    yield EntiteJuridique
    acces.desenregistrer(EntiteJuridique)


@pytest.fixture
def structure(db, proprietaire_ej):
    return EntiteJuridiqueFactory()


@pytest.fixture
def membre(structure):
    """A user holding the scope permission on ``structure`` (as a confirmed ES member does)."""
    user = UserFactory()
    assign_perm("referentiel.acceder_structure", user, structure)
    return user


@pytest.fixture
def autre_membre(db, proprietaire_ej):
    """A member of another structure."""
    user = UserFactory()
    assign_perm("referentiel.acceder_structure", user, EntiteJuridiqueFactory())
    return user


def fichier(contenu: bytes, nom: str = "piece.pdf", type_annonce: str = "application/octet-stream"):
    return SimpleUploadedFile(nom, contenu, content_type=type_annonce)


@pytest.fixture
def pdf():
    return contenus.pdf()


@pytest.fixture(scope="session")
def clamd_session():
    if binaire_clamd() is None:
        raison = "service absent : clamd (apt-get install -y clamav-daemon)"
        if os.environ.get("CARE_REQUIRE_SERVICES") == "1":
            pytest.fail(raison + " (CARE_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(raison)
    clamd = demarrer_clamd()
    yield clamd
    clamd.arreter()


@pytest.fixture
def avec_clamd(settings, clamd_session):
    settings.CLAMD_SOCKET = clamd_session.socket
    return clamd_session


@pytest.fixture
def taches_embarquees():
    """Run Celery tasks in-process for this test, whatever this run's mode (Redis or not)."""
    from care_portal.celery import app

    avant = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = avant
