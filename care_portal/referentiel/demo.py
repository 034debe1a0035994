"""A synthetic France for the demo and the benchmarks (``manage.py seed_demo``).

What it builds
--------------
At scale 1, about 1,500 entités juridiques (EJ), 3,000 établissements géographiques (EG) and 136
GHT spread over the 18 regions and 101 départements loaded by migration 0002:

* statuses close to the 2024 Domaine 1 call (134 GHT, 18 public outside GHT, 292 private
  non-profit, 763 private for-profit): about a third public, almost all of them members of a GHT,
  a fifth privé à but non lucratif, the rest privé à but lucratif;
* real towns (``COMMUNES``: population of the département and a handful of towns, prefecture
  first) and French names: « CHU de … », « Centre hospitalier de … », « Clinique Saint-… »,
  « Polyclinique … », « Hôpital privé … », « Centre de soins de suite … », « EHPAD … » (an ESMS
  site of a hospital, category 500);
* FINESS numbers with a valid Luhn key in the right département (``97 0 d`` overseas, 2A/2B in
  Corsica), FINESS categories and aggregated categories, FINESS legal-status codes, SIREN/SIRET
  with a valid key;
* EG per EJ skewed (most have 1–2, a CHU 5–10) and ``activite_combinee`` skewed (a CHU weighs
  hundreds of small clinics), EJ activity being the sum of its EG;
* GHT coded per region (``NA-04``), named after their territory, with 3–15 public members whose
  largest one is the établissement support; two GHT also take one hospital of a neighbouring
  region (the real cases of Gisors in the Val-d'Oise GHT and Langres in the Côte-d'Or GHT) so the
  cross-region rule has something to chew on.

How
---
:func:`generer_pays` is pure: from a seed and a scale it returns a :class:`PaysDemo` (frozen
dataclasses) using only its own ``random.Random(graine)``, never the global random generator nor
the clock: two calls with the same arguments return equal objects. :func:`ecrire_pays` then
upserts it in one transaction (EJ and EG keyed by FINESS number, GHT by code; ``bulk_create`` for
new rows, ``bulk_update`` for changed ones, members through the M2M table, extra members of a demo
GHT removed) and reports what it created, updated or left unchanged. It never deletes an EJ or EG:
a run at a smaller scale after a larger one keeps the rows of the larger one, and another seed or
scale draws other numbers, some of which may coincide with (and so overwrite) rows of an earlier
run. To switch, start from an empty referential. Measured at scale 1: generation 0.2–0.7 s and
writes about 0.5 s (0.1–0.2 s for a second run, which changes nothing) on SQLite and PostgreSQL
alike; ``manage.py seed_demo --etape referentiel`` takes 1.5–3 s, most of it Django's start-up.

Scale: GHT per region and EJ per département follow the scale (0.5 → about half of everything), but
every region keeps at least one GHT of three public members and one private EJ, so at 0.05 there
are 18 GHT and about 100 EJ, more than half of them public.

Steps
-----
``seed_demo`` runs the registered steps in order (``ordre``, then name). This module registers
``referentiel`` (ordre 10), which generates the country, writes it and leaves it in
``contexte.pays``. Another app adds its own step in a ``demo.py`` module of its package, which
``seed_demo`` imports before running::

    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("comptes", ordre=20)
    def comptes_demo(contexte: ContexteDemo) -> list[str]:
        rng = contexte.rng("comptes")          # its own deterministic generator
        ej = contexte.pays.entites[0]          # the country written by the referentiel step
        ...                                     # idempotent writes (get_or_create, upserts)
        return ["Comptes : 12 créés."]           # lines of the French summary

A step must be idempotent (running ``seed_demo`` twice leaves the same rows) and deterministic
(draw from ``contexte.rng(nom)``, never from ``random`` or the clock).
"""

from __future__ import annotations

import datetime
import importlib
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction

from .finess import cle_luhn
from .models import GHT, Departement, EntiteJuridique, EtablissementGeographique, Region, StatutJuridique

# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

#: Regions and départements as loaded by the data migration (single source of truth).
REGIONS: list[tuple[str, str, bool, list[tuple[str, str]]]] = importlib.import_module(
    "care_portal.referentiel.migrations.0002_regions_appel_d1_2024"
).REGIONS

