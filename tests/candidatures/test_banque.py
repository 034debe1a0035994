import pytest

from candidatures.banque import verifier_coordonnees


def test_iban_et_bic_valides_normalises():
    v = verifier_coordonnees("fr76 3000 6000 0112 3456 7890 189", " agrifrpp ")
    assert (v.iban, v.bic) == ("FR7630006000011234567890189", "AGRIFRPP")
    assert v.iban_valide and v.bic_valide


def test_iban_mauvaise_cle():
    v = verifier_coordonnees("FR7630006000011234567890188", "AGRIFRPP")
    assert v.erreur_iban == "L'IBAN est invalide : sa clé de contrôle ne correspond pas."
    assert not v.iban_valide


@pytest.mark.parametrize("bic,motif", [
    ("PSSTFRPP", "ne correspond pas à la banque de l'IBAN"),
    ("DEUTDEFF", "d'un autre pays"),
    ("AGRI", "invalide"),
])
def test_bic_qui_ne_correspond_pas(bic, motif):
    v = verifier_coordonnees("FR7630006000011234567890189", bic)
    assert motif in v.erreur_bic
    assert not v.bic_valide


def test_vides():
    v = verifier_coordonnees("", "")
    assert not v.iban_valide and not v.bic_valide and v.erreur_iban is None
