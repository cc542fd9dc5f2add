from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.listing import Column, ListDefinition, ScopedFilterForm, render_list
from dangke.core.permissions import may
from dangke.core.views import edit_object, history_of
from dangke.regions.forms import OrganizationForm
from dangke.regions.models import Organization, OrganizationKind


class OrganizationFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(label=_("类型"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部类型")), *OrganizationKind.choices]


class OrganizationList(ListDefinition):
    title = _("基层党组织")
    export_name = _("基层党组织")
    filter_form = OrganizationFilterForm
    search_fields = ("name", "code", "secretary")
    default_sort = "code"
    detail_url_name = "regions:detail"
    create_url_name = "regions:create"
    columns = (
        Column(_("组织编码"), lambda o: o.code, sort="code"),
        Column(_("组织名称"), lambda o: o.name, sort="name", link=True),
        Column(_("类型"), lambda o: o.get_kind_display(), sort="kind"),
        Column(_("所在区划"), lambda o: o.region.name, sort="region"),
        Column(_("区划代码"), lambda o: o.region_id),
        Column(_("党员人数"), lambda o: o.member_count, sort="member_count", numeric=True),
        Column(_("农忙月份"), lambda o: o.busy_months_display),
        Column(_("书记"), lambda o: o.secretary),
        Column(_("联系电话"), lambda o: o.contact_phone),
    )

    def base_queryset(self, request):
        return Organization.objects.select_related("region")

    def filter(self, queryset, data):
        queryset = super().filter(queryset, data)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset

    def can_create(self, request):
        return may(request, "regions.add_organization")


@login_required
def organization_list(request):
    return render_list(request, OrganizationList())


@login_required
def organization_detail(request, pk):
    organization = get_visible_or_404(
        Organization.objects.select_related("region", "parent"), request.scope, pk=pk
    )
    children = organization.children.visible_to(request.scope).order_by("code")
    context = {
        "organization": organization,
        "children": children,
        "can_change": may(request, "regions.change_organization", organization),
        "history": history_of(organization),
    }
    return render(request, "regions/organization_detail.html", context)


@login_required
def organization_create(request):
    return edit_object(
        request, Organization, OrganizationForm, perm="regions.add_organization",
        title=_("新建基层党组织"), cancel_url="regions:list",
    )  # fmt: skip


@login_required
def organization_edit(request, pk):
    return edit_object(
        request, Organization, OrganizationForm, pk=pk, perm="regions.change_organization",
        title=_("编辑基层党组织"), cancel_url="regions:list",
    )  # fmt: skip
