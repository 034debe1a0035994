"""Public sign-up, e-mail verification, the queue of memberships to confirm, invitations.

Every page works without JavaScript; ``static/js/recherche-etablissement.js`` only adds a live
search to step 1 of the sign-up. Views are thin: selector → service → redirect + message.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from care_portal.core.limitation import limiter
from care_portal.core.pagination import paginer
from care_portal.notifications.services import envoyer_email
from care_portal.referentiel.models import GHT, EntiteJuridique, EtablissementGeographique
from care_portal.referentiel.recherche import (
    LIMITE,
    LONGUEUR_MIN,
    etablissement_par_valeur,
    rechercher_etablissements,
)
from care_portal.workflow.services import WorkflowError

from .. import services
from ..access import roles_requis
from ..forms import (
    MESSAGE_ETABLISSEMENT_INCONNU,
    InscriptionForm,
    InvitationCompteForm,
    InvitationForm,
    RechercheEtablissementForm,
    RefusForm,
)
from ..models import Invitation, Rattachement, User
from ..roles import Role
from ..selectors import habilitations, obtenir_ou_404, rattachements_a_decider

SESSION_INSCRIPTION = "inscription_envoyee"
# {prenom, nom, email} from an identity provider's first login (care_portal/federation): step 2 prefilled
CLE_PREREMPLISSAGE = "inscription_preremplissage"
PAR_PAGE = 20
DEJA_UN_COMPTE = ("Un compte existe déjà avec cette adresse e-mail : connectez-vous, puis ouvrez à nouveau ce "
                  "lien pour accepter l'invitation.")


# --- sign-up -----------------------------------------------------------------------------------

def _structure_de(etablissement: EtablissementGeographique | EntiteJuridique) -> GHT | EntiteJuridique:
    ej = etablissement.entite_juridique if isinstance(etablissement, EtablissementGeographique) else etablissement
    return services.structure_porteuse(ej)


def _etape_recherche(request: HttpRequest, *, erreur: str = "") -> HttpResponse:
    form = RechercheEtablissementForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if q and (refus := limiter(request, "recherche")):
        return refus
    resultats = rechercher_etablissements(q) if q else []
    return render(request, "comptes/inscription.html", {
        "title": "Créer un compte — votre établissement", "form": form, "q": q, "resultats": resultats,
        "trop_court": bool(q) and len(q) < LONGUEUR_MIN, "limite_atteinte": len(resultats) >= LIMITE,
        "erreur": erreur,
    })


def _etape_identite(request: HttpRequest, form: InscriptionForm, etablissement) -> HttpResponse:
    structure = _structure_de(etablissement) if etablissement else None
    return render(request, "comptes/inscription_identite.html", {
        "title": "Créer un compte — votre identité", "form": form, "etablissement": etablissement,
        "est_eg": isinstance(etablissement, EtablissementGeographique),
        "structure": structure, "est_ght": isinstance(structure, GHT),
        "q": request.GET.get("q", "") or request.POST.get("q", ""),
    })


def _adresse_deja_connue(email: str, password: str) -> None:
    """No account enumeration: the person gets the same page; the mailbox owner gets a notice."""
    make_password(password)  # the same work as a creation, so the answer takes as long
    envoyer_email([email], "Demande de création de compte", "inscription_adresse_existante", {
        "lien_connexion": settings.SITE_URL + reverse("comptes:connexion"),
        "lien_mot_de_passe": settings.SITE_URL + reverse("comptes:mot_de_passe_oublie"),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def inscription(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET ?q=): pick the establishment; step 2 (GET ?etablissement=…, then POST): identity,
    role, password. The account and the pending membership are created together, or not at all."""
    if request.user.is_authenticated:
        messages.info(request, "Vous êtes déjà connecté : votre compte existe.")
        return redirect("comptes:accueil_role")
    if request.method == "POST":
        form = InscriptionForm(request.POST)
        if not form.is_valid():
            etablissement = form.cleaned_data.get("etablissement") if "etablissement" not in form.errors else None
            return _etape_identite(request, form, etablissement)
        data = form.cleaned_data
        structure = _structure_de(data["etablissement"])
        # Before any write or e-mail: per address, per e-mail address and per structure (whose
        # référents, ARS and ANS admins are notified of each request).
        refus = limiter(request, "inscription", email=data["email"],
                        structure=f"{structure._meta.model_name}:{structure.pk}")
        if refus:
            return refus
        connue = User.objects.filter(email__iexact=data["email"]).exists()
        if not connue:
            try:
                with transaction.atomic():
                    user = services.compte_creer(
                        email=data["email"], password=data["password1"], prenom=data["prenom"], nom=data["nom"],
                        telephone=data["telephone"], fonction=data["fonction"],
                    )
                    services.rattachement_demander(utilisateur=user, role=data["role"],
                                                   etablissement=data["etablissement"])
                    services.envoyer_verification_email(user)
            except IntegrityError:  # the same address created concurrently
                connue = True
            except WorkflowError as exc:
                form.add_error(None, exc.message)
                return _etape_identite(request, form, data["etablissement"])
        if connue:
            _adresse_deja_connue(data["email"], data["password1"])
        request.session[SESSION_INSCRIPTION] = {"email": data["email"], "structure": str(structure)}
        return redirect("comptes:inscription_envoyee")

    valeur = request.GET.get("etablissement")
    if valeur is not None:
        etablissement = etablissement_par_valeur(valeur)
        if etablissement is None:
            return _etape_recherche(request, erreur=MESSAGE_ETABLISSEMENT_INCONNU)
        initial = {**request.session.get(CLE_PREREMPLISSAGE, {}), "etablissement": valeur}
        return _etape_identite(request, InscriptionForm(initial=initial), etablissement)
    return _etape_recherche(request)


