"""Dates that make sense in the payment stage: the paid date between the order day and today (screen,
service and the bank's confirmation file), a SEPA batch executed today or later inside the call's
payment window, a ceiling grid in force within its call's years. Absurd dates (0001-01-01, 9999-12-31,
before the order, in the future) are refused everywhere with the same French sentence."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.workflow.services import WorkflowError
from paiement import dates, services
from paiement.models import GrilleMontantsPlafonds, Paiement
from tests.candidatures.test_views import se_connecter, texte
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import AppelFactory

from .donnees import csv_de, lignes
from .paiements import agent, jours, ordonnance, paiement_de, rafraichir

pytestmark = pytest.mark.django_db

ABSURDES = [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)]


# --- the rules, plain ------------------------------------------------------------------------------------

def test_regles_pures():
    aujourd_hui, ordre = datetime.date(2026, 6, 10), datetime.date(2026, 6, 1)
    for le in (*ABSURDES, datetime.date(2026, 5, 31), datetime.date(2026, 6, 11), None):
        assert dates.erreur_date_paiement(le, ordonnance_le=ordre, aujourd_hui=aujourd_hui)
    for le in (ordre, aujourd_hui):
        assert dates.erreur_date_paiement(le, ordonnance_le=ordre, aujourd_hui=aujourd_hui) is None
    fenetre = [dates.FenetrePaiement("Appel", datetime.date(2026, 6, 1), datetime.date(2026, 12, 31))]
    for d in (*ABSURDES, datetime.date(2026, 6, 9), datetime.date(2027, 1, 1)):
        assert dates.erreur_date_execution(d, aujourd_hui=aujourd_hui, fenetres=fenetre)
    assert dates.erreur_date_execution(aujourd_hui, aujourd_hui=aujourd_hui, fenetres=fenetre) is None
    bornes = {"appel": "Appel", "candidature_debut": datetime.date(2024, 3, 1),
              "paiement_fin": datetime.date(2026, 12, 31)}
    for d in (*ABSURDES, datetime.date(2023, 12, 31), datetime.date(2027, 1, 1)):
        assert "hors des années de l'appel" in dates.erreur_en_vigueur(d, **bornes)
    for d in (datetime.date(2024, 1, 1), datetime.date(2026, 12, 31)):
        assert dates.erreur_en_vigueur(d, **bornes) is None


# --- paid date ---------------------------------------------------------------------------------------------

@pytest.fixture
def ordonne(valide):
    ctl, _, _ = valide
    p = ordonnance(paiement_de(ctl), agent(), agent())
    Paiement.objects.filter(pk=p.pk).update(ordonnance_le=timezone.now() - datetime.timedelta(days=10))
    return rafraichir(p)


def test_date_de_paiement_absurde_refusee_par_le_service(ordonne):
    s = agent()
    for le in (*ABSURDES, jours(-11), jours(1)):
        with pytest.raises(WorkflowError) as refus:
            services.paiement_marquer_paye(paiement=ordonne, acteur=s, le=le, reference_bancaire="VIR-1")
        assert refus.value.code == "date"
    assert rafraichir(ordonne).etat == Paiement.Etat.ORDONNANCE
    services.paiement_marquer_paye(paiement=ordonne, acteur=s, le=jours(-10), reference_bancaire="VIR-1")
    assert rafraichir(ordonne).paye_le == jours(-10)


def test_date_de_paiement_absurde_refusee_a_l_ecran(client, ordonne):
    se_connecter(client, agent())
    url = reverse("paiement:payer", args=[ordonne.pk])
    for le in (*ABSURDES, jours(-11), jours(1)):
        r = client.post(url, {"le": le.isoformat(), "reference_bancaire": "VIR-1"})
        assert r.status_code == 400, le
        page = texte(r)
        assert "précède son ordonnancement" in page or "dans le futur" in page, le
    assert rafraichir(ordonne).etat == Paiement.Etat.ORDONNANCE
    assert client.post(url, {"le": jours(0).isoformat(), "reference_bancaire": "VIR-1"}).status_code == 302


def test_date_absurde_refusee_dans_la_confirmation_de_la_banque(client, ordonne):
    s = agent()
    for le in (*ABSURDES, jours(-11), jours(1)):
        contenu = f"reference;date;reference_bancaire\n{ordonne.reference};{le.isoformat()};BQ-1\n".encode()
        with pytest.raises(services.ConfirmationInvalide) as refus:
            services.confirmation_importer(acteur=s, contenu=contenu, nom_fichier="banque.csv")
        assert any(e.startswith("Ligne 2") for e in refus.value.erreurs), refus.value.erreurs
        se_connecter(client, s)
        r = client.post(reverse("paiement:confirmation"), {"fichier": SimpleUploadedFile("b.csv", contenu)})
        assert r.status_code == 400 and "Ligne 2" in texte(r)
    assert rafraichir(ordonne).etat == Paiement.Etat.ORDONNANCE


# --- SEPA batch ---------------------------------------------------------------------------------------------

def test_date_d_execution_hors_fenetre_refusee(client, ordonne):
    appel = ordonne.convention.candidature.appel
    s = agent()
    for d in (*ABSURDES, jours(-1), appel.paiement_fin + datetime.timedelta(days=1)):
        with pytest.raises(WorkflowError) as refus:
            services.lot_creer(acteur=s, date_execution=d)
        assert refus.value.code == "date", d
        se_connecter(client, s)
        r = client.post(reverse("paiement:lots"), {"date_execution": d.isoformat()})
        assert r.status_code == 400, d
        assert "est passée" in texte(r) or "hors de la période de paiement" in texte(r), d
    assert rafraichir(ordonne).lot is None
    assert client.post(reverse("paiement:lots"), {"date_execution": jours(0).isoformat()}).status_code == 302


# --- ceiling grid ----------------------------------------------------------------------------------------------

def test_date_d_entree_en_vigueur_hors_des_annees_de_l_appel(client):
    appel = AppelFactory(candidature_debut=datetime.date(2024, 1, 10))
    for d in (*ABSURDES, datetime.date(2023, 12, 31), appel.paiement_fin + datetime.timedelta(days=1)):
        with pytest.raises(services.MatricePlafondsInvalide) as refus:
            services.grille_creer(appel=appel, lignes=lignes(), acteur=None, en_vigueur_le=d)
        assert "hors des années de l'appel" in refus.value.message
    se_connecter(client, creer_utilisateur_avec_role(Role.ADMIN_ANS))
    for d in (datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(2023, 12, 31)):
        fichier = SimpleUploadedFile("m.csv", csv_de([("ght", "0", "", "250000")]))
        r = client.post(reverse("paiement:plafonds"), {"appel": appel.pk, "fichier": fichier,
                                                       "en_vigueur_le": d.isoformat()})
        assert r.status_code == 400 and "hors des années de l'appel" in texte(r), d
    assert not GrilleMontantsPlafonds.objects.filter(appel=appel).exists()
    fichier = SimpleUploadedFile("m.csv", csv_de([("ght", "0", "", "250000")]))
    r = client.post(reverse("paiement:plafonds"), {"appel": appel.pk, "fichier": fichier,
                                                   "en_vigueur_le": "2024-01-01"})
    assert r.status_code == 302
