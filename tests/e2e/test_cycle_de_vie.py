"""The lifecycle reached by clicking (stage registry): the ES référent goes from the header's menu to her
declaration, her control and her payment; the ARS goes from its home to the declarations queue. Every
page is checked by axe-core (the ``navigateur`` fixture)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 (fixture)
from tests.e2e.test_declaration import dans_un_fil
from tests.e2e.test_paiement import connecter_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STRUCTURE = "Centre hospitalier de Libourne"


def _dossier_paye():
    """A dossier paid, through the services (a validated control, then the payment circuit)."""
    from paiement import services
    from paiement.models import Paiement
    from tests.paiement.paiements import agent, controle_valide

    ctl, referente, ars = controle_valide(raison_sociale=STRUCTURE)
    p = Paiement.objects.filter(controle=ctl).first() or services.paiement_creer(controle=ctl, acteur=None)
    services.paiement_valider(paiement=p, acteur=agent())
    services.paiement_ordonnancer(paiement=Paiement.objects.get(pk=p.pk), acteur=agent(Role.ADMIN_ANS))
    services.paiement_marquer_paye(paiement=Paiement.objects.get(pk=p.pk), acteur=agent(), le=timezone.localdate(),
                                   reference_bancaire="VIR-0001")
    return ctl, referente, ars


def test_chaque_role_atteint_ses_etapes_en_cliquant(navigateur: Navigateur,  # noqa: F811
                                                      second_navigateur: Navigateur, settings, tmp_path,  # noqa: F811
                                                      certificat):  # noqa: F811
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    ctl, referente, ars = dans_un_fil(_dossier_paye)
    es, agence = navigateur, second_navigateur
    menu = es.page.locator("#navigation-principale")

    # the ES: from the menu to the declaration, the control and the payment
    se_connecter(es, referente.email)
    assert es.chemin() == reverse("comptes:espace_es")
    assert "Financement versé" in es.page.locator("main").inner_text()
    assert "Étape 6 sur 6" in es.page.locator("main").inner_text()
    es.suivre(menu.get_by_role("link", name="Mes déclarations"))
    assert es.chemin() == reverse("declarations:mes_declarations")
    es.suivre(es.page.locator("main").get_by_role("link", name=f"Ouvrir la déclaration de {STRUCTURE}"))
    assert es.chemin() == reverse("declarations:detail", args=[ctl.declaration_id])
    es.suivre(menu.get_by_role("link", name="Mes contrôles"))
    assert es.chemin() == reverse("controle:mes_controles")
    assert STRUCTURE in es.page.locator("main").inner_text()
    es.suivre(menu.get_by_role("link", name="Mes paiements"))
    assert es.chemin() == reverse("paiement:mes_paiements")
    assert "1 paiement" in es.page.locator("main").inner_text()
    es.suivre(es.page.locator("main").get_by_role("link", name=STRUCTURE))
    assert es.chemin() == reverse("paiement:pour_candidature", args=[ctl.declaration.candidature_id])
    assert "Financement versé" in es.page.locator("main").inner_text()

    # the ARS: from its home to the declarations queue
    connecter_agent(agence, ars)
    assert agence.chemin() == reverse("comptes:file_ars")
    agence.suivre(agence.page.locator("main").get_by_role("link", name="Déclarations à vérifier", exact=True))
    assert agence.chemin() == reverse("declarations:file")
    assert STRUCTURE in agence.page.locator("main").inner_text()
    # and the ANS's secretariat from its home to the payments
    agence.se_deconnecter()
    secretaire = creer_utilisateur_avec_role(Role.SECRETARIAT_ANS, email="emilie@esante.gouv.fr")
    connecter_agent(agence, secretaire)
    agence.suivre(agence.page.locator("main").get_by_role("link", name="Paiements", exact=True))
    assert agence.chemin() == reverse("paiement:liste")
