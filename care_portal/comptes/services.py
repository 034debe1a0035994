"""Every write on accounts, memberships and invitations (STYLE.md: one write path).

Object permissions (django-guardian) are granted and revoked here only:
- ES membership confirmed → ``referentiel.acceder_structure`` on its EJ or GHT;
- ARS membership confirmed → ``referentiel.instruire_region`` on its region;
- any confirmed membership → the user joins the role's group (model-level permissions).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from care_portal.notifications.services import envoyer_email
from care_portal.referentiel.models import GHT, EntiteJuridique, EtablissementGeographique, Region
from care_portal.workflow.services import WorkflowError, journaliser, run_transition

from .models import Invitation, Rattachement, User
from .roles import ROLES_ANS, ROLES_ARS, ROLES_ES, ROLES_INVITABLES, Role

SEL_VERIFICATION = "comptes.verification-email"


# --- structures ---------------------------------------------------------------------------

def structure_porteuse(ej: EntiteJuridique) -> GHT | EntiteJuridique:
    """The structure that carries the candidature for ``ej``: its GHT if it belongs to one, else itself."""
    ght = ej.ghts.order_by("code").first() if ej.statut in ("public", "") else None
    return ght or ej


def _portee(structure) -> dict:
    if isinstance(structure, GHT):
        return {"ght": structure, "entite_juridique": None}
    if isinstance(structure, EntiteJuridique):
        return {"entite_juridique": structure, "ght": None}
    raise TypeError(structure)


def region_de(structure) -> Region:
    return structure.region if isinstance(structure, GHT) else structure.departement.region


# --- rights -----------------------------------------------------------------------------------

def _groupe(role: str) -> Group:
    return Group.objects.get(name=role)


def _accorder_droits(r: Rattachement) -> None:
    r.utilisateur.groups.add(_groupe(r.role))
    if r.role in ROLES_ES:
        assign_perm("referentiel.acceder_structure", r.utilisateur, r.structure)
    elif r.role in ROLES_ARS:
        assign_perm("referentiel.instruire_region", r.utilisateur, r.region)


def _retirer_droits(r: Rattachement) -> None:
    autres = Rattachement.objects.filter(utilisateur=r.utilisateur, etat=Rattachement.Etat.CONFIRME).exclude(pk=r.pk)
    if not autres.filter(role=r.role).exists():
        r.utilisateur.groups.remove(_groupe(r.role))
    if r.role in ROLES_ES and not autres.filter(role__in=ROLES_ES, **_portee(r.structure)).exists():
        remove_perm("referentiel.acceder_structure", r.utilisateur, r.structure)
    elif r.role in ROLES_ARS and not autres.filter(role__in=ROLES_ARS, region=r.region).exists():
        remove_perm("referentiel.instruire_region", r.utilisateur, r.region)


def a_role_confirme(user, roles, **portee) -> bool:
    return Rattachement.objects.filter(
        utilisateur=user, role__in=list(roles), etat=Rattachement.Etat.CONFIRME, **portee
    ).exists()


def peut_decider_rattachement(decideur: User, r: Rattachement) -> bool:
    """Who may confirm or refuse a membership (DESIGN.md §1): an ANS admin always; for an ES
    membership also a confirmed référent of the same structure or the ARS of its region."""
    if not decideur.is_authenticated or decideur.pk == r.utilisateur_id:
        return False
    if a_role_confirme(decideur, [Role.ADMIN_ANS]):
        return True
    if r.role not in ROLES_ES:
        return False
    if a_role_confirme(decideur, [Role.REFERENT_ES], **_portee(r.structure)):
        return True
    return a_role_confirme(decideur, [Role.REFERENT_ARS], region=r.region_de_la_portee)


# --- memberships ------------------------------------------------------------------------------

def rattachement_demander(
    *, utilisateur: User, role: str, etablissement: EtablissementGeographique | EntiteJuridique
) -> Rattachement:
    """An ES user asks to be attached to the structure carrying the candidature of ``etablissement``.
    Side effects: log row; e-mail to the people who can confirm, on commit."""
    if role not in ROLES_ES:
        raise WorkflowError("Ce rôle ne peut pas être demandé depuis l'inscription.")
    ej = etablissement.entite_juridique if isinstance(etablissement, EtablissementGeographique) else etablissement
    structure = structure_porteuse(ej)
    with transaction.atomic():
        if Rattachement.objects.filter(
            utilisateur=utilisateur, role=role, etat__in=["en_attente", "confirme"], **_portee(structure)
        ).exists():
            raise WorkflowError("Vous avez déjà une demande de rattachement pour ce rôle et cette structure.")
        r = Rattachement.objects.create(
            utilisateur=utilisateur, role=role,
            etablissement_declare=etablissement if isinstance(etablissement, EtablissementGeographique) else None,
            **_portee(structure),
        )
        journaliser(r, "comptes.rattachement.demande", acteur=utilisateur, etat_cible=r.etat,
                    donnees={"role": role, "structure": str(structure)})
        destinataires = list(decideurs_possibles(r).values_list("email", flat=True))
        envoyer_email(destinataires, "Demande de rattachement à confirmer", "rattachement_a_confirmer",
                      {"rattachement": r, "lien": settings.SITE_URL + reverse("comptes:rattachements")})
    return r


def decideurs_possibles(r: Rattachement):
    """Users who may decide ``r`` (for the e-mail to confirmers)."""
    from django.db.models import Q

    q = Q(rattachements__role=Role.ADMIN_ANS)
    if r.role in ROLES_ES:
        q |= Q(rattachements__role=Role.REFERENT_ES, **{f"rattachements__{k}": v for k, v in _portee(r.structure).items()})
        q |= Q(rattachements__role=Role.REFERENT_ARS, rattachements__region=r.region_de_la_portee)
    return (
        User.objects.filter(q, rattachements__etat=Rattachement.Etat.CONFIRME, is_active=True)
        .exclude(pk=r.utilisateur_id)
        .distinct()
    )


def _verrouiller(r: Rattachement) -> Rattachement:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins below.
    return Rattachement.objects.select_for_update(of=("self",)).select_related(
        "utilisateur", "ght__region", "entite_juridique__departement__region", "region"
    ).get(pk=r.pk)


def rattachement_confirmer(*, rattachement: Rattachement, acteur: User) -> Rattachement:
    """Confirm a pending membership. Grants the rights; tells the requester by e-mail."""
    with transaction.atomic():
        r = _verrouiller(rattachement)
        if not peut_decider_rattachement(acteur, r):
            raise WorkflowError("Vous n'avez pas le droit de confirmer ce rattachement.", code="droit")
        run_transition(r, "confirmer", acteur=acteur, par=acteur, le=timezone.now(),
                       update_fields=["decide_par", "decide_le", "motif"], verifier_droit=False,
                       message_refus="Ce rattachement a déjà été traité.")
        _accorder_droits(r)
        envoyer_email([r.utilisateur.email], "Votre rattachement est confirmé", "rattachement_confirme",
                      {"rattachement": r, "lien": settings.SITE_URL + reverse("comptes:accueil_role")})
    return r


def rattachement_refuser(*, rattachement: Rattachement, acteur: User, motif: str) -> Rattachement:
    motif = (motif or "").strip()
    if not motif:
        raise WorkflowError("Indiquez le motif du refus : il est transmis au demandeur.", code="motif")
    with transaction.atomic():
        r = _verrouiller(rattachement)
        if not peut_decider_rattachement(acteur, r):
            raise WorkflowError("Vous n'avez pas le droit de refuser ce rattachement.", code="droit")
        run_transition(r, "refuser", acteur=acteur, motif=motif, par=acteur, le=timezone.now(),
                       update_fields=["decide_par", "decide_le", "motif"], verifier_droit=False,
                       message_refus="Ce rattachement a déjà été traité.")
        envoyer_email([r.utilisateur.email], "Votre demande de rattachement est refusée", "rattachement_refuse",
                      {"rattachement": r})
    return r


def rattachement_revoquer(*, rattachement: Rattachement, acteur: User, motif: str) -> Rattachement:
    motif = (motif or "").strip()
    if not motif:
        raise WorkflowError("Indiquez le motif de la révocation.", code="motif")
    with transaction.atomic():
        r = _verrouiller(rattachement)
        if not peut_decider_rattachement(acteur, r):
            raise WorkflowError("Vous n'avez pas le droit de révoquer ce rattachement.", code="droit")
        run_transition(r, "revoquer", acteur=acteur, motif=motif, par=acteur, le=timezone.now(),
                       update_fields=["decide_par", "decide_le", "motif"], verifier_droit=False,
                       message_refus="Seul un rattachement confirmé peut être révoqué.")
        _retirer_droits(r)
    return r


def rattachement_creer_confirme(
    *, utilisateur: User, role: str, acteur: User | None, structure=None, region: Region | None = None,
    code: str = "comptes.rattachement.cree",
) -> Rattachement:
    """A membership created already confirmed: an agent created by an ANS admin, an accepted
    invitation, the demo data (acteur None = the system)."""
    if role in ROLES_ES:
        portee = _portee(structure)
    elif role in ROLES_ARS:
        if region is None:
            raise WorkflowError("Un référent ARS est rattaché à une région.")
        portee = {"region": region}
    elif role in ROLES_ANS:
        portee = {}
    else:
        raise WorkflowError("Rôle inconnu.")
    with transaction.atomic():
        r, created = Rattachement.objects.get_or_create(
            utilisateur=utilisateur, role=role, etat__in=["en_attente", "confirme"], **portee,
            defaults={"etat": Rattachement.Etat.CONFIRME, "decide_par": acteur, "decide_le": timezone.now(),
                      **portee},
        )
        if created:
            journaliser(r, code, acteur=acteur, etat_cible=r.etat, donnees={"role": role})
            _accorder_droits(r)
    return r


# --- accounts -----------------------------------------------------------------------------------

def compte_creer(*, email: str, password: str | None, prenom: str, nom: str, telephone: str = "",
                 fonction: str = "", email_verifie: bool = False) -> User:
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=password, prenom=prenom, nom=nom, telephone=telephone, fonction=fonction,
            email_verifie_le=timezone.now() if email_verifie else None,
        )
        journaliser(user, "comptes.user.cree", acteur=None, donnees={"email": user.email})
    return user


def jeton_verification(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SEL_VERIFICATION)


def envoyer_verification_email(user: User) -> None:
    lien = settings.SITE_URL + reverse("comptes:verifier_email", args=[jeton_verification(user)])
    envoyer_email([user.email], "Confirmez votre adresse e-mail", "verification_email",
                  {"user": user, "lien": lien, "heures": settings.CARE_VERIFICATION_EMAIL_HEURES})


def email_verifier(*, jeton: str) -> User:
    """Mark the address verified. Expired, tampered or already used links are refused in French."""
    try:
        data = signing.loads(jeton, salt=SEL_VERIFICATION, max_age=settings.CARE_VERIFICATION_EMAIL_HEURES * 3600)
    except signing.SignatureExpired as exc:
        raise WorkflowError("Ce lien de vérification a expiré. Demandez-en un nouveau depuis la page de connexion.",
                            code="expire") from exc
    except signing.BadSignature as exc:
        raise WorkflowError("Ce lien de vérification n'est pas valide.", code="invalide") from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["u"], email=data["e"]).first()
        if user is None:
            raise WorkflowError("Ce lien de vérification n'est pas valide.", code="invalide")
        if user.email_verifie_le:
            raise WorkflowError("Cette adresse a déjà été vérifiée : connectez-vous.", code="utilise")
        user.email_verifie_le = timezone.now()
        user.save(update_fields=["email_verifie_le"])
        journaliser(user, "comptes.user.email_verifie", acteur=user)
    return user


# --- invitations -------------------------------------------------------------------------------

def _hash(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


def invitation_creer(*, acteur: User, email: str, role: str, structure) -> tuple[Invitation, str]:
    """A confirmed référent ES invites a colleague of their structure. Returns the invitation and
    the clear token (only e-mailed, never stored)."""
    if role not in ROLES_INVITABLES:
        raise WorkflowError("Ce rôle ne peut pas être attribué par invitation.")
    if not a_role_confirme(acteur, [Role.REFERENT_ES], **_portee(structure)):
        raise WorkflowError("Seul un référent CaRE confirmé de la structure peut inviter.", code="droit")
    jeton = secrets.token_urlsafe(32)
    with transaction.atomic():
        inv = Invitation.objects.create(
            email=email.lower().strip(), role=role, invite_par=acteur, jeton_hash=_hash(jeton),
            expire_le=timezone.now() + timedelta(days=settings.CARE_INVITATION_JOURS), **_portee(structure),
        )
        journaliser(inv, "comptes.invitation.creee", acteur=acteur, donnees={"email": inv.email, "role": role})
        envoyer_email([inv.email], "Invitation à rejoindre le dossier CaRE de votre établissement", "invitation",
                      {"invitation": inv, "lien": settings.SITE_URL + reverse("comptes:invitation", args=[jeton]),
                       "jours": settings.CARE_INVITATION_JOURS})
    return inv, jeton


def invitation_trouver(jeton: str) -> Invitation:
    inv = Invitation.objects.select_related("ght", "entite_juridique", "invite_par").filter(
        jeton_hash=_hash(jeton or "")).first()
    if inv is None:
        raise WorkflowError("Ce lien d'invitation n'est pas valide.", code="invalide")
    if inv.utilisee_le:
        raise WorkflowError("Cette invitation a déjà été utilisée : connectez-vous.", code="utilise")
    if not inv.est_valide():
        raise WorkflowError("Cette invitation a expiré : demandez au référent de votre établissement de vous "
                            "inviter à nouveau.", code="expire")
    return inv


def invitation_accepter(*, jeton: str, utilisateur: User) -> Rattachement:
    """The invitee (new or existing account, same e-mail address) joins the structure, confirmed."""
    with transaction.atomic():
        inv = invitation_trouver(jeton)
        inv = Invitation.objects.select_for_update().get(pk=inv.pk)
        if inv.utilisee_le:
            raise WorkflowError("Cette invitation a déjà été utilisée : connectez-vous.", code="utilise")
        if utilisateur.email.lower() != inv.email:
            raise WorkflowError("Cette invitation a été envoyée à une autre adresse e-mail.", code="droit")
        inv.utilisee_le, inv.utilisee_par = timezone.now(), utilisateur
        inv.save(update_fields=["utilisee_le", "utilisee_par"])
        if not utilisateur.email_verifie_le:  # the link came to this mailbox
            utilisateur.email_verifie_le = timezone.now()
            utilisateur.save(update_fields=["email_verifie_le"])
        journaliser(inv, "comptes.invitation.acceptee", acteur=utilisateur)
        return rattachement_creer_confirme(
            utilisateur=utilisateur, role=inv.role, acteur=inv.invite_par, structure=inv.structure,
            code="comptes.rattachement.cree_par_invitation",
        )
