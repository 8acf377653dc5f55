from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "learncity.vouchers"
    label = "vouchers"
    verbose_name = "vouchers (평생교육이용권)"
