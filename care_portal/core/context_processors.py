"""The interface shell's context: who is logged in and the navigation of their roles.

``interface`` gives every template rendered with a request an ``interface`` object (base.html):

- ``identite``: the user's name, main role and its structure or region (None when anonymous);
- ``navigation``: the links of the header's menu for the user's roles, with ``actif`` for the
  current page (aria-current);
- ``verification_requise``: an agent (or an enrolled ES user) whose second factor is still to be
  entered sees only the logout button: SecuriteSessionMiddleware would send the other links back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import habilitations
from care_portal.core import etapes


@dataclass(frozen=True)
class Lien:
    libelle: str
    url: str
    actif: bool = False
    enfants: tuple[Lien, ...] = ()  # a DSFR sub-menu (the link itself is then a button)


@dataclass(frozen=True)
class Identite:
    nom: str
    role: str  # label of the main role, or the state of the account
    portee: str  # structure, region or "Agence du Numérique en Santé"; "" when none
    autres_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Interface:
    identite: Identite | None = None
    navigation: tuple[Lien, ...] = ()
    verification_requise: bool = False
    double_authentification_active: bool = False
    accueil_url: str = ""


def _vue_courante(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def _lien(request, libelle: str, url_name: str) -> Lien:
    return Lien(libelle, reverse(url_name), actif=_vue_courante(request) == url_name)


def _navigation(request, h) -> list[Lien]:
    """The role homes, then the work of each stage (entries registered by the stage apps, in lifecycle
    order: care_portal.core.etapes), then the memberships."""
    from care_portal.comptes.views.espace import espaces_de

    liens = [_lien(request, e.libelle, f"comptes:{e.url_name}") for e in espaces_de(h)]
    vus = set()
    entrees = [e for e in etapes.entrees(h) if not ((e.url_name, e.requete) in vus or vus.add((e.url_name, e.requete)))]
    courante, requete = _vue_courante(request), request.GET.urlencode()
    filtree = any(e.url_name == courante and e.requete and e.requete == requete for e in entrees)
    groupes: dict[str, list] = {}
    for e in entrees:
        if e.groupe:
            groupes.setdefault(e.groupe, []).append(e)
    places: set[str] = set()

    def lien_de(e) -> Lien:  # a filtered entry is the current page only with its filter
        return Lien(e.libelle, e.url(),
                    actif=e.url_name == courante and (e.requete == requete if e.requete else not filtree))

    for e in entrees:
        lien = lien_de(e)
        if e.groupe and len(groupes[e.groupe]) > 1:
            if e.groupe in places:
                continue
            places.add(e.groupe)
            enfants = tuple(lien_de(x) for x in groupes[e.groupe])
            lien = Lien(e.groupe, "", actif=any(x.actif for x in enfants), enfants=enfants)
        liens.append(lien)
    if Role.REFERENT_ES in h.roles:
        liens.append(_lien(request, "Invitations", "comptes:invitations"))
        liens.append(_lien(request, "Rattachements à confirmer", "comptes:rattachements"))
    elif h.est_ars or h.est_admin:
        liens.append(_lien(request, "Rattachements", "comptes:rattachements"))
    if not h.roles:
        liens.append(_lien(request, "Mes demandes", "comptes:en_attente"))
    return liens


def _est_verifie(user) -> bool:
    est_verifie = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return bool(est_verifie and est_verifie())


def _verification_requise(request, user, h) -> bool:
    if _est_verifie(user):
        return False
    if h.est_agent:
        return True
    connu = getattr(request, "appareil_confirme", None)  # the session middleware's answer, same request
    if connu is not None:
        return connu
    from care_portal.comptes.totp import a_un_appareil_confirme

    return a_un_appareil_confirme(user)


def interface(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"interface": Interface(navigation=(_lien(request, "Accueil", "core:accueil"),),
                                       accueil_url=reverse("core:accueil"))}
    from care_portal.comptes.views.espace import espace_principal, rattachements_par_priorite

    h = habilitations(user)
    rattachements = rattachements_par_priorite(h)
    if rattachements:
        principal = rattachements[0]
        identite = Identite(
            nom=str(user), role=principal.get_role_display(), portee=principal.portee_libelle,
            autres_roles=tuple(f"{r.get_role_display()} — {r.portee_libelle}" for r in rattachements[1:]),
        )
    else:
        identite = Identite(nom=str(user), role="Rattachement en attente de confirmation", portee="")
    verification = _verification_requise(request, user, h)
    espace = espace_principal(h)
    return {"interface": Interface(
        identite=identite,
        navigation=() if verification else tuple(_navigation(request, h)),
        verification_requise=verification,
        double_authentification_active=_est_verifie(user),
        accueil_url=espace.url if espace else reverse("comptes:en_attente"),
    )}


CLE_CONFIG_DSFR = "core:dsfr:config:{langue}"


def site_config(request) -> dict:
    """django-dsfr's ``site_config`` (the header's and footer's texts, edited in the admin), read from the
    cache instead of the database on every page (issue 19); the cache is emptied when the admin saves it
    (core/apps.py)."""
    from django.core.cache import cache
    from django.utils.translation import get_language
    from dsfr.models import DsfrConfig

    cle = CLE_CONFIG_DSFR.format(langue=get_language())
    config = cache.get(cle)
    if config is None:
        config = DsfrConfig.objects.filter(language=get_language()).first() or DsfrConfig.objects.first()
        if config is not None:
            cache.set(cle, config, 300)
    return {"SITE_CONFIG": config}


def oublier_site_config(**_) -> None:
    from django.conf import settings
    from django.core.cache import cache

    cache.delete_many([CLE_CONFIG_DSFR.format(langue=code) for code, _nom in settings.LANGUAGES])
