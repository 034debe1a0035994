"""What the conventions app brings to the agents' bulk actions (care_portal.bureau, issue 21):

- « Envoyer la convention »: per dossier, the convention services: the first sending (ANS administration or
  secretariat: ``convention_envoyer``) or, for an expired or blocked convention, sending it again (the ARS of
  the region or the ANS: ``convention_renvoyer``); the services check the rights and the state;
- what is awaited of the establishment at the convention step (« Relancer l'établissement »): the
  convention to sign;
- the convention's documents, for the ZIP archive.

Called once from ``ConventionsConfig.ready()``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from care_portal.bureau import actions
from care_portal.bureau.archives import registre
from care_portal.comptes.roles import Role
from care_portal.core import etapes
from care_portal.workflow.services import WorkflowError


def _convention_de(dossier):
    from .models import Convention

    return Convention.objects.filter(candidature_id=dossier.pk).first()


def envoyer_convention(dossier, acteur, **_parametres) -> str:
    """Send the dossier's convention, or send it again when it expired or its signature is blocked."""
    from . import services
    from .models import Convention

    cv = _convention_de(dossier)
    if cv is None:
        raise WorkflowError("Pas encore de convention : la candidature n'a pas été déclarée complète "
                            f"(état : {dossier.get_etat_display().lower()}).", code="etat")
    if cv.etat == Convention.Etat.A_GENERER:
        services.convention_envoyer(convention=cv, acteur=acteur)
        return (f"Envoi de la convention n° {cv.numero} demandé : elle est générée puis envoyée à son signataire "
                f"({dossier.signataire_email}).")
    if cv.peut_etre_renvoyee():
        services.convention_renvoyer(convention=cv, acteur=acteur)
        return f"Convention n° {cv.numero} renvoyée à son signataire, avec un nouveau délai de signature."
    if cv.etat == Convention.Etat.ENVOYEE and cv.echeance:
        raise WorkflowError(f"La convention n° {cv.numero} a déjà été envoyée : elle est à signer avant le "
                            f"{timezone.localtime(cv.echeance):%d/%m/%Y à %H:%M}.", code="etat")
    raise WorkflowError(f"La convention n° {cv.numero} est « {cv.get_etat_display().lower()} » : rien à envoyer.",
                        code="etat")


def _lien(nom: str, *args) -> str:
    return settings.SITE_URL + reverse(nom, args=args)


def attente_convention(c) -> actions.Attente | None:
    """A convention sent and not yet signed (neither expired nor blocked): its signatory signs it."""
    from candidatures.models import Candidature

    from .models import Convention

    if c.etat != Candidature.Etat.COMPLETE:
        return None
    cv = _convention_de(c)
    if (cv is None or cv.etat != Convention.Etat.ENVOYEE or cv.signature_bloquee_le is not None
            or (cv.echeance is not None and cv.echeance <= timezone.now()) or not c.signataire_email):
        return None
    return actions.Attente(
        cle=f"convention.signature.{cv.envoi}", objet=f"signer la convention CaRE n° {cv.numero}",
        destinataires=(c.signataire_email,), copies=tuple(e for e in (c.referent_email, c.rssi_email, c.dsi_email) if e),
        lien=_lien("conventions:detail", c.pk), echeance=cv.echeance,
        precision=(f"Elle est signée par {c.signataire_nom or 'le signataire désigné au dossier'}, depuis le lien "
                   "personnel reçu par e-mail ou depuis la page de la convention. Passé ce délai, elle expire."))


def enregistrer() -> None:
    from .models import Convention

    etapes.enregistrer_actions(etapes.ActionGroupee(
        code="envoyer_convention", libelle="Envoyer la convention", executer=envoyer_convention,
        visible=lambda h: h.est_ars or h.a(Role.ADMIN_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS), ordre=30))
    actions.enregistrer_attente("convention", attente_convention)
    registre.enregistrer_pieces(Convention, "candidature", "Convention", ordre=40)
