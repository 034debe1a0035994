"""The ``candidatures`` step of seed_demo: the demo call open around today, candidatures in every
state across the regions, built through the services, the demo accounts' structures served, and
idempotent."""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from candidatures import demo, selectors, services
from candidatures.models import Candidature, Message, Recepisse
from care_portal.comptes import demo as comptes_demo
from care_portal.comptes.demo import MOT_DE_PASSE_DEMO
from care_portal.comptes.models import User
from care_portal.documents.models import Document
from care_portal.referentiel.models import AppelAFinancement, Region
from care_portal.workflow.models import TransitionLog

pytestmark = pytest.mark.django_db

ECHELLE = 0.05


def seed(*etapes: str) -> str:
    sortie = io.StringIO()
    call_command("seed_demo", scale=ECHELLE, etapes=list(etapes), stdout=sortie)
    return sortie.getvalue()


def seme(capture) -> str:
    """The referential, the demo accounts and the candidatures; what ``seed_demo`` runs after each
    commit (receipts, e-mails) runs here too."""
    with capture(execute=True):
        return seed("referentiel", "comptes", "candidatures")


def test_etape_candidatures(django_capture_on_commit_callbacks):
    """One seeding (it takes a while: every dossier goes through the services, receipts included),
    then every check on it."""
    sortie = seme(django_capture_on_commit_callbacks)

    # the demo call, open today
    appel = AppelAFinancement.objects.get(code=demo.CODE_APPEL)
    aujourd_hui = timezone.localdate()
    assert appel.candidature_debut < aujourd_hui < appel.candidature_fin
    assert appel.declaration_debut <= aujourd_hui <= appel.declaration_fin
    assert "Appel « CaRE Domaine 1 — appel de démonstration » (care-d1-demo) créé" in sortie

    # every state, every region; dossiers to instruct for the demo ARS agents
    candidatures = Candidature.objects.filter(appel=appel)
    assert set(candidatures.values_list("etat", flat=True)) == set(Candidature.Etat.values)
    assert set(candidatures.values_list("region_instructrice", flat=True)) == set(
        Region.objects.values_list("pk", flat=True))
    for region in demo.REGIONS_ARS:
        assert candidatures.filter(region_instructrice__nom=region, etat=Candidature.Etat.DEPOSEE).exists()
    assert f"Candidatures de démonstration : {candidatures.count()} créée(s)" in sortie

    # built through the services: log, receipts, locked documents, complete when submitted
    for c in candidatures.exclude(etat=Candidature.Etat.BROUILLON):
        codes = list(TransitionLog.objects.filter(content_type__model="candidature", object_id=str(c.pk))
                     .values_list("code", flat=True))
        assert "candidatures.candidature.creee" in codes and "candidatures.candidature.deposee" in codes, c
        assert Recepisse.objects.filter(candidature=c).count() == codes.count("candidatures.candidature.deposee")
        if c.etat in (Candidature.Etat.DEPOSEE, Candidature.Etat.COMPLETE):
            assert not [m for s in selectors.completude(c) for m in s.manquants], c
            assert all(d.verrouille for d in selectors.documents_de(c))

    # accounts created for the demo have no usable password; the demo accounts keep theirs
    crees = User.objects.filter(email__endswith="@demo.ecare.fr").exclude(
        email__in=[m.email for m in comptes_demo.MODELES])
    assert crees.exists() and not any(u.has_usable_password() for u in crees)
    assert User.objects.get(email=demo.EMAIL_REFERENT_GHT).check_password(MOT_DE_PASSE_DEMO)

    # idempotent
    avant = (candidatures.count(), Document.objects.count(), TransitionLog.objects.count(), User.objects.count())
    sortie = seme(django_capture_on_commit_callbacks)
    assert "Candidatures de démonstration : 0 créée(s)" in sortie and "inchangé" in sortie
    assert (candidatures.count(), Document.objects.count(), TransitionLog.objects.count(),
            User.objects.count()) == avant

    # the demo référent of the GHT has a complete draft: they submit, the demo ARS instructs
    referent = User.objects.get(email=demo.EMAIL_REFERENT_GHT)
    c = candidatures.get(ght__in=[r.ght for r in referent.rattachements.all()])
    assert c.etat == Candidature.Etat.BROUILLON
    assert not [m for s in selectors.completude(c) for m in s.manquants]
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_deposer(candidature=c, acteur=referent)
    services.candidature_declarer_complete(candidature=c, acteur=User.objects.get(email="referent.ars@demo.ecare.fr"))
    assert Candidature.objects.get(pk=c.pk).etat == Candidature.Etat.COMPLETE

    # the demo clinic has a complement to give, its proofs and a thread; it answers
    referent = User.objects.get(email=demo.EMAIL_REFERENT_CLINIQUE)
    c = candidatures.get(ght__isnull=True,
                         entite_juridique__in=[r.entite_juridique for r in referent.rattachements.all()])
    assert c.etat == Candidature.Etat.COMPLEMENT_DEMANDE and c.motif
    assert Message.objects.filter(candidature=c).count() == 2
    lignes = [str(pk) for pk in c.perimetre.values_list("pk", flat=True)]
    assert Document.objects.filter(content_type__model="perimetreligne", object_id__in=lignes).count() >= 5
    services.candidature_deposer(candidature=c, acteur=referent)
    assert Candidature.objects.get(pk=c.pk).etat == Candidature.Etat.DEPOSEE


def test_sans_les_comptes_de_demo_l_etape_le_dit(db, monkeypatch):
    monkeypatch.setattr(demo, "plans", lambda rng: [])
    lignes = demo.creer_candidatures_demo(random.Random(1))
    assert lignes[-1].startswith("Comptes de démonstration absents")


def test_jamais_en_production(settings, db):
    settings.PRODUCTION = True
    assert demo.creer_candidatures_demo(random.Random(1)) == [
        "Candidatures de démonstration : jamais créées en production (DEBUG=0)."]
    assert not AppelAFinancement.objects.filter(code=demo.CODE_APPEL).exists()


def test_appel_deplace_quand_sa_fenetre_est_passee(db):
    appel, etat = demo.appel_demo(datetime.date(2027, 1, 10))
    assert etat == "créé" and appel.candidature_fin == datetime.date(2027, 2, 9)
    assert demo.appel_demo(datetime.date(2027, 2, 1))[1] == "inchangé"
    appel, etat = demo.appel_demo(datetime.date(2027, 6, 1))
    assert etat.startswith("fenêtres déplacées") and appel.candidature_debut == datetime.date(2027, 5, 2)
