from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "eCaRE — administration"
admin.site.site_title = "eCaRE"
admin.site.index_title = "Référentiel et comptes"

urlpatterns = [
    path("", include("care_portal.core.urls")),
    path("comptes/", include("care_portal.comptes.urls")),
    path("federation/", include("care_portal.federation.urls")),  # ProConnect, Pro Santé Connect (issue 20)
    path("bureau/", include("care_portal.bureau.urls")),  # the agents' desk (issue 21)
    path("documents/", include("care_portal.documents.urls")),
    path("candidatures/", include("candidatures.urls")),
    path("candidatures/", include("conventions.urls")),  # the same paths as before the move (issue 15)
    path("objectifs/", include("objectifs.urls")),
    path("declarations/", include("declarations.urls")),
    path("paiement/", include("paiement.urls")),
    path("controles/", include("controle.urls")),
    path("", include("accompagnement.urls")),  # public pages and support (issue 22)
    # one login page for everyone (e-mail verification, lockout, two-factor): not the admin's own
    path("admin/login/", RedirectView.as_view(pattern_name="comptes:connexion", query_string=True)),
    path("admin/", admin.site.urls),
    path("notifications/", include("care_portal.notifications.urls")),
]

handler403 = "care_portal.core.views.erreur_403"
handler404 = "care_portal.core.views.erreur_404"
handler500 = "care_portal.core.views.erreur_500"