#: Per département: population (thousands, rounded) and real towns with their postal code,
#: prefecture first.
COMMUNES: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "01": (657, (("Bourg-en-Bresse", "01000"), ("Oyonnax", "01100"), ("Ambérieu-en-Bugey", "01500"),
                 ("Belley", "01300"), ("Valserhône", "01200"), ("Trévoux", "01600"),
                 ("Hauteville-Lompnes", "01110"))),
    "02": (527, (("Laon", "02000"), ("Saint-Quentin", "02100"), ("Soissons", "02200"),
                 ("Château-Thierry", "02400"), ("Chauny", "02300"), ("Hirson", "02500"), ("Guise", "02120"))),
    "03": (335, (("Moulins", "03000"), ("Montluçon", "03100"), ("Vichy", "03200"),
                 ("Saint-Pourçain-sur-Sioule", "03500"), ("Cusset", "03300"))),
    "04": (165, (("Digne-les-Bains", "04000"), ("Manosque", "04100"), ("Sisteron", "04200"),
                 ("Forcalquier", "04300"), ("Barcelonnette", "04400"))),
    "05": (141, (("Gap", "05000"), ("Briançon", "05100"), ("Embrun", "05200"),
                 ("Laragne-Montéglin", "05300"))),
    "06": (1097, (("Nice", "06000"), ("Cannes", "06400"), ("Antibes", "06600"), ("Grasse", "06130"),
                  ("Menton", "06500"), ("Cagnes-sur-Mer", "06800"), ("Saint-Laurent-du-Var", "06700"),
                  ("Vallauris", "06220"))),
    "07": (329, (("Privas", "07000"), ("Aubenas", "07200"), ("Annonay", "07100"),
                 ("Tournon-sur-Rhône", "07300"), ("Le Teil", "07400"))),
    "08": (270, (("Charleville-Mézières", "08000"), ("Sedan", "08200"), ("Rethel", "08300"),
                 ("Vouziers", "08400"), ("Givet", "08600"))),
    "09": (153, (("Foix", "09000"), ("Pamiers", "09100"), ("Saint-Girons", "09200"), ("Lavelanet", "09300"))),
    "10": (310, (("Troyes", "10000"), ("Romilly-sur-Seine", "10100"), ("Bar-sur-Aube", "10200"),
                 ("Nogent-sur-Seine", "10400"), ("Bar-sur-Seine", "10110"))),
    "11": (375, (("Carcassonne", "11000"), ("Narbonne", "11100"), ("Castelnaudary", "11400"),
                 ("Limoux", "11300"), ("Lézignan-Corbières", "11200"), ("Quillan", "11500"))),
    "12": (279, (("Rodez", "12000"), ("Millau", "12100"), ("Villefranche-de-Rouergue", "12200"),
                 ("Decazeville", "12300"), ("Saint-Affrique", "12400"), ("Espalion", "12500"))),
    "13": (2043, (("Marseille", "13005"), ("Aix-en-Provence", "13100"), ("Arles", "13200"),
                  ("Martigues", "13500"), ("Aubagne", "13400"), ("Salon-de-Provence", "13300"),
                  ("La Ciotat", "13600"), ("Istres", "13800"), ("Vitrolles", "13127"),
                  ("Marignane", "13700"))),
    "14": (698, (("Caen", "14000"), ("Lisieux", "14100"), ("Bayeux", "14400"), ("Vire Normandie", "14500"),
                 ("Honfleur", "14600"), ("Falaise", "14700"), ("Hérouville-Saint-Clair", "14200"))),
    "15": (144, (("Aurillac", "15000"), ("Saint-Flour", "15100"), ("Mauriac", "15200"), ("Murat", "15300"))),
    "16": (351, (("Angoulême", "16000"), ("Cognac", "16100"), ("Confolens", "16500"), ("Ruffec", "16700"),
                 ("Barbezieux-Saint-Hilaire", "16300"))),
    "17": (655, (("La Rochelle", "17000"), ("Saintes", "17100"), ("Rochefort", "17300"), ("Royan", "17200"),
                 ("Jonzac", "17500"), ("Saint-Jean-d'Angély", "17400"))),
    "18": (302, (("Bourges", "18000"), ("Vierzon", "18100"), ("Saint-Amand-Montrond", "18200"),
                 ("Sancerre", "18300"))),
    "19": (240, (("Tulle", "19000"), ("Brive-la-Gaillarde", "19100"), ("Ussel", "19200"))),
    "21": (534, (("Dijon", "21000"), ("Beaune", "21200"), ("Montbard", "21500"), ("Semur-en-Auxois", "21140"),
                 ("Châtillon-sur-Seine", "21400"), ("Auxonne", "21130"))),
    "22": (600, (("Saint-Brieuc", "22000"), ("Lannion", "22300"), ("Dinan", "22100"), ("Guingamp", "22200"),
                 ("Paimpol", "22500"), ("Loudéac", "22600"))),
    "23": (116, (("Guéret", "23000"), ("Aubusson", "23200"), ("La Souterraine", "23300"),
                 ("Bourganeuf", "23400"))),
    "24": (413, (("Périgueux", "24000"), ("Bergerac", "24100"), ("Sarlat-la-Canéda", "24200"),
                 ("Ribérac", "24600"), ("Nontron", "24300"))),
    "25": (544, (("Besançon", "25000"), ("Montbéliard", "25200"), ("Pontarlier", "25300"),
                 ("Morteau", "25500"), ("Audincourt", "25400"), ("Baume-les-Dames", "25110"))),
    "26": (517, (("Valence", "26000"), ("Montélimar", "26200"), ("Romans-sur-Isère", "26100"),
                 ("Die", "26150"), ("Crest", "26400"), ("Nyons", "26110"))),
    "27": (599, (("Évreux", "27000"), ("Vernon", "27200"), ("Louviers", "27400"), ("Bernay", "27300"),
                 ("Pont-Audemer", "27500"), ("Gisors", "27140"), ("Les Andelys", "27700"))),
    "28": (431, (("Chartres", "28000"), ("Dreux", "28100"), ("Châteaudun", "28200"),
                 ("Nogent-le-Rotrou", "28400"))),
    "29": (915, (("Quimper", "29000"), ("Brest", "29200"), ("Morlaix", "29600"), ("Quimperlé", "29300"),
                 ("Landerneau", "29800"), ("Douarnenez", "29100"), ("Concarneau", "29900"),
                 ("Carhaix-Plouguer", "29270"))),
    "2A": (158, (("Ajaccio", "20000"), ("Porto-Vecchio", "20137"), ("Sartène", "20100"),
                 ("Propriano", "20110"))),
    "2B": (182, (("Bastia", "20200"), ("Corte", "20250"), ("Calvi", "20260"), ("L'Île-Rousse", "20220"),
                 ("Ghisonaccia", "20240"))),
    "30": (752, (("Nîmes", "30000"), ("Alès", "30100"), ("Bagnols-sur-Cèze", "30200"), ("Uzès", "30700"),
                 ("Le Vigan", "30120"), ("Beaucaire", "30300"))),
    "31": (1415, (("Toulouse", "31000"), ("Saint-Gaudens", "31800"), ("Muret", "31600"),
                  ("Colomiers", "31770"), ("Blagnac", "31700"), ("Tournefeuille", "31170"),
                  ("Villefranche-de-Lauragais", "31290"), ("Revel", "31250"))),
    "32": (191, (("Auch", "32000"), ("Condom", "32100"), ("Lectoure", "32700"), ("Mirande", "32300"),
                 ("Eauze", "32800"))),
    "33": (1651, (("Bordeaux", "33000"), ("Libourne", "33500"), ("Arcachon", "33120"), ("Mérignac", "33700"),
                  ("Langon", "33210"), ("Lesparre-Médoc", "33340"), ("Pessac", "33600"), ("Talence", "33400"),
                  ("Blaye", "33390"), ("La Teste-de-Buch", "33260"))),
    "34": (1190, (("Montpellier", "34000"), ("Béziers", "34500"), ("Sète", "34200"), ("Lodève", "34700"),
                  ("Lunel", "34400"), ("Agde", "34300"), ("Clermont-l'Hérault", "34800"),
                  ("Castelnau-le-Lez", "34170"))),
    "35": (1095, (("Rennes", "35000"), ("Saint-Malo", "35400"), ("Fougères", "35300"), ("Vitré", "35500"),
                  ("Redon", "35600"), ("Cesson-Sévigné", "35510"), ("Montfort-sur-Meu", "35160"))),
    "36": (218, (("Châteauroux", "36000"), ("Issoudun", "36100"), ("Le Blanc", "36300"),
                 ("La Châtre", "36400"))),
    "37": (611, (("Tours", "37000"), ("Amboise", "37400"), ("Chinon", "37500"), ("Loches", "37600"),
                 ("Joué-lès-Tours", "37300"), ("Saint-Cyr-sur-Loire", "37540"))),
    "38": (1275, (("Grenoble", "38000"), ("Vienne", "38200"), ("Voiron", "38500"),
                  ("Bourgoin-Jallieu", "38300"), ("Échirolles", "38130"), ("Saint-Égrève", "38120"),
                  ("La Mure", "38350"), ("Saint-Marcellin", "38160"))),
    "39": (258, (("Lons-le-Saunier", "39000"), ("Dole", "39100"), ("Saint-Claude", "39200"),
                 ("Champagnole", "39300"), ("Morez", "39400"))),
    "40": (418, (("Mont-de-Marsan", "40000"), ("Dax", "40100"), ("Saint-Sever", "40500"),
                 ("Biscarrosse", "40600"), ("Capbreton", "40130"))),
    "41": (329, (("Blois", "41000"), ("Vendôme", "41100"), ("Romorantin-Lanthenay", "41200"),
                 ("Montrichard Val de Cher", "41400"))),
    "42": (765, (("Saint-Étienne", "42000"), ("Roanne", "42300"), ("Montbrison", "42600"),
                 ("Firminy", "42700"), ("Saint-Chamond", "42400"), ("Feurs", "42110"))),
    "43": (227, (("Le Puy-en-Velay", "43000"), ("Brioude", "43100"), ("Yssingeaux", "43200"),
                 ("Monistrol-sur-Loire", "43120"))),
    "44": (1450, (("Nantes", "44000"), ("Saint-Nazaire", "44600"), ("Châteaubriant", "44110"),
                  ("Ancenis-Saint-Géréon", "44150"), ("Pornic", "44210"), ("Saint-Herblain", "44800"),
                  ("Rezé", "44400"), ("Guérande", "44350"), ("Clisson", "44190"))),
    "45": (682, (("Orléans", "45000"), ("Montargis", "45200"), ("Gien", "45500"), ("Pithiviers", "45300"),
                 ("Saint-Jean-de-Braye", "45800"), ("Beaugency", "45190"))),
    "46": (174, (("Cahors", "46000"), ("Figeac", "46100"), ("Gourdon", "46300"), ("Saint-Céré", "46400"))),
    "47": (332, (("Agen", "47000"), ("Villeneuve-sur-Lot", "47300"), ("Marmande", "47200"),
                 ("Nérac", "47600"), ("Fumel", "47500"))),
    "48": (76, (("Mende", "48000"), ("Marvejols", "48100"), ("Langogne", "48300"),
                ("Saint-Chély-d'Apcher", "48200"))),
    "49": (818, (("Angers", "49000"), ("Cholet", "49300"), ("Saumur", "49400"),
                 ("Segré-en-Anjou Bleu", "49500"), ("Chemillé-en-Anjou", "49120"),
                 ("Baugé-en-Anjou", "49150"))),
    "50": (496, (("Saint-Lô", "50000"), ("Cherbourg-en-Cotentin", "50100"), ("Avranches", "50300"),
                 ("Coutances", "50200"), ("Granville", "50400"), ("Valognes", "50700"))),
    "51": (566, (("Châlons-en-Champagne", "51000"), ("Reims", "51100"), ("Épernay", "51200"),
                 ("Vitry-le-François", "51300"), ("Sézanne", "51120"))),
    "52": (172, (("Chaumont", "52000"), ("Saint-Dizier", "52100"), ("Langres", "52200"),
                 ("Joinville", "52300"))),
    "53": (307, (("Laval", "53000"), ("Château-Gontier-sur-Mayenne", "53200"), ("Mayenne", "53100"),
                 ("Évron", "53600"), ("Craon", "53400"))),
    "54": (733, (("Nancy", "54000"), ("Lunéville", "54300"), ("Toul", "54200"), ("Val de Briey", "54150"),
                 ("Pont-à-Mousson", "54700"), ("Longwy", "54400"), ("Vandœuvre-lès-Nancy", "54500"))),
    "55": (183, (("Bar-le-Duc", "55000"), ("Verdun", "55100"), ("Commercy", "55200"),
                 ("Saint-Mihiel", "55300"))),
    "56": (760, (("Vannes", "56000"), ("Lorient", "56100"), ("Pontivy", "56300"), ("Ploërmel", "56800"),
                 ("Auray", "56400"), ("Hennebont", "56700"), ("Lanester", "56600"))),
    "57": (1046, (("Metz", "57000"), ("Thionville", "57100"), ("Forbach", "57600"),
                  ("Sarreguemines", "57200"), ("Sarrebourg", "57400"), ("Saint-Avold", "57500"),
                  ("Hayange", "57700"), ("Creutzwald", "57150"))),
    "58": (203, (("Nevers", "58000"), ("Cosne-Cours-sur-Loire", "58200"), ("Clamecy", "58500"),
                 ("Decize", "58300"), ("Corbigny", "58800"))),
    "59": (2608, (("Lille", "59000"), ("Roubaix", "59100"), ("Tourcoing", "59200"), ("Valenciennes", "59300"),
                  ("Dunkerque", "59140"), ("Douai", "59500"), ("Cambrai", "59400"), ("Maubeuge", "59600"),
                  ("Armentières", "59280"), ("Villeneuve-d'Ascq", "59650"), ("Seclin", "59113"),
                  ("Hazebrouck", "59190"), ("Denain", "59220"), ("Wattrelos", "59150"),
                  ("Le Cateau-Cambrésis", "59360"), ("Saint-Amand-les-Eaux", "59230"))),
    "60": (829, (("Beauvais", "60000"), ("Compiègne", "60200"), ("Creil", "60100"), ("Senlis", "60300"),
                 ("Noyon", "60400"), ("Clermont", "60600"), ("Crépy-en-Valois", "60800"),
                 ("Chantilly", "60500"))),
    "61": (279, (("Alençon", "61000"), ("Argentan", "61200"), ("Flers", "61100"), ("L'Aigle", "61300"),
                 ("Mortagne-au-Perche", "61400"))),
    "62": (1459, (("Arras", "62000"), ("Calais", "62100"), ("Boulogne-sur-Mer", "62200"), ("Lens", "62300"),
                  ("Béthune", "62400"), ("Saint-Omer", "62500"), ("Hénin-Beaumont", "62110"),
                  ("Liévin", "62800"), ("Berck", "62600"), ("Montreuil-sur-Mer", "62170"),
                  ("Bruay-la-Buissière", "62700"))),
    "63": (662, (("Clermont-Ferrand", "63000"), ("Riom", "63200"), ("Thiers", "63300"), ("Issoire", "63500"),
                 ("Ambert", "63600"), ("Cournon-d'Auvergne", "63800"), ("Chamalières", "63400"))),
    "64": (687, (("Pau", "64000"), ("Bayonne", "64100"), ("Oloron-Sainte-Marie", "64400"),
                 ("Orthez", "64300"), ("Saint-Palais", "64120"), ("Biarritz", "64200"), ("Anglet", "64600"),
                 ("Saint-Jean-de-Luz", "64500"), ("Mauléon-Licharre", "64130"))),
    "65": (229, (("Tarbes", "65000"), ("Lourdes", "65100"), ("Bagnères-de-Bigorre", "65200"),
                 ("Lannemezan", "65300"), ("Vic-en-Bigorre", "65500"))),
    "66": (482, (("Perpignan", "66000"), ("Prades", "66500"), ("Céret", "66400"),
                 ("Argelès-sur-Mer", "66700"), ("Thuir", "66300"), ("Font-Romeu-Odeillo-Via", "66120"))),
    "67": (1140, (("Strasbourg", "67000"), ("Haguenau", "67500"), ("Saverne", "67700"), ("Sélestat", "67600"),
                  ("Wissembourg", "67160"), ("Obernai", "67210"), ("Molsheim", "67120"),
                  ("Schiltigheim", "67300"), ("Erstein", "67150"))),
    "68": (767, (("Colmar", "68000"), ("Mulhouse", "68100"), ("Guebwiller", "68500"), ("Altkirch", "68130"),
                 ("Saint-Louis", "68300"), ("Thann", "68800"), ("Rouffach", "68250"))),
    "69": (1883, (("Lyon", "69003"), ("Villefranche-sur-Saône", "69400"), ("Vénissieux", "69200"),
                  ("Villeurbanne", "69100"), ("Givors", "69700"), ("Tarare", "69170"), ("Bron", "69500"),
                  ("Caluire-et-Cuire", "69300"), ("Écully", "69130"), ("Saint-Genis-Laval", "69230"))),
    "70": (234, (("Vesoul", "70000"), ("Lure", "70200"), ("Gray", "70100"), ("Luxeuil-les-Bains", "70300"),
                 ("Héricourt", "70400"))),
    "71": (551, (("Mâcon", "71000"), ("Chalon-sur-Saône", "71100"), ("Le Creusot", "71200"),
                 ("Autun", "71400"), ("Paray-le-Monial", "71600"), ("Montceau-les-Mines", "71300"),
                 ("Louhans", "71500"))),
    "72": (566, (("Le Mans", "72000"), ("La Flèche", "72200"), ("Sablé-sur-Sarthe", "72300"),
                 ("Mamers", "72600"), ("Saint-Calais", "72120"), ("Montval-sur-Loir", "72500"))),
    "73": (439, (("Chambéry", "73000"), ("Albertville", "73200"), ("Aix-les-Bains", "73100"),
                 ("Saint-Jean-de-Maurienne", "73300"), ("Bourg-Saint-Maurice", "73700"),
                 ("Moûtiers", "73600"))),
    "74": (834, (("Annecy", "74000"), ("Thonon-les-Bains", "74200"), ("Annemasse", "74100"),
                 ("Sallanches", "74700"), ("Cluses", "74300"), ("Rumilly", "74150"),
                 ("Chamonix-Mont-Blanc", "74400"))),
    "75": (2133, (("Paris", "75004"), ("Paris", "75010"), ("Paris", "75012"), ("Paris", "75013"),
                  ("Paris", "75014"), ("Paris", "75015"), ("Paris", "75016"), ("Paris", "75018"),
                  ("Paris", "75019"), ("Paris", "75020"))),
    "76": (1255, (("Rouen", "76000"), ("Le Havre", "76600"), ("Dieppe", "76200"), ("Elbeuf", "76500"),
                  ("Fécamp", "76400"), ("Bolbec", "76210"), ("Saint-Étienne-du-Rouvray", "76800"),
                  ("Eu", "76260"), ("Lillebonne", "76170"))),
    "77": (1421, (("Melun", "77000"), ("Meaux", "77100"), ("Fontainebleau", "77300"), ("Provins", "77160"),
                  ("Coulommiers", "77120"), ("Montereau-Fault-Yonne", "77130"), ("Lagny-sur-Marne", "77400"),
                  ("Nemours", "77140"), ("Chelles", "77500"))),
    "78": (1448, (("Versailles", "78000"), ("Saint-Germain-en-Laye", "78100"), ("Mantes-la-Jolie", "78200"),
                  ("Poissy", "78300"), ("Rambouillet", "78120"), ("Le Chesnay-Rocquencourt", "78150"),
                  ("Trappes", "78190"), ("Plaisir", "78370"))),
    "79": (375, (("Niort", "79000"), ("Bressuire", "79300"), ("Parthenay", "79200"), ("Thouars", "79100"),
                 ("Melle", "79500"))),
    "80": (568, (("Amiens", "80000"), ("Abbeville", "80100"), ("Péronne", "80200"), ("Albert", "80300"),
                 ("Doullens", "80600"), ("Montdidier", "80500"))),
    "81": (390, (("Albi", "81000"), ("Castres", "81100"), ("Gaillac", "81600"), ("Lavaur", "81500"),
                 ("Mazamet", "81200"), ("Carmaux", "81400"))),
    "82": (262, (("Montauban", "82000"), ("Castelsarrasin", "82100"), ("Moissac", "82200"),
                 ("Caussade", "82300"))),
    "83": (1077, (("Toulon", "83000"), ("Hyères", "83400"), ("Fréjus", "83600"), ("Draguignan", "83300"),
                  ("Brignoles", "83170"), ("La Seyne-sur-Mer", "83500"), ("Saint-Raphaël", "83700"),
                  ("Saint-Tropez", "83990"), ("Le Luc", "83340"))),
    "84": (562, (("Avignon", "84000"), ("Carpentras", "84200"), ("Orange", "84100"), ("Cavaillon", "84300"),
                 ("Apt", "84400"), ("Pertuis", "84120"), ("Valréas", "84600"))),
    "85": (690, (("La Roche-sur-Yon", "85000"), ("Les Sables-d'Olonne", "85100"),
                 ("Fontenay-le-Comte", "85200"), ("Challans", "85300"), ("Luçon", "85400"),
                 ("Montaigu-Vendée", "85600"))),
    "86": (438, (("Poitiers", "86000"), ("Châtellerault", "86100"), ("Loudun", "86200"),
                 ("Montmorillon", "86500"), ("Civray", "86400"))),
    "87": (372, (("Limoges", "87000"), ("Saint-Junien", "87200"), ("Saint-Yrieix-la-Perche", "87500"),
                 ("Bellac", "87300"))),
    "88": (364, (("Épinal", "88000"), ("Saint-Dié-des-Vosges", "88100"), ("Remiremont", "88200"),
                 ("Neufchâteau", "88300"), ("Gérardmer", "88400"), ("Vittel", "88800"))),
    "89": (335, (("Auxerre", "89000"), ("Sens", "89100"), ("Avallon", "89200"), ("Joigny", "89300"),
                 ("Tonnerre", "89700"))),
    "90": (141, (("Belfort", "90000"), ("Delle", "90100"), ("Valdoie", "90300"))),
    "91": (1306, (("Évry-Courcouronnes", "91000"), ("Corbeil-Essonnes", "91100"), ("Étampes", "91150"),
                  ("Longjumeau", "91160"), ("Orsay", "91400"), ("Massy", "91300"),
                  ("Juvisy-sur-Orge", "91260"), ("Arpajon", "91290"), ("Dourdan", "91410"))),
    "92": (1625, (("Nanterre", "92000"), ("Boulogne-Billancourt", "92100"), ("Clichy", "92110"),
                  ("Neuilly-sur-Seine", "92200"), ("Colombes", "92700"), ("Suresnes", "92150"),
                  ("Clamart", "92140"), ("Antony", "92160"), ("Issy-les-Moulineaux", "92130"),
                  ("Rueil-Malmaison", "92500"))),
    "93": (1655, (("Bobigny", "93000"), ("Saint-Denis", "93200"), ("Montreuil", "93100"),
                  ("Aubervilliers", "93300"), ("Aulnay-sous-Bois", "93600"), ("Montfermeil", "93370"),
                  ("Le Raincy", "93340"), ("Bondy", "93140"), ("Saint-Ouen-sur-Seine", "93400"))),
    "94": (1408, (("Créteil", "94000"), ("Villejuif", "94800"), ("Vitry-sur-Seine", "94400"),
                  ("Saint-Maurice", "94410"), ("Le Kremlin-Bicêtre", "94270"), ("Ivry-sur-Seine", "94200"),
                  ("Champigny-sur-Marne", "94500"), ("Villeneuve-Saint-Georges", "94190"),
                  ("Saint-Mandé", "94160"), ("Nogent-sur-Marne", "94130"))),
    "95": (1250, (("Cergy", "95000"), ("Pontoise", "95300"), ("Argenteuil", "95100"), ("Gonesse", "95500"),
                  ("Eaubonne", "95600"), ("Beaumont-sur-Oise", "95260"), ("Sarcelles", "95200"),
                  ("Montmorency", "95160"), ("Magny-en-Vexin", "95420"))),
    "971": (384, (("Basse-Terre", "97100"), ("Pointe-à-Pitre", "97110"), ("Les Abymes", "97139"),
                  ("Le Gosier", "97190"), ("Capesterre-Belle-Eau", "97130"), ("Saint-Claude", "97120"),
                  ("Le Moule", "97160"))),
    "972": (361, (("Fort-de-France", "97200"), ("Le Lamentin", "97232"), ("Le François", "97240"),
                  ("La Trinité", "97220"), ("Le Marin", "97290"), ("Saint-Pierre", "97250"))),
    "973": (286, (("Cayenne", "97300"), ("Kourou", "97310"), ("Saint-Laurent-du-Maroni", "97320"),
                  ("Matoury", "97351"), ("Rémire-Montjoly", "97354"))),
    "974": (871, (("Saint-Denis", "97400"), ("Saint-Pierre", "97410"), ("Saint-Paul", "97460"),
                  ("Le Port", "97420"), ("Saint-Benoît", "97470"), ("Le Tampon", "97430"),
                  ("Saint-André", "97440"), ("Saint-Louis", "97450"))),
    "976": (300, (("Mamoudzou", "97600"), ("Dzaoudzi", "97615"), ("Sada", "97640"), ("Chirongui", "97620"),
                  ("Dembéni", "97660"))),
}

