"""The deadline reminders (rappels.py): each fires once, on the right date (time travel), not for a
dossier that moved on, and catches up after a missed run without duplicates."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from candidatures import rappels as rappels_candidatures
from candidatures import services as cs
from candidatures.models import Candidature
from care_portal.notifications import rappels
from care_portal.notifications.models import Envoi, Notification, Rappel
from controle import rappels as rappels_controle
from conventions import rappels as rappels_conventions
from conventions import services as conventions
from conventions.models import Convention
from declarations import rappels as rappels_declarations_mod
from declarations.models import Declaration
from objectifs import rappels as rappels_objectifs
from paiement import rappels as rappels_paiement
from tests.candidatures import donnees as dc
from tests.conventions import conventions as cv_outils
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory
from tests.objectifs import donnees as do

from .outils import a_paris, courriels, executer, le

pytestmark = pytest.mark.django_db



class Genre:
    """The reminder kinds, as the stage apps register them (care_portal.core.etapes)."""

    BROUILLON, CONVENTION, ARS_ATTENTE = "brouillon", "convention", "ars_attente"
    DECLARATION, ARS_DECLARATION = "declaration", "ars_declaration"
    CONTROLE_RETARD, PAIEMENT = "controle_retard", "paiement"
    AUDIT_ADS, AUDIT_EXPOSITION = "audit_ads", "audit_exposition"
    AIDE_ATTENTE = "aide_attente"  # accompagnement: a help request waiting for an answer


def aujourd_hui() -> datetime.date:
    return timezone.localdate()


def brouillon(appel):
    ej = EntiteJuridiqueFactory()
    EtablissementGeographiqueFactory(entite_juridique=ej)
    ref = dc.referent(ej, email=f"ref-{ej.pk}@exemple.fr")
    c = cs.candidature_creer(structure=ej, appel=appel, acteur=ref)
    return c, ref


def jour_de(job, jour: datetime.date, heure: int = 10):
    mail.outbox.clear()
    with le(a_paris(jour, heure)):
        return executer(job, maintenant=timezone.now())


# --- drafts ---------------------------------------------------------------------------------------

def test_brouillon_rappele_une_fois_n_jours_avant_la_cloture(settings):
    settings.CARE_RAPPEL_BROUILLON_JOURS_AVANT = 7
    appel = AppelFactory(ferme_dans=20)
    c, ref = brouillon(appel)
    fin = appel.candidature_fin
    assert jour_de(rappels_candidatures.rappels_brouillons, fin - datetime.timedelta(days=8)) == 0
    assert mail.outbox == []
    assert jour_de(rappels_candidatures.rappels_brouillons, fin - datetime.timedelta(days=7)) == 1
    [message] = mail.outbox
    assert ref.email in message.to
    assert "Candidature à déposer avant le" in message.subject
    assert "dans 7 jours" in message.body and f"/candidatures/{c.pk}/" in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    rappel = Rappel.objects.get()
    assert (rappel.candidature_id, rappel.genre, rappel.echeance) == (c.pk, Genre.BROUILLON, fin)
    assert rappel.envoi.statut == Envoi.Statut.ENVOYE
    # the in-app notice of the référent, pointing at the dossier
    n = Notification.objects.get(destinataire=ref)
    assert n.lien == f"/candidatures/{c.pk}/" and n.lue_le is None
    # the same day again, the next days, the closing day: never twice
    for decalage in (7, 6, 1, 0):
        assert jour_de(rappels_candidatures.rappels_brouillons, fin - datetime.timedelta(days=decalage)) == 0
    assert Rappel.objects.count() == 1
    # after the closing day: nothing for this call any more
    assert jour_de(rappels_candidatures.rappels_brouillons, fin + datetime.timedelta(days=1)) == 0


def test_brouillon_rattrapage_apres_des_jours_manques(settings):
    settings.CARE_RAPPEL_BROUILLON_JOURS_AVANT = 7
    appel = AppelFactory(ferme_dans=20)
    brouillon(appel)
    brouillon(appel)
    fin = appel.candidature_fin
    # the worker was down from J-7 to J-5: the run of J-4 sends each reminder once
    assert jour_de(rappels_candidatures.rappels_brouillons, fin - datetime.timedelta(days=4)) == 2
    assert len(mail.outbox) == 2
    assert jour_de(rappels_candidatures.rappels_brouillons, fin - datetime.timedelta(days=3)) == 0
    assert Rappel.objects.filter(genre=Genre.BROUILLON).count() == 2


def test_brouillon_depose_ou_retire_entre_temps_pas_rappele(settings):
    settings.CARE_RAPPEL_BROUILLON_JOURS_AVANT = 7
    appel = AppelFactory(ferme_dans=20)
    depose, ref_depose = brouillon(appel)
    dc.deposer(depose, ref_depose)
    retire, ref_retire = brouillon(appel)
    cs.candidature_retirer(candidature=retire, acteur=ref_retire)
    reste, _ = brouillon(appel)
    assert jour_de(rappels_candidatures.rappels_brouillons, appel.candidature_fin - datetime.timedelta(days=2)) == 1
    assert list(Rappel.objects.values_list("candidature", flat=True)) == [reste.pk]
    assert len(courriels("Candidature à déposer")) == 1


# --- conventions ----------------------------------------------------------------------------------

@pytest.fixture
def convention_envoyee(certificat):
    """A convention sent at 10:00 (Paris) on a fixed day; deadline 5 days later at 10:00."""
    debut = a_paris(aujourd_hui() + datetime.timedelta(days=1), 10)
    with le(debut):
        c, referent, ars = cv_outils.dossier_complet()
        cv = cv_outils.envoyee(c)
    assert cv.etat == Convention.Etat.ENVOYEE
    assert timezone.localtime(cv.echeance) == debut + datetime.timedelta(days=5)
    return cv, debut


def convention_a(job_instant: datetime.datetime) -> int:
    mail.outbox.clear()
    with le(job_instant):
        return executer(rappels_conventions.rappels_conventions, maintenant=timezone.now())


def test_convention_rappelee_au_jour_2_et_au_jour_4(convention_envoyee):
    cv, debut = convention_envoyee
    jour = datetime.timedelta(days=1)
    assert convention_a(debut + jour) == 0
    assert convention_a(debut + 2 * jour - datetime.timedelta(minutes=1)) == 0
    assert convention_a(debut + 2 * jour) == 1
    [message] = mail.outbox
    c = cv.candidature
    assert message.to == [c.signataire_email]
    assert set(message.cc) == {c.referent_email, c.rssi_email, c.dsi_email}
    assert f"Rappel : convention CaRE {cv.numero}" in message.subject
    assert "/candidatures/convention/signer/" in message.body  # the signatory's personal link again
    assert convention_a(debut + 3 * jour) == 0
    assert convention_a(debut + 4 * jour) == 1
    assert convention_a(debut + 4 * jour + datetime.timedelta(hours=12)) == 0
    assert sorted(Rappel.objects.values_list("cible", flat=True)) == ["envoi-1-j2", "envoi-1-j4"]
    # day 5: the convention expires (the existing job); no reminder after that
    with le(debut + 5 * jour):
        executer(conventions.conventions_expirer)
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.EXPIREE
    assert convention_a(debut + 5 * jour + datetime.timedelta(hours=1)) == 0


def test_convention_rattrapage_un_seul_rappel_le_plus_recent(convention_envoyee):
    cv, debut = convention_envoyee
    # the worker was down from day 1 to day 4: one reminder (day 4), not day 2 and day 4 together
    assert convention_a(debut + datetime.timedelta(days=4, hours=3)) == 1
    assert len(mail.outbox) == 1
    assert list(Rappel.objects.values_list("cible", flat=True)) == ["envoi-1-j4"]
    assert convention_a(debut + datetime.timedelta(days=4, hours=4)) == 0


def test_convention_signee_ou_bloquee_pas_rappelee(convention_envoyee):
    cv, debut = convention_envoyee
    Convention.objects.filter(pk=cv.pk).update(signature_bloquee_le=timezone.now())
    assert convention_a(debut + datetime.timedelta(days=2, hours=1)) == 0
    assert Rappel.objects.count() == 0


def test_convention_renvoyee_nouveaux_rappels(convention_envoyee):
    """A convention sent again has a new deadline and sending number: its reminders are new ones."""
    cv, debut = convention_envoyee
    assert convention_a(debut + datetime.timedelta(days=2)) == 1
    with le(debut + datetime.timedelta(days=5)):
        executer(conventions.conventions_expirer)
    renvoi = debut + datetime.timedelta(days=6)
    with le(renvoi):
        with executer_bloc():
            conventions.convention_renvoyer(convention=Convention.objects.get(pk=cv.pk), acteur=cv_outils.admin_ans())
    cv = Convention.objects.get(pk=cv.pk)
    assert cv.etat == Convention.Etat.ENVOYEE and cv.envoi == 2
    assert convention_a(renvoi + datetime.timedelta(days=2)) == 1
    assert sorted(Rappel.objects.values_list("cible", flat=True)) == ["envoi-1-j2", "envoi-2-j2"]


def executer_bloc():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


# --- ARS: candidatures waiting --------------------------------------------------------------------

def test_ars_rappel_des_candidatures_en_attente(settings):
    settings.CARE_RAPPEL_ARS_ATTENTE_JOURS = 15
    c1, _ = do.candidature_deposee()
    c2, _ = do.candidature_deposee()
    agent = dc.ars("33", email="ars-na@exemple.fr")
    depot = timezone.localtime(c1.deposee_le).date()
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=14)) == 0
    # one e-mail to the region's ARS listing both
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=16)) == 2  # past 15 days whatever the hour of the deposit
    [message] = mail.outbox
    assert message.to == [agent.email]
    assert "2 candidatures en attente d'instruction depuis plus de 15 jours" in message.subject
    assert c1.structure_libelle in message.body and c2.structure_libelle in message.body
    assert Notification.objects.get(destinataire=agent).lien == "/candidatures/instruction/?etat=deposee"
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=16)) == 0
    assert Rappel.objects.filter(genre=Genre.ARS_ATTENTE).count() == 2


def test_ars_candidature_instruite_entre_temps_pas_rappelee(settings):
    settings.CARE_RAPPEL_ARS_ATTENTE_JOURS = 15
    c, _ = do.candidature_deposee()
    agent = dc.ars("33")
    cs.candidature_demander_complement(candidature=c, acteur=agent, message="Il manque le RIB.")
    depot = timezone.localtime(c.deposee_le).date()
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=20)) == 0
    assert Rappel.objects.count() == 0


def test_ars_rattrapage_sans_doublon(settings):
    settings.CARE_RAPPEL_ARS_ATTENTE_JOURS = 15
    c, _ = do.candidature_deposee()
    dc.ars("33")
    depot = timezone.localtime(c.deposee_le).date()
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=19)) == 1
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=19), heure=18) == 0
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=20)) == 0


# --- audits ---------------------------------------------------------------------------------------

def test_audit_ads_rappele_10_jours_avant_la_rupture_de_cadence(settings):
    settings.CARE_RAPPEL_AUDIT_JOURS_AVANT = 10
    c, ref = do.candidature_deposee()
    ad = do.ad(c, ref, nom="chu.local")
    debut = timezone.localtime(c.premiere_depose_le).date()
    echeance = debut + datetime.timedelta(days=60)  # no audit yet: phase start + 60 days

    def jour(n: int) -> int:
        mail.outbox.clear()
        with le(a_paris(debut + datetime.timedelta(days=n), 6)):
            return executer(rappels_objectifs.rappels_audits)

    assert jour(49) == 0
    envoyes = jour(50)
    # (an AD's pk and a perimeter line's pk may be equal: the key is the pair)
    cles = set(Rappel.objects.values_list("genre", "cible"))
    assert (Genre.AUDIT_ADS, str(ad.pk)) in cles
    assert Genre.AUDIT_EXPOSITION in {g for g, _ in cles}  # the perimeter's exposure audit is due as well
    assert envoyes == len(cles) and len(mail.outbox) == 1  # one e-mail for the dossier
    [message] = mail.outbox
    assert "chu.local" in message.body and f"avant le {echeance:%d/%m/%Y}" in message.subject
    assert set(Rappel.objects.values_list("echeance", flat=True)) == {echeance}
    assert jour(50) == 0 and jour(55) == 0 and jour(60) == 0
    # past the due date: overdue, no "next audit" reminder
    assert jour(61) == 0


def test_audit_realise_entre_temps_pas_rappele_pour_l_ancienne_echeance(settings):
    settings.CARE_RAPPEL_AUDIT_JOURS_AVANT = 10
    c, ref = do.candidature_deposee()
    ad = do.ad(c, ref)
    debut = timezone.localtime(c.premiere_depose_le).date()
    # the AD is audited on day 40: its next due date moves to day 100
    with le(a_paris(debut + datetime.timedelta(days=40))):
        do.audit(ad, ref, debut + datetime.timedelta(days=40))
    with le(a_paris(debut + datetime.timedelta(days=52), 6)):
        executer(rappels_objectifs.rappels_audits)
    assert not Rappel.objects.filter(genre=Genre.AUDIT_ADS).exists()
    with le(a_paris(debut + datetime.timedelta(days=90), 6)):
        executer(rappels_objectifs.rappels_audits)
    assert list(Rappel.objects.filter(genre=Genre.AUDIT_ADS).values_list("echeance", flat=True)) == [
        debut + datetime.timedelta(days=100)]


def test_audit_dossier_retire_pas_rappele(settings):
    settings.CARE_RAPPEL_AUDIT_JOURS_AVANT = 10
    c, ref = do.candidature_deposee()
    do.ad(c, ref)
    cs.candidature_retirer(candidature=c, acteur=ref)
    debut = timezone.localtime(c.premiere_depose_le).date()
    with le(a_paris(debut + datetime.timedelta(days=55), 6)):
        assert executer(rappels_objectifs.rappels_audits) == 0
    assert Candidature.objects.get(pk=c.pk).etat == Candidature.Etat.RETIREE


# --- the entry point ------------------------------------------------------------------------------

def test_envoyer_rappels_reunit_les_genres_horaires(settings):
    settings.CARE_RAPPEL_BROUILLON_JOURS_AVANT = 7
    appel = AppelFactory(ferme_dans=3)
    brouillon(appel)
    resultat = executer(rappels.envoyer_rappels)
    assert resultat == {Genre.BROUILLON: 1, Genre.CONVENTION: 0, Genre.ARS_ATTENTE: 0, Genre.DECLARATION: 0,
                        Genre.ARS_DECLARATION: 0, Genre.CONTROLE_RETARD: 0, Genre.PAIEMENT: 0,
                        Genre.AIDE_ATTENTE: 0}
    assert executer(rappels.envoyer_rappels)[Genre.BROUILLON] == 0


# --- declarations ---------------------------------------------------------------------------------

@pytest.fixture
def signee():
    """A candidature whose convention is signed (``tests.factories.convention_signee``: no rendering nor
    sealing), its call's declaration window closing in 20 days."""
    from tests.declarations.donnees import candidature_signee, ouvrir_fenetre

    c, referent, ars = candidature_signee()
    ouvrir_fenetre(c, fin=20)
    return Candidature.objects.select_related("appel").get(pk=c.pk), referent, ars


