"""Session security for agents (ARS, ANS): compulsory TOTP and an idle timeout.

- An agent whose session is not OTP-verified reaches only the login, two-factor and logout pages:
  enrolment (QR code) when they have no confirmed device yet, verification otherwise.
- An agent idle for longer than SESSION_INACTIVITE_AGENTS seconds is logged out.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import habilitations
from .totp import a_un_appareil_confirme

CLE_ACTIVITE = "derniere_activite"
CHEMINS_LIBRES = ("/static/", "/healthz", "/comptes/connexion", "/comptes/deconnexion", "/comptes/2fa/")


class SecuriteSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and habilitations(user).est_agent:
            maintenant = int(time.time())
            derniere = request.session.get(CLE_ACTIVITE)
            if derniere is not None and maintenant - int(derniere) > settings.SESSION_INACTIVITE_AGENTS:
                logout(request)
                messages.warning(request, "Votre session a expiré après une période d'inactivité : "
                                          "reconnectez-vous.")
                return redirect(f"{reverse('comptes:connexion')}?next={request.path}")
            request.session[CLE_ACTIVITE] = maintenant
            if not request.path.startswith(CHEMINS_LIBRES) and not user.is_verified():
                cible = "comptes:totp_verification" if a_un_appareil_confirme(user) else "comptes:totp_enrolement"
                return redirect(f"{reverse(cible)}?next={request.path}")
        return self.get_response(request)