#: Region code → (GHT code prefix, number of GHT at scale 1). Sum: 136.
GHT_PAR_REGION: dict[str, tuple[str, int]] = {
    "84": ("ARA", 15), "27": ("BFC", 11), "53": ("BRE", 8), "24": ("CVL", 6), "94": ("COR", 2),
    "44": ("GE", 12), "32": ("HDF", 14), "11": ("IDF", 13), "28": ("NOR", 11), "75": ("NA", 12),
    "76": ("OCC", 14), "52": ("PDL", 7), "93": ("PACA", 6),
    "01": ("GUA", 1), "02": ("MAR", 1), "03": ("GUY", 1), "04": ("REU", 1), "06": ("MAY", 1),
}

#: University and regional hospitals per region: (département, town, postal code, name).
CHU_PAR_REGION: dict[str, list[tuple[str, str, str, str]]] = {
    "84": [("69", "Lyon", "69003", "Hospices civils de Lyon"),
           ("38", "Grenoble", "38000", "CHU Grenoble Alpes"),
           ("63", "Clermont-Ferrand", "63000", "CHU de Clermont-Ferrand"),
           ("42", "Saint-Étienne", "42000", "CHU de Saint-Étienne")],
    "27": [("21", "Dijon", "21000", "CHU Dijon Bourgogne"), ("25", "Besançon", "25000", "CHU de Besançon")],
    "53": [("35", "Rennes", "35000", "CHU de Rennes"), ("29", "Brest", "29200", "CHU de Brest")],
    "24": [("37", "Tours", "37000", "CHRU de Tours"), ("45", "Orléans", "45000", "CHU d'Orléans")],
    "94": [],
    "44": [("67", "Strasbourg", "67000", "Hôpitaux universitaires de Strasbourg"),
           ("54", "Nancy", "54000", "CHRU de Nancy"), ("51", "Reims", "51100", "CHU de Reims"),
           ("57", "Metz", "57000", "CHR Metz-Thionville")],
    "32": [("59", "Lille", "59000", "CHU de Lille"), ("80", "Amiens", "80000", "CHU Amiens-Picardie")],
    "11": [("75", "Paris", "75004", "Assistance publique – Hôpitaux de Paris")],
    "28": [("76", "Rouen", "76000", "CHU de Rouen"), ("14", "Caen", "14000", "CHU de Caen Normandie")],
    "75": [("33", "Bordeaux", "33000", "CHU de Bordeaux"), ("86", "Poitiers", "86000", "CHU de Poitiers"),
           ("87", "Limoges", "87000", "CHU de Limoges")],
    "76": [("31", "Toulouse", "31000", "CHU de Toulouse"),
           ("34", "Montpellier", "34000", "CHU de Montpellier"), ("30", "Nîmes", "30000", "CHU de Nîmes")],
    "52": [("44", "Nantes", "44000", "CHU de Nantes"), ("49", "Angers", "49000", "CHU d'Angers")],
    "93": [("13", "Marseille", "13005", "Assistance publique – Hôpitaux de Marseille"),
           ("06", "Nice", "06000", "CHU de Nice")],
    "01": [("971", "Pointe-à-Pitre", "97110", "CHU de la Guadeloupe")],
    "02": [("972", "Fort-de-France", "97200", "CHU de Martinique")],
    "03": [("973", "Cayenne", "97300", "CHU de Guyane")],
    "04": [("974", "Saint-Denis", "97400", "CHU de La Réunion")],
    "06": [],
}

