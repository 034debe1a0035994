"""Every write on controls (STYLE.md). Each service: atomic → lock → check the actor → transition or
write → save → log (on the control: its timeline) → on-commit effects (invitation, PDFs, e-mails).
Refusals raise WorkflowError with a French message; nothing is kept.

Rights: a controller ANS plans a control still to plan (and assigns controllers, themselves or
colleagues); only the controllers assigned to a control re-plan, start, check, ask for information and
decide it; the ES's référent CaRE, DSI or RSSI answer a request for information. The ANS's other roles
and the ARS read only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from candidatures.services import peut_editer
from care_portal.core import etapes
from care_portal.core.travaux import confier
from care_portal.notifications.services import envoyer_email
from care_portal.workflow.services import WorkflowError, journaliser, run_transition
from declarations.models import Declaration, Instantane

from . import ics, regles, selectors
from .models import Controle, Modalite, VerdictObjectif

MESSAGE_NON_ASSIGNE = "Seuls les contrôleurs ANS assignés à ce contrôle peuvent le faire."
DUREES = (60, 90, 120, 180, 240, 480)


class GrilleInvalide(WorkflowError):
    """A checklist or a decision refused: ``erreurs`` lists every reason (French)."""

    def __init__(self, message: str, erreurs: list[str]):
        super().__init__(message + " " + " ".join(erreurs), code="grille")
        self.titre = message
        self.erreurs = erreurs


def lien(controle: Controle) -> str:
    return settings.SITE_URL + reverse("controle:detail", args=[controle.pk])


def _verrouiller(controle: Controle) -> Controle:
    return Controle.objects.select_for_update(of=("self",)).select_related(
        "declaration__candidature__appel", "declaration__candidature__entite_juridique",
        "declaration__candidature__ght", "declaration__candidature__region_instructrice").get(pk=controle.pk)


def _exiger_assigne(acteur, c: Controle) -> None:
    if not selectors.est_assigne(acteur, c):
        raise WorkflowError(MESSAGE_NON_ASSIGNE, code="droit")


# --- creation -------------------------------------------------------------------------------------

def _verdicts_de(controle: Controle, instantane: Instantane | None) -> list[VerdictObjectif]:
    lignes = []
    for n, v in enumerate(instantane.verdicts if instantane else []):
        if v.get("statut") == "non_applicable":
            continue
        lignes.append(VerdictObjectif(controle=controle, ordre=n, code=v["code"], titre=v.get("titre", "")[:255],
                                      statut_moteur=v.get("statut", ""), raisons_moteur=v.get("raisons", [])))
    return lignes


def _creer(declaration_id: int, instantane: Instantane | None) -> Controle:
    c = Controle.objects.create(declaration_id=declaration_id)
    VerdictObjectif.objects.bulk_create(_verdicts_de(c, instantane))
    journaliser(c, "controle.controle.cree", acteur=None, etat_cible=c.etat,
                donnees={"declaration": declaration_id, "instantane": instantane.pk if instantane else None})
    return c


def controle_ouvrir(*, declaration: Declaration) -> Controle:
    """The control « à planifier » of a declaration just found complete, in the caller's transaction
    (``declaration_declarer_complete``); an existing one is returned. Its checklist lists the
    objectives that apply, as frozen at the declaration's last submission."""
    existant = Controle.objects.filter(declaration=declaration).first()
    if existant is not None:
        return existant
    dernier = Instantane.objects.filter(declaration=declaration).order_by("-numero").first()
    with transaction.atomic():  # a savepoint: a concurrent creation leaves the caller's transaction usable
        return _creer(declaration.pk, dernier)


def controles_creer_a_planifier() -> int:
    """A control « à planifier » for every complete declaration that has none — a backfill for the
    declarations completed before this app existed, and the demo (idempotent: the OneToOne keeps one per
    declaration; a concurrent creation is skipped). Returns how many."""
    ids = list(Declaration.objects.filter(etat=Declaration.Etat.COMPLETE, controle__isnull=True)
               .values_list("pk", flat=True))
    if not ids:
        return 0
    derniers: dict[int, Instantane] = {}
    for i in Instantane.objects.filter(declaration_id__in=ids).order_by("declaration_id", "numero"):
        derniers[i.declaration_id] = i
    faits = 0
    for pk in ids:
        try:
            with transaction.atomic():
                _creer(pk, derniers.get(pk))
            faits += 1
        except IntegrityError:
            continue  # created meanwhile by another request
    return faits


