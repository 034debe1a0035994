"""Login lockout (django-axes, AXES_HANDLER): per account whatever the address, per address whatever
the account, and a notice to the account's owner.

- An account is locked after AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME, from any number
  of addresses (80 guesses from 20 addresses no longer work).
- An address is locked after CARE_ECHECS_MAX_PAR_ADRESSE failures, on any accounts (one guess on
  30 accounts no longer goes unnoticed). Higher than the per-account limit: a hospital's staff
  may share one NAT address.
- axes compares one number with AXES_FAILURE_LIMIT; ``get_failures`` therefore returns the larger
  of the account's failures and the address's failures scaled to that limit.
- A successful login forgives that account's own failures only (``reset_user_attempts``).
- The owner of a locked account gets one e-mail per lockout (the cache remembers it while the
  lockout lasts); a lockout of the address alone tells nobody (it names no account).
"""

from __future__ import annotations

import hashlib

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone


def _echecs(request, **filtre) -> int:
    qs = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request), **filtre)
    return qs.aggregate(n=Sum("failures_since_start"))["n"] or 0


def echecs_du_compte(request, username: str | None) -> int:
    return _echecs(request, username=username) if username else 0


def echecs_de_l_adresse(request) -> int:
    ip = getattr(request, "axes_ip_address", None)
    return _echecs(request, ip_address=ip) if ip else 0


class VerrouillageHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        limite = settings.AXES_FAILURE_LIMIT
        par_compte = echecs_du_compte(request, get_client_username(request, credentials))
        # n >= CARE_ECHECS_MAX_PAR_ADRESSE exactly when n * limite // max >= limite
        par_adresse = echecs_de_l_adresse(request) * limite // settings.CARE_ECHECS_MAX_PAR_ADRESSE
        return max(par_compte, par_adresse)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login (AXES_RESET_ON_SUCCESS), forgive only that account's failures.
        axes would also delete every failure from the address: one valid account would then wipe
        the count of guesses made on other accounts from there."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is not None and getattr(request, "axes_locked_out", False):
            prevenir_titulaire(request, get_client_username(request, credentials))


def prevenir_titulaire(request, username: str | None) -> bool:
    """E-mail the owner of ``username`` when *their account* is locked, once per lockout.
    Returns whether a notice was sent."""
    from care_portal.notifications.services import envoyer_email

    from .models import User

    if echecs_du_compte(request, username) < settings.AXES_FAILURE_LIMIT:
        return False  # locked because of the address only
    delai = get_cool_off(request)
    secondes = int(delai.total_seconds()) if delai else 900
    cle = "verrouillage-prevenu:" + hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    if not cache.add(cle, 1, timeout=secondes):
        cache.touch(cle, secondes)  # the lockout goes on: still the same one
        return False
    user = User.objects.filter(email__iexact=username, is_active=True).first()
    if user is None:
        return False
    envoyer_email([user.email], "Votre compte est temporairement bloqué", "compte_verrouille", {
        "user": user, "minutes": max(1, secondes // 60), "le": timezone.localtime(),
        "lien_mot_de_passe": settings.SITE_URL + reverse("comptes:mot_de_passe_oublie"),
    })
    return True
