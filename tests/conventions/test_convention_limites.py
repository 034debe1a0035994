"""Rate limits on the signing codes (conventions/views.py): the signatory's one-time
code and the DG's countersigning code. The N+1th request gets the French 429 page and no code is
created or sent. The service's own one-minute spacing between two codes also answers 429, on the
signing page itself, with an information alert saying how long to wait (issue 23)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from conventions import services as conventions
from conventions.models import CodeSignature
from tests.candidatures.test_views import se_connecter

from .conventions import (  # noqa: F401
    admin_ans,
    certificat,
    commit,
    dg_ans,
    dossier_complet,
    envoyee,
    signee_es,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(certificat):  # noqa: F811
    return dossier_complet()


def assert_429(reponse) -> None:
    assert reponse.status_code == 429
    html = unescape(reponse.content.decode())
    assert "Trop de demandes" in html and "Vous pourrez réessayer dans" in html
    assert int(reponse["Retry-After"]) > 0


def test_code_du_signataire_limite_par_convention(dossier, client, settings):
    settings.CARE_LIMITES = {**settings.CARE_LIMITES, "code_signature": {"ip": "100/h", "compte": "1/h"}}
    c, _, _ = dossier
    cv = envoyee(c)
    url = reverse("conventions:signer", args=[conventions.jeton_signature(cv)])
    mail.outbox.clear()
    with commit():
        assert client.post(url, {"action": "code"}, REMOTE_ADDR="10.6.0.1").status_code == 302
    codes, envoyes = CodeSignature.objects.count(), len(mail.outbox)
    with commit():
        reponse = client.post(url, {"action": "code"}, REMOTE_ADDR="10.6.0.2")  # another address: same link
    assert_429(reponse)
    assert CodeSignature.objects.count() == codes and len(mail.outbox) == envoyes


def test_code_du_signataire_limite_par_adresse_ip(dossier, client, settings):
    settings.CARE_LIMITES = {**settings.CARE_LIMITES, "code_signature": {"ip": "1/h", "compte": "100/h"}}
    c, _, _ = dossier
    cv = envoyee(c)
    url = reverse("conventions:signer", args=[conventions.jeton_signature(cv)])
    with commit():
        assert client.post(url, {"action": "code"}).status_code == 302
    codes = CodeSignature.objects.count()
    assert_429(client.post(url, {"action": "code"}))
    assert CodeSignature.objects.count() == codes


def test_code_du_dg_limite_par_compte(dossier, client, settings):
    settings.CARE_LIMITES = {**settings.CARE_LIMITES, "code_signature": {"ip": "100/h", "compte": "1/h"}}
    c, _, _ = dossier
    a = signee_es(envoyee(c))
    dg = dg_ans()
    se_connecter(client, dg)
    url = reverse("conventions:contresigner")
    with commit():
        assert client.post(url, {"action": "code", "conventions": [a.pk]}).status_code == 200
    codes, envoyes = CodeSignature.objects.count(), len(mail.outbox)
    with commit():
        reponse = client.post(url, {"action": "code", "conventions": [a.pk]}, REMOTE_ADDR="10.6.1.9")
    assert_429(reponse)
    assert CodeSignature.objects.count() == codes and len(mail.outbox) == envoyes


ATTENTE = re.compile(r"Un code vient de vous être envoyé : vous pourrez en demander un nouveau dans (\d+)\xa0secondes?\.")


def test_second_code_du_signataire_dans_la_minute_dit_combien_attendre(dossier, client):
    c, _, _ = dossier
    cv = envoyee(c)
    url = reverse("conventions:signer", args=[conventions.jeton_signature(cv)])
    with commit():
        assert client.post(url, {"action": "code"}).status_code == 302
    codes, envoyes = CodeSignature.objects.count(), len(mail.outbox)
    with commit():
        reponse = client.post(url, {"action": "code"})
    assert reponse.status_code == 429
    html = unescape(reponse.content.decode())
    attente = ATTENTE.search(html)
    assert attente and 1 <= int(attente[1]) <= 60 and reponse["Retry-After"] == attente[1]
    assert 'id="attente-code"' in html and "fr-alert--info" in html
    assert "La convention n'a pas été signée" not in html and "fr-alert--error" not in html
    assert "Signer la convention n° " in html  # the signing page itself, its form still there
    assert CodeSignature.objects.count() == codes and len(mail.outbox) == envoyes


def test_second_code_du_dg_dans_la_minute_dit_combien_attendre(dossier, client):
    c, _, _ = dossier
    a = signee_es(envoyee(c))
    se_connecter(client, dg_ans())
    url = reverse("conventions:contresigner")
    with commit():
        assert client.post(url, {"action": "code", "conventions": [a.pk]}).status_code == 200
    codes = CodeSignature.objects.count()
    with commit():
        reponse = client.post(url, {"action": "code", "conventions": [a.pk]})
    assert reponse.status_code == 429 and 1 <= int(reponse["Retry-After"]) <= 60
    html = unescape(reponse.content.decode())
    assert ATTENTE.search(html) and "Aucune convention n'a été contresignée" not in html
    assert CodeSignature.objects.count() == codes
