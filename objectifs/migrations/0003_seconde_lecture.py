"""Issue 17: the facts and proofs of D1.O6.A / D1.O6.B the rules now check, and thresholds per call."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('candidatures', '0001_initial'),
        ('documents', '0002_telechargements_en_ajout_seul'),
        ('objectifs', '0002_referentiel_d1'),
        ('referentiel', '0003_alter_entitejuridique_options_alter_ght_options_and_more'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='seuil',
            options={'ordering': ['code', 'appel'], 'verbose_name': 'seuil'},
        ),
        migrations.AddField(
            model_name='convergencead',
            name='equipes_mutualisees',
            field=models.BooleanField(blank=True, null=True, verbose_name='équipes SI dédiées mutualisées'),
        ),
        migrations.AddField(
            model_name='convergencead',
            name='responsable',
            field=models.CharField(blank=True, max_length=150, verbose_name='responsable de la convergence des AD'),
        ),
        migrations.AddField(
            model_name='convergencead',
            name='structures',
            field=models.ManyToManyField(blank=True, related_name='+', to='candidatures.perimetreligne', verbose_name='établissements adressés par la trajectoire'),
        ),
        migrations.AddField(
            model_name='gouvernanceght',
            name='referent_nomme_par_directeur',
            field=models.BooleanField(blank=True, null=True, verbose_name="référent nommé par le directeur de l'établissement support"),
        ),
        migrations.AddField(
            model_name='gouvernanceght',
            name='schema_directeur',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.document', verbose_name='extrait du schéma directeur (sujets AD)'),
        ),
        migrations.AddField(
            model_name='gouvernanceght',
            name='sdsi_volet_organisationnel',
            field=models.BooleanField(blank=True, null=True, verbose_name='volet organisationnel des sujets AD intégré au schéma directeur de convergence des SI'),
        ),
        migrations.AddField(
            model_name='gouvernanceght',
            name='sdsi_volet_technique',
            field=models.BooleanField(blank=True, null=True, verbose_name='volet technique des sujets AD intégré au schéma directeur de convergence des SI'),
        ),
        migrations.AddField(
            model_name='seuil',
            name='appel',
            field=models.ForeignKey(blank=True, help_text='Vide : valeur par défaut de tous les appels. Renseigné : valeur propre à cet appel, qui remplace la valeur par défaut.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='referentiel.appelafinancement', verbose_name='appel à financement'),
        ),
        migrations.AlterField(
            model_name='convergencead',
            name='valide_comite',
            field=models.BooleanField(blank=True, null=True, verbose_name='trajectoire validée par le comité stratégique'),
        ),
        migrations.AlterField(
            model_name='convergencead',
            name='valide_dsi',
            field=models.BooleanField(blank=True, null=True, verbose_name='trajectoire validée par le DSI du support'),
        ),
        migrations.AlterField(
            model_name='gouvernanceght',
            name='equipe_ad_unique',
            field=models.BooleanField(blank=True, null=True, verbose_name='une équipe opérationnelle AD unique'),
        ),
        migrations.AlterField(
            model_name='seuil',
            name='code',
            field=models.CharField(max_length=60, verbose_name='code'),
        ),
        migrations.AddConstraint(
            model_name='seuil',
            constraint=models.UniqueConstraint(condition=models.Q(('appel__isnull', True)), fields=('code',), name='objectifs_seuil_code_defaut_unique'),
        ),
        migrations.AddConstraint(
            model_name='seuil',
            constraint=models.UniqueConstraint(condition=models.Q(('appel__isnull', False)), fields=('appel', 'code'), name='objectifs_seuil_code_appel_unique'),
        ),
    ]
