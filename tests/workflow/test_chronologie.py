"""The one timeline service (care_portal.workflow.chronologie): sentences from the stage registry, order,
limit, merges, notifications without addresses, and a bounded number of queries."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.core import etapes
from care_portal.notifications.models import Envoi
from care_portal.workflow import chronologie as timeline
from care_portal.workflow.chronologie import chronologie
from care_portal.workflow.models import TransitionLog
from tests.factories import CandidatureFactory, EntiteJuridiqueFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(days=1)


@pytest.fixture(autouse=True)
def registre(monkeypatch):
    """Test codes registered for this test only (the apps' registrations are left as they are)."""
    monkeypatch.setattr(etapes._registre, "libelles", dict(etapes._registre.libelles))
    monkeypatch.setattr(timeline, "_fusions", dict(timeline._fusions))
    monkeypatch.setattr(timeline, "_details", dict(timeline._details))
    etapes.enregistrer_libelles({
        "essai.objet.fait": ("Fichier {nom} traité", "document"),
        "essai.objet.etat": "Rattachement refusé",
        "essai.objet.sauve": ("Brouillon sauvé", "edition"),
        "essai.objet.verrou": ("{nombre} pièce{s} verrouillée{s}", "document"),
    })


@pytest.fixture
def rattachement():
    return Rattachement.objects.create(utilisateur=UserFactory(), role=Role.DSI,
                                       entite_juridique=EntiteJuridiqueFactory())


def ligne(obj, code, minutes, *, acteur=None, **champs) -> TransitionLog:
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk),
        code=code, acteur=acteur, cree_le=T0 + timedelta(minutes=minutes), **champs,
    )


def test_phrase_du_registre_avec_ses_champs(rattachement):
    acteur = UserFactory(prenom="Rose", nom="Référente")
    ligne(rattachement, "essai.objet.fait", 1, acteur=acteur, donnees={"nom": "rib.pdf"}, motif="Pour voir")
    ligne(rattachement, "essai.objet.etat", 2, etat_source="en_attente", etat_cible="refuse")
    etat, fait = chronologie([rattachement])
    assert (fait.titre, fait.genre, fait.acteur, fait.motif) == (
        "Fichier rib.pdf traité", "document", "Rose Référente", "Pour voir")
    assert fait.etat_cible == ""  # only rows of kind « etat » show the state reached
    assert (etat.titre, etat.genre, etat.etat_cible, etat.acteur) == (
        "Rattachement refusé", "etat", "Refusé", "eCaRE (automatique)")


def test_champ_absent_et_code_inconnu(rattachement):
    ligne(rattachement, "essai.objet.fait", 1)
    ligne(rattachement, "essai.code.jamais_enregistre", 2)
    inconnu, fait = chronologie([rattachement])
    assert (inconnu.titre, inconnu.genre, inconnu.code) == ("Action enregistrée", "edition",
                                                            "essai.code.jamais_enregistre")
    assert fait.titre == "Fichier  traité"  # a missing value is empty, never a KeyError


def test_le_plus_recent_d_abord_et_seulement_les_objets_demandes(rattachement):
    autre = EntiteJuridiqueFactory()
    ailleurs = EntiteJuridiqueFactory()
    ligne(rattachement, "essai.objet.sauve", 1)
    ligne(autre, "essai.objet.fait", 3, donnees={"nom": "b.pdf"})
    ligne(rattachement, "essai.objet.etat", 2)
    ligne(ailleurs, "essai.objet.fait", 4, donnees={"nom": "ailleurs.pdf"})
    titres = [e.titre for e in chronologie([rattachement, autre])]
    assert titres == ["Fichier b.pdf traité", "Rattachement refusé", "Brouillon sauvé"]
    assert chronologie([]) == []


def test_limite(rattachement):
    for i in range(5):
        ligne(rattachement, "essai.objet.fait", i, donnees={"nom": f"{i}.pdf"})
    evenements = chronologie([rattachement], limite=2)
    assert [e.titre for e in evenements] == ["Fichier 4.pdf traité", "Fichier 3.pdf traité"]


def test_fusions_enregistrees(rattachement):
    timeline.enregistrer_fusions({"essai.objet.sauve": timeline.FUSION_REPETITIONS,
                                  "essai.objet.verrou": timeline.FUSION_NOMBRE})
    rose, paul = UserFactory(), UserFactory()
    ligne(rattachement, "essai.objet.sauve", 1, acteur=rose)
    ligne(rattachement, "essai.objet.sauve", 2, acteur=rose)
    ligne(rattachement, "essai.objet.sauve", 3, acteur=paul)
    ligne(rattachement, "essai.objet.verrou", 4, acteur=rose, donnees={"documents": [{"nom": "a"}]})
    ligne(rattachement, "essai.objet.verrou", 5, acteur=rose, donnees={"documents": [{"nom": "b"}, {"nom": "c"}]})
    verrou, paul_sauve, rose_sauve = chronologie([rattachement])
    assert (verrou.titre, verrou.nombre, verrou.repetitions) == ("3 pièces verrouillées", 3, 1)
    assert (paul_sauve.repetitions, rose_sauve.repetitions) == (1, 2)  # another person: another entry
    with pytest.raises(ValueError):
        timeline.enregistrer_fusions({"essai.objet.fait": "autre"})


