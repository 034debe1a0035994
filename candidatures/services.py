"""Every write on candidatures (STYLE.md). Each service: atomic → lock → check the actor →
transition → save → log → on-commit effects. Refusals raise WorkflowError with a French message."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import ROLES_ANS, Role
from care_portal.comptes.services import a_role_confirme
from care_portal.core import etapes
from care_portal.core.travaux import confier
from care_portal.notifications.services import envoyer_email
from care_portal.referentiel.categories import est_esms
from care_portal.referentiel.models import GHT, AppelAFinancement, EntiteJuridique, StatutJuridique
from care_portal.workflow.services import WorkflowError, journaliser, run_transition

from . import selectors
from .banque import verifier_coordonnees
from .models import Candidature, Message, PerimetreLigne
from .regles import TypeCandidature

logger = logging.getLogger(__name__)

CHAMPS_EDITABLES = [
    "referent_nom", "referent_email", "referent_telephone",
    "dsi_nom", "dsi_email", "dsi_telephone",
    "rssi_nom", "rssi_email", "rssi_telephone",
    "signataire_civilite", "signataire_nom", "signataire_fonction", "signataire_email",
    "titulaire_compte", "iban", "bic", "decision_support_requise",
]


# --- derived data -----------------------------------------------------------------------------

def type_de(structure: GHT | EntiteJuridique) -> str:
    if isinstance(structure, GHT):
        return TypeCandidature.GHT
    if structure.statut == StatutJuridique.PRIVE_EBNL:
        return TypeCandidature.PRIVE_EBNL
    if structure.statut == StatutJuridique.PRIVE_LUCRATIF:
        return TypeCandidature.PRIVE_LUCRATIF
    return TypeCandidature.PUBLIC_HORS_GHT


def region_instructrice_de(structure: GHT | EntiteJuridique):
    """GHT → the ARS of its support's region (even when members span regions); EJ → the EJ's region."""
    if isinstance(structure, GHT):
        if structure.support_id is None:
            raise WorkflowError("Ce GHT n'a pas d'établissement support dans le référentiel : contactez l'ANS.")
        return structure.support.departement.region
    return structure.departement.region


def lignes_perimetre(structure: GHT | EntiteJuridique) -> list[dict[str, Any]]:
    """The perimeter from the referential: a GHT's member EJ (support first; ESMS-only members
    excluded), a public EJ alone, or a private EJ's health EG (ESMS excluded)."""
    lignes = []
    if isinstance(structure, GHT):
        for ej in structure.membres.select_related("departement").prefetch_related("etablissements"):
            egs = list(ej.etablissements.all())
            if egs and all(est_esms(eg.categorie_code, eg.categorie_agregee_code) for eg in egs):
                continue
            lignes.append({"entite_juridique": ej, "etablissement": None, "finess": ej.finess,
                           "libelle": ej.raison_sociale, "est_support": ej.pk == structure.support_id,
                           "activite": ej.activite_combinee})
    elif type_de(structure) == TypeCandidature.PUBLIC_HORS_GHT:
        lignes.append({"entite_juridique": structure, "etablissement": None, "finess": structure.finess,
                       "libelle": structure.raison_sociale, "est_support": False,
                       "activite": structure.activite_combinee})
        # its health EG too (issue 17): D1.O2.A « pour l'ensemble des ES-géographiques d'une EJ candidate »
        # and D1.O1.B « si l'EJ a plusieurs entités géographiques » are judged per site; the prerequisites
        # and D1.O3–O5 still read the EJ line only.
        for eg in structure.etablissements.all():
            if eg.finess != structure.finess and not est_esms(eg.categorie_code, eg.categorie_agregee_code):
                lignes.append({"entite_juridique": structure, "etablissement": eg, "finess": eg.finess,
                               "libelle": eg.raison_sociale, "est_support": False, "activite": eg.activite_combinee})
    else:
        for eg in structure.etablissements.all():
            if est_esms(eg.categorie_code, eg.categorie_agregee_code):
                continue
            lignes.append({"entite_juridique": structure, "etablissement": eg, "finess": eg.finess,
                           "libelle": eg.raison_sociale, "est_support": False, "activite": eg.activite_combinee})
    return lignes


# --- rights -----------------------------------------------------------------------------------

def _portee(c: Candidature) -> dict:
    return {"ght": c.ght} if c.ght_id else {"entite_juridique": c.entite_juridique}


def peut_editer(user, c: Candidature) -> bool:
    return a_role_confirme(user, [Role.REFERENT_ES, Role.DSI, Role.RSSI], **_portee(c))


