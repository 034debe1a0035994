import datetime
from decimal import Decimal

import pytest

from care_portal.referentiel.models import AppelAFinancement, Departement, Region

pytestmark = pytest.mark.django_db


def test_dix_huit_regions():
    assert Region.objects.count() == 18
    assert Region.objects.filter(outre_mer=True).count() == 5
    assert set(Region.objects.filter(outre_mer=True).values_list("nom", flat=True)) == {
        "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"
    }
    assert Region.objects.get(code="84").ars == "ARS Auvergne-Rhône-Alpes"


def test_chaque_departement_dans_une_seule_region():
    codes = list(Departement.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 101
    assert Departement.objects.filter(region__isnull=True).count() == 0
    assert Departement.objects.get(code="2A").region.nom == "Corse"
    assert Departement.objects.get(code="976").region.nom == "Mayotte"
    assert Departement.objects.get(code="33").region.nom == "Nouvelle-Aquitaine"
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B", "971", "972", "973", "974", "976"}
    assert set(codes) == expected
    for region in Region.objects.all():
        assert region.departements.exists(), region.nom


def test_appel_d1_2024():
    appel = AppelAFinancement.objects.get(code="care-d1-2024")
    assert appel.domaine == "D1"
    assert appel.enveloppe == Decimal("65000000.00")
    assert (appel.candidature_debut, appel.candidature_fin) == (datetime.date(2024, 3, 18), datetime.date(2024, 4, 19))
    assert appel.instruction_fin == datetime.date(2024, 5, 21)
    assert (appel.convention_debut, appel.convention_fin) == (datetime.date(2024, 5, 21), datetime.date(2024, 5, 31))
    assert appel.declaration_debut == datetime.date(2024, 5, 21)
    assert appel.declaration_fin == datetime.date(2025, 6, 30)
    assert appel.controle_fin == datetime.date(2025, 7, 31)
    assert appel.paiement_debut == datetime.date(2024, 6, 10)
    assert appel.delai_signature_jours == 5
    appel.full_clean()


def test_appel_dates_incoherentes_refusees():
    from django.core.exceptions import ValidationError

    appel = AppelAFinancement.objects.get(code="care-d1-2024")
    appel.candidature_fin = datetime.date(2024, 1, 1)
    with pytest.raises(ValidationError) as exc:
        appel.full_clean()
    assert "candidature_fin" in exc.value.message_dict
