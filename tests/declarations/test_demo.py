"""The ``declarations`` step of seed_demo: declarations in every state, each with a bilan, through the
services (snapshots, receipts); a second run changes nothing."""

from __future__ import annotations

import pytest

from candidatures import demo as candidatures_demo
from declarations.models import BaseEligible, Declaration, Instantane, ParametresAppel, Recepisse
from tests.candidatures.test_demo import seed

pytestmark = pytest.mark.django_db


def test_etape_declarations(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.SIGNATURE_CERTIFICAT = tmp_path / "signature" / "plateforme.crt"
    settings.SIGNATURE_CLE = tmp_path / "signature" / "plateforme.key"
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("referentiel", "comptes", "plafonds", "candidatures", "conventions", "declarations")
    assert "Déclarations de démonstration :" in sortie
    declarations = Declaration.objects.filter(candidature__appel__code=candidatures_demo.CODE_APPEL)
    assert set(declarations.values_list("etat", flat=True)) == set(Declaration.Etat.values)
    for d in declarations:
        assert d.lignes.count() >= 3
        assert d.candidature.convention.etat == "signee"
        if d.etat != Declaration.Etat.BROUILLON:
            assert Instantane.objects.filter(declaration=d).exists()
            assert Recepisse.objects.filter(declaration=d).count() == d.instantanes.count()
    assert declarations.filter(instantanes__numero=2).exists()  # answered a complement
    assert ParametresAppel.objects.get(appel__code=candidatures_demo.CODE_APPEL).base_eligible == BaseEligible.HT
    avant = list(declarations.order_by("pk").values_list("pk", "etat"))
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("declarations")
    assert "0 créée(s)" in sortie
    assert list(declarations.order_by("pk").values_list("pk", "etat")) == avant
