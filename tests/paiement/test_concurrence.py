"""Exactly one payment per convention under concurrent attempts (PostgreSQL: real threads, each with
its own connection; the convention's row lock and the unique constraint)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from paiement import services
from paiement.models import Paiement

from .paiements import controle_valide


@pytest.mark.services("PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the referential of the data migrations
def test_huit_tentatives_concurrentes_un_seul_paiement():
    ctl, _, _ = controle_valide()
    barriere = threading.Barrier(8)
    resultats, erreurs = [], []

    def tenter(i: int) -> None:
        try:
            barriere.wait(timeout=30)
            if i % 2:
                resultats.append(("masse", len(services.paiements_creer_a_valider().crees)))
            else:
                try:
                    services.paiement_creer(controle=ctl)
                    resultats.append(("un", 1))
                except services.WorkflowError as exc:
                    resultats.append(("refus", exc.code))
        except Exception as exc:  # noqa: BLE001 - reported below
            erreurs.append(repr(exc))
        finally:
            connection.close()

    fils = [threading.Thread(target=tenter, args=(i,)) for i in range(8)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)
    assert erreurs == []
    assert Paiement.objects.filter(controle=ctl).count() == 1
    crees = sum(n for genre, n in resultats if genre in ("un", "masse"))
    assert crees == 1, resultats
    assert all(code == "existe" for genre, code in resultats if genre == "refus")
