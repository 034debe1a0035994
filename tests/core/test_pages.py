import pytest

from tests.factories import EtablissementGeographiqueFactory

pytestmark = pytest.mark.django_db


def test_accueil_en_francais_avec_dsfr(client):
    EtablissementGeographiqueFactory()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "<h1>eCaRE, le guichet unique du programme CaRE</h1>" in html
    assert "dsfr.min.css" in html
    assert "Agences régionales de santé" in html
    assert "CaRE Domaine 1" in html  # the current call, from the data migration
    assert "1 entités juridiques" in html or "1 entité" in html
    assert 'href="#content"' in html and 'id="content"' in html


def test_accueil_refuse_post(client):
    assert client.post("/").status_code == 405
