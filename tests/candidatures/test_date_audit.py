"""The date of the cyber-surveillance audit beside each line's attestation (issue 17: « attestation … de
moins de 2 ans »): typed in the draft form, checked by the prerequisites, refused in French when invalid
or in the future (the rest of the draft saved), shown read-only to the ARS, refused to another
structure's référent."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from candidatures import selectors, services
from candidatures.models import PerimetreLigne
from care_portal.documents import services as documents_services
from care_portal.referentiel.models import StatutJuridique
from tests.factories import EntiteJuridiqueFactory

from . import donnees
from .test_views import se_connecter, texte

pytestmark = pytest.mark.django_db

PREUVES = ("pssi", "procedure_incidents", "organigramme_rssi", "attestation_rdv_rssi", "attestation_audit_exposition")


@pytest.fixture
def dossier(appel):
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier de Libourne")
    referent = donnees.referent(ej)
    c = services.candidature_creer(structure=ej, appel=appel, acteur=referent)
    ligne = c.perimetre.get(etablissement__isnull=True)
    for categorie in PREUVES:
        documents_services.document_deposer(fichier=donnees.pdf(f"{categorie}.pdf"), acteur=referent,
                                            proprietaire=ligne, categorie=categorie)
    return c, ligne, referent


def _enregistrer(client, c, **champs):
    return client.post(reverse("candidatures:enregistrer", args=[c.pk]), {"brouillon": "1", **champs})


def test_la_date_saisie_dans_le_brouillon_satisfait_le_prerequis(client, dossier):
    c, ligne, referent = dossier
    se_connecter(client, referent)
    page = texte(client.get(reverse("candidatures:detail", args=[c.pk])))
    assert f'name="date-audit-{ligne.pk}"' in page and "Date de l'audit de cybersurveillance" in page
    assert "date de l'audit de cybersurveillance non indiquée" in page  # the checker's reason, before
    assert not selectors.prerequis(c).ok

    il_y_a_un_an = timezone.localdate() - datetime.timedelta(days=365)
    reponse = _enregistrer(client, c, **{f"date-audit-{ligne.pk}": il_y_a_un_an.isoformat()})
    assert reponse.status_code == 302
    assert PerimetreLigne.objects.get(pk=ligne.pk).date_audit_exposition == il_y_a_un_an
    assert selectors.prerequis(c).ok
    # the French format is accepted too, and an audit of more than 2 years is refused by the checker
    _enregistrer(client, c, **{f"date-audit-{ligne.pk}": "03/01/2020"})
    assert PerimetreLigne.objects.get(pk=ligne.pk).date_audit_exposition == datetime.date(2020, 1, 3)
    resultat = selectors.prerequis(c)
    assert not resultat.ok and "trop ancien" in resultat.verdicts[0].motifs[0]


@pytest.mark.parametrize(("valeur", "message"), [
    ("31/02/2025", "Date invalide : indiquez la date de l'audit au format JJ/MM/AAAA."),
    ("hier", "Date invalide : indiquez la date de l'audit au format JJ/MM/AAAA."),
    ("futur", "La date de l'audit de cybersurveillance ne peut pas être dans le futur."),
])
def test_date_refusee_en_francais_le_reste_du_brouillon_enregistre(client, dossier, valeur, message):
    c, ligne, referent = dossier
    if valeur == "futur":
        valeur = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    se_connecter(client, referent)
    reponse = _enregistrer(client, c, dsi_nom="Denis Dsi", **{f"date-audit-{ligne.pk}": valeur})
    assert reponse.status_code == 200
    page = texte(reponse)
    assert message in page and f'id="date-audit-{ligne.pk}-erreur"' in page and f'value="{valeur}"' in page
    assert PerimetreLigne.objects.get(pk=ligne.pk).date_audit_exposition is None
    assert c.__class__.objects.get(pk=c.pk).dsi_nom == "Denis Dsi"


def test_l_ars_lit_la_date_et_un_autre_referent_ne_peut_pas_la_saisir(client, dossier):
    c, ligne, referent = dossier
    services.perimetre_dater_audit(ligne=ligne, acteur=referent, date_audit=datetime.date(2025, 6, 12))
    autre = donnees.referent(EntiteJuridiqueFactory())
    se_connecter(client, autre)
    assert _enregistrer(client, c, **{f"date-audit-{ligne.pk}": "2025-01-01"}).status_code == 404
    assert PerimetreLigne.objects.get(pk=ligne.pk).date_audit_exposition == datetime.date(2025, 6, 12)
    donnees.completer(c, referent, prerequis=False)  # the perimeter is not on the SUN-ES list: the proofs count
    services.candidature_deposer(candidature=c, acteur=referent)
    client.logout()
    se_connecter(client, donnees.ars("33"))
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Date de l'audit de cybersurveillance : 12 juin 2025" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert f'name="date-audit-{ligne.pk}"' not in page