def deposer_declaration(c, referent):
    from declarations import services as ds
    from tests.declarations.donnees import ajouter

    d = ds.declaration_creer(candidature=c, acteur=referent)
    ajouter(d, referent)
    with cv_outils.commit():
        return ds.declaration_deposer(declaration=d, acteur=referent, certifie=True)


def test_declaration_rappelee_une_fois_n_jours_avant_la_cloture(settings, signee):
    settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT = 15
    c, referent, _ = signee
    fin = c.appel.declaration_fin
    assert jour_de(rappels_declarations_mod.rappels_declarations, fin - datetime.timedelta(days=16)) == 0
    assert jour_de(rappels_declarations_mod.rappels_declarations, fin - datetime.timedelta(days=15)) == 1
    [message] = mail.outbox
    assert referent.email in message.to
    assert message.subject == f"[eCaRE] Déclaration d'atteinte des objectifs à déposer avant le {fin:%d/%m/%Y}"
    # the declaration was opened (brouillon) when the ANS countersigned: the reminder links to it
    d = Declaration.objects.get(candidature=c)
    assert d.etat == Declaration.Etat.BROUILLON
    assert "dans 15 jours" in message.body
    assert f"/declarations/{d.pk}/" in message.body
    assert Notification.objects.get(destinataire=referent, gabarit="rappel_declaration").candidature_id == c.pk
    # once: the same day again, the next days, the last day
    for jour in (fin - datetime.timedelta(days=15), fin - datetime.timedelta(days=14), fin):
        assert jour_de(rappels_declarations_mod.rappels_declarations, jour) == 0
    assert mail.outbox == []
    assert Rappel.objects.filter(genre=Genre.DECLARATION, echeance=fin).count() == 1
    # after the window: nothing
    assert jour_de(rappels_declarations_mod.rappels_declarations, fin + datetime.timedelta(days=1)) == 0


