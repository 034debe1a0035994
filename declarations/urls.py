"""Declaration pages: the ES's declarations and bilan, the ARS's queue and decisions, the ANS's
national list. Every action is a POST (views.py)."""

from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    # ES
    path("etablissement/", views.mes_declarations, name="mes_declarations"),
    path("candidature/<int:candidature_pk>/", views.pour_candidature, name="pour_candidature"),
    path("candidature/<int:candidature_pk>/ouvrir/", views.ouvrir, name="ouvrir"),
    # ARS (and ANS, read-only)
    path("verification/", views.file, name="file"),
    # the declaration (every role that may see it)
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/lignes/ajouter/", views.ligne_ajouter, name="ligne_ajouter"),
    path("<int:pk>/lignes/<int:ligne_pk>/supprimer/", views.ligne_supprimer, name="ligne_supprimer"),
    path("<int:pk>/bilan/modele.xlsx", views.modele_xlsx, name="modele_xlsx"),
    path("<int:pk>/bilan/export.xlsx", views.exporter_xlsx, name="exporter_xlsx"),
    path("<int:pk>/bilan/importer/", views.importer, name="importer"),
    path("<int:pk>/bilan/importer/confirmer/", views.importer_confirmer, name="importer_confirmer"),
    path("<int:pk>/bilan/importer/annuler/", views.importer_annuler, name="importer_annuler"),
    path("<int:pk>/deposer/", views.deposer, name="deposer"),
    path("<int:pk>/complement/", views.demander_complement, name="demander_complement"),
    path("<int:pk>/complete/", views.declarer_complete, name="declarer_complete"),
    path("<int:pk>/non-recevable/", views.declarer_non_recevable, name="declarer_non_recevable"),
]
