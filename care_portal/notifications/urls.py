from django.urls import path

from care_portal.comptes.views import espace

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("<int:pk>/ouvrir/", views.ouvrir, name="ouvrir"),
    path("<int:pk>/lue/", views.marquer_lue, name="marquer_lue"),
    path("tout-lu/", views.tout_marquer_lu, name="tout_marquer_lu"),
    path("preferences/", views.preferences, name="preferences"),
    # exports of the dashboards (comptes/views/espace.py): the ARS's region, the national view
    path("export/<str:portee>.<str:format>", espace.exporter_dossiers, name="export_dossiers"),
]