def peut_deposer(user, c: Candidature) -> bool:
    return a_role_confirme(user, [Role.REFERENT_ES], **_portee(c))


def peut_instruire(user, c: Candidature) -> bool:
    return a_role_confirme(user, [Role.REFERENT_ARS], region=c.region_instructrice)


def _verrouiller(c: Candidature) -> Candidature:
    return Candidature.objects.select_for_update().get(pk=c.pk)


def _dans_la_fenetre(appel: AppelAFinancement) -> bool:
    today = timezone.localdate()
    return appel.candidature_debut <= today <= appel.candidature_fin


# --- services -----------------------------------------------------------------------------------

def candidature_creer(*, structure: GHT | EntiteJuridique, appel: AppelAFinancement, acteur) -> Candidature:
    """A référent ES opens the draft of its structure for a call (one per structure and call)."""
    portee = {"ght": structure} if isinstance(structure, GHT) else {"entite_juridique": structure}
    if not a_role_confirme(acteur, [Role.REFERENT_ES], **portee):
        raise WorkflowError("Seul un référent CaRE confirmé de la structure peut ouvrir sa candidature.",
                            code="droit")
    if timezone.localdate() > appel.candidature_fin:
        raise WorkflowError(f"Les candidatures à « {appel.nom} » sont closes depuis le "
                            f"{appel.candidature_fin:%d/%m/%Y}.", code="fenetre")
    if not isinstance(structure, GHT) and structure.statut in (StatutJuridique.PUBLIC, ""):
        ght = structure.ghts.order_by("code").first()
        if ght is not None:
            raise WorkflowError(f"{structure.raison_sociale} est membre du GHT {ght.code} : sa candidature est portée "
                                "par l'établissement support du GHT, pour toutes ses entités juridiques.",
                                code="structure")
    porteuse = structure.support if isinstance(structure, GHT) else structure
    try:
        with transaction.atomic():
            c = Candidature.objects.create(
                appel=appel, ght=structure if isinstance(structure, GHT) else None, entite_juridique=porteuse,
                type_candidature=type_de(structure), region_instructrice=region_instructrice_de(structure),
                cree_par=acteur, referent_nom=acteur.get_full_name(), referent_email=acteur.email,
                referent_telephone=acteur.telephone,
            )
            PerimetreLigne.objects.bulk_create([
                PerimetreLigne(candidature=c, entite_juridique=ligne["entite_juridique"],
                               etablissement=ligne["etablissement"], finess=ligne["finess"],
                               libelle=ligne["libelle"], est_support=ligne["est_support"],
                               activite_combinee=ligne["activite"], activite_referentiel=ligne["activite"])
                for ligne in lignes_perimetre(structure)
            ])
            journaliser(c, "candidatures.candidature.creee", acteur=acteur, etat_cible=c.etat)
    except IntegrityError as exc:
        raise WorkflowError("Une candidature existe déjà pour cette structure et cet appel à financement.",
                            code="doublon") from exc
    return c


def candidature_enregistrer(*, candidature: Candidature, acteur, donnees: dict[str, Any]) -> Candidature:
    """Save the draft (always possible while the ES may edit). IBAN/BIC are normalised; invalid
    values are kept so nothing typed is lost, and the completeness check reports them."""
    with transaction.atomic():
        c = _verrouiller(candidature)
        if not peut_editer(acteur, c):
            raise WorkflowError("Vous n'avez pas le droit de modifier cette candidature.", code="droit")
        if not c.modifiable_par_es:
            raise WorkflowError(f"La candidature est « {c.get_etat_display().lower()} » : elle n'est plus "
                                "modifiable.", code="etat")
        champs = [k for k in CHAMPS_EDITABLES if k in donnees]
        for k in champs:
            valeur = donnees[k]
            setattr(c, k, valeur.strip() if isinstance(valeur, str) else valeur)
        if "iban" in champs or "bic" in champs:
            v = verifier_coordonnees(c.iban, c.bic)
            c.iban, c.bic = v.iban, v.bic
        c.save(update_fields=[*champs, "modifie_le"])
        journaliser(c, "candidatures.candidature.enregistree", acteur=acteur, donnees={"champs": champs})
    return c


