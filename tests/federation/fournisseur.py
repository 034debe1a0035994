"""A real OpenID provider for the tests, served on the loopback interface in a thread.

It speaks the authorization code flow as ProConnect does: discovery document, JWKS, authorization
endpoint (the person is already logged in there: it answers at once with a code), token endpoint
(client_secret_basic, PKCE S256 checked), ID token and userinfo signed RS256 with a real RSA key
(userinfo as ``application/jwt``, or JSON), end_session endpoint. Switches let a test make it
misbehave: another signing key, an expired token, a wrong nonce, no MFA in ``amr``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

KID = "cle-de-test"


def cle_rsa() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"}, private=True)


def port_ferme() -> int:
    """A loopback port where nothing listens (a provider that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Serveur(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Silencieux(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class FournisseurOIDC:
    cle: RSAKey
    client_id: str = "ecare-test"
    client_secret: str = "secret-de-test"
    # who is logged in at the provider
    sub: str = "sub-0001"
    claims: dict = field(default_factory=lambda: {
        "email": "camille.martin@ars.sante.fr", "given_name": "Camille", "usual_name": "Martin"})
    acr: str = "eidas1"
    amr: list = field(default_factory=lambda: ["pwd"])
    # switches
    cle_signature: RSAKey | None = None  # sign tokens with this key instead (same kid): bad signature
    cle_signature_userinfo: RSAKey | None = None
    duree_jeton: int = 300  # seconds; negative: the ID token is already expired
    nonce_force: str | None = None
    userinfo_signe: bool = True
    pkce: bool = True
    # what it received
    autorisations: list = field(default_factory=list)
    echanges: list = field(default_factory=list)
    fins_de_session: list = field(default_factory=list)
    ids_token: list = field(default_factory=list)
    _codes: dict = field(default_factory=dict)
    _jetons: dict = field(default_factory=dict)
    _serveur: object = None

    # --- life -----------------------------------------------------------------------------------------
    def demarrer(self) -> FournisseurOIDC:
        self._serveur = make_server("127.0.0.1", 0, self.app, server_class=_Serveur, handler_class=_Silencieux)
        threading.Thread(target=self._serveur.serve_forever, daemon=True).start()
        return self

    def arreter(self) -> None:
        self._serveur.shutdown()
        self._serveur.server_close()

    def reinitialiser(self) -> None:
        defaut = FournisseurOIDC(cle=self.cle)
        for nom in ("sub", "claims", "acr", "amr", "cle_signature", "cle_signature_userinfo", "duree_jeton",
                    "nonce_force", "userinfo_signe", "pkce"):
            setattr(self, nom, getattr(defaut, nom))
        for liste in (self.autorisations, self.echanges, self.fins_de_session, self.ids_token):
            liste.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._serveur.server_port}"

    @property
    def discovery_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def configuration(self, **autres) -> dict:
        """The CARE_FEDERATION entry of this provider."""
        return {"DISCOVERY_URL": self.discovery_url, "CLIENT_ID": self.client_id,
                "CLIENT_SECRET": self.client_secret, "SCOPES": "openid email given_name usual_name",
                "ACR_VALUES": "eidas1", "MFA_ACR": [], "MFA_AMR": ["mfa"], "PKCE": True, **autres}

    # --- WSGI -------------------------------------------------------------------------------------------
    def app(self, environ, start_response):
        chemin = environ["PATH_INFO"]
        routes = {"/.well-known/openid-configuration": self._decouverte, "/jwks": self._jwks,
                  "/authorize": self._autoriser, "/token": self._jeton, "/userinfo": self._userinfo,
                  "/end_session": self._fin_de_session}
        route = routes.get(chemin)
        if route is None:
            statut, entetes, corps = "404 Not Found", [("Content-Type", "text/plain")], b"introuvable"
        else:
            statut, entetes, corps = route(environ)
        start_response(statut, entetes)
        return [corps]

    @staticmethod
    def _json(donnees, statut="200 OK"):
        return statut, [("Content-Type", "application/json")], json.dumps(donnees).encode()

    @staticmethod
    def _redirection(url):
        return "302 Found", [("Location", url)], b""

    def _decouverte(self, environ):
        doc = {
            "issuer": self.url, "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token", "userinfo_endpoint": self.url + "/userinfo",
            "end_session_endpoint": self.url + "/end_session", "jwks_uri": self.url + "/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
        if self.pkce:
            doc["code_challenge_methods_supported"] = ["S256"]
        return self._json(doc)

    def _jwks(self, environ):
        return self._json(KeySet([self.cle]).as_dict(private=False))

    def _autoriser(self, environ):
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.autorisations.append(params)
        if params.get("client_id") != self.client_id or params.get("response_type") != "code":
            return self._json({"error": "invalid_request"}, "400 Bad Request")
        code = secrets.token_urlsafe(16)
        self._codes[code] = params
        return self._redirection(params["redirect_uri"] + "?" + urlencode({"code": code, "state": params["state"]}))

    def _client_authentifie(self, environ, formulaire) -> bool:
        entete = environ.get("HTTP_AUTHORIZATION", "")
        if entete.startswith("Basic "):
            ident, _, secret = base64.b64decode(entete[6:]).decode().partition(":")
            return unquote(ident) == self.client_id and unquote(secret) == self.client_secret
        return formulaire.get("client_id") == self.client_id and formulaire.get("client_secret") == self.client_secret

    def _signer(self, claims: dict, cle: RSAKey | None) -> str:
        return jwt.encode({"alg": "RS256", "kid": KID, "typ": "JWT"}, claims, cle or self.cle)

    def _jeton(self, environ):
        taille = int(environ.get("CONTENT_LENGTH") or 0)
        formulaire = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(taille).decode()).items()}
        self.echanges.append(formulaire)
        if not self._client_authentifie(environ, formulaire):
            return self._json({"error": "invalid_client"}, "401 Unauthorized")
        demande = self._codes.pop(formulaire.get("code", ""), None)
        if demande is None or formulaire.get("redirect_uri") != demande["redirect_uri"]:
            return self._json({"error": "invalid_grant"}, "400 Bad Request")
        if demande.get("code_challenge"):
            verifier = formulaire.get("code_verifier", "").encode()
            attendu = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if attendu != demande["code_challenge"]:
                return self._json({"error": "invalid_grant", "error_description": "PKCE"}, "400 Bad Request")
        maintenant = int(time.time())
        claims = {"iss": self.url, "sub": self.sub, "aud": self.client_id, "iat": maintenant,
                  "exp": maintenant + self.duree_jeton, "auth_time": maintenant,
                  "nonce": self.nonce_force or demande.get("nonce"), "acr": self.acr, "amr": self.amr}
        id_token = self._signer(claims, self.cle_signature)
        self.ids_token.append(id_token)
        acces = secrets.token_urlsafe(24)
        self._jetons[acces] = True
        return self._json({"access_token": acces, "token_type": "Bearer", "expires_in": 60, "id_token": id_token,
                           "scope": demande.get("scope", "")})

    def _userinfo(self, environ):
        acces = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        if acces not in self._jetons:
            return self._json({"error": "invalid_token"}, "401 Unauthorized")
        infos = {"sub": self.sub, **self.claims}
        if not self.userinfo_signe:
            return self._json(infos)
        corps = self._signer({**infos, "iss": self.url, "aud": self.client_id}, self.cle_signature_userinfo)
        return "200 OK", [("Content-Type", "application/jwt; charset=utf-8")], corps.encode()

    def _fin_de_session(self, environ):
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.fins_de_session.append(params)
        cible = params.get("post_logout_redirect_uri")
        if not cible:
            return "200 OK", [("Content-Type", "text/plain")], b"deconnecte"
        return self._redirection(cible + "?" + urlencode({"state": params.get("state", "")}))


def suivre_chez_le_fournisseur(url: str) -> str:
    """GET ``url`` at the provider (as the browser would) and return where it redirects."""
    import requests

    reponse = requests.get(url, allow_redirects=False, timeout=5)
    assert reponse.status_code == 302, (reponse.status_code, reponse.text[:200])
    return reponse.headers["Location"]


def chemin_local(url: str) -> str:
    """The path and query of an absolute portal URL, for Django's test client."""
    parties = urlsplit(url)
    return parties.path + (f"?{parties.query}" if parties.query else "")