# --- planning -------------------------------------------------------------------------------------

def _controleurs_valides(controleurs: Iterable) -> list:
    ids = {u.pk for u in controleurs}
    valides = list(selectors.controleurs_ans().filter(pk__in=ids))
    if not ids:
        raise WorkflowError("Assignez au moins un contrôleur ANS au contrôle.", code="controleurs")
    if len(valides) != len(ids):
        raise WorkflowError("Seuls des contrôleurs ANS peuvent être assignés à un contrôle.", code="controleurs")
    return valides


def _invitation(c: Controle, controleurs: list) -> None:
    cand = c.declaration.candidature
    contacts = selectors.emails_contacts(c)
    copies = sorted({u.email for u in controleurs if u.email})
    modalite = c.get_modalite_display().lower()
    description = (f"Contrôle CaRE ({modalite}) de {cand.structure_libelle} par l'Agence du Numérique en Santé, "
                   f"le {ics.heure_de_paris(c.date_prevue)}.\n"
                   + ("Lien de la réunion : " if c.modalite == Modalite.VISIO else "Lieu : ") + c.lieu
                   + f"\nLe dossier : {lien(c)}")
    texte_ics = ics.calendrier(ics.Invitation(
        uid=f"controle-{c.uid}", sequence=c.sequence, debut=c.date_prevue,
        duree=datetime.timedelta(minutes=c.duree_minutes), resume=f"Contrôle CaRE — {cand.structure_libelle}",
        lieu=c.lieu, description=description, organisateur=settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(">"),
        participants=tuple(contacts + copies), url=lien(c)))
    sujet = ("Contrôle CaRE replanifié" if c.sequence else "Contrôle CaRE planifié") + f" : {cand.structure_libelle}"
    envoyer_email(contacts, sujet, "controle_invitation",
                  {"controle": c, "candidature": cand, "lien": lien(c), "controleurs": controleurs,
                   "quand": ics.heure_de_paris(c.date_prevue), "replanifie": bool(c.sequence)},
                  copies=copies, candidature=cand, lien=reverse("controle:detail", args=[c.pk]),
                  fichiers=[(f"controle-care-{c.pk}.ics", texte_ics, ics.TYPE_MIME)])


def controle_planifier(*, controle: Controle, acteur, modalite: str, date_prevue: datetime.datetime, lieu: str,
                       controleurs: Iterable, duree_minutes: int = 120) -> Controle:
    """Plan (à planifier: any controller ANS) or re-plan (planifié: an assigned controller) the control:
    modality, date inside the control window, place or meeting link, controllers. On commit: the
    invitation with its ICS to the ES contacts (controllers in copy); a re-plan keeps the ICS UID and
    raises its SEQUENCE."""
    lieu = (lieu or "").strip()
    with transaction.atomic():
        c = _verrouiller(controle)
        if not selectors.est_controleur(acteur):
            raise WorkflowError("Seul un contrôleur ANS peut planifier un contrôle.", code="droit")
        if c.etat == Controle.Etat.PLANIFIE:
            _exiger_assigne(acteur, c)
        elif c.etat != Controle.Etat.A_PLANIFIER:
            raise WorkflowError(f"Le contrôle est « {c.get_etat_display().lower()} » : il ne se planifie plus.",
                                code="etat")
        if modalite not in Modalite.values:
            raise WorkflowError("Choisissez la modalité du contrôle : visioconférence ou sur site.", code="modalite")
        if not lieu:
            raise WorkflowError("Indiquez le lien de la visioconférence." if modalite == Modalite.VISIO else
                                "Indiquez l'adresse du contrôle sur site.", code="lieu")
        if modalite == Modalite.VISIO and not lieu.startswith("https://"):
            raise WorkflowError("Le lien de la visioconférence doit commencer par « https:// ».", code="lieu")
        if duree_minutes not in DUREES:
            raise WorkflowError("Choisissez une durée proposée.", code="duree")
        if timezone.is_naive(date_prevue):
            raise WorkflowError("La date du contrôle est invalide.", code="date")
        erreurs = regles.verifier_date(timezone.localdate(date_prevue), selectors.fenetre(c), timezone.localdate())
        if erreurs:
            raise WorkflowError(" ".join(erreurs), code="date")
        valides = _controleurs_valides(controleurs)
        transition = "replanifier" if c.etat == Controle.Etat.PLANIFIE else "planifier"
        run_transition(c, transition, acteur=acteur, verifier_droit=False, modalite=modalite,
                       date_prevue=date_prevue, lieu=lieu, duree_minutes=duree_minutes, le=timezone.now(),
                       update_fields=["modalite", "date_prevue", "lieu", "duree_minutes", "planifie_le", "sequence"],
                       donnees={"modalite": modalite, "date_prevue": date_prevue.isoformat(), "lieu": lieu,
                                "duree_minutes": duree_minutes, "controleurs": [u.pk for u in valides],
                                "sequence": c.sequence + (1 if transition == "replanifier" else 0)})
        c.controleurs.set(valides)
        _invitation(c, valides)
    return c


