"""Properties of the D1\u00a0rules engine, checked with hypothesis over generated dossiers (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from objectifs.regles import Statut, d1_o1_a, evaluer

APPEL = Appel(candidature_debut=date(2024, 3, 18), candidature_fin=date(2024, 4, 19))
REGLAGES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def perimetres(draw) -> tuple[TypeDossier, list[Structure]]:
    type_dossier = draw(st.sampled_from(list(TypeDossier)))
    activite = st.integers(0, 1000).map(Decimal)
    structures: list[Structure] = []
    if type_dossier is TypeDossier.GHT:
        for i in range(draw(st.integers(1, 4))):
            structures.append(Structure(id=f"ej{i}", finess=f"33000000{i}", nom=f"CH {i}", niveau=Niveau.EJ,
                                        activite=draw(activite), est_support=i == 0,
                                        est_esms=i > 0 and draw(st.booleans())))
    else:
        structures.append(Structure(id="ej0", finess="330000000", nom="EJ", niveau=Niveau.EJ, activite=draw(activite)))
    nb_eg = draw(st.integers(0 if type_dossier is not TypeDossier.PRIVE_EBNL else 1, 3))
    for i in range(nb_eg):
        parent = draw(st.sampled_from([s.id for s in structures if s.niveau is Niveau.EJ]))
        structures.append(Structure(id=f"eg{i}", finess=f"33100000{i}", nom=f"Site {i}", niveau=Niveau.EG,
                                    activite=draw(activite), ej_id=parent, est_esms=draw(st.booleans())))
    return type_dossier, structures


JOURS = st.dates(date(2022, 6, 1), date(2025, 9, 1))


@st.composite
def dossiers(draw) -> Dossier:
    type_dossier, structures = draw(perimetres())
    ids = [s.id for s in structures] + ["inconnu"]
    ensembles = st.frozensets(st.sampled_from(ids), max_size=3)
    annuaires = [Annuaire(id=f"ad{i}", nom=f"ad{i}.local", structures=draw(ensembles))
                 for i in range(draw(st.integers(0, 3)))]
    ad_ids = [a.id for a in annuaires] + ["fantome"]
    audits_ads = [AuditADS(id=f"a{i}", annuaire_id=draw(st.sampled_from(ad_ids)), date=draw(JOURS),
                           score=draw(st.integers(0, 6)), rapport=draw(st.booleans()))
                  for i in range(draw(st.integers(0, 10)))]
    audits_expo = [AuditExposition(id=f"x{i}", date=draw(JOURS), outil=draw(st.sampled_from(list(Outil))),
                                   structures=draw(ensembles), perimetre_entier=draw(st.booleans()),
                                   critiques=draw(st.integers(0, 2)), rapport=draw(st.booleans()))
                   for i in range(draw(st.integers(0, 8)))]
    exercices = [ExerciceCrise(id=f"e{i}", structure_id=draw(st.sampled_from(ids)), date=draw(JOURS),
                               kit=draw(st.none() | st.sampled_from(list(Kit))), preuve=draw(st.booleans()))
                 for i in range(draw(st.integers(0, 4)))]
    osis = [SaisieOsis(structure_id=draw(st.sampled_from(ids)), renseigne=draw(st.booleans()),
                       date=draw(st.none() | JOURS), part_budget_numerique=draw(st.booleans()),
                       mesures_prioritaires=draw(st.integers(0, 43)))
            for _ in range(draw(st.integers(0, 4)))]
    montant = st.none() | st.integers(-10, 10**7).map(Decimal)
    budgets = [Budget(structure_id=draw(st.sampled_from(ids)), budget_general=draw(montant),
                      budget_numerique=draw(montant), etp_securite=draw(montant))
               for _ in range(draw(st.integers(0, 4)))]
    gouvernance = draw(st.none() | st.builds(GouvernanceGHT, referent_nom=st.sampled_from(["", "Mme Durand"]),
                                             equipe_ad_unique=st.booleans(), schema_gouvernance=st.booleans(),
                                             equipe_projet=st.booleans()))
    convergence = draw(st.none() | st.builds(
        ConvergenceAD, document=st.booleans(), validee_dsi_support=st.booleans(),
        validee_comite_strategique=st.booleans(), date_convergence_prevue=st.none() | JOURS,
        budget_previsionnel=montant, deja_convergee=st.booleans(),
        description_convergee=st.sampled_from(["", "forêt unique"])))
    return Dossier(type_dossier=type_dossier, date_reference=draw(st.dates(date(2024, 4, 1), date(2025, 8, 1))),
                   debut_phase=draw(st.none() | st.dates(date(2024, 3, 18), date(2024, 5, 15))), appel=APPEL,
                   structures=structures, annuaires=annuaires, audits_ads=audits_ads,
                   audits_exposition=audits_expo, exercices=exercices, osis=osis, budgets=budgets,
                   gouvernance=gouvernance, convergence=convergence)


LISTES = ("structures", "annuaires", "audits_ads", "audits_exposition", "exercices", "osis", "budgets")


@REGLAGES
@given(dossier=dossiers(), data=st.data())
def test_les_verdicts_ne_dependent_pas_de_l_ordre(dossier, data):
    melange = replace(dossier, **{nom: data.draw(st.permutations(getattr(dossier, nom)), label=nom)
                                  for nom in LISTES})
    assert evaluer(melange) == evaluer(dossier)


@REGLAGES
@given(dossier=dossiers())
def test_raisons_jamais_vides_sauf_atteint(dossier):
    for v in evaluer(dossier):
        assert isinstance(v.statut, Statut)
        if v.statut is not Statut.ATTEINT:
            assert v.raisons and all(r.strip() for r in v.raisons), (v.code, v.statut)
        if v.statut in (Statut.NON_ATTEINT, Statut.INCOMPLET) and v.code not in ("D1.O6.A", "D1.O6.B"):
            assert v.a_faire or v.code == "D1.O1.B", (v.code, v.raisons)


@st.composite
def dossiers_o1a_tenus(draw) -> Dossier:
    """Dossiers whose ADs are audited with gaps of at most 60\u00a0days, so that D1.O1.A is often met."""
    debut = draw(st.dates(date(2024, 3, 18), date(2024, 5, 15)))
    reference = draw(st.dates(debut, date(2025, 6, 30)))
    structure = Structure(id="ej", finess="330781196", nom="CH", niveau=Niveau.EJ, activite=Decimal("10"))
    annuaires, audits = [], []
    for i in range(draw(st.integers(1, 3))):
        annuaires.append(Annuaire(id=f"ad{i}", nom=f"ad{i}.local", structures={"ej"}))
        jour = debut
        for j in range(40):
            jour += timedelta(days=draw(st.integers(1, 62)))
            if jour > reference + timedelta(days=70):
                break
            audits.append(AuditADS(id=f"ad{i}-{j}", annuaire_id=f"ad{i}", date=jour, score=3,
                                   rapport=draw(st.booleans() | st.just(True))))
    return Dossier(type_dossier=TypeDossier.PUBLIC_HORS_GHT, date_reference=reference, debut_phase=debut,
                   appel=APPEL, structures=[structure], annuaires=annuaires, audits_ads=audits)


@REGLAGES
@given(dossier=st.one_of(dossiers_o1a_tenus(), dossiers()), data=st.data())
def test_ajouter_un_audit_ne_fait_jamais_echouer_o1a(dossier, data):
    avant = d1_o1_a(dossier, Seuils())
    ad_ids = [a.id for a in dossier.annuaires]
    if not ad_ids:
        return
    audit = AuditADS(id="ajoute", annuaire_id=data.draw(st.sampled_from(ad_ids)),
                     date=data.draw(st.dates(date(2024, 1, 1), date(2025, 9, 1))),
                     score=data.draw(st.integers(2, 5)), rapport=True)
    apres = d1_o1_a(replace(dossier, audits_ads=(*dossier.audits_ads, audit)), Seuils())
    if avant.statut is Statut.ATTEINT:
        assert apres.statut is Statut.ATTEINT, apres.raisons
    if avant.statut is not Statut.NON_ATTEINT:
        assert apres.statut is not Statut.NON_ATTEINT, apres.raisons


@REGLAGES
@given(dossier=dossiers_o1a_tenus())
def test_o1a_atteint_quand_chaque_ecart_fait_au_plus_60_jours(dossier):
    v = d1_o1_a(dossier, Seuils())
    dates_par_ad: dict = {}
    for a in dossier.audits_ads:
        if dossier.debut_phase <= a.date <= dossier.date_reference:
            dates_par_ad.setdefault(a.annuaire_id, []).append(a.date)
    attendu_echec = False
    for ad in dossier.annuaires:
        points = [dossier.debut_phase, *sorted(dates_par_ad.get(ad.id, [])), dossier.date_reference]
        attendu_echec |= any((b - x).days > 60 for x, b in zip(points, points[1:], strict=False))
    assert (v.statut is Statut.NON_ATTEINT) == attendu_echec, v.raisons
