"""The bulk actions of the core (care_portal.core.etapes.ActionGroupee), registered by ``enregistrer()`` from
``BureauConfig.ready()``; the stages register theirs from their own ``actions_groupees.py``.

- « Relancer l'établissement »: an e-mail (and an in-app notice) reminding the establishment of what is
  awaited of it at its current step. What is awaited is said by the stages: each registers, for its step,
  a function ``attente(dossier) → Attente | None`` (``enregistrer_attente``); the core asks them from the last
  step to the first and sends what the first one answers through the notifications, logged on the dossier.
- « Télécharger les documents (ZIP) »: each dossier is checked (it has documents the agent may read), then
  one archive of the accepted dossiers is built by a worker (care_portal/bureau/archives).
- « Affecter » and « Étiqueter »: the desk's own services (care_portal/bureau/services.py), with a parameter
  form (``formulaire(data, acteur=…)``: the colleague, the label).

An action may also have a step run once after all the dossiers (``apres``): the ZIP archive is requested
there, with the dossiers that were accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from care_portal.core import etapes, format_fr
from care_portal.workflow.services import WorkflowError, journaliser

CODE_RELANCE = "bureau.dossier.etablissement_relance"
ORDRE_ACTIONS = {"affecter": 10, "etiqueter": 20, "relancer_etablissement": 40, "telecharger_zip": 90}


# --- what is awaited of the establishment ------------------------------------------------------------


@dataclass(frozen=True)
class Attente:
    """What the establishment must do now on a dossier, as a stage sees it.

    ``cle`` names the awaited thing (``convention.signature.2``: the 2nd sending's signature): one reminder per
    ``cle`` within ``CARE_BUREAU_RELANCE_INTERVALLE_HEURES``. ``objet`` completes « Il vous reste à … »
    (« signer la convention n° CARE-… »); ``precision`` is shown under it (the ARS's request…); ``lien`` is the
    page where the establishment acts (absolute URL); ``echeance`` its deadline, if any."""

    cle: str
    objet: str
    destinataires: tuple[str, ...]
    lien: str
    precision: str = ""
    echeance: date | datetime | None = None
    copies: tuple[str, ...] = ()


_attentes: dict[str, Callable[[object], Attente | None]] = {}
_apres: dict[str, Callable[..., None]] = {}


def enregistrer_attente(etape: str, attente: Callable[[object], Attente | None]) -> None:
    """A stage's « what is awaited of the establishment » for dossiers at its step ``etape`` (a stage code)."""
    _attentes[etape] = attente


def attente_de(dossier) -> Attente | None:
    """What is awaited of the establishment on ``dossier``: asked to the stages from the last to the first."""
    ordre = {code: i for i, code in enumerate(etapes.codes())}
    for code in sorted(_attentes, key=lambda c: ordre.get(c, -1), reverse=True):
        attente = _attentes[code](dossier)
        if attente is not None:
            return attente
    return None


def enregistrer_apres(code: str, apres: Callable[..., None]) -> None:
    """The step run once after the dossiers of action ``code``: ``apres(execution=…, dossiers=…, acteur=…,
    **contexte)`` with the dossiers done."""
    _apres[code] = apres


def apres(code: str) -> Callable[..., None] | None:
    return _apres.get(code)


def intervalle_relance() -> timedelta:
    return timedelta(hours=int(getattr(settings, "CARE_BUREAU_RELANCE_INTERVALLE_HEURES", 24)))


def _visible_par(acteur, dossier) -> bool:
    from .archives.selectors import dossiers_visibles

    return dossiers_visibles(acteur).filter(pk=dossier.pk).exists()


def _expediteur(acteur, dossier) -> str:
    from care_portal.comptes.selectors import habilitations

    h = habilitations(acteur)
    region = dossier.region_instructrice
    if h.est_ars and region is not None and region.pk in h.region_ids:
        return f"l'{region.ars}"  # « l'ARS Nouvelle-Aquitaine »
    return "l'Agence du Numérique en Santé"


def _echeance_texte(echeance) -> str:
    if echeance is None:
        return ""
    if isinstance(echeance, datetime):
        local = timezone.localtime(echeance)
        return f"{format_fr.date_longue(local.date())} à {local:%H:%M} (heure de Paris)"
    return format_fr.date_longue(echeance)


def etablissement_relancer(*, dossier, acteur) -> str:
    """An agent (the ANS, or the ARS of the dossier's region) reminds the establishment of what is awaited of
    it now (the stages say what: ``attente_de``): one e-mail to its contacts, with an in-app notice for those
    who have an account (notifications), logged on the dossier. Refused, with the reason, when nothing is
    awaited of the establishment, when the dossier has no contact address, or when the same thing was
    reminded less than ``intervalle_relance()`` ago. Returns the sentence of the report."""
    from care_portal.notifications.services import envoyer_email
    from care_portal.workflow.selectors import journal_de

    modele = etapes.modele_dossier()
    with transaction.atomic():
        d = (modele.objects.select_for_update(of=("self",))
             .select_related("appel", "ght", "entite_juridique", "region_instructrice").get(pk=dossier.pk))
        if not _visible_par(acteur, d):
            raise WorkflowError("Vous ne pouvez relancer que les établissements des dossiers que vous instruisez.",
                                code="droit")
        attente = attente_de(d)
        if attente is None:
            s = etapes.situer(d)
            try:
                ou = etapes.etape(s.etape).libelle
            except etapes.EtapeInconnue:
                ou = s.etape
            etat = f" : {format_fr.minuscule_initiale(s.etat)}" if s.etat else ""
            raise WorkflowError(f"Rien n'est attendu de l'établissement en ce moment ({ou}{etat}) : "
                                "pas de relance.", code="rien")
        if not attente.destinataires:
            raise WorkflowError("Le dossier n'indique aucune adresse e-mail de l'établissement : relance impossible.",
                                code="adresse")
        maintenant = timezone.now()
        precedente = (journal_de(d).filter(code=CODE_RELANCE, donnees__cle=attente.cle,
                                           cree_le__gt=maintenant - intervalle_relance())
                      .order_by("-cree_le").first())
        if precedente is not None:
            quand = timezone.localtime(precedente.cree_le)
            par = precedente.acteur.get_full_name() if precedente.acteur else "eCaRE"
            heures = int(intervalle_relance().total_seconds() // 3600)
            raise WorkflowError(f"L'établissement a déjà été relancé pour cela le {quand:%d/%m/%Y à %H:%M} par {par} : "
                                f"une seule relance par {format_fr.pluriel(heures, 'heure')}.", code="deja")
        expediteur = _expediteur(acteur, d)
        echeance = _echeance_texte(attente.echeance)
        envoi = envoyer_email(
            attente.destinataires, f"Rappel : {attente.objet}", "relance_etablissement",
            {"candidature": d, "attente": attente, "expediteur": expediteur, "echeance": echeance,
             "agent": acteur.get_full_name() or acteur.email, "lien": attente.lien},
            copies=attente.copies, candidature=d, lien=attente.lien)
        nombre = len(envoi.destinataires) + len(envoi.copies) if envoi is not None else 0
        journaliser(d, CODE_RELANCE, acteur=acteur,
                    donnees={"cle": attente.cle, "objet": attente.objet, "destinataires": nombre,
                             "envoi": envoi.pk if envoi is not None else None})
    return (f"Relancé : {attente.objet}{f' (avant le {echeance})' if echeance else ''} — e-mail à "
            f"{format_fr.pluriel(nombre, 'destinataire')}.")


# --- the ZIP archive ----------------------------------------------------------------------------------


def _retenir_documents(dossier, acteur) -> str:
    """Check that the dossier has documents the agent may read now (they go into the archive)."""
    from .archives.selectors import pieces_lisibles

    gardes, exclus = pieces_lisibles(acteur, [dossier.pk])
    if not gardes:
        raise WorkflowError(
            "Aucun document de ce dossier ne peut être mis dans l'archive : "
            + ("ses documents attendent leur analyse antivirale ou sont bloqués." if exclus
               else "aucun n'a été déposé, ou aucun ne vous est accessible."), code="vide")
    texte = f"{format_fr.pluriel(len(gardes), 'document')} retenu{'s' if len(gardes) > 1 else ''} pour l'archive"
    if exclus:
        texte += (f" ; {format_fr.pluriel(len(exclus), 'document')} non inclus (analyse antivirale en cours "
                  "ou fichier bloqué)")
    return texte + "."


def _demander_archive(*, execution, dossiers, acteur, adresse_ip=None, **_contexte) -> None:
    from .archives.services import archive_demander

    archive_demander(acteur=acteur, dossiers=[d.pk for d in dossiers], execution=execution, adresse_ip=adresse_ip)


# --- assign and label: the desk's own services (care_portal/bureau/services.py) -----------------------


def _formulaire_affecter():
    from .agences import agences_de, collegues
    from .forms import AffecterForm

    class AffecterGroupeForm(AffecterForm):
        """The colleague to assign: an agent of one of the acting agent's agencies (the service refuses a
        dossier of another agency, with the reason)."""

        def __init__(self, *args, acteur, **kwargs):
            agences = agences_de(acteur)
            qs = collegues(agences[0]) if agences else None
            for agence in agences[1:]:
                qs = qs | collegues(agence)
            if qs is None:
                from django.contrib.auth import get_user_model

                qs = get_user_model().objects.none()
            super().__init__(*args, collegues=qs.distinct(), **kwargs)

    return AffecterGroupeForm


def _formulaire_etiqueter():
    from .forms import PoseForm
    from .selectors import etiquettes_de

    class EtiqueterGroupeForm(PoseForm):
        """The label to put: one of the acting agent's agencies' labels."""

        def __init__(self, *args, acteur, **kwargs):
            super().__init__(*args, etiquettes=etiquettes_de(acteur), **kwargs)

    return EtiqueterGroupeForm


def _affecter(dossier, acteur, *, agent, **_) -> str:
    from . import services

    services.affectation_affecter(dossier=dossier, agent=agent, acteur=acteur)
    return f"Affecté à {agent.get_full_name() or agent.email}."


def _etiqueter(dossier, acteur, *, etiquette, **_) -> str:
    from . import services

    services.etiquette_poser(dossier=dossier, etiquette=etiquette, acteur=acteur)
    return f"Étiquette « {etiquette.libelle} » posée."


# --- registering ---------------------------------------------------------------------------------------


def enregistrer() -> None:
    """Called once from ``BureauConfig.ready()``."""
    etapes.enregistrer_actions(
        etapes.ActionGroupee(code="relancer_etablissement", libelle="Relancer l'établissement",
                             executer=lambda dossier, acteur, **_: etablissement_relancer(dossier=dossier,
                                                                                         acteur=acteur),
                             visible=lambda h: h.est_agent, ordre=ORDRE_ACTIONS["relancer_etablissement"]),
        etapes.ActionGroupee(code="telecharger_zip", libelle="Télécharger les documents (ZIP)",
                             executer=lambda dossier, acteur, **_: _retenir_documents(dossier, acteur),
                             visible=lambda h: h.est_agent, ordre=ORDRE_ACTIONS["telecharger_zip"]),
    )
    etapes.enregistrer_actions(
        etapes.ActionGroupee(code="affecter", libelle="Affecter", executer=_affecter, visible=lambda h: h.est_agent,
                             ordre=ORDRE_ACTIONS["affecter"], formulaire=_formulaire_affecter()),
        etapes.ActionGroupee(code="etiqueter", libelle="Étiqueter", executer=_etiqueter,
                             visible=lambda h: h.est_agent, ordre=ORDRE_ACTIONS["etiqueter"],
                             formulaire=_formulaire_etiqueter()),
    )
    enregistrer_apres("telecharger_zip", _demander_archive)
    etapes.enregistrer_libelles({
        CODE_RELANCE: ("Établissement relancé par e-mail : {objet}", "notification"),
    })
