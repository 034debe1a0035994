"""Authentication pages: login, logout, two-factor (TOTP + backup codes), passwords.

Agents (ARS, ANS) — and ES users who enrolled — go from the password to the second factor;
SecuriteSessionMiddleware keeps them there until their session is OTP-verified.
No page says whether an address has an account (same messages, same "e-mail sent" page).
"""

from __future__ import annotations

import time
from datetime import timedelta

import django_otp
from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from care_portal.core.limitation import limiter
from care_portal.federation.deconnexion import url_deconnexion_fournisseur

from .. import services, totp
from ..forms_auth import (
    ChangementMotDePasseForm,
    CodeForm,
    ConnexionForm,
    ReinitialisationDemandeForm,
    ReinitialisationForm,
)
from ..middleware import CLE_DEBUT
from ..selectors import habilitations

CLE_CODES_A_AFFICHER = "codes_secours_a_afficher"


# --- helpers ------------------------------------------------------------------------------------

def _suivant(request) -> str:
    """The ``next`` URL of the request when it is a safe, local one; else ""."""
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


def _avec_suivant(url: str, suivant: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: suivant})}" if suivant else url


def _accueil(suivant: str = "") -> str:
    return suivant or resolve_url(settings.LOGIN_REDIRECT_URL)


def _est_verifie(request) -> bool:
    verifie = getattr(request.user, "is_verified", None)
    return bool(verifie and verifie())


def _etape_suivante(request, suivant: str) -> str:
    """Where a user goes once the password is accepted: the second factor when they need it."""
    user = request.user
    if totp.otp_requis(user) and not _est_verifie(request):
        cible = "comptes:totp_verification" if totp.a_un_appareil_confirme(user) else "comptes:totp_enrolement"
        return _avec_suivant(reverse(cible), suivant)
    return _accueil(suivant)


def _message_echec(resultat: totp.Verification) -> str:
    if resultat.bloque_jusqua:
        heure = date_format(timezone.localtime(resultat.bloque_jusqua), "H:i:s")
        return (f"Trop de codes incorrects : par sécurité, patientez jusqu'à {heure} avant de saisir un "
                "nouveau code.")
    return ("Ce code n'est pas valide ou a déjà été utilisé. Saisissez le code affiché en ce moment par votre "
            "application (il change toutes les 30 secondes) ou l'un de vos codes de secours.")


def _contexte_totp(request, **contexte) -> dict:
    return {"demo_totp": settings.CARE_DEMO_TOTP, "est_agent": habilitations(request.user).est_agent,
            "next": _suivant(request), **contexte}


# --- login, logout --------------------------------------------------------------------------------

@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def connexion(request):
    suivant = _suivant(request)
    if request.method != "POST":
        if request.user.is_authenticated:
            return redirect(_etape_suivante(request, suivant))
        form = ConnexionForm(request)
    else:
        form = ConnexionForm(request, data=request.POST)
        if form.is_valid():
            auth_login(request, form.get_user())  # new session key (and a flushed session for another user)
            request.session[CLE_DEBUT] = int(time.time())  # the SESSION_COOKIE_AGE limit starts again
            return redirect(_etape_suivante(request, suivant))
        if form.has_error(NON_FIELD_ERRORS, "email_non_verifie"):
            # The password was right: the address owner may get a new link (a few per hour).
            refus = limiter(request, "verification_email", compte=str(form.get_user().pk))
            if refus:
                return refus
            services.envoyer_verification_email(form.get_user())
    return render(request, "comptes/connexion.html", {
        "form": form, "next": suivant, "title": "Connexion",
        "email_non_verifie": form.has_error(NON_FIELD_ERRORS, "email_non_verifie") if form.is_bound else False,
    })


@require_POST
def deconnexion(request):
    # a session opened through ProConnect / Pro Santé Connect also ends at the provider (read before logout)
    fin_chez_fournisseur = url_deconnexion_fournisseur(request)
    auth_logout(request)
    messages.success(request, "Vous êtes déconnecté.")
    return redirect(fin_chez_fournisseur or settings.LOGOUT_REDIRECT_URL)


