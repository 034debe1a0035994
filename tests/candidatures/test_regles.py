"""The prerequisite checker and the completeness rules on worked cases (pure functions)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from candidatures.regles import (
    PREUVES_PREREQUIS,
    DonneesCompletude,
    StructurePrerequis,
    TypeCandidature,
    verifier_completude,
    verifier_prerequis,
)

TOUTES = frozenset(PREUVES_PREREQUIS)


def s(cle, activite, **kw):
    return StructurePrerequis(cle=cle, finess=f"F{cle}", nom=f"Structure {cle}", activite=Decimal(activite), **kw)


def requises(resultat):
    return [v.structure.cle for v in resultat.requises]


def test_ght_support_puis_activite_decroissante_jusqu_a_90_pourcent():
    # total 1000: support 400, then 300 (700), 150 (850), 100 (950 ≥ 900) → stop; 50 not required
    r = verifier_prerequis(TypeCandidature.GHT, [
        s("sup", 400, support=True), s("a", 150), s("b", 300), s("c", 100), s("d", 50),
    ])
    assert requises(r) == ["sup", "a", "b", "c"]
    assert r.activite_requise == Decimal("950")
    assert r.part_requise == Decimal("0.9500")
    assert [v.structure.cle for v in r.verdicts if not v.requise] == ["d"]


def test_ght_90_pourcent_atteint_exactement_s_arrete():
    # support 600 + 300 = 900 = exactly 90 % of 1000 → the 100 is not required
    r = verifier_prerequis(TypeCandidature.GHT, [s("sup", 600, support=True), s("a", 300), s("b", 100)])
    assert requises(r) == ["sup", "a"]


def test_ght_support_sous_le_seuil_toujours_requis_meme_petit():
    # a small support is required first, whatever its activity
    r = verifier_prerequis(TypeCandidature.GHT, [s("sup", 10, support=True), s("a", 900), s("b", 90)])
    assert requises(r) == ["sup", "a"]  # 10 + 900 = 910 ≥ 900


def test_ght_support_au_dessus_du_seuil_seul_requis():
    r = verifier_prerequis(TypeCandidature.GHT, [s("sup", 950, support=True), s("a", 50)])
    assert requises(r) == ["sup"]


def test_structures_sunes_sans_preuve_et_autres_avec_les_cinq():
    r = verifier_prerequis(TypeCandidature.GHT, [
        s("sup", 500, support=True, sunes_valide=True),
        s("a", 300, preuves=TOUTES),
        s("b", 200, preuves=frozenset({"pssi", "organigramme_rssi"})),
    ])
    assert r.ok is False
    verdicts = {v.structure.cle: v for v in r.verdicts}
    assert verdicts["sup"].satisfaite and verdicts["sup"].preuves_manquantes == ()
    assert verdicts["a"].satisfaite
    assert verdicts["b"].preuves_manquantes == ("procedure_incidents", "attestation_rdv_rssi",
                                                "attestation_audit_exposition")
    (ligne,) = r.manquants()
    assert ligne.startswith("Prérequis de Structure b (Fb) : procédure de remontée")


def test_public_hors_ght_l_ej_seule():
    r = verifier_prerequis(TypeCandidature.PUBLIC_HORS_GHT, [s("ej", 100)])
    assert requises(r) == ["ej"] and not r.ok
    r = verifier_prerequis(TypeCandidature.PUBLIC_HORS_GHT, [s("ej", 100, sunes_valide=True)])
    assert r.ok


def test_prive_eg_par_activite_decroissante():
    r = verifier_prerequis(TypeCandidature.PRIVE_LUCRATIF, [s("eg1", 50), s("eg2", 800), s("eg3", 150)])
    assert requises(r) == ["eg2", "eg3"]  # 800 + 150 = 950 ≥ 900


def test_activite_nulle_toutes_requises_avec_avertissement():
    r = verifier_prerequis(TypeCandidature.PRIVE_EBNL, [s("eg1", 0), s("eg2", 0)])
    assert requises(r) == ["eg1", "eg2"]
    assert r.avertissements


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30))
def test_propriete_le_seuil_est_atteint_au_plus_juste(activites):
    structures = [s(f"e{i}", a) for i, a in enumerate(activites)]
    r = verifier_prerequis(TypeCandidature.PRIVE_LUCRATIF, structures)
    total = sum(Decimal(a) for a in activites)
    if total > 0:
        assert r.activite_requise >= Decimal("0.9") * total
        # removing the smallest required structure would fall below the threshold
        plus_petite = min(v.structure.activite for v in r.requises)
        assert r.activite_requise - plus_petite < Decimal("0.9") * total


def donnees(**kw):
    base = dict(
        type_candidature=TypeCandidature.PRIVE_LUCRATIF,
        contacts={r: {"nom": "A", "email": "a@b.fr", "telephone": "01"} for r in ("referent", "dsi", "rssi")},
        signataire={"nom": "B", "fonction": "DG", "email": "b@b.fr"},
        titulaire="Clinique", iban_valide=True, bic_valide=True, rib_fourni=True,
    )
    base.update(kw)
    return DonneesCompletude(**base)


def test_completude_complete():
    assert all(section.complete for section in verifier_completude(donnees()))


def test_completude_liste_ce_qui_manque_par_section():
    sections = {x.code: x for x in verifier_completude(donnees(
        contacts={"referent": {"nom": "A", "email": "a@b.fr", "telephone": "01"}},
        iban_valide=False, rib_fourni=False,
    ))}
    assert "Le nom du DSI est manquant." in sections["contacts"].manquants
    assert "L'IBAN est manquant ou invalide." in sections["banque"].manquants
    assert "Le RIB (relevé d'identité bancaire) n'est pas déposé." in sections["banque"].manquants
    assert sections["signataire"].complete


def test_completude_ght_pieces():
    sections = {x.code: x for x in verifier_completude(donnees(
        type_candidature=TypeCandidature.GHT, convention_constitutive_fournie=False, decision_requise=True,
    ))}
    assert len(sections["ght"].manquants) == 2
    sections = {x.code: x for x in verifier_completude(donnees(
        type_candidature=TypeCandidature.GHT, convention_constitutive_fournie=True, decision_requise=False,
    ))}
    assert sections["ght"].complete