def perimetre_dater_audit(*, ligne: PerimetreLigne, acteur, date_audit: date | None) -> PerimetreLigne:
    """Record (or clear) the date of the cyber-surveillance audit a perimeter line's attestation
    certifies, while the ES may edit its draft. A date in the future is refused."""
    with transaction.atomic():
        c = _verrouiller(ligne.candidature)
        if not peut_editer(acteur, c):
            raise WorkflowError("Vous n'avez pas le droit de modifier cette candidature.", code="droit")
        if not c.modifiable_par_es:
            raise WorkflowError(f"La candidature est « {c.get_etat_display().lower()} » : elle n'est plus "
                                "modifiable.", code="etat")
        if date_audit is not None and date_audit > timezone.localdate():
            raise WorkflowError("La date de l'audit de cybersurveillance ne peut pas être dans le futur.",
                                code="date")
        ligne = PerimetreLigne.objects.select_for_update().get(pk=ligne.pk, candidature=c)
        if ligne.date_audit_exposition == date_audit:
            return ligne
        ligne.date_audit_exposition = date_audit
        ligne.save(update_fields=["date_audit_exposition"])
        journaliser(c, "candidatures.candidature.audit_date_indiquee", acteur=acteur,
                    donnees={"ligne": ligne.pk, "finess": ligne.finess,
                             "date": date_audit.isoformat() if date_audit else None})
    return ligne


def perimetre_ajuster(*, ligne: PerimetreLigne, acteur, activite: Decimal | str, inclus: bool,
                      motif: str) -> PerimetreLigne:
    """Adjust a perimeter line's activity or inclusion, with a reason (shown to the ARS)."""
    motif = (motif or "").strip()
    if not motif:
        raise WorkflowError("Indiquez le motif de l'ajustement du périmètre.", code="motif")
    try:
        activite = Decimal(str(activite).replace(",", ".").replace(" ", ""))
    except InvalidOperation as exc:
        raise WorkflowError("L'activité combinée doit être un nombre.", code="valeur") from exc
    if activite < 0 or activite.as_tuple().exponent < -2:
        raise WorkflowError("L'activité combinée doit être positive, avec au plus 2 décimales.", code="valeur")
    with transaction.atomic():
        c = _verrouiller(ligne.candidature)
        if not peut_deposer(acteur, c):
            raise WorkflowError("Seul le référent CaRE de la structure peut ajuster le périmètre.", code="droit")
        if not c.modifiable_par_es:
            raise WorkflowError("Le périmètre n'est plus modifiable dans l'état actuel de la candidature.",
                                code="etat")
        ligne = PerimetreLigne.objects.select_for_update().get(pk=ligne.pk, candidature=c)
        avant = {"activite": str(ligne.activite_combinee), "inclus": ligne.inclus}
        if ligne.est_support and not inclus:
            raise WorkflowError("L'établissement support ne peut pas être retiré du périmètre.", code="valeur")
        ligne.activite_combinee, ligne.inclus, ligne.motif_ajustement = activite, inclus, motif
        ligne.save(update_fields=["activite_combinee", "inclus", "motif_ajustement"])
        journaliser(c, "candidatures.candidature.perimetre_ajuste", acteur=acteur, motif=motif,
                    donnees={"finess": ligne.finess, "avant": avant,
                             "apres": {"activite": str(activite), "inclus": inclus}})
    return ligne


def candidature_deposer(*, candidature: Candidature, acteur) -> Candidature:
    """Submit (or answer a complement): inside the call's window and only when complete; the
    refusal lists what is missing. Locks the documents; receipt PDF and e-mails on commit."""
    with transaction.atomic():
        c = _verrouiller(candidature)
        if not peut_deposer(acteur, c):
            raise WorkflowError("Seul le référent CaRE de la structure peut déposer la candidature.", code="droit")
        if c.etat == Candidature.Etat.BROUILLON and not _dans_la_fenetre(c.appel):
            raise WorkflowError(
                f"Le dépôt est possible du {c.appel.candidature_debut:%d/%m/%Y} au "
                f"{c.appel.candidature_fin:%d/%m/%Y} : la fenêtre de candidature est fermée.", code="fenetre")
        manquants = [m for s in selectors.completude(c) for m in s.manquants]
        if manquants:
            raise WorkflowError("La candidature est incomplète : " + " ".join(manquants), code="incomplet")
        maintenant = timezone.now()
        run_transition(c, "deposer", acteur=acteur, verifier_droit=False, le=maintenant,
                       update_fields=["deposee_le", "premiere_depose_le"])
        _apres_depot(c)
    return c


