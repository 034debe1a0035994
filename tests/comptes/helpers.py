"""Shared helpers for the accounts tests (and any view test that needs a logged-in user).

    user = creer_utilisateur_avec_role(Role.REFERENT_ARS)          # confirmed membership, region 33's
    agent_verifie(client, user)                                     # logged in, TOTP verified
    connecter(client, es_user)                                      # logged in, no second factor

``ouvrir_enrolement(client, agent)`` stands for an ANS admin's allowance plus the e-mailed link opened
in that session: agents enrol only then.
``agent_verifie`` works for any user: it gives them a confirmed TOTP device and marks the
session as OTP-verified (the same session key django_otp.login writes).
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes import services
from care_portal.comptes.roles import ROLES_ARS, ROLES_ES
from care_portal.referentiel.models import Departement, Region
from tests.factories import EntiteJuridiqueFactory, UserFactory

MOT_DE_PASSE = "mot-de-passe-de-test-solide"  # the UserFactory's password


def region_de_test(code_departement: str = "33") -> Region:
    return Departement.objects.select_related("region").get(code=code_departement).region


def creer_utilisateur_avec_role(role: str, structure=None, region: Region | None = None, **champs):
    """A user with a verified e-mail and one confirmed membership (services.rattachement_creer_confirme).
    ES roles get ``structure`` (default: a new EJ in Gironde); the ARS role ``region`` (default:
    Nouvelle-Aquitaine); ANS roles no scope. Extra keyword arguments go to the UserFactory."""
    from django.utils import timezone

    champs.setdefault("email_verifie_le", timezone.now())
    user = UserFactory(**champs)
    if role in ROLES_ES:
        structure = structure or EntiteJuridiqueFactory()
    elif role in ROLES_ARS:
        region = region or region_de_test()
    services.rattachement_creer_confirme(utilisateur=user, role=role, acteur=None, structure=structure,
                                         region=region)
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached habilitations


def creer_appareil_totp(user, *, confirme: bool = True) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=confirme).first()
    return device or TOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=confirme)


def code_totp(device: TOTPDevice, *, decalage: int = 0) -> str:
    """The TOTP code of ``device`` now (``decalage`` steps later or earlier)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + decalage * device.step
    return f"{totp.token():0{device.digits}d}"


def creer_codes_secours(user, n: int = 3) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Codes de secours",
                                                   defaults={"confirmed": True})
    codes = [StaticToken.random_token() for _ in range(n)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


def connecter(client, user) -> None:
    """Log ``user`` in without a second factor (ES users; or an agent whose 2FA is under test)."""
    client.force_login(user)


def ouvrir_enrolement(client, user) -> str:
    """As if an ANS admin had allowed ``user``'s TOTP enrolment and they had opened the e-mailed link
    in ``client``'s session (log ``user`` in first). Returns the link's token."""
    from django.utils import timezone

    from care_portal.comptes import totp

    user.enrolement_totp_autorise_le = timezone.now().replace(microsecond=0)
    user.save(update_fields=["enrolement_totp_autorise_le"])
    jeton = totp.jeton_enrolement(user)
    session = client.session
    session[totp.CLE_ENROLEMENT] = jeton
    session.save()
    return jeton


def agent_verifie(client, user) -> TOTPDevice:
    """Log ``user`` in with a confirmed TOTP device and an OTP-verified session."""
    device = creer_appareil_totp(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