def test_declaration_rattrapage_apres_des_jours_manques(settings, signee):
    settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT = 15
    c, _, _ = signee
    fin = c.appel.declaration_fin
    # the worker was down from day -15 to day -4: the first run after sends it, once
    assert jour_de(rappels_declarations_mod.rappels_declarations, fin - datetime.timedelta(days=3)) == 1
    assert "dans 3 jours" in mail.outbox[0].body
    assert jour_de(rappels_declarations_mod.rappels_declarations, fin - datetime.timedelta(days=2)) == 0


def test_declaration_deposee_entre_temps_pas_rappelee(settings, signee):
    settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT = 15
    c, referent, _ = signee
    deposer_declaration(c, referent)
    assert jour_de(rappels_declarations_mod.rappels_declarations, c.appel.declaration_fin - datetime.timedelta(days=10)) == 0
    assert Rappel.objects.filter(genre=Genre.DECLARATION).count() == 0


def test_declaration_en_complement_rappelee_avec_le_lien_de_la_declaration(settings, signee):
    from declarations import services as ds

    settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT = 15
    c, referent, ars = signee
    d = deposer_declaration(c, referent)
    with cv_outils.commit():
        ds.declaration_demander_complement(declaration=d, acteur=ars, message="Joignez la facture.")
    assert jour_de(rappels_declarations_mod.rappels_declarations, c.appel.declaration_fin - datetime.timedelta(days=5)) == 1
    [message] = mail.outbox
    assert "demandé un complément" in message.body and f"/declarations/{d.pk}/" in message.body


