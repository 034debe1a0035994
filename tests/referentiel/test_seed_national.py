"""``seed_demo --national --echelle V``: the campaign's volume in every stage and state, through the
services (a small fraction here; the full run is timed by hand, see the README)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count

from candidatures.models import Candidature
from controle.models import Controle
from conventions.models import Convention
from declarations.models import Declaration
from paiement.models import Paiement
from tests.candidatures.donnees import stockage_prive

pytestmark = pytest.mark.django_db
ECHELLE = 0.1  # 130 candidatures wanted (the default demo's ~47 own dossiers included)


def _etats(modele) -> dict[str, int]:
    return dict(modele.objects.values_list("etat").annotate(n=Count("pk")).values_list("etat", "n"))


@pytest.fixture
def national(settings, tmp_path):
    stockage_prive(settings, tmp_path)
    settings.SIGNATURE_CERTIFICAT = tmp_path / "signature" / "plateforme.crt"
    settings.SIGNATURE_CLE = tmp_path / "signature" / "plateforme.key"
    sortie = io.StringIO()
    call_command("seed_demo", national=True, echelle=ECHELLE, stdout=sortie)
    return sortie.getvalue()


def test_volume_national_dans_tous_les_etats(national):
    assert "volume national × 0.1" in national
    candidatures = _etats(Candidature)
    assert sum(candidatures.values()) >= round(1300 * ECHELLE)
    assert set(candidatures) == {e for e, _ in Candidature.Etat.choices}
    assert candidatures["complete"] > sum(candidatures.values()) * 0.6
    conventions = _etats(Convention)
    assert set(conventions) == {e for e, _ in Convention.Etat.choices}
    assert sum(conventions.values()) == candidatures["complete"]
    assert conventions["signee"] > sum(conventions.values()) * 0.6
    declarations = _etats(Declaration)
    assert {"brouillon", "deposee", "complement_demande", "complete", "non_recevable"} <= set(declarations)
    assert declarations["complete"] > sum(declarations.values()) * 0.5
    # the national declarations have about ten cost lines each (3 to 7 in the default demo)
    moyenne = Declaration.objects.exclude(lignes__isnull=True).annotate(n=Count("lignes")).aggregate(m=Avg("n"))["m"]
    assert moyenne > 7
    controles = _etats(Controle)
    assert set(controles) == {e for e, _ in Controle.Etat.choices}
    assert sum(controles.values()) == declarations["complete"]
    paiements = _etats(Paiement)
    assert {"a_valider", "valide", "ordonnance", "paye", "rejete"} <= set(paiements)
    assert sum(paiements.values()) == controles["objectifs_atteints"]


def test_echelle_invalide():
    with pytest.raises(CommandError):
        call_command("seed_demo", national=True, echelle=0, stdout=io.StringIO())
