"""The attendance context moves out of enrollment (issue 17), step 1: its four models
enter this app's state on the tables they already have (no statement runs). Step 2
(enrollment 0005) takes them out of enrollment's state; step 3 (0002 here) renames the
tables to this app's names. Every row stays where it is throughout."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0003_session'),
        ('enrollment', '0004_application_voucher_choice'),
        ('learners', '0003_login_throttle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CompletionEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField()),
                        ('attended', models.PositiveIntegerField()),
                        ('sessions', models.PositiveIntegerField()),
                        ('rate_percent', models.FloatField()),
                        ('rule', models.JSONField(default=dict)),
                        ('consumed_at', models.DateTimeField(blank=True, help_text='set by the learning record when it took the event', null=True)),
                        ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='completion', to='enrollment.application')),
                        ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='completions', to='learners.learner')),
                        ('offer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='completions', to='enrollment.offer')),
                    ],
                    options={
                        'db_table': 'enrollment_completionevent',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Attendance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('status', models.CharField(choices=[('present', '출석'), ('late', '지각'), ('absent', '결석'), ('excused', '공결')], max_length=8)),
                        ('checked_in_at', models.DateTimeField(blank=True, null=True)),
                        ('method', models.CharField(choices=[('qr', 'QR'), ('phone', '전화번호 뒷자리'), ('manual', '직접 입력')], max_length=8)),
                        ('request_key', models.CharField(blank=True, help_text="the kiosk's idempotency id", max_length=64, null=True)),
                        ('note', models.CharField(blank=True, default='', max_length=300)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='enrollment.application')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='recorded_attendance', to=settings.AUTH_USER_MODEL)),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attendance', to='catalog.session')),
                    ],
                    options={
                        'db_table': 'enrollment_attendance',
                        'ordering': ['id'],
                        'indexes': [models.Index(fields=['application', 'status'], name='attendance_of_app')],
                        'constraints': [models.UniqueConstraint(fields=('session', 'application'), name='attendance_once_per_session'), models.UniqueConstraint(condition=models.Q(('request_key__isnull', False)), fields=('recorded_by', 'request_key'), name='attendance_request_once')],
                    },
                ),
                migrations.CreateModel(
                    name='CheckinToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('nonce', models.CharField(max_length=32)),
                        ('digest', models.CharField(max_length=64, unique=True)),
                        ('hint', models.CharField(help_text="the token's last four characters", max_length=4)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checkin_tokens', to='enrollment.application')),
                    ],
                    options={
                        'db_table': 'enrollment_checkintoken',
                        'ordering': ['id'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('application',), name='checkin_token_one_live')],
                    },
                ),
                migrations.CreateModel(
                    name='CompletionRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('threshold_percent', models.PositiveSmallIntegerField(default=80)),
                        ('excused', models.CharField(choices=[('absent', '결석으로 계산'), ('attended', '출석으로 인정'), ('excluded', '회차에서 제외')], default='absent', max_length=8)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('offer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='completion_rule', to='enrollment.offer')),
                    ],
                    options={
                        'db_table': 'enrollment_completionrule',
                        'constraints': [models.CheckConstraint(condition=models.Q(('threshold_percent__gte', 1), ('threshold_percent__lte', 100)), name='completion_threshold_range')],
                    },
                )
            ],
        ),
    ]
