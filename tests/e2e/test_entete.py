"""The header holds at every width (issue 23): the « République française » block is never clipped by the
identity and tools of a logged-in agent with several roles, from 375 to 1920 px wide."""

from __future__ import annotations

import pytest

from care_portal.comptes import services as comptes
from care_portal.comptes.roles import Role
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.e2e.conftest import Navigateur
from tests.e2e.test_paiement import connecter_agent
from tests.factories import EntiteJuridiqueFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# the logo's box must end inside its container, which clips what overflows (overflow: hidden)
MESURE = """() => { const haut = document.querySelector('.fr-header__brand-top');
  const logo = document.querySelector('.fr-header__logo .fr-logo');
  const r = logo.getBoundingClientRect(), h = haut.getBoundingClientRect();
  return {droite_logo: r.right, droite_haut: h.right}; }"""


def test_bloc_marque_entier_a_toutes_les_largeurs(navigateur: Navigateur):
    agent = creer_utilisateur_avec_role(Role.ADMIN_ANS, prenom="Marie-Amélie", nom="de La Tour-Dupont")
    # a second role: the identity block says « et aussi : … », the widest header a person gets
    comptes.rattachement_creer_confirme(utilisateur=agent, role=Role.REFERENT_ES, acteur=None,
                                        structure=EntiteJuridiqueFactory(
                                            raison_sociale="Centre hospitalier intercommunal de Villeneuve-Saint-Georges"))
    connecter_agent(navigateur, agent)
    for largeur in (1920, 1440, 1280, 1024, 768, 375):
        navigateur.page.set_viewport_size({"width": largeur, "height": 900})
        mesure = navigateur.page.evaluate(MESURE)
        assert mesure["droite_logo"] <= mesure["droite_haut"] + 0.5, (largeur, mesure)
