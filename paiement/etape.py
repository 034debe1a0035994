"""How the paiement app plugs into the lifecycle (care_portal.core.etapes): the stage « Paiement », its
menu entries and reminder, and the payment opened when a control validates the objectives. Called once
from the app's ready()."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import formats

from care_portal.comptes.roles import Role
from care_portal.core import etapes
from care_portal.workflow.services import WorkflowError


def _euros(montant) -> str:
    return f"{formats.number_format(montant, decimal_pos=2, use_l10n=True, force_grouping=True)} €"


def _classer(v: dict) -> tuple[str, str] | None:
    from .models import Paiement

    etat = v.get("declaration__controle__paiement__etat")
    if not etat:
        return None
    if etat == Paiement.Etat.PAYE:
        return "paiement", "Financement versé"
    return "paiement", Paiement.Etat(etat).label


def _situer(c) -> etapes.Situation | None:
    from .models import Paiement

    P = Paiement.Etat
    p = (Paiement.objects.filter(controle__declaration__candidature=c)
         .only("pk", "etat", "montant", "paye_le", "controle_id").first())
    if p is None:
        return None
    lien = reverse("paiement:pour_candidature", args=[c.pk])
    if p.etat == P.PAYE:
        quand = f" le {p.paye_le:%d/%m/%Y}" if p.paye_le else ""
        return etapes.Situation("paiement", "Financement versé", f"Financement versé{quand} : {_euros(p.montant)}.",
                                lien, fini=True)
    if p.etat == P.REJETE:
        return etapes.Situation("paiement", P.REJETE.label, "Paiement rejeté par l'ANS : voir son motif.", lien,
                                clos=True)
    textes = {
        P.A_VALIDER: "Paiement de {m} préparé : l'ANS le valide.",
        P.VALIDE: "Paiement de {m} validé : l'ANS l'ordonnance.",
        P.ORDONNANCE: "Paiement de {m} ordonnancé : le virement est en cours.",
    }
    return etapes.Situation("paiement", P(p.etat).label, textes[p.etat].format(m=_euros(p.montant)), lien)


def _a_verser(dossiers, *, maintenant, limite: int) -> dict:
    """Payments not paid yet (à valider, validé, ordonnancé), oldest first."""
    from .models import Paiement

    qs = (Paiement.objects.filter(controle__declaration__candidature__in=dossiers.values("pk"),
                                  etat__in=(Paiement.Etat.A_VALIDER, Paiement.Etat.VALIDE, Paiement.Etat.ORDONNANCE))
          .select_related("convention__candidature__ght", "convention__candidature__entite_juridique")
          .order_by("cree_le", "pk"))
    return etapes.compte(qs, limite=limite, url=reverse("paiement:liste"), ligne=lambda p: (
        reverse("paiement:detail", args=[p.pk]),
        f"{p.convention.candidature.structure_libelle} — {_euros(p.montant)}, {p.get_etat_display().lower()}"))


def _ouvrir(controle, *, acteur=None):
    """The payment « à valider » of a validated control, when it can be made now (payment window open,
    ceiling known, IBAN valid); otherwise the hourly catch-up job (``paiement.creer_a_valider``) makes
    it later, and the finance pages list the control with the reason. A savepoint keeps the caller's
    decision whatever happens here."""
    from .models import Paiement
    from .services import paiement_creer

    existant = Paiement.objects.filter(controle=controle).first()
    if existant is not None:
        return existant
    try:
        with transaction.atomic():
            return paiement_creer(controle=controle, acteur=None)
    except WorkflowError:
        return None


def _secretariat(h) -> bool:
    return h.a(Role.SECRETARIAT_ANS, Role.ADMIN_ANS)


def enregistrer() -> None:
    from . import rappels

    etapes.enregistrer_etape(etapes.Etape(
        code="paiement", ordre=60, libelle="Paiement", couleur="#3a3a3a",
        champs=("declaration__controle__paiement__etat",), classer=_classer, situer=_situer))
    etapes.enregistrer_entrees(
        etapes.Entree("Mes paiements", "paiement:mes_paiements", 60, lambda h: h.est_es),
        etapes.Entree("Paiements", "paiement:liste", 60, _secretariat, groupe="Paiements"),
        etapes.Entree("Finances", "paiement:finances", 62, _secretariat, groupe="Paiements"),
        etapes.Entree("Montants plafonds", "paiement:plafonds", 63, lambda h: Role.ADMIN_ANS in h.roles,
                      groupe="Paiements"),
    )
    etapes.enregistrer_ouverture(etapes.Ouverture(apres="controle", etape="paiement", ouvrir=_ouvrir))
    # the agents' search finds a dossier by its payment's end-to-end reference (the bank statement's)
    etapes.enregistrer_recherche("declaration__controle__paiement__reference")
    etapes.enregistrer_compteurs(etapes.Compteur("paiements_a_verser", "paiements à verser", "paiement", _a_verser,
                                                 portees=("national",)))
    rappels.enregistrer()
