"""A dataset that grows: one ES dossier carried through every stage, and ``n`` more dossiers of every
stage and state around it, for the query-count tests (tests/core/test_volumes_requetes.py) and the
page benchmark (bench/bench_pages.py).

    jeu = Jeu.creer()      # the users, the call, the ES's dossier (empty lists)
    jeu.grossir(3)         # 3 of everything: dossiers, perimeter lines, cost lines, audits, notifications…
    jeu.grossir(27)        # 27 more: a page's query count must not move

Rows are written directly (bulk where it is cheap), not through the services: the pages only read
them, and a national volume must build in seconds. Deterministic: no randomness, numbers from a
counter kept on the ``Jeu``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from tests.factories import (
    AppelFactory,
    CandidatureFactory,
    EntiteJuridiqueFactory,
    EtablissementGeographiqueFactory,
    UserFactory,
    finess_pour,
)

IBAN = "FR7630006000011234567890189"


def _utilisateur(role: str, *, email: str, structure=None, region=None):
    from tests.comptes.helpers import creer_utilisateur_avec_role

    return creer_utilisateur_avec_role(role, structure=structure, region=region, email=email)


@dataclass
class Jeu:
    appel: object
    ej_es: object  # the ES's EJ (Gironde)
    dossier: object  # its candidature: complete, convention signed, declaration in draft
    declaration: object
    referent: object
    ars: object
    controleur: object
    secretariat: object
    admin: object
    dg: object
    lot: object = None
    n: int = 0
    utilisateurs: dict = field(default_factory=dict)

    # --- the base: users, call, ES dossier ------------------------------------------------------------

    @classmethod
    def creer(cls, prefixe: str = "vol") -> Jeu:
        from candidatures.models import Candidature
        from care_portal.comptes.roles import Role
        from care_portal.referentiel.models import Departement
        from conventions.models import Convention
        from declarations.models import Declaration
        from paiement.models import GrilleMontantsPlafonds, LignePlafond

        jour = timezone.localdate()
        appel = AppelFactory(code=f"{prefixe}-appel", ouvert_depuis=200, ferme_dans=-150)
        # every window around today: declarations, controls and payments open
        appel.declaration_debut, appel.declaration_fin = jour - datetime.timedelta(days=30), jour + datetime.timedelta(days=100)
        appel.paiement_debut, appel.paiement_fin = jour - datetime.timedelta(days=10), jour + datetime.timedelta(days=200)
        appel.controle_fin = jour + datetime.timedelta(days=5)
        appel.save()
        grille = GrilleMontantsPlafonds.objects.create(appel=appel, version=1, en_vigueur_le=jour - datetime.timedelta(days=300),
                                                       source="jeu de volume")
        LignePlafond.objects.bulk_create([
            LignePlafond(grille=grille, type_structure=t, activite_min=Decimal("0"), activite_max=None,
                         montant=Decimal(m))
            for t, m in (("ght", "450000"), ("public_hors_ght", "180000"), ("prive_ebnl", "100000"),
                         ("prive_lucratif", "40000"))])
        gironde = Departement.objects.get(code="33")
        ej = EntiteJuridiqueFactory(finess=finess_pour("33", 990001), raison_sociale=f"CH {prefixe} de Libourne",
                                    departement=gironde)
        EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Site principal")
        referent = _utilisateur(Role.REFERENT_ES, email=f"{prefixe}-referent@ch.fr", structure=ej)
        ars = _utilisateur(Role.REFERENT_ARS, email=f"{prefixe}-ars@ars.sante.fr", region=gironde.region)
        controleur = _utilisateur(Role.CONTROLEUR_ANS, email=f"{prefixe}-controleur@esante.gouv.fr")
        secretariat = _utilisateur(Role.SECRETARIAT_ANS, email=f"{prefixe}-secretariat@esante.gouv.fr")
        admin = _utilisateur(Role.ADMIN_ANS, email=f"{prefixe}-admin@esante.gouv.fr")
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
        dg = _utilisateur(Role.DG_ANS, email=f"{prefixe}-dg@esante.gouv.fr")
        c = CandidatureFactory(structure=ej, appel=appel)
        Candidature.objects.filter(pk=c.pk).update(
            etat=Candidature.Etat.COMPLETE, deposee_le=timezone.now() - datetime.timedelta(days=60),
            iban=IBAN, bic="BDFEFRPPXXX", titulaire_compte=ej.raison_sociale)
        Convention.objects.create(candidature=c, numero=f"{prefixe.upper()}-CV-0", etat=Convention.Etat.SIGNEE,
                                  plafond=Decimal("180000"), montant=Decimal("180000"))
        d = Declaration.objects.create(candidature=c)
        return cls(appel=appel, ej_es=ej, dossier=Candidature.objects.get(pk=c.pk), declaration=d,
                   referent=referent, ars=ars, controleur=controleur, secretariat=secretariat, admin=admin, dg=dg,
                   utilisateurs={"referent_es": referent, "referent_ars": ars, "controleur_ans": controleur,
                                 "secretariat_ans": secretariat, "admin_ans": admin, "dg_ans": dg})

    # --- growing ----------------------------------------------------------------------------------------

    def grossir(self, n: int) -> Jeu:
        """``n`` more of everything a list page shows."""
        debut, self.n = self.n, self.n + n
        self._dossier_es(debut, n)
        self._dossiers(debut, n)
        self._comptes(debut, n)
        return self

    def _dossier_es(self, debut: int, n: int) -> None:
        """The ES's own dossier grows: sites in its perimeter, cost lines, AD audits, exposure audits,
        crisis exercises, notifications."""
        from candidatures.models import PerimetreLigne
        from care_portal.notifications.models import Notification
        from declarations.models import LigneBilan
        from objectifs.models import ActiveDirectory, AuditADS, AuditExposition, ExerciceCrise, Objectif

        egs = [EtablissementGeographiqueFactory(entite_juridique=self.ej_es, raison_sociale=f"Site {i}")
               for i in range(debut, debut + n)]
        lignes = PerimetreLigne.objects.bulk_create([
            PerimetreLigne(candidature=self.dossier, entite_juridique=self.ej_es, etablissement=eg, finess=eg.finess,
                           libelle=eg.raison_sociale, activite_combinee=Decimal("10"),
                           activite_referentiel=Decimal("10"))
            for eg in egs])
        objectif = Objectif.objects.order_by("ordre", "code").first()
        jour = timezone.localdate() - datetime.timedelta(days=30)
        LigneBilan.objects.bulk_create([
            LigneBilan(declaration=self.declaration, objectif=objectif, categorie="externe_prestations",
                       libelle=f"Prestation {i}", fournisseur="Cyber Conseil", date=jour,
                       montant_ht=Decimal("1000.00"), montant_ttc=Decimal("1200.00"))
            for i in range(debut, debut + n)])
        ads = ActiveDirectory.objects.bulk_create([
            ActiveDirectory(candidature=self.dossier, nom=f"ad{i}.ch.local") for i in range(debut, debut + n)])
        AuditADS.objects.bulk_create([AuditADS(active_directory=ad, date=jour, score=3) for ad in ads])
        AuditExposition.objects.bulk_create([
            AuditExposition(candidature=self.dossier, date=jour, outil=AuditExposition.Outil.choices[0][0])
            for _ in range(n)])
        ExerciceCrise.objects.bulk_create([
            ExerciceCrise(candidature=self.dossier, structure=ligne, date=jour,
                          kit=ExerciceCrise.Kit.choices[0][0], type_preuve=ExerciceCrise.TypePreuve.choices[0][0],
                          fournisseur=ExerciceCrise.Fournisseur.choices[0][0])
            for ligne in lignes])
        # GHT candidatures (their label reads the GHT: the admin lists must join it), with their evidence
        from tests.factories import GHTFactory

        for i in range(debut, debut + n):
            ght = GHTFactory(code=f"VO-{self.appel.pk}-{i}", nom=f"GHT du volume {i}")
            cg = CandidatureFactory(structure=ght, appel=self.appel)
            ligne = cg.perimetre.first()
            ad = ActiveDirectory.objects.create(candidature=cg, nom=f"ght{i}.local")
            AuditADS.objects.create(active_directory=ad, date=jour, score=2)
            AuditExposition.objects.create(candidature=cg, date=jour, outil=AuditExposition.Outil.choices[0][0])
            ExerciceCrise.objects.create(candidature=cg, structure=ligne, date=jour, kit=ExerciceCrise.Kit.choices[0][0],
                                         type_preuve=ExerciceCrise.TypePreuve.choices[0][0],
                                         fournisseur=ExerciceCrise.Fournisseur.choices[0][0])
        for u in (self.referent, self.ars, self.secretariat):
            Notification.objects.bulk_create([
                Notification(destinataire=u, gabarit="candidature_deposee", sujet=f"Notification {i}",
                             lien=f"/candidatures/{self.dossier.pk}/", candidature=self.dossier)
                for i in range(debut, debut + n)])

    def _dossiers(self, debut: int, n: int) -> None:
        """``n`` dossiers of other structures, in Gironde (the ARS's region) and Paris, cycling through
        every stage and state: candidatures, conventions, declarations (with lines and a frozen
        submission), controls, payments, a SEPA batch."""
        from candidatures.models import Candidature
        from care_portal.referentiel.models import Departement, EntiteJuridique, StatutJuridique
        from care_portal.workflow.models import TransitionLog
        from controle.models import Controle
        from conventions.models import Convention
        from declarations.models import Declaration, Instantane, LigneBilan
        from objectifs.models import Objectif
        from paiement.models import LotVirement, Paiement

        deps = {code: Departement.objects.select_related("region").get(code=code) for code in ("33", "75")}
        # one block per unit of volume: a dossier in each state of each stage
        cand_etats = ["deposee", "complement_demande", "rejetee", "brouillon"]
        cv_etats = ["a_generer", "envoyee", "signee_es", "expiree"]
        decl_etats = ["brouillon", "deposee", "complement_demande", "non_recevable"]
        ctl_etats = ["a_planifier", "planifie", "en_cours", "informations_demandees", "objectifs_non_atteints"]
        p_etats = ["a_valider", "valide", "ordonnance", "paye", "rejete", None]  # None: validated, no payment
        plan = []  # (candidature, convention, declaration, control, payment) states of each dossier
        for _ in range(n):
            plan += [(e, None, None, None, None) for e in cand_etats]
            plan += [("complete", e, None, None, None) for e in cv_etats]
            plan += [("complete", "signee", e, None, None) for e in decl_etats]
            plan += [("complete", "signee", "complete", e, None) for e in ctl_etats]
            plan += [("complete", "signee", "complete", "objectifs_atteints", e) for e in p_etats]
        base = debut * len(plan) // max(n, 1)
        dep = ["33", "75"]
        ejs = EntiteJuridique.objects.bulk_create([
            EntiteJuridique(finess=finess_pour(dep[k % 2], 600000 + base + k),
                            raison_sociale=f"Clinique du volume {base + k}", statut=StatutJuridique.PRIVE_LUCRATIF,
                            departement=deps[dep[k % 2]], activite_combinee=Decimal("10"))
            for k in range(len(plan))])
        il_y_a = timezone.now() - datetime.timedelta(days=40)
        cands = Candidature.objects.bulk_create([
            Candidature(appel=self.appel, entite_juridique=ej, type_candidature="prive_lucratif",
                        region_instructrice=ej.departement.region, etat=etapes[0],
                        deposee_le=None if etapes[0] == "brouillon" else il_y_a,
                        iban=IBAN, bic="BDFEFRPPXXX", titulaire_compte=ej.raison_sociale)
            for ej, etapes in zip(ejs, plan, strict=True)])
        from django.contrib.contenttypes.models import ContentType

        from candidatures.models import PerimetreLigne

        PerimetreLigne.objects.bulk_create([
            PerimetreLigne(candidature=c, entite_juridique=c.entite_juridique, finess=c.entite_juridique.finess,
                           libelle=c.entite_juridique.raison_sociale, activite_combinee=Decimal("10"),
                           activite_referentiel=Decimal("10"), est_support=True)
            for c in cands])
        ct = ContentType.objects.get_for_model(Candidature)
        TransitionLog.objects.bulk_create([
            TransitionLog(content_type=ct, object_id=str(c.pk), code="candidatures.candidature.deposee",
                          etat_source="brouillon", etat_cible="deposee")
            for c in cands if c.etat != "brouillon"])
        lignes = [(c, etapes) for c, etapes in zip(cands, plan, strict=True) if etapes[1]]
        cvs = Convention.objects.bulk_create([
            Convention(candidature=c, numero=f"VOL-{self.appel.pk}-{c.pk}", etat=etapes[1],
                       plafond=Decimal("40000"), montant=Decimal("40000"),
                       echeance=timezone.now() + datetime.timedelta(days=3))
            for c, etapes in lignes])
        lignes = [(c, cv, etapes) for (c, etapes), cv in zip(lignes, cvs, strict=True) if etapes[2]]
        decls = Declaration.objects.bulk_create([
            Declaration(candidature=c, etat=etapes[2], deposee_le=None if etapes[2] == "brouillon" else il_y_a,
                        decidee_le=il_y_a)
            for c, cv, etapes in lignes])
        objectif = Objectif.objects.order_by("ordre", "code").first()
        LigneBilan.objects.bulk_create([
            LigneBilan(declaration=d, objectif=objectif, categorie="externe_prestations", libelle=f"Ligne {j}",
                       fournisseur="Cyber Conseil", date=il_y_a.date(), montant_ht=Decimal("1000.00"),
                       montant_ttc=Decimal("1200.00"))
            for d in decls for j in range(2)])
        Instantane.objects.bulk_create([
            Instantane(declaration=d, depot=il_y_a, numero=1, certifie_par=self.referent, base_eligible="ht",
                       verdicts=[{"code": objectif.code, "titre": objectif.titre, "statut": "atteint", "raisons": []}],
                       preuves=[], documents=[], bilan=[],
                       totaux={"general": {"ht": "2000.00", "ttc": "2400.00", "eligible": "2000.00"}})
            for d in decls if d.etat != "brouillon"])
        lignes = [(cv, d, etapes) for (c, cv, etapes), d in zip(lignes, decls, strict=True) if etapes[3]]
        ctls = Controle.objects.bulk_create([
            Controle(declaration=d, etat=etapes[3], decide_le=il_y_a,
                     date_prevue=None if d.pk % 3 == 0 else timezone.now() + datetime.timedelta(days=d.pk % 20))
            for cv, d, etapes in lignes])
        Controle.controleurs.through.objects.bulk_create([
            Controle.controleurs.through(controle_id=c.pk, user_id=self.controleur.pk) for c in ctls])
        paiements = Paiement.objects.bulk_create([
            Paiement(convention=cv, controle=c, reference=f"ECARE-V{self.appel.pk:03d}{c.pk:06d}", etat=etapes[4],
                     couts_eligibles=Decimal("2000.00"), plafond=Decimal("40000"), montant=Decimal("2000.00"),
                     iban=IBAN)
            for (cv, d, etapes), c in zip(lignes, ctls, strict=True) if etapes[4]])
        if self.lot is None:
            self.lot = LotVirement.objects.create(message_id=f"VOL-LOT-{self.appel.pk}", date_execution=timezone.localdate(),
                                                  nombre=0, total=Decimal("0"), sha256="0" * 64, cree_par=self.secretariat)
        Paiement.objects.filter(pk__in=[p.pk for p in paiements if p.etat == "paye"]).update(lot=self.lot)

    def _comptes(self, debut: int, n: int) -> None:
        """Pending memberships the ARS decides, and invitations of the ES's référent."""
        from care_portal.comptes.models import Invitation, Rattachement
        from care_portal.comptes.roles import Role

        demandeurs = [UserFactory(email=f"demandeur{self.appel.pk}-{i}@ch.fr", email_verifie_le=timezone.now())
                      for i in range(debut, debut + n)]
        for u in demandeurs:
            Rattachement.objects.create(utilisateur=u, role=Role.DSI, entite_juridique=self.ej_es)
        Invitation.objects.bulk_create([
            Invitation(email=f"invite{self.appel.pk}-{i}@ch.fr", role=Role.RSSI, entite_juridique=self.ej_es,
                       invite_par=self.referent, jeton_hash=f"{self.appel.pk:08d}{i:056d}",
                       expire_le=timezone.now() + datetime.timedelta(days=7))
            for i in range(debut, debut + n)])
