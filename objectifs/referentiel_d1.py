"""The Domaine 1 objectives and thresholds as loaded by migration 0002 (and re-read by the tests):
plain data, each threshold with its source (issue 6, point 1). Edit them in the admin afterwards;
this module is the initial content only."""

from __future__ import annotations

SOURCE_PROGRAMME = "Programme CaRE, Domaine 1 « Annuaires techniques et exposition sur internet »"
TOUS = ["ght", "public_hors_ght", "prive_ebnl", "prive_lucratif"]

OBJECTIFS: list[dict] = [
    {"code": "D1.O1.A", "ordre": 10, "titre": "Audits des Active Directory", "types_candidature": TOUS,
     "description": "Un audit ADS (ORADAD, ANSSI) de chaque Active Directory tous les 2 mois pendant la phase "
                    "opérationnelle.",
     "preuves": "Description des infrastructures AD et de leurs interconnexions ; rapports des audits ADS."},
    {"code": "D1.O1.B", "ordre": 20, "titre": "Niveau minimal des Active Directory", "types_candidature": TOUS,
     "description": "Score ADS ≥ 2 (échelle 1 à 5 ; l'ANSSI conseille 3) aux 2 derniers audits de chaque AD. "
                    "GHT : tous les AD du support et, s'il y a plusieurs EJ, tous les AD d'au moins 2 EJ "
                    "représentant au moins 66 % de l'activité combinée du GHT. EJ à plusieurs EG : tous les AD "
                    "d'au moins 2 EG représentant au moins 66 % de l'activité de l'EJ.",
     "preuves": "Rapports des audits ADS."},
    {"code": "D1.O2.A", "ordre": 30, "titre": "Audits de l'exposition sur internet", "types_candidature": TOUS,
     "description": "Un audit de l'exposition sur internet de toute la surface exposée tous les 2 mois (SILENE, ou "
                    "un outil industriel conforme au cahier des charges de l'ANS). GHT : chaque ES membre ; "
                    "EJ : chaque EG.",
     "preuves": "Domaines exposés, adresses IP publiques, rapports d'audit."},
    {"code": "D1.O2.B", "ordre": 40, "titre": "Aucune vulnérabilité critique exposée", "types_candidature": TOUS,
     "description": "Aucune vulnérabilité critique aux 2 derniers audits d'exposition successifs sur tout le "
                    "périmètre ; les audits SILENE ne peuvent pas valider la remédiation.",
     "preuves": "Rapports d'audit."},
    {"code": "D1.O3", "ordre": 50, "titre": "Exercice de crise cyber", "types_candidature": TOUS,
     "description": "Un exercice de crise cyber avec un kit ANS (débutant, intermédiaire, confirmé) en 2023 ou 2024 "
                    "par 100 % des EJ (GHT, public) ou des EG (privé).",
     "preuves": "Rapport d'exercice sur le modèle ANS, ou attestation du prestataire, de l'ARS ou du GRADeS."},
    {"code": "D1.O4", "ordre": 60, "titre": "Auto-évaluation oSIS", "types_candidature": TOUS,
     "description": "oSIS renseigné par 100 % des établissements (EJ pour les GHT et le public, EG pour le privé) : "
                    "part du numérique dans le budget, les 43 mesures prioritaires.",
     "preuves": "Aucune (saisie dans oSIS)."},
    {"code": "D1.O5", "ordre": 70, "titre": "Budget numérique", "types_candidature": TOUS,
     "description": "Part du numérique dans le budget général et ETP sécurité (DSI + RSSI), par EJ (par EG pour "
                    "le privé).",
     "preuves": "Aucune."},
    {"code": "D1.O6.A", "ordre": 80, "titre": "Gouvernance du GHT", "types_candidature": ["ght"],
     "description": "Un référent projet nommé par le directeur du support, une équipe opérationnelle AD unique, "
                    "une gouvernance transverse.",
     "preuves": "Équipe projet, schéma de gouvernance."},
    {"code": "D1.O6.B", "ordre": 90, "titre": "Convergence des AD du GHT", "types_candidature": ["ght"],
     "description": "Une trajectoire de convergence des AD du GHT validée par le DSI du support et le comité "
                    "stratégique : planning de convergence sous 18 mois, organisation, budget (AD déjà convergé : "
                    "description de l'infrastructure convergée).",
     "preuves": "Document de trajectoire."},
]

