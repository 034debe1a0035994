import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from care_portal.referentiel.finess import (
    cle_luhn,
    departement_du_finess,
    departement_insee,
    erreur_finess,
    est_valide,
    valider_finess,
)


@pytest.mark.parametrize(
    "numero",
    ["010000024", "010780054", "870000015", "630780989", "970421038", "970211207", "2A0000014", "2B0000020"],
)
def test_numeros_reels_valides(numero):
    assert est_valide(numero)
    valider_finess(numero)


def test_espaces_et_minuscules_normalises():
    assert est_valide(" 01 000 002 4 ")
    assert est_valide("2a0000014")


@pytest.mark.parametrize("numero", ["010000025", "870000016", "630780980", "2A0000015", "2B0000021"])
def test_cle_fausse(numero):
    assert "clé de contrôle" in erreur_finess(numero)
    with pytest.raises(ValidationError):
        valider_finess(numero)


@pytest.mark.parametrize(
    "numero,motif",
    [
        ("", "obligatoire"),
        ("12345", "9 caractères"),
        ("0100000240", "9 caractères"),
        ("2C0000014", "format"),
        ("3A0000014", "format"),
        ("01000002X", "format"),
        ("A10000024", "format"),
    ],
)
def test_format_invalide(numero, motif):
    assert motif in erreur_finess(numero)


def test_corse_compte_21_et_22():
    # 2A and 2B are replaced by 21 and 22 before the Luhn check: the same body with 20 fails.
    assert est_valide("2A0000014")
    assert not est_valide("200000014")
    assert cle_luhn("2A000001") == "4"
    assert cle_luhn("2B000002") == "0"


def test_departement():
    assert departement_du_finess("330781196") == "33"
    assert departement_du_finess("2A0000014") == "2A"
    assert departement_du_finess("970421038") == "974"
    assert departement_insee("9A") == "971"
    assert departement_insee("9F") == "976"
    assert departement_insee("1") == "01"
    assert departement_insee("2B") == "2B"


@given(st.from_regex(r"\A[0-9]{8}\Z"))
def test_cle_calculee_toujours_valide_et_unique(body):
    key = cle_luhn(body)
    assert est_valide(body + key)
    others = [d for d in "0123456789" if d != key]
    assert not any(est_valide(body + d) for d in others)