# --- the control ----------------------------------------------------------------------------------

def controle_commencer(*, controle: Controle, acteur) -> Controle:
    """Start the control (an assigned controller), on or after its planned day (Europe/Paris)."""
    with transaction.atomic():
        c = _verrouiller(controle)
        _exiger_assigne(acteur, c)
        if c.etat == Controle.Etat.PLANIFIE:
            erreurs = regles.verifier_commencement(
                timezone.localdate(c.date_prevue) if c.date_prevue else None, timezone.localdate())
            if erreurs:
                raise WorkflowError(" ".join(erreurs), code="date")
        run_transition(c, "commencer", acteur=acteur, verifier_droit=False, le=timezone.now(),
                       update_fields=["commence_le"])
    return c


def controle_enregistrer_grille(*, controle: Controle, acteur, saisies: dict[str, tuple[str, str]]) -> int:
    """Record the verdicts (code → (verdict, comment)) of the checklist, all or nothing: a reserve or
    a non-conformity needs its comment. Open while the control is in progress or awaiting information.
    Returns how many objectives changed."""
    with transaction.atomic():
        c = _verrouiller(controle)
        _exiger_assigne(acteur, c)
        if c.etat not in (Controle.Etat.EN_COURS, Controle.Etat.INFORMATIONS_DEMANDEES):
            raise WorkflowError("La grille se remplit une fois le contrôle commencé, et jusqu'à sa décision.",
                                code="etat")
        verdicts = {v.code: v for v in c.verdicts.select_for_update()}
        inconnus = sorted(set(saisies) - set(verdicts))
        if inconnus:
            raise WorkflowError("Objectif(s) hors de la grille de ce contrôle : " + ", ".join(inconnus), code="grille")
        erreurs, changes = [], []
        for code, (verdict, commentaire) in saisies.items():
            verdict, commentaire = (verdict or "").strip(), (commentaire or "").strip()
            v = verdicts[code]
            erreurs += regles.verifier_saisie(regles.LigneGrille(code=code, titre=v.titre, verdict=verdict,
                                                                 commentaire=commentaire))
            if (verdict, commentaire) != (v.verdict, v.commentaire):
                v.verdict, v.commentaire = verdict, commentaire
                v.modifie_le, v.modifie_par = timezone.now(), acteur
                changes.append(v)
        if erreurs:
            raise GrilleInvalide("La grille n'a pas été enregistrée :", erreurs)
        VerdictObjectif.objects.bulk_update(changes, ["verdict", "commentaire", "modifie_le", "modifie_par"])
        if changes:
            journaliser(c, "controle.controle.grille_enregistree", acteur=acteur, donnees={
                "verdicts": {v.code: {"verdict": v.verdict, "commentaire": v.commentaire} for v in changes}})
    return len(changes)


def controle_demander_informations(*, controle: Controle, acteur, message: str) -> Controle:
    message = (message or "").strip()
    if not message:
        raise WorkflowError("Précisez les informations que l'établissement doit fournir.", code="motif")
    with transaction.atomic():
        c = _verrouiller(controle)
        _exiger_assigne(acteur, c)
        run_transition(c, "demander_informations", acteur=acteur, verifier_droit=False, message=message,
                       motif=message, update_fields=["demande"])
        cand = c.declaration.candidature
        envoyer_email(selectors.emails_contacts(c), f"Contrôle CaRE : informations demandées ({cand.structure_libelle})",
                      "controle_informations_demandees", {"controle": c, "candidature": cand, "message": message,
                                                          "lien": lien(c), "lien_dossier": lien(c)})
    return c


