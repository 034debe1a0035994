"""The OpenID Connect client (Authlib's Django integration), one per configured provider.

- Authorization code flow: ``state`` and ``nonce`` kept in the session by Authlib (one entry per
  login started, an hour at most), PKCE (S256) when the provider announces it.
- The ID token's signature (the provider's JWKS), issuer, audience, expiry and nonce are checked by
  Authlib; a token without an ID token is refused. A userinfo answered as a signed JWT
  (``application/jwt``, as ProConnect does) is verified with the same keys, issuer and audience;
  its ``sub`` must be the ID token's.
- Every call to the provider has a timeout (CARE_FEDERATION_DELAI); a provider that does not
  answer gives ``FederationErreur(code="indisponible")``, never a 500.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .config import Fournisseur, url_apres_deconnexion

logger = logging.getLogger(__name__)

METADONNEES_DUREE = 3600  # seconds: the discovery document (and its keys) is read again after that


class FederationErreur(Exception):
    """A federated login that did not succeed, with a message for the user (French).

    ``code``: indisponible (the provider does not answer), refus (the provider or the person
    declined), state (no login started in this browser, or already used), jeton (an ID token or a
    userinfo refused: signature, expiry, nonce, issuer, audience), identite (no ``sub``)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _indisponible(f: Fournisseur) -> FederationErreur:
    return FederationErreur(
        f"{f.libelle} ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous avec "
        "votre adresse e-mail et votre mot de passe.", code="indisponible")


def _jeton_refuse(f: Fournisseur) -> FederationErreur:
    return FederationErreur(
        f"La réponse de {f.libelle} n'a pas pu être vérifiée (jeton expiré ou signature invalide) : la "
        "connexion est refusée. Recommencez, ou connectez-vous avec votre adresse e-mail et votre mot de passe.",
        code="jeton")


@dataclass
class IdentiteOIDC:
    """What the provider says about the person, once verified. Kept in the session as a dict."""

    fournisseur: str
    sub: str
    email: str = ""
    prenom: str = ""
    nom: str = ""
    acr: str = ""
    amr: list[str] = field(default_factory=list)
    mfa: bool = False
    id_token: str = ""  # the raw ID token: the id_token_hint of the logout

    def en_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def depuis_dict(cls, donnees: dict) -> IdentiteOIDC:
        return cls(**{k: v for k, v in donnees.items() if k in cls.__dataclass_fields__})


_clients: dict[tuple, DjangoOAuth2App] = {}
_verrou = threading.Lock()


def _client(f: Fournisseur) -> DjangoOAuth2App:
    """The provider's Authlib client, kept per configuration (its discovery document and JWKS are
    cached in it, for METADONNEES_DUREE seconds)."""
    cle = (f.nom, f.discovery_url, f.client_id, f.client_secret, f.scopes, settings.CARE_FEDERATION_DELAI)
    with _verrou:
        client = _clients.get(cle)
        if client is None:
            client = OAuth().register(
                name=f"federation_{f.nom}", client_id=f.client_id, client_secret=f.client_secret,
                server_metadata_url=f.discovery_url,
                client_kwargs={"scope": f.scopes, "default_timeout": settings.CARE_FEDERATION_DELAI},
            )
            _clients[cle] = client
        charge = client.server_metadata.get("_loaded_at")
        if charge and time.time() - charge > METADONNEES_DUREE:
            client.server_metadata.clear()
    return client


def _metadonnees(f: Fournisseur, client: DjangoOAuth2App) -> dict:
    try:
        metadonnees = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("federation %s : découverte impossible (%s)", f.nom, exc)
        raise _indisponible(f) from exc
    if not metadonnees.get("authorization_endpoint") or not metadonnees.get("token_endpoint"):
        client.server_metadata.clear()
        raise _indisponible(f)
    return metadonnees


def rediriger_vers_fournisseur(request: HttpRequest, f: Fournisseur) -> HttpResponseRedirect:
    """The redirect to the provider's authorization endpoint; state, nonce and PKCE verifier saved in
    the session."""
    client = _client(f)
    metadonnees = _metadonnees(f, client)
    if f.pkce and "S256" in (metadonnees.get("code_challenge_methods_supported") or []):
        client.client_kwargs["code_challenge_method"] = "S256"
    else:
        client.client_kwargs.pop("code_challenge_method", None)
    parametres = {}
    if f.acr_values:
        parametres["acr_values"] = f.acr_values
    if f.mfa_amr:  # amr is sent only when asked for (ProConnect)
        parametres["claims"] = json.dumps({"id_token": {"amr": {"essential": True}}})
    return client.authorize_redirect(request, f.redirect_uri, **parametres)


