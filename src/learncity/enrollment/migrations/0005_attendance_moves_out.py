"""The attendance context moves out of enrollment (issue 17), step 2: its four models leave
enrollment's state. No statement runs: the tables are the attendance app's now
(attendance 0001) and are renamed there (attendance 0002)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0004_application_voucher_choice'),
        ('attendance', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Attendance'),
                migrations.DeleteModel(name='CheckinToken'),
                migrations.DeleteModel(name='CompletionEvent'),
                migrations.DeleteModel(name='CompletionRule'),
            ],
        ),
    ]
