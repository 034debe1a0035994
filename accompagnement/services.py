"""Every write of the support (STYLE.md: guard, write in a transaction, log on the dossier, notify on
commit) and of the reference documents (through the documents service, never to storage directly).

- ``demande_creer``: an establishment asks for help from its dossier; routed to its ARS or to the ANS by
  topic; the agents of that queue are told by e-mail and in the notification centre.
- ``demande_repondre``: an agent of the queue answers (the request goes « en cours »), or closes it.
- ``demande_ecrire``: the establishment writes again (a resolved request is reopened), or closes it.
- ``document_reference_deposer``: the ANS administrator attaches a reference document's file.

Requests and answers are logged on the dossier (the candidature) so that its timeline shows them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.selectors import habilitations
from care_portal.notifications.services import envoyer_email, notifier_utilisateurs
from care_portal.workflow.services import WorkflowError, journaliser, run_transition

from . import selectors
from .models import ROUTAGE, DemandeAide, DocumentReference, MessageAide

LONGUEUR_MAX_MESSAGE = 5000
EXTRAIT = 300  # characters of an answer shown in the dossier's timeline


def _lien(demande: DemandeAide) -> str:
    return settings.SITE_URL + reverse("accompagnement:demande", args=[demande.pk])


def _extrait(texte: str) -> str:
    texte = " ".join(texte.split())
    return texte if len(texte) <= EXTRAIT else texte[: EXTRAIT - 1].rstrip() + "…"


def _corps_valide(corps: str) -> str:
    corps = (corps or "").strip()
    if not corps:
        raise WorkflowError("Écrivez votre message avant de l'envoyer.", code="vide")
    if len(corps) > LONGUEUR_MAX_MESSAGE:
        raise WorkflowError(f"Le message dépasse {LONGUEUR_MAX_MESSAGE} caractères : raccourcissez-le.",
                            code="long")
    return corps


def _notifier_agents(demande: DemandeAide, *, nouvelle: bool) -> None:
    c = demande.candidature
    sujet = (f"Nouvelle demande d'aide : {demande.objet}" if nouvelle
             else f"Nouveau message sur la demande d'aide : {demande.objet}")
    notifier_utilisateurs(
        selectors.agents_de(demande), sujet[:300], "aide_demande",
        {"demande": demande, "candidature": c, "nouvelle": nouvelle, "lien": _lien(demande)},
        candidature=c, lien=reverse("accompagnement:demande", args=[demande.pk]),
    )


def _notifier_es(demande: DemandeAide, *, resolue: bool) -> None:
    c = demande.candidature
    envoyer_email(
        [demande.auteur.email, c.referent_email],
        f"Réponse à votre demande d'aide : {demande.objet}"[:300], "aide_reponse",
        {"demande": demande, "candidature": c, "resolue": resolue, "lien": _lien(demande)},
        candidature=c, lien=reverse("accompagnement:demande", args=[demande.pk]),
    )


def demande_creer(*, candidature, acteur, theme: str, objet: str, corps: str) -> DemandeAide:
    """An ES member of the dossier's structure asks for help. Routed by ``theme`` (models.ROUTAGE)."""
    if not selectors.peut_demander(acteur, candidature):
        raise WorkflowError("Seules les personnes rattachées à la structure du dossier peuvent demander de l'aide "
                            "depuis ce dossier.", code="droit")
    if theme not in ROUTAGE:
        raise WorkflowError("Choisissez le sujet de votre demande dans la liste.", code="theme")
    objet = (objet or "").strip()
    if not objet:
        raise WorkflowError("Donnez un objet à votre demande.", code="objet")
    corps = _corps_valide(corps)
    maintenant = timezone.now()
    with transaction.atomic():
        demande = DemandeAide.objects.create(
            candidature=candidature, theme=theme, destinataire=ROUTAGE[theme],
            region_id=candidature.region_instructrice_id, objet=objet[:200], auteur=acteur, cree_le=maintenant,
            attente_depuis=maintenant, modifiee_le=maintenant)
        MessageAide.objects.create(demande=demande, auteur=acteur, cote=MessageAide.Cote.ES, corps=corps,
                                   cree_le=maintenant)
        journaliser(candidature, "accompagnement.demande.creee", acteur=acteur, donnees={
            "demande": demande.pk, "objet": demande.objet, "destinataire": selectors.libelle_destinataire(demande)})
        _notifier_agents(demande, nouvelle=True)
    return demande


def _cote_agent(acteur) -> str:
    h = habilitations(acteur)
    return MessageAide.Cote.ARS if h.est_ars and not h.est_ans else MessageAide.Cote.ANS