def verrouillage(request, original_response=None, credentials=None):
    """django-axes lockout response (AXES_LOCKOUT_CALLABLE): a French page, status 429."""
    delai = get_cool_off(request) or timedelta(minutes=15)
    minutes = max(1, round(delai.total_seconds() / 60))
    return render(request, "comptes/verrouille.html", {
        "title": "Connexion bloquée", "minutes": minutes,
        "reessayer_a": timezone.localtime() + delai,
    }, status=settings.AXES_HTTP_RESPONSE_CODE)


# --- two-factor -------------------------------------------------------------------------------------

@never_cache
@require_GET
def totp_activation(request, jeton: str):
    """The link an ANS admin's allowance e-mails to an agent: this session may then enrol, once
    logged in as that agent (the link alone, without the password, opens nothing)."""
    user = totp.utilisateur_du_jeton(jeton)
    if user is None:
        return render(request, "comptes/totp_enrolement_refuse.html", {
            "title": "Lien d'activation inutilisable", "lien_invalide": True}, status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return render(request, "comptes/totp_enrolement_refuse.html", {
            "title": "Lien d'activation inutilisable", "autre_compte": True}, status=403)
    request.session[totp.CLE_ENROLEMENT] = jeton  # kept by the login (same session, new key)
    if not request.user.is_authenticated:
        messages.info(request, "Connectez-vous avec votre adresse e-mail et votre mot de passe pour activer la "
                               "double authentification.")
        return redirect(_avec_suivant(reverse("comptes:connexion"), reverse("comptes:totp_enrolement")))
    return redirect("comptes:totp_enrolement")


@login_required
@never_cache
def totp_enrolement(request):
    user, suivant = request.user, _suivant(request)
    if totp.a_un_appareil_confirme(user):
        if not _est_verifie(request):  # adding a device needs the current one first
            return redirect(_avec_suivant(reverse("comptes:totp_verification"), suivant))
        messages.info(request, "La double authentification est déjà activée sur votre compte.")
        return redirect(_accueil(suivant))
    if not totp.enrolement_ouvert(user, request.session.get(totp.CLE_ENROLEMENT)):
        # no trust on first use: an agent enrols only from the link of an ANS admin's allowance
        return render(request, "comptes/totp_enrolement_refuse.html", {
            "title": "Activation de la double authentification", "lien_invalide": False}, status=403)
    device = totp.appareil_en_cours(user)
    form = CodeForm(request.POST if request.method == "POST" else None, enrolement=True)
    if form.is_bound and form.is_valid():
        resultat = totp.appareil_confirmer(user=user, device=device, code=form.cleaned_data["code"])
        if resultat.ok:
            django_otp.login(request, resultat.device)
            request.session.cycle_key()
            request.session.pop(totp.CLE_ENROLEMENT, None)
            request.session[CLE_CODES_A_AFFICHER] = totp.codes_secours_generer(user)
            messages.success(request, "La double authentification est activée sur votre compte.")
            return redirect(_avec_suivant(reverse("comptes:codes_secours"), suivant))
        form.add_error("code", _message_echec(resultat))
    return render(request, "comptes/totp_enrolement.html", _contexte_totp(
        request, form=form, title="Activer la double authentification",
        qr_code=totp.qr_code_data_uri(device), secret=totp.secret_base32(device),
    ))


@login_required
@never_cache
def totp_verification(request):
    user, suivant = request.user, _suivant(request)
    if _est_verifie(request):
        return redirect(_accueil(suivant))
    if not totp.a_un_appareil_confirme(user):
        if habilitations(user).est_agent:
            return redirect(_avec_suivant(reverse("comptes:totp_enrolement"), suivant))
        return redirect(_accueil(suivant))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        resultat = totp.verifier_code(user, form.cleaned_data["code"])
        if resultat.ok:
            django_otp.login(request, resultat.device)
            request.session.cycle_key()
            if resultat.code_secours:
                restants = totp.codes_secours_restants(user)
                messages.warning(request, f"Vous vous êtes connecté avec un code de secours : il vous en reste "
                                          f"{restants}. Générez-en de nouveaux depuis la page « Codes de secours ».")
            return redirect(_accueil(suivant))
        form.add_error("code", _message_echec(resultat))
    return render(request, "comptes/totp_verification.html", _contexte_totp(
        request, form=form, title="Vérification en deux étapes",
    ))


@login_required
@never_cache
def codes_secours(request):
    user, suivant = request.user, _suivant(request)
    if not _est_verifie(request):
        if totp.a_un_appareil_confirme(user):
            return redirect(_avec_suivant(reverse("comptes:totp_verification"), reverse("comptes:codes_secours")))
        messages.info(request, "Activez d'abord la double authentification : les codes de secours la complètent.")
        return redirect("comptes:totp_enrolement")
    if request.method == "POST":
        request.session[CLE_CODES_A_AFFICHER] = totp.codes_secours_generer(user)
        messages.success(request, "De nouveaux codes de secours ont été générés : les précédents ne sont plus "
                                  "valables.")
        return redirect(_avec_suivant(reverse("comptes:codes_secours"), suivant))
    codes = request.session.pop(CLE_CODES_A_AFFICHER, None)  # shown once
    return render(request, "comptes/codes_secours.html", {
        "title": "Codes de secours", "codes": codes, "restants": totp.codes_secours_restants(user),
        "suivant": _accueil(suivant), "next": suivant,
    })


# --- passwords ----------------------------------------------------------------------------------------

class MotDePasseOublieView(auth_views.PasswordResetView):
    """Same answer whatever the address: the "e-mail sent" page (Django sends only to known,
    active accounts)."""

    form_class = ReinitialisationDemandeForm
    template_name = "comptes/mot_de_passe_oublie.html"
    success_url = reverse_lazy("comptes:mot_de_passe_oublie_envoye")
    extra_context = {"title": "Mot de passe oublié"}

    def form_valid(self, form):
        refus = limiter(self.request, "mot_de_passe", email=form.cleaned_data["email"])
        if refus:  # nothing sent
            return refus
        self.extra_email_context = {"heures": settings.PASSWORD_RESET_TIMEOUT // 3600}
        return super().form_valid(form)


class MotDePasseOublieEnvoyeView(auth_views.PasswordResetDoneView):
    template_name = "comptes/mot_de_passe_oublie_envoye.html"
    extra_context = {"title": "Vérifiez votre messagerie"}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "heures": settings.PASSWORD_RESET_TIMEOUT // 3600}


class MotDePasseReinitialiserView(auth_views.PasswordResetConfirmView):
    """The link carries Django's token: it expires (PASSWORD_RESET_TIMEOUT) and dies once the
    password has changed. Other sessions end with the old password hash."""

    form_class = ReinitialisationForm
    template_name = "comptes/mot_de_passe_reinitialiser.html"
    success_url = reverse_lazy("comptes:mot_de_passe_reinitialise")
    extra_context = {"title": "Nouveau mot de passe"}

    def form_valid(self, form):
        reponse = super().form_valid(form)
        # The mailbox owner proved who they are: a lockout on their address is lifted.
        axes_reset(username=form.user.email.lower())
        return reponse


class MotDePasseReinitialiseView(auth_views.PasswordResetCompleteView):
    template_name = "comptes/mot_de_passe_reinitialise.html"
    extra_context = {"title": "Mot de passe modifié"}


class MotDePasseChangerView(auth_views.PasswordChangeView):
    """Django keeps this session (update_session_auth_hash) and ends the others."""

    form_class = ChangementMotDePasseForm
    template_name = "comptes/mot_de_passe_changer.html"
    success_url = reverse_lazy("comptes:accueil_role")
    extra_context = {"title": "Changer de mot de passe"}

    def form_valid(self, form):
        reponse = super().form_valid(form)
        messages.success(self.request, "Votre mot de passe est modifié. Vos autres sessions ouvertes ont été "
                                       "fermées.")
        return reponse


mot_de_passe_oublie = MotDePasseOublieView.as_view()
mot_de_passe_oublie_envoye = MotDePasseOublieEnvoyeView.as_view()
mot_de_passe_reinitialiser = MotDePasseReinitialiserView.as_view()
mot_de_passe_reinitialise = MotDePasseReinitialiseView.as_view()
mot_de_passe_changer = MotDePasseChangerView.as_view()