def controle_repondre(*, controle: Controle, acteur, message: str, fichiers: Iterable = ()) -> Controle:
    """The ES answers a request for information (référent CaRE, DSI or RSSI of the structure), with
    documents stored through the documents service; the control resumes. Closed → refused."""
    from care_portal.documents import fabrique
    from care_portal.documents import services as documents

    message = (message or "").strip()
    fichiers = [f for f in fichiers if f]
    if not message and not fichiers:
        raise WorkflowError("Écrivez votre réponse ou joignez au moins un document.", code="reponse")
    deposes = []
    with fabrique.atelier():  # the documents stored here lose their bytes if the answer fails
        c = _verrouiller(controle)
        cand = c.declaration.candidature
        if not peut_editer(acteur, cand):
            raise WorkflowError("Seuls le référent CaRE, le DSI et le RSSI de la structure peuvent répondre.",
                                code="droit")
        if c.clos:
            raise WorkflowError("Le contrôle est clos : il n'est plus possible d'y répondre.", code="clos")
        if c.etat != Controle.Etat.INFORMATIONS_DEMANDEES:
            raise WorkflowError("Aucune information n'est demandée par l'ANS pour le moment.", code="etat")
        for f in fichiers:
            deposes.append(documents.document_deposer(fichier=f, acteur=acteur, proprietaire=c,
                                                      categorie=selectors.CATEGORIE_REPONSE))
        run_transition(c, "repondre", acteur=acteur, verifier_droit=False, message=message, motif=message,
                       update_fields=["reponse"],
                       donnees={"documents": [{"id": str(d.pk), "nom": d.nom_original, "sha256": d.sha256}
                                              for d in deposes]})
        envoyer_email(selectors.emails_controleurs(c),
                      f"Contrôle CaRE : l'établissement a répondu ({cand.structure_libelle})",
                      "controle_reponse", {"controle": c, "candidature": cand, "message": message,
                                           "documents": deposes, "lien": lien(c), "lien_dossier": lien(c)})
    return c


def _decider(controle: Controle, acteur, *, transition: str, verifier, titre: str, **kwargs: Any) -> Controle:
    with transaction.atomic():
        c = _verrouiller(controle)
        _exiger_assigne(acteur, c)
        if c.etat != Controle.Etat.EN_COURS:
            raise WorkflowError(f"Le contrôle est « {c.get_etat_display().lower()} » : il ne peut pas être décidé "
                                "maintenant.", code="etat")
        erreurs = regles.verifier_tenue(timezone.localdate(c.date_prevue) if c.date_prevue else None,
                                        c.date_tenue, timezone.localdate())
        if erreurs:
            raise WorkflowError(" ".join(erreurs), code="date")
        lignes = selectors.lignes_grille(list(c.verdicts.order_by("ordre", "code")))
        erreurs = verifier(lignes)
        if erreurs:
            raise GrilleInvalide(titre, erreurs)
        if transition == "constater_non_atteinte":
            kwargs["motif"] = regles.motif_de_non_atteinte(lignes)
        run_transition(c, transition, acteur=acteur, verifier_droit=False, le=timezone.now(), par=acteur,
                       update_fields=["decide_le", "decide_par", "motif"], **kwargs,
                       donnees={"verdicts": {ligne.code: ligne.verdict for ligne in lignes},
                                "date_tenue": c.date_tenue.isoformat()})
        if transition == "valider_atteinte":
            etapes.passer_a_la_suite(depuis="controle", objet=c, acteur=acteur)  # its payment, to validate
        from .tasks import generer_pieces_task

        confier(generer_pieces_task, c.pk, objet=c)
    return c


def controle_valider_atteinte(*, controle: Controle, acteur) -> Controle:
    """Attest that the objectives are reached: every applicable objective checked, none non conforme.
    On commit: the sealed attestation and the report, e-mailed to the ES contacts."""
    return _decider(controle, acteur, transition="valider_atteinte", verifier=regles.verifier_atteinte,
                    titre="Les objectifs ne peuvent pas être déclarés atteints :")


def controle_constater_non_atteinte(*, controle: Controle, acteur) -> Controle:
    """Record that the objectives are not reached; the motive is the comment of each objective non
    conforme. On commit: the report, e-mailed to the ES contacts."""
    return _decider(controle, acteur, transition="constater_non_atteinte", verifier=regles.verifier_non_atteinte,
                    titre="La non-atteinte ne peut pas être constatée :")

