"""The ``controle`` step of seed_demo: controls in every state through the services (the attained one
with its sealed attestation and report); a second run changes nothing."""

from __future__ import annotations

import pytest

from candidatures import demo as candidatures_demo
from controle.models import Controle, PieceControle
from tests.candidatures.test_demo import seed

pytestmark = pytest.mark.django_db


def test_etape_controle(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.SIGNATURE_CERTIFICAT = tmp_path / "signature" / "plateforme.crt"
    settings.SIGNATURE_CLE = tmp_path / "signature" / "plateforme.key"
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("referentiel", "comptes", "plafonds", "candidatures", "conventions", "declarations", "controle")
    assert "Contrôles de démonstration :" in sortie
    controles = Controle.objects.filter(declaration__candidature__appel__code=candidatures_demo.CODE_APPEL)
    assert set(controles.values_list("etat", flat=True)) == set(Controle.Etat.values), sortie
    atteint = controles.get(etat=Controle.Etat.OBJECTIFS_ATTEINTS)
    assert set(PieceControle.objects.filter(controle=atteint).values_list("genre", flat=True)) == {
        "attestation", "rapport"}
    avant = list(controles.order_by("pk").values_list("pk", "etat"))
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("controle")
    assert "0 amené(s)" in sortie
    assert list(controles.order_by("pk").values_list("pk", "etat")) == avant
