"""The desk's services: each write's happy path (row, log row, notification), its refusals (another
agency, another region, an establishment user) and its idempotence."""

from __future__ import annotations

import pytest
from django.core import mail

from care_portal.bureau import services
from care_portal.bureau.agences import ANS, agence_de_region, agences_de
from care_portal.bureau.models import (
    Affectation,
    Etiquette,
    EtiquetteDossier,
    FiltreEnregistre,
    Note,
    NoteImmuable,
    Suivi,
)
from care_portal.notifications.models import Envoi, Notification
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError

from .donnees import Monde

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return Monde.creer()


def _journal(code: str) -> list[TransitionLog]:
    return list(TransitionLog.objects.filter(code=code).order_by("pk"))


# --- assignment ---------------------------------------------------------------------------------------

def test_prendre_puis_affecter_a_un_collegue_journalise_et_previent_l_agent(m, django_capture_on_commit_callbacks):
    a = services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    assert (a.agent, a.region_id) == (m.ars, m.dossier.region_instructrice_id)
    with django_capture_on_commit_callbacks(execute=True):
        a = services.affectation_affecter(dossier=m.dossier, agent=m.ars2, acteur=m.ars)
    assert Affectation.objects.get().agent == m.ars2  # one per dossier per agency
    lignes = _journal("bureau.affectation.affectee")
    assert [r.donnees["agent"] for r in lignes] == [m.ars.pk, m.ars2.pk]
    assert lignes[1].donnees["precedent"] == m.ars.pk and lignes[1].acteur == m.ars
    assert lignes[1].object_id == str(a.pk) and lignes[1].donnees["dossier"] == m.dossier.pk
    # the colleague is told (not the agent who took it themselves); never attached to the dossier
    assert [msg.to for msg in mail.outbox] == [[m.ars2.email]]
    assert Notification.objects.filter(destinataire=m.ars2, candidature__isnull=True).count() == 1
    assert not Envoi.objects.filter(candidature=m.dossier).exists()


def test_affecter_deux_fois_le_meme_agent_ne_journalise_qu_une_fois(m):
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    assert len(_journal("bureau.affectation.affectee")) == 1


def test_on_n_affecte_qu_a_un_agent_de_la_meme_agence(m):
    for autre in (m.ars_idf, m.ans, m.es):
        with pytest.raises(WorkflowError, match="agent de votre agence"):
            services.affectation_affecter(dossier=m.dossier, agent=autre, acteur=m.ars)
    assert not Affectation.objects.exists()


def test_un_agent_d_une_autre_region_ou_un_etablissement_ne_peut_pas_affecter(m):
    for acteur in (m.ars_idf, m.es):
        with pytest.raises(WorkflowError, match="pas instruit par votre agence"):
            services.affectation_prendre(dossier=m.dossier, acteur=acteur)
    assert not Affectation.objects.exists()


def test_l_ars_et_l_ans_ont_chacune_leur_affectation(m):
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    services.affectation_affecter(dossier=m.dossier, agent=m.ans2, acteur=m.ans)
    par_region = {a.region_id: a.agent for a in Affectation.objects.all()}
    assert par_region == {m.dossier.region_instructrice_id: m.ars, None: m.ans2}


def test_retirer_l_affectation(m):
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    services.affectation_retirer(dossier=m.dossier, acteur=m.ars2)
    assert Affectation.objects.get().agent is None
    assert _journal("bureau.affectation.retiree")[0].donnees["precedent"] == m.ars.pk
    services.affectation_retirer(dossier=m.dossier, acteur=m.ars2)  # idempotent
    assert len(_journal("bureau.affectation.retiree")) == 1


# --- following ----------------------------------------------------------------------------------------

def test_suivre_et_ne_plus_suivre(m):
    services.suivi_ajouter(dossier=m.dossier, acteur=m.ans)
    services.suivi_ajouter(dossier=m.dossier, acteur=m.ans)
    assert Suivi.objects.filter(agent=m.ans).count() == 1
    assert services.suivi_retirer(dossier=m.dossier, acteur=m.ans) is True
    assert services.suivi_retirer(dossier=m.dossier, acteur=m.ans) is False
    assert [r.code for r in TransitionLog.objects.filter(code__startswith="bureau.suivi").order_by("pk")] == [
        "bureau.suivi.ajoute", "bureau.suivi.retire"]
    with pytest.raises(WorkflowError):
        services.suivi_ajouter(dossier=m.dossier, acteur=m.ars_idf)


# --- notes --------------------------------------------------------------------------------------------

