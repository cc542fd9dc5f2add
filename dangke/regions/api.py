from django.db.models import Q
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.apicontract import BoundedPages, DbId
from dangke.regions.models import Organization, OrganizationKind, Region

router = Router(tags=["区划与基层党组织"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = Field(None, alias="parent_id")


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    region: str = Field(alias="region_id")
    parent: int | None = Field(None, alias="parent_id")
    member_count: int
    latitude: float | None
    longitude: float | None
    busy_months: list[int]
    secretary: str
    is_active: bool


class OrganizationFilter(FilterSchema):
    region: str | None = Field(None, description="区划代码前缀，如 511102")
    kind: OrganizationKind | None = None
    q: str | None = Field(None, description="名称或编码包含")

    def filter_region(self, value):
        return Q(region__code__startswith=value) if value else Q()

    def filter_q(self, value):
        return Q(name__icontains=value) | Q(code__icontains=value) if value else Q()


@router.get("/regions", response=list[RegionOut], auth=None, summary="行政区划（GB/T 2260）")
@paginate(BoundedPages, page_size=100)
def list_regions(request, parent: str | None = None):
    """Division codes are public reference data, so this list needs no token. Without
    `parent` it lists the provinces."""
    if parent:
        return (
            Region.objects.unscoped("division codes are public reference data")
            .filter(parent_id=parent)
            .order_by("code")
        )
    return (
        Region.objects.unscoped("division codes are public reference data")
        .filter(parent__isnull=True)
        .order_by("code")
    )


@router.get("/organizations", response=list[OrganizationOut], summary="基层党组织")
@paginate(BoundedPages, page_size=50)
def list_organizations(request, filters: Query[OrganizationFilter]):
    return filters.filter(Organization.objects.visible_to(request.scope).order_by("code"))


@router.get("/organizations/{organization_id}", response=OrganizationOut, summary="基层党组织详情")
def get_organization(request, organization_id: DbId):
    return get_visible_or_404(Organization, request.scope, pk=organization_id)
