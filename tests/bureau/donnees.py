"""The cast of the desk's tests: two ARS agents of Nouvelle-Aquitaine (Gironde, 33), one of Île-de-France
(Paris, 75), two ANS agents, an establishment's référent; dossiers in both regions.

    m = Monde.creer()
    m.ars, m.ars2 (33), m.ars_idf (75), m.ans, m.ans2, m.es (référent of m.dossier's EJ)
    m.dossier (33, deposee), m.dossier_idf (75, deposee)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from care_portal.comptes.roles import Role
from tests.comptes.helpers import creer_utilisateur_avec_role, region_de_test
from tests.factories import AppelFactory, CandidatureFactory, EntiteJuridiqueFactory


def deposee(structure, appel, **champs):
    from candidatures.models import Candidature

    c = CandidatureFactory(structure=structure, appel=appel)
    Candidature.objects.filter(pk=c.pk).update(etat=Candidature.Etat.DEPOSEE,
                                               deposee_le=timezone.now() - datetime.timedelta(days=3), **champs)
    return Candidature.objects.select_related("ght", "entite_juridique", "region_instructrice").get(pk=c.pk)


@dataclass
class Monde:
    appel: object
    ars: object
    ars2: object
    ars_idf: object
    ans: object
    ans2: object
    es: object
    dossier: object
    dossier_idf: object

    @classmethod
    def creer(cls) -> Monde:
        appel = AppelFactory()
        ej = EntiteJuridiqueFactory(raison_sociale="Centre hospitalier Sainte-Hélène", dep="33")
        ej_idf = EntiteJuridiqueFactory(raison_sociale="Hôpital Saint-Éloi de Paris", dep="75")
        es = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej, email="referent@ch-sainte-helene.fr",
                                         prenom="Léa", nom="Dubois")
        return cls(
            appel=appel,
            ars=creer_utilisateur_avec_role(Role.REFERENT_ARS, email="agathe@ars.sante.fr", prenom="Agathe",
                                            nom="Arsène"),
            ars2=creer_utilisateur_avec_role(Role.REFERENT_ARS, email="bruno@ars.sante.fr", prenom="Bruno",
                                             nom="Bordes"),
            ars_idf=creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75"),
                                                email="ines@ars-idf.sante.fr", prenom="Inès", nom="Francilienne"),
            ans=creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, email="nina@esante.gouv.fr", prenom="Nina",
                                            nom="Nationale"),
            ans2=creer_utilisateur_avec_role(Role.ADMIN_ANS, email="oscar@esante.gouv.fr", prenom="Oscar",
                                             nom="Olivier"),
            es=es,
            dossier=deposee(ej, appel, referent_nom="Jérôme Lefèvre", referent_email="j.lefevre@ch-sainte-helene.fr"),
            dossier_idf=deposee(ej_idf, appel, referent_nom="Zoé Martin", referent_email="zoe@saint-eloi.fr"),
        )
