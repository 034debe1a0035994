"""Demo accounts (care_portal/comptes/demo.py, ``manage.py comptes_demo``) and ``code_totp``."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes import totp
from care_portal.comptes.demo import MODELES, MOT_DE_PASSE_DEMO, cle_totp_demo, creer_comptes_demo
from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import ROLES_AGENTS, Role
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError
from tests.factories import EntiteJuridiqueFactory, GHTFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def demo(settings):
    settings.PRODUCTION = False
    settings.CARE_DEMO_TOTP = True
    return settings


@pytest.fixture
def referentiel(db):
    """A small referential shaped like seed_demo's: GHT in two regions, private EJ outside GHT."""
    from care_portal.referentiel.models import Region

    idf = Region.objects.get(nom="Île-de-France")
    ght_b = GHTFactory(code="NA-02", nom="GHT Béarn")
    ght_a = GHTFactory(code="NA-01", nom="GHT Alpha", membres=[EntiteJuridiqueFactory()])
    GHTFactory(code="IDF-01", nom="GHT Paris", region=idf, support=EntiteJuridiqueFactory(dep="75"))
    prive_idf = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, dep="75", raison_sociale="Clinique IdF")
    prive_na = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, raison_sociale="Clinique Aquitaine")
    return {"ght": ght_a, "autre_ght": ght_b, "prive": prive_na, "prive_idf": prive_idf}


def test_un_compte_par_role(demo, referentiel):
    comptes = creer_comptes_demo()
    assert len(comptes) == len(MODELES) == 11
    roles = Rattachement.objects.filter(utilisateur__email__endswith="@demo.ecare.fr",
                                        etat=Rattachement.Etat.CONFIRME).values_list("role", flat=True)
    assert set(roles) == {r.value for r in Role}
    assert all(c.cree for c in comptes)
    for m in MODELES:
        user = User.objects.get(email=m.email)
        assert user.check_password(MOT_DE_PASSE_DEMO)
        assert user.email_verifie_le is not None and user.is_active
        r = user.rattachements.get()
        assert r.etat == Rattachement.Etat.CONFIRME and r.role == m.role


def test_structures_choisies(demo, referentiel):
    creer_comptes_demo()
    ght = referentiel["ght"]  # the first GHT by code in Nouvelle-Aquitaine
    for email in ("referent.es", "dsi", "rssi", "signataire"):
        r = Rattachement.objects.get(utilisateur__email=f"{email}@demo.ecare.fr")
        assert r.ght == ght
    clinique = Rattachement.objects.get(utilisateur__email="referent.clinique@demo.ecare.fr")
    assert clinique.entite_juridique == referentiel["prive"] and clinique.role == Role.REFERENT_ES
    regions = dict(Rattachement.objects.filter(role=Role.REFERENT_ARS).values_list("utilisateur__email", "region__nom"))
    assert regions == {"referent.ars@demo.ecare.fr": "Nouvelle-Aquitaine",
                       "referent.ars.idf@demo.ecare.fr": "Île-de-France"}
    admin = User.objects.get(email="admin@demo.ecare.fr")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(email__endswith="@demo.ecare.fr", is_staff=True).exclude(pk=admin.pk).exists()


def test_les_droits_sont_accordes(demo, referentiel):
    creer_comptes_demo()
    dsi = User.objects.get(email="dsi@demo.ecare.fr")
    assert dsi.has_perm("referentiel.acceder_structure", referentiel["ght"])
    assert not dsi.has_perm("referentiel.acceder_structure", referentiel["autre_ght"])


def test_idempotent(demo, referentiel):
    premiers = creer_comptes_demo()
    nb = (User.objects.count(), Rattachement.objects.count(), TOTPDevice.objects.count(),
          TransitionLog.objects.count())
    seconds = creer_comptes_demo()
    assert (User.objects.count(), Rattachement.objects.count(), TOTPDevice.objects.count(),
            TransitionLog.objects.count()) == nb
    assert [c.email for c in seconds] == [c.email for c in premiers]
    assert [c.secret_totp for c in seconds] == [c.secret_totp for c in premiers]
    assert not any(c.cree for c in seconds)


def test_un_compte_existant_n_est_pas_modifie(demo, referentiel):
    creer_comptes_demo()
    user = User.objects.get(email="dsi@demo.ecare.fr")
    user.set_password("un-autre-mot-de-passe-solide")
    user.save()
    creer_comptes_demo()
    user.refresh_from_db()
    assert user.check_password("un-autre-mot-de-passe-solide")


