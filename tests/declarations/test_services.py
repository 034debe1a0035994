"""Declaration services: opening (signed convention only), the bilan's lines (each bad input), the
submission (window, signed convention, certification, warnings recorded, frozen snapshot, receipt and
e-mails on commit), the ARS's decisions (complement ⇄ submission, complete → the ANS is told, not
receivable with a motive), the rights of each side."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.workflow.services import WorkflowError
from conventions.models import Convention
from declarations import services
from declarations.models import BaseEligible, Declaration, Instantane, LigneBilan, ParametresAppel, Recepisse
from declarations.recepisse import generer_recepisse
from objectifs import services as objectifs_services
from objectifs.selectors import verdicts_de
from tests.candidatures import donnees as cdonnees
from tests.conventions.conventions import commit, dossier_complet

from .donnees import ajouter, jours, ligne, ouvrir_fenetre, rafraichir

pytestmark = pytest.mark.django_db


def deposer(d, referent, certifie=True):
    with commit():
        services.declaration_deposer(declaration=d, acteur=referent, certifie=certifie)
    return rafraichir(d)


# --- opening ---------------------------------------------------------------------------------------

def test_ouverture_refusee_sans_convention_signee():
    c, referent, _ = dossier_complet()
    with pytest.raises(WorkflowError) as refus:
        services.declaration_creer(candidature=c, acteur=referent)
    assert refus.value.code == "convention" and not Declaration.objects.exists()


def test_ouverture_une_seule_par_candidature_et_par_l_es(signee):
    c, referent, ars = signee
    d = services.declaration_creer(candidature=c, acteur=referent)
    assert d.etat == Declaration.Etat.BROUILLON
    assert services.declaration_creer(candidature=c, acteur=referent).pk == d.pk
    with pytest.raises(WorkflowError) as refus:
        services.declaration_creer(candidature=c, acteur=ars)
    assert refus.value.code == "droit"
    assert cdonnees.codes_du_journal(d) == ["declarations.declaration.creee"]


# --- the bilan --------------------------------------------------------------------------------------

def test_ligne_ajoutee_avec_justificatif(declaration):
    d, referent, _ = declaration
    piece = cdonnees.pdf("facture.pdf")
    nouvelle = services.ligne_ajouter(declaration=d, acteur=referent, donnees=ligne(montant_ht="1 234,5",
                                                                                   montant_ttc="1481.40"),
                                      justificatif=piece)
    assert nouvelle.montant_ht == Decimal("1234.50") and nouvelle.montant_ttc == Decimal("1481.40")
    assert nouvelle.justificatif.nom_original == "facture.pdf" and nouvelle.justificatif.categorie == "justificatif"
    assert cdonnees.dernier(d, "declarations.declaration.ligne_ajoutee").donnees["montant_ht"] == "1234.50"


@pytest.mark.parametrize(("champs", "attendu"), [
    ({"montant_ht": "-10"}, "ne peut pas être négatif"),
    ({"montant_ttc": "12.345"}, "plus de 2 décimales"),
    ({"montant_ht": "douze"}, "n'est pas un montant"),
    ({"montant_ht": "100", "montant_ttc": "90"}, "inférieur au montant HT"),
    ({"date": "31/12/2019"}, "hors de la période"),
    ({"date": "futur"}, "n'est pas une date"),
    ({"objectif": "D1.O6.A"}, "ne s'applique pas à cette structure"),
    ({"objectif": "D9.Z"}, "ne s'applique pas"),
    ({"categorie": "cadeaux"}, "n'est pas une catégorie"),
    ({"libelle": "  "}, "décrivez la dépense"),
])
def test_ligne_refusee(declaration, champs, attendu):
    d, referent, _ = declaration
    with pytest.raises(services.LigneInvalide) as refus:
        services.ligne_ajouter(declaration=d, acteur=referent, donnees=ligne(**champs))
    assert any(attendu in e for e in refus.value.erreurs), refus.value.erreurs
    assert not LigneBilan.objects.exists()


def test_ligne_datee_apres_aujourd_hui_refusee(declaration):
    d, referent, _ = declaration
    with pytest.raises(services.LigneInvalide) as refus:
        ajouter(d, referent, date=jours(1))
    assert "hors de la période" in refus.value.erreurs[0]
    ajouter(d, referent, date=d.candidature.appel.couts_eligibles_depuis)  # the first day counts
    ajouter(d, referent, date=jours(0))  # and today


def test_ligne_refusee_a_l_ars_et_au_signataire(declaration):
    d, _, ars = declaration
    signataire = cdonnees.membre(Role.SIGNATAIRE_ES, d.candidature.entite_juridique)
    for acteur in (ars, signataire):
        with pytest.raises(WorkflowError) as refus:
            ajouter(d, acteur)
        assert refus.value.code == "droit"


def test_dsi_ajoute_et_supprime_une_ligne(declaration):
    d, _, _ = declaration
    dsi = cdonnees.membre(Role.DSI, d.candidature.entite_juridique)
    nouvelle = ajouter(d, dsi)
    services.ligne_supprimer(ligne=nouvelle, acteur=dsi)
    assert not LigneBilan.objects.exists()
    assert cdonnees.codes_du_journal(d)[-1] == "declarations.declaration.ligne_supprimee"


def test_totaux_exacts_en_decimal(declaration):
    from declarations import selectors

    d, referent, _ = declaration
    for _ in range(10):
        ajouter(d, referent, montant_ht="0.10", montant_ttc="0.12")
    ajouter(d, referent, objectif="D1.O3", categorie="interne_rh", montant_ht="0.20", montant_ttc="0.20")
    ajouter(d, referent, objectif="D1.O3", categorie="indirect", montant_ht="1999999.99", montant_ttc="2399999.99")
    t = selectors.totaux_de(d)
    assert t.base == BaseEligible.HT
    assert t.par_objectif["D1.O1.A"].ht == Decimal("1.00") and t.par_objectif["D1.O1.A"].ttc == Decimal("1.20")
    assert t.par_categorie["interne_rh"].eligible == Decimal("0.20")
    assert t.par_objectif_categorie[("D1.O3", "indirect")].ttc == Decimal("2399999.99")
    assert t.general.ht == Decimal("2000001.19") and t.general.eligible == Decimal("2000001.19")
    assert t.general.nombre == 12
    ParametresAppel.objects.create(appel=d.candidature.appel, base_eligible=BaseEligible.TTC)
    assert selectors.totaux_de(d).general.eligible == Decimal("2400001.39")


# --- submission ------------------------------------------------------------------------------------

def test_depot_fige_l_instantane_previent_et_genere_le_recepisse(declaration):
    d, referent, ars = declaration
    justifie = services.ligne_ajouter(declaration=d, acteur=referent, donnees=ligne(),
                                      justificatif=cdonnees.pdf("facture-audit.pdf"))
    ajouter(d, referent, objectif="D1.O3", categorie="interne_rh", montant_ht="800", montant_ttc="800")
    d = deposer(d, referent)
    assert d.etat == Declaration.Etat.DEPOSEE and d.deposee_le and d.premiere_depose_le == d.deposee_le
    # nothing entered for the objectives: warned and recorded, not refused
    assert d.avertissements and any(a.startswith("D1.O1.A") for a in d.avertissements)
    [i] = Instantane.objects.filter(declaration=d)
    assert i.numero == 1 and i.certifie_par == referent and i.depot == d.deposee_le
    assert {v["code"] for v in i.verdicts} >= {"D1.O1.A", "D1.O3"} and i.avertissements == d.avertissements
    assert i.totaux["general"]["ht"] == "1800.00" and i.totaux["general"]["ttc"] == "2000.00"
    assert [b["libelle"] for b in i.bilan] == ["Audit ORADAD par un prestataire",
                                               "Audit ORADAD par un prestataire"]
    [j] = i.documents["justificatifs"]
    assert j["nom"] == "facture-audit.pdf" and j["sha256"] == justifie.justificatif.sha256
    log = cdonnees.dernier(d, "declarations.declaration.deposee")
    assert log.etat_source == "brouillon" and log.etat_cible == "deposee" and log.acteur == referent
    assert log.donnees["avertissements"] == d.avertissements and log.donnees["certifie"] is True
    assert Document.objects.get(pk=justifie.justificatif_id).verrouille
    [recu] = Recepisse.objects.filter(declaration=d)
    assert recu.depot == d.deposee_le and recu.document.type_mime == "application/pdf"
    assert recu.document.verrouille and recu.document.categorie == "recepisse"
    assert generer_recepisse(declaration_id=d.pk, depot_iso=d.deposee_le.isoformat()) == str(recu.document_id)
    assert Recepisse.objects.filter(declaration=d).count() == 1
    assert any(ars.email in m.to and "Déclaration déposée" in m.subject for m in mail.outbox)
    assert any(referent.email in m.to and "est déposée" in m.subject for m in mail.outbox)


def test_plus_de_modification_du_bilan_apres_depot(declaration):
    d, referent, _ = declaration
    premiere = ajouter(d, referent)
    d = deposer(d, referent)
    with pytest.raises(WorkflowError) as refus:
        ajouter(d, referent)
    assert refus.value.code == "etat"
    with pytest.raises(WorkflowError):
        services.ligne_supprimer(ligne=premiere, acteur=referent)


def test_instantane_inchange_quand_les_preuves_changent(declaration):
    d, referent, ars = declaration
    ajouter(d, referent)
    d = deposer(d, referent)
    i = Instantane.objects.get(declaration=d)
    avant = (i.verdicts, i.preuves, i.documents, i.bilan, i.totaux)
    c = d.candidature
    o1a_avant = next(v for v in i.verdicts if v["code"] == "D1.O1.A")
    # the evidence is frozen after the submission; the ARS asks for a complement, the ES enters more
    # evidence: the snapshot does not move
    services.declaration_demander_complement(declaration=d, acteur=ars, message="Ajoutez l'audit ADS.")
    ad = objectifs_services.active_directory_ajouter(
        candidature=c, nom="hopital.local", structures=[c.perimetre.get(etablissement__isnull=True)], acteur=referent,
        description=cdonnees.pdf("infra.pdf"))
    objectifs_services.audit_ads_ajouter(active_directory=ad, date=jours(-1), score=3, acteur=referent,
                                         rapport=cdonnees.pdf("oradad.pdf"))
    vivant = next(v for v in verdicts_de(c) if v.code == "D1.O1.A")
    assert list(vivant.raisons) != o1a_avant["raisons"]
    i = Instantane.objects.get(pk=i.pk)
    assert (i.verdicts, i.preuves, i.documents, i.bilan, i.totaux) == avant
    assert i.preuves["D1.O1.A"] == []
    # and it cannot be rewritten, neither through the model nor in SQL
    with pytest.raises(Exception, match="ne se modifie pas"):
        i.save()
    with pytest.raises(Exception, match="ne se supprime pas"):
        i.delete()
    if connection.vendor == "postgresql":  # the append-only trigger is PostgreSQL's (the CI's database)
        with pytest.raises(Exception, match="ajout seul"), transaction.atomic():
            with connection.cursor() as curseur:
                curseur.execute("UPDATE declarations_instantane SET totaux = '{}'::jsonb WHERE id = %s", [i.pk])


def test_depot_refuse_sans_certification_ou_bilan_vide(declaration):
    d, referent, _ = declaration
    with pytest.raises(WorkflowError) as refus:
        services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    assert refus.value.code == "bilan"
    ajouter(d, referent)
    with pytest.raises(WorkflowError) as refus:
        services.declaration_deposer(declaration=d, acteur=referent, certifie=False)
    assert refus.value.code == "certification"
    assert rafraichir(d).etat == Declaration.Etat.BROUILLON and not Instantane.objects.exists()


@pytest.mark.parametrize(("debut", "fin"), [(1, 30), (-30, -1)])
def test_depot_refuse_hors_fenetre(declaration, debut, fin):
    d, referent, _ = declaration
    ajouter(d, referent)
    ouvrir_fenetre(d.candidature, debut=debut, fin=fin)
    with pytest.raises(WorkflowError) as refus:
        services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    assert refus.value.code == "fenetre" and "fenêtre de déclaration est fermée" in refus.value.message


def test_depot_le_dernier_jour_de_la_fenetre(declaration):
    d, referent, _ = declaration
    ajouter(d, referent)
    ouvrir_fenetre(d.candidature, debut=0, fin=0)
    assert deposer(d, referent).etat == Declaration.Etat.DEPOSEE


def test_depot_refuse_sans_convention_signee(declaration):
    d, referent, _ = declaration
    ajouter(d, referent)
    Convention.objects.filter(candidature=d.candidature).update(etat=Convention.Etat.SIGNEE_ES)
    with pytest.raises(WorkflowError) as refus:
        services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    assert refus.value.code == "convention"


def test_depot_reserve_au_referent(declaration):
    d, _, ars = declaration
    dsi = cdonnees.membre(Role.DSI, d.candidature.entite_juridique)
    ajouter(d, dsi)
    for acteur in (dsi, ars):
        with pytest.raises(WorkflowError) as refus:
            services.declaration_deposer(declaration=d, acteur=acteur, certifie=True)
        assert refus.value.code == "droit"


# --- ARS ----------------------------------------------------------------------------------------------

def test_complement_puis_nouveau_depot_puis_complete(declaration):
    d, referent, ars = declaration
    ajouter(d, referent)
    d = deposer(d, referent)
    mail.outbox.clear()
    with commit():
        services.declaration_demander_complement(declaration=d, acteur=ars, message="Joignez la facture de l'audit.")
    d = rafraichir(d)
    assert d.etat == Declaration.Etat.COMPLEMENT_DEMANDE and d.motif == "Joignez la facture de l'audit."
    assert any(referent.email in m.to and "Joignez la facture" in m.body for m in mail.outbox)
    # the ES answers, even after the window closed
    ouvrir_fenetre(d.candidature, debut=-30, fin=-1)
    ajouter(d, referent, libelle="Licence outil d'audit", categorie="indirect")
    d = deposer(d, referent)
    assert d.etat == Declaration.Etat.DEPOSEE and d.deposee_le > d.premiere_depose_le
    assert list(d.instantanes.values_list("numero", flat=True)) == [1, 2]
    assert d.instantanes.get(numero=2).totaux["general"]["nombre"] == 2
    assert Recepisse.objects.filter(declaration=d).count() == 2
    controleur = cdonnees.ans(Role.CONTROLEUR_ANS)
    mail.outbox.clear()
    with commit():
        services.declaration_declarer_complete(declaration=d, acteur=ars)
    d = rafraichir(d)
    assert d.etat == Declaration.Etat.COMPLETE and d.decidee_le
    assert any(controleur.email in m.to and "contrôle à planifier" in m.subject for m in mail.outbox)
    assert any(referent.email in m.to and "complète" in m.subject for m in mail.outbox)
    assert cdonnees.codes_du_journal(d)[-1] == "declarations.declaration.declaree_complete"
    with pytest.raises(WorkflowError) as refus:
        services.declaration_declarer_non_recevable(declaration=d, acteur=ars, motif="Trop tard")
    assert refus.value.code == "etat"


def test_non_recevable_avec_motif(declaration):
    d, referent, ars = declaration
    ajouter(d, referent)
    d = deposer(d, referent)
    with pytest.raises(WorkflowError) as refus:
        services.declaration_declarer_non_recevable(declaration=d, acteur=ars, motif=" ")
    assert refus.value.code == "motif"
    with commit():
        services.declaration_declarer_non_recevable(declaration=d, acteur=ars, motif="Dépenses hors programme.")
    d = rafraichir(d)
    assert d.etat == Declaration.Etat.NON_RECEVABLE and d.motif == "Dépenses hors programme."
    assert cdonnees.dernier(d, "declarations.declaration.declaree_non_recevable").motif == "Dépenses hors programme."
    assert any(referent.email in m.to and "Dépenses hors programme." in m.body for m in mail.outbox)


def test_decisions_reservees_a_l_ars_instructrice(declaration):
    d, referent, _ = declaration
    ajouter(d, referent)
    d = deposer(d, referent)
    autre_ars = cdonnees.ars("75")
    ans = cdonnees.ans(Role.ADMIN_ANS)
    for acteur in (autre_ars, ans, referent):
        with pytest.raises(WorkflowError) as refus:
            services.declaration_declarer_complete(declaration=d, acteur=acteur)
        assert refus.value.code == "droit"
        with pytest.raises(WorkflowError):
            services.declaration_demander_complement(declaration=d, acteur=acteur, message="x")
    assert rafraichir(d).etat == Declaration.Etat.DEPOSEE


def test_ars_ne_decide_pas_un_brouillon(declaration):
    d, referent, ars = declaration
    with pytest.raises(WorkflowError) as refus:
        services.declaration_declarer_complete(declaration=d, acteur=ars)
    assert refus.value.code == "etat"


def test_une_declaration_par_candidature(declaration):
    d, _, _ = declaration
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(candidature=d.candidature)
