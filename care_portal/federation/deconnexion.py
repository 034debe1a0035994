"""Logout at the provider (RP-initiated logout), read by the portal's logout view before the session ends."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest

from . import oidc
from .config import fournisseur_actif

CLE_SESSION = "federation_session"  # {"fournisseur", "id_token"}: written by a federated login
SEL_DECONNEXION = "federation.deconnexion"  # the state sent to the provider is signed: no session after logout


def url_deconnexion_fournisseur(request: HttpRequest) -> str | None:
    """The provider's end-session URL (id_token_hint, signed state, post-logout URI) when this session
    was opened through a provider; None otherwise, or when the provider does not answer."""
    session = request.session.get(CLE_SESSION) or {}
    f = fournisseur_actif(session.get("fournisseur") or "")
    if f is None or not session.get("id_token"):
        return None
    etat = signing.dumps({"f": f.nom}, salt=SEL_DECONNEXION)
    return oidc.url_fin_de_session(f, id_token=session["id_token"], state=etat)
