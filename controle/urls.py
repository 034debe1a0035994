"""Control pages: the ANS planning, the ES's controls, the control and its actions (every action is a
POST: views.py)."""

from django.urls import path

from . import views

app_name = "controle"

urlpatterns = [
    path("planning/", views.planning, name="planning"),
    path("etablissement/", views.mes_controles, name="mes_controles"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/planifier/", views.planifier, name="planifier"),
    path("<int:pk>/commencer/", views.commencer, name="commencer"),
    path("<int:pk>/grille/", views.grille, name="grille"),
    path("<int:pk>/informations/", views.demander_informations, name="demander_informations"),
    path("<int:pk>/repondre/", views.repondre, name="repondre"),
    path("<int:pk>/valider/", views.valider, name="valider"),
    path("<int:pk>/non-atteinte/", views.non_atteinte, name="non_atteinte"),
]
