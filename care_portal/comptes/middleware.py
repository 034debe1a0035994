"""Session security: compulsory second factor and an idle timeout for agents.

- A user whose session must be OTP-verified (every ARS and ANS agent, and an ES user who enrolled
  a TOTP device) reaches only the login, two-factor and logout pages until it is: enrolment
  (QR code) when they have no confirmed device yet, verification otherwise. This covers every
  page, the admin site included.
- An agent idle for longer than SESSION_INACTIVITE_AGENTS seconds is logged out; everyone is
  logged out SESSION_COOKIE_AGE seconds after logging in, however active (the cookie's own
  expiry slides each time the session is saved, so it is checked here too).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .selectors import habilitations
from .totp import a_un_appareil_confirme

CLE_ACTIVITE = "derniere_activite"
CLE_DEBUT = "debut_session"
PRECISION_ACTIVITE = 30  # seconds: the activity time is saved at most this often
CHEMINS_LIBRES = ("/static/", "/healthz", "/comptes/connexion", "/comptes/deconnexion", "/comptes/2fa/")


def _vers(nom_url: str, request) -> str:
    suivant = request.get_full_path() if request.method == "GET" else ""
    url = reverse(nom_url)
    return f"{url}?{urlencode({'next': suivant})}" if suivant else url


class SecuriteSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reponse = self._controler(request, user)
            if reponse is not None:
                return reponse
        return self.get_response(request)

    def _controler(self, request, user):
        maintenant = int(time.time())
        session = request.session
        debut = session.setdefault(CLE_DEBUT, maintenant)
        if maintenant - int(debut) > settings.SESSION_COOKIE_AGE:
            return self._expirer(request, "Votre session a expiré : reconnectez-vous.")
        agent = habilitations(user).est_agent
        if agent:
            derniere = session.get(CLE_ACTIVITE)
            if derniere is not None and maintenant - int(derniere) > settings.SESSION_INACTIVITE_AGENTS:
                return self._expirer(request, "Votre session a expiré après une période d'inactivité : "
                                              "reconnectez-vous.")
            if derniere is None or maintenant - int(derniere) >= PRECISION_ACTIVITE:
                session[CLE_ACTIVITE] = maintenant
        if request.path.startswith(CHEMINS_LIBRES) or user.is_verified():
            return None
        confirme = a_un_appareil_confirme(user)
        request.appareil_confirme = confirme  # read again by the header's context processor: one query
        if agent or confirme:
            return redirect(_vers("comptes:totp_verification" if confirme else "comptes:totp_enrolement", request))
        return None

    @staticmethod
    def _expirer(request, message: str):
        logout(request)
        messages.warning(request, message)
        return redirect(_vers("comptes:connexion", request))
