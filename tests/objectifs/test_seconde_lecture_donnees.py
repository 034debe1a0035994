"""Issue 17 through the database: the new facts and proofs are stored by the services, read by the rules
through the selector, shown on the objectives page lines and carried by what the declaration snapshot
and the control checklist freeze (``preuves_par_objectif``, ``documents_des_preuves``); thresholds
per call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from declarations.selectors import documents_des_preuves
from objectifs import selectors, services
from objectifs.models import Seuil

from .donnees import ad, candidature_deposee, ght_depose, lignes, pdf

pytestmark = pytest.mark.django_db


def test_gouvernance_et_convergence_portent_les_nouveaux_faits():
    c, ref = ght_depose()
    services.gouvernance_enregistrer(
        candidature=c, referent_projet="Paul Projet", referent_nomme_par_directeur=True, equipe_ad_unique=False,
        sdsi_volet_organisationnel=True, sdsi_volet_technique=None, schema_gouvernance=pdf("schema.pdf"),
        equipe_projet=pdf("equipe.pdf"), schema_directeur=pdf("sdsi.pdf"), acteur=ref)
    ej = [ligne for ligne in lignes(c) if not ligne.etablissement_id]
    services.convergence_enregistrer(
        candidature=c, deja_convergee=False, valide_dsi=True, valide_comite=False, budget="0",
        responsable="Mme Martin", equipes_mutualisees=True, structures=[ej[0].pk], document=pdf("traj.pdf"),
        acteur=ref)
    verdicts = {v.code: v for v in selectors.verdicts_de(c)}
    assert verdicts["D1.O6.A"].statut == "non_atteint"
    assert any("ne pas avoir d'équipe opérationnelle unique" in r for r in verdicts["D1.O6.A"].raisons)
    assert any("volet technique" in r and "n'est pas indiqué" in r for r in verdicts["D1.O6.A"].raisons)
    o6b = " ".join(verdicts["D1.O6.B"].raisons)
    assert verdicts["D1.O6.B"].statut == "non_atteint"
    assert "n'est pas validée par le comité stratégique" in o6b and "0,00\u00a0€" in o6b
    if len(ej) > 1:
        assert "La trajectoire n'adresse pas" in o6b
    # what the snapshot and the checklist freeze
    preuves = selectors.preuves_par_objectif(selectors.candidatures_avec_preuves(type(c).objects.filter(pk=c.pk)).get())
    assert any("nommé par le directeur de l'établissement support : oui ; équipe AD unique : non" in p
               for p in preuves["D1.O6.A"])
    assert any("volet organisationnel oui, volet technique non indiqué ; extrait du schéma directeur déposé" in p
               for p in preuves["D1.O6.A"])
    assert any("responsable Mme Martin, équipes SI mutualisées : oui" in p for p in preuves["D1.O6.B"])
    assert any(p.startswith("Établissements adressés : ") and ej[0].libelle in p for p in preuves["D1.O6.B"])
    assert "schema_directeur" in {d.categorie for d in documents_des_preuves(c)}


def test_description_de_l_ad_et_listes_exposees_lues_par_les_regles():
    c, ref = candidature_deposee(depose_il_y_a=20)
    sans = ad(c, ref, "sans.local", description=False)
    ad(c, ref, "avec.local")
    dossier = selectors.dossier_de(c)
    assert {a.nom: a.description for a in dossier.annuaires} == {"avec.local": True, "sans.local": False}
    o1a = next(v for v in selectors.verdicts_de(c) if v.code == "D1.O1.A")
    assert any(r.startswith(f"AD {sans.nom} : la description exhaustive") for r in o1a.raisons)
    services.audit_exposition_ajouter(
        candidature=c, date=dossier.date_reference, outil="silene", structures=lignes(c),
        vulnerabilites={"critiques": 0}, rapport=pdf(), acteur=ref, perimetre="portail.ch-exemple.fr\n92.103.42.17")
    (audit,) = selectors.dossier_de(c).audits_exposition
    assert (audit.domaines, audit.adresses_ip) == (1, 1)
    preuves = selectors.preuves_par_objectif(selectors.candidatures_avec_preuves(type(c).objects.filter(pk=c.pk)).get())
    assert any("1\u00a0domaine exposé, 1\u00a0adresse IP publique" in p for p in preuves["D1.O2.A"])
    assert any("description de l'infrastructure et des interconnexions non déposée" in p for p in preuves["D1.O1.A"])


def test_seuil_propre_a_un_appel():
    c, _ = candidature_deposee()
    autre, _ = candidature_deposee()
    Seuil.objects.create(appel=c.appel, code="cadence_jours_max", valeur=Decimal("62"), unite="jours",
                         source="Décision de l'ANS pour cet appel (test)")
    assert selectors.seuils(c.appel).cadence_jours_max == 62
    assert selectors.seuils(autre.appel).cadence_jours_max == 60
    assert selectors.seuils().cadence_jours_max == 60
    par_candidature = {x.pk: v for x, v in selectors.evaluer_lots(type(c).objects.filter(pk__in=[c.pk, autre.pk]))}
    def o1a(pk):
        return " ".join(next(v for v in par_candidature[pk] if v.code == "D1.O1.A").raisons)

    assert "au plus tous les 62\u00a0jours" in o1a(c.pk) and "au plus tous les 60\u00a0jours" in o1a(autre.pk)
    assert Seuil.objects.filter(code="ecart_ads_min_jours", appel=None).exists()