def _verifier_jwt(f: Fournisseur, client: DjangoOAuth2App, jeton: str, metadonnees: dict) -> dict:
    algorithmes = metadonnees.get("userinfo_signing_alg_values_supported") or \
        metadonnees.get("id_token_signing_alg_values_supported") or ["RS256"]
    registre = JWSRegistry(algorithms=[a for a in algorithmes if a != "none"])
    try:
        decode = jwt.decode(jeton, KeySet.import_key_set(client.fetch_jwk_set()), registry=registre)
    except InvalidKeyIdError:  # keys rotated since they were read
        decode = jwt.decode(jeton, KeySet.import_key_set(client.fetch_jwk_set(force=True)), registry=registre)
    claims = decode.claims
    if "iss" in claims and claims["iss"] != metadonnees.get("issuer"):
        raise _jeton_refuse(f)
    aud = claims.get("aud")
    if aud is not None and f.client_id not in ([aud] if isinstance(aud, str) else aud):
        raise _jeton_refuse(f)
    return claims


def _userinfo(f: Fournisseur, client: DjangoOAuth2App, jeton: dict, metadonnees: dict) -> dict:
    endpoint = metadonnees.get("userinfo_endpoint")
    if not endpoint:
        return {}
    # A plain bearer call: the access token is used at once (ProConnect's live 60 s, which Authlib's own
    # request would already count as expired with its 60 s leeway).
    reponse = requests.get(endpoint, headers={"Authorization": f"Bearer {jeton['access_token']}",
                                              "Accept": "application/jwt, application/json"},
                           timeout=settings.CARE_FEDERATION_DELAI)
    reponse.raise_for_status()
    if reponse.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/jwt":
        return _verifier_jwt(f, client, reponse.text.strip(), metadonnees)
    return reponse.json()


def identite_du_retour(request: HttpRequest, f: Fournisseur) -> IdentiteOIDC:
    """Check the provider's answer on the redirect URI and return the verified identity.
    Raises FederationErreur (state, refus, jeton, indisponible, identite)."""
    if request.GET.get("error"):
        logger.info("federation %s : refus du fournisseur (%s)", f.nom, request.GET.get("error"))
        raise FederationErreur(f"La connexion avec {f.libelle} a été annulée ou refusée. Vous pouvez réessayer, ou "
                               "vous connecter avec votre adresse e-mail et votre mot de passe.", code="refus")
    client = _client(f)
    try:
        metadonnees = _metadonnees(f, client)
        jeton = client.authorize_access_token(request, leeway=60)
        if not jeton.get("id_token") or not jeton.get("userinfo"):
            raise _jeton_refuse(f)
        claims_id = dict(jeton["userinfo"])  # the ID token's claims, verified by Authlib
        infos = _userinfo(f, client, jeton, metadonnees)
    except MismatchingStateError as exc:
        raise FederationErreur(
            "Cette demande de connexion a expiré ou n'a pas été lancée depuis ce navigateur : recommencez en "
            f"cliquant sur « Se connecter avec {f.libelle} ».", code="state") from exc
    except OAuthError as exc:  # the token endpoint refused the code
        logger.warning("federation %s : jeton refusé (%s)", f.nom, exc)
        raise FederationErreur(f"{f.libelle} a refusé la demande de connexion. Recommencez, ou connectez-vous avec "
                               "votre adresse e-mail et votre mot de passe.", code="refus") from exc
    except requests.RequestException as exc:
        logger.warning("federation %s : fournisseur injoignable (%s)", f.nom, exc)
        raise _indisponible(f) from exc
    except (JoseError, AuthlibBaseError, ValueError) as exc:  # signature, expiry, nonce, issuer, audience
        logger.warning("federation %s : jeton invalide (%r)", f.nom, exc)
        raise _jeton_refuse(f) from exc
    sub = str(claims_id.get("sub") or "")
    if not sub:
        raise FederationErreur(f"{f.libelle} n'a pas transmis d'identifiant : la connexion est refusée.",
                               code="identite")
    if infos and str(infos.get("sub") or "") != sub:
        raise _jeton_refuse(f)
    donnees = {**claims_id, **infos}
    amr = claims_id.get("amr") or []
    amr = [amr] if isinstance(amr, str) else [str(a) for a in amr]
    acr = str(claims_id.get("acr") or "")
    return IdentiteOIDC(
        fournisseur=f.nom, sub=sub,
        email=str(donnees.get("email") or "").strip().lower(),
        prenom=str(donnees.get("given_name") or "").strip(),
        nom=str(donnees.get("usual_name") or donnees.get("family_name") or "").strip(),
        acr=acr, amr=amr, mfa=f.atteste_mfa(acr=acr, amr=amr), id_token=jeton["id_token"],
    )


def url_fin_de_session(f: Fournisseur, *, id_token: str, state: str) -> str | None:
    """The provider's end_session_endpoint with id_token_hint, state and post_logout_redirect_uri;
    None when the provider announces none or does not answer (the portal's logout is done anyway)."""
    client = _client(f)
    try:
        metadonnees = _metadonnees(f, client)
    except FederationErreur:
        return None
    if not metadonnees.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=url_apres_deconnexion(), id_token_hint=id_token,
                                    state=state)["url"]