def test_detail_par_modele_et_ajustement(rattachement):
    timeline.enregistrer_detail(Rattachement, lambda r: f"Rôle {r.role}")
    ligne(rattachement, "essai.objet.fait", 1, donnees={"nom": "a.pdf"})

    def ajuster(row, e):
        e.titre = e.titre.upper()

    (e,) = chronologie([rattachement], ajuster=ajuster)
    assert (e.titre, e.detail) == ("FICHIER A.PDF TRAITÉ", "Rôle dsi")


def test_notifications_fusionnees_sans_adresses():
    c = CandidatureFactory()
    ligne(c, "essai.objet.etat", 1)
    ligne(c, "essai.objet.sauve", 3)
    Envoi.objects.create(gabarit="depot", sujet="Votre candidature est déposée", candidature=c,
                         destinataires=["secret@exemple.fr"], copies=["copie@exemple.fr"],
                         statut=Envoi.Statut.ENVOYE, cree_le=T0 + timedelta(minutes=2))
    Envoi.objects.create(gabarit="autre", sujet="Un autre dossier", candidature=CandidatureFactory(),
                         destinataires=["x@exemple.fr"], cree_le=T0 + timedelta(minutes=2))
    sans = chronologie([c])
    assert [e.genre for e in sans] == ["edition", "etat"]
    evenements = chronologie([c], dossier=c, notifications=True)
    assert [e.titre for e in evenements] == [
        "Brouillon sauvé", "Notification envoyée : Votre candidature est déposée", "Rattachement refusé"]
    notif = evenements[1]
    assert (notif.genre, notif.detail, notif.acteur, notif.code) == (
        "notification", "2 destinataires — Envoyé", "eCaRE (automatique)", "notifications.depot")
    assert "@" not in repr(evenements)
    with pytest.raises(ValueError):
        chronologie([c], notifications=True)


def test_une_requete_pour_le_journal_une_de_plus_pour_les_notifications(django_assert_num_queries, rattachement):
    c = CandidatureFactory()
    acteurs = [UserFactory() for _ in range(3)]
    for i, acteur in enumerate(acteurs):
        ligne(rattachement, "essai.objet.fait", i, acteur=acteur)
        ligne(c, "essai.objet.etat", i, acteur=acteur)
    Envoi.objects.create(gabarit="depot", sujet="Déposée", candidature=c, destinataires=["a@exemple.fr"])
    for o in (rattachement, c):
        ContentType.objects.get_for_model(o, for_concrete_model=False)  # the content types are cached
    with django_assert_num_queries(1):
        assert len({e.acteur for e in chronologie([rattachement, c])}) == 3
    with django_assert_num_queries(2):
        assert len(chronologie([rattachement, c], dossier=c, notifications=True)) == 7


def test_les_applications_enregistrent_leurs_phrases():
    """Each stage app and the documents app register their sentences from ready()."""
    assert etapes.libelle_journal("candidatures.candidature.deposee") == ("Candidature déposée", "etat")
    assert etapes.libelle_journal("declarations.declaration.deposee")[0] == "Déclaration déposée"
    assert etapes.libelle_journal("controle.controle.planifie")[0] == "Contrôle planifié"
    assert etapes.libelle_journal("paiement.paiement.paye")[0] == "Paiement versé"
    assert timeline.libelle("documents.document.depose", {"nom": "rib.pdf"}) == ("Document déposé : rib.pdf",
                                                                                  "document")
    assert timeline.libelle("documents.document.depose") == ("Document déposé", "document")
    assert timeline.libelle("documents.document.verrouille", {"documents": [{}]})[0] == \
        "1 document verrouillé au dépôt"


def test_le_coeur_n_importe_aucune_etape():
    source = Path(timeline.__file__).read_text(encoding="utf-8")
    modules = set()
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.ImportFrom) and noeud.module:
            modules.add(noeud.module.split(".")[0])
        elif isinstance(noeud, ast.Import):
            modules |= {a.name.split(".")[0] for a in noeud.names}
    assert not modules & {"candidatures", "objectifs", "declarations", "controle", "paiement"}