def _apres_depot(c: Candidature) -> None:
    from care_portal.documents import services as documents

    documents.document_verrouiller(documents=selectors.documents_de(c), acteur=None)
    from .tasks import generer_recepisse_task

    confier(generer_recepisse_task, c.pk, c.deposee_le.isoformat(), objet=c)
    lien = settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])
    envoyer_email(selectors.emails_ars(c), f"Candidature déposée : {c.structure_libelle}",
                  "candidature_deposee_ars", {"candidature": c, "lien": lien})
    envoyer_email([c.referent_email], "Votre candidature est déposée", "candidature_deposee_es",
                  {"candidature": c, "lien": lien})


def candidature_demander_complement(*, candidature: Candidature, acteur, message: str) -> Candidature:
    message = (message or "").strip()
    if not message:
        raise WorkflowError("Précisez ce que l'établissement doit compléter.", code="motif")
    with transaction.atomic():
        c = _verrouiller(candidature)
        if not peut_instruire(acteur, c):
            raise WorkflowError("Seule l'ARS instructrice peut demander un complément.", code="droit")
        run_transition(c, "demander_complement", acteur=acteur, motif=message, verifier_droit=False,
                       update_fields=["motif"])
        envoyer_email(selectors.emails_es(c), "Complément demandé sur votre candidature", "candidature_complement",
                      {"candidature": c, "message": message,
                       "lien": settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])})
    return c


def candidature_declarer_complete(*, candidature: Candidature, acteur) -> Candidature:
    with transaction.atomic():
        c = _verrouiller(candidature)
        if not peut_instruire(acteur, c):
            raise WorkflowError("Seule l'ARS instructrice peut déclarer la candidature complète.", code="droit")
        run_transition(c, "declarer_complete", acteur=acteur, verifier_droit=False, le=timezone.now(),
                       update_fields=["decidee_le", "motif"])
        etapes.passer_a_la_suite(depuis="instruction", objet=c, acteur=acteur)  # its convention, to send
        lien = settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])
        envoyer_email(selectors.emails_es(c), "Votre candidature est complète", "candidature_complete",
                      {"candidature": c, "lien": lien})
        envoyer_email(selectors.emails_ans(), f"Candidature complète : {c.structure_libelle}",
                      "candidature_complete_ans", {"candidature": c, "lien": lien})
    return c


def candidature_rejeter(*, candidature: Candidature, acteur, motif: str) -> Candidature:
    motif = (motif or "").strip()
    if not motif:
        raise WorkflowError("Le motif du rejet est obligatoire : il est transmis à l'établissement.", code="motif")
    with transaction.atomic():
        c = _verrouiller(candidature)
        if not peut_instruire(acteur, c):
            raise WorkflowError("Seule l'ARS instructrice peut rejeter la candidature.", code="droit")
        run_transition(c, "rejeter", acteur=acteur, motif=motif, verifier_droit=False, le=timezone.now(),
                       update_fields=["decidee_le", "motif"])
        envoyer_email(selectors.emails_es(c), "Votre candidature est rejetée", "candidature_rejetee",
                      {"candidature": c, "motif": motif,
                       "lien": settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])})
    return c


def candidature_retirer(*, candidature: Candidature, acteur, motif: str = "") -> Candidature:
    with transaction.atomic():
        c = _verrouiller(candidature)
        if not peut_deposer(acteur, c):
            raise WorkflowError("Seul le référent CaRE de la structure peut retirer la candidature.", code="droit")
        run_transition(c, "retirer", acteur=acteur, motif=(motif or "").strip(), verifier_droit=False,
                       le=timezone.now(), update_fields=["decidee_le", "motif"],
                       message_refus="Une candidature complète ou rejetée ne peut plus être retirée.")
        if c.deposee_le:
            envoyer_email(selectors.emails_ars(c), f"Candidature retirée : {c.structure_libelle}",
                          "candidature_retiree",
                          {"candidature": c, "lien": settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])})
    return c


# --- messages ------------------------------------------------------------------------------------

CATEGORIE_PIECE_JOINTE = "piece_jointe"
LONGUEUR_MAX_MESSAGE = 10_000

_messages_en_creation: ContextVar[frozenset[int]] = ContextVar("candidatures_messages_en_creation",
                                                               default=frozenset())


def messages_en_creation() -> frozenset[int]:
    """Ids of the messages being sent right now in this context: only while ``message_envoyer`` runs
    may their author attach files to them (the documents registry asks, see apps.py)."""
    return _messages_en_creation.get()


@contextmanager
def _pieces_jointes_ouvertes(message: Message):
    jeton = _messages_en_creation.set(messages_en_creation() | {message.pk})
    try:
        yield
    finally:
        _messages_en_creation.reset(jeton)


