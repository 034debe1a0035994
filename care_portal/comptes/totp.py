"""Two-factor authentication (django-otp): a TOTP application and single-use backup codes.

- Agents (ARS, ANS) must use it; ES users may enrol, and once they have a confirmed device
  their login asks for the code too (``otp_requis``).
- Enrolment: an unconfirmed TOTPDevice is created and shown as a QR code; the first valid code
  confirms it (``appareil_confirmer``); 10 backup codes (StaticDevice) are then generated.
- Agents may not enrol on first use (a stolen password would be enough): an ANS admin allows it
  (``enrolement_autoriser``: the agent's devices are removed, ``enrolement_totp_autorise_le`` set,
  a link e-mailed). Enrolment is open only in a session that opened that link (``CLE_ENROLEMENT``)
  and logged in as that agent; the first confirmed device closes it. A second device or a reset
  needs an admin again. ES users, whose second factor is optional, enrol freely.
- Verification goes through ``django_otp.verify_token``: row lock, throttling (ThrottlingMixin)
  and, for TOTP, ``last_t`` so that a code already used is refused; a backup code is deleted
  when used.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.workflow.services import WorkflowError, journaliser

NOM_APPAREIL = "Application d'authentification"
NOM_CODES_SECOURS = "Codes de secours"
NB_CODES_SECOURS = 10
CLE_ENROLEMENT = "totp_enrolement_jeton"  # session key: the enrolment link this session opened
SEL_ENROLEMENT = "comptes.totp.enrolement"


def a_un_appareil_confirme(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_requis(user) -> bool:
    """Whether this user's session must be OTP-verified: every agent, and anyone who enrolled."""
    from .selectors import habilitations

    return habilitations(user).est_agent or a_un_appareil_confirme(user)


