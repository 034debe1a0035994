"""Public pages, the eligibility checker, the statistics and the support (issue 22)."""

from django.urls import path

from . import views, views_aide

app_name = "accompagnement"

urlpatterns = [
    path("programme/", views.programme, name="programme"),
    path("programme/calendrier/", views.calendrier, name="calendrier"),
    path("programme/objectifs/", views.objectifs, name="objectifs"),
    path("programme/objectifs/<str:code>/", views.objectif, name="objectif"),
    path("programme/faq/", views.faq, name="faq"),
    path("programme/documents/", views.documents, name="documents"),
    path("programme/documents/<int:pk>/telecharger/", views.document_telecharger, name="document_telecharger"),
    path("programme/eligibilite/", views.eligibilite_verifier, name="eligibilite"),
    path("programme/statistiques/", views.statistiques_page, name="statistiques"),
    path("programme/statistiques.csv", views.statistiques_csv, name="statistiques_csv"),
    path("mentions-legales/", views.mentions_legales, name="mentions_legales"),
    path("donnees-personnelles/", views.donnees_personnelles, name="donnees_personnelles"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("plan-du-site/", views.plan_du_site, name="plan_du_site"),
    path("aide/dossier/<int:candidature_pk>/", views_aide.demander, name="demander"),
    path("aide/<int:pk>/", views_aide.demande, name="demande"),
    path("aide/mes-demandes/", views_aide.mes_demandes, name="mes_demandes"),
    path("aide/file/", views_aide.file, name="file"),
]
