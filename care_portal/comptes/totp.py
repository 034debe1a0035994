"""TOTP devices (django-otp) of a user."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice


def a_un_appareil_confirme(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
