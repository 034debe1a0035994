"""The control's pure rules: the checklist completeness, the non-attainment motive, the date window."""

from __future__ import annotations

import datetime

from controle import regles
from controle.regles import LigneGrille

A = LigneGrille("D1.O1.A", "Audits AD", "conforme")
B = LigneGrille("D1.O2.A", "Audits d'exposition", "reserve", "Un audit en retard de 5 jours.")


def test_atteinte_si_tout_est_verifie_et_rien_de_non_conforme():
    assert regles.verifier_atteinte([A, B]) == []


def test_atteinte_refusee_avec_un_objectif_non_verifie():
    raisons = regles.verifier_atteinte([A, LigneGrille("D1.O3", "Exercice de crise")])
    assert raisons == ["D1.O3 — Exercice de crise : pas encore vérifié."]


def test_atteinte_refusee_avec_un_objectif_non_conforme():
    raisons = regles.verifier_atteinte([A, LigneGrille("D1.O3", "Exercice", "non_conforme", "Aucun exercice.")])
    assert raisons == ["D1.O3 — Exercice : non conforme."]


def test_atteinte_refusee_sur_une_grille_vide():
    assert regles.verifier_atteinte([])


def test_reserve_et_non_conformite_motivees():
    assert regles.verifier_saisie(LigneGrille("D1.O3", "x", "reserve", "  ")) == [
        "D1.O3 : un objectif conforme avec réserve doit être motivé par un commentaire."]
    assert regles.verifier_saisie(LigneGrille("D1.O3", "x", "non_conforme")) == [
        "D1.O3 : un objectif non conforme doit être motivé par un commentaire."]
    assert regles.verifier_saisie(LigneGrille("D1.O3", "x", "peut-etre"))
    assert regles.verifier_saisie(A) == []


def test_non_atteinte_exige_un_non_conforme_motive():
    assert regles.verifier_non_atteinte([A, B]) == [
        "Aucun objectif n'est non conforme : la non-atteinte ne peut pas être constatée."]
    nc = LigneGrille("D1.O3", "Exercice", "non_conforme", "Aucun exercice en 2023 ni 2024.")
    assert regles.verifier_non_atteinte([A, nc, LigneGrille("D1.O4", "oSIS")]) == []
    assert regles.motif_de_non_atteinte([A, nc]) == "D1.O3 — Exercice : Aucun exercice en 2023 ni 2024."


def test_propositions_depuis_le_moteur():
    assert regles.proposition("atteint") == "conforme"
    assert regles.proposition("non_atteint") == "non_conforme"
    assert regles.proposition("incomplet") == "reserve"
    assert regles.proposition("inconnu") == ""


def test_date_dans_la_fenetre():
    f = regles.Fenetre(debut=datetime.date(2025, 4, 1), fin=datetime.date(2025, 7, 31))
    aujourd_hui = datetime.date(2025, 5, 1)
    assert regles.verifier_date(datetime.date(2025, 5, 2), f, aujourd_hui) == []
    assert regles.verifier_date(datetime.date(2025, 4, 15), f, aujourd_hui) == [
        "La date du contrôle doit être au plus tôt le 01/05/2025."]
    assert regles.verifier_date(datetime.date(2025, 8, 1), f, aujourd_hui) == [
        "La date du contrôle doit précéder la fin des contrôles de l'appel, le 31/07/2025."]
