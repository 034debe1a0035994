"""manage.py evaluer_objectifs, and the bound on the queries per dossier (issue 6, Done when)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from objectifs import selectors, services

from .donnees import ad, audit, candidature_deposee, jours, lignes, pdf

pytestmark = pytest.mark.django_db


def _appeler(*args) -> str:
    sortie = io.StringIO()
    call_command("evaluer_objectifs", *args, stdout=sortie)
    return sortie.getvalue()


def test_une_candidature_en_texte_et_en_json():
    c, ref = candidature_deposee(depose_il_y_a=100)
    annuaire = ad(c, ref, "hopital.local")
    audit(annuaire, ref, jours(-90))
    audit(annuaire, ref, jours(-5))
    texte = _appeler("--candidature", str(c.pk))
    assert f"Candidature {c.pk} — {c.structure_libelle}" in texte
    assert "D1.O1.A" in texte and "Non atteint" in texte
    assert "hopital.local" in texte and "85\u00a0jours" in texte  # the gap, named with the AD
    donnees = json.loads(_appeler("--candidature", str(c.pk), "--json"))
    o1a = next(v for v in donnees[0]["verdicts"] if v["code"] == "D1.O1.A")
    assert o1a["statut"] == "non_atteint" and any("85\u00a0jours" in r for r in o1a["raisons"])
    # as of an earlier date, the second audit is not there yet and the gap is not reached
    tot = json.loads(_appeler("--candidature", str(c.pk), "--json", "--date", jours(-60).isoformat()))
    assert next(v for v in tot[0]["verdicts"] if v["code"] == "D1.O1.A")["statut"] == "atteint"


def test_erreurs_de_la_commande():
    with pytest.raises(CommandError, match="Aucune candidature"):
        _appeler("--candidature", "999999")
    with pytest.raises(CommandError, match="Date invalide"):
        _appeler("--all", "--date", "28/03/2025")


def test_toutes_les_candidatures():
    for _ in range(2):
        candidature_deposee()
    assert "2 dossiers évalués." in _appeler("--all")


def _remplir(c, ref, n_audits: int) -> None:
    annuaire = ad(c, ref, f"ad{c.pk}.local")
    for i in range(n_audits):
        audit(annuaire, ref, jours(-1 - i))
    services.audit_exposition_ajouter(candidature=c, date=jours(-1), outil="silene", structures=lignes(c),
                                      vulnerabilites={}, rapport=pdf(), perimetre="www.ch-exemple.fr", acteur=ref)
    services.budget_enregistrer(candidature=c, structure=lignes(c)[0], budget_general="1000",
                                budget_numerique="20", etp_securite="1", acteur=ref)


def test_nombre_de_requetes_constant_quel_que_soit_le_nombre_de_dossiers(django_assert_max_num_queries):
    """3 dossiers with 1 audit each, then 30 dossiers, some with 5 audits: the same bound (1 query for
    the thresholds, 1 for the ids, 10 per batch of TAILLE_LOT dossiers)."""
    dossiers = [candidature_deposee() for _ in range(3)]
    for c, ref in dossiers:
        _remplir(c, ref, 1)
    with django_assert_max_num_queries(12):
        resultats = list(selectors.evaluer_lots(selectors.candidatures_evaluables()))
    assert len(resultats) == 3 and all(len(v) == 9 for _, v in resultats)
    for i in range(27):
        c, ref = candidature_deposee()
        _remplir(c, ref, 5 if i % 3 == 0 else 1)
    with django_assert_max_num_queries(12):
        resultats = list(selectors.evaluer_lots(selectors.candidatures_evaluables()))
    assert len(resultats) == 30
    with django_assert_max_num_queries(10):  # one dossier alone: the same 10 prefetch queries
        selectors.dossier_de(dossiers[0][0])
