"""A login at a provider that attests several factors stands for the portal's TOTP.

The federated login view writes ``CLE_SECOND_FACTEUR`` in the session (user id and provider) when
the provider's acr/amr shows a multi-factor login under that provider's rule (config.Fournisseur.
atteste_mfa). For that session ``user.is_verified()`` (django-otp) is then true, so the session
middleware, the menus and /healthz treat it as a verified session. Placed after OTPMiddleware.
A password login replaces the session (another user) or keeps it (same user, same attestation).
"""

from __future__ import annotations

import functools

from django.utils.functional import SimpleLazyObject

CLE_SECOND_FACTEUR = "federation_second_facteur"  # {"u": user id, "fournisseur": "proconnect"}


def _verifier(request, user):
    if getattr(user, "is_authenticated", False):
        atteste = request.session.get(CLE_SECOND_FACTEUR) or {}
        if atteste.get("u") == user.pk:
            user.is_verified = lambda: True
    return user


class SecondFacteurFedereMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(functools.partial(_verifier, request, user))
        return self.get_response(request)
