"""The convention's move to its own app (issue 15: conventions 0001-0002, candidatures 0007, paiement 0003)
keeps every row, on PostgreSQL: from the schema as it was (the tables ``candidatures_*``, the content types
``candidatures.<model>``, the log codes and the outbox's task names of before) to the new one, and back.

The data is made with the current code, then the database is migrated back to the previous schema (where
it is checked to be what the previous code wrote), then forward again. The same path was run on a demo
database made by the previous code (README, « Migrations »)."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from care_portal.core.models import Travail
from care_portal.documents.models import Document
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import journaliser
from conventions.models import (
    CodeSignature,
    Convention,
    ElementContresignature,
    LotContresignature,
    RappelFournisseur,
)
from paiement.models import Paiement
from tests.factories import PaiementFactory, UserFactory, _deposer_version_pdf

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# unapplying conventions 0001 unapplies what depends on it: candidatures 0007 and paiement 0003
PARTICIPES = importlib.import_module("conventions.migrations.0003_codes_du_journal_au_participe").RENOMMAGES
AVANT = [("conventions", "zero")]
TABLES = ["convention", "codesignature", "codesignature_conventions", "lotcontresignature",
          "elementcontresignature", "rappelfournisseur"]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("la migration se vérifie sur PostgreSQL (DATABASE_URL)")


def _migrer(*cibles) -> None:
    for app, nom in cibles:
        call_command("migrate", app, nom, verbosity=0)


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def _compter(table: str) -> int:
    with connection.cursor() as curseur:
        curseur.execute(f'SELECT count(*) FROM "{table}"')
        return curseur.fetchone()[0]


def _donnees() -> dict:
    paiement = PaiementFactory(paye=True)
    cv = paiement.convention
    dg = cv.contresignataire
    _deposer_version_pdf(cv, "convention_signee")
    with transaction.atomic():
        journaliser(cv, "conventions.convention.signee_es", acteur=None)
        journaliser(cv, "conventions.convention.contresignee", acteur=dg)
        journaliser(cv.candidature, "candidatures.candidature.deposee", acteur=None)  # not the convention's
    code = CodeSignature.objects.create(role="ans", email=dg.email, utilisateur=dg, empreinte="x" * 64,
                                        expire_le=timezone.now())
    code.conventions.add(cv)
    lot = LotContresignature.objects.create(acteur=dg, code=code, ip="203.0.113.7")
    ElementContresignature.objects.create(lot=lot, convention=cv, etat="faite")
    RappelFournisseur.objects.create(fournisseur="yousign", identifiant="evt-1", type="signature_request.done",
                                     reference="sr-1")
    Travail.objects.create(tache="conventions.envoyer", arguments=[cv.pk], objet=f"conventions.convention:{cv.pk}")
    Travail.objects.create(tache="notifications.envoyer_email", arguments_nommes={
        "si_refus": ["conventions.adresse_signataire_refusee", {"convention_id": cv.pk}]})
    return {"cv": cv, "paiement": paiement, "documents": Document.objects.filter(
        content_type=ContentType.objects.get_for_model(Convention), object_id=cv.pk).count(),
        "codes": sorted(TransitionLog.objects.filter(object_id=str(cv.pk), code__startswith="conventions.")
                        .values_list("code", flat=True))}


def test_les_conventions_passent_d_une_app_a_l_autre_avec_leurs_lignes():
    d = _donnees()
    cv = d["cv"]
    type_convention = ContentType.objects.get_for_model(Convention)
    assert d["documents"] >= 1 and "conventions.convention.contresignee" in d["codes"]
    lignes = {t: _compter(f"conventions_{t}") for t in TABLES}
    assert all(lignes.values())

    _migrer(*AVANT)  # the schema as the previous code left it
    try:
        _verifier_avant(cv, type_convention, d, lignes)
    finally:
        call_command("migrate", verbosity=0)  # forward: the new schema (also when a check failed)
    _verifier_apres(cv, type_convention, d, lignes)


def _verifier_avant(cv, type_convention, d, lignes) -> None:
    assert {f"candidatures_{t}" for t in TABLES} <= _tables()
    assert not {f"conventions_{t}" for t in TABLES} & _tables()
    assert {t: _compter(f"candidatures_{t}") for t in TABLES} == lignes
    ancien = ContentType.objects.get(pk=type_convention.pk)
    assert (ancien.app_label, ancien.model) == ("candidatures", "convention")
    # the codes as the previous code wrote them: the verb of the transition, under candidatures
    anciens = {nouveau: ancien for ancien, nouveau in PARTICIPES.items()}
    assert sorted(TransitionLog.objects.filter(object_id=str(cv.pk), code__startswith="candidatures.convention.")
                  .values_list("code", flat=True)) == sorted(anciens.get(c, c).replace("conventions.", "candidatures.", 1)
                                                             for c in d["codes"])
    assert set(Travail.objects.exclude(tache="notifications.envoyer_email").values_list("tache", "objet")) == {
        ("candidatures.envoyer_convention", f"candidatures.convention:{cv.pk}")}
    assert Travail.objects.get(tache="notifications.envoyer_email").arguments_nommes["si_refus"][0] == \
        "candidatures.adresse_signataire_refusee"

    # candidatures 0008 (its codes in the past participle) depends on the move: unapplied with it
    assert TransitionLog.objects.filter(code="candidatures.candidature.deposer").count() == 1



def _verifier_apres(cv, type_convention, d, lignes) -> None:
    assert {t: _compter(f"conventions_{t}") for t in TABLES} == lignes
    assert not {f"candidatures_{t}" for t in TABLES} & _tables()
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Convention).pk == type_convention.pk
    assert not ContentType.objects.filter(app_label="candidatures", model="convention").exists()
    # the ORM reads the same rows, their relations and what refers to them
    relue = Convention.objects.get(pk=cv.pk)
    assert (relue.numero, relue.etat, relue.montant) == (cv.numero, cv.etat, cv.montant)
    assert relue.codes_signature.get().lot.elements.get().convention_id == cv.pk
    assert Paiement.objects.get(pk=d["paiement"].pk).convention_id == cv.pk
    assert Document.objects.filter(content_type=type_convention, object_id=cv.pk).count() == d["documents"]
    assert Permission.objects.filter(content_type=type_convention, codename="view_convention").exists()
    assert sorted(TransitionLog.objects.filter(object_id=str(cv.pk), content_type_id=type_convention.pk,
                                               code__contains="convention.").values_list("code", flat=True)) == d["codes"]
    assert TransitionLog.objects.filter(code="candidatures.candidature.deposee").count() == 1
    assert set(Travail.objects.exclude(tache="notifications.envoyer_email").values_list("tache", "objet")) == {
        ("conventions.envoyer", f"conventions.convention:{cv.pk}")}
    assert Travail.objects.get(tache="notifications.envoyer_email").arguments_nommes["si_refus"][0] == \
        "conventions.adresse_signataire_refusee"
    # new rows go on working, and the log is append-only again (its trigger is back)
    code = CodeSignature.objects.create(role="es", email="signataire@example.fr", empreinte="y" * 64,
                                        expire_le=timezone.now(), utilisateur=UserFactory())
    code.conventions.add(relue)
    assert relue.codes_signature.count() == 2
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        with connection.cursor() as curseur:
            curseur.execute("UPDATE workflow_transitionlog SET motif = 'x'")
