"""The convention becomes a stage of its own (issue 15): its five models move from ``candidatures`` to
``conventions`` with their rows.

1. In Django's state only, the models are created here as they were (on the tables ``candidatures_*``);
   ``candidatures`` 0007 deletes them from its own state, ``paiement`` 0003 points its foreign key here.
   Nothing is written to the database by these steps.
2. The tables are renamed ``conventions_*`` (with the many-to-many table of the codes); PostgreSQL keeps
   the rows, the sequences, the indexes and the foreign keys that point at them.
3. The content types ``candidatures.<model>`` become ``conventions.<model>`` in place: the documents, the
   log rows, the permissions and the object permissions that refer to them follow without a write.
"""

import django.db.models.deletion
import django.utils.timezone
import django_fsm
from django.conf import settings
from django.db import migrations, models


MODELES = ['convention', 'codesignature', 'lotcontresignature', 'elementcontresignature', 'rappelfournisseur']


def renommer_types(apps, schema_editor):
    """The content types of the moved models keep their ids: only their app label changes."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for modele in MODELES:
        ancien = ContentType.objects.filter(app_label="candidatures", model=modele).first()
        if ancien is None:
            continue  # a new database: the content types are made after the migrations
        # made by a post_migrate before this step (with its permissions only): the moved one wins
        ContentType.objects.filter(app_label="conventions", model=modele).delete()
        ancien.app_label = "conventions"
        ancien.save(update_fields=["app_label"])


def remettre_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for modele in MODELES:
        nouveau = ContentType.objects.filter(app_label="conventions", model=modele).first()
        if nouveau is None:
            continue
        # made meanwhile by a partial migrate's post_migrate (with its permissions only): the moved one wins
        ContentType.objects.filter(app_label="candidatures", model=modele).delete()
        nouveau.app_label = "candidatures"
        nouveau.save(update_fields=["app_label"])


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('candidatures', '0006_date_audit_exposition'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Convention',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('etat', django_fsm.FSMField(choices=[('a_generer', 'À générer'), ('envoyee', 'Envoyée pour signature'), ('signee_es', "Signée par l'établissement"), ('signee', 'Signée et contresignée'), ('expiree', 'Expirée')], default='a_generer', max_length=50, protected=True, verbose_name='état')),
                        ('numero', models.CharField(max_length=40, unique=True, verbose_name='numéro')),
                        ('plafond', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='plafond de la matrice (€)')),
                        ('montant', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='montant de la convention (€)')),
                        ('motif_montant', models.TextField(blank=True, verbose_name='motif de la baisse du montant')),
                        ('grille_version', models.PositiveIntegerField(blank=True, null=True, verbose_name='version de la matrice des plafonds')),
                        ('grille_ligne', models.PositiveIntegerField(blank=True, null=True, verbose_name='ligne de la matrice (identifiant)')),
                        ('origine_plafond', models.JSONField(blank=True, default=dict, verbose_name='origine du plafond (matrice, ligne, tranche)')),
                        ('fournisseur', models.CharField(blank=True, max_length=20, verbose_name='prestataire de signature')),
                        ('reference_fournisseur', models.CharField(blank=True, db_index=True, max_length=100, verbose_name='référence chez le prestataire')),
                        ('signataires_fournisseur', models.JSONField(blank=True, default=dict, verbose_name='signataires chez le prestataire')),
                        ('envoi', models.PositiveIntegerField(default=0, verbose_name="numéro d'envoi")),
                        ('envoi_demande_le', models.DateTimeField(blank=True, null=True, verbose_name='envoi demandé le')),
                        ('envoyee_le', models.DateTimeField(blank=True, null=True, verbose_name='envoyée le')),
                        ('echeance', models.DateTimeField(blank=True, null=True, verbose_name='à signer avant le')),
                        ('signature_bloquee_le', models.DateTimeField(blank=True, null=True, verbose_name='signature bloquée le')),
                        ('erreur_envoi', models.TextField(blank=True, verbose_name="dernière erreur d'envoi")),
                        ('erreur_envoi_le', models.DateTimeField(blank=True, null=True, verbose_name="erreur d'envoi le")),
                        ('signee_es_le', models.DateTimeField(blank=True, null=True, verbose_name="signée par l'établissement le")),
                        ('signataire_es', models.CharField(blank=True, max_length=300, verbose_name="signataire de l'établissement")),
                        ('signee_le', models.DateTimeField(blank=True, null=True, verbose_name='contresignée le')),
                        ('expiree_le', models.DateTimeField(blank=True, null=True, verbose_name='expirée le')),
                        ('cree_le', models.DateTimeField(default=django.utils.timezone.now, verbose_name='créée le')),
                        ('candidature', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='convention', to='candidatures.candidature')),
                        ('contresignataire', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='contresignée par')),
                    ],
                    options={
                        'verbose_name': 'convention',
                        'ordering': ['-cree_le'],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='CodeSignature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('es', "Signataire de l'établissement"), ('ans', "Directeur général de l'ANS")], max_length=3)),
                        ('email', models.EmailField(max_length=254)),
                        ('envoi', models.PositiveIntegerField(default=0)),
                        ('empreinte', models.CharField(max_length=128)),
                        ('cree_le', models.DateTimeField(default=django.utils.timezone.now)),
                        ('expire_le', models.DateTimeField()),
                        ('tentatives', models.PositiveSmallIntegerField(default=0)),
                        ('utilise_le', models.DateTimeField(blank=True, null=True)),
                        ('annule_le', models.DateTimeField(blank=True, null=True)),
                        ('utilisateur', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('conventions', models.ManyToManyField(related_name='codes_signature', to='conventions.convention')),
                    ],
                    options={
                        'verbose_name': 'code de signature',
                        'verbose_name_plural': 'codes de signature',
                        'ordering': ['-cree_le'],
                    },
                ),
                migrations.CreateModel(
                    name='LotContresignature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ip', models.CharField(blank=True, max_length=45, verbose_name='adresse IP')),
                        ('cree_le', models.DateTimeField(default=django.utils.timezone.now, verbose_name='lancé le')),
                        ('acteur', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='contresignataire')),
                        ('code', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='lot', to='conventions.codesignature')),
                    ],
                    options={
                        'verbose_name': 'lot de contresignature',
                        'verbose_name_plural': 'lots de contresignature',
                        'ordering': ['-cree_le', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ElementContresignature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('etat', models.CharField(choices=[('a_sceller', 'À sceller'), ('faite', 'Contresignée'), ('echec', 'Échec')], default='a_sceller', max_length=10, verbose_name='état')),
                        ('erreur', models.TextField(blank=True, verbose_name="motif de l'échec")),
                        ('traite_le', models.DateTimeField(blank=True, null=True, verbose_name='traité le')),
                        ('convention', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contresignatures', to='conventions.convention')),
                        ('lot', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='elements', to='conventions.lotcontresignature')),
                    ],
                    options={
                        'verbose_name': "convention d'un lot de contresignature",
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RappelFournisseur',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fournisseur', models.CharField(max_length=20)),
                        ('identifiant', models.CharField(max_length=100)),
                        ('type', models.CharField(max_length=100)),
                        ('reference', models.CharField(max_length=100)),
                        ('recu_le', models.DateTimeField(default=django.utils.timezone.now)),
                        ('resultat', models.CharField(blank=True, max_length=255)),
                    ],
                    options={
                        'verbose_name': 'rappel du prestataire de signature',
                        'constraints': [models.UniqueConstraint(fields=('fournisseur', 'identifiant'), name='rappel_unique')],
                    },
                ),
                migrations.AddIndex(
                    model_name='convention',
                    index=models.Index(fields=['etat', 'echeance'], name='candidature_etat_549fdc_idx'),
                ),
                migrations.AddIndex(
                    model_name='elementcontresignature',
                    index=models.Index(fields=['etat', 'convention'], name='candidature_etat_d55348_idx'),
                ),
                migrations.AddConstraint(
                    model_name='elementcontresignature',
                    constraint=models.UniqueConstraint(fields=('lot', 'convention'), name='contresignature_unique'),
                ),
                migrations.AlterModelTable(name='convention', table='candidatures_convention'),
                migrations.AlterModelTable(name='codesignature', table='candidatures_codesignature'),
                migrations.AlterModelTable(name='lotcontresignature', table='candidatures_lotcontresignature'),
                migrations.AlterModelTable(name='elementcontresignature', table='candidatures_elementcontresignature'),
                migrations.AlterModelTable(name='rappelfournisseur', table='candidatures_rappelfournisseur'),
            ],
        ),
        migrations.AlterModelTable(name='convention', table=None),
        migrations.AlterModelTable(name='codesignature', table=None),
        migrations.AlterModelTable(name='lotcontresignature', table=None),
        migrations.AlterModelTable(name='elementcontresignature', table=None),
        migrations.AlterModelTable(name='rappelfournisseur', table=None),
        migrations.RunPython(renommer_types, remettre_types),
    ]