@require_GET
def inscription_envoyee(request: HttpRequest) -> HttpResponse:
    envoi = request.session.get(SESSION_INSCRIPTION) or {}
    return render(request, "comptes/inscription_envoyee.html", {
        "title": "Vérifiez votre messagerie", "email": envoi.get("email", ""), "structure": envoi.get("structure", ""),
        "heures": settings.CARE_VERIFICATION_EMAIL_HEURES,
    })


@require_GET
def recherche_etablissements(request: HttpRequest) -> HttpResponse:
    """The live search of step 1 (JSON): public referential data, at most 20 results."""
    q = (request.GET.get("q") or "")[:100].strip()
    if refus := limiter(request, "recherche", json=True):
        return refus
    resultats = rechercher_etablissements(q)
    return JsonResponse({"q": q, "nombre": len(resultats), "limite_atteinte": len(resultats) >= LIMITE,
                         "resultats": [r.en_dict() for r in resultats]})


@never_cache
@require_http_methods(["GET", "POST"])
def verifier_email(request: HttpRequest, jeton: str) -> HttpResponse:
    """GET shows a button, POST verifies: mail scanners that prefetch links do not use them up."""
    if request.method == "POST":
        try:
            services.email_verifier(jeton=jeton)
        except WorkflowError as exc:
            return render(request, "comptes/verification_erreur.html",
                          {"title": "Lien de vérification inutilisable", "message": exc.message, "code": exc.code},
                          status=400)
        messages.success(request, "Votre adresse e-mail est confirmée. Vous pouvez vous connecter ; l'accès aux "
                                  "dossiers s'ouvrira dès que votre rattachement sera confirmé.")
        return redirect("comptes:connexion")
    return render(request, "comptes/verification.html", {"title": "Confirmer votre adresse e-mail"})


# --- memberships to decide -------------------------------------------------------------------

def _page_rattachements(request: HttpRequest, *, refus: tuple[int, RefusForm] | None = None) -> HttpResponse:
    qs = rattachements_a_decider(request.user).order_by("demande_le", "pk")
    pagination = paginer(request, qs, PAR_PAGE)
    page = pagination["page_obj"]
    lignes = []
    for r in page.object_list:
        form = refus[1] if refus and refus[0] == r.pk else RefusForm(prefix=f"refus-{r.pk}")
        lignes.append({"rattachement": r, "form_refus": form})
    return render(request, "comptes/rattachements.html", {
        "title": "Rattachements à confirmer", "page": page, **pagination, "lignes": lignes,
        "refus_en_erreur": refus[1] if refus else None,
    })


@never_cache
@require_GET
@roles_requis(Role.REFERENT_ES, Role.REFERENT_ARS, Role.ADMIN_ANS)
def rattachements(request: HttpRequest) -> HttpResponse:
    return _page_rattachements(request)


def _libelle(r: Rattachement) -> str:
    return f"{r.utilisateur} ({r.get_role_display()}, {r.portee_libelle})"


