"""Every write of the agents' desk (STYLE.md: guard, write in a transaction, log, notify on commit).

- ``affectation_affecter`` / ``affectation_prendre`` / ``affectation_retirer``: who of an agency is on a
  dossier (one per dossier per agency; a colleague of the same agency only).
- ``suivi_ajouter`` / ``suivi_retirer``: an agent follows a dossier.
- ``note_ajouter``: a private note (append-only), its mentions told by e-mail and in their centre.
- ``etiquette_creer`` / ``etiquette_modifier`` / ``etiquette_supprimer``: an agency's labels;
  ``etiquette_poser`` / ``etiquette_retirer``: a label on a dossier.
- ``filtre_enregistrer`` / ``filtre_supprimer``: an agent's saved filters of the dossier list.

Each refusal is a ``WorkflowError`` with a French message. Each write appends a row to the log
(care_portal.workflow) on the desk's own object, with the dossier's id in ``donnees``: never on the
dossier, whose timeline the establishment reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from care_portal.notifications.services import notifier_utilisateurs
from care_portal.workflow.services import WorkflowError, journaliser

from . import selectors
from .agences import Agence, agence_de_ligne, agence_pour, agences_de, collegues, mentionnables
from .models import Affectation, Couleur, Etiquette, EtiquetteDossier, FiltreEnregistre, Note, Suivi

LONGUEUR_MAX_NOTE = 5000
FILTRES_MAX = 20  # saved filters per agent: their counts are one query each on the list
LONGUEUR_MAX_REQUETE = 1000


def _agence_du_dossier(dossier, acteur) -> Agence:
    """The agency ``acteur`` acts for on ``dossier``, or a refusal (not an agent who sees it)."""
    agence = agence_pour(acteur, dossier)
    if agence is None or not selectors.dossiers_pour(acteur).filter(pk=dossier.pk).exists():
        raise WorkflowError("Ce dossier n'est pas instruit par votre agence.", code="droit")
    return agence


def _nom(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def lien_dossier(dossier) -> str:
    """The dossier's page (the panel of the desk is on it)."""
    return reverse("candidatures:detail", args=[dossier.pk])


# --- assignment ----------------------------------------------------------------------------------------

def affectation_affecter(*, dossier, agent, acteur) -> Affectation:
    """``acteur`` puts ``agent`` (a colleague of their agency, or themselves) on ``dossier`` for their
    agency. Idempotent when ``agent`` is already assigned (no log row). The agent is told when someone
    else assigned them."""
    agence = _agence_du_dossier(dossier, acteur)
    if agent is None or not collegues(agence).filter(pk=agent.pk).exists():
        raise WorkflowError(f"On n'affecte un dossier qu'à un agent de votre agence ({agence.libelle}).",
                            code="agent")
    with transaction.atomic():
        affectation = (Affectation.objects.select_for_update().filter(agence.filtre(), dossier=dossier).first())
        precedent = affectation.agent if affectation is not None else None
        if affectation is not None and affectation.agent_id == agent.pk:
            return affectation
        if affectation is None:
            try:
                with transaction.atomic():
                    affectation = Affectation.objects.create(dossier=dossier, region_id=agence.region_id,
                                                             agent=agent, modifiee_par=acteur)
            except IntegrityError as exc:  # assigned by someone else at the same instant
                raise WorkflowError("Ce dossier vient d'être affecté par un collègue : rechargez la page.",
                                    code="concurrence") from exc
        else:
            affectation.agent, affectation.modifiee_par, affectation.modifiee_le = agent, acteur, timezone.now()
            affectation.save(update_fields=["agent", "modifiee_par", "modifiee_le"])
        journaliser(affectation, "bureau.affectation.affectee", acteur=acteur, donnees={
            "dossier": dossier.pk, "agence": agence.cle, "agent": agent.pk, "agent_nom": _nom(agent),
            "precedent": precedent.pk if precedent else None})
        if agent.pk != acteur.pk:
            notifier_utilisateurs(
                [agent], f"Un dossier vous est affecté : {dossier.structure_libelle}"[:300], "bureau_affectation",
                {"structure": dossier.structure_libelle, "par": _nom(acteur), "agence": agence.libelle,
                 "lien": settings.SITE_URL + lien_dossier(dossier)},
                lien=lien_dossier(dossier))
    return affectation


