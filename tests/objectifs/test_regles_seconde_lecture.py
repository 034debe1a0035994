"""Worked cases of issue 17 (« Rules engine, second reading »): the requirements of the programme text
that were not recorded or not checked, with their boundaries, and the verdict kinds (« incomplet »
only when proof is missing). Plain data, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given

from care_portal.core.format_fr import typographie
from objectifs.donnees import Annuaire, Dossier, Outil, Seuils, TypeDossier
from objectifs.regles import Statut, d1_o1_a, d1_o1_b, d1_o2_a, d1_o2_b, d1_o6_a, d1_o6_b, enonce, evaluer
from tests.objectifs.test_regles import (
    AD_H,
    APPEL,
    CONV,
    DEBUT,
    GHT2,
    GOUV,
    INC,
    J1,
    J2,
    J3,
    M1,
    M2,
    M3,
    NA,
    A,
    S,
    ad,
    ads,
    budget,
    dossier,
    eg,
    ej,
    exo,
    expo,
    ght,
    o1a,
    osis,
    serie,
    texte,
)
from tests.objectifs.test_regles_proprietes import REGLAGES, dossiers

REG = [date(2024, 5, 1), date(2024, 6, 25), date(2024, 8, 19)]


# --- D1.O1.A: the description of the AD infrastructures is a required proof ---------------------------

def test_d1_o1_a_description_de_l_infrastructure_exigee():
    d = o1a([date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10)], annuaires=[replace(AD_H, description=False)])
    v = d1_o1_a(d, S)
    assert v.statut is INC, texte(v)
    assert ("AD hopital.local : la description exhaustive de son infrastructure et de ses interconnexions n'est pas "
            "déposée (règle D1.O1.A") in texte(v)
    assert d1_o1_a(replace(d, annuaires=(AD_H,)), S).statut is A


# --- D1.O1.B: « tous les AD », the unattached one included; spacing of the two audits ------------------

O1B_CAS = [
    ("AD rattaché à rien, en échec : non atteint",
     o1a([], annuaires=[AD_H, Annuaire(id="x", nom="orphelin.local", description=True)],
         audits=ads("h", (J1, 3), (J2, 3)) + ads("x", (J1, 3), (J2, 1))), NA,
     "AD orphelin.local : score 1 à l'audit du 20\u00a0juin 2024, le minimum est 2"),
    ("AD rattaché à rien, bon : il compte et passe",
     o1a([], annuaires=[AD_H, Annuaire(id="x", nom="orphelin.local", description=True)],
         audits=ads("h", (J1, 3), (J2, 3)) + ads("x", (J1, 2), (J2, 2))), A,
     "AD orphelin.local : scores 2 et 2"),
    ("AD rattaché à rien, un seul audit : incomplet",
     o1a([], annuaires=[AD_H, Annuaire(id="x", nom="orphelin.local", description=True)],
         audits=ads("h", (J1, 3), (J2, 3)) + ads("x", (J1, 4))), INC, "AD orphelin.local : 1\u00a0audit ADS exploitable"),
    ("GHT : AD orphelin en échec fait échouer le support",
     ght(ej("s", "40", support=True), ej("b", "30"), ej("c", "30"),
         annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c"), Annuaire(id="o", nom="o.local")],
         audits=ads("s", (J1, 3), (J2, 3)) + ads("b", (J1, 3), (J2, 3)) + ads("c", (J1, 3), (J2, 3))
         + ads("o", (J1, 1), (J2, 1))), NA, "AD o.local : score 1"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O1B_CAS, ids=[c[0] for c in O1B_CAS])
def test_d1_o1_b_tous_les_ad(nom, d, statut, extrait):
    v = d1_o1_b(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


@pytest.mark.parametrize("ecart,reglage,statut", [
    (1, {}, A),  # default: distinct days only
    (1, {"ecart_ads_min_jours": 45}, NA),  # « espacés de 1 jour » (singular, issue 23)
    (44, {"ecart_ads_min_jours": 45}, NA), (45, {"ecart_ads_min_jours": 45}, A),
    (60, {"ecart_ads_max_jours": 60}, A), (61, {"ecart_ads_max_jours": 60}, NA),
    (200, {}, A),  # no maximum by default: the cadence is D1.O1.A's business
])
def test_d1_o1_b_ecart_des_deux_derniers_audits(ecart, reglage, statut):
    d = o1a([], audits=ads("h", (J1, 3), (J1 + timedelta(days=ecart), 3)), ref=J1 + timedelta(days=210))
    v = d1_o1_b(d, Seuils.depuis_dict(reglage))
    assert v.statut is statut, texte(v)
    if statut is NA:
        assert typographie(f"sont espacés de {ecart} jour{'s' if ecart > 1 else ''} ; l'appel exige") in texte(v)
        assert "(règle D1.O1.B" in texte(v)


# --- D1.O2.A: lists of exposed domains and public IPs ----------------------------------------------------

O2A_CAS = [
    ("sans domaines exposés", dossier(audits_exposition=serie("e", REG, domaines=0)), INC,
     "CH de Bordeaux (330781196) : la liste des domaines exposés n'est déclarée sur aucun de ses 3\u00a0audits "
     "d'exposition (0\u00a0élément) (règle D1.O2.A"),
    ("sans adresses IP publiques", dossier(audits_exposition=serie("e", REG, ips=0)), INC,
     "la liste des adresses IP publiques n'est déclarée sur aucun de ses 3\u00a0audits"),
    ("listes sur des audits différents", dossier(audits_exposition=[
        expo("a", REG[0], ips=0), expo("b", REG[1], domaines=0), expo("c", REG[2], domaines=0, ips=0)]), A,
     "cadence tenue"),
    ("un domaine et une adresse suffisent", dossier(audits_exposition=serie("e", REG, domaines=1, ips=1)), A,
     "cadence tenue"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O2A_CAS, ids=[c[0] for c in O2A_CAS])
def test_d1_o2_a_listes_du_perimetre(nom, d, statut, extrait):
    v = d1_o2_a(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


# --- public EJ with its geographic establishments -----------------------------------------------------

PUBLIC_2EG = dict(type_dossier=TypeDossier.PUBLIC_HORS_GHT,
                  structures=[ej("p", "100"), eg("g1", "p", "70"), eg("g2", "p", "30")])


def test_public_hors_ght_les_regles_par_site_s_appliquent():
    """D1.O2.A « pour l'ensemble des ES-géographiques d'une EJ candidate » and D1.O1.B « si l'EJ a
    plusieurs entités géographiques » now apply to a public EJ whose EG are in the perimeter."""
    d = dossier(**PUBLIC_2EG, audits_exposition=serie("e", REG, "g1"))
    v = d1_o2_a(d, S)
    assert v.statut is NA and "Site G2" in texte(v), texte(v)
    d = dossier(**PUBLIC_2EG, annuaires=[ad("x", "g1"), ad("y", "g2")],
                audits_ads=ads("x", (J1, 3), (J2, 3)) + ads("y", (J1, 1), (J2, 1)))
    v = d1_o1_b(d, S)
    assert v.statut is NA and "au moins 2\u00a0EG" in texte(v), texte(v)


# --- « incomplet » only when proof is missing ------------------------------------------------------------

def _complet(**kw) -> Dossier:
    structures = [ej("s", "70", support=True), ej("b", "30")]
    valeurs = dict(
        type_dossier=TypeDossier.GHT, date_reference=date(2024, 9, 1), debut_phase=DEBUT, appel=APPEL,
        structures=structures, annuaires=[ad("s", "s"), ad("b", "b")],
        audits_ads=ads("s", J1, J2, J3) + ads("b", J1, J2, J3), audits_exposition=serie("e", [M1, M2, M3]),
        exercices=[exo("x", "s", date(2024, 1, 5)), exo("y", "b", date(2023, 5, 5))],
        osis=[osis("s"), osis("b")], budgets=[budget("s"), budget("b")], gouvernance=GOUV,
        convergence=replace(CONV, structures={"s", "b"}))
    valeurs.update(kw)
    return Dossier(**valeurs)


ECHECS = [
    ("audits d'exposition à 20\u00a0jours", dict(audits_exposition=serie("e", [M1, M2, M2 + timedelta(days=20)])),
     "D1.O2.B"),
    ("audits d'exposition à 80\u00a0jours", dict(audits_exposition=serie("e", [M1, M1 + timedelta(days=80)]),
                                           date_reference=M1 + timedelta(days=85)), "D1.O2.B"),
    ("critique relevée par SILENE", dict(audits_exposition=serie("e", [M1, M2, M3]) + [
        expo("sil", M3, outil=Outil.SILENE, critiques=1)]), "D1.O2.B"),
    ("pas d'équipe AD unique", dict(gouvernance=replace(GOUV, equipe_ad_unique=False)), "D1.O6.A"),
    ("trajectoire non validée", dict(convergence=replace(CONV, structures={"s", "b"}, validee_dsi_support=False)),
     "D1.O6.B"),
    ("budget de convergence nul", dict(convergence=replace(CONV, structures={"s", "b"},
                                                           budget_previsionnel=Decimal("0"))), "D1.O6.B"),
    ("trajectoire sans une EJ", dict(convergence=replace(CONV, structures={"s"})), "D1.O6.B"),
    ("AD orphelin en échec", dict(annuaires=[ad("s", "s"), ad("b", "b"), Annuaire(id="o", nom="o.local",
                                                                                  description=True)],
                                  audits_ads=ads("s", J1, J2, J3) + ads("b", J1, J2, J3) + ads("o", (J2, 1), (J3, 1))),
     "D1.O1.B"),
]


def test_dossier_complet_tout_atteint_avec_les_nouvelles_preuves():
    verdicts = evaluer(_complet())
    assert {v.statut for v in verdicts} == {A}, [texte(v) for v in verdicts if v.statut is not A]


@pytest.mark.parametrize("nom,kw,code", ECHECS, ids=[e[0] for e in ECHECS])
def test_aucun_incomplet_quand_toutes_les_preuves_sont_la(nom, kw, code):
    """Every required proof present, one fact breaking a rule: that rule is « non atteint », no verdict
    is « incomplet »."""
    verdicts = {v.code: v for v in evaluer(_complet(**kw))}
    assert not [c for c, v in verdicts.items() if v.statut is INC], {c: texte(v) for c, v in verdicts.items()
                                                                     if v.statut is INC}
    assert verdicts[code].statut is NA, texte(verdicts[code])
    assert typographie(f"(règle {enonce(code, S)})") in texte(verdicts[code])


# --- every failing or missing reason names its rule --------------------------------------------------------

@REGLAGES
@given(dossier=dossiers())
def test_chaque_verdict_non_atteint_ou_incomplet_nomme_sa_regle(dossier):
    for v in evaluer(dossier):
        if v.statut in (Statut.NON_ATTEINT, Statut.INCOMPLET):
            assert any(f"(règle {v.code} : " in r for r in v.raisons), (v.code, v.raisons)


def test_raisons_nomment_objet_chiffres_et_regle():
    v = d1_o2_b(dossier(audits_exposition=[expo("a", M1), expo("b", M2, critiques=2)]), S)
    assert ("CH de Bordeaux (330781196) : 2\u00a0vulnérabilités critiques à l'audit d'exposition du 20\u00a0juin 2024 "
            "(règle D1.O2.B : aucune vulnérabilité critique aux 2\u00a0derniers audits d'exposition conformes, espacés "
            "de 45 à 60\u00a0jours).") in v.raisons
    v = d1_o6_b(dossier(**GHT2, convergence=replace(CONV, date_convergence_prevue=date(2025, 10, 20))), S)
    assert any("planifiée au 20\u00a0octobre 2025" in r and "échéance maximale du 19\u00a0octobre 2025" in r
               and "(règle D1.O6.B" in r for r in v.raisons), v.raisons
    v = d1_o6_a(dossier(**GHT2, gouvernance=replace(GOUV, schema_gouvernance=False)), S)
    assert any(r.startswith("Le schéma de la gouvernance n'est pas déposé (règle D1.O6.A") for r in v.raisons)


def test_convergence_dix_huit_mois_reglage_de_l_appel():
    d = dossier(**GHT2, convergence=replace(CONV, date_convergence_prevue=date(2025, 11, 19)))
    assert d1_o6_b(d, S).statut is NA
    assert d1_o6_b(d, Seuils.depuis_dict({"convergence_mois_max": "19"})).statut is A
