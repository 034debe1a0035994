"""Payment pages: the public ceiling simulator; the ceiling tables for the ANS administration; the
payments, SEPA batches and finance dashboard for the ANS; the payment of a dossier for its ES."""

from django.urls import path

from . import views
from . import views_paiements as vp

app_name = "paiement"

urlpatterns = [
    path("simulateur/", views.simulateur, name="simulateur"),
    path("plafonds/", views.plafonds, name="plafonds"),
    path("plafonds/modele.csv", views.plafonds_modele, name="plafonds_modele"),
    path("plafonds/<int:pk>/", views.plafonds_detail, name="plafonds_detail"),
    path("paiements/", vp.liste, name="liste"),
    path("paiements/creer/", vp.creer, name="creer"),
    path("paiements/<int:pk>/", vp.detail, name="detail"),
    path("paiements/<int:pk>/valider/", vp.valider, name="valider"),
    path("paiements/<int:pk>/ordonnancer/", vp.ordonnancer, name="ordonnancer"),
    path("paiements/<int:pk>/rejeter/", vp.rejeter, name="rejeter"),
    path("paiements/<int:pk>/payer/", vp.payer, name="payer"),
    path("paiements/<int:pk>/iban/", vp.reverifier_iban, name="reverifier_iban"),
    path("lots/", vp.lots, name="lots"),
    path("lots/<int:pk>/", vp.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/virements.xml", vp.lot_xml, name="lot_xml"),
    path("lots/confirmation/", vp.confirmation, name="confirmation"),
    path("finances/", vp.finances, name="finances"),
    path("finances/export.<str:format>", vp.finances_export, name="finances_export"),
    path("dossier/<int:pk>/", vp.pour_candidature, name="pour_candidature"),
    path("etablissement/", vp.mes_paiements, name="mes_paiements"),
]
