"""Countersigning in lots (issue 19): the DG ANS picks a lot (ticked, or the next N of a filtered,
paginated queue), receives one code, and each convention is sealed by its own task, committed on its
own; the lot's page shows done / remaining / failed with the reasons. In the embedded mode the tasks
run eagerly when the test's ``commit()`` block ends."""

from __future__ import annotations

import datetime
import html as html_lib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.signature import pades
from care_portal.workflow.services import WorkflowError
from conventions import services as conventions
from conventions.models import CodeSignature, Convention, ElementContresignature, LotContresignature
from tests.candidatures import donnees
from tests.candidatures.test_views import se_connecter

from .conventions import (  # noqa: F401
    admin_ans,
    certificat,
    commit,
    dernier_code,
    dg_ans,
    dossier_complet,
    envoyee,
    lire,
)
from .lots import conventions_signees_es, modele_signe_es

pytestmark = pytest.mark.django_db

URL = "conventions:contresigner"
E = ElementContresignature.Etat


def texte(reponse) -> str:
    return html_lib.unescape(reponse.content.decode())


def _vieillir_codes(dg) -> None:
    """One code a minute at most: the tests age the DG's previous one."""
    CodeSignature.objects.filter(utilisateur=dg).update(cree_le=timezone.now() - datetime.timedelta(minutes=5))


def _signees(cv) -> int:
    return Document.objects.du_proprietaire(cv, conventions.CATEGORIE_SIGNEE).count()


@pytest.fixture
def modele(certificat):  # noqa: F811
    return modele_signe_es()


def test_un_lot_par_la_vue_scelle_chaque_convention(modele, client):
    autres = conventions_signees_es(3, modele=modele)
    dg = dg_ans()
    se_connecter(client, dg)
    page = texte(client.get(reverse(URL)))
    assert "4 conventions signées par les établissements attendent votre contresignature" in page
    # the next 3 of the queue (oldest signature first: the real one, then the factory's)
    mail.outbox.clear()
    with commit():
        reponse = client.post(reverse(URL), {"action": "code", "selection": "suivantes", "nombre": "3"})
    assert reponse.status_code == 200 and "Code reçu par e-mail" in texte(reponse)
    code = CodeSignature.objects.get(utilisateur=dg)
    choisies = [modele.pk, autres[0].pk, autres[1].pk]
    assert sorted(code.conventions.values_list("pk", flat=True)) == sorted(choisies)
    with commit():
        reponse = client.post(reverse(URL), {"action": "contresigner", "code": dernier_code(dg.email)})
    lot = LotContresignature.objects.get()
    # the request only checked the code and opened the lot; the tasks ran after the commit
    assert reponse.status_code == 302 and reponse["Location"] == reverse("conventions:contresigner_lot",
                                                                          args=[lot.pk])
    assert set(Convention.objects.filter(pk__in=choisies).values_list("etat", flat=True)) == {Convention.Etat.SIGNEE}
    assert Convention.objects.get(pk=autres[2].pk).etat == Convention.Etat.SIGNEE_ES
    page = texte(client.get(reponse["Location"]))
    assert "Lot terminé." in page and 'id="nb-faites">3<' in page and 'id="nb-restantes">0<' in page
    assert 'http-equiv="refresh"' not in page
    for pk in choisies:
        cv = Convention.objects.get(pk=pk)
        assert cv.contresignataire == dg and _signees(cv) == 1
        *_, ans = pades.valider(lire(conventions.document_courant(cv, conventions.CATEGORIE_SIGNEE)))
        assert ans.conforme and ans.champ == "signature_ans" and ans.couvre_tout_le_document
        assert donnees.codes_du_journal(cv)[-1] == "conventions.convention.contresignee"
    # each establishment got its signed convention
    assert {m.to[0] for m in mail.outbox if "signée" in m.subject} == {
        Convention.objects.get(pk=pk).candidature.signataire_email for pk in choisies}
    # the queue now shows the one left, and the lot among the DG's last ones
    page = texte(client.get(reverse(URL)))
    assert "1 convention signée par les établissements attend votre contresignature" in page
    assert f"Lot n° {lot.pk}" in page and autres[2].numero in page and modele.numero not in page


