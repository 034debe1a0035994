"""Control services: creation (one per complete declaration, the applicable objectives), planning and
re-planning (window, controllers, the invitation with its ICS), start, checklist, information request
⇄ answer (documents through the documents service), decisions (attained: sealed attestation + report,
generated once; not attained: the motive), the rights of each side."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.notifications.models import Envoi
from care_portal.signature import pades
from care_portal.workflow.services import WorkflowError
from controle import services
from controle.models import Controle, PieceControle
from controle.pieces import generer_pieces
from controle.tasks import generer_pieces_task
from tests.candidatures import donnees as cdonnees
from tests.conventions.conventions import commit

from .donnees import (
    LIEN_VISIO,
    controleur,
    en_cours,
    planifier,
    quand,
    rafraichir,
    tout_conforme,
)

pytestmark = pytest.mark.django_db


def ics_du_mail(message) -> str:
    (nom, contenu, mime), = message.attachments
    assert nom.endswith(".ics") and mime.startswith("text/calendar")
    return contenu.replace("\r\n ", "")


# --- creation -------------------------------------------------------------------------------------

def test_un_controle_par_declaration_complete_avec_les_objectifs_applicables(complete):
    d, _, _ = complete
    # opened by the ARS's « complete » decision, in its transaction; the backfill finds nothing more
    c = Controle.objects.get(declaration=d)
    assert services.controles_creer_a_planifier() == 0
    assert services.controle_ouvrir(declaration=d) == c  # idempotent
    assert c.etat == Controle.Etat.A_PLANIFIER
    figes = d.instantanes.order_by("-numero").first().verdicts
    applicables = [v["code"] for v in figes if v["statut"] != "non_applicable"]
    assert [v.code for v in c.verdicts.order_by("ordre")] == applicables
    assert "D1.O6.A" not in applicables  # GHT-only objectives do not apply to a public EJ
    assert all(v.verdict == "" for v in c.verdicts.all())
    assert cdonnees.codes_du_journal(c) == ["controle.controle.cree"]


def test_la_reprise_ouvre_le_controle_d_une_declaration_complete_qui_n_en_a_pas(complete):
    d, _, _ = complete
    Controle.objects.filter(declaration=d).delete()  # as for a declaration completed before this app
    assert services.controles_creer_a_planifier() == 1
    assert services.controles_creer_a_planifier() == 0  # idempotent
    assert Controle.objects.get(declaration=d).verdicts.exists()


# --- planning -------------------------------------------------------------------------------------

def test_planifier_envoie_l_invitation_avec_son_ics(controle):
    c, ctl, _ = controle
    c = planifier(c, ctl)
    assert c.etat == Controle.Etat.PLANIFIE and list(c.controleurs.all()) == [ctl] and c.sequence == 0
    assert cdonnees.dernier(c, "controle.controle.planifie").donnees["lieu"] == LIEN_VISIO
    message, = [m for m in mail.outbox if "planifié" in m.subject]
    cand = c.declaration.candidature
    assert set(message.to) == {cand.referent_email, cand.dsi_email, cand.rssi_email}
    assert message.cc == [ctl.email]
    texte = ics_du_mail(message)
    assert f"UID:controle-{c.uid}@ecare.esante.gouv.fr" in texte and "SEQUENCE:0" in texte
    assert f"LOCATION:{LIEN_VISIO}" in texte
    envoi = Envoi.objects.get(gabarit="controle_invitation")
    assert envoi.statut == Envoi.Statut.ENVOYE and envoi.candidature_id == cand.pk


def test_replanifier_garde_l_uid_et_incremente_la_sequence(controle):
    c, ctl, _ = controle
    c = planifier(c, ctl)
    mail.outbox.clear()
    c = planifier(c, ctl, jours=12, modalite="sur_site", lieu="CH de Libourne, salle du conseil")
    assert c.etat == Controle.Etat.PLANIFIE and c.sequence == 1 and c.modalite == "sur_site"
    texte = ics_du_mail(mail.outbox[0])
    assert "replanifié" in mail.outbox[0].subject
    assert f"UID:controle-{c.uid}@" in texte and "SEQUENCE:1" in texte
    assert cdonnees.codes_du_journal(c)[-1] == "controle.controle.replanifie"


def test_replanifier_reserve_aux_controleurs_assignes(controle):
    c, ctl, _ = controle
    c = planifier(c, ctl)
    with pytest.raises(WorkflowError) as refus:
        planifier(c, controleur())
    assert refus.value.code == "droit" and "assignés" in refus.value.message


@pytest.mark.parametrize(("champs", "code"), [
    ({"date_prevue": quand(-1)}, "date"),
    ({"date_prevue": quand(5000)}, "date"),
    ({"modalite": "telephone"}, "modalite"),
    ({"lieu": "  "}, "lieu"),
    ({"lieu": "http://visio.example"}, "lieu"),
    ({"duree_minutes": 7}, "duree"),
])
def test_planification_invalide_ne_laisse_rien(controle, champs, code):
    c, ctl, _ = controle
    with pytest.raises(WorkflowError) as refus:
        planifier(c, ctl, **champs)
    assert refus.value.code == code
    c = rafraichir(c)
    assert c.etat == Controle.Etat.A_PLANIFIER and not c.controleurs.exists() and not mail.outbox
    assert not Envoi.objects.filter(gabarit="controle_invitation").exists()


def test_date_apres_la_fin_des_controles_de_l_appel(controle):
    c, ctl, _ = controle
    appel = c.declaration.candidature.appel
    appel.controle_fin = datetime.date.today() + datetime.timedelta(days=3)
    appel.save(update_fields=["controle_fin"])
    with pytest.raises(WorkflowError) as refus:
        planifier(c, ctl, jours=10)
    assert "fin des contrôles" in refus.value.message


def test_seuls_des_controleurs_planifient_et_sont_assignes(controle):
    c, ctl, referent = controle
    for acteur in (referent, cdonnees.ans(Role.ADMIN_ANS), cdonnees.ans(Role.SECRETARIAT_ANS)):
        with pytest.raises(WorkflowError) as refus:
            planifier(c, acteur, controleurs=[ctl])
        assert refus.value.code == "droit"
    with pytest.raises(WorkflowError) as refus:
        planifier(c, ctl, controleurs=[cdonnees.ans(Role.ADMIN_ANS)])
    assert refus.value.code == "controleurs"


# --- conduct ----------------------------------------------------------------------------------------

def test_commencer_par_un_assigne_dans_le_bon_etat(controle):
    c, ctl, _ = controle
    with pytest.raises(WorkflowError) as refus:
        services.controle_commencer(controle=c, acteur=ctl)  # not assigned yet (à planifier)
    assert refus.value.code == "droit"
    c = planifier(c, ctl, jours=0)
    with pytest.raises(WorkflowError):
        services.controle_commencer(controle=c, acteur=controleur())
    services.controle_commencer(controle=c, acteur=ctl)
    c = rafraichir(c)
    assert c.etat == Controle.Etat.EN_COURS and c.commence_le
    with pytest.raises(WorkflowError) as refus:
        services.controle_commencer(controle=c, acteur=ctl)
    assert refus.value.code == "etat"


def test_grille_tout_ou_rien(controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    codes = [v.code for v in c.verdicts.order_by("ordre")]
    with pytest.raises(services.GrilleInvalide) as refus:
        services.controle_enregistrer_grille(controle=c, acteur=ctl, saisies={
            codes[0]: ("conforme", ""), codes[1]: ("non_conforme", "")})
    assert refus.value.erreurs == [f"{codes[1]} : un objectif non conforme doit être motivé par un commentaire."]
    assert not c.verdicts.exclude(verdict="").exists()
    n = services.controle_enregistrer_grille(controle=c, acteur=ctl, saisies={codes[0]: ("conforme", "Vu.")})
    assert n == 1 and c.verdicts.get(code=codes[0]).modifie_par == ctl
    assert cdonnees.dernier(c, "controle.controle.grille_enregistree").donnees["verdicts"][codes[0]] == {
        "verdict": "conforme", "commentaire": "Vu."}
    with pytest.raises(WorkflowError):
        services.controle_enregistrer_grille(controle=c, acteur=controleur(), saisies={codes[0]: ("conforme", "")})


def test_demande_et_reponse_avec_documents(controle):
    c, ctl, referent = controle
    c = en_cours(c, ctl)
    with commit():
        services.controle_demander_informations(controle=c, acteur=ctl, message="Le dernier rapport ORADAD.")
    c = rafraichir(c)
    assert c.etat == Controle.Etat.INFORMATIONS_DEMANDEES
    assert any("informations demandées" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with commit():
        services.controle_repondre(controle=c, acteur=referent, message="Voici le rapport.",
                                   fichiers=[cdonnees.pdf("oradad.pdf")])
    c = rafraichir(c)
    assert c.etat == Controle.Etat.EN_COURS and c.reponse == "Voici le rapport."
    doc = Document.objects.du_proprietaire(c, "reponse").get()
    assert doc.nom_original == "oradad.pdf" and doc.depose_par == referent
    assert cdonnees.codes_du_journal(c)[-2:] == ["documents.document.depose", "controle.controle.reponse_recue"]
    assert mail.outbox[0].to == [ctl.email]


def test_reponse_refusee_hors_demande_ou_par_un_autre(controle):
    c, ctl, referent = controle
    c = en_cours(c, ctl)
    with pytest.raises(WorkflowError) as refus:
        services.controle_repondre(controle=c, acteur=referent, message="Spontanément.")
    assert refus.value.code == "etat"
    services.controle_demander_informations(controle=c, acteur=ctl, message="Le rapport.")
    with pytest.raises(WorkflowError) as refus:
        services.controle_repondre(controle=c, acteur=ctl, message="Je réponds à la place.")
    assert refus.value.code == "droit"
    with pytest.raises(WorkflowError):
        services.controle_demander_informations(controle=c, acteur=ctl, message="  ")


# --- decisions --------------------------------------------------------------------------------------

def test_valider_refuse_tant_que_la_grille_est_incomplete(controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    with pytest.raises(services.GrilleInvalide) as refus:
        services.controle_valider_atteinte(controle=c, acteur=ctl)
    assert any("pas encore vérifié" in e for e in refus.value.erreurs)
    assert rafraichir(c).etat == Controle.Etat.EN_COURS


def test_decision_reservee_aux_assignes(controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    autre = controleur()
    with pytest.raises(WorkflowError) as refus:
        services.controle_valider_atteinte(controle=c, acteur=autre)
    assert refus.value.code == "droit" and refus.value.message == services.MESSAGE_NON_ASSIGNE
    with pytest.raises(WorkflowError):
        services.controle_valider_atteinte(controle=c, acteur=cdonnees.ans(Role.ADMIN_ANS))


def test_valider_genere_l_attestation_scellee_et_le_rapport(controle):
    c, ctl, referent = controle
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    mail.outbox.clear()
    with commit():
        services.controle_valider_atteinte(controle=c, acteur=ctl)
    c = rafraichir(c)
    assert c.etat == Controle.Etat.OBJECTIFS_ATTEINTS and c.decide_par == ctl
    assert cdonnees.dernier(c, "controle.controle.atteinte_validee").etat_cible == "objectifs_atteints"
    pieces = {p.genre: p.document for p in c.pieces.all()}
    assert set(pieces) == {"attestation", "rapport"}
    from django.core.files.storage import default_storage

    with default_storage.open(pieces["attestation"].cle_stockage, "rb") as f:
        pdf = f.read()
    signature, = pades.valider(pdf)
    assert signature.champ == "cachet_ans" and signature.intacte and signature.valide
    assert signature.couvre_tout_le_document and signature.nom == ctl.get_full_name()
    message, = [m for m in mail.outbox if "Attestation" in m.subject]
    assert {n for n, _, _ in message.attachments} == {pieces["attestation"].nom_original,
                                                      pieces["rapport"].nom_original}
    assert c.declaration.candidature.referent_email in message.to


def test_attestation_generee_une_seule_fois_meme_si_la_tache_tourne_deux_fois(controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    with commit():
        services.controle_valider_atteinte(controle=c, acteur=ctl)
    premiers = sorted(str(p.document_id) for p in PieceControle.objects.filter(controle=c))
    mail.outbox.clear()
    with commit():
        assert sorted(generer_pieces_task.delay(c.pk).get()) == premiers
        assert sorted(generer_pieces(controle_id=c.pk)) == premiers
    assert PieceControle.objects.filter(controle=c).count() == 2
    assert Document.objects.du_proprietaire(c).count() == 2
    assert not mail.outbox  # the e-mail went with the first run only


def test_signataire_par_defaut_l_agence(controle):
    from controle.pieces import ANS, signataire

    c, _, _ = controle
    assert signataire(c) == (ANS, "")


def test_non_atteinte_avec_son_motif_et_le_rapport(controle):
    c, ctl, _ = controle
    c = en_cours(c, ctl)
    with pytest.raises(services.GrilleInvalide):
        services.controle_constater_non_atteinte(controle=c, acteur=ctl)
    premier = c.verdicts.order_by("ordre").first()
    services.controle_enregistrer_grille(controle=c, acteur=ctl, saisies={
        premier.code: ("non_conforme", "Audits non espacés de 45 à 60 jours.")})
    with commit():
        services.controle_constater_non_atteinte(controle=c, acteur=ctl)
    c = rafraichir(c)
    assert c.etat == Controle.Etat.OBJECTIFS_NON_ATTEINTS
    assert c.motif == f"{premier.code} — {premier.titre} : Audits non espacés de 45 à 60 jours."
    assert [p.genre for p in c.pieces.all()] == ["rapport"]
    assert any("non atteints" in m.subject and "Audits non espacés" in m.body for m in mail.outbox)


def test_reponse_refusee_apres_la_cloture(controle):
    c, ctl, referent = controle
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    with commit():
        services.controle_valider_atteinte(controle=c, acteur=ctl)
    with pytest.raises(WorkflowError) as refus:
        services.controle_repondre(controle=c, acteur=referent, message="Un dernier document.",
                                   fichiers=[cdonnees.pdf("tard.pdf")])
    assert refus.value.code == "clos" and "clos" in refus.value.message
    assert not Document.objects.du_proprietaire(c, "reponse").exists()


# --- the control is decided after it took place -------------------------------------------------------

def test_commencer_refuse_avant_le_jour_prevu(controle):
    c, ctl, _ = controle
    c = planifier(c, ctl, jours=3)
    with pytest.raises(WorkflowError) as refus:
        services.controle_commencer(controle=c, acteur=ctl)
    assert refus.value.code == "date" and "ne peut pas commencer avant" in refus.value.message
    assert rafraichir(c).etat == Controle.Etat.PLANIFIE and rafraichir(c).commence_le is None
    c = planifier(c, ctl, jours=0)  # held earlier than planned: re-planned for today, then started
    services.controle_commencer(controle=c, acteur=ctl)
    c = rafraichir(c)
    assert c.etat == Controle.Etat.EN_COURS and c.date_tenue == timezone.localdate()


def _commence_avant_sa_date(c, ctl, jours: int = 3) -> Controle:
    """A control started before its planned day (possible before this rule): planned in ``jours``."""
    c = en_cours(c, ctl)
    Controle.objects.filter(pk=c.pk).update(date_prevue=quand(jours))
    return rafraichir(c)


@pytest.mark.parametrize("decider", ["controle_valider_atteinte", "controle_constater_non_atteinte"])
def test_decision_refusee_avant_que_le_controle_ait_eu_lieu(controle, decider):
    c, ctl, _ = controle
    c = _commence_avant_sa_date(c, ctl)
    codes = [v.code for v in c.verdicts.order_by("ordre")]
    saisies = {code: ("conforme", "") for code in codes}
    if decider == "controle_constater_non_atteinte":
        saisies[codes[0]] = ("non_conforme", "Audit manquant.")
    services.controle_enregistrer_grille(controle=c, acteur=ctl, saisies=saisies)
    with pytest.raises(WorkflowError) as refus:
        getattr(services, decider)(controle=c, acteur=ctl)
    assert refus.value.code == "date" and "avant d'avoir eu lieu" in refus.value.message
    c = rafraichir(c)
    assert c.etat == Controle.Etat.EN_COURS and c.decide_le is None
    assert not PieceControle.objects.filter(controle=c).exists()


def test_decision_refusee_aux_autres_roles(controle, complete):
    c, ctl, referent = controle
    _, _, ars = complete
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    for acteur in (referent, ars, controleur(), cdonnees.ans(Role.ADMIN_ANS)):
        for decider in (services.controle_valider_atteinte, services.controle_constater_non_atteinte):
            with pytest.raises(WorkflowError) as refus:
                decider(controle=c, acteur=acteur)
            assert refus.value.code == "droit"
    with pytest.raises(WorkflowError) as refus:
        services.controle_commencer(controle=c, acteur=referent)
    assert refus.value.code == "droit"
    assert rafraichir(c).etat == Controle.Etat.EN_COURS


def test_attestation_et_rapport_donnent_le_jour_ou_le_controle_a_eu_lieu(controle):
    from django.template.loader import render_to_string

    from controle.pieces import contexte

    c, ctl, _ = controle
    c = en_cours(c, ctl)
    tout_conforme(c, ctl)
    services.controle_valider_atteinte(controle=c, acteur=ctl)
    c = rafraichir(c)
    jour = timezone.localdate()
    assert c.date_tenue == jour and timezone.localdate(c.decide_le) >= c.date_tenue
    assert cdonnees.dernier(c, "controle.controle.atteinte_validee").donnees["date_tenue"] == jour.isoformat()
    ctx = contexte(c)
    attendu = "tenu le " + formats.date_format(jour, "j F Y")
    for gabarit in ("controle/attestation.html", "controle/rapport.html"):
        with translation.override("fr"):
            assert attendu in render_to_string(gabarit, ctx), gabarit