def test_sans_convention_signee_pas_de_rappel_de_declaration(settings):
    settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT = 15
    c, _, _ = cv_outils.dossier_complet()  # complete, its convention not signed
    appel = c.appel
    appel.declaration_fin = aujourd_hui() + datetime.timedelta(days=10)
    appel.save(update_fields=["declaration_fin"])
    assert jour_de(rappels_declarations_mod.rappels_declarations, aujourd_hui()) == 0


def test_ars_rappel_des_declarations_en_attente_puis_decidee(settings, signee):
    from declarations import services as ds

    settings.CARE_RAPPEL_ARS_ATTENTE_JOURS = 15
    c, referent, ars = signee
    d = deposer_declaration(c, referent)
    depot = timezone.localtime(d.deposee_le).date()
    assert jour_de(rappels_declarations_mod.rappels_ars_declarations, depot + datetime.timedelta(days=14)) == 0
    assert jour_de(rappels_declarations_mod.rappels_ars_declarations, depot + datetime.timedelta(days=16)) == 1  # past 15 days whatever the hour
    [message] = mail.outbox
    assert message.to == [ars.email]
    assert message.subject == "[eCaRE] 1 déclaration en attente de vérification depuis plus de 15 jours"
    assert c.structure_libelle in message.body and "/declarations/verification/?etat=deposee" in message.body
    # once, even after a missed day
    assert jour_de(rappels_declarations_mod.rappels_ars_declarations, depot + datetime.timedelta(days=17)) == 0
    # sent back for a complement, submitted again: a new wait, a new reminder
    with cv_outils.commit():
        ds.declaration_demander_complement(declaration=d, acteur=ars, message="Joignez la facture.")
    with le(a_paris(depot + datetime.timedelta(days=18))):
        with cv_outils.commit():
            d = ds.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    assert jour_de(rappels_declarations_mod.rappels_ars_declarations, depot + datetime.timedelta(days=30)) == 0
    assert jour_de(rappels_declarations_mod.rappels_ars_declarations, depot + datetime.timedelta(days=33)) == 1
    # decided meanwhile: nothing more
    with cv_outils.commit():
        ds.declaration_declarer_complete(declaration=d, acteur=ars)
    assert jour_de(rappels_declarations_mod.rappels_ars_declarations, depot + datetime.timedelta(days=60)) == 0
    assert Rappel.objects.filter(genre=Genre.ARS_DECLARATION).count() == 2


