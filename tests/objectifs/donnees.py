"""Plain helpers for the objectives tests: a submitted candidature (through the candidature
services), its people, dates relative to today, and evidence entered through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from candidatures.models import Candidature
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import StatutJuridique
from objectifs import services
from tests.candidatures import donnees as dc
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory

pdf = dc.pdf
referent = dc.referent
membre = dc.membre
ars = dc.ars
ans = dc.ans


def jours(n: int) -> datetime.date:
    """Today + n days (Paris)."""
    return timezone.localdate() + datetime.timedelta(days=n)


def appel_ancien(depuis: int = 200):
    """A call opened ``depuis`` days ago and still open (so that a candidature can still be submitted)."""
    return AppelFactory(ouvert_depuis=depuis, ferme_dans=20)


def candidature_deposee(*, structure=None, appel=None, depose_il_y_a: int = 0, etat: str | None = None):
    """A public EJ (default) with one EG, opened, completed and submitted through the services by its
    référent; ``depose_il_y_a`` moves the first submission back (start of the operational phase)."""
    from candidatures import services as cs

    appel = appel or appel_ancien()
    if structure is None:
        structure = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
        EtablissementGeographiqueFactory(entite_juridique=structure)
    ref = referent(structure)
    c = cs.candidature_creer(structure=structure, appel=appel, acteur=ref)
    c = dc.deposer(c, ref)
    if depose_il_y_a:
        # at noon, Paris time: the day of the submission is the same whatever the hour the tests run
        jour = timezone.localdate() - datetime.timedelta(days=depose_il_y_a)
        instant = timezone.make_aware(datetime.datetime.combine(jour, datetime.time(12, 0)))
        Candidature.objects.filter(pk=c.pk).update(premiere_depose_le=instant, deposee_le=instant)
    if etat == Candidature.Etat.COMPLETE:
        cs.candidature_declarer_complete(candidature=c, acteur=ars(c.entite_juridique.departement.code))
    return dc.rafraichir(c), ref


def ght_depose(**kwargs):
    ght = GHTFactory()
    return candidature_deposee(structure=ght, **kwargs)


def lignes(c):
    return list(c.perimetre.filter(inclus=True))


def ad(c, ref, nom: str = "hopital.local", description: bool = True):
    """An AD serving the whole perimeter, with the description of its infrastructure (a D1.O1.A proof)."""
    return services.active_directory_ajouter(candidature=c, nom=nom, structures=lignes(c), acteur=ref,
                                             description=pdf("description-ad.pdf") if description else None)


def audit(ad_, ref, date, score: int = 3):
    return services.audit_ads_ajouter(active_directory=ad_, date=date, score=score, rapport=pdf("ads.pdf"),
                                      acteur=ref)


def codes(c) -> list[str]:
    return dc.codes_du_journal(c)


__all__ = ["Role", "pdf"]