@login_required
@require_POST
def rattachement_confirmer(request: HttpRequest, pk: int) -> HttpResponse:
    r = obtenir_ou_404(rattachements_a_decider(request.user), pk=pk)
    try:
        services.rattachement_confirmer(rattachement=r, acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Rattachement confirmé : {_libelle(r)}. La personne en est informée par e-mail.")
    return redirect("comptes:rattachements")


@login_required
@require_POST
def rattachement_refuser(request: HttpRequest, pk: int) -> HttpResponse:
    r = obtenir_ou_404(rattachements_a_decider(request.user), pk=pk)
    form = RefusForm(request.POST, prefix=f"refus-{r.pk}")
    if not form.is_valid():
        return _page_rattachements(request, refus=(r.pk, form))
    try:
        services.rattachement_refuser(rattachement=r, acteur=request.user, motif=form.cleaned_data["motif"])
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Rattachement refusé : {_libelle(r)}. Le motif lui est transmis par e-mail.")
    return redirect("comptes:rattachements")


# --- invitations ---------------------------------------------------------------------------------

def _structures_referent(user) -> dict[str, GHT | EntiteJuridique]:
    """The structures where ``user`` is a confirmed référent ES, keyed by "ght:<id>" / "ej:<id>"."""
    return {
        (f"ght:{r.ght_id}" if r.ght_id else f"ej:{r.entite_juridique_id}"): r.structure
        for r in habilitations(user).rattachements if r.role == Role.REFERENT_ES
    }


def _invitations_de(structures):
    ghts = [s.pk for s in structures if isinstance(s, GHT)]
    ejs = [s.pk for s in structures if isinstance(s, EntiteJuridique)]
    return (Invitation.objects.filter(Q(ght_id__in=ghts) | Q(entite_juridique_id__in=ejs))
            .select_related("ght", "entite_juridique", "invite_par", "utilisee_par")
            .order_by("-cree_le", "-pk"))


@never_cache
@require_http_methods(["GET", "POST"])
@roles_requis(Role.REFERENT_ES)
def invitations(request: HttpRequest) -> HttpResponse:
    """A confirmed référent ES invites the DSI, RSSI and signatory of their structure."""
    structures = _structures_referent(request.user)
    choix = [(cle, str(s)) for cle, s in structures.items()]
    form = InvitationForm(request.POST or None, structures=choix)
    if request.method == "POST" and form.is_valid():
        try:
            inv, _jeton = services.invitation_creer(
                acteur=request.user, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                structure=structures[form.cleaned_data["structure"]],
            )
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Invitation envoyée à {inv.email} ({inv.get_role_display()}). "
                                      f"Le lien est valable {settings.CARE_INVITATION_JOURS} jours.")
            return redirect("comptes:invitations")
    pagination = paginer(request, _invitations_de(structures.values()), PAR_PAGE)
    return render(request, "comptes/invitations.html", {
        "title": "Inviter les contacts de votre structure", "form": form, **pagination,
        "invitations": list(pagination["page_obj"].object_list), "plusieurs_structures": len(structures) > 1,
        "jours": settings.CARE_INVITATION_JOURS,
    })


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, jeton: str) -> HttpResponse:
    """The invitation link: an anonymous invitee creates their account (the e-mail address is the
    invited one); a logged-in invitee with that address accepts with one button."""
    try:
        inv = services.invitation_trouver(jeton)
    except WorkflowError as exc:
        return render(request, "comptes/invitation.html",
                      {"title": "Invitation inutilisable", "erreur": exc.message}, status=400)
    contexte = {"title": "Invitation à rejoindre eCaRE", "invitation": inv}
    if request.user.is_authenticated:
        if request.user.email.lower() != inv.email:
            contexte["erreur_compte"] = (
                "Cette invitation a été envoyée à une autre adresse e-mail que celle de votre compte. "
                "Déconnectez-vous puis ouvrez à nouveau le lien, ou demandez au référent de vous inviter "
                "à l'adresse de votre compte."
            )
            return render(request, "comptes/invitation.html", contexte, status=403)
        if request.method == "POST":
            try:
                services.invitation_accepter(jeton=jeton, utilisateur=request.user)
            except WorkflowError as exc:
                messages.error(request, exc.message)
                return redirect("comptes:invitation", jeton=jeton)
            messages.success(request, f"Vous avez rejoint {inv.structure} en tant que {inv.get_role_display()}.")
            return redirect("comptes:accueil_role")
        return render(request, "comptes/invitation.html", contexte)

    form = InvitationCompteForm(request.POST or None, email=inv.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if User.objects.filter(email__iexact=inv.email).exists():
            form.add_error(None, DEJA_UN_COMPTE)
        else:
            try:
                with transaction.atomic():
                    user = services.compte_creer(
                        email=inv.email, password=data["password1"], prenom=data["prenom"], nom=data["nom"],
                        telephone=data["telephone"], fonction=data["fonction"], email_verifie=True,
                    )
                    services.invitation_accepter(jeton=jeton, utilisateur=user)
            except IntegrityError:  # the same address created concurrently
                form.add_error(None, DEJA_UN_COMPTE)
            except WorkflowError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Votre compte est créé et rattaché à {inv.structure} en tant que "
                                          f"{inv.get_role_display()}. Connectez-vous avec votre adresse e-mail "
                                          "et votre mot de passe.")
                return redirect("comptes:connexion")
    contexte["form"] = form
    return render(request, "comptes/invitation.html", contexte)
