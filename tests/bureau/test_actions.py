"""The bulk actions' engine and the actions themselves (issue 21, part B): each dossier in its own
transaction, refusals reported with their reason, a double submit run once; « Relancer l'établissement »
at each step where something is awaited of the establishment; « Envoyer la convention » as the convention
services allow; « Affecter » and « Étiqueter » through the desk's services.

The helpers at the top (no ``test_`` prefix) are shared by the other test_actions_* modules."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from candidatures import services as candidatures_services
from candidatures.models import Candidature
from care_portal.bureau import actions
from care_portal.bureau.archives import services
from care_portal.bureau.archives.models import Execution, LigneExecution
from care_portal.bureau.archives.selectors import dossiers_visibles, rapport
from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import habilitations
from care_portal.core import etapes
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.selectors import journal_de
from care_portal.workflow.services import WorkflowError, journaliser
from conventions.models import Convention
from tests.candidatures import donnees
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """Documents in a private directory of the test; no antivirus."""
    return donnees.stockage_prive(settings, tmp_path)


# --- shared builders -------------------------------------------------------------------------------------

def nouveau_dossier(nom: str, *, dep: str = "33", appel=None, deposer: bool = True) -> Candidature:
    """A public EJ's candidature in département ``dep``, through the services: submitted (complete fields,
    a RIB, prerequisites on the SUN-ES list) unless ``deposer`` is False (a draft)."""
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale=nom, dep=dep)
    EtablissementGeographiqueFactory(entite_juridique=ej, dep=dep, raison_sociale=f"Site de {nom}")
    referent = donnees.referent(ej)
    c = candidatures_services.candidature_creer(structure=ej, appel=appel or AppelFactory(), acteur=referent)
    if deposer:
        return donnees.deposer(c, referent)
    donnees.completer(c, referent)
    return donnees.rafraichir(c)


def en_complement(c: Candidature, ars, message: str = "Le RIB joint est illisible : déposez-en un lisible.") -> Candidature:
    candidatures_services.candidature_demander_complement(candidature=c, acteur=ars, message=message)
    return donnees.rafraichir(c)


def complete(c: Candidature, ars) -> Candidature:
    candidatures_services.candidature_declarer_complete(candidature=c, acteur=ars)
    return donnees.rafraichir(c)


def lancer(acteur, code: str, dossiers, *, ignores=(), jeton=None, contexte=None, **parametres) -> Execution:
    """Run the registered bulk action ``code`` as the confirmation view does, on the dossiers the agent may see."""
    action = etapes.action(code)
    visibles = list(dossiers_visibles(acteur).filter(pk__in=[d.pk for d in dossiers]))
    ordre = {d.pk: i for i, d in enumerate(dossiers)}
    visibles.sort(key=lambda d: ordre[d.pk])
    return services.execution_lancer(acteur=acteur, action=action, dossiers=visibles, ignores=list(ignores),
                                     parametres=parametres, jeton=jeton, apres=actions.apres(code),
                                     contexte=contexte or {})


def lignes(execution: Execution) -> dict[int | str, tuple[str, str]]:
    """dossier id (or the reference of an ignored one) → (result, message)."""
    return {(ligne.dossier_id or ligne.reference): (ligne.resultat, ligne.message)
            for ligne in execution.lignes.all()}


@pytest.fixture
def ars():
    return donnees.ars("33", prenom="Agathe", nom="Instructrice")


@pytest.fixture
def appel():
    return AppelFactory()


# --- the engine --------------------------------------------------------------------------------------------

ACTION_ESSAI = "essai_bureau"


@pytest.fixture
def action_essai():
    """A bulk action of the test: it logs on the dossier, then refuses the dossiers whose structure name says
    « refus » and breaks on those that say « panne »."""

    def executer(dossier, acteur, **_):
        journaliser(dossier, "essai.ecrit", acteur=acteur)
        if "refus" in dossier.structure_libelle:
            raise WorkflowError("Refus voulu par le test.")
        if "panne" in dossier.structure_libelle:
            raise RuntimeError("panne imprévue")
        return "Écrit."

    etapes.enregistrer_actions(etapes.ActionGroupee(code=ACTION_ESSAI, libelle="Essai", executer=executer,
                                                    visible=lambda h: h.est_agent))
    yield
    etapes._registre.actions.pop(ACTION_ESSAI, None)


def test_chaque_dossier_dans_sa_transaction(action_essai, ars, appel):
    bon = nouveau_dossier("CH du Bon", appel=appel)
    refuse = nouveau_dossier("CH du refus", appel=appel)
    casse = nouveau_dossier("CH en panne", appel=appel)
    dernier = nouveau_dossier("CH Dernier", appel=appel)
    execution = lancer(ars, ACTION_ESSAI, [bon, refuse, casse, dernier], ignores=["999999"])
    assert execution.etat == Execution.Etat.TERMINEE and execution.termine_le is not None
    resultat = lignes(execution)
    assert resultat[bon.pk] == ("fait", "Écrit.") and resultat[dernier.pk] == ("fait", "Écrit.")
    assert resultat[refuse.pk] == ("refuse", "Refus voulu par le test.")
    assert resultat[casse.pk] == ("refuse", services.MESSAGE_ERREUR)  # the others went on
    assert resultat["999999"][0] == "ignore"
    # a refused or broken dossier keeps nothing of what the action wrote before failing
    ecrits = set(TransitionLog.objects.filter(code="essai.ecrit").values_list("object_id", flat=True))
    assert ecrits == {str(bon.pk), str(dernier.pk)}
    # the run itself is logged
    assert list(journal_de(execution).values_list("code", flat=True).order_by("id")) == [
        "bureau.action_groupee.lancee", "bureau.action_groupee.terminee"]
    fin = journal_de(execution).get(code="bureau.action_groupee.terminee")
    assert fin.donnees == {"action": ACTION_ESSAI, "faits": 2, "refuses": 2, "ignores": 1}
    r = rapport(execution)
    assert (len(r.faits), len(r.refuses), len(r.ignores), r.non_traites, r.total) == (2, 2, 1, 0, 5)


def test_un_meme_jeton_ne_lance_qu_une_fois(action_essai, ars, appel):
    c = nouveau_dossier("CH du Bon", appel=appel)
    jeton = uuid.uuid4()
    premiere = lancer(ars, ACTION_ESSAI, [c], jeton=jeton)
    seconde = lancer(ars, ACTION_ESSAI, [c], jeton=jeton)
    assert premiere.pk == seconde.pk == jeton
    assert TransitionLog.objects.filter(code="essai.ecrit").count() == 1
    assert LigneExecution.objects.filter(execution=premiere).count() == 1


def test_le_rapport_ne_se_modifie_pas(action_essai, ars, appel):
    from care_portal.bureau.archives.models import LigneImmuable

    ligne = lancer(ars, ACTION_ESSAI, [nouveau_dossier("CH du Bon", appel=appel)]).lignes.get()
    ligne.message = "autre chose"
    with pytest.raises(LigneImmuable):
        ligne.save()
    with pytest.raises(LigneImmuable):
        ligne.delete()


# --- « Relancer l'établissement » ------------------------------------------------------------------------


def test_relance_du_complement_et_du_brouillon_refus_sinon(ars, appel, django_capture_on_commit_callbacks):
    complement = en_complement(nouveau_dossier("CH de Libourne", appel=appel), ars)
    brouillon = nouveau_dossier("CH de Blaye", appel=appel, deposer=False)
    depose = nouveau_dossier("CH d'Arcachon", appel=appel)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        execution = lancer(ars, "relancer_etablissement", [complement, brouillon, depose])
    resultat = lignes(execution)
    assert resultat[complement.pk][0] == "fait"
    assert resultat[complement.pk][1].startswith("Relancé : compléter la candidature puis la déposer de nouveau")
    assert resultat[brouillon.pk][0] == "fait"
    assert f"avant le {donnees_date(appel.candidature_fin)}" in resultat[brouillon.pk][1]
    assert resultat[depose.pk] == (
        "refuse", "Rien n'est attendu de l'établissement en ce moment (Instruction par l'ARS : déposée) : pas de relance.")

    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if "compléter la candidature puis la déposer" in m.subject)
    assert message.subject == "[eCaRE] Rappel : compléter la candidature puis la déposer de nouveau"
    assert "rose@ch-exemple.fr" in message.to
    assert "L'ARS Nouvelle-Aquitaine vous rappelle" in message.body
    assert "Le RIB joint est illisible : déposez-en un lisible." in message.body
    assert f"/candidatures/{complement.pk}/" in message.body
    assert "Relance envoyée par Agathe Instructrice" in message.body
    # logged on the dossier (its timeline says it), with what was awaited
    ligne = journal_de(complement).get(code=actions.CODE_RELANCE)
    assert ligne.acteur == ars and ligne.donnees["objet"] == "compléter la candidature puis la déposer de nouveau"
    assert not journal_de(depose).filter(code=actions.CODE_RELANCE).exists()
    # and the establishment's members with an account find it in their notification centre
    from care_portal.notifications.models import Notification

    assert Notification.objects.filter(candidature=complement, gabarit="relance_etablissement").exists()


def donnees_date(jour: datetime.date) -> str:
    from care_portal.core import format_fr

    return format_fr.date_longue(jour)


def test_une_seule_relance_par_jour_pour_la_meme_attente(ars, appel, django_capture_on_commit_callbacks):
    c = en_complement(nouveau_dossier("CH de Libourne", appel=appel), ars)
    with django_capture_on_commit_callbacks(execute=True):
        lancer(ars, "relancer_etablissement", [c])
    mail.outbox = []
    autre = donnees.ars("33", prenom="Bruno", nom="Collègue")
    with django_capture_on_commit_callbacks(execute=True):
        seconde = lancer(autre, "relancer_etablissement", [c])
    resultat, message = lignes(seconde)[c.pk]
    assert resultat == "refuse"
    assert "L'établissement a déjà été relancé pour cela le" in message and "par Agathe Instructrice" in message
    assert "une seule relance par 24\u00a0heures" in message
    assert mail.outbox == []
    # a new request for a complement is a new thing awaited: it may be reminded
    c = donnees.rafraichir(c)
    referent = donnees.referent(c.entite_juridique)
    candidatures_services.candidature_deposer(candidature=c, acteur=referent)
    c = en_complement(donnees.rafraichir(c), ars, "Il manque encore la page 2.")
    with django_capture_on_commit_callbacks(execute=True):
        troisieme = lancer(autre, "relancer_etablissement", [c])
    assert lignes(troisieme)[c.pk][0] == "fait"
    assert "Il manque encore la page 2." in mail.outbox[-1].body


def test_relance_de_la_signature_de_la_convention(ars, appel, django_capture_on_commit_callbacks):
    c = complete(nouveau_dossier("CH de Libourne", appel=appel), ars)
    echeance = timezone.now() + datetime.timedelta(days=4)
    Convention.objects.filter(candidature=c).update(etat=Convention.Etat.ENVOYEE, envoi=1,
                                                    envoyee_le=timezone.now(), echeance=echeance)
    cv = Convention.objects.get(candidature=c)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        execution = lancer(ars, "relancer_etablissement", [c])
    resultat, phrase = lignes(execution)[c.pk]
    assert resultat == "fait" and phrase.startswith(f"Relancé : signer la convention CaRE n° {cv.numero} (avant le")
    (message,) = mail.outbox
    assert message.to == ["direction@ch-exemple.fr"]  # the signatory; the contacts in copy
    assert set(message.cc) == {"rose@ch-exemple.fr", "rssi@ch-exemple.fr", "dsi@ch-exemple.fr"}
    assert "Sylvie Directrice" in message.body and f"/candidatures/{c.pk}/convention/" in message.body
    # expired: nothing awaited of the establishment any more (the ARS or the ANS sends it again)
    Convention.objects.filter(pk=cv.pk).update(echeance=timezone.now() - datetime.timedelta(minutes=1))
    execution = lancer(ars, "relancer_etablissement", [c])
    assert lignes(execution)[c.pk][0] == "refuse"
    assert lignes(execution)[c.pk][1].startswith("Rien n'est attendu de l'établissement en ce moment (Convention")


def test_relance_de_la_declaration_et_du_controle(ars, appel, django_capture_on_commit_callbacks):
    from controle.models import Controle
    from declarations.models import Declaration

    c = complete(nouveau_dossier("CH de Libourne", appel=appel), ars)
    Convention.objects.filter(candidature=c).update(etat=Convention.Etat.SIGNEE, signee_le=timezone.now())
    d = Declaration.objects.create(candidature=c, etat=Declaration.Etat.COMPLEMENT_DEMANDE,
                                   deposee_le=timezone.now(), motif="Le bilan de l'objectif D1.O3 manque.")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        execution = lancer(ars, "relancer_etablissement", [c])
    assert lignes(execution)[c.pk][0] == "fait"
    assert "Le bilan de l'objectif D1.O3 manque." in mail.outbox[-1].body
    assert f"/declarations/{d.pk}/" in mail.outbox[-1].body

    Declaration.objects.filter(pk=d.pk).update(etat=Declaration.Etat.COMPLETE)
    Controle.objects.create(declaration=d, etat=Controle.Etat.INFORMATIONS_DEMANDEES,
                            demande="Envoyez le rapport ADS de mars.")
    anssi = donnees.ans(Role.CONTROLEUR_ANS, prenom="Claude", nom="Contrôleur")
    with django_capture_on_commit_callbacks(execute=True):
        execution = lancer(anssi, "relancer_etablissement", [c])
    resultat, phrase = lignes(execution)[c.pk]
    assert resultat == "fait" and "répondre à la demande d'informations du contrôle de l'ANS" in phrase
    assert "Envoyez le rapport ADS de mars." in mail.outbox[-1].body
    assert "L'Agence du Numérique en Santé vous rappelle" in mail.outbox[-1].body


def test_relance_refusee_hors_de_la_region(ars, appel):
    c = en_complement(nouveau_dossier("CH de Libourne", appel=appel), ars)
    with pytest.raises(WorkflowError, match="que les établissements des dossiers que vous instruisez"):
        actions.etablissement_relancer(dossier=c, acteur=donnees.ars("75"))
    # the engine never even offers it: another region's dossier is left out as « ignoré »
    assert not dossiers_visibles(donnees.ars("75")).filter(pk=c.pk).exists()


# --- « Envoyer la convention » ---------------------------------------------------------------------------


def test_envoyer_la_convention_selon_les_droits_du_service(ars, appel):
    from tests.conventions.conventions import LIGNES_PLAFOND, grille_plafonds

    grille_plafonds(appel, LIGNES_PLAFOND)
    a_envoyer = complete(nouveau_dossier("CH de Libourne", appel=appel), ars)
    pas_complete = nouveau_dossier("CH de Blaye", appel=appel)
    cv = Convention.objects.get(candidature=a_envoyer)

    # the ARS may send again, never send first: the service says why
    execution = lancer(ars, "envoyer_convention", [a_envoyer])
    assert lignes(execution)[a_envoyer.pk] == (
        "refuse", "Seuls l'administration et le secrétariat de l'ANS fixent le montant et envoient les conventions.")
    cv.refresh_from_db()
    assert cv.envoi_demande_le is None

    admin = donnees.ans(Role.ADMIN_ANS)
    execution = lancer(admin, "envoyer_convention", [a_envoyer, pas_complete])
    resultat = lignes(execution)
    assert resultat[a_envoyer.pk] == ("fait", f"Envoi de la convention n° {cv.numero} demandé : elle est générée puis "
                                              "envoyée à son signataire (direction@ch-exemple.fr).")
    assert resultat[pas_complete.pk] == (
        "refuse", "Pas encore de convention : la candidature n'a pas été déclarée complète (état : déposée).")
    cv.refresh_from_db()
    assert cv.envoi_demande_le is not None
    assert journal_de(cv).filter(code="conventions.convention.envoi_demande", acteur=admin).exists()
    # asked again while the sending is under way: refused by the service, nothing doubled
    execution = lancer(admin, "envoyer_convention", [a_envoyer])
    assert lignes(execution)[a_envoyer.pk] == ("refuse", "L'envoi de cette convention est déjà en cours.")
    assert journal_de(cv).filter(code="conventions.convention.envoi_demande").count() == 1


def test_renvoyer_une_convention_expiree(ars, appel, django_capture_on_commit_callbacks):
    c = complete(nouveau_dossier("CH de Libourne", appel=appel), ars)
    Convention.objects.filter(candidature=c).update(etat=Convention.Etat.EXPIREE, envoi=1,
                                                    expiree_le=timezone.now(), fournisseur="native")
    execution = lancer(ars, "envoyer_convention", [c])
    cv = Convention.objects.get(candidature=c)
    assert lignes(execution)[c.pk] == (
        "fait", f"Convention n° {cv.numero} renvoyée à son signataire, avec un nouveau délai de signature.")
    assert journal_de(cv).filter(code="conventions.convention.renvoi_demande", acteur=ars).exists()


def test_actions_offertes_selon_le_profil(ars):
    def codes(user):
        return [a.code for a in etapes.actions(habilitations(user))]

    assert codes(ars) == ["affecter", "etiqueter", "envoyer_convention", "relancer_etablissement", "telecharger_zip"]
    assert "envoyer_convention" not in codes(donnees.ans(Role.CONTROLEUR_ANS))
    assert codes(donnees.referent(EntiteJuridiqueFactory())) == []


# --- « Affecter » and « Étiqueter » (the desk's services) ---------------------------------------------------


def test_affecter_et_etiqueter_plusieurs_dossiers(ars, appel):
    from care_portal.bureau import services as bureau
    from care_portal.bureau.agences import agences_de
    from care_portal.bureau.models import Affectation, EtiquetteDossier

    collegue = donnees.ars("33", prenom="Bruno", nom="Collègue")
    dossiers = [nouveau_dossier(f"CH n° {i}", appel=appel) for i in range(3)]
    autre_region = nouveau_dossier("CH de Paris", dep="75", appel=appel)
    execution = lancer(ars, "affecter", dossiers, ignores=[str(autre_region.pk)], agent=collegue)
    assert {r for r, _ in lignes(execution).values()} == {"fait", "ignore"}
    assert lignes(execution)[dossiers[0].pk] == ("fait", "Affecté à Bruno Collègue.")
    assert set(Affectation.objects.filter(agent=collegue).values_list("dossier_id", flat=True)) == {d.pk for d in dossiers}
    assert not Affectation.objects.filter(dossier=autre_region).exists()

    etiquette = bureau.etiquette_creer(agence=agences_de(ars)[0], libelle="Urgent", couleur="blue-ecume", acteur=ars)
    execution = lancer(ars, "etiqueter", dossiers[:2], etiquette=etiquette)
    assert [m for _, m in lignes(execution).values()] == ["Étiquette « Urgent » posée."] * 2
    assert EtiquetteDossier.objects.filter(etiquette=etiquette).count() == 2
    # an ANS agent cannot put an ARS's label: the service refuses, with its reason
    admin = donnees.ans(Role.ADMIN_ANS)
    execution = lancer(admin, "etiqueter", [dossiers[2]], etiquette=etiquette)
    assert lignes(execution)[dossiers[2].pk][0] == "refuse"
