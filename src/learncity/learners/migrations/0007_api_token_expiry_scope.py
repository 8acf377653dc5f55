# API tokens get an expiry and a scope (issue 19, finding 16).

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

EXISTING_TOKEN_DAYS = 90


def expire_existing(apps, schema_editor):
    """Tokens issued before expiry existed keep working, as `write` (what they could do), for
    90 days from this migration; then they must be issued again (docs/api.md)."""
    apps.get_model("learners", "ApiToken").objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=EXISTING_TOKEN_DAYS)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('learners', '0006_login_throttle_by_address'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='scope',
            field=models.CharField(choices=[('read', '읽기만'), ('write', '읽기와 쓰기')], default='write', max_length=5),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name='apitoken',
            constraint=models.CheckConstraint(condition=models.Q(('scope__in', ['read', 'write'])), name='api_token_scope_known'),
        ),
    ]
