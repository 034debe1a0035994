"""Each demo scenario gives the verdicts its name promises (objectifs/demo.py), dossier by dossier: the
step's test (test_demo.py) only checks that some dossier meets each objective, which let every
multi-AD « exemplaire » dossier fall to « incomplet » unnoticed when D1.O1.A started to require each
AD's description (issue 17)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from candidatures.models import Candidature
from objectifs import demo, selectors
from objectifs.services import ETATS_PREUVES

pytestmark = pytest.mark.django_db


def test_les_scenarios_tiennent_leur_promesse(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", scale=0.05, etapes=["referentiel", "comptes", "candidatures"], stdout=io.StringIO())
    call_command("seed_demo", scale=0.05, etapes=["objectifs"], stdout=io.StringIO())
    ordre = list(Candidature.objects.filter(appel__code=demo.CODE_APPEL, etat__in=ETATS_PREUVES)
                 .order_by("pk").values_list("pk", flat=True))
    vus: dict[str, int] = {}
    for c, verdicts in selectors.evaluer_lots(selectors.candidatures_evaluables()):
        if c.pk not in ordre:
            continue
        scenario = demo.SCENARIOS[ordre.index(c.pk) % len(demo.SCENARIOS)]
        vus[scenario] = vus.get(scenario, 0) + 1
        statut = {v.code: str(v.statut) for v in verdicts}
        raisons = {v.code: v.raisons for v in verdicts}
        if scenario not in ("ad_sans_audit", "rien"):  # every AD described and audited in the phase
            assert statut["D1.O1.A"] == "atteint", (scenario, c.pk, raisons["D1.O1.A"])
        if scenario == "ad_sans_audit":
            assert statut["D1.O1.A"] == "incomplet", (c.pk, raisons["D1.O1.A"])
        if c.est_ght and scenario not in ("osis_partiel", "rien"):
            assert statut["D1.O6.A"] == "atteint", (scenario, c.pk, raisons["D1.O6.A"])
            if scenario == "convergence_tardive":  # the date alone fails
                assert statut["D1.O6.B"] == "non_atteint" and len(raisons["D1.O6.B"]) == 1, raisons["D1.O6.B"]
                assert "au-delà de l'échéance maximale" in raisons["D1.O6.B"][0]
            else:
                assert statut["D1.O6.B"] == "atteint", (scenario, c.pk, raisons["D1.O6.B"])
    assert vus.get("exemplaire") and vus.get("ad_sans_audit") and vus.get("convergence_tardive")
