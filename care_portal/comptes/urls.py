from django.urls import path

from .views import auth, espace, inscription

app_name = "comptes"

urlpatterns = [
    # authentication (views/auth.py)
    path("connexion/", auth.connexion, name="connexion"),
    path("deconnexion/", auth.deconnexion, name="deconnexion"),
    path("2fa/enrolement/", auth.totp_enrolement, name="totp_enrolement"),
    path("2fa/activation/<str:jeton>/", auth.totp_activation, name="totp_activation"),
    path("2fa/verification/", auth.totp_verification, name="totp_verification"),
    path("2fa/codes-de-secours/", auth.codes_secours, name="codes_secours"),
    path("mot-de-passe/oublie/", auth.mot_de_passe_oublie, name="mot_de_passe_oublie"),
    path("mot-de-passe/oublie/envoye/", auth.mot_de_passe_oublie_envoye, name="mot_de_passe_oublie_envoye"),
    path("mot-de-passe/reinitialiser/<uidb64>/<token>/", auth.mot_de_passe_reinitialiser,
         name="mot_de_passe_reinitialiser"),
    path("mot-de-passe/reinitialise/", auth.mot_de_passe_reinitialise, name="mot_de_passe_reinitialise"),
    path("mot-de-passe/changer/", auth.mot_de_passe_changer, name="mot_de_passe_changer"),
    # sign-up, memberships, invitations (views/inscription.py)
    path("inscription/", inscription.inscription, name="inscription"),
    path("inscription/envoyee/", inscription.inscription_envoyee, name="inscription_envoyee"),
    path("verifier/<str:jeton>/", inscription.verifier_email, name="verifier_email"),
    path("etablissements/recherche/", inscription.recherche_etablissements, name="recherche_etablissements"),
    path("rattachements/", inscription.rattachements, name="rattachements"),
    path("rattachements/<int:pk>/confirmer/", inscription.rattachement_confirmer, name="rattachement_confirmer"),
    path("rattachements/<int:pk>/refuser/", inscription.rattachement_refuser, name="rattachement_refuser"),
    path("invitations/", inscription.invitations, name="invitations"),
    path("invitation/<str:jeton>/", inscription.invitation, name="invitation"),
    # role homes (views/espace.py)
    path("accueil/", espace.accueil_role, name="accueil_role"),
    path("etablissement/", espace.espace_es, name="espace_es"),
    path("region/", espace.file_ars, name="file_ars"),
    path("national/", espace.vue_nationale, name="vue_nationale"),
    path("administration/", espace.espace_admin, name="espace_admin"),
    path("administration/agents/<int:pk>/double-authentification/", espace.totp_enrolement_autoriser,
         name="totp_enrolement_autoriser"),
    path("en-attente/", espace.en_attente, name="en_attente"),
]
