"""Login through ProConnect or Pro Santé Connect.

connexion → (provider) → retour → known identity: session opened;
                                  unknown: lier (password of the account with the same verified
                                  address) or inscription (the normal sign-up, prefilled).
The second factor: a provider's multi-factor login stands for TOTP (middleware.py); otherwise the
usual TOTP pages follow. Logout at the provider: ``url_deconnexion_fournisseur`` (called by the
portal's logout) and ``deconnexion_retour``.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate
from django.contrib.auth import login as auth_login
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from care_portal.comptes import totp
from care_portal.comptes.middleware import CLE_DEBUT
from care_portal.comptes.views.inscription import CLE_PREREMPLISSAGE
from care_portal.workflow.services import WorkflowError

from . import oidc, selectors, services
from .config import Fournisseur, fournisseur_actif
from .deconnexion import CLE_SESSION, SEL_DECONNEXION
from .forms import ConfirmationLiaisonForm
from .middleware import CLE_SECOND_FACTEUR

CLE_SUIVANT = "federation_suivant"  # the local page asked for before the login started
CLE_EN_ATTENTE = "federation_identite_en_attente"  # a verified identity not linked yet (+ "le")
EN_ATTENTE_SECONDES = 15 * 60
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _fournisseur_ou_404(nom: str) -> Fournisseur:
    f = fournisseur_actif(nom)
    if f is None:
        raise Http404("Fournisseur d'identité inconnu ou non configuré.")
    return f


def _page_connexion(suivant: str = "") -> str:
    url = reverse("comptes:connexion")
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: suivant})}" if suivant else url


def _suivant_sur(request: HttpRequest) -> str:
    url = request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


def _ouvrir_session(request: HttpRequest, lien, identite: oidc.IdentiteOIDC) -> HttpResponse:
    """Log the person in as the linked account; the second factor next unless the provider attested it."""
    suivant = request.session.get(CLE_SUIVANT, "")
    user = lien.utilisateur
    auth_login(request, user, backend=BACKEND)  # new session key (flushed for another user)
    request.session[CLE_DEBUT] = int(time.time())
    request.session[CLE_SESSION] = {"fournisseur": identite.fournisseur, "id_token": identite.id_token}
    request.session.pop(CLE_EN_ATTENTE, None)
    request.session.pop(CLE_SUIVANT, None)
    if identite.mfa:
        request.session[CLE_SECOND_FACTEUR] = {"u": user.pk, "fournisseur": identite.fournisseur}
    else:
        request.session.pop(CLE_SECOND_FACTEUR, None)
    services.connexion_federee_enregistrer(lien=lien, identite=identite)
    if totp.otp_requis(user) and not identite.mfa:
        cible = "comptes:totp_verification" if totp.a_un_appareil_confirme(user) else "comptes:totp_enrolement"
        url = reverse(cible)
        return redirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: suivant})}" if suivant else url)
    return redirect(suivant or resolve_url(settings.LOGIN_REDIRECT_URL))


@never_cache
@require_GET
def connexion(request: HttpRequest, fournisseur: str) -> HttpResponse:
    """The button of the login page: to the provider's authorization endpoint."""
    f = _fournisseur_ou_404(fournisseur)
    suivant = _suivant_sur(request)
    request.session[CLE_SUIVANT] = suivant
    try:
        return oidc.rediriger_vers_fournisseur(request, f)
    except oidc.FederationErreur as exc:
        messages.error(request, exc.message)
        return redirect(_page_connexion(suivant))


@never_cache
@require_GET
def retour(request: HttpRequest, fournisseur: str) -> HttpResponse:
    """The redirect URI: the provider's answer checked, then the known account or the linking."""
    f = _fournisseur_ou_404(fournisseur)
    try:
        identite = oidc.identite_du_retour(request, f)
    except oidc.FederationErreur as exc:
        messages.error(request, exc.message)
        return redirect(_page_connexion(request.session.get(CLE_SUIVANT, "")))
    lien = selectors.identite_liee(fournisseur=f.nom, sub=identite.sub)
    if lien is not None:
        if not lien.utilisateur.is_active:
            messages.error(request, "Ce compte eCaRE est désactivé : la connexion est refusée.")
            return redirect(_page_connexion())
        return _ouvrir_session(request, lien, identite)
    request.session[CLE_EN_ATTENTE] = {**identite.en_dict(), "le": int(time.time())}
    return redirect("federation:lier")


def _identite_en_attente(request: HttpRequest) -> oidc.IdentiteOIDC | None:
    donnees = request.session.get(CLE_EN_ATTENTE)
    if not donnees or int(time.time()) - int(donnees.get("le", 0)) > EN_ATTENTE_SECONDES:
        request.session.pop(CLE_EN_ATTENTE, None)
        return None
    return oidc.IdentiteOIDC.depuis_dict(donnees)


def _sans_identite(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Aucune connexion ProConnect ou Pro Santé Connect n'est en cours (ou elle a expiré) : "
                           "recommencez depuis la page de connexion.")
    return redirect("comptes:connexion")


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def lier(request: HttpRequest) -> HttpResponse:
    """First login with this identity: the account with the same verified address is linked once its
    owner gives its password (failures counted by django-axes, as on the login page); no such account:
    the sign-up, prefilled."""
    identite = _identite_en_attente(request)
    if identite is None:
        return _sans_identite(request)
    f = fournisseur_actif(identite.fournisseur)
    if f is None:
        return _sans_identite(request)
    compte = selectors.compte_a_lier(identite.email)
    form = ConfirmationLiaisonForm(request.POST if request.method == "POST" and compte else None)
    if compte is not None and form.is_bound and form.is_valid():
        user = authenticate(request, username=compte.email, password=form.cleaned_data["password"])
        if user is not None and user.pk == compte.pk:
            try:
                lien = services.identite_lier(utilisateur=user, identite=identite)
            except WorkflowError as exc:
                request.session.pop(CLE_EN_ATTENTE, None)
                messages.error(request, exc.message)
                return redirect("comptes:connexion")
            messages.success(request, f"Votre identité {f.libelle} est liée à votre compte eCaRE : vous pourrez "
                                      f"désormais vous connecter avec {f.libelle}.")
            return _ouvrir_session(request, lien, identite)
        form.add_error("password", "Mot de passe incorrect. Après plusieurs erreurs, la connexion est bloquée "
                                   "pendant quelques minutes.")
    return render(request, "federation/lier.html", {
        "title": f"Première connexion avec {f.libelle}", "fournisseur": f, "identite": identite,
        "compte": compte, "form": form,
    }, status=200 if not form.errors else 400)


@never_cache
@require_GET
def inscription(request: HttpRequest) -> HttpResponse:
    """No account to link: the normal sign-up with the identity's name and address prefilled (the
    address is still verified by e-mail, the membership still confirmed by the portal)."""
    identite = _identite_en_attente(request)
    if identite is None:
        return _sans_identite(request)
    request.session[CLE_PREREMPLISSAGE] = {"prenom": identite.prenom, "nom": identite.nom, "email": identite.email}
    return redirect("comptes:inscription")


@require_GET
def deconnexion_retour(request: HttpRequest) -> HttpResponse:
    """The post-logout redirect URI: back from the provider's end of session."""
    try:
        donnees = signing.loads(request.GET.get("state", ""), salt=SEL_DECONNEXION, max_age=3600)
    except signing.BadSignature:
        donnees = None
    f = fournisseur_actif((donnees or {}).get("f", ""))
    if f is not None:
        messages.info(request, f"Vous êtes aussi déconnecté de {f.libelle}.")
    return redirect(settings.LOGOUT_REDIRECT_URL)
