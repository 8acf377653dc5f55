# The fee paid at the institution's desk (issue 18): the staff mark it on the offer's page.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0005_attendance_moves_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="desk_paid_krw",
            field=models.PositiveIntegerField(
                db_default=0,
                default=0,
                help_text="paid at the institution's desk (cash or card), as its staff marked it",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="desk_paid_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
