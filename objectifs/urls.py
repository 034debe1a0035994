"""The objectives page of a candidature and its entry forms (every entry is a POST)."""

from django.urls import path

from . import views

app_name = "objectifs"

urlpatterns = [
    path("candidature/<int:pk>/", views.tableau, name="tableau"),
    path("candidature/<int:pk>/active-directory/", views.ad_ajouter, name="ad_ajouter"),
    path("candidature/<int:pk>/audit-ads/", views.ads_ajouter, name="ads_ajouter"),
    path("candidature/<int:pk>/audit-ads/<int:audit_pk>/", views.ads_modifier, name="ads_modifier"),
    path("candidature/<int:pk>/audit-exposition/", views.exposition_ajouter, name="exposition_ajouter"),
    path("candidature/<int:pk>/audit-exposition/<int:audit_pk>/perimetre/", views.perimetre_importer,
         name="perimetre_importer"),
    path("candidature/<int:pk>/exercice/", views.exercice_ajouter, name="exercice_ajouter"),
    path("candidature/<int:pk>/osis/", views.osis_enregistrer, name="osis_enregistrer"),
    path("candidature/<int:pk>/budget/", views.budget_enregistrer, name="budget_enregistrer"),
    path("candidature/<int:pk>/gouvernance/", views.gouvernance_enregistrer, name="gouvernance_enregistrer"),
    path("candidature/<int:pk>/convergence/", views.convergence_enregistrer, name="convergence_enregistrer"),
]
