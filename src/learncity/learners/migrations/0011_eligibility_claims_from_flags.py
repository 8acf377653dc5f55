"""Issue 19, finding 2: what existing learners declared (birth year, district, low income,
multicultural; a disability only with a sensitive-information consent, which nobody had
before: it is left out) becomes DECLARED claims, which staff must verify before they decide
money or priority. Reversible: the claims are dropped."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Learner = apps.get_model("learners", "Learner")
    Claim = apps.get_model("learners", "EligibilityClaim")
    Audit = apps.get_model("learners", "EligibilityAudit")
    now = timezone.now()
    rows = Learner.objects.order_by("id").values_list(
        "id", "birth_year", "district_code", "low_income", "multicultural"
    )
    claims, audits = [], []
    for learner_id, birth_year, district, low_income, multicultural in rows.iterator():
        wanted = []
        if birth_year:
            wanted.append(("birth_year", str(birth_year)))
        if district:
            wanted.append(("district", district))
        if low_income:
            wanted.append(("low_income", "yes"))
        if multicultural:
            wanted.append(("multicultural", "yes"))
        for kind, value in wanted:
            claims.append(
                Claim(learner_id=learner_id, kind=kind, value=value, declared_at=now)
            )
            audits.append(
                Audit(
                    at=now,
                    learner_id=learner_id,
                    kind=kind,
                    change="declared",
                    before={},
                    after={"state": "declared", "value": value},
                    detail="migrated from the learner's self-declared values",
                )
            )
        if len(claims) >= 2000:
            Claim.objects.bulk_create(claims)
            Audit.objects.bulk_create(audits)
            claims, audits = [], []
    Claim.objects.bulk_create(claims)
    Audit.objects.bulk_create(audits)


def backwards(apps, schema_editor):
    apps.get_model("learners", "EligibilityClaim").objects.all().delete()
    apps.get_model("learners", "EligibilityAudit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("learners", "0010_eligibility_claims")]

    operations = [migrations.RunPython(forwards, backwards)]