def demande_repondre(*, demande: DemandeAide, acteur, corps: str, resoudre: bool = False) -> DemandeAide:
    """An agent of the request's queue answers it (→ en cours), and may close it (→ résolue)."""
    corps = _corps_valide(corps)
    with transaction.atomic():
        d = DemandeAide.objects.select_for_update().select_related("candidature", "auteur").get(pk=demande.pk)
        if not selectors.peut_repondre(acteur, d):
            raise WorkflowError("Cette demande est traitée par une autre équipe.", code="droit")
        if d.etat == DemandeAide.Etat.RESOLUE:
            raise WorkflowError("Cette demande est résolue : l'établissement peut la rouvrir en écrivant de nouveau.",
                                code="etat")
        maintenant = timezone.now()
        cote = _cote_agent(acteur)
        MessageAide.objects.create(demande=d, auteur=acteur, cote=cote, corps=corps, cree_le=maintenant)
        run_transition(d, "prendre_en_charge", acteur=acteur, verifier_droit=False, le=maintenant,
                       update_fields=["premiere_reponse_le", "attente_depuis", "modifiee_le"],
                       donnees={"candidature": d.candidature_id})
        if resoudre:
            run_transition(d, "resoudre", acteur=acteur, verifier_droit=False, le=maintenant,
                           update_fields=["resolue_le", "attente_depuis", "modifiee_le"])
        journaliser(d.candidature, "accompagnement.demande.reponse_envoyee", acteur=acteur, donnees={
            "demande": d.pk, "objet": d.objet, "cote": dict(MessageAide.Cote.choices)[cote],
            "extrait": _extrait(corps), "resolue": resoudre})
        _notifier_es(d, resolue=resoudre)
    return d


def demande_ecrire(*, demande: DemandeAide, acteur, corps: str = "", resoudre: bool = False) -> DemandeAide:
    """The establishment adds a message (a resolved request is reopened), or closes its request."""
    with transaction.atomic():
        d = DemandeAide.objects.select_for_update().select_related("candidature").get(pk=demande.pk)
        if not selectors.peut_demander(acteur, d.candidature):
            raise WorkflowError("Vous n'avez pas le droit d'écrire sur cette demande.", code="droit")
        maintenant = timezone.now()
        if resoudre and not (corps or "").strip():
            if d.etat == DemandeAide.Etat.RESOLUE:
                raise WorkflowError("Cette demande est déjà résolue.", code="etat")
            run_transition(d, "resoudre", acteur=acteur, verifier_droit=False, le=maintenant,
                           update_fields=["resolue_le", "attente_depuis", "modifiee_le"])
            journaliser(d.candidature, "accompagnement.demande.resolue", acteur=acteur,
                        donnees={"demande": d.pk, "objet": d.objet})
            return d
        corps = _corps_valide(corps)
        MessageAide.objects.create(demande=d, auteur=acteur, cote=MessageAide.Cote.ES, corps=corps, cree_le=maintenant)
        if d.etat == DemandeAide.Etat.RESOLUE:
            run_transition(d, "rouvrir", acteur=acteur, verifier_droit=False, le=maintenant,
                           update_fields=["resolue_le", "attente_depuis", "modifiee_le"])
        else:
            champs = ["modifiee_le"]
            d.modifiee_le = maintenant
            if d.attente_depuis is None:
                d.attente_depuis = maintenant
                champs.append("attente_depuis")
            d.save(update_fields=champs)
        journaliser(d.candidature, "accompagnement.demande.message_envoye", acteur=acteur,
                    donnees={"demande": d.pk, "objet": d.objet, "extrait": _extrait(corps)})
        _notifier_agents(d, nouvelle=False)
    return d


# --- reference documents (ANS administration) ---------------------------------------------------------

def document_reference_deposer(*, reference: DocumentReference, fichier, acteur):
    """Attach ``fichier`` to a reference document (a new version when it has one) through the documents
    service: name, size, type and antivirus checks; only an ANS administrator may (the documents
    registry's ``deposables``, apps.py)."""
    if not habilitations(acteur).est_admin:
        raise WorkflowError("Seuls les administrateurs de l'ANS publient les documents de référence.", code="droit")
    from care_portal.documents.services import document_deposer

    actuel = selectors.fichier_de(reference)
    return document_deposer(fichier=fichier, acteur=acteur, proprietaire=reference,
                            categorie=DocumentReference.CATEGORIE_DOCUMENT, remplace=actuel)

