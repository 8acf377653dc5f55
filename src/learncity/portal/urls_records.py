"""Routes of the learning record and of credentials (issue 7)."""

from django.urls import path

from learncity.portal import records

urlpatterns = [
    path("me/record", records.my_record, name="my_record"),
    path("me/record/transcript.<str:fmt>", records.transcript, name="transcript"),
    path("me/data.json", records.my_data, name="my_data"),
    path("me/account/delete", records.account_delete, name="account_delete"),
    path(
        "me/credentials/<str:uuid>.<str:fmt>",
        records.credential_download,
        name="credential_download",
    ),
    path("records/learners/<int:learner_id>", records.my_record, name="learner_record"),
    path(
        "records/learners/<int:learner_id>/transcript.<str:fmt>",
        records.transcript,
        name="learner_transcript",
    ),
    path("credentials/verify", records.verify, name="credential_verify"),
    path("credentials/issuer", records.issuer, name="credential_issuer"),
    path("credentials/keys/<str:key_id>", records.key, name="credential_key"),
    path("credentials/status/<int:number>", records.status_list, name="credential_status"),
]
