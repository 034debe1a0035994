"""Payments: creation (amount = min(costs, ceiling) with its computation), transitions with their
guards and roles, four-eyes, the window, the bank details, rejection, the notice when paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from candidatures.models import Candidature
from candidatures.regles import TypeCandidature as T
from care_portal.comptes.roles import Role
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError
from conventions.models import Convention
from paiement import services
from paiement.models import Paiement
from tests.conventions.conventions import commit
from tests.factories import AppelFactory

from .paiements import agent, controle_valide, jours, ordonnance, ouvrir_paiements, paiement_de, rafraichir

pytestmark = pytest.mark.django_db
D = Decimal
IBAN_AUTRE = "FR7610107001011234567890129"


def _codes(p):
    return list(TransitionLog.objects.filter(object_id=str(p.pk), code__startswith="paiement.paiement")
                .order_by("id").values_list("code", flat=True))


# --- creation and amount -------------------------------------------------------------------------

def test_creation_sous_le_montant_de_la_convention_avec_son_calcul(valide):
    ctl, _, _ = valide
    p = paiement_de(ctl)
    # one line of 1 000 € HT (the call's basis is HT); the convention's amount is the grid's ceiling for a
    # public EJ outside a GHT (180 000 €)
    assert p.etat == Paiement.Etat.A_VALIDER
    assert (p.couts_eligibles, p.plafond, p.montant, p.plafonne) == (D("1000.00"), D("180000.00"), D("1000.00"), False)
    assert p.reference == f"ECARE-P{p.convention.pk:07d}"
    c = p.calcul
    assert c["base_eligible"] == "ht" and c["total_ht"] == "1000.00" and c["total_ttc"] == "1200.00"
    assert c["plafond_matrice"] == "180000.00" and c["plafond_convention"] == "180000.00"
    assert c["convention"]["numero"] == p.convention.numero and c["convention"]["montant"] == "180000.00"
    assert c["ligne"]["type_structure"] == T.PUBLIC_HORS_GHT and c["grille"]["version"] == 1
    assert c["instantane"]["numero"] == 1
    assert any("Montant de la convention" in e for e in c["explications"])
    assert "inférieurs au montant de la convention" in c["explications"][-1]
    assert p.iban == p.convention.candidature.iban.replace(" ", "")
    assert _codes(p) == ["paiement.paiement.cree"]


def test_montant_abaisse_par_l_ans_utilise_par_le_paiement():
    ctl, _, _ = controle_valide(plafond_convention="800.00")
    cv = ctl.declaration.candidature.convention
    assert (cv.plafond, cv.montant) == (D("180000.00"), D("800.00"))
    p = paiement_de(ctl)
    assert (p.couts_eligibles, p.plafond, p.montant, p.plafonne) == (D("1000.00"), D("800.00"), D("800.00"), True)
    assert p.calcul["plafond_matrice"] == "180000.00" and p.calcul["plafond_convention"] == "800.00"
    assert any("abaissé le montant de la convention à 800,00 €" in e for e in p.calcul["explications"])
    assert "plafonné à 800,00 €" in p.calcul["explications"][-1]


def test_couts_au_dessus_du_montant_plafonnes():
    ctl, _, _ = controle_valide(spec=[(T.PUBLIC_HORS_GHT, "0", None, "800.00")])
    p = paiement_de(ctl)
    assert (p.montant, p.plafond, p.plafonne) == (D("800.00"), D("800.00"), True)
    assert "plafonné à 800,00 €" in p.calcul["explications"][-1]


def test_couts_egaux_au_plafond_et_base_ttc():
    from declarations.models import ParametresAppel

    ctl, _, _ = controle_valide(spec=[(T.PUBLIC_HORS_GHT, "0", None, "1200.00")])
    # the basis frozen at the submission applies (HT), whatever the call says later
    ParametresAppel.objects.create(appel=ctl.declaration.candidature.appel, base_eligible="ttc")
    p = paiement_de(ctl)
    assert (p.montant, p.plafonne) == (D("1000.00"), False)
    assert p.calcul["base_eligible"] == "ht" and p.calcul["base_eligible_appel"] == "ttc"


def test_une_nouvelle_matrice_ne_change_pas_le_montant_signe(valide):
    from .donnees import grille

    ctl, _, _ = valide
    grille(ctl.declaration.candidature.appel, spec=[(T.PUBLIC_HORS_GHT, "0", None, "500.00")],
           en_vigueur_le=jours(-1))
    p = paiement_de(ctl)
    assert (p.plafond, p.montant) == (D("180000.00"), D("1000.00"))


def test_convention_sans_montant_aucun_paiement(valide):
    ctl, _, _ = valide
    Convention.objects.filter(candidature=ctl.declaration.candidature).update(montant=None)  # legacy data
    with pytest.raises(WorkflowError) as exc:
        paiement_de(ctl)
    assert exc.value.code == "plafond" and "n'indique aucun montant" in exc.value.message
    r = services.paiements_creer_a_valider()
    assert r.crees == [] and r.ignores == [(ctl.pk, exc.value.message)]
    assert not Paiement.objects.exists()


def test_second_paiement_refuse_et_contrainte(valide):
    ctl, _, _ = valide
    p = paiement_de(ctl)
    with pytest.raises(WorkflowError) as exc:
        paiement_de(ctl)
    assert exc.value.code == "existe"
    assert services.paiements_creer_a_valider().crees == []
    with pytest.raises(IntegrityError), transaction.atomic():
        Paiement.objects.create(convention=p.convention, controle=p.controle, reference="AUTRE", couts_eligibles=1,
                                plafond=1, montant=1, iban=p.iban)
    assert Paiement.objects.count() == 1


def test_creation_idempotente_par_le_service_de_masse(valide):
    ctl, _, _ = valide
    assert len(services.paiements_creer_a_valider().crees) == 1
    assert services.paiements_creer_a_valider().crees == []
    assert Paiement.objects.filter(controle=ctl).count() == 1


def test_creation_hors_fenetre_refusee(valide):
    ctl, _, _ = valide
    ouvrir_paiements(ctl.declaration.candidature.appel, debut=5, fin=100)
    with pytest.raises(WorkflowError, match="ouvrent le"):
        paiement_de(ctl)


def test_controle_non_valide_refuse(valide):
    from controle.models import Controle

    ctl, _, _ = valide
    Controle.objects.filter(pk=ctl.pk).update(etat=Controle.Etat.OBJECTIFS_NON_ATTEINTS)
    with pytest.raises(WorkflowError, match="n'a pas validé"):
        paiement_de(Controle.objects.get(pk=ctl.pk))


def test_creation_par_un_autre_role_refusee(valide):
    ctl, _, ars = valide
    for acteur in (ars, agent(Role.CONTROLEUR_ANS), agent(Role.DG_ANS)):
        with pytest.raises(WorkflowError, match="Seuls le secrétariat"):
            paiement_de(ctl, acteur)
    assert paiement_de(ctl, agent(Role.ADMIN_ANS)).pk


# --- transitions ------------------------------------------------------------------------------------

def test_circuit_complet_quatre_yeux_et_avis_de_paiement(valide):
    ctl, referent, _ = valide
    p = paiement_de(ctl)
    s1, s2 = agent(), agent()
    services.paiement_valider(paiement=p, acteur=s1)
    p = rafraichir(p)
    assert p.etat == Paiement.Etat.VALIDE and p.valide_par == s1
    with pytest.raises(WorkflowError) as exc:
        services.paiement_ordonnancer(paiement=p, acteur=s1)
    assert exc.value.code == "quatre_yeux" and "quatre yeux" in exc.value.message
    assert rafraichir(p).etat == Paiement.Etat.VALIDE
    services.paiement_ordonnancer(paiement=p, acteur=s2)
    p = rafraichir(p)
    assert p.etat == Paiement.Etat.ORDONNANCE and p.ordonnance_par == s2
    with commit():
        services.paiement_marquer_paye(paiement=p, acteur=s1, le=jours(0), reference_bancaire="VIR-001")
    p = rafraichir(p)
    assert (p.etat, p.paye_le, p.reference_bancaire) == (Paiement.Etat.PAYE, jours(0), "VIR-001")
    assert _codes(p) == ["paiement.paiement.cree", "paiement.paiement.valide", "paiement.paiement.ordonnance",
                         "paiement.paiement.paye"]
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert referent.email in m.to and "1 000,00 €" in m.body and "VIR-001" in m.body
    assert f"/paiement/dossier/{ctl.declaration.candidature.pk}/" in m.body
    with pytest.raises(WorkflowError) as exc:
        services.paiement_marquer_paye(paiement=p, acteur=s1, le=jours(0), reference_bancaire="VIR-002")
    assert exc.value.code == "deja_paye"


def test_admin_peut_ordonnancer_apres_le_secretariat(valide):
    ctl, _, _ = valide
    p = ordonnance(paiement_de(ctl), agent(), agent(Role.ADMIN_ANS))
    assert p.etat == Paiement.Etat.ORDONNANCE


def test_roles_refuses(valide):
    ctl, referent, ars = valide
    p = paiement_de(ctl)
    for acteur in (referent, ars, agent(Role.CONTROLEUR_ANS), agent(Role.DG_ANS), agent(Role.ADMIN_ANS)):
        with pytest.raises(WorkflowError) as exc:
            services.paiement_valider(paiement=p, acteur=acteur)
        assert exc.value.code == "droit"
    services.paiement_valider(paiement=p, acteur=agent())
    for acteur in (referent, ars, agent(Role.CONTROLEUR_ANS), agent(Role.DG_ANS)):
        for appel in (lambda a: services.paiement_ordonnancer(paiement=p, acteur=a),
                      lambda a: services.paiement_rejeter(paiement=p, acteur=a, motif="non")):
            with pytest.raises(WorkflowError) as exc:
                appel(acteur)
            assert exc.value.code == "droit"
    assert rafraichir(p).etat == Paiement.Etat.VALIDE


def test_mauvais_etats(valide):
    ctl, _, _ = valide
    p = paiement_de(ctl)
    s1, s2 = agent(), agent()
    with pytest.raises(WorkflowError, match="seul un paiement validé"):
        services.paiement_ordonnancer(paiement=p, acteur=s2)
    with pytest.raises(WorkflowError, match="seul un paiement ordonnancé"):
        services.paiement_marquer_paye(paiement=p, acteur=s2, le=jours(0), reference_bancaire="X")
    services.paiement_valider(paiement=p, acteur=s1)
    with pytest.raises(WorkflowError, match="ne se valide plus"):
        services.paiement_valider(paiement=p, acteur=s1)


def test_rejet_avec_motif_definitif(valide):
    ctl, _, _ = valide
    p = paiement_de(ctl)
    s = agent()
    with pytest.raises(WorkflowError, match="motif"):
        services.paiement_rejeter(paiement=p, acteur=s, motif="  ")
    services.paiement_valider(paiement=p, acteur=s)
    services.paiement_rejeter(paiement=p, acteur=s, motif="Bilan à revoir")
    p = rafraichir(p)
    assert (p.etat, p.motif) == (Paiement.Etat.REJETE, "Bilan à revoir")
    log = TransitionLog.objects.get(object_id=str(p.pk), code="paiement.paiement.rejete")
    assert log.motif == "Bilan à revoir"
    with pytest.raises(WorkflowError, match="ne peut plus être rejeté"):
        services.paiement_rejeter(paiement=p, acteur=s, motif="encore")
    with pytest.raises(WorkflowError) as exc:
        paiement_de(ctl)
    assert exc.value.code == "existe"


def test_ordonnancement_refuse_apres_rejet_ou_paiement(valide):
    ctl, _, _ = valide
    p = paiement_de(ctl)
    s1, s2 = agent(), agent()
    p = ordonnance(p, s1, s2)
    with pytest.raises(WorkflowError, match="ne peut plus être rejeté"):
        services.paiement_rejeter(paiement=p, acteur=s1, motif="trop tard")


def test_fenetre_fermee_refuse_validation_et_ordonnancement(valide):
    ctl, _, _ = valide
    p = paiement_de(ctl)
    s1, s2 = agent(), agent()
    appel = ctl.declaration.candidature.appel
    ouvrir_paiements(appel, debut=-100, fin=-1)
    with pytest.raises(WorkflowError) as exc:
        services.paiement_valider(paiement=p, acteur=s1)
    assert exc.value.code == "fenetre" and "close depuis" in exc.value.message
    ouvrir_paiements(appel)
    services.paiement_valider(paiement=p, acteur=s1)
    ouvrir_paiements(appel, debut=-100, fin=-1)
    with pytest.raises(WorkflowError, match="close depuis"):
        services.paiement_ordonnancer(paiement=p, acteur=s2)
    assert rafraichir(p).etat == Paiement.Etat.VALIDE


def test_iban_modifie_bloque_l_ordonnancement_jusqu_a_la_reverification(valide):
    ctl, referent, ars = valide
    p = paiement_de(ctl)
    s1, s2 = agent(), agent()
    services.paiement_valider(paiement=p, acteur=s1)
    ancien = p.iban
    Candidature.objects.filter(pk=p.convention.candidature_id).update(iban=IBAN_AUTRE, bic="")
    with pytest.raises(WorkflowError) as exc:
        services.paiement_ordonnancer(paiement=p, acteur=s2)
    assert exc.value.code == "iban" and "revérifier" in exc.value.message
    for acteur in (referent, s1, agent(Role.REFERENT_ARS, region=agent_region_autre())):
        with pytest.raises(WorkflowError, match="Seul un référent CaRE de l'ARS"):
            services.paiement_reverifier_iban(paiement=p, acteur=acteur)
    services.paiement_reverifier_iban(paiement=p, acteur=ars)
    p = rafraichir(p)
    assert p.iban == IBAN_AUTRE and p.iban_verifie_par == ars
    log = TransitionLog.objects.get(object_id=str(p.pk), code="paiement.paiement.iban_reverifie")
    assert log.donnees == {"ancien": f"{ancien[:4]}…{ancien[-4:]}", "nouveau": "FR76…0129"}
    services.paiement_ordonnancer(paiement=p, acteur=s2)
    assert rafraichir(p).etat == Paiement.Etat.ORDONNANCE


def agent_region_autre():
    from tests.comptes.helpers import region_de_test

    return region_de_test("75")


def test_paiement_date_future_ou_reference_vide_refuses(valide):
    ctl, _, _ = valide
    p = ordonnance(paiement_de(ctl), agent(), agent())
    s = agent()
    with pytest.raises(WorkflowError, match="futur"):
        services.paiement_marquer_paye(paiement=p, acteur=s, le=jours(1), reference_bancaire="X")
    with pytest.raises(WorkflowError, match="référence bancaire"):
        services.paiement_marquer_paye(paiement=p, acteur=s, le=jours(0), reference_bancaire="")
    assert rafraichir(p).etat == Paiement.Etat.ORDONNANCE


def test_transitions_disponibles_selon_l_utilisateur(valide):
    ctl, referent, _ = valide
    p = paiement_de(ctl)
    s1, s2, admin = agent(), agent(), agent(Role.ADMIN_ANS)
    noms = lambda u: {t.name for t in p.get_available_user_etat_transitions(u)}  # noqa: E731
    assert noms(s1) == {"valider", "rejeter"} and noms(admin) == {"rejeter"} and noms(referent) == set()
    services.paiement_valider(paiement=p, acteur=s1)
    p = rafraichir(p)
    assert "ordonnancer" not in noms(s1) and "ordonnancer" in noms(s2) and "ordonnancer" in noms(admin)


def test_appel_sans_rapport_ne_cree_rien():
    AppelFactory()
    assert services.paiements_creer_a_valider().crees == []
    assert not Convention.objects.exists()