def test_filtre_par_region_pagination_et_lot_suivant_dans_la_selection(modele, client):
    conventions_signees_es(30, modele=modele, departements=("33", "75"))  # 15 + 15, plus the model in 33
    dg = dg_ans()
    se_connecter(client, dg)
    region = donnees.region("75")
    page = texte(client.get(reverse(URL), {"region": region.code}))
    assert "(15 dans la sélection) — page 1 sur 1" in page
    page = texte(client.get(reverse(URL)))
    assert "(31) — page 1 sur 2" in page and "Page suivante" in page
    page2 = texte(client.get(reverse(URL), {"page": 2}))
    assert "page 2 sur 2" in page2
    # the filter is kept in the pagination links
    page = texte(client.get(reverse(URL), {"region": donnees.region("33").code, "q": "test"}))
    assert "(15 dans la sélection)" in page
    with commit():
        client.post(reverse(URL), {"action": "code", "selection": "suivantes", "nombre": "50", "region": region.code})
    code = CodeSignature.objects.get(utilisateur=dg)
    regions = set(code.conventions.values_list("candidature__region_instructrice", flat=True))
    assert code.conventions.count() == 15 and regions == {region.pk}


def test_lot_trop_grand_ou_nombre_invalide_refuse(modele, client):
    dg = dg_ans()
    se_connecter(client, dg)
    for nombre in ("101", "0", "cinquante"):
        reponse = client.post(reverse(URL), {"action": "code", "selection": "suivantes", "nombre": nombre})
        assert reponse.status_code == 400 and "Aucune convention n'a été contresignée" in texte(reponse)
    assert not CodeSignature.objects.filter(utilisateur=dg).exists()
    with pytest.raises(WorkflowError) as refus:
        conventions.code_envoyer_dg(acteur=dg, conventions=conventions_signees_es(101, modele=modele))
    assert refus.value.code == "trop"


def _lot(dg, cvs) -> LotContresignature:
    """A lot opened by the service, its tasks not run (the test's transaction never commits)."""
    _vieillir_codes(dg)
    with commit():
        conventions.code_envoyer_dg(acteur=dg, conventions=cvs)
    return conventions.conventions_contresigner(acteur=dg, code=dernier_code(dg.email), ip="198.51.100.2")


def test_une_tache_lancee_deux_fois_n_a_qu_un_effet(modele):
    dg = dg_ans()
    lot = _lot(dg, [modele])
    [element] = lot.elements.all()
    mail.outbox.clear()
    with commit():
        assert conventions.contresignature_sceller(element.pk) == E.FAITE
    with commit():
        assert conventions.contresignature_sceller(element.pk) == "rien"
    cv = Convention.objects.get(pk=modele.pk)
    assert cv.etat == Convention.Etat.SIGNEE and _signees(cv) == 1
    assert donnees.codes_du_journal(cv).count("conventions.convention.contresignee") == 1
    assert len([m for m in mail.outbox if "signée" in m.subject]) == 1


def test_une_convention_deja_contresignee_n_a_pas_de_second_effet(modele):
    dg = dg_ans()
    premier = _lot(dg, [modele])
    [element] = premier.elements.all()
    # a second element for the same convention (a lot from before this one was sealed)
    second = LotContresignature.objects.create(acteur=dg, code=CodeSignature.objects.create(
        role="ans", email=dg.email, utilisateur=dg, empreinte="x", expire_le=timezone.now()))
    doublon = ElementContresignature.objects.create(lot=second, convention=modele)
    assert conventions.contresignature_sceller(element.pk) == E.FAITE
    assert conventions.contresignature_sceller(doublon.pk) == E.FAITE
    doublon.refresh_from_db()
    assert doublon.erreur == "" and _signees(modele) == 1


