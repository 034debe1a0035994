"""Worked cases of the D1\u00a0rules engine (objectifs/regles.py): plain data in, verdicts out, no database."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from objectifs.donnees import (
    Annuaire,
    Appel,
    AuditADS,
    AuditExposition,
    Budget,
    ConvergenceAD,
    Dossier,
    ExerciceCrise,
    GouvernanceGHT,
    Kit,
    Niveau,
    Outil,
    SaisieOsis,
    Seuils,
    Structure,
    TypeDossier,
)
from objectifs.regles import (
    Statut,
    d1_o1_a,
    d1_o1_b,
    d1_o2_a,
    d1_o2_b,
    d1_o3,
    d1_o4,
    d1_o5,
    d1_o6_a,
    d1_o6_b,
    date_fr,
    evaluer,
    pourcent,
)

APPEL = Appel(candidature_debut=date(2024, 3, 18), candidature_fin=date(2024, 4, 19))
DEBUT = date(2024, 4, 15)
S = Seuils()
A, NA, INC, NAP = Statut.ATTEINT, Statut.NON_ATTEINT, Statut.INCOMPLET, Statut.NON_APPLICABLE


def ej(id_: str, activite: str = "100", support: bool = False, esms: bool = False, nom: str | None = None) -> Structure:
    return Structure(id=id_, finess=f"33{zlib.crc32(id_.encode()) % 10**7:07d}", nom=nom or f"CH {id_.upper()}",
                     niveau=Niveau.EJ, activite=Decimal(activite), est_support=support, est_esms=esms)


def eg(id_: str, ej_id: str, activite: str = "100", esms: bool = False) -> Structure:
    return Structure(id=id_, finess=f"33{zlib.crc32(id_.encode()) % 10**7:07d}", nom=f"Site {id_.upper()}",
                     niveau=Niveau.EG, activite=Decimal(activite), est_esms=esms, ej_id=ej_id)


CH = Structure(id="ch", finess="330781196", nom="CH de Bordeaux", niveau=Niveau.EJ, activite=Decimal("1000"))


def dossier(**kw) -> Dossier:
    valeurs = dict(type_dossier=TypeDossier.PUBLIC_HORS_GHT, date_reference=date(2024, 9, 1), debut_phase=DEBUT,
                   appel=APPEL, structures=[CH])
    valeurs.update(kw)
    return Dossier(**valeurs)


def ads(ad: str, *jours: tuple[date, int] | date, rapport: bool = True) -> list[AuditADS]:
    """ADS audits of one AD: dates (score 3) or (date, score) pairs."""
    audits = []
    for i, j in enumerate(jours):
        quand, score = j if isinstance(j, tuple) else (j, 3)
        audits.append(AuditADS(id=f"{ad}-{i}", annuaire_id=ad, date=quand, score=score, rapport=rapport))
    return audits


def tous_les(debut: date, ecart: int, jusqua: date) -> list[date]:
    dates, x = [], debut
    while x <= jusqua:
        dates.append(x)
        x += timedelta(days=ecart)
    return dates


def texte(v) -> str:
    return "\n".join(v.raisons)


AD_H = Annuaire(id="h", nom="hopital.local", structures={"ch"}, description=True)


# --- formatting ------------------------------------------------------------------------------------

def test_date_et_pourcentage_en_francais():
    assert date_fr(date(2024, 6, 3)) == "3 juin 2024"  # a date alone; set in reasons by typographie()
    assert date_fr(date(2024, 8, 1)) == "1er août 2024"
    assert pourcent(Decimal("0.66")) == "66\u00a0%"
    assert pourcent(Decimal("0.6599")) == "65,9\u00a0%"  # rounded down: never shows 66 % for less than 66 %


# --- D1.O1.A -----------------------------------------------------------------------------------------

def o1a(dates: list[date], ref: date = date(2024, 9, 1), **kw) -> Dossier:
    return dossier(date_reference=ref, annuaires=kw.pop("annuaires", [AD_H]),
                   audits_ads=kw.pop("audits", ads("h", *dates)), **kw)


O1A_CAS = [
    ("tous les 50\u00a0jours", o1a(tous_les(date(2024, 5, 1), 50, date(2024, 9, 1))), A, "cadence tenue"),
    ("écart de 60\u00a0jours : tenu", o1a([date(2024, 5, 1), date(2024, 6, 30), date(2024, 8, 29)]), A, "3\u00a0audits"),
    ("écart de 61\u00a0jours : non tenu", o1a([date(2024, 5, 1), date(2024, 7, 1), date(2024, 8, 29)]), NA,
     "61\u00a0jours entre les audits du 1er mai et du 1er juillet 2024"),
    ("exemple du programme : 75\u00a0jours", o1a([date(2024, 6, 3), date(2024, 8, 17)]), NA,
     "AD hopital.local : 75\u00a0jours entre les audits du 3\u00a0juin et du 17\u00a0août 2024, la cadence de 2\u00a0mois"),
    ("premier audit 61\u00a0jours après le début de phase", o1a([date(2024, 6, 15), date(2024, 8, 1)]), NA,
     "61\u00a0jours entre le début de la phase opérationnelle (15\u00a0avril 2024) et le premier audit du 15\u00a0juin 2024"),
    ("premier audit 60\u00a0jours après le début de phase", o1a([date(2024, 6, 14), date(2024, 8, 1)]), A, "2\u00a0audits"),
    ("dernier audit 61\u00a0jours avant la date de référence", o1a([date(2024, 5, 1), date(2024, 6, 10)],
                                                             ref=date(2024, 8, 10)), NA,
     "aucun audit depuis le dernier audit du 10\u00a0juin 2024, soit 61\u00a0jours au 10\u00a0août 2024"),
    ("dernier audit 60\u00a0jours avant la date de référence", o1a([date(2024, 5, 1), date(2024, 6, 10)],
                                                             ref=date(2024, 8, 9)), A, "cadence tenue"),
    ("aucun audit, encore dans les 60\u00a0jours", o1a([], ref=date(2024, 5, 20)), INC,
     "aucun audit ADS depuis le début de la phase opérationnelle"),
    ("aucun audit, 60\u00a0jours dépassés", o1a([], ref=date(2024, 6, 20)), NA,
     "aucun audit depuis le début de la phase opérationnelle (15\u00a0avril 2024), soit 66\u00a0jours"),
    ("candidature non déposée", o1a([date(2024, 5, 1)], debut_phase=None), INC, "pas encore été déposée"),
    ("date de référence avant la phase", o1a([], ref=date(2024, 4, 1)), INC,
     "La date de référence (1er avril 2024) précède le début de la phase opérationnelle (15\u00a0avril 2024)"),
    ("rapport manquant", o1a([], audits=ads("h", date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10),
                                           rapport=False)), INC,
     "le rapport ADS de l'audit du 1er mai 2024\u00a0n'est pas déposé"),
    ("aucun AD déclaré", o1a([], annuaires=[], audits=[]), INC, "Aucun Active Directory n'est déclaré"),
    ("audit futur ignoré", o1a([], audits=ads("h", date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10),
                                              date(2024, 10, 1))), A,
     "l'audit ADS du 1er octobre 2024\u00a0est postérieur à la date de référence (1er septembre 2024)"),
    ("audit avant l'appel ignoré", o1a([date(2024, 3, 1), date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10)]),
     A, "l'audit ADS du 1er mars 2024\u00a0est antérieur à l'ouverture de l'appel (18\u00a0mars 2024)"),
    ("audit avant le début de phase : ne compte pas pour la cadence",
     o1a([date(2024, 4, 1), date(2024, 6, 20), date(2024, 8, 10)]), NA,
     "66\u00a0jours entre le début de la phase opérationnelle (15\u00a0avril 2024) et le premier audit du 20\u00a0juin 2024"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O1A_CAS, ids=[c[0] for c in O1A_CAS])
def test_d1_o1_a(nom, d, statut, extrait):
    v = d1_o1_a(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)
    assert v.code == "D1.O1.A"


def test_d1_o1_a_echeances_par_ad():
    d = o1a([], annuaires=[AD_H, Annuaire(id="g", nom="ght.local", structures={"ch"}, description=True)],
            audits=ads("h", date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10)) + ads("g", date(2024, 5, 1)))
    v = d1_o1_a(d, S)
    assert v.statut is NA
    assert "AD ght.local : aucun audit depuis le dernier audit du 1er mai 2024" in texte(v)
    assert "hopital.local" not in " ".join(r for r in v.raisons if "jours au" in r)
    echeances = {e.cible: (e.date, e.en_retard) for e in v.prochaines_echeances}
    assert echeances == {"AD hopital.local": (date(2024, 10, 9), False), "AD ght.local": (date(2024, 6, 30), True)}
    assert any("AD ght.local : réalisez sans attendre" in f for f in v.a_faire)


def test_d1_o1_a_echeance_le_jour_meme_n_est_pas_en_retard():
    v = d1_o1_a(o1a([date(2024, 5, 1), date(2024, 6, 10)], ref=date(2024, 8, 9)), S)
    assert v.prochaines_echeances[0].date == date(2024, 8, 9)
    assert not v.prochaines_echeances[0].en_retard


def test_d1_o1_a_etablissement_sans_ad():
    d = dossier(type_dossier=TypeDossier.GHT, structures=[ej("a", support=True), ej("b")],
                annuaires=[Annuaire(id="h", nom="a.local", structures={"a"})],
                audits_ads=ads("h", date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10)))
    v = d1_o1_a(d, S)
    assert v.statut is INC
    assert "Aucun AD n'est déclaré pour CH B" in texte(v)


def test_d1_o1_a_cadence_parametrable():
    d = o1a([date(2024, 5, 1), date(2024, 7, 1), date(2024, 8, 29)])
    assert d1_o1_a(d, Seuils(cadence_jours_max=61)).statut is A


# --- D1.O1.B -----------------------------------------------------------------------------------------

J1, J2, J3 = date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10)


def ad(id_: str, *structures: str) -> Annuaire:
    return Annuaire(id=id_, nom=f"{id_}.local", structures=set(structures), description=True)


def ght(*structures: Structure, annuaires=(), audits=()) -> Dossier:
    return dossier(type_dossier=TypeDossier.GHT, structures=list(structures), annuaires=list(annuaires),
                   audits_ads=list(audits))


def bons(ad_id: str) -> list[AuditADS]:
    return ads(ad_id, (J1, 3), (J2, 3))


def mauvais(ad_id: str) -> list[AuditADS]:
    return ads(ad_id, (J1, 3), (J2, 1))


O1B_CAS = [
    ("EJ seul : scores 3 et 3", o1a([], audits=ads("h", (J1, 3), (J2, 3))), A, "scores 3 et 3"),
    ("score 2 : atteint", o1a([], audits=ads("h", (J1, 2), (J2, 2))), A, "scores 2 et 2"),
    ("score 1 : non atteint", o1a([], audits=ads("h", (J1, 2), (J2, 1))), NA,
     "AD hopital.local : score 1 à l'audit du 20\u00a0juin 2024, le minimum est 2"),
    ("seuls les 2\u00a0derniers comptent : ancien 1\u00a0ignoré", o1a([], audits=ads("h", (J1, 1), (J2, 3), (J3, 2))), A,
     "scores 3 et 2"),
    ("seuls les 2\u00a0derniers comptent : avant-dernier à 1", o1a([], audits=ads("h", (J1, 3), (J2, 1), (J3, 3))), NA,
     "score 1 à l'audit du 20\u00a0juin 2024"),
    ("un seul audit", o1a([], audits=ads("h", (J1, 4))), INC, "1\u00a0audit ADS exploitable, il en faut 2"),
    ("rapport manquant", o1a([], audits=ads("h", (J1, 3), (J2, 3), rapport=False)), INC,
     "le rapport ADS de l'audit du 1er mai 2024\u00a0n'est pas déposé"),
    ("score hors échelle ignoré", o1a([], audits=ads("h", (J1, 3), (J2, 3), (J3, 7))), A,
     "le score 7 de l'audit du 10\u00a0août 2024\u00a0est hors de l'échelle 1 à 5"),
    ("même date deux fois : le plus bas", o1a([], audits=ads("h", (J1, 3), (J2, 3)) + [
        AuditADS(id="dup", annuaire_id="h", date=J2, score=1, rapport=True)]), NA, "score 1 à l'audit du 20\u00a0juin"),
    ("GHT à une seule EJ : tous ses AD", ght(ej("a", support=True), annuaires=[ad("x", "a"), ad("y", "a")],
                                              audits=bons("x") + mauvais("y")), NA, "AD y.local : score 1"),
    ("GHT à une seule EJ : atteint", ght(ej("a", support=True), annuaires=[ad("x", "a")], audits=bons("x")), A,
     "Tous les AD de CH A"),
    ("GHT : exactement 66\u00a0%", ght(ej("s", "40", support=True), ej("b", "26"), ej("c", "34"),
                                  annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c")],
                                  audits=bons("s") + bons("b") + mauvais("c")), A,
     "EJ retenues : CH S"),
    ("GHT : 65\u00a0% et la 3e EJ en échec", ght(ej("s", "40", support=True), ej("b", "25"), ej("c", "35"),
                                            annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c")],
                                            audits=bons("s") + bons("b") + mauvais("c")), NA,
     "soit 65\u00a0% de l'activité combinée du GHT"),
    ("GHT : 65\u00a0% et la 3e EJ incomplète", ght(ej("s", "40", support=True), ej("b", "25"), ej("c", "35"),
                                              annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c")],
                                              audits=bons("s") + bons("b") + ads("c", (J1, 3))), INC,
     "AD c.local : 1\u00a0audit ADS exploitable"),
    ("GHT : support en échec", ght(ej("s", "40", support=True), ej("b", "30"), ej("c", "30"),
                                   annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c")],
                                   audits=mauvais("s") + bons("b") + bons("c")), NA, "AD s.local : score 1"),
    ("GHT : une seule EJ qui passe, 90\u00a0%", ght(ej("s", "90", support=True), ej("b", "10"),
                                              annuaires=[ad("s", "s"), ad("b", "b")],
                                              audits=bons("s") + mauvais("b")), NA, "au moins 2\u00a0EJ"),
    ("GHT : ESMS exclu", ght(ej("s", "50", support=True), ej("b", "50"), ej("m", "900", esms=True),
                             annuaires=[ad("s", "s"), ad("b", "b"), ad("m", "m")],
                             audits=bons("s") + bons("b") + mauvais("m")), A, "est un ESMS"),
    ("privé, une seule EG : tous les AD", dossier(type_dossier=TypeDossier.PRIVE_LUCRATIF,
                                                   structures=[ej("p"), eg("g1", "p")],
                                                   annuaires=[ad("x", "p"), ad("y", "g1")],
                                                   audits_ads=bons("x") + mauvais("y")), NA, "AD y.local : score 1"),
    ("privé, 3\u00a0EG : AD commun + AD de site", dossier(type_dossier=TypeDossier.PRIVE_EBNL,
                                                      structures=[ej("p"), eg("g1", "p", "50"), eg("g2", "p", "20"),
                                                                  eg("g3", "p", "30")],
                                                      annuaires=[ad("x", "p"), ad("y", "g2")],
                                                      audits_ads=bons("x") + mauvais("y")), A,
     "soit 80\u00a0% de l'activité combinée de l'entité juridique"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O1B_CAS, ids=[c[0] for c in O1B_CAS])
def test_d1_o1_b(nom, d, statut, extrait):
    v = d1_o1_b(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


def test_d1_o1_b_nomme_l_ensemble_couvrant():
    d = ght(ej("s", "40", support=True), ej("b", "26"), ej("c", "20"), ej("e", "14"),
            annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c"), ad("e", "e")],
            audits=bons("s") + bons("b") + bons("c") + mauvais("e"))
    v = d1_o1_b(d, S)
    assert v.statut is A
    assert v.structures_retenues == ("s", "b")  # support first, then by activity, stop at 66 % and 2 EJ
    assert "soit 66\u00a0% de l'activité combinée du GHT" in texte(v)


def test_d1_o1_b_seuil_du_referentiel():
    d = ght(ej("s", "40", support=True), ej("b", "25"), ej("c", "35"),
            annuaires=[ad("s", "s"), ad("b", "b"), ad("c", "c")], audits=bons("s") + bons("b") + mauvais("c"))
    assert d1_o1_b(d, Seuils.depuis_dict({"part_activite_min": "0.65"})).statut is A
    assert d1_o1_b(d, Seuils.depuis_dict({"score_ads_min": "1"})).statut is A


# --- D1.O2.A -----------------------------------------------------------------------------------------

def expo(id_: str, quand: date, *structures: str, outil: Outil = Outil.INDUSTRIEL, critiques: int = 0,
         rapport: bool = True, domaines: int = 2, ips: int = 3) -> AuditExposition:
    return AuditExposition(id=id_, date=quand, outil=outil, structures=set(structures),
                           perimetre_entier=not structures, critiques=critiques, rapport=rapport,
                           domaines=domaines, adresses_ip=ips)


def serie(prefixe: str, dates: list[date], *structures: str, **kw) -> list[AuditExposition]:
    return [expo(f"{prefixe}{i}", x, *structures, **kw) for i, x in enumerate(dates)]


REG = tous_les(date(2024, 5, 1), 55, date(2024, 9, 1))  # 1 May, 25 June, 19 Aug

GHT2 = dict(type_dossier=TypeDossier.GHT, structures=[ej("a", "60", support=True), ej("b", "40")])

O2A_CAS = [
    ("périmètre entier tous les 55\u00a0jours", dossier(**GHT2, audits_exposition=serie("e", REG)), A, "cadence tenue"),
    ("SILENE compte pour la cadence", dossier(audits_exposition=serie("e", REG, outil=Outil.SILENE)), A,
     "3\u00a0audits d'exposition"),
    ("une EJ du GHT jamais auditée", dossier(**GHT2, audits_exposition=serie("e", REG, "a")), NA,
     "CH B"),
    ("écart de 61\u00a0jours", dossier(audits_exposition=serie("e", [date(2024, 5, 1), date(2024, 7, 1),
                                                               date(2024, 8, 20)])), NA,
     "61\u00a0jours entre les audits du 1er mai et du 1er juillet 2024"),
    ("écart de 60\u00a0jours", dossier(audits_exposition=serie("e", [date(2024, 5, 1), date(2024, 6, 30),
                                                               date(2024, 8, 20)])), A, "cadence tenue"),
    ("rapport manquant", dossier(audits_exposition=serie("e", REG, rapport=False)), INC,
     "le rapport de l'audit d'exposition du 1er mai 2024\u00a0n'est pas déposé"),
    ("privé : audit de l'EJ couvre ses EG", dossier(type_dossier=TypeDossier.PRIVE_EBNL,
                                                     structures=[ej("p"), eg("g1", "p"), eg("g2", "p")],
                                                     audits_exposition=serie("e", REG, "p")), A, "Site G2"),
    ("privé : audit d'une EG ne couvre pas l'autre", dossier(type_dossier=TypeDossier.PRIVE_EBNL,
                                                              structures=[ej("p"), eg("g1", "p"), eg("g2", "p")],
                                                              audits_exposition=serie("e", REG, "g1")), NA,
     "Site G2"),
    ("aucun audit encore", dossier(date_reference=date(2024, 5, 10)), INC,
     "aucun audit d'exposition internet depuis le début de la phase opérationnelle"),
    ("audit sans périmètre ignoré", dossier(audits_exposition=serie("e", REG) + [
        AuditExposition(id="vide", date=date(2024, 6, 1), outil=Outil.INDUSTRIEL, rapport=True)]), A,
     "ne précise pas son périmètre"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O2A_CAS, ids=[c[0] for c in O2A_CAS])
def test_d1_o2_a(nom, d, statut, extrait):
    v = d1_o2_a(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


def test_d1_o2_a_echeance_par_structure():
    d = dossier(**GHT2, audits_exposition=serie("e", REG, "a") + serie("f", REG[:2], "b"))
    v = d1_o2_a(d, S)
    assert {e.cible_id: (e.date, e.en_retard) for e in v.prochaines_echeances} == {
        "a": (date(2024, 10, 18), False), "b": (date(2024, 8, 24), True)}


# --- D1.O2.B -----------------------------------------------------------------------------------------

M1, M2, M3 = date(2024, 5, 1), date(2024, 6, 20), date(2024, 8, 10)  # 50 then 51 days apart

O2B_CAS = [
    ("2\u00a0audits conformes sans critique", dossier(audits_exposition=serie("e", [M1, M2])), A,
     "aucune vulnérabilité critique aux 2\u00a0derniers audits conformes"),
    ("critique au dernier", dossier(audits_exposition=[expo("a", M1), expo("b", M2, critiques=2)]), NA,
     "2\u00a0vulnérabilités critiques à l'audit d'exposition du 20\u00a0juin 2024"),
    ("seuls les 2\u00a0derniers comptent", dossier(audits_exposition=[expo("a", M1, critiques=3), expo("b", M2),
                                                                 expo("c", M3)]), A,
     "(du 20\u00a0juin et du 10\u00a0août 2024, 51\u00a0jours d'écart)"),
    ("historique SILENE seul", dossier(audits_exposition=serie("e", [M1, M2, M3], outil=Outil.SILENE)), INC,
     "seuls des audits SILENE sont déclarés"),
    ("SILENE intercalé sans critique", dossier(audits_exposition=[expo("a", M1), expo("s", date(2024, 6, 1),
                                                                                     outil=Outil.SILENE),
                                                                  expo("b", M2)]), A, "50\u00a0jours d'écart"),
    ("SILENE intercalé avec critiques : un fait", dossier(audits_exposition=[
        expo("a", M1), expo("s", date(2024, 6, 1), outil=Outil.SILENE, critiques=4), expo("b", M2)]), NA,
     "CH de Bordeaux (330781196) : l'audit SILENE du 1er juin 2024\u00a0relève 4\u00a0vulnérabilités critiques"),
    ("SILENE critique le jour du premier audit de la paire", dossier(audits_exposition=[
        expo("a", M1), expo("s", M1, outil=Outil.SILENE, critiques=1), expo("b", M2)]), NA,
     "l'audit SILENE du 1er mai 2024\u00a0relève 1\u00a0vulnérabilité critique"),
    ("SILENE critique la veille de la paire : remédié depuis", dossier(audits_exposition=[
        expo("s", M1 - timedelta(days=1), outil=Outil.SILENE, critiques=1), expo("a", M1), expo("b", M2)]), A,
     "aucune vulnérabilité critique aux 2\u00a0derniers audits conformes"),
    ("SILENE seul avec critiques : non atteint", dossier(audits_exposition=serie("e", [M1, M2], outil=Outil.SILENE,
                                                                                  critiques=2)), NA,
     "l'audit SILENE du 20\u00a0juin 2024\u00a0relève 2\u00a0vulnérabilités critiques"),
    ("un seul audit conforme", dossier(audits_exposition=[expo("a", M1)]), INC, "un seul audit d'exposition conforme"),
    ("écart de 20\u00a0jours : un fait", dossier(audits_exposition=serie("e", [M1, M1 + timedelta(days=20)])), NA,
     "CH de Bordeaux (330781196) : les 2\u00a0derniers audits conformes (du 1er mai et du 21\u00a0mai 2024) sont espacés de "
     "20\u00a0jours ; deux audits successifs doivent l'être de 45 à 60\u00a0jours (règle D1.O2.B"),
    ("écart de 44\u00a0jours", dossier(audits_exposition=serie("e", [M1, M1 + timedelta(days=44)])), NA,
     "sont espacés de 44\u00a0jours"),
    ("écart de 45\u00a0jours", dossier(audits_exposition=serie("e", [M1, M1 + timedelta(days=45)])), A, "45\u00a0jours d'écart"),
    ("écart de 60\u00a0jours", dossier(audits_exposition=serie("e", [M1, M1 + timedelta(days=60)])), A, "60\u00a0jours d'écart"),
    ("écart de 61\u00a0jours", dossier(audits_exposition=serie("e", [M1, M1 + timedelta(days=61)])), NA,
     "sont espacés de 61\u00a0jours"),
    ("écart de 80\u00a0jours : un fait", dossier(date_reference=date(2024, 8, 1),
                                            audits_exposition=serie("e", [M1, M1 + timedelta(days=80)])), NA,
     "sont espacés de 80\u00a0jours"),
    ("rapport manquant", dossier(audits_exposition=serie("e", [M1, M2], rapport=False)), INC,
     "le rapport de l'audit d'exposition du 1er mai 2024\u00a0n'est pas déposé"),
    ("critique sur une seule EJ du GHT", dossier(**GHT2, audits_exposition=serie("e", [M1, M2], "a") + [
        expo("f", M1, "b"), expo("g", M2, "b", critiques=1)]), NA,
     "CH B"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O2B_CAS, ids=[c[0] for c in O2B_CAS])
def test_d1_o2_b(nom, d, statut, extrait):
    v = d1_o2_b(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


def test_d1_o2_b_fenetre_du_prochain_audit():
    v = d1_o2_b(dossier(audits_exposition=serie("e", [M1, M1 + timedelta(days=10)])), S)
    assert any("entre le 25\u00a0juin 2024 et le 10\u00a0juillet 2024" in f for f in v.a_faire)


# --- D1.O3 -------------------------------------------------------------------------------------------

def exo(id_: str, structure: str, quand: date, kit: Kit | None = Kit.DEBUTANT, preuve: bool = True) -> ExerciceCrise:
    return ExerciceCrise(id=id_, structure_id=structure, date=quand, kit=kit, preuve=preuve)


O3_CAS = [
    ("exercice 2024 avec preuve", dossier(exercices=[exo("x", "ch", date(2024, 2, 1))]), A, "kit débutant"),
    ("exercice 2023\u00a0compté", dossier(exercices=[exo("x", "ch", date(2023, 11, 1), kit=Kit.CONFIRME)]), A,
     "kit confirmé"),
    ("exercice 2022\u00a0seul, période en cours", dossier(exercices=[exo("x", "ch", date(2022, 6, 1))]), INC,
     "a eu lieu en 2022, hors de la période 2023–2024 : il est conservé mais ne compte pas"),
    ("exercice 2022\u00a0seul, période close", dossier(date_reference=date(2025, 2, 1),
                                                   exercices=[exo("x", "ch", date(2022, 6, 1))]), NA,
     "aucun exercice de crise en 2023–2024 ; la période est close"),
    ("sans preuve", dossier(exercices=[exo("x", "ch", date(2024, 2, 1), preuve=False)]), INC,
     "ni rapport ni attestation"),
    ("sans kit", dossier(exercices=[exo("x", "ch", date(2024, 2, 1), kit=None)]), INC, "le kit ANS utilisé"),
    ("exercice futur ignoré", dossier(exercices=[exo("x", "ch", date(2024, 10, 1))]), INC,
     "postérieur à la date de référence"),
    ("GHT : l'exercice d'une EG compte pour son EJ",
     dossier(**GHT2, exercices=[exo("x", "a", date(2024, 2, 1)), exo("y", "gb", date(2024, 3, 1))],
             ), INC, "CH B (33"),  # gb is not listed: nothing ties it to b
    ("privé : il manque une EG", dossier(type_dossier=TypeDossier.PRIVE_LUCRATIF,
                                         structures=[ej("p"), eg("g1", "p"), eg("g2", "p")],
                                         exercices=[exo("x", "g1", date(2024, 2, 1))]), INC,
     "Site G2"),
    ("privé : exercice de l'EJ pour toutes ses EG", dossier(type_dossier=TypeDossier.PRIVE_LUCRATIF,
                                                            structures=[ej("p"), eg("g1", "p"), eg("g2", "p")],
                                                            exercices=[exo("x", "p", date(2024, 2, 1))]), A,
     "Site G2"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O3_CAS, ids=[c[0] for c in O3_CAS])
def test_d1_o3(nom, d, statut, extrait):
    v = d1_o3(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


def test_d1_o3_exercice_d_une_eg_listee_compte_pour_son_ej():
    d = dossier(type_dossier=TypeDossier.GHT, structures=[ej("a", support=True), ej("b"), eg("gb", "b")],
                exercices=[exo("x", "a", date(2024, 2, 1)), exo("y", "gb", date(2024, 3, 1))])
    v = d1_o3(d, S)
    assert v.statut is A, texte(v)


# --- D1.O4 -------------------------------------------------------------------------------------------

def osis(structure: str, mesures: int = 43, part: bool = True, renseigne: bool = True,
         quand: date | None = date(2024, 6, 1)) -> SaisieOsis:
    return SaisieOsis(structure_id=structure, renseigne=renseigne, date=quand, part_budget_numerique=part,
                      mesures_prioritaires=mesures)


O4_CAS = [
    ("renseigné", dossier(osis=[osis("ch")]), A, "oSIS renseigné le 1er juin 2024"),
    ("absent", dossier(), INC, "l'oSIS n'est pas renseigné"),
    ("42\u00a0mesures sur 43", dossier(osis=[osis("ch", mesures=42)]), INC, "42\u00a0mesures prioritaires renseignées sur 43"),
    ("part du budget absente", dossier(osis=[osis("ch", part=False)]), INC, "la part du budget numérique"),
    ("déclaré non renseigné", dossier(osis=[osis("ch", renseigne=False)]), INC, "l'oSIS n'est pas renseigné"),
    ("saisie datée après la référence", dossier(osis=[osis("ch", quand=date(2024, 12, 1))]), INC,
     "postérieure à la date de référence"),
    ("GHT : une EJ manque", dossier(**GHT2, osis=[osis("a")]), INC, "CH B"),
    ("privé : par EG", dossier(type_dossier=TypeDossier.PRIVE_EBNL, structures=[ej("p"), eg("g1", "p")],
                               osis=[osis("p")]), INC, "Site G1"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O4_CAS, ids=[c[0] for c in O4_CAS])
def test_d1_o4(nom, d, statut, extrait):
    v = d1_o4(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


def test_d1_o4_nombre_de_mesures_du_referentiel():
    assert d1_o4(dossier(osis=[osis("ch", mesures=42)]), Seuils(mesures_osis=42)).statut is A


# --- D1.O5 -------------------------------------------------------------------------------------------

def budget(structure: str, general: str | None = "10000000", numerique: str | None = "160000",
           etp: str | None = "2.5") -> Budget:
    return Budget(structure_id=structure, budget_general=None if general is None else Decimal(general),
                  budget_numerique=None if numerique is None else Decimal(numerique),
                  etp_securite=None if etp is None else Decimal(etp))


O5_CAS = [
    ("complet", dossier(budgets=[budget("ch")]), A,
     "part du numérique 1,6\u00a0% (160\u202f000,00\u00a0€ sur 10\u202f000\u202f000,00\u00a0€), 2,5\u00a0ETP SSI"),
    ("ETP absents", dossier(budgets=[budget("ch", etp=None)]), INC, "les ETP SSI"),
    ("numérique supérieur au général", dossier(budgets=[budget("ch", general="100", numerique="150")]), INC,
     "supérieure à 100\u00a0%"),
    ("montant négatif", dossier(budgets=[budget("ch", numerique="-5")]), INC, "doivent être positifs"),
    ("budget général nul", dossier(budgets=[budget("ch", general="0", numerique="0")]), INC, "doivent être positifs"),
    ("aucun budget", dossier(), INC, "aucun budget n'est renseigné"),
    ("deux budgets", dossier(budgets=[budget("ch"), budget("ch", etp="3")]), INC, "2\u00a0budgets sont renseignés"),
    ("GHT : une EJ manque", dossier(**GHT2, budgets=[budget("a")]), INC, "CH B"),
    ("privé : par EG", dossier(type_dossier=TypeDossier.PRIVE_LUCRATIF, structures=[ej("p"), eg("g1", "p")],
                               budgets=[budget("g1")]), A, "Site G1"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O5_CAS, ids=[c[0] for c in O5_CAS])
def test_d1_o5(nom, d, statut, extrait):
    v = d1_o5(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


# --- D1.O6 -------------------------------------------------------------------------------------------

GOUV = GouvernanceGHT(referent_nom="Mme Durand", referent_nomme_par_directeur=True, equipe_ad_unique=True,
                      sdsi_volet_organisationnel=True, sdsi_volet_technique=True, schema_gouvernance=True,
                      equipe_projet=True)
CONV = ConvergenceAD(document=True, validee_dsi_support=True, validee_comite_strategique=True,
                     date_convergence_prevue=date(2025, 10, 19), budget_previsionnel=Decimal("250000"),
                     responsable="M. Martin", equipes_mutualisees=True, structures={"a", "b", "s"})

O6A_CAS = [
    ("hors GHT : non applicable", dossier(gouvernance=GOUV), NAP, "Objectif réservé aux GHT"),
    ("privé : non applicable", dossier(type_dossier=TypeDossier.PRIVE_EBNL), NAP, "un ES privé"),
    ("rien de déclaré", dossier(**GHT2), INC, "pas encore décrite"),
    ("complet", dossier(**GHT2, gouvernance=GOUV), A, "Référent du projet : Mme Durand"),
    ("référent absent", dossier(**GHT2, gouvernance=replace(GOUV, referent_nom="  ")), INC, "référent du projet"),
    ("pas d'équipe AD unique : un fait", dossier(**GHT2, gouvernance=replace(GOUV, equipe_ad_unique=False)), NA,
     "Le GHT déclare ne pas avoir d'équipe opérationnelle unique pour la gestion des AD (règle D1.O6.A"),
    ("équipe AD unique non déclarée", dossier(**GHT2, gouvernance=replace(GOUV, equipe_ad_unique=None)), INC,
     "Il n'est pas indiqué si une équipe opérationnelle unique gère les AD du GHT"),
    ("référent non nommé par le directeur", dossier(**GHT2, gouvernance=replace(GOUV, referent_nomme_par_directeur=False)),
     NA, "Le référent du projet (Mme Durand) n'est pas nommé par le directeur de l'établissement support"),
    ("désignation du référent non indiquée", dossier(**GHT2, gouvernance=replace(GOUV, referent_nomme_par_directeur=None)),
     INC, "Il n'est pas indiqué si le référent du projet (Mme Durand) est nommé"),
    ("schéma directeur sans volet technique", dossier(**GHT2, gouvernance=replace(GOUV, sdsi_volet_technique=False)),
     NA, "Le volet technique des sujets AD n'est pas intégré au schéma directeur de convergence des SI du GHT"),
    ("schéma directeur : volet organisationnel non indiqué",
     dossier(**GHT2, gouvernance=replace(GOUV, sdsi_volet_organisationnel=None)), INC,
     "Il n'est pas indiqué si le volet organisationnel"),
    ("schéma absent", dossier(**GHT2, gouvernance=replace(GOUV, schema_gouvernance=False)), INC,
     "schéma de la gouvernance"),
    ("équipe projet absente", dossier(**GHT2, gouvernance=replace(GOUV, equipe_projet=False)), INC,
     "équipe projet"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O6A_CAS, ids=[c[0] for c in O6A_CAS])
def test_d1_o6_a(nom, d, statut, extrait):
    v = d1_o6_a(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v)


O6B_CAS = [
    ("hors GHT : non applicable", dossier(convergence=CONV), NAP, "Objectif réservé aux GHT"),
    ("rien de déposé", dossier(**GHT2), INC, "n'est pas déposée"),
    ("échéance exacte de 18\u00a0mois", dossier(**GHT2, convergence=CONV), A, "échéance 19\u00a0octobre 2025"),
    ("un jour de trop", dossier(**GHT2, convergence=replace(CONV, date_convergence_prevue=date(2025, 10, 20))), NA,
     "au-delà de l'échéance maximale du 19\u00a0octobre 2025 (18\u00a0mois après la clôture de l'appel, le 19\u00a0avril 2024)"),
    ("déjà convergé, décrit", dossier(**GHT2, convergence=ConvergenceAD(
        document=True, deja_convergee=True, description_convergee="Une forêt unique ght.local",
        structures={"a", "b"})), A, "déjà convergé"),
    ("déjà convergé, sans description", dossier(**GHT2, convergence=ConvergenceAD(
        document=True, deja_convergee=True, structures={"a", "b"})), INC,
     "la description de l'infrastructure convergée"),
    ("non validée par le comité : un fait", dossier(**GHT2, convergence=replace(CONV, validee_comite_strategique=False)),
     NA, "La trajectoire n'est pas validée par le comité stratégique du GHT (règle D1.O6.B"),
    ("validation du comité non indiquée", dossier(**GHT2, convergence=replace(CONV, validee_comite_strategique=None)),
     INC, "Il n'est pas indiqué si la trajectoire est validée par le comité stratégique"),
    ("non validée par le DSI du support", dossier(**GHT2, convergence=replace(CONV, validee_dsi_support=False)), NA,
     "n'est pas validée par le DSI de l'établissement support"),
    ("budget de 0\u00a0€", dossier(**GHT2, convergence=replace(CONV, budget_previsionnel=Decimal("0"))), NA,
     "Le budget prévisionnel du projet de convergence est de 0,00\u00a0€"),
    ("budget de 0,01\u00a0€", dossier(**GHT2, convergence=replace(CONV, budget_previsionnel=Decimal("0.01"))), A,
     "budget prévisionnel 0,01\u00a0€"),
    ("responsable non nommé", dossier(**GHT2, convergence=replace(CONV, responsable=" ")), INC,
     "Le responsable de la convergence des AD"),
    ("équipes non mutualisées", dossier(**GHT2, convergence=replace(CONV, equipes_mutualisees=False)), NA,
     "ne sont pas mutualisées"),
    ("mutualisation non indiquée", dossier(**GHT2, convergence=replace(CONV, equipes_mutualisees=None)), INC,
     "Il n'est pas indiqué si les équipes SI"),
    ("trajectoire sans CH B", dossier(**GHT2, convergence=replace(CONV, structures={"a"})), NA,
     "La trajectoire n'adresse pas 1\u00a0établissement du GHT sur 2 : CH B ("),
    ("trajectoire : EG de CH B suffit pour CH B",
     dossier(type_dossier=TypeDossier.GHT, structures=[ej("a", "60", support=True), ej("b", "40"), eg("gb", "b")],
             convergence=replace(CONV, structures={"a", "gb"})), A, "pour 2\u00a0établissements du GHT"),
    ("établissements de la trajectoire non indiqués", dossier(**GHT2, convergence=replace(CONV, structures=set())),
     INC, "Les établissements du GHT qu'adresse la trajectoire ne sont pas indiqués"),
    ("budget absent", dossier(**GHT2, convergence=replace(CONV, budget_previsionnel=None)), INC,
     "budget prévisionnel"),
    ("date absente", dossier(**GHT2, convergence=replace(CONV, date_convergence_prevue=None)), INC,
     "au plus tard le 19\u00a0octobre 2025"),
]


@pytest.mark.parametrize("nom,d,statut,extrait", O6B_CAS, ids=[c[0] for c in O6B_CAS])
def test_d1_o6_b(nom, d, statut, extrait):
    v = d1_o6_b(d, S)
    assert v.statut is statut, texte(v)
    assert extrait in texte(v) or any(extrait in f for f in v.a_faire)


# --- evaluer and Seuils ------------------------------------------------------------------------------

def test_evaluer_rend_les_neuf_objectifs_dans_l_ordre():
    verdicts = evaluer(dossier())
    assert [v.code for v in verdicts] == ["D1.O1.A", "D1.O1.B", "D1.O2.A", "D1.O2.B", "D1.O3", "D1.O4", "D1.O5",
                                          "D1.O6.A", "D1.O6.B"]
    assert [v.statut for v in verdicts][-2:] == [NAP, NAP]
    assert all(v.titre for v in verdicts)


def test_dossier_complet_tout_atteint():
    structures = [ej("s", "70", support=True), ej("b", "30")]
    d = Dossier(
        type_dossier="ght", date_reference=date(2024, 9, 1), debut_phase=DEBUT, appel=APPEL, structures=structures,
        annuaires=[ad("s", "s"), ad("b", "b")], audits_ads=ads("s", J1, J2, J3) + ads("b", J1, J2, J3),
        audits_exposition=serie("e", [M1, M2, M3]), exercices=[exo("x", "s", date(2024, 1, 5)),
                                                                 exo("y", "b", date(2023, 5, 5))],
        osis=[osis("s"), osis("b")], budgets=[budget("s"), budget("b")], gouvernance=GOUV, convergence=CONV,
    )
    assert {v.code: v.statut for v in evaluer(d)} == {v.code: A for v in evaluer(d)}, [texte(v) for v in evaluer(d)]


def test_seuils_depuis_le_referentiel():
    s = Seuils.depuis_dict({"score_ads_min": "3", "part_activite_min": "0,70", "mesures_osis": 40, "autre": "x"})
    assert (s.score_ads_min, s.part_activite_min, s.mesures_osis) == (3, Decimal("0.70"), 40)
    assert s.cadence_jours_max == 60  # default kept
    assert Seuils.depuis_dict(Seuils().en_dict()) == Seuils()
    with pytest.raises(ValueError, match="score_ads_min"):
        Seuils.depuis_dict({"score_ads_min": "deux"})
    with pytest.raises(ValueError, match="cadence_jours_max"):
        Seuils.depuis_dict({"cadence_jours_max": "60.5"})


def test_chaque_seuil_a_sa_source_et_son_libelle():
    assert set(Seuils.codes()) == set(Seuils.SOURCES) == set(Seuils.LIBELLES)
    valeurs = Seuils()
    assert (valeurs.score_ads_min, valeurs.cadence_mois, valeurs.ecart_audits_min_jours, valeurs.ecart_audits_max_jours,
            valeurs.part_activite_min, valeurs.part_activite_prerequis, valeurs.exercice_annee_debut,
            valeurs.exercice_annee_fin, valeurs.convergence_mois_max, valeurs.mesures_osis) == (
        2, 2, 45, 60, Decimal("0.66"), Decimal("0.90"), 2023, 2024, 18, 43)
    assert "66%" in Seuils.SOURCES["part_activite_min"] and "18 mois" in Seuils.SOURCES["convergence_mois_max"]