def cote_de(user, c: Candidature) -> str | None:
    """On which side ``user`` writes on ``c``'s thread: ES member, instructing ARS, ANS — or None."""
    if peut_editer(user, c):
        return Message.Cote.ES
    if peut_instruire(user, c):
        return Message.Cote.ARS
    if a_role_confirme(user, ROLES_ANS):
        return Message.Cote.ANS
    return None


def _destinataires_message(c: Candidature, cote: str, auteur) -> list[str]:
    """The other side(s): ES ↔ the instructing ARS; the ANS agents who joined the thread hear of both;
    a message of the ANS goes to both the ES and the ARS."""
    ans = list(
        Message.objects.filter(candidature=c, cote=Message.Cote.ANS, auteur__is_active=True)
        .values_list("auteur__email", flat=True).distinct()
    )
    if cote == Message.Cote.ES:
        emails = [*selectors.emails_ars(c), *ans]
    elif cote == Message.Cote.ARS:
        emails = [*selectors.emails_es(c), *ans]
    else:
        emails = [*selectors.emails_es(c), *selectors.emails_ars(c), *ans]
    return sorted({e for e in emails if e and e.lower() != (auteur.email or "").lower()})


def message_envoyer(*, candidature: Candidature, acteur, corps: str, fichiers: Iterable = ()) -> Message:
    """Post a message (and its attachments, through the documents service) on the dossier's thread:
    the ES members (DSI, RSSI, référent), the instructing ARS and the ANS may; the other side is
    told by e-mail. A refused attachment refuses the whole message: nothing is kept."""
    corps = (corps or "").strip()
    if not corps:
        raise WorkflowError("Écrivez votre message.", code="motif")
    if len(corps) > LONGUEUR_MAX_MESSAGE:
        raise WorkflowError(f"Le message est trop long ({len(corps)} caractères, {LONGUEUR_MAX_MESSAGE} au plus).",
                            code="valeur")
    fichiers = [f for f in fichiers if f]
    from care_portal.documents import services as documents
    from care_portal.documents.models import Document

    with transaction.atomic():
        c = _verrouiller(candidature)
        cote = cote_de(acteur, c)
        if cote is None:
            raise WorkflowError("Seuls l'établissement, l'ARS instructrice et l'ANS peuvent écrire sur ce dossier.",
                                code="droit")
        m = Message.objects.create(candidature=c, auteur=acteur, cote=cote, corps=corps)
        pieces: list[Document] = []
        try:
            with _pieces_jointes_ouvertes(m):
                for f in fichiers:
                    pieces.append(documents.document_deposer(fichier=f, acteur=acteur, proprietaire=m,
                                                             categorie=CATEGORIE_PIECE_JOINTE))
            journaliser(c, "candidatures.message.envoye", acteur=acteur, donnees={
                "message": m.pk, "cote": cote,
                "pieces_jointes": [{"document": str(d.pk), "nom": d.nom_original, "sha256": d.sha256} for d in pieces],
            })
        except BaseException:
            # The rows go with the transaction; the bytes already stored must go too.
            for d in pieces:
                try:
                    default_storage.delete(d.cle_stockage)
                except Exception:  # noqa: BLE001 — cleaning up must not hide the refusal
                    logger.exception("candidatures: pièce jointe %s non effacée du stockage", d.pk)
            raise
        envoyer_email(
            _destinataires_message(c, cote, acteur), f"Nouveau message sur la candidature {c.structure_libelle}",
            "message_nouveau",
            {"candidature": c, "message": m, "nb_pieces": len(pieces),
             "lien": settings.SITE_URL + reverse("candidatures:detail", args=[c.pk]) + "#section-messages"},
        )
    return m


def sunes_importer_lignes(lignes: list[tuple[str, str]], *, source: str) -> tuple[int, int]:
    """Replace nothing, add or update: (finess, libelle) pairs of the published SUN-ES list."""
    from .models import StructureSunes

    crees = maj = 0
    with transaction.atomic():
        existants = dict(StructureSunes.objects.values_list("finess", "libelle"))
        nouveaux = []
        for finess, libelle in lignes:
            if finess in existants:
                if existants[finess] != libelle and libelle:
                    StructureSunes.objects.filter(finess=finess).update(libelle=libelle, source=source)
                    maj += 1
            else:
                nouveaux.append(StructureSunes(finess=finess, libelle=libelle, source=source))
                existants[finess] = libelle
        StructureSunes.objects.bulk_create(nouveaux)
        crees = len(nouveaux)
    return crees, maj
