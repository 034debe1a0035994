from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("healthz", views.healthz, name="healthz"),
    path("travaux/relancer/", views.relancer_travaux, name="relancer_travaux"),
]
