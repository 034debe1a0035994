"""The payment's convention now lives in the conventions app (issue 15): the same table, renamed;
only Django's state changes here, the foreign key in the database already follows the table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conventions', '0001_initial'),
        ('paiement', '0002_lotvirement_paiement'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.AlterField(
            model_name='paiement',
            name='convention',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='paiements', to='conventions.convention', verbose_name='convention'),
        )]),
    ]