def appareil_confirme(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def appareil_en_cours(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one across reloads, so the QR code stays)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=NOM_APPAREIL, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as typed in an application by hand: base32, in groups of 4."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL of ``device`` as an SVG QR code in a data: URI (allowed by img-src)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def code_courant(device: TOTPDevice) -> str:
    """The code the device's application shows now (demo command only)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    bloque_jusqua: object = None  # datetime when throttled
    code_secours: bool = False

    @property
    def ok(self) -> bool:
        return self.device is not None


def _normaliser(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _bloque_jusqua(device) -> object:
    autorise, info = device.verify_is_allowed()
    if autorise:
        return None
    return (info or {}).get("locked_until") or timezone.now()


def _verifier(user, device, code: str) -> Verification:
    bloque = _bloque_jusqua(device)
    if bloque is not None:
        return Verification(None, bloque_jusqua=bloque)
    verifie = verify_token(user, device.persistent_id, code)
    return Verification(verifie, code_secours=isinstance(verifie, StaticDevice))


def verifier_code(user, code: str) -> Verification:
    """A 6-digit code is checked against the confirmed TOTP device, anything else against the
    backup codes. Each device throttles its own failures (delay doubling after each one)."""
    code = _normaliser(code)
    if re.fullmatch(r"\d{6}", code):
        device = appareil_confirme(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not code:
        return Verification(None)
    return _verifier(user, device, code)


def appareil_confirmer(*, user, device: TOTPDevice, code: str) -> Verification:
    """Confirm the enrolled device with its first code; other unconfirmed devices are removed.
    Side effect: log row ``comptes.totp.active``."""
    if device.user_id != user.pk or device.confirmed:
        return Verification(None)
    resultat = _verifier(user, device, _normaliser(code))
    if not resultat.ok:
        return resultat
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        get_user_model().objects.filter(pk=user.pk).update(enrolement_totp_autorise_le=None)  # link used up
        journaliser(user, "comptes.totp.active", acteur=user)
    return Verification(device)


def codes_secours_generer(user) -> list[str]:
    """Replace the user's backup codes with NB_CODES_SECOURS new ones (shown once, stored as tokens).
    Side effect: log row ``comptes.totp.codes_secours_generes``."""
    with transaction.atomic():
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=NOM_CODES_SECOURS, confirmed=True)
        StaticToken.objects.filter(device__user=user).delete()  # every previous code stops working
        codes = []
        while len(codes) < NB_CODES_SECOURS:
            code = StaticToken.random_token()
            if code not in codes and not code.isdigit():  # never mistaken for a TOTP code
                codes.append(code)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        journaliser(user, "comptes.totp.codes_secours_generes", acteur=user)
    return codes


def codes_secours_restants(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- agents' enrolment, allowed by an ANS admin ---------------------------------------------------

def enrolement_sur_autorisation(user) -> bool:
    """Agents enrol only through an admin's allowance; ES users enrol freely (optional for them)."""
    from .selectors import habilitations

    return habilitations(user).est_agent


def jeton_enrolement(user) -> str:
    return signing.dumps({"u": user.pk, "t": int(user.enrolement_totp_autorise_le.timestamp())},
                         salt=SEL_ENROLEMENT)


def utilisateur_du_jeton(jeton: str | None):
    """The user whose current enrolment allowance ``jeton`` carries, or None: expired
    (CARE_ENROLEMENT_TOTP_HEURES), tampered, superseded by a newer allowance or already used."""
    from .models import User

    if not jeton:
        return None
    try:
        data = signing.loads(jeton, salt=SEL_ENROLEMENT, max_age=settings.CARE_ENROLEMENT_TOTP_HEURES * 3600)
    except signing.BadSignature:  # SignatureExpired included
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.enrolement_totp_autorise_le is None:
        return None
    if int(user.enrolement_totp_autorise_le.timestamp()) != data.get("t"):
        return None
    return user


def enrolement_ouvert(user, jeton: str | None) -> bool:
    """Whether ``user`` may enrol a device now, in a session holding ``jeton``."""
    if not enrolement_sur_autorisation(user):
        return True
    autorise = utilisateur_du_jeton(jeton)
    return autorise is not None and autorise.pk == user.pk


def enrolement_autoriser(*, utilisateur, acteur) -> str:
    """An ANS admin (not the agent themself) allows ``utilisateur`` to enrol a new TOTP device;
    ``acteur=None`` is the server's operator (command ``autoriser_enrolement_totp``, e.g. for the
    first admin). Their devices and backup codes are removed (a lost phone, a reset), the allowance
    time is set and the enrolment link e-mailed; returns the link. Side effects: log row
    ``comptes.totp.enrolement_autorise``, e-mail ``totp_enrolement_autorise`` on commit."""
    from care_portal.notifications.services import envoyer_email

    from .models import User
    from .selectors import habilitations

    if acteur is not None and not habilitations(acteur).est_admin:
        raise WorkflowError("Seul un administrateur eCaRE de l'ANS peut autoriser l'activation de la double "
                            "authentification.", code="droit")
    if acteur is not None and acteur.pk == utilisateur.pk:
        raise WorkflowError("Un autre administrateur de l'ANS doit autoriser l'activation de votre propre double "
                            "authentification.", code="droit")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=utilisateur.pk)
        if not user.is_active:
            raise WorkflowError("Ce compte est désactivé.", code="etat")
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.enrolement_totp_autorise_le = timezone.now().replace(microsecond=0)
        user.save(update_fields=["enrolement_totp_autorise_le"])
        journaliser(user, "comptes.totp.enrolement_autorise", acteur=acteur)
        lien = settings.SITE_URL + reverse("comptes:totp_activation", args=[jeton_enrolement(user)])
        envoyer_email([user.email], "Activez la double authentification de votre compte",
                      "totp_enrolement_autorise",
                      {"user": user, "acteur": acteur, "lien_activation": lien,
                       "heures": settings.CARE_ENROLEMENT_TOTP_HEURES})
    return lien
