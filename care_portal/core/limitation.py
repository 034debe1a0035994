"""Rate limits on the anonymous or e-mail-sending actions (sign-up, password reset, codes, searches).

A limit is a setting such as ``"5/h"`` (5 per hour; units s, m, h, d, optionally with a count:
``"20/15m"``). Counters live in the default cache — fixed windows, one key per (action, what is
counted, window) — through ``cache.add`` + ``cache.incr``, which are atomic on Redis and on the
local-memory cache alike. A view checks its limits *before* any write or e-mail:

    refus = limiter(request, "inscription", ip=True, email=data["email"])
    if refus:
        return refus   # 429, French page saying when to retry; nothing created, nothing sent
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

UNITES = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_FORMAT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Limite:
    nombre: int
    secondes: int


def lire_limite(valeur: str) -> Limite:
    """``"5/h"`` → Limite(5, 3600); ``"20/15m"`` → Limite(20, 900)."""
    m = _FORMAT.match(valeur or "")
    if not m:
        raise ValueError(f"Limite invalide : {valeur!r} (attendu par exemple « 5/h » ou « 20/15m »).")
    return Limite(int(m[1]), int(m[2] or 1) * UNITES[m[3]])


@checks.register(checks.Tags.security)
def verifier_limites(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A malformed CARE_LIMITE_* setting is reported at start-up, not as a 500 on the first sign-up."""
    erreurs = []
    for action, limites in getattr(settings, "CARE_LIMITES", {}).items():
        for quoi, valeur in limites.items():
            try:
                lire_limite(valeur)
            except ValueError as exc:
                erreurs.append(checks.Error(f"CARE_LIMITES[{action!r}][{quoi!r}] : {exc}", id="ecare.E010"))
    return erreurs


def adresse_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR (behind a proxy, the proxy must set it to the client's address); IPv6 addresses
    are counted per /64, what one client usually holds."""
    brute = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(brute)
    except ValueError:
        return "inconnue"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def compter(action: str, quoi: str, valeur: str, limite: Limite) -> int | None:
    """Count one more request; return the seconds to wait when it goes over ``limite``, else None."""
    maintenant = time.time()
    fenetre = int(maintenant // limite.secondes)
    empreinte = hashlib.sha256(str(valeur).strip().lower().encode()).hexdigest()[:32]
    cle = f"limite:{action}:{quoi}:{empreinte}:{fenetre}"
    cache.add(cle, 0, timeout=limite.secondes + 1)
    try:
        n = cache.incr(cle)
    except ValueError:  # expired between add and incr
        cache.add(cle, 1, timeout=limite.secondes + 1)
        n = 1
    if n > limite.nombre:
        return max(1, math.ceil((fenetre + 1) * limite.secondes - maintenant))
    return None


def attente(action: str, **cibles: str | None) -> int | None:
    """Count the request against each configured limit of ``action`` (settings.CARE_LIMITES[action],
    keyed ``ip``, ``email``, ``compte``…) for the given values; the longest wait if one is exceeded.
    Every counter is incremented, so a refused request still counts."""
    limites = settings.CARE_LIMITES.get(action, {})
    attentes = [
        compter(action, quoi, valeur, lire_limite(limites[quoi]))
        for quoi, valeur in cibles.items()
        if valeur and limites.get(quoi)
    ]
    attentes = [a for a in attentes if a]
    return max(attentes) if attentes else None


def reponse_429(request: HttpRequest, secondes: int, *, json: bool = False) -> HttpResponse:
    minutes = max(1, math.ceil(secondes / 60))
    reessayer_a = timezone.localtime() + timedelta(seconds=secondes)
    message = (f"Trop de demandes en peu de temps : par sécurité, réessayez dans {minutes} minute"
               f"{'s' if minutes > 1 else ''} (à partir de {reessayer_a:%H:%M}).")
    if json:
        reponse = JsonResponse({"erreur": message}, status=429)
    else:
        reponse = render(request, "429.html", {"title": "Trop de demandes", "minutes": minutes,
                                               "reessayer_a": reessayer_a, "message": message}, status=429)
    reponse["Retry-After"] = str(secondes)
    return reponse


def limiter(request: HttpRequest, action: str, *, ip: bool = True, json: bool = False,
            **cibles: str | None) -> HttpResponse | None:
    """The 429 response when one of ``action``'s limits is exceeded (counted per client address
    and per each of ``cibles``), else None."""
    if ip:
        cibles = {"ip": adresse_ip(request), **cibles}
    secondes = attente(action, **cibles)
    return reponse_429(request, secondes, json=json) if secondes else None
