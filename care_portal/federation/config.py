"""The identity providers, as configured from the environment (settings.CARE_FEDERATION).

A provider is *active* when its discovery URL, client id and client secret are all set; the login
page offers only the active ones. Nothing set: no federated login at all, the portal works as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

LIBELLES = {"proconnect": "ProConnect", "psc": "Pro Santé Connect"}


@dataclass(frozen=True)
class Fournisseur:
    nom: str  # "proconnect" | "psc": in URLs, the session and the linked identities
    libelle: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    acr_values: str
    mfa_acr: tuple[str, ...]
    mfa_amr: tuple[str, ...]
    pkce: bool

    @property
    def redirect_uri(self) -> str:
        """Absolute, from SITE_URL: it must equal the URI registered at the provider."""
        return settings.SITE_URL + reverse("federation:retour", args=[self.nom])

    def atteste_mfa(self, *, acr: str | None, amr) -> bool:
        """Whether the provider says the login used several factors (this provider's rule)."""
        if acr and acr in self.mfa_acr:
            return True
        amr = [amr] if isinstance(amr, str) else list(amr or [])
        return any(valeur in self.mfa_amr for valeur in amr)


def _lire(nom: str, brut: dict) -> Fournisseur:
    return Fournisseur(
        nom=nom, libelle=LIBELLES.get(nom, nom),
        discovery_url=(brut.get("DISCOVERY_URL") or "").strip(),
        client_id=(brut.get("CLIENT_ID") or "").strip(),
        client_secret=brut.get("CLIENT_SECRET") or "",
        scopes=" ".join((brut.get("SCOPES") or "openid").split()),
        acr_values=(brut.get("ACR_VALUES") or "").strip(),
        mfa_acr=tuple(v for v in brut.get("MFA_ACR") or () if v),
        mfa_amr=tuple(v for v in brut.get("MFA_AMR") or () if v),
        pkce=bool(brut.get("PKCE", True)),
    )


def fournisseurs_actifs() -> list[Fournisseur]:
    fournisseurs = [_lire(nom, brut) for nom, brut in getattr(settings, "CARE_FEDERATION", {}).items()]
    return [f for f in fournisseurs if f.discovery_url and f.client_id and f.client_secret]


def fournisseur_actif(nom: str) -> Fournisseur | None:
    return next((f for f in fournisseurs_actifs() if f.nom == nom), None)


def url_apres_deconnexion() -> str:
    return settings.SITE_URL + reverse("federation:deconnexion_retour")