def test_une_note_mentionne_un_collegue_qui_est_prevenu_sans_que_le_dossier_le_montre(
        m, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = services.note_ajouter(dossier=m.dossier, texte="  Pièces à relancer lundi  ", acteur=m.ars,
                                     mentions=[m.ans, m.ars])  # oneself is not mentioned
    assert note.texte == "Pièces à relancer lundi" and note.region_id == m.dossier.region_instructrice_id
    assert list(note.mentions.all()) == [m.ans]
    assert _journal("bureau.note.ajoutee")[0].donnees["mentions"] == [m.ans.pk]
    assert [msg.to for msg in mail.outbox] == [[m.ans.email]]
    assert "Pièces à relancer" not in mail.outbox[0].body  # the e-mail never copies the note
    n = Notification.objects.get(destinataire=m.ans)
    assert n.candidature_id is None and n.lien.endswith("#bureau-notes")
    assert not Envoi.objects.filter(candidature=m.dossier).exists()  # the ES timeline lists those


def test_une_note_ne_mentionne_que_des_agents_qui_voient_le_dossier(m):
    for intrus in (m.ars_idf, m.es):
        with pytest.raises(WorkflowError, match="voient ce dossier"):
            services.note_ajouter(dossier=m.dossier, texte="Note", acteur=m.ars, mentions=[intrus])
    assert not Note.objects.exists()


def test_une_note_vide_ou_trop_longue_est_refusee(m):
    with pytest.raises(WorkflowError, match="Écrivez la note"):
        services.note_ajouter(dossier=m.dossier, texte="   ", acteur=m.ars)
    with pytest.raises(WorkflowError, match="dépasse"):
        services.note_ajouter(dossier=m.dossier, texte="x" * (services.LONGUEUR_MAX_NOTE + 1), acteur=m.ars)
    with pytest.raises(WorkflowError, match="pas instruit"):
        services.note_ajouter(dossier=m.dossier, texte="Note", acteur=m.es)


def test_une_note_ne_se_modifie_ni_ne_se_supprime(m):
    note = services.note_ajouter(dossier=m.dossier, texte="Première version", acteur=m.ans)
    note.texte = "Réécrite"
    with pytest.raises(NoteImmuable):
        note.save()
    with pytest.raises(NoteImmuable):
        note.delete()
    assert Note.objects.get().texte == "Première version"


# --- labels -------------------------------------------------------------------------------------------

def test_etiquettes_par_agence(m):
    ars = agence_de_region(m.dossier.region_instructrice)
    assert agences_de(m.ars) == [ars] and agences_de(m.ans) == [ANS]
    e = services.etiquette_creer(agence=ars, libelle=" Pièces  manquantes ", couleur="pink-tuile", acteur=m.ars)
    assert (e.libelle, e.region_id, e.classe) == ("Pièces manquantes", ars.region_id, "fr-tag--pink-tuile")
    with pytest.raises(WorkflowError, match="existe déjà"):
        services.etiquette_creer(agence=ars, libelle="pièces manquantes", couleur="pink-tuile", acteur=m.ars2)
    # the same label in another agency is another label
    services.etiquette_creer(agence=ANS, libelle="Pièces manquantes", couleur="blue-ecume", acteur=m.ans)
    with pytest.raises(WorkflowError, match="couleur"):
        services.etiquette_creer(agence=ars, libelle="Autre", couleur="rouge", acteur=m.ars)
    with pytest.raises(WorkflowError, match="agents de l'agence"):
        services.etiquette_creer(agence=ars, libelle="Intrusion", couleur="blue-ecume", acteur=m.ars_idf)
    assert _journal("bureau.etiquette.creee")[0].donnees["libelle"] == "Pièces manquantes"


def test_poser_retirer_modifier_supprimer_une_etiquette(m):
    ars = agence_de_region(m.dossier.region_instructrice)
    e = services.etiquette_creer(agence=ars, libelle="Urgent", couleur="orange-terre-battue", acteur=m.ars)
    services.etiquette_poser(dossier=m.dossier, etiquette=e, acteur=m.ars2)
    services.etiquette_poser(dossier=m.dossier, etiquette=e, acteur=m.ars2)  # idempotent
    assert EtiquetteDossier.objects.filter(etiquette=e).count() == 1
    assert len(_journal("bureau.etiquette.posee")) == 1
    for intrus, dossier in ((m.ans, m.dossier), (m.ars_idf, m.dossier), (m.ars, m.dossier_idf)):
        with pytest.raises(WorkflowError):
            services.etiquette_poser(dossier=dossier, etiquette=e, acteur=intrus)
    services.etiquette_modifier(etiquette=e, libelle="Très urgent", couleur="pink-macaron", acteur=m.ars2)
    e.refresh_from_db()
    assert (e.libelle, e.couleur) == ("Très urgent", "pink-macaron")
    assert services.etiquette_retirer(dossier=m.dossier, etiquette=e, acteur=m.ars) is True
    services.etiquette_poser(dossier=m.dossier, etiquette=e, acteur=m.ars)
    assert services.etiquette_supprimer(etiquette=e, acteur=m.ars) == 1
    assert not Etiquette.objects.exists() and not EtiquetteDossier.objects.exists()
    assert _journal("bureau.etiquette.supprimee")[0].donnees["dossiers"] == [m.dossier.pk]


# --- saved filters ------------------------------------------------------------------------------------

def test_filtre_enregistre_nettoye_et_remplace(m):
    f = services.filtre_enregistrer(agent=m.ars, nom="Mes urgents", requete="vue=miens&page=3&pirate=1&q=CH",
                                    colonnes=["etape", "inconnue", "etape", "notes"])
    assert (f.requete, f.colonnes) == ("vue=miens&q=CH", ["etape", "notes"])
    f2 = services.filtre_enregistrer(agent=m.ars, nom="Mes urgents", requete="vue=suivis", colonnes=[])
    assert f2.pk == f.pk and FiltreEnregistre.objects.get().requete == "vue=suivis"
    assert [r.donnees["remplace"] for r in _journal("bureau.filtre.enregistre")] == [False, True]
    with pytest.raises(WorkflowError, match="pas le vôtre"):
        services.filtre_supprimer(filtre=f2, acteur=m.ars2)
    services.filtre_supprimer(filtre=f2, acteur=m.ars)
    assert not FiltreEnregistre.objects.exists()
    with pytest.raises(WorkflowError):
        services.filtre_enregistrer(agent=m.es, nom="X", requete="", colonnes=[])


def test_nombre_de_filtres_borne(m):
    for i in range(services.FILTRES_MAX):
        services.filtre_enregistrer(agent=m.ans, nom=f"Filtre {i}", requete="", colonnes=[])
    with pytest.raises(WorkflowError, match="déjà"):
        services.filtre_enregistrer(agent=m.ans, nom="Un de trop", requete="", colonnes=[])
