"""The ``objectifs`` step of seed_demo: evidence on the submitted demo candidatures, through the
services; objectives met in some dossiers and not met, for distinct reasons, in others; idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from objectifs import demo, selectors
from objectifs.models import ActiveDirectory, AuditADS, ExerciceCrise

pytestmark = pytest.mark.django_db


def seed(*etapes: str) -> str:
    sortie = io.StringIO()
    call_command("seed_demo", scale=0.05, etapes=list(etapes), stdout=sortie)
    return sortie.getvalue()


def test_etape_objectifs(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed("referentiel", "comptes", "candidatures")
    sortie = seed("objectifs")
    assert "[objectifs]" in sortie and "dossier(s) renseigné(s)" in sortie
    assert ActiveDirectory.objects.exists() and AuditADS.objects.filter(score=1).exists()
    assert ExerciceCrise.objects.filter(date__year=2022).exists()  # kept, and the rule says why

    statuts: dict[str, set[str]] = {}
    raisons: dict[str, set[str]] = {}
    for _c, verdicts in selectors.evaluer_lots(selectors.candidatures_evaluables()):
        for v in verdicts:
            statuts.setdefault(v.code, set()).add(str(v.statut))
            if str(v.statut) == "non_atteint":
                raisons.setdefault(v.code, set()).update(v.raisons)
    for code in ("D1.O1.A", "D1.O1.B", "D1.O3", "D1.O4", "D1.O5"):
        assert "atteint" in statuts[code], code
    for code in ("D1.O1.B", "D1.O2.B", "D1.O3"):
        assert "non_atteint" in statuts[code], code
    assert "incomplet" in statuts["D1.O4"] and "incomplet" in statuts["D1.O1.A"]

    # idempotent: a second run adds nothing
    n = AuditADS.objects.count()
    assert "0 dossier(s) renseigné(s)" in seed("objectifs")
    assert AuditADS.objects.count() == n
    assert len(demo.SCENARIOS) == 9