#: Cancer centres (CLCC, private non-profit) per region: (département, town, postal code, name).
CLCC_PAR_REGION: dict[str, list[tuple[str, str, str, str]]] = {
    "75": [("33", "Bordeaux", "33000", "Institut Bergonié")],
    "84": [("69", "Lyon", "69008", "Centre Léon-Bérard"),
           ("63", "Clermont-Ferrand", "63000", "Centre Jean-Perrin")],
    "11": [("75", "Paris", "75005", "Institut Curie"), ("94", "Villejuif", "94800", "Gustave-Roussy")],
    "93": [("13", "Marseille", "13009", "Institut Paoli-Calmettes"),
           ("06", "Nice", "06000", "Centre Antoine-Lacassagne")],
    "32": [("59", "Lille", "59000", "Centre Oscar-Lambret")],
    "28": [("14", "Caen", "14000", "Centre François-Baclesse"),
           ("76", "Rouen", "76000", "Centre Henri-Becquerel")],
    "44": [("51", "Reims", "51100", "Institut Godinot"),
           ("67", "Strasbourg", "67000", "Institut de cancérologie Strasbourg Europe"),
           ("54", "Vandœuvre-lès-Nancy", "54500", "Institut de cancérologie de Lorraine")],
    "27": [("21", "Dijon", "21000", "Centre Georges-François-Leclerc")],
    "52": [("49", "Angers", "49000", "Institut de cancérologie de l'Ouest")],
    "53": [("35", "Rennes", "35000", "Centre Eugène-Marquis")],
    "76": [("31", "Toulouse", "31000", "Institut Claudius-Regaud"),
           ("34", "Montpellier", "34000", "Institut régional du cancer de Montpellier")],
}


@dataclass(frozen=True)
class MembreTransregional:
    """A hospital of ``departement`` (another region) member of a GHT of ``region``."""

    region: str
    departement_ght: str  # the GHT whose territory starts in this département takes it
    departement: str
    commune: str
    code_postal: str


MEMBRES_TRANSREGIONAUX = [
    MembreTransregional("11", "95", "27", "Gisors", "27140"),
    MembreTransregional("27", "21", "52", "Langres", "52200"),
]

#: FINESS category → (label as the FINESS extraction writes it, aggregated category).
CATEGORIES: dict[str, tuple[str, str]] = {
    "101": ("Centre Hospitalier Régional (C.H.R.)", "1101"),
    "355": ("Centre Hospitalier (C.H.)", "1102"),
    "106": ("Centre hospitalier, ex Hôpital local", "1106"),
    "292": ("Centre Hospitalier Spécialisé lutte Maladies Mentales", "1103"),
    "131": ("Centre de Lutte Contre Cancer", "1104"),
    "109": ("Etablissement de santé privé autorisé en SSR", "1107"),
    "362": ("Etablissement de Soins Longue Durée", "1109"),
    "365": ("Etablissement de Soins Pluridisciplinaire", "1110"),
    "128": ("Etablissement de Soins Chirurgicaux", "1110"),
    "129": ("Etablissement de Soins Médicaux", "1110"),
    "161": ("Maison de Santé pour Maladies Mentales", "1111"),
    "500": ("Etablissement d'hébergement pour personnes âgées dépendantes", "4401"),
}

SAINTS = [
    "Saint-Joseph", "Saint-Jean", "Sainte-Marie", "Saint-Martin", "Saint-Vincent", "Saint-Louis",
    "Sainte-Anne", "Saint-Michel", "Saint-François", "Sainte-Thérèse", "Saint-Roch", "Saint-Paul",
    "Saint-Pierre", "Saint-Augustin", "Sainte-Catherine", "Saint-Luc", "Saint-Charles", "Saint-Hilaire",
    "Saint-Côme", "Sainte-Odile", "Saint-Germain", "Sainte-Clotilde", "Saint-Rémy", "Saint-Benoît",
    "Saint-Antoine", "Saint-Laurent", "Sainte-Geneviève", "Saint-Georges", "Sainte-Isabelle",
    "Saint-Vincent-de-Paul",
]
LIEUX = [
    "du Parc", "des Cèdres", "des Tilleuls", "du Château", "de l'Europe", "du Lac", "du Val", "des Fontaines",
    "du Pont", "des Peupliers", "du Mont", "du Bois", "des Trois-Soleils", "de la Source", "des Alpilles",
    "des Platanes", "du Vallon", "de la Vallée", "des Pins", "du Littoral", "de l'Espérance", "Pasteur",
    "Bon-Secours", "de la Roseraie", "du Cap", "de l'Anjou", "des Lilas", "Jeanne-d'Arc", "Victor-Hugo",
    "des Émeraudes",
]
RESIDENCES = [
    "Les Tilleuls", "Les Glycines", "La Roseraie", "Le Clos fleuri", "Les Magnolias", "Les Bruyères",
    "L'Orée du bois", "Les Charmilles", "La Providence", "Les Cèdres", "Le Val fleuri", "Les Hortensias",
    "Les Lavandes", "Le Bois joli", "Les Jardins", "Les Acacias", "Les Marronniers", "La Source", "Les Ormes",
    "Les Mimosas", "Les Capucines", "Le Grand Pré", "Les Sources", "La Chêneraie", "Les Tamaris", "Le Verger",
    "Les Coteaux", "La Bergerie", "Les Peupliers", "Les Primevères",
]
EPONYMES = [
    "Jean-Jaurès", "Louis-Pasteur", "Émile-Roux", "Simone-Veil", "Albert-Schweitzer", "Paul-Guiraud",
    "Théophile-Roussel", "Esquirol", "Philippe-Pinel", "Henri-Laborit", "Guillaume-Régnier", "Marie-Curie",
    "René-Dubos", "Jean-Martin-Charcot", "Ambroise-Paré", "Claude-Bernard", "Laennec", "Fernand-Widal",
    "Charles-Nicolle", "Bichat", "Xavier-Bichat", "Georges-Daumezon", "Camille-Claudel", "Lucie-Aubrac",
    "Gustave-Eiffel", "Jules-Verne", "Pierre-Janet", "Édouard-Toulouse", "Henri-Ey", "Sainte-Marie",
]
SITES_CHU = [
    "Hôpital Nord", "Hôpital Sud", "Hôpital central", "Hôpital Saint-Jacques", "Hôpital Pasteur",
    "Hôpital Claude-Bernard", "Hôpital Laennec", "Hôpital Charles-Nicolle", "Hôpital Ambroise-Paré",
    "Hôpital Sainte-Marguerite", "Hôpital Larrey", "Hôpital Fernand-Widal", "Hôpital mère-enfant",
    "Hôpital de la Conception", "Hôpital Saint-Louis", "Hôpital Jean-Minjoz",
]
ABREVIATIONS = {
    "Assistance publique – Hôpitaux de Paris": "AP-HP",
    "Assistance publique – Hôpitaux de Marseille": "AP-HM",
    "Hospices civils de Lyon": "HCL", "Hôpitaux universitaires de Strasbourg": "HUS",
}
CARDINAUX = ["Nord", "Sud", "Est", "Ouest", "Centre", "Nord-Est", "Nord-Ouest", "Sud-Est", "Sud-Ouest"]
H_MUET = {"Hyères", "Hérouville-Saint-Clair", "Hénin-Beaumont", "Héricourt", "Hennebont"}