def affectation_prendre(*, dossier, acteur) -> Affectation:
    """« Prendre le dossier »: the agent assigns it to themselves."""
    return affectation_affecter(dossier=dossier, agent=acteur, acteur=acteur)


def affectation_retirer(*, dossier, acteur) -> Affectation | None:
    """The dossier has nobody of the acteur's agency on it any more (idempotent)."""
    agence = _agence_du_dossier(dossier, acteur)
    with transaction.atomic():
        affectation = Affectation.objects.select_for_update().filter(agence.filtre(), dossier=dossier).first()
        if affectation is None or affectation.agent_id is None:
            return affectation
        precedent = affectation.agent
        affectation.agent, affectation.modifiee_par, affectation.modifiee_le = None, acteur, timezone.now()
        affectation.save(update_fields=["agent", "modifiee_par", "modifiee_le"])
        journaliser(affectation, "bureau.affectation.retiree", acteur=acteur, donnees={
            "dossier": dossier.pk, "agence": agence.cle, "precedent": precedent.pk,
            "precedent_nom": _nom(precedent)})
    return affectation


# --- following -----------------------------------------------------------------------------------------

def suivi_ajouter(*, dossier, acteur) -> Suivi:
    _agence_du_dossier(dossier, acteur)
    with transaction.atomic():
        suivi, cree = Suivi.objects.get_or_create(dossier=dossier, agent=acteur)
        if cree:
            journaliser(suivi, "bureau.suivi.ajoute", acteur=acteur, donnees={"dossier": dossier.pk})
    return suivi


def suivi_retirer(*, dossier, acteur) -> bool:
    """Stop following (idempotent). The log row stays on the removed follow's id, with the dossier's."""
    _agence_du_dossier(dossier, acteur)
    with transaction.atomic():
        suivi = Suivi.objects.select_for_update().filter(dossier=dossier, agent=acteur).first()
        if suivi is None:
            return False
        journaliser(suivi, "bureau.suivi.retire", acteur=acteur, donnees={"dossier": dossier.pk})
        suivi.delete()
    return True


# --- notes ---------------------------------------------------------------------------------------------

def note_ajouter(*, dossier, texte: str, acteur, mentions: Iterable = ()) -> Note:
    """A private note on ``dossier``, read by the agents who see it. ``mentions``: colleagues who see
    the dossier (ARS of its region, ANS), each told by e-mail and in their notification centre."""
    agence = _agence_du_dossier(dossier, acteur)
    texte = (texte or "").strip()
    if not texte:
        raise WorkflowError("Écrivez la note avant de l'enregistrer.", code="vide")
    if len(texte) > LONGUEUR_MAX_NOTE:
        raise WorkflowError(f"La note dépasse {LONGUEUR_MAX_NOTE} caractères : raccourcissez-la.", code="long")
    ids = {u.pk for u in mentions if u is not None and u.pk != acteur.pk}
    mentionnes = list(mentionnables(dossier).filter(pk__in=ids)) if ids else []
    if len(mentionnes) != len(ids):
        raise WorkflowError("On ne mentionne que des agents qui voient ce dossier (ARS de sa région, ANS).",
                            code="mention")
    with transaction.atomic():
        note = Note.objects.create(dossier=dossier, auteur=acteur, region_id=agence.region_id, texte=texte)
        if mentionnes:
            note.mentions.add(*mentionnes)
        journaliser(note, "bureau.note.ajoutee", acteur=acteur, donnees={
            "dossier": dossier.pk, "agence": agence.cle, "mentions": sorted(u.pk for u in mentionnes)})
        if mentionnes:
            # never attached to the dossier (candidature=None, no dossier in the context): the
            # establishment's timeline lists the notifications sent about its dossier
            notifier_utilisateurs(
                mentionnes, f"{_nom(acteur)} vous mentionne dans une note : {dossier.structure_libelle}"[:300],
                "bureau_mention",
                {"auteur": _nom(acteur), "agence": agence.libelle, "structure": dossier.structure_libelle,
                 "lien": settings.SITE_URL + lien_dossier(dossier) + "#bureau-notes"},
                lien=lien_dossier(dossier) + "#bureau-notes")
    return note


