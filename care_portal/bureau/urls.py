"""The agents' desk: the dossier list and its exports, saved filters, labels, and the POST views of the
dossier's panel ({% panneau_bureau dossier %}). The bulk actions have their own file (urls_actions.py)."""

from django.urls import include, path

from . import views

app_name = "bureau"

urlpatterns = [
    path("dossiers/", views.dossiers, name="dossiers"),
    path("dossiers/export/", views.exporter, name="exporter"),
    path("filtres/", views.filtre_enregistrer, name="filtre_enregistrer"),
    path("filtres/<int:pk>/supprimer/", views.filtre_supprimer, name="filtre_supprimer"),
    path("etiquettes/", views.etiquettes, name="etiquettes"),
    path("etiquettes/<int:pk>/modifier/", views.etiquette_modifier, name="etiquette_modifier"),
    path("etiquettes/<int:pk>/supprimer/", views.etiquette_supprimer, name="etiquette_supprimer"),
    # the dossier's panel
    path("dossiers/<int:pk>/prendre/", views.prendre, name="prendre"),
    path("dossiers/<int:pk>/affecter/", views.affecter, name="affecter"),
    path("dossiers/<int:pk>/desaffecter/", views.desaffecter, name="desaffecter"),
    path("dossiers/<int:pk>/suivre/", views.suivre, name="suivre"),
    path("dossiers/<int:pk>/ne-plus-suivre/", views.ne_plus_suivre, name="ne_plus_suivre"),
    path("dossiers/<int:pk>/notes/", views.note_ajouter, name="note_ajouter"),
    path("dossiers/<int:pk>/etiquettes/ajouter/", views.etiquette_poser, name="etiquette_poser"),
    path("dossiers/<int:pk>/etiquettes/retirer/", views.etiquette_retirer, name="etiquette_retirer"),
    # the bulk actions and the ZIP archives (views_actions.py) have their own file
    path("actions/", include("care_portal.bureau.urls_actions")),
]
