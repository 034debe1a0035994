"""One tense for the log codes (issue 15): a code tells what happened, in the past participle
(« candidatures.candidature.deposee », « conventions.convention.envoi_demande »), never the verb of the
action. Each transition declares its participle; the sentences registered for the timeline use no other."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django_fsm import FSMFieldMixin

from care_portal.core import etapes
from care_portal.workflow.services import code_de_transition
from tests.factories import CandidatureFactory

# a word of the code that is a French infinitive (« deposer », « valider », « rouvrir », « repondre »,
# « resoudre », « mettre », « ecrire »), not a noun such as « perimetre » or « signature »
INFINITIF = re.compile(r"(^|_)[a-z]+(er|ir|dre|ttre|ire|aire)($|_)")


def _transitions():
    for modele in apps.get_models():
        for champ in modele._meta.fields:
            if isinstance(champ, FSMFieldMixin):
                for t in champ.get_all_transitions(modele):
                    yield modele, t


def test_chaque_transition_declare_son_participe():
    vues = list(_transitions())
    assert len(vues) >= 31  # every stage's machine is seen
    for modele, t in vues:
        participe = t.custom.get("journal")
        assert participe, f"{modele.__name__}.{t.name} : custom={{'journal': …}} manquant"
        assert not INFINITIF.search(participe), f"{modele.__name__}.{t.name} : « {participe} » n'est pas un participe"


def test_les_phrases_du_journal_sont_au_participe():
    codes = list(etapes._registre.libelles)
    assert len(codes) > 50
    fautifs = [c for c in codes if INFINITIF.search(c.rsplit(".", 1)[-1])]
    assert fautifs == []


def test_le_filtre_reconnait_un_infinitif():
    assert all(INFINITIF.search(mot) for mot in ("deposer", "valider_atteinte", "rouvrir", "repondre", "resoudre"))
    assert not any(INFINITIF.search(mot) for mot in ("perimetre_ajuste", "signature_bloquee", "deposee", "mis_en_lot"))


@pytest.mark.django_db
def test_run_transition_ecrit_le_participe():
    c = CandidatureFactory()
    assert code_de_transition(c, "deposer", c.etat) == "candidatures.candidature.deposee"
