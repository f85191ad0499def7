# Episodes per event (a ticket, a survey answer) as well as per rule and account.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('playbooks', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='episode',
            name='playbooks_one_open_episode',
        ),
        migrations.RemoveConstraint(
            model_name='episode',
            name='playbooks_episode_start',
        ),
        migrations.AddField(
            model_name='episode',
            name='event_key',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddConstraint(
            model_name='episode',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('rule', 'account', 'event_key'), name='playbooks_one_open_episode_per_event'),
        ),
        migrations.AddConstraint(
            model_name='episode',
            constraint=models.UniqueConstraint(fields=('rule', 'account', 'event_key', 'started_on'), name='playbooks_episode_start_per_event'),
        ),
    ]