# Shares at scale 1 (DESIGN.md §2, 2024 D1 call).
NOMBRE_EJ = 1500
PART_PUBLIC = 0.34
PART_HORS_GHT = 0.04  # of the public EJ
PART_EBNL_DANS_PRIVE = 0.30
MEMBRES_MAX = 15
DATE_MAJ_MIN = datetime.date(2023, 1, 2)


# ---------------------------------------------------------------------------------------------
# The generated country
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntiteDemo:
    finess: str
    raison_sociale: str
    statut: str
    statut_juridique_code: str
    departement: str
    commune: str
    siren: str
    activite_combinee: Decimal
    date_maj_finess: datetime.date


@dataclass(frozen=True)
class EtablissementDemo:
    finess: str
    finess_ej: str
    raison_sociale: str
    raison_sociale_longue: str
    categorie_code: str
    categorie_libelle: str
    categorie_agregee_code: str
    departement: str
    commune: str
    code_postal: str
    siret: str
    activite_combinee: Decimal
    date_maj_finess: datetime.date


@dataclass(frozen=True)
class GHTDemo:
    code: str
    nom: str
    region: str
    support: str  # FINESS EJ
    membres: tuple[str, ...]  # FINESS EJ, support included


@dataclass(frozen=True)
class PaysDemo:
    graine: int
    echelle: float
    entites: tuple[EntiteDemo, ...]
    etablissements: tuple[EtablissementDemo, ...]
    ghts: tuple[GHTDemo, ...]

    def region_des_departements(self) -> dict[str, str]:
        return {d: code for code, _nom, _om, deps in REGIONS for d, _n in deps}


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def arrondi(x: float) -> int:
    """Half-up rounding (``round`` rounds half to even, which makes scales jump unevenly)."""
    return int(math.floor(x + 0.5))


def de(ville: str) -> str:
    """« de Nevers », « d'Angers », « du Mans », « des Sables-d'Olonne »."""
    if ville.startswith("Le "):
        return "du " + ville[3:]
    if ville.startswith("Les "):
        return "des " + ville[4:]
    if ville[0] in "AEIOUYÉÈÊÎÔÂ" or ville in H_MUET:
        return "d'" + ville
    return "de " + ville


Ville = tuple[str, str]  # (town, postal code)


