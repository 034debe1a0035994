"""Builders for the control tests, through the real services of the declaration and the control (the
convention is signed by ``tests.factories.convention_signee`` unless ``reelle``): a complete
declaration, its control, controllers, a control brought to a given state; and a cheap bulk builder
for query-count tests."""

from __future__ import annotations

import contextlib
import datetime

from django.core import mail
from django.utils import timezone

from care_portal.comptes.roles import Role
from controle import services
from controle.models import Controle
from declarations import services as declarations
from declarations.models import Declaration
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.conventions.conventions import commit
from tests.declarations.donnees import ajouter, candidature_signee

LIEN_VISIO = "https://webconf.numerique.gouv.fr/controle-care"


def declaration_complete(*, reelle: bool = False, **kwargs):
    """A declaration with one line, submitted and declared complete by its ARS: (declaration, référent,
    ARS). ``reelle``: the convention signed through its services and the on-commit effects of the
    submission run (the declaration's receipt rendered); by default neither (a control's test)."""
    c, referent, ars = candidature_signee(reelle=reelle, **kwargs)
    d = declarations.declaration_creer(candidature=c, acteur=referent)
    ajouter(d, referent)
    with _commit_si(reelle):
        declarations.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    with _commit_si(reelle):
        declarations.declaration_declarer_complete(declaration=d, acteur=ars)
    mail.outbox.clear()
    return Declaration.objects.get(pk=d.pk), referent, ars


def _commit_si(reelle: bool):
    return commit() if reelle else contextlib.nullcontext()


def controle_de(d: Declaration) -> Controle:
    services.controles_creer_a_planifier()
    return Controle.objects.get(declaration=d)


_n = [0]


def controleur(**champs):
    _n[0] += 1
    champs.setdefault("email", f"controleur{_n[0]}@esante.gouv.fr")
    champs.setdefault("prenom", "Hugo")
    champs.setdefault("nom", f"Lambert{_n[0]}")
    return creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, **champs)


def quand(jours: int = 7, heure: int = 10) -> datetime.datetime:
    jour = timezone.localdate() + datetime.timedelta(days=jours)
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(heure, 0)))


def rafraichir(c: Controle) -> Controle:
    return Controle.objects.get(pk=c.pk)


def planifier(c: Controle, acteur, *, controleurs=None, jours: int = 7, **champs) -> Controle:
    with commit():
        services.controle_planifier(controle=c, acteur=acteur, modalite=champs.pop("modalite", "visio"),
                                    date_prevue=champs.pop("date_prevue", quand(jours)),
                                    lieu=champs.pop("lieu", LIEN_VISIO), controleurs=controleurs or [acteur],
                                    **champs)
    return rafraichir(c)


def en_cours(c: Controle, acteur) -> Controle:
    """Planned for today (a control starts on or after its planned day), then started."""
    c = planifier(c, acteur, jours=0)
    services.controle_commencer(controle=c, acteur=acteur)
    return rafraichir(c)


def tout_conforme(c: Controle, acteur) -> None:
    services.controle_enregistrer_grille(controle=c, acteur=acteur, saisies={
        v.code: ("conforme", "") for v in c.verdicts.all()})


def controles_en_masse(n: int, controleurs: list) -> list[Controle]:
    """``n`` complete declarations with their control, built directly (query-count tests only: the
    states are set at creation, no service runs)."""
    from tests.factories import (
        AppelFactory,
        CandidatureFactory,
        ControleFactory,
        ConventionFactory,
        DeclarationFactory,
    )

    appel = AppelFactory()
    dg = creer_utilisateur_avec_role(Role.DG_ANS)
    etats = [e for e, _ in Controle.Etat.choices]
    faits = []
    for i in range(n):
        cv = ConventionFactory(candidature=CandidatureFactory(appel=appel), signee=True, contresignataire=dg)
        d = DeclarationFactory(candidature=cv.candidature, complete=True)
        faits.append(ControleFactory(declaration=d, etat=etats[i % len(etats)],
                                     date_prevue=quand(i % 30) if i % len(etats) else None,
                                     controleurs=controleurs[: 1 + i % len(controleurs)]))
    return faits
