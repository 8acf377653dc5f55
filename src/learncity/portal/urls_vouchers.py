"""Routes of the voucher pages (included by learncity.portal.urls under the "portal"
namespace)."""

from django.urls import URLPattern, path

from learncity.portal import vouchers, vouchers_staff_programmes, vouchers_staff_projects

urlpatterns: list[URLPattern] = [
    path("me/vouchers", vouchers.my_vouchers, name="my_vouchers"),
    path("staff/vouchers/settlement", vouchers.settlement, name="voucher_settlement"),
    path("staff/projects/<int:pk>", vouchers.project, name="project_budget"),
    path(
        "staff/vouchers/programmes",
        vouchers_staff_programmes.programmes,
        name="staff_voucher_programmes",
    ),
    path(
        "staff/vouchers/programmes/<int:pk>",
        vouchers_staff_programmes.programme,
        name="staff_voucher_programme",
    ),
    path("staff/projects", vouchers_staff_projects.projects, name="staff_projects"),
    path(
        "staff/projects/<int:pk>/expenses/new",
        vouchers_staff_projects.expense_new,
        name="staff_project_expense_new",
    ),
]
