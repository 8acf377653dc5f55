"""Routes of the voucher pages (included by learncity.portal.urls under the "portal"
namespace)."""

from django.urls import URLPattern, path

from learncity.portal import vouchers

urlpatterns: list[URLPattern] = [
    path("me/vouchers", vouchers.my_vouchers, name="my_vouchers"),
    path("staff/vouchers/settlement", vouchers.settlement, name="voucher_settlement"),
    path("staff/projects/<int:pk>", vouchers.project, name="project_budget"),
]