def cle_luhn_chiffres(corps: str) -> str:
    """Luhn key of a digit string (SIREN, SIRET): the rightmost digit of ``corps`` is doubled."""
    total = 0
    for i, ch in enumerate(reversed(corps)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def lieu(ville: Ville) -> str:
    """How a site's town reads in its name: Paris by arrondissement (« Paris 13e »)."""
    commune, code_postal = ville
    if commune == "Paris":
        n = int(code_postal[3:])
        return f"Paris {n}{'er' if n == 1 else 'e'}"
    return commune


def repartir(n: int, poids: dict[str, float], minimum: dict[str, int] | None = None) -> dict[str, int]:
    """Split ``n`` over the keys of ``poids`` proportionally (largest remainder), with per-key minimums."""
    minimum = minimum or {}
    total = sum(poids.values())
    quotas = {k: n * w / total for k, w in poids.items()}
    parts = {k: max(minimum.get(k, 0), math.floor(q)) for k, q in quotas.items()}
    while sum(parts.values()) < n:
        k = max(parts, key=lambda c: quotas[c] - parts[c])
        parts[k] += 1
    while sum(parts.values()) > n:
        k = min((c for c in parts if parts[c] > minimum.get(c, 0)), key=lambda c: quotas[c] - parts[c])
        parts[k] -= 1
    return parts


@dataclass
class _EJ:
    finess: str
    raison_sociale: str
    statut: str
    statut_juridique_code: str
    departement: str
    ville: Ville
    siren: str
    date_maj_finess: datetime.date
    etablissements: list[EtablissementDemo] = field(default_factory=list)
    villes: list[Ville] = field(default_factory=list)  # where its EG are

    @property
    def commune(self) -> str:
        return self.ville[0]

    @property
    def activite(self) -> Decimal:
        return sum((e.activite_combinee for e in self.etablissements), Decimal("0.00"))

    def figer(self) -> EntiteDemo:
        return EntiteDemo(
            finess=self.finess, raison_sociale=self.raison_sociale, statut=self.statut,
            statut_juridique_code=self.statut_juridique_code, departement=self.departement,
            commune=self.commune, siren=self.siren, activite_combinee=self.activite,
            date_maj_finess=self.date_maj_finess,
        )


@dataclass
class _GHT:
    region: str
    departement: str  # where its territory starts (its pivot)
    poids: float
    chu: tuple[str, str, str, str] | None = None
    territoire: list[tuple[str, float]] = field(default_factory=list)  # (département, weight)
    transregionaux: list[_EJ] = field(default_factory=list)
    membres: list[_EJ] = field(default_factory=list)
    nombre: int = 3


class _Generateur:
    def __init__(self, graine: int, echelle: float) -> None:
        self.rng = random.Random(graine)
        self.echelle = echelle
        self.numeros: set[str] = set()
        self.sirens: set[str] = set()
        self.noms_ej: set[tuple[str, str]] = set()  # (département, name)
        self.noms_eg: set[tuple[str, str]] = set()
        self.villes_ch: set[tuple[str, str]] = set()  # (département, town) already naming a public CH
        self.uniques: set[str] = set()  # one-per-scope EJ (Mutualité française <dép.>, UGECAM <région>)
        self.entites: list[_EJ] = []
        self.ghts: list[GHTDemo] = []
        self.noms_departements = {d: nom for _c, _n, _om, deps in REGIONS for d, nom in deps}
        self.noms_regions = {c: nom for c, nom, _om, _deps in REGIONS}

    # -- numbers ----------------------------------------------------------------------------------

    def finess(self, dep: str, *, ej: bool, public: bool = False) -> str:
        """A new FINESS number of ``dep``: EJ in 0xxxxx (public ones 078xxx, as many real ones), EG in
        1xxxxx–4xxxxx; overseas ``97 0 d`` then 4 digits (EJ below 5000)."""
        while True:
            if len(dep) == 3:
                n = self.rng.randrange(0, 5000) if ej else self.rng.randrange(5000, 10000)
                corps = f"970{dep[2]}{n:04d}"
            else:
                if ej:
                    n = 78000 + self.rng.randrange(1000) if public else self.rng.randrange(50000)
                else:
                    n = self.rng.randrange(100000, 500000)
                corps = f"{dep}{n:06d}"
            numero = corps + cle_luhn(corps)
            if numero not in self.numeros:
                self.numeros.add(numero)
                return numero

    def siren(self, public: bool) -> str:
        """A SIREN with its Luhn key; public health establishments' start with 26."""
        while True:
            if public:
                corps = f"26{self.rng.randrange(10**6):06d}"
            else:
                corps = f"{self.rng.randint(3, 8)}{self.rng.randrange(10**7):07d}"
            siren = corps + cle_luhn_chiffres(corps)
            if siren not in self.sirens:
                self.sirens.add(siren)
                return siren

    def siret(self, siren: str) -> str:
        corps = siren + f"{self.rng.randrange(1, 10**4):04d}"
        return corps + cle_luhn_chiffres(corps)

    def date_maj(self) -> datetime.date:
        return DATE_MAJ_MIN + datetime.timedelta(days=self.rng.randrange(700))

    def activite(self, mediane: float, sigma: float) -> Decimal:
        """A log-normal activity around ``mediane``, in cents exactly."""
        centimes = arrondi(self.rng.lognormvariate(math.log(mediane), sigma) * 100)
        return Decimal(centimes).scaleb(-2)

    # -- places and names -------------------------------------------------------------------------

    def ville(self, dep: str, *, petite: bool = False, sauf: Iterable[Ville] = ()) -> Ville | None:
        """A town of ``dep`` not in ``sauf``: the larger (earlier) ones more likely unless ``petite``."""
        exclues = set(sauf)
        villes = [v for v in COMMUNES[dep][1] if v not in exclues]
        if not villes:
            return None
        poids = [(i + 1) ** 0.5 if petite else 1 / (i + 1) for i in range(len(villes))]
        return self.rng.choices(villes, weights=poids)[0]

    def une_ville(self, dep: str, *, petite: bool = False) -> Ville:
        ville = self.ville(dep, petite=petite)
        assert ville is not None  # every département lists towns
        return ville

    def unique(self, noms: set[tuple[str, str]], dep: str, candidats: Iterable[str], commune: str) -> str:
        """The first candidate not yet used in ``dep`` (names repeat across France, as in FINESS, not
        within a département), else one followed by its town."""
        candidats = list(candidats)
        suites = [f"{nom} ({commune})" for nom in candidats]
        n = 2
        while True:
            for nom in candidats + suites:
                if (dep, nom) not in noms:
                    noms.add((dep, nom))
                    return nom
            suites = [f"{candidats[0]} ({commune}, {n})"]
            n += 1

    # -- rows -------------------------------------------------------------------------------------

    def ej(self, dep: str, ville: Ville, candidats: list[str], statut: str, code: str) -> _EJ:
        public = statut == StatutJuridique.PUBLIC
        entite = _EJ(
            finess=self.finess(dep, ej=True, public=public),
            raison_sociale=self.unique(self.noms_ej, dep, candidats, ville[0]), statut=statut,
            statut_juridique_code=code, departement=dep, ville=ville, siren=self.siren(public),
            date_maj_finess=self.date_maj(),
        )
        self.entites.append(entite)
        return entite

    def eg(self, entite: _EJ, candidats: list[str], categorie: str, activite: Decimal,
           ville: Ville | None = None, *, reserve: bool = False) -> str:
        """Add an EG to ``entite`` under the first free name of ``candidats`` (under ``candidats[0]``
        when the caller ``reserve``d it already); returns that name."""
        commune, code_postal = ville or entite.ville
        if reserve:
            nom = candidats[0]
        else:
            nom = self.unique(self.noms_eg, entite.departement, candidats, lieu((commune, code_postal)))
        libelle, agregee = CATEGORIES[categorie]
        entite.etablissements.append(EtablissementDemo(
            finess=self.finess(entite.departement, ej=False), finess_ej=entite.finess, raison_sociale=nom,
            raison_sociale_longue=nom if commune in nom else f"{nom} ({commune})",
            categorie_code=categorie, categorie_libelle=libelle, categorie_agregee_code=agregee,
            departement=entite.departement, commune=commune, code_postal=code_postal,
            siret=self.siret(entite.siren), activite_combinee=activite, date_maj_finess=self.date_maj(),
        ))
        entite.villes.append((commune, code_postal))
        return nom

    def site(self, entite: _EJ, base: str, categorie: str, activite: Decimal) -> None:
        """Another site of ``entite`` in a town of its département where it has none yet."""
        ville = self.ville(entite.departement, sauf=entite.villes)
        if ville is None:
            self.eg(entite, [f"{base} – site {len(entite.etablissements) + 1}"], categorie, activite)
        else:
            self.eg(entite, [f"{base} – site {de(lieu(ville))}"], categorie, activite, ville)

    def ehpad(self, entite: _EJ) -> None:
        """An EHPAD (ESMS, category 500: no Domaine 1 activity) run by ``entite``."""
        ville = entite.ville if self.rng.random() < 0.6 else self.une_ville(entite.departement)
        candidats = [f"EHPAD {r}" for r in self.rng.sample(RESIDENCES, 4)]
        self.eg(entite, candidats, "500", Decimal("0.00"), ville)

    def usld(self, entite: _EJ, base: str) -> None:
        """A long-stay unit (category 362), at most one per EJ (an EHPAD otherwise)."""
        if any(e.categorie_code == "362" for e in entite.etablissements):
            self.ehpad(entite)
        else:
            self.eg(entite, [f"{base} – Unité de soins de longue durée"], "362", self.activite(3000, 0.5))

    # -- public hospitals -------------------------------------------------------------------------

    def chu(self, dep: str, commune: str, code_postal: str, nom: str) -> _EJ:
        """A CHU/CHR: 5 to 10 sites, one of them a long-stay unit and one an EHPAD when large."""
        self.villes_ch.add((dep, commune))
        entite = self.ej(dep, (commune, code_postal), [nom], StatutJuridique.PUBLIC, "15")
        court = ABREVIATIONS.get(nom, nom)
        sites = self.rng.randint(5, 10)
        for i, site in enumerate(self.rng.sample(SITES_CHU, sites)):
            if i == sites - 1 and sites >= 7:
                self.ehpad(entite)
            elif i == sites - 2 and sites >= 6:
                self.usld(entite, court)
            else:
                activite = self.activite(400000 if i == 0 else 180000, 0.4)
                self.eg(entite, [f"{court} – {site}"], "101", activite, (commune, code_postal))
        return entite

    def ville_ch(self, dep: str, *, petite: bool, premiere: bool = False) -> Ville | None:
        """A town of ``dep`` that does not name a public hospital yet (the first one if ``premiere``)."""
        libres = [v for v in COMMUNES[dep][1] if (dep, v[0]) not in self.villes_ch]
        if not libres:
            return None
        if premiere:
            return libres[0]
        poids = [(i + 1) ** 0.5 if petite else 1 / (i + 1) for i in range(len(libres))]
        return self.rng.choices(libres, weights=poids)[0]

    def hopital_public(self, dep: str, genre: str, *, pivot: bool = False, ville: Ville | None = None) -> _EJ:
        """A public EJ: ``genre`` is 355 (CH), 106 (ex-hôpital local) or 292 (CHS); a ``pivot`` CH
        heads a GHT without CHU (the first free town, prefecture first, and a large activity)."""
        eponymes = [f"Centre hospitalier {e}" for e in self.rng.sample(EPONYMES, 3)]
        if genre == "292":
            ville = ville or self.une_ville(dep)
            candidats = [f"Établissement public de santé mentale {de(ville[0])}",
                         f"Centre hospitalier spécialisé {de(ville[0])}"]
            candidats = eponymes + candidats if self.rng.random() < 0.4 else candidats + eponymes
            code = "11"
        else:
            ville = ville or self.ville_ch(dep, petite=genre == "106", premiere=pivot)
            if ville is not None:
                candidats, code = [f"Centre hospitalier {de(ville[0])}"], "13"
            else:
                ville = self.une_ville(dep, petite=genre == "106")
                candidats, code = [f"Centre hospitalier intercommunal {de(ville[0])}"] + eponymes, "14"
            self.villes_ch.add((dep, ville[0]))
        entite = self.ej(dep, ville, candidats, StatutJuridique.PUBLIC, code)
        nom = entite.raison_sociale
        if genre == "355":
            if pivot:
                nombre = self.rng.choices([2, 3, 4, 5], weights=[30, 35, 25, 10])[0]
            else:
                nombre = self.rng.choices([1, 2, 3, 4], weights=[25, 35, 25, 15])[0]
            self.eg(entite, [nom], "355", self.activite(150000 if pivot else 40000, 0.4 if pivot else 0.6))
            for _ in range(nombre - 1):
                tirage = self.rng.random()
                if tirage < 0.45:
                    self.ehpad(entite)
                elif tirage < 0.65:
                    self.usld(entite, nom)
                else:
                    self.site(entite, nom, "355", self.activite(12000, 0.6))
        elif genre == "106":
            self.eg(entite, [nom], "106", self.activite(5000, 0.5))
            for _ in range(self.rng.choices([0, 1, 2], weights=[30, 55, 15])[0]):
                self.ehpad(entite)
        else:
            self.eg(entite, [nom], "292", self.activite(18000, 0.5))
            for _ in range(self.rng.choices([0, 1, 2, 3], weights=[35, 35, 20, 10])[0]):
                self.site(entite, nom, "292", self.activite(4000, 0.5))
        return entite

    # -- private establishments -------------------------------------------------------------------

    def lieux(self, ville: Ville, n: int = 4, *, avec_ville: bool = True) -> list[str]:
        """``n`` distinct place-like complements: « Saint-Joseph », « du Parc », « de Nevers »…"""
        choix = self.rng.sample(SAINTS + LIEUX, n)
        if avec_ville and self.rng.random() < 0.15:
            choix.insert(0, de(lieu(ville)))
        return choix

    def clcc(self, dep: str, commune: str, code_postal: str, nom: str) -> _EJ:
        entite = self.ej(dep, (commune, code_postal), [nom], StatutJuridique.PRIVE_EBNL, "63")
        self.eg(entite, [nom], "131", self.activite(90000, 0.3))
        if self.rng.random() < 0.5:
            self.eg(entite, [f"{nom} – hôpital de jour"], "131", self.activite(15000, 0.4))
        return entite

    def ebnl(self, dep: str, region: str) -> _EJ:
        """A private non-profit EJ: SSR association, ESPIC hospital, mutualist clinic, psychiatric
        clinic or the regional UGECAM; sometimes with an EHPAD or more sites."""
        genre = self.rng.choices(["ssr", "espic", "mutualiste", "psy", "ugecam"],
                                 weights=[38, 22, 15, 15, 10])[0]
        if genre == "mutualiste" and f"mutualite:{dep}" in self.uniques:
            genre = "ssr"
        if genre == "ugecam" and f"ugecam:{region}" in self.uniques:
            genre = "espic"
        ville = self.une_ville(dep)
        if genre == "mutualiste":
            self.uniques.add(f"mutualite:{dep}")
            entite = self.ej(dep, ville, [f"Mutualité française {self.noms_departements[dep]}"],
                             StatutJuridique.PRIVE_EBNL, "47")
            self.eg(entite, [f"Clinique mutualiste {de(lieu(ville))}"], "365", self.activite(25000, 0.5))
            base, categorie = "Centre de soins de suite mutualiste", "109"
        elif genre == "ugecam":
            self.uniques.add(f"ugecam:{region}")
            entite = self.ej(dep, ville, [f"UGECAM {self.noms_regions[region]}"],
                             StatutJuridique.PRIVE_EBNL, "40")
            base, categorie = "Centre de rééducation fonctionnelle", "109"
            self.eg(entite, [f"{base} {x}" for x in self.lieux(ville)], categorie, self.activite(6000, 0.5))
            for _ in range(self.rng.randint(1, 3)):
                autre = self.ville(dep, petite=True, sauf=entite.villes) or ville
                noms = [f"{base} {x}" for x in self.lieux(autre)]
                self.eg(entite, noms, categorie, self.activite(6000, 0.5), autre)
            return entite
        elif genre == "espic":
            saints = self.rng.sample(SAINTS, 4)
            forme = self.rng.choice(["Fondation {}", "Association hospitalière {}", "Groupe hospitalier {}"])
            entite = self.ej(dep, ville, [forme.format(s) for s in saints], StatutJuridique.PRIVE_EBNL,
                             "63" if forme.startswith("Fondation") else "61")
            saint = entite.raison_sociale.split()[-1]
            base = self.eg(entite, [f"Hôpital {saint}", f"Hôpital privé {saint}", f"Clinique {saint}"], "365",
                           self.activite(40000, 0.6))
            categorie = "365"
        elif genre == "psy":
            lieux = self.lieux(ville)
            entite = self.ej(dep, ville, [f"Association de santé mentale {x}" for x in lieux],
                             StatutJuridique.PRIVE_EBNL, "60")
            base = self.eg(entite, [f"Clinique {x}" for x in lieux], "161", self.activite(4000, 0.5))
            categorie = "161"
        else:
            modele = self.rng.choice(["Centre de soins de suite et de réadaptation {}",
                                      "Centre de rééducation fonctionnelle {}", "Maison de convalescence {}"])
            lieux = self.lieux(ville)
            entite = self.ej(dep, ville, [f"Association {modele.format(x)}" for x in lieux],
                             StatutJuridique.PRIVE_EBNL, self.rng.choice(["60", "61"]))
            base = self.eg(entite, [modele.format(x) for x in lieux], "109", self.activite(4500, 0.5))
            categorie = "109"
        for _ in range(self.rng.choices([0, 1, 2, 3], weights=[45, 30, 15, 10])[0]):
            if self.rng.random() < 0.5:
                self.ehpad(entite)
            else:
                self.site(entite, base, categorie, self.activite(3500, 0.5))
        return entite

    def lucratif(self, dep: str) -> _EJ:
        """A private for-profit EJ (SAS, SA, SARL) running a clinic, a polyclinic, a private hospital, an
        SSR or a psychiatric clinic; a quarter run more than one site."""
        genre = self.rng.choices(["clinique", "polyclinique", "hopital_prive", "ssr", "psy", "medical"],
                                 weights=[40, 15, 8, 25, 8, 4])[0]
        ville = self.une_ville(dep)
        lieux = self.lieux(ville)
        if genre == "clinique":
            categorie = self.rng.choice(["365", "365", "128"])
            noms = [f"Clinique {x}" for x in lieux]
            activite = self.activite(22000 if categorie == "365" else 14000, 0.7)
        elif genre == "polyclinique":
            noms, categorie, activite = [f"Polyclinique {x}" for x in lieux], "365", self.activite(35000, 0.5)
        elif genre == "hopital_prive":
            complements = [de(lieu(ville))] + self.rng.sample(LIEUX + EPONYMES[:12], 3)
            if self.rng.random() < 0.5:
                complements = complements[1:] + complements[:1]
            noms = [f"Hôpital privé {x}" for x in complements]
            categorie, activite = "365", self.activite(60000, 0.4)
        elif genre == "ssr":
            modele = self.rng.choice(["Centre de soins de suite {}", "Clinique de soins de suite {}",
                                      "Centre de réadaptation {}"])
            noms, categorie, activite = [modele.format(x) for x in lieux], "109", self.activite(4500, 0.5)
        elif genre == "psy":
            complements = self.rng.sample(RESIDENCES + LIEUX, 4)
            noms = [f"Clinique psychiatrique {x}" for x in complements]
            categorie, activite = "161", self.activite(3500, 0.5)
        else:
            noms = [f"Clinique médicale {x}" for x in lieux]
            categorie, activite = "129", self.activite(7000, 0.5)
        forme, code = self.rng.choices([("SAS", "95"), ("SA", "73"), ("SARL", "72")], weights=[60, 25, 15])[0]
        nom = self.unique(self.noms_eg, dep, noms, lieu(ville))
        entite = self.ej(dep, ville, [f"{forme} {nom}"], StatutJuridique.PRIVE_LUCRATIF, code)
        self.eg(entite, [nom], categorie, activite, reserve=True)
        for _ in range(self.rng.choices([0, 1, 2, 3], weights=[60, 28, 9, 3])[0]):
            if categorie == "109" or self.rng.random() < 0.5:
                self.site(entite, nom, categorie, self.activite(5000, 0.6))
            else:
                autre = self.ville(dep, sauf=entite.villes) or ville
                noms_ssr = [f"Centre de soins de suite {x}" for x in self.lieux(autre, avec_ville=False)]
                self.eg(entite, noms_ssr, "109", self.activite(4500, 0.5), autre)
        return entite

    # -- country ----------------------------------------------------------------------------------

    def generer(self) -> tuple[list[_EJ], list[GHTDemo]]:
        transregionaux: dict[str, list[tuple[str, _EJ]]] = {}
        for t in MEMBRES_TRANSREGIONAUX:
            entite = self.hopital_public(t.departement, "355", ville=(t.commune, t.code_postal))
            transregionaux.setdefault(t.region, []).append((t.departement_ght, entite))
        population = sum(p for p, _v in COMMUNES.values())
        for code, _nom, _om, deps in REGIONS:
            self.region(code, [d for d, _n in deps], population, transregionaux.get(code, []))
        return self.entites, self.ghts

    def region(self, code: str, deps: list[str], population: int,
               transregionaux: list[tuple[str, _EJ]]) -> None:
        s = self.echelle
        prefixe, base_ght = GHT_PAR_REGION[code]
        pop = {d: COMMUNES[d][0] for d in deps}
        n_ght = max(1, arrondi(base_ght * s))
        total = arrondi(NOMBRE_EJ * s * sum(pop.values()) / population)
        publics = max(3 * n_ght, arrondi(total * PART_PUBLIC))
        hors_ght = arrondi(publics * PART_HORS_GHT)
        membres = max(3 * n_ght, publics - hors_ght)
        prives = max(1, total - publics)
        ebnl = arrondi(prives * PART_EBNL_DANS_PRIVE)

        # GHT territories: CHU départements first, then by population.
        chus = CHU_PAR_REGION[code][:n_ght]
        minimum: dict[str, int] = {}
        for chu in chus:
            minimum[chu[0]] = minimum.get(chu[0], 0) + 1
        sieges = repartir(n_ght, pop, minimum)
        ghts = [_GHT(code, d, pop[d] / sieges[d], territoire=[(d, pop[d] / sieges[d])])
                for d in deps for _ in range(sieges[d])]
        for chu in chus:
            next(g for g in ghts if g.departement == chu[0] and g.chu is None).chu = chu
        for d in sorted((d for d in deps if sieges[d] == 0), key=lambda d: -pop[d]):
            g = min(ghts, key=lambda g: g.poids)  # a département without its own GHT joins the smallest
            g.poids += pop[d]
            g.territoire.append((d, pop[d]))
        for dep_ght, entite in transregionaux:
            g = next((g for g in ghts if g.departement == dep_ght), ghts[0])
            g.transregionaux.append(entite)

        # Members per GHT: 3 each, the rest where people live, at most 15 with the cross-region ones.
        for _ in range(membres - 3 * n_ght):
            eligibles = [g for g in ghts if g.nombre + len(g.transregionaux) < MEMBRES_MAX]
            if not eligibles:
                hors_ght += 1
                continue
            self.rng.choices(eligibles, weights=[g.poids for g in eligibles])[0].nombre += 1

        for g in ghts:
            if g.chu:
                g.membres.append(self.chu(*g.chu))
            else:
                g.membres.append(self.hopital_public(g.departement, "355", pivot=True))
            deps_t, poids_t = zip(*g.territoire, strict=True)
            for _ in range(g.nombre - 1):
                dep = self.rng.choices(deps_t, weights=poids_t)[0]
                genre = self.rng.choices(["355", "106", "292"], weights=[52, 33, 15])[0]
                g.membres.append(self.hopital_public(dep, genre))
        for _ in range(hors_ght):
            dep = self.rng.choices(deps, weights=[pop[d] for d in deps])[0]
            self.hopital_public(dep, self.rng.choices(["106", "292"], weights=[60, 40])[0])

        noms_ght: set[str] = set()
        for i, g in enumerate(ghts, start=1):
            nom_dep = self.noms_departements[g.departement]
            if sieges[g.departement] == 1:
                nom = f"GHT {nom_dep}"
            else:
                pivot = g.membres[0].commune
                candidats = [] if pivot == nom_dep else [f"GHT {nom_dep} – {pivot}"]
                candidats += [f"GHT {nom_dep} {c}" for c in CARDINAUX]
                candidats += [f"GHT {nom_dep} {n}" for n in range(2, len(ghts) + 2)]  # large scales
                nom = next(c for c in candidats if c not in noms_ght)
            noms_ght.add(nom)
            support = max(g.membres, key=lambda e: (e.activite, e.finess))
            self.ghts.append(GHTDemo(
                code=f"{prefixe}-{i:02d}", nom=nom, region=code, support=support.finess,
                membres=tuple(e.finess for e in g.membres + g.transregionaux),
            ))

        clccs = CLCC_PAR_REGION.get(code, [])[:ebnl]
        for clcc in clccs:
            self.clcc(*clcc)
        poids = [pop[d] for d in deps]
        for _ in range(ebnl - len(clccs)):
            self.ebnl(self.rng.choices(deps, weights=poids)[0], code)
        for _ in range(prives - ebnl):
            self.lucratif(self.rng.choices(deps, weights=poids)[0])


def generer_pays(graine: int = 2024, echelle: float = 1.0) -> PaysDemo:
    """The synthetic country for ``graine`` and ``echelle`` (pure: same arguments, equal result)."""
    if not echelle > 0:
        raise ValueError("L'échelle doit être strictement positive.")
    entites, ghts = _Generateur(graine, echelle).generer()
    return PaysDemo(
        graine=graine, echelle=echelle,
        entites=tuple(e.figer() for e in entites),
        etablissements=tuple(eg for e in entites for eg in e.etablissements),
        ghts=tuple(ghts),
    )


# ---------------------------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------------------------


@dataclass
class Bilan:
    crees: int = 0
    mis_a_jour: int = 0
    inchanges: int = 0

    @property
    def total(self) -> int:
        return self.crees + self.mis_a_jour + self.inchanges


@dataclass
class BilanDemo:
    regions: int
    regions_pourvues: int
    entites: Bilan
    etablissements: Bilan
    ghts: Bilan
    membres_ajoutes: int
    membres_retires: int

    def lignes(self) -> list[str]:
        def detail(b: Bilan, feminin: bool) -> str:
            e = "e" if feminin else ""
            mis = "mises" if feminin else "mis"
            return (f"{nombre(b.total)} ({nombre(b.crees)} créé{e}s, {nombre(b.mis_a_jour)} {mis} à jour, "
                    f"{nombre(b.inchanges)} inchangé{e}s)")

        return [
            f"Régions : {self.regions_pourvues} sur {self.regions} pourvues d'établissements et de GHT.",
            f"Entités juridiques : {detail(self.entites, True)}.",
            f"Établissements géographiques : {detail(self.etablissements, False)}.",
            f"GHT : {detail(self.ghts, False)} ; membres : {nombre(self.membres_ajoutes)} ajouté(s), "
            f"{nombre(self.membres_retires)} retiré(s).",
        ]


def nombre(n: int) -> str:
    """« 1 523 » with a narrow no-break space, as French typography wants."""
    return f"{n:,}".replace(",", "\u202f")


def _upsert(modele: type[models.Model], lignes: list[dict], cle: str, champs: list[str]) -> Bilan:
    """Create missing rows, update changed ones (keyed by ``cle``); rows absent from ``lignes`` are
    left alone."""
    bilan = Bilan()
    existants = modele.objects.order_by().only(cle, *champs).in_bulk([x[cle] for x in lignes], field_name=cle)
    a_creer, a_modifier = [], []
    for ligne in lignes:
        objet = existants.get(ligne[cle])
        if objet is None:
            a_creer.append(modele(**ligne))
            continue
        change = False
        for nom in champs:
            if getattr(objet, nom) != ligne[nom]:
                setattr(objet, nom, ligne[nom])
                change = True
        if change:
            a_modifier.append(objet)
        else:
            bilan.inchanges += 1
    modele.objects.bulk_create(a_creer, batch_size=1000)
    if a_modifier:
        modele.objects.bulk_update(a_modifier, champs, batch_size=500)
    bilan.crees, bilan.mis_a_jour = len(a_creer), len(a_modifier)
    return bilan


CHAMPS_EJ = ["raison_sociale", "statut", "statut_juridique_code", "departement_id", "commune", "siren",
             "activite_combinee", "date_maj_finess"]
CHAMPS_EG = ["entite_juridique_id", "raison_sociale", "raison_sociale_longue", "categorie_code",
             "categorie_libelle", "categorie_agregee_code", "departement_id", "commune", "code_postal",
             "siret", "activite_combinee", "date_maj_finess"]
CHAMPS_GHT = ["nom", "region_id", "support_id"]


def ecrire_pays(pays: PaysDemo) -> BilanDemo:
    """Upsert ``pays`` in one transaction: EJ and EG by FINESS number, GHT by code, the members of a
    demo GHT made exactly those of the demo."""
    with transaction.atomic():
        departements = dict(Departement.objects.values_list("code", "id"))
        regions = dict(Region.objects.values_list("code", "id"))
        manquants = sorted({e.departement for e in pays.entites} - set(departements))
        if manquants or not regions:
            raise ValueError(
                "Référentiel géographique incomplet (départements absents : "
                f"{', '.join(manquants) or 'tous'}) : lancez d'abord « manage.py migrate »."
            )
        b_ej = _upsert(EntiteJuridique, [
            {"finess": e.finess, "raison_sociale": e.raison_sociale, "statut": e.statut,
             "statut_juridique_code": e.statut_juridique_code, "departement_id": departements[e.departement],
             "commune": e.commune, "siren": e.siren, "activite_combinee": e.activite_combinee,
             "date_maj_finess": e.date_maj_finess}
            for e in pays.entites
        ], "finess", CHAMPS_EJ)
        ids_ej = dict(EntiteJuridique.objects.filter(finess__in=[e.finess for e in pays.entites])
                      .values_list("finess", "id"))
        b_eg = _upsert(EtablissementGeographique, [
            {"finess": g.finess, "entite_juridique_id": ids_ej[g.finess_ej],
             "raison_sociale": g.raison_sociale, "raison_sociale_longue": g.raison_sociale_longue,
             "categorie_code": g.categorie_code, "categorie_libelle": g.categorie_libelle,
             "categorie_agregee_code": g.categorie_agregee_code,
             "departement_id": departements[g.departement], "commune": g.commune,
             "code_postal": g.code_postal, "siret": g.siret,
             "activite_combinee": g.activite_combinee, "date_maj_finess": g.date_maj_finess}
            for g in pays.etablissements
        ], "finess", CHAMPS_EG)
        b_ght = _upsert(GHT, [
            {"code": g.code, "nom": g.nom, "region_id": regions[g.region], "support_id": ids_ej[g.support]}
            for g in pays.ghts
        ], "code", CHAMPS_GHT)
        ids_ght = dict(GHT.objects.filter(code__in=[g.code for g in pays.ghts]).values_list("code", "id"))
        voulus = {(ids_ght[g.code], ids_ej[m]) for g in pays.ghts for m in g.membres}
        Membre = GHT.membres.through
        existants = {(ght, ej): pk for pk, ght, ej in Membre.objects.filter(ght_id__in=ids_ght.values())
                     .values_list("id", "ght_id", "entitejuridique_id")}
        en_trop = [pk for paire, pk in existants.items() if paire not in voulus]
        if en_trop:
            Membre.objects.filter(id__in=en_trop).delete()
        a_ajouter = sorted(voulus - set(existants))
        Membre.objects.bulk_create([Membre(ght_id=g, entitejuridique_id=e) for g, e in a_ajouter],
                                   batch_size=1000)
        region_de = pays.region_des_departements()
        avec_ej = {region_de[e.departement] for e in pays.entites}
        avec_ght = {g.region for g in pays.ghts}
    return BilanDemo(
        regions=len(regions), regions_pourvues=len(avec_ej & avec_ght & set(regions)),
        entites=b_ej, etablissements=b_eg, ghts=b_ght,
        membres_ajoutes=len(a_ajouter), membres_retires=len(en_trop),
    )


# ---------------------------------------------------------------------------------------------
# Steps of seed_demo
# ---------------------------------------------------------------------------------------------


@dataclass
class ContexteDemo:
    """What ``seed_demo`` hands each step: the options, and the country once the referentiel step wrote it."""

    graine: int = 2024
    echelle: float = 1.0
    pays: PaysDemo | None = None
    #: ``seed_demo --national``: each stage builds the campaign's volume times ``volume`` (1 = the 2024
    #: D1 call: about 1,300 candidatures, 1,200 conventions, 1,000 declarations, 800 controls, 700 payments)
    national: bool = False
    volume: float = 1.0

    def nombre(self, n: int) -> int:
        """``n`` objects of the national volume at this run's ``volume`` (at least 1)."""
        return max(1, round(n * self.volume))

    def rng(self, etape: str) -> random.Random:
        """A generator of its own for ``etape``, fixed by the seed (string seeds are hashed stably)."""
        return random.Random(f"{self.graine}:{etape}")


@dataclass(frozen=True)
class Etape:
    nom: str
    ordre: int
    fonction: Callable[[ContexteDemo], list[str]]


#: The registered steps, in registration order (``etapes()`` sorts them).
ETAPES: list[Etape] = []


def enregistrer_etape(nom: str, *, ordre: int = 100) -> Callable[[Callable[[ContexteDemo], list[str]]],
                                                                   Callable[[ContexteDemo], list[str]]]:
    """Decorator adding a step to ``seed_demo``; registering a name again replaces the step (so that
    reloading a module does not run its step twice)."""

    def decorateur(fonction: Callable[[ContexteDemo], list[str]]) -> Callable[[ContexteDemo], list[str]]:
        ETAPES[:] = [e for e in ETAPES if e.nom != nom]
        ETAPES.append(Etape(nom, ordre, fonction))
        return fonction

    return decorateur


def etapes() -> list[Etape]:
    return sorted(ETAPES, key=lambda e: (e.ordre, e.nom))


@enregistrer_etape("referentiel", ordre=10)
def etape_referentiel(contexte: ContexteDemo) -> list[str]:
    contexte.pays = generer_pays(contexte.graine, contexte.echelle)
    return ecrire_pays(contexte.pays).lignes()


def repartition(total: int, parts: dict[str, int], rng: random.Random) -> list[str]:
    """``total`` states drawn in the proportions of ``parts`` (state → weight), every state at least once
    when ``total`` allows, in a deterministic shuffled order (``rng``)."""
    poids = sum(parts.values())
    nombres = {etat: (total * w) // poids for etat, w in parts.items()}
    for etat in sorted(parts, key=lambda e: -parts[e]):
        if sum(nombres.values()) >= total:
            break
        nombres[etat] += 1
    for etat in parts:  # every state present when possible, taken from the largest
        if nombres[etat] == 0 and total >= len(parts):
            plus = max(nombres, key=nombres.get)
            nombres[plus] -= 1
            nombres[etat] = 1
    etats = [etat for etat, n in nombres.items() for _ in range(n)]
    rng.shuffle(etats)
    return etats[:total]
