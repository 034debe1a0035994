"""The pure payment rules: the ceiling table (each type, bracket boundaries, no upper bound, no
matching row), its validation (overlaps), and the amount min(costs, ceiling) to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidatures.regles import TypeCandidature as T
from paiement.regles import (
    LignePlafondData,
    StructurePlafond,
    montant_paiement,
    plafond_pour,
    verifier_lignes,
)

from .donnees import lignes

D = Decimal


def s(type_structure: str, activite) -> StructurePlafond:
    return StructurePlafond(type_structure, D(activite))


@pytest.mark.parametrize(("type_structure", "activite", "montant", "tranche"), [
    (T.GHT, "0", "250000.00", "de 0 à 1 000 000"),                       # exactly at the first minimum
    (T.GHT, "999999.99", "250000.00", "de 0 à 1 000 000"),               # just below the maximum
    (T.GHT, "1000000", "450000.00", "de 1 000 000 à 5 000 000"),         # the maximum is excluded
    (T.GHT, "1234567", "450000.00", "de 1 000 000 à 5 000 000"),
    (T.GHT, "5000000", "700000.00", "à partir de 5 000 000"),            # no upper bound
    (T.GHT, "987654321", "700000.00", "à partir de 5 000 000"),
    (T.PUBLIC_HORS_GHT, "12", "180000.00", "à partir de 0"),
    (T.PRIVE_EBNL, "49999.99", "60000.00", "de 0 à 50 000"),
    (T.PRIVE_EBNL, "50000", "100000.00", "à partir de 50 000"),
    (T.PRIVE_LUCRATIF, "1000", "40000.00", "de 1 000 à 50 000"),
])
def test_la_tranche_qui_s_applique(type_structure, activite, montant, tranche):
    r = plafond_pour(s(type_structure, activite), lignes())
    assert r.trouve and r.montant == D(montant)
    assert r.ligne.tranche == tranche and r.ligne.type_structure == type_structure
    assert tranche in r.raisons[-1] and "plafond" in r.raisons[-1]


def test_la_phrase_du_ght():
    r = plafond_pour(s(T.GHT, "1234567"), lignes())
    assert r.raisons == ("GHT dont l'activité combinée est de 1 234 567 : tranche de 1 000 000 à 5 000 000, "
                         "plafond 450 000,00 €",)


def test_activite_avec_centimes_et_explications_de_la_structure():
    structure = StructurePlafond(T.PRIVE_EBNL, D("1234.50"), explications=("Activité de l'EJ.",))
    r = plafond_pour(structure, lignes())
    assert r.raisons[0] == "Activité de l'EJ."
    assert "est de 1 234,50 : tranche de 0 à 50 000, plafond 60 000,00 €" in r.raisons[1]


@pytest.mark.parametrize(("type_structure", "activite", "attendu"), [
    (T.PRIVE_LUCRATIF, "999.99", "aucune tranche de la matrice ne couvre cette activité"),  # below the first min
    (T.PRIVE_LUCRATIF, "50000", "aucune tranche de la matrice ne couvre cette activité"),   # at the last max
])
def test_aucune_tranche(type_structure, activite, attendu):
    r = plafond_pour(s(type_structure, activite), lignes())
    assert not r.trouve and r.montant is None and r.ligne is None
    assert attendu in r.raisons[-1] and "Aucun plafond pour cette structure" in r.raisons[-1]
    assert "de 1 000 à 50 000" in r.raisons[-1]


def test_aucun_plafond_pour_le_type():
    r = plafond_pour(s(T.PUBLIC_HORS_GHT, "10"), [x for x in lignes() if x.type_structure != T.PUBLIC_HORS_GHT])
    assert not r.trouve
    assert "ne prévoit aucun plafond pour le type « ES public hors GHT »" in r.raisons[-1]


def test_une_table_valide_n_a_pas_d_erreur():
    assert verifier_lignes(lignes()) == []


def test_tranches_contigues_ne_se_chevauchent_pas_mais_les_autres_si():
    ok = [LignePlafondData(T.GHT, D(0), D(100), D(1)), LignePlafondData(T.GHT, D(100), None, D(2)),
          LignePlafondData(T.PRIVE_EBNL, D(0), D(100), D(1))]  # same bracket, another type: fine
    assert verifier_lignes(ok) == []
    mauvais = [LignePlafondData(T.GHT, D(0), D(1000), D(1), numero=2),
               LignePlafondData(T.GHT, D(500), D(2000), D(2), numero=3),
               LignePlafondData(T.GHT, D(5000), None, D(3), numero=4),
               LignePlafondData(T.GHT, D(6000), D(7000), D(3), numero=5)]
    erreurs = verifier_lignes(mauvais)
    assert erreurs == [
        "Lignes 2 et 3 : les tranches « GHT » de 0 à 1 000 et de 500 à 2 000 se chevauchent.",
        "Lignes 4 et 5 : les tranches « GHT » à partir de 5 000 et de 6 000 à 7 000 se chevauchent.",
    ]


def test_lignes_invalides():
    erreurs = verifier_lignes([
        LignePlafondData(T.GHT, D(100), D(100), D(1), numero=2),
        LignePlafondData(T.GHT, D(0), D(10), D(-1), numero=3),
        LignePlafondData("clinique", D(0), None, D(1), numero=4),
        LignePlafondData(T.GHT, D(-5), D(10), D(1), numero=5),
    ])
    assert "Ligne 2 : l'activité maximale (100) doit être supérieure à l'activité minimale (100)." in erreurs
    assert "Ligne 3 : le montant plafond ne peut pas être négatif." in erreurs
    assert any(e.startswith("Ligne 4 : type de structure « clinique » inconnu") for e in erreurs)
    assert "Ligne 5 : l'activité minimale ne peut pas être négative." in erreurs


# --- the amount ---------------------------------------------------------------------------------------

def test_sous_le_plafond():
    montant, plafonne, explication = montant_paiement(D("120000.50"), D("450000"))
    assert (montant, plafonne) == (D("120000.50"), False)
    assert explication == ("Les coûts éligibles (120 000,50 €) sont inférieurs au plafond (450 000,00 €) : "
                           "le paiement est de 120 000,50 €.")


def test_egal_au_plafond():
    montant, plafonne, explication = montant_paiement(D("450000.00"), D("450000"))
    assert (montant, plafonne) == (D("450000.00"), False)
    assert "égaux au plafond" in explication


def test_au_dessus_du_plafond():
    montant, plafonne, explication = montant_paiement(D("612345.67"), D("450000.00"))
    assert (montant, plafonne) == (D("450000.00"), True)
    assert "dépassent le plafond (450 000,00 €) : le paiement est plafonné à 450 000,00 €" in explication


def test_arrondi_au_centime_le_plus_proche_demi_vers_le_haut():
    assert montant_paiement(D("1234.565"), D("5000")).montant == D("1234.57")
    assert montant_paiement(D("1234.5649"), D("5000")).montant == D("1234.56")
    assert montant_paiement(D("9999"), D("1000.005")).montant == D("1000.01")
    assert str(montant_paiement(D("7"), D("10")).montant) == "7.00"


def test_entrees_negatives_refusees():
    with pytest.raises(ValueError, match="coûts éligibles ne peuvent pas être négatifs"):
        montant_paiement(D("-1"), D("10"))
    with pytest.raises(ValueError, match="plafond ne peut pas être négatif"):
        montant_paiement(D("1"), D("-10"))


centimes = st.decimals(min_value=D("0"), max_value=D("10000000"), places=2, allow_nan=False, allow_infinity=False)


@given(couts=centimes, plafond=centimes)
def test_propriete_min_des_deux(couts, plafond):
    montant, plafonne, _ = montant_paiement(couts, plafond)
    assert montant <= couts and montant <= plafond
    assert montant in (couts, plafond)
    assert plafonne == (couts > plafond)
    assert montant.as_tuple().exponent == -2