# code (= the field of objectifs.donnees.Seuils), objectif, libellé, valeur, unité, source
SEUILS: list[tuple[str, str | None, str, str, str, str]] = [
    ("score_ads_min", "D1.O1.B", "Score ADS minimal aux 2 derniers audits (échelle 1 à 5)", "2", "score",
     f"{SOURCE_PROGRAMME}, D1.O1.B : « Atteindre un score supérieur ou égal à 2 pour les 2 derniers audits ADS "
     "des différents AD » (l'ANSSI conseille 3)."),
    ("cadence_mois", "D1.O1.A", "Périodicité des audits AD et d'exposition sur internet", "2", "mois",
     f"{SOURCE_PROGRAMME}, D1.O1.A et D1.O2.A : « tous les 2 mois durant la phase opérationnelle »."),
    ("cadence_jours_max", "D1.O1.A", "Écart maximal entre deux audits successifs d'une même cible", "60", "jours",
     "FAQ du programme CaRE (DESIGN.md §4) : audits successifs d'une même cible espacés de 45 à 60 jours ; "
     "« tous les 2 mois » lu comme « au plus 60 jours »."),
    ("ecart_audits_min_jours", "D1.O2.B", "Écart minimal entre les 2 audits d'exposition retenus", "45", "jours",
     "FAQ du programme CaRE (DESIGN.md §4) : audits successifs espacés de 45 à 60 jours."),
    ("ecart_audits_max_jours", "D1.O2.B", "Écart maximal entre les 2 audits d'exposition retenus", "60", "jours",
     "FAQ du programme CaRE (DESIGN.md §4) : audits successifs espacés de 45 à 60 jours."),
    ("nb_structures_min", "D1.O1.B", "Nombre minimal d'EJ (GHT) ou d'EG (EJ) dont tous les AD atteignent le score",
     "2", "établissements", f"{SOURCE_PROGRAMME}, D1.O1.B : « tous les AD d'au moins 2 établissements »."),
    ("part_activite_min", "D1.O1.B", "Part minimale de l'activité combinée couverte", "0.66", "fraction",
     f"{SOURCE_PROGRAMME}, D1.O1.B : « représentant au moins 66 % de l'activité combinée »."),
    ("part_activite_prerequis", None, "Part de l'activité combinée soumise aux prérequis SUN-ES", "0.90",
     "fraction", f"{SOURCE_PROGRAMME}, « Prérequis pour candidater » : 90 % de l'activité combinée."),
    ("exercice_annee_debut", "D1.O3", "Première année admise pour l'exercice de crise", "2023", "année",
     f"{SOURCE_PROGRAMME}, D1.O3 : « devront avoir réalisé un exercice en 2023 ou 2024 »."),
    ("exercice_annee_fin", "D1.O3", "Dernière année admise pour l'exercice de crise", "2024", "année",
     f"{SOURCE_PROGRAMME}, D1.O3 : « devront avoir réalisé un exercice en 2023 ou 2024 »."),
    ("convergence_mois_max", "D1.O6.B", "Délai maximal de convergence des AD après l'appel", "18", "mois",
     f"{SOURCE_PROGRAMME}, D1.O6.B : « à une échéance maximale de 18 mois post appel à financement D1 »."),
    ("mesures_osis", "D1.O4", "Mesures prioritaires à renseigner dans oSIS", "43", "mesures",
     f"{SOURCE_PROGRAMME}, D1.O4 : « 43 mesures prioritaires »."),
    ("ecart_ads_min_jours", "D1.O1.B", "Écart minimal entre les 2 derniers audits ADS d'un AD", "1", "jours",
     f"{SOURCE_PROGRAMME}, slide « Objectif D1.O1.B » : « 2 derniers audits successifs », sans écart fixé ; 1 jour = "
     "deux dates distinctes (choix du portail, issue 17)."),
    ("ecart_ads_max_jours", "D1.O1.B", "Écart maximal entre les 2 derniers audits ADS d'un AD (0 : aucun)", "0",
     "jours", f"{SOURCE_PROGRAMME}, slide « Objectif D1.O1.B » : aucun écart maximal fixé ; la cadence de 2 mois "
     "est vérifiée par D1.O1.A (choix du portail, issue 17)."),
    ("score_ads_conseille", "D1.O1.B", "Score ADS conseillé par l'ANSSI (indicatif)", "3", "score",
     "ANSSI, fiche du service ADS : niveau 3 conseillé."),
]
