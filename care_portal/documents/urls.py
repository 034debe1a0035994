from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<uuid:pk>/telecharger/", views.telecharger, name="telecharger"),
    path("<uuid:pk>/supprimer/", views.supprimer, name="supprimer"),
    path("deposer/<str:modele>/<str:object_id>/<slug:categorie>/", views.deposer, name="deposer"),
]
