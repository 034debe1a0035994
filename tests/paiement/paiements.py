"""Builders for the payment tests, through the real services: a validated control (the declaration's
and the control's services), its payment, ANS payment agents; a cheap bulk builder for query counts."""

from __future__ import annotations

import datetime

from django.core import mail
from django.utils import timezone

from candidatures.models import Candidature
from care_portal.comptes.roles import Role
from controle import services as controles
from controle.models import Controle
from conventions import services as conventions
from declarations import services as declarations
from paiement import services
from paiement.models import Paiement
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.conventions.conventions import admin_ans, dossier_complet
from tests.declarations.donnees import ajouter, ouvrir_fenetre, signer

from .donnees import LIGNES

LIEN_VISIO = "https://webconf.numerique.gouv.fr/controle-care"
_n = [0]


def agent(role: str = Role.SECRETARIAT_ANS, **champs):
    _n[0] += 1
    champs.setdefault("email", f"{role}{_n[0]}@esante.gouv.fr")
    champs.setdefault("prenom", "Claire")
    champs.setdefault("nom", f"Martin{_n[0]}")
    return creer_utilisateur_avec_role(role, **champs)


def jours(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def ouvrir_paiements(appel, *, debut: int = -5, fin: int = 100) -> None:
    appel.paiement_debut, appel.paiement_fin = jours(debut), jours(fin)
    appel.save(update_fields=["paiement_debut", "paiement_fin"])


MOTIF_BAISSE = "Un site du périmètre est déjà financé par un autre programme."


def controle_valide(*, lignes: tuple[dict, ...] = ({},), plafond_convention: str | None = None, spec=None,
                    reelle: bool = False, **kwargs):
    """A control in « objectifs atteints » (built through the declaration and control services), the
    call's payment window open: (control, référent ES, ARS). The call's ceiling table (``spec``) is
    loaded before the candidature is complete, so that its convention takes its amount from it;
    ``plafond_convention``: the ANS lowers that amount (with a motive) before sending. The convention is
    signed without rendering nor sealing (``tests.factories.convention_signee``) unless ``reelle``."""
    c, referent, ars = dossier_complet(lignes_plafond=spec if spec is not None else LIGNES, **kwargs)
    if plafond_convention is not None:
        conventions.convention_fixer_montant(convention=c.convention, acteur=admin_ans(),
                                             montant=plafond_convention, motif=MOTIF_BAISSE)
    signer(c, reelle=reelle)
    ouvrir_fenetre(c)
    c = Candidature.objects.get(pk=c.pk)
    d = declarations.declaration_creer(candidature=c, acteur=referent)
    for champs in lignes:
        ajouter(d, referent, **champs)
    declarations.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    declarations.declaration_declarer_complete(declaration=d, acteur=ars)
    controles.controles_creer_a_planifier()
    ctl = Controle.objects.get(declaration=d)
    controleur = agent(Role.CONTROLEUR_ANS)
    # planned for today: a control starts on or after its planned day
    quand = timezone.make_aware(datetime.datetime.combine(jours(0), datetime.time(10, 0)))
    controles.controle_planifier(controle=ctl, acteur=controleur, modalite="visio", date_prevue=quand,
                                 lieu=LIEN_VISIO, controleurs=[controleur])
    controles.controle_commencer(controle=ctl, acteur=controleur)
    controles.controle_enregistrer_grille(controle=ctl, acteur=controleur,
                                          saisies={v.code: ("conforme", "") for v in ctl.verdicts.all()})
    controles.controle_valider_atteinte(controle=ctl, acteur=controleur)
    ouvrir_paiements(c.appel)
    mail.outbox.clear()
    return Controle.objects.get(pk=ctl.pk), referent, ars


def paiement_de(ctl: Controle, acteur=None) -> Paiement:
    return services.paiement_creer(controle=ctl, acteur=acteur)


def rafraichir(p: Paiement) -> Paiement:
    return Paiement.objects.get(pk=p.pk)


def ordonnance(p: Paiement, valideur, ordonnateur) -> Paiement:
    services.paiement_valider(paiement=p, acteur=valideur)
    services.paiement_ordonnancer(paiement=p, acteur=ordonnateur)
    return rafraichir(p)


def paiements_en_masse(n: int, appel=None) -> list[Paiement]:
    """``n`` payments cycling through every state on signed conventions, their rows built directly by the
    factories (query-count tests only: no service runs)."""
    from tests.factories import (
        AppelFactory,
        CandidatureFactory,
        ControleFactory,
        ConventionFactory,
        DeclarationFactory,
        PaiementFactory,
    )

    appel = appel or AppelFactory()
    debut = Paiement.objects.filter(convention__candidature__appel=appel).count()
    dg = creer_utilisateur_avec_role(Role.DG_ANS)
    etats = [e for e, _ in Paiement.Etat.choices]
    faits = []
    for i in range(debut, debut + n):
        cv = ConventionFactory(candidature=CandidatureFactory(appel=appel), signee=True, contresignataire=dg)
        d = DeclarationFactory(candidature=cv.candidature, complete=True)
        ctl = ControleFactory(declaration=d, etat=Controle.Etat.OBJECTIFS_ATTEINTS)
        faits.append(PaiementFactory(controle=ctl, etat=etats[i % len(etats)]))
    return faits