# --- labels --------------------------------------------------------------------------------------------

def _verifier_agence(acteur, agence: Agence) -> None:
    if agence not in agences_de(acteur):
        raise WorkflowError("Seuls les agents de l'agence gèrent ses étiquettes.", code="droit")


def _agence_etiquette(etiquette: Etiquette) -> Agence:
    return agence_de_ligne(etiquette.region_id, etiquette.region if etiquette.region_id else None)


def _libelle_valide(agence: Agence, libelle: str, *, sauf: int | None = None) -> str:
    libelle = " ".join((libelle or "").split())
    if not libelle:
        raise WorkflowError("Donnez un libellé à l'étiquette.", code="libelle")
    if len(libelle) > 40:
        raise WorkflowError("Le libellé d'une étiquette tient en 40 caractères.", code="libelle")
    doublon = Etiquette.objects.filter(agence.filtre(), libelle__iexact=libelle)
    if sauf is not None:
        doublon = doublon.exclude(pk=sauf)
    if doublon.exists():
        raise WorkflowError(f"L'étiquette « {libelle} » existe déjà pour votre agence.", code="doublon")
    return libelle


def _couleur_valide(couleur: str) -> str:
    if couleur not in Couleur.values:
        raise WorkflowError("Choisissez une couleur dans la liste.", code="couleur")
    return couleur


def etiquette_creer(*, agence: Agence, libelle: str, couleur: str, acteur) -> Etiquette:
    _verifier_agence(acteur, agence)
    with transaction.atomic():
        etiquette = Etiquette.objects.create(region_id=agence.region_id, libelle=_libelle_valide(agence, libelle),
                                             couleur=_couleur_valide(couleur), cree_par=acteur)
        journaliser(etiquette, "bureau.etiquette.creee", acteur=acteur,
                    donnees={"agence": agence.cle, "libelle": etiquette.libelle, "couleur": etiquette.couleur})
    return etiquette


def etiquette_modifier(*, etiquette: Etiquette, libelle: str, couleur: str, acteur) -> Etiquette:
    agence = _agence_etiquette(etiquette)
    _verifier_agence(acteur, agence)
    with transaction.atomic():
        etiquette = Etiquette.objects.select_for_update().get(pk=etiquette.pk)
        avant = {"libelle": etiquette.libelle, "couleur": etiquette.couleur}
        etiquette.libelle = _libelle_valide(agence, libelle, sauf=etiquette.pk)
        etiquette.couleur = _couleur_valide(couleur)
        etiquette.save(update_fields=["libelle", "couleur"])
        journaliser(etiquette, "bureau.etiquette.modifiee", acteur=acteur, donnees={
            "agence": agence.cle, "avant": avant, "libelle": etiquette.libelle, "couleur": etiquette.couleur})
    return etiquette


def etiquette_supprimer(*, etiquette: Etiquette, acteur) -> int:
    """Delete an agency's label and take it off every dossier; returns how many dossiers had it."""
    agence = _agence_etiquette(etiquette)
    _verifier_agence(acteur, agence)
    with transaction.atomic():
        etiquette = Etiquette.objects.select_for_update().get(pk=etiquette.pk)
        dossiers = list(EtiquetteDossier.objects.filter(etiquette=etiquette).values_list("dossier_id", flat=True))
        journaliser(etiquette, "bureau.etiquette.supprimee", acteur=acteur, donnees={
            "agence": agence.cle, "libelle": etiquette.libelle, "dossiers": sorted(dossiers)})
        etiquette.delete()
    return len(dossiers)


