"""Linking and unlinking (services) and the ANS admin's page of linked identities."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care_portal.comptes.roles import Role
from care_portal.federation.models import IdentiteFederee
from care_portal.federation.oidc import IdentiteOIDC
from care_portal.federation.services import identite_delier, identite_lier
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role

pytestmark = pytest.mark.django_db


def identite(sub="sub-1", fournisseur="proconnect", email="a@exemple.fr"):
    return IdentiteOIDC(fournisseur=fournisseur, sub=sub, email=email)


@pytest.fixture
def es():
    return creer_utilisateur_avec_role(Role.REFERENT_ES, email="es@exemple.fr")


@pytest.fixture
def admin_ans():
    user = creer_utilisateur_avec_role(Role.ADMIN_ANS, email="admin@ans.exemple.fr")
    type(user).objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def test_lier_journalise(es):
    lien = identite_lier(utilisateur=es, identite=identite())
    journal = TransitionLog.objects.get(code="federation.identite.liee")
    assert journal.acteur == es and journal.object_id == str(es.pk)
    assert journal.donnees == {"fournisseur": "ProConnect", "sub": "sub-1", "email": "a@exemple.fr"}
    assert lien.utilisateur == es


def test_identite_deja_liee_a_un_autre_compte_refusee(es):
    autre = creer_utilisateur_avec_role(Role.REFERENT_ES, email="autre@exemple.fr")
    identite_lier(utilisateur=autre, identite=identite())
    with pytest.raises(WorkflowError, match="déjà liée"):
        identite_lier(utilisateur=es, identite=identite())
    assert IdentiteFederee.objects.get().utilisateur == autre


def test_une_identite_par_fournisseur_et_par_compte(es):
    identite_lier(utilisateur=es, identite=identite("sub-1"))
    with pytest.raises(WorkflowError, match="déjà lié à une autre identité"):
        identite_lier(utilisateur=es, identite=identite("sub-2"))
    identite_lier(utilisateur=es, identite=identite("sub-3", fournisseur="psc"))  # another provider: fine
    assert IdentiteFederee.objects.filter(utilisateur=es).count() == 2


@pytest.mark.parametrize("role", [Role.REFERENT_ES, Role.REFERENT_ARS, Role.CONTROLEUR_ANS])
def test_delier_reserve_a_l_admin_ans(es, role):
    lien = identite_lier(utilisateur=es, identite=identite())
    acteur = creer_utilisateur_avec_role(role, email=f"{role}@exemple.fr")
    with pytest.raises(WorkflowError, match="administrateur eCaRE de l'ANS"):
        identite_delier(identite=lien, acteur=acteur)
    with pytest.raises(WorkflowError):
        identite_delier(identite=lien, acteur=es)  # not even the owner (the admin decides)
    assert IdentiteFederee.objects.filter(pk=lien.pk).exists()


def test_delier_par_l_admin_journalise(es, admin_ans):
    lien = identite_lier(utilisateur=es, identite=identite())
    identite_delier(identite=lien, acteur=admin_ans)
    assert not IdentiteFederee.objects.exists()
    journal = TransitionLog.objects.get(code="federation.identite.deliee")
    assert journal.acteur == admin_ans and journal.object_id == str(es.pk)


def test_admin_voit_et_retire_les_identites_d_un_compte(client, es, admin_ans):
    lien = identite_lier(utilisateur=es, identite=identite())
    agent_verifie(client, admin_ans)
    page = client.get(reverse("admin:comptes_user_change", args=[es.pk]))
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "sub-1" in contenu and "Retirer cette identité" in contenu
    url = reverse("admin:federation_identitefederee_delete", args=[lien.pk])
    assert client.get(url).status_code == 200
    reponse = client.post(url, {"post": "yes"})
    assert reponse.status_code == 302
    assert not IdentiteFederee.objects.exists()
    assert TransitionLog.objects.filter(code="federation.identite.deliee", acteur=admin_ans).count() == 1
    liste = client.get(reverse("admin:federation_identitefederee_changelist"))
    assert liste.status_code == 200 and "delete_selected" not in liste.content.decode()


def test_admin_action_retirer(client, es, admin_ans):
    identite_lier(utilisateur=es, identite=identite())
    agent_verifie(client, admin_ans)
    reponse = client.post(reverse("admin:federation_identitefederee_changelist"), {
        "action": "delier", "_selected_action": [str(i.pk) for i in IdentiteFederee.objects.all()]})
    assert reponse.status_code == 302 and not IdentiteFederee.objects.exists()
    assert TransitionLog.objects.filter(code="federation.identite.deliee").count() == 1


def test_page_admin_refusee_hors_administrateurs(client, es):
    identite_lier(utilisateur=es, identite=identite())
    connecter(client, es)
    reponse = client.get(reverse("admin:federation_identitefederee_changelist"))
    assert reponse.status_code == 302 and "/login/" in reponse["Location"]
