"""What the candidatures app brings to the agents' bulk actions (care_portal.bureau, issue 21):

- « Envoyer la convention »: per dossier, the convention services: the first sending (ANS administration or
  secretariat: ``convention_envoyer``) or, for an expired or blocked convention, sending it again (the ARS of
  the region or the ANS: ``convention_renvoyer``); the services check the rights and the state;
- what is awaited of the establishment at the candidature, instruction and convention steps (« Relancer
  l'établissement »): a draft to submit before the closing, the complement the ARS asked for, the
  convention to sign;
- which of its models hold a dossier's documents, for the ZIP archive.

Called once from ``CandidaturesConfig.ready()``."""

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
    from . import services_convention
    from .models import Convention

    cv = _convention_de(dossier)
    if cv is None:
        raise WorkflowError("Pas encore de convention : la candidature n'a pas été déclarée complète "
                            f"(état : {dossier.get_etat_display().lower()}).", code="etat")
    if cv.etat == Convention.Etat.A_GENERER:
        services_convention.convention_envoyer(convention=cv, acteur=acteur)
        return (f"Envoi de la convention n° {cv.numero} demandé : elle est générée puis envoyée à son signataire "
                f"({dossier.signataire_email}).")
    if cv.peut_etre_renvoyee():
        services_convention.convention_renvoyer(convention=cv, acteur=acteur)
        return f"Convention n° {cv.numero} renvoyée à son signataire, avec un nouveau délai de signature."
    if cv.etat == Convention.Etat.ENVOYEE and cv.echeance:
        raise WorkflowError(f"La convention n° {cv.numero} a déjà été envoyée : elle est à signer avant le "
                            f"{timezone.localtime(cv.echeance):%d/%m/%Y à %H:%M}.", code="etat")
    raise WorkflowError(f"La convention n° {cv.numero} est « {cv.get_etat_display().lower()} » : rien à envoyer.",
                        code="etat")


def _lien(nom: str, *args) -> str:
    return settings.SITE_URL + reverse(nom, args=args)


def attente_candidature(c) -> actions.Attente | None:
    """A draft while the candidatures are open: to complete and submit."""
    from . import selectors
    from .models import Candidature

    fin = c.appel.candidature_fin
    if c.etat != Candidature.Etat.BROUILLON or fin is None or timezone.localdate() > fin:
        return None
    return actions.Attente(cle="candidature.brouillon", objet="compléter et déposer la candidature",
                           destinataires=tuple(selectors.emails_es(c)), lien=_lien("candidatures:detail", c.pk),
                           echeance=fin,
                           precision="Après la clôture des candidatures, elle ne pourra plus être déposée.")


def attente_instruction(c) -> actions.Attente | None:
    """The complement the ARS asked for."""
    from . import selectors
    from .models import Candidature

    if c.etat != Candidature.Etat.COMPLEMENT_DEMANDE:
        return None
    depot = c.deposee_le.isoformat() if c.deposee_le else ""
    return actions.Attente(cle=f"candidature.complement.{depot}",
                           objet="compléter la candidature puis la déposer de nouveau",
                           destinataires=tuple(selectors.emails_es(c)), lien=_lien("candidatures:detail", c.pk),
                           precision=f"Ce que l'ARS demande :\n{c.motif}" if c.motif else "")


def attente_convention(c) -> actions.Attente | None:
    """A convention sent and not yet signed (neither expired nor blocked): its signatory signs it."""
    from .models import Candidature, Convention

    if c.etat != Candidature.Etat.COMPLETE:
        return None
    cv = _convention_de(c)
    if (cv is None or cv.etat != Convention.Etat.ENVOYEE or cv.signature_bloquee_le is not None
            or (cv.echeance is not None and cv.echeance <= timezone.now()) or not c.signataire_email):
        return None
    return actions.Attente(
        cle=f"convention.signature.{cv.envoi}", objet=f"signer la convention CaRE n° {cv.numero}",
        destinataires=(c.signataire_email,), copies=tuple(e for e in (c.referent_email, c.rssi_email, c.dsi_email) if e),
        lien=_lien("candidatures:convention", c.pk), echeance=cv.echeance,
        precision=(f"Elle est signée par {c.signataire_nom or 'le signataire désigné au dossier'}, depuis le lien "
                   "personnel reçu par e-mail ou depuis la page de la convention. Passé ce délai, elle expire."))


def enregistrer() -> None:
    from .models import Candidature, Convention, Message, PerimetreLigne

    etapes.enregistrer_actions(etapes.ActionGroupee(
        code="envoyer_convention", libelle="Envoyer la convention", executer=envoyer_convention,
        visible=lambda h: h.est_ars or h.a(Role.ADMIN_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS), ordre=30))
    actions.enregistrer_attente("candidature", attente_candidature)
    actions.enregistrer_attente("instruction", attente_instruction)
    actions.enregistrer_attente("convention", attente_convention)
    registre.enregistrer_pieces(Candidature, "pk", "Candidature", ordre=10)
    registre.enregistrer_pieces(PerimetreLigne, "candidature", "Prérequis", ordre=20)
    registre.enregistrer_pieces(Message, "candidature", "Messages", ordre=30)
    registre.enregistrer_pieces(Convention, "candidature", "Convention", ordre=40)