def test_secrets_totp_deterministes(demo, referentiel):
    comptes = {c.email: c for c in creer_comptes_demo()}
    agents = {m.email for m in MODELES if m.role in ROLES_AGENTS}
    assert {e for e, c in comptes.items() if c.secret_totp} == agents
    secrets = {e: comptes[e].secret_totp for e in agents}
    assert len(set(secrets.values())) == len(agents)  # one secret per agent
    for email in agents:
        device = TOTPDevice.objects.get(user__email=email)
        assert device.confirmed and device.key == cle_totp_demo(email)
        assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})*", secrets[email])
    # a new machine (empty database) gets the same secrets
    TOTPDevice.objects.all().delete()
    Rattachement.objects.all().delete()
    User.objects.filter(email__endswith="@demo.ecare.fr").delete()
    assert {c.email: c.secret_totp for c in creer_comptes_demo() if c.secret_totp} == secrets
    assert cle_totp_demo("Controleur@demo.ecare.fr") == cle_totp_demo("controleur@demo.ecare.fr")
    assert len(cle_totp_demo("x@y.fr")) == 40  # 20 bytes, TOTPDevice's key size


def test_pas_d_appareil_totp_hors_demo(demo, referentiel):
    demo.CARE_DEMO_TOTP = False
    comptes = creer_comptes_demo()
    assert not any(c.secret_totp for c in comptes)
    assert not TOTPDevice.objects.exists()


def test_refuse_en_production(demo, referentiel):
    demo.PRODUCTION = True
    with pytest.raises(WorkflowError, match="jamais créés en production"):
        creer_comptes_demo()
    with pytest.raises(CommandError, match="jamais créés en production"):
        call_command("comptes_demo", stdout=io.StringIO())
    assert not User.objects.filter(email__endswith="@demo.ecare.fr").exists()


def test_referentiel_absent(demo, db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("comptes_demo", stdout=io.StringIO())
    assert not User.objects.filter(email__endswith="@demo.ecare.fr").exists()


def test_commande_affiche_le_tableau(demo, referentiel):
    sortie = io.StringIO()
    call_command("comptes_demo", stdout=sortie)
    texte = sortie.getvalue()
    assert "11 créés, 0 déjà présent" in texte
    for entete in ("Rôle", "Adresse e-mail", "Mot de passe", "Secret TOTP (base32)"):
        assert entete in texte
    for m in MODELES:
        assert m.email in texte
    assert MOT_DE_PASSE_DEMO in texte
    assert "python manage.py code_totp <email>" in texte
    secret = totp.secret_base32(TOTPDevice.objects.get(user__email="controleur@demo.ecare.fr"))
    assert secret in texte
    sortie = io.StringIO()
    call_command("comptes_demo", stdout=sortie)
    assert "0 créé, 11 déjà présents" in sortie.getvalue()


def test_code_totp_en_demo(demo, referentiel):
    creer_comptes_demo()
    sortie = io.StringIO()
    call_command("code_totp", "referent.ars@demo.ecare.fr", stdout=sortie)
    code = sortie.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    user = User.objects.get(email="referent.ars@demo.ecare.fr")
    assert totp.verifier_code(user, code).ok


def test_code_totp_refuse_en_production(demo, referentiel):
    creer_comptes_demo()
    demo.CARE_DEMO_TOTP = False  # what production always has (settings: False whenever DEBUG=0)
    with pytest.raises(CommandError, match="réservée à la démonstration"):
        call_command("code_totp", "referent.ars@demo.ecare.fr", stdout=io.StringIO())


def test_un_agent_de_demo_se_connecte_avec_le_code_totp(client, demo, referentiel):
    """The demo path end to end with the test client: password, then the code of code_totp."""
    creer_comptes_demo()
    reponse = client.post(reverse("comptes:connexion"),
                          {"username": "referent.ars@demo.ecare.fr", "password": MOT_DE_PASSE_DEMO})
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("comptes:totp_verification"))
    sortie = io.StringIO()
    call_command("code_totp", "referent.ars@demo.ecare.fr", stdout=sortie)
    reponse = client.post(reverse("comptes:totp_verification"), {"code": sortie.getvalue().strip()})
    assert reponse.status_code == 302
    reponse = client.get(reponse["Location"], follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("comptes:file_ars")
    assert "Antoine Dubois" in reponse.content.decode()


def test_un_compte_es_de_demo_arrive_sur_son_etablissement(client, demo, referentiel):
    creer_comptes_demo()
    reponse = client.post(reverse("comptes:connexion"),
                          {"username": "dsi@demo.ecare.fr", "password": MOT_DE_PASSE_DEMO}, follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("comptes:espace_es")
    assert "NA-01 – GHT Alpha" in reponse.content.decode()