# --- ANS: controls past due -----------------------------------------------------------------------

def test_controle_non_decide_apres_la_fenetre_rappele_une_fois_a_l_ans(settings, certificat):  # noqa: F811
    from tests.controle.donnees import controle_de, controleur, declaration_complete, planifier, tout_conforme

    d, _, _ = declaration_complete()
    autre, _, _ = declaration_complete(raison_sociale="Centre hospitalier d'Arcachon")
    ctl = controleur(email="hugo.controleur@esante.gouv.fr")
    c1 = planifier(controle_de(d), ctl)
    c2 = controle_de(autre)  # still à planifier
    from care_portal.referentiel.models import AppelAFinancement

    appels = AppelAFinancement.objects.filter(pk__in=[d.candidature.appel_id, autre.candidature.appel_id])
    fin = aujourd_hui() + datetime.timedelta(days=20)
    appels.update(controle_fin=fin)
    admin = cv_outils.admin_ans()
    # inside the window: nothing; the last day: nothing
    assert jour_de(rappels_controle.rappels_controles_en_retard, fin - datetime.timedelta(days=5)) == 0
    assert jour_de(rappels_controle.rappels_controles_en_retard, fin) == 0
    # the worker was down the day after: the first run later sends one e-mail listing both
    assert jour_de(rappels_controle.rappels_controles_en_retard, fin + datetime.timedelta(days=3)) == 2
    [message] = mail.outbox
    assert ctl.email in message.to and admin.email in message.to
    assert message.subject == "[eCaRE] 2 contrôles non décidés après la fin de la fenêtre de contrôle"
    assert d.candidature.structure_libelle in message.body and autre.candidature.structure_libelle in message.body
    assert "il y a 3 jours" in message.body and "/controles/planning/" in message.body
    # once
    assert jour_de(rappels_controle.rappels_controles_en_retard, fin + datetime.timedelta(days=4)) == 0
    assert Rappel.objects.filter(genre=Genre.CONTROLE_RETARD, echeance=fin).count() == 2
    # the window extended, then closed again: a new due date, only the control still undecided
    from controle import services as controles

    appels.update(controle_fin=fin + datetime.timedelta(days=30))
    with le(a_paris(fin + datetime.timedelta(days=5))):
        controles.controle_commencer(controle=c1, acteur=ctl)
        tout_conforme(c1, ctl)
        with cv_outils.commit():
            controles.controle_valider_atteinte(controle=c1, acteur=ctl)
    assert jour_de(rappels_controle.rappels_controles_en_retard, fin + datetime.timedelta(days=31)) == 1
    assert c2.declaration.candidature.structure_libelle in mail.outbox[-1].body