def _verifier_pose(dossier, etiquette: Etiquette, acteur) -> Agence:
    """A label of the acteur's agency on a dossier that agency instructs (ARS: of its region)."""
    _agence_du_dossier(dossier, acteur)
    agence = _agence_etiquette(etiquette)
    _verifier_agence(acteur, agence)
    if not agence.est_ans and dossier.region_instructrice_id != agence.region_id:
        raise WorkflowError("Cette étiquette est celle d'une autre ARS que celle du dossier.", code="agence")
    return agence


def etiquette_poser(*, dossier, etiquette: Etiquette, acteur) -> EtiquetteDossier:
    """Put ``etiquette`` on ``dossier`` (idempotent: no second row, no second log row)."""
    agence = _verifier_pose(dossier, etiquette, acteur)
    with transaction.atomic():
        pose, cree = EtiquetteDossier.objects.get_or_create(etiquette=etiquette, dossier=dossier,
                                                            defaults={"pose_par": acteur})
        if cree:
            journaliser(etiquette, "bureau.etiquette.posee", acteur=acteur, donnees={
                "dossier": dossier.pk, "agence": agence.cle, "libelle": etiquette.libelle})
    return pose


def etiquette_retirer(*, dossier, etiquette: Etiquette, acteur) -> bool:
    agence = _verifier_pose(dossier, etiquette, acteur)
    with transaction.atomic():
        n, _ = EtiquetteDossier.objects.filter(etiquette=etiquette, dossier=dossier).delete()
        if n:
            journaliser(etiquette, "bureau.etiquette.retiree", acteur=acteur, donnees={
                "dossier": dossier.pk, "agence": agence.cle, "libelle": etiquette.libelle})
    return bool(n)


# --- saved filters -------------------------------------------------------------------------------------

def filtre_enregistrer(*, agent, nom: str, requete: str, colonnes: Iterable[str]) -> FiltreEnregistre:
    """Save (or replace, same name) a filter of the agent's dossier list with its columns."""
    from .liste import COLONNES, requete_propre

    if not agences_de(agent):
        raise WorkflowError("Les filtres enregistrés sont ceux des agents de l'ARS et de l'ANS.", code="droit")
    nom = " ".join((nom or "").split())
    if not nom:
        raise WorkflowError("Donnez un nom au filtre.", code="nom")
    if len(nom) > 80:
        raise WorkflowError("Le nom d'un filtre tient en 80 caractères.", code="nom")
    requete = requete_propre(requete)
    if len(requete) > LONGUEUR_MAX_REQUETE:
        raise WorkflowError("Ce filtre est trop long pour être enregistré.", code="requete")
    colonnes = [c for c in dict.fromkeys(colonnes) if c in COLONNES]
    with transaction.atomic():
        existant = FiltreEnregistre.objects.select_for_update().filter(agent=agent, nom=nom).first()
        if existant is None and FiltreEnregistre.objects.filter(agent=agent).count() >= FILTRES_MAX:
            raise WorkflowError(f"Vous avez déjà {FILTRES_MAX} filtres enregistrés : supprimez-en un d'abord.",
                                code="nombre")
        if existant is None:
            filtre = FiltreEnregistre.objects.create(agent=agent, nom=nom, requete=requete, colonnes=colonnes)
        else:
            filtre = existant
            filtre.requete, filtre.colonnes = requete, colonnes
            filtre.save(update_fields=["requete", "colonnes"])
        journaliser(filtre, "bureau.filtre.enregistre", acteur=agent,
                    donnees={"nom": nom, "requete": requete, "colonnes": colonnes, "remplace": existant is not None})
    return filtre


def filtre_supprimer(*, filtre: FiltreEnregistre, acteur) -> None:
    if filtre.agent_id != acteur.pk:
        raise WorkflowError("Ce filtre n'est pas le vôtre.", code="droit")
    with transaction.atomic():
        journaliser(filtre, "bureau.filtre.supprime", acteur=acteur, donnees={"nom": filtre.nom})
        filtre.delete()
