"""Two-factor authentication (django-otp): a TOTP application and single-use backup codes.

- Agents (ARS, ANS) must use it; ES users may enrol, and once they have a confirmed device
  their login asks for the code too (``otp_requis``).
- Enrolment: an unconfirmed TOTPDevice is created and shown as a QR code; the first valid code
  confirms it (``appareil_confirmer``); 10 backup codes (StaticDevice) are then generated.
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
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.workflow.services import journaliser

NOM_APPAREIL = "Application d'authentification"
NOM_CODES_SECOURS = "Codes de secours"
NB_CODES_SECOURS = 10


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