# --- ANS: payments before the window closes -------------------------------------------------------

def test_paiement_non_verse_rappele_une_fois_avant_la_cloture(settings):
    from paiement import services as paiements
    from tests.paiement.paiements import agent, controle_valide, ouvrir_paiements, paiement_de

    settings.CARE_RAPPEL_PAIEMENT_JOURS_AVANT = 30
    ctl, _, _ = controle_valide()
    p = paiement_de(ctl)
    appel = ctl.declaration.candidature.appel
    ouvrir_paiements(appel, fin=40)
    fin = aujourd_hui() + datetime.timedelta(days=40)
    secretariat = agent(email="secretariat.paiements@esante.gouv.fr")
    assert jour_de(rappels_paiement.rappels_paiements, fin - datetime.timedelta(days=31)) == 0
    assert jour_de(rappels_paiement.rappels_paiements, fin - datetime.timedelta(days=30)) == 1
    [message] = mail.outbox
    assert secretariat.email in message.to
    assert message.subject == "[eCaRE] 1 paiement à verser avant la clôture des paiements"
    assert ctl.declaration.candidature.structure_libelle in message.body and "dans 30 jours" in message.body
    assert "/paiement/paiements/" in message.body
    # once, whatever the state it moves to meanwhile
    paiements.paiement_valider(paiement=p, acteur=secretariat)
    assert jour_de(rappels_paiement.rappels_paiements, fin - datetime.timedelta(days=10)) == 0
    assert Rappel.objects.filter(genre=Genre.PAIEMENT).count() == 1


def test_paiement_rejete_ou_verse_pas_rappele(settings):
    from paiement import services as paiements
    from tests.paiement.paiements import agent, controle_valide, ouvrir_paiements, paiement_de

    settings.CARE_RAPPEL_PAIEMENT_JOURS_AVANT = 30
    ctl, _, _ = controle_valide()
    p = paiement_de(ctl)
    ouvrir_paiements(ctl.declaration.candidature.appel, fin=20)
    paiements.paiement_rejeter(paiement=p, acteur=agent(), motif="Doublon de la convention.")
    assert jour_de(rappels_paiement.rappels_paiements, aujourd_hui() + datetime.timedelta(days=5)) == 0
    assert not Rappel.objects.filter(genre=Genre.PAIEMENT).exists()
