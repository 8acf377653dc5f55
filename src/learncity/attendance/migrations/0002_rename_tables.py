"""The attendance context moves out of enrollment (issue 17), step 3: its tables take this
app's names (ALTER TABLE ... RENAME: rows, keys, indexes and constraints stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0001_initial'),
        ('enrollment', '0005_attendance_moves_out'),
    ]

    operations = [
        migrations.AlterModelTable(name='attendance', table=None),
        migrations.AlterModelTable(name='checkintoken', table=None),
        migrations.AlterModelTable(name='completionevent', table=None),
        migrations.AlterModelTable(name='completionrule', table=None),
    ]
