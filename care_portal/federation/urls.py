from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("liaison/", views.lier, name="lier"),
    path("inscription/", views.inscription, name="inscription"),
    path("deconnexion/", views.deconnexion_retour, name="deconnexion_retour"),
    path("<slug:fournisseur>/", views.connexion, name="connexion"),
    path("<slug:fournisseur>/retour/", views.retour, name="retour"),
]
