import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.workflow.models import JournalImmuable, TransitionLog
from care_portal.workflow.selectors import journal_de
from care_portal.workflow.services import WorkflowError, journaliser, run_transition
from tests.factories import EntiteJuridiqueFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rattachement():
    return Rattachement.objects.create(
        utilisateur=UserFactory(), role=Role.DSI, entite_juridique=EntiteJuridiqueFactory()
    )


def test_run_transition_change_l_etat_et_journalise(rattachement):
    acteur = UserFactory()
    with transaction.atomic():
        log = run_transition(rattachement, "refuser", acteur=acteur, motif="Inconnu du service", par=acteur,
                             le=rattachement.demande_le, update_fields=["decide_par", "decide_le", "motif"])
    rattachement.refresh_from_db()
    assert rattachement.etat == Rattachement.Etat.REFUSE
    assert rattachement.decide_par == acteur
    assert (log.code, log.etat_source, log.etat_cible) == ("comptes.rattachement.refuse", "en_attente", "refuse")
    assert log.acteur == acteur and log.motif == "Inconnu du service"
    assert list(journal_de(rattachement)) == [log]


def test_run_transition_mauvais_etat_refuse_sans_rien_ecrire(rattachement):
    acteur = UserFactory()
    with pytest.raises(WorkflowError) as exc:
        with transaction.atomic():
            run_transition(rattachement, "revoquer", acteur=acteur, motif="x", par=acteur, le=None)
    assert exc.value.code == "etat"
    assert "pas possible" in exc.value.message
    rattachement.refresh_from_db()
    assert rattachement.etat == Rattachement.Etat.EN_ATTENTE
    assert TransitionLog.objects.count() == 0


def test_journaliser_hors_transaction_refuse(rattachement):
    with pytest.raises(RuntimeError):
        # pytest-django wraps the test in a transaction; leave it explicitly
        connection.in_atomic_block = False
        try:
            journaliser(rattachement, "x.y.z")
        finally:
            connection.in_atomic_block = True


def test_journal_en_ajout_seul_par_l_orm(rattachement):
    with transaction.atomic():
        log = journaliser(rattachement, "comptes.rattachement.test", acteur=None)
    log.motif = "modifié"
    with pytest.raises(JournalImmuable):
        log.save()
    with pytest.raises(JournalImmuable):
        log.delete()


def test_journal_en_ajout_seul_en_base(rattachement):
    if connection.vendor != "postgresql":
        pytest.skip("le déclencheur d'ajout seul est propre à PostgreSQL")
    with transaction.atomic():
        log = journaliser(rattachement, "comptes.rattachement.test", acteur=None)
    for sql in ("UPDATE workflow_transitionlog SET motif = 'x' WHERE id = %s",
                "DELETE FROM workflow_transitionlog WHERE id = %s"):
        with pytest.raises(DatabaseError, match="ajout seul"):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [log.pk])
    assert TransitionLog.objects.filter(pk=log.pk, motif="").exists()