def test_convention_plus_en_attente_echoue_avec_son_motif(modele, client):
    autre = conventions_signees_es(1, modele=modele)[0]
    dg = dg_ans()
    lot = _lot(dg, [modele, autre])
    a, b = lot.elements.order_by("pk")
    Convention.objects.filter(pk=autre.pk).update(etat=Convention.Etat.ENVOYEE)  # changed since the code
    assert conventions.contresignature_sceller(b.pk) == E.ECHEC
    b.refresh_from_db()
    assert "n'attend plus de contresignature" in b.erreur and _signees(autre) == 0
    # progress: 0 done, 1 remaining, 1 failed with its reason; the page reloads itself meanwhile
    se_connecter(client, dg)
    page = texte(client.get(reverse("conventions:contresigner_lot", args=[lot.pk])))
    assert 'id="nb-faites">0<' in page and 'id="nb-restantes">1<' in page and 'id="nb-echecs">1<' in page
    assert 'http-equiv="refresh" content="3"' in page and autre.numero in page and b.erreur in page
    assert conventions.contresignature_sceller(a.pk) == E.FAITE
    page = texte(client.get(reverse("conventions:contresigner_lot", args=[lot.pk])))
    assert 'id="nb-faites">1<' in page and 'id="nb-restantes">0<' in page and "Lot terminé." in page
    assert 'http-equiv="refresh"' not in page


def test_echec_technique_garde_le_motif_et_n_ecrit_rien(modele, settings):
    dg = dg_ans()
    lot = _lot(dg, [modele])
    [element] = lot.elements.all()
    settings.SIGNATURE_CLE = settings.SIGNATURE_CLE.parent / "absente.key"  # the seal cannot be applied
    assert conventions.contresignature_sceller(element.pk) == E.ECHEC
    element.refresh_from_db()
    assert element.erreur and _signees(modele) == 0
    assert Convention.objects.get(pk=modele.pk).etat == Convention.Etat.SIGNEE_ES
    # failed: back in the queue for another lot
    from conventions.selectors import conventions_a_contresigner

    assert list(conventions_a_contresigner()) == [Convention.objects.get(pk=modele.pk)]


def test_une_convention_en_cours_de_scellement_ne_se_choisit_pas_deux_fois(modele):
    dg = dg_ans()
    _lot(dg, [modele])
    from conventions.selectors import conventions_a_contresigner

    assert not conventions_a_contresigner().exists()
    _vieillir_codes(dg)
    with pytest.raises(WorkflowError) as refus:
        conventions.code_envoyer_dg(acteur=dg, conventions=[modele])
    assert refus.value.code == "etat"


def test_etat_refuse_par_la_vue(modele, client):
    envoyee_seulement = envoyee(dossier_complet(raison_sociale="CH de Blaye")[0])
    dg = dg_ans()
    se_connecter(client, dg)
    reponse = client.post(reverse(URL), {"action": "code", "conventions": [envoyee_seulement.pk]})
    assert reponse.status_code == 400 and "n'attend plus de contresignature" in texte(reponse)
    assert not CodeSignature.objects.filter(utilisateur=dg).exists()


def test_roles_refuses(modele, client):
    dg = dg_ans()
    lot = _lot(dg, [modele])
    c = modele.candidature
    refuses = [donnees.referent(c.entite_juridique), donnees.ars("33"), admin_ans(), donnees.ans(Role.SECRETARIAT_ANS),
               donnees.ans(Role.CONTROLEUR_ANS)]
    for user in refuses:
        client.logout()
        se_connecter(client, user)
        assert client.get(reverse(URL)).status_code == 403
        assert client.post(reverse(URL), {"action": "code", "selection": "suivantes"}).status_code == 403
        assert client.get(reverse("conventions:contresigner_lot", args=[lot.pk])).status_code == 403
        with pytest.raises(WorkflowError) as refus:
            conventions.code_envoyer_dg(acteur=user, conventions=[modele])
        assert refus.value.code == "droit"
        with pytest.raises(WorkflowError):
            conventions.conventions_contresigner(acteur=user, code="000000", ip=None)
    # another DG does not see this DG's lot
    client.logout()
    se_connecter(client, donnees.ans(Role.DG_ANS, email="dg.adjoint@esante.gouv.fr"))
    assert client.get(reverse("conventions:contresigner_lot", args=[lot.pk])).status_code == 404
    # a DG who lost the role before the task ran: the task refuses with the reason
    dg.rattachements.all().delete()
    [element] = lot.elements.all()
    assert conventions.contresignature_sceller(element.pk) == E.ECHEC
    element.refresh_from_db()
    assert "directeur général" in element.erreur and _signees(modele) == 0
