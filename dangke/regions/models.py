from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    CITY = 2, _("地级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")
    VILLAGE = 5, _("村级")


# Length of the significant code at each level of the statistical division codes
# (统计用区划代码, whose first six digits are GB/T 2260): 51 → 5111 → 511102 → 511102001
# → 511102001001. Because codes nest by prefix, "inside region R" is "code starts with R".
CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Region(models.Model):
    """A division of the GB/T 2260 tree; the primary key is the code itself, so every
    scoped row carries its region code and "within a region" needs no join."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    scope_rules = ScopeRules(region="code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        names = [region.name for region in self.ancestors()] + [self.name]
        return "".join(name for name in names if name != "市辖区")

    def ancestors(self) -> list["Region"]:
        """From the province down to the parent, by code prefix (one query)."""
        prefixes = [self.code[:n] for n in CODE_LENGTH.values() if n < len(self.code)]
        return list(
            Region.objects.unscoped("names of a region's ancestors")
            .filter(code__in=prefixes)
            .order_by("level")
        )

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)


class OrganizationKind(models.TextChoices):
    ORGAN = "organ", _("机关")
    PARK = "park", _("园区")
    SCHOOL = "school", _("学校")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class Organization(models.Model):
    """A grassroots Party organisation (基层党组织) that orders and hosts lessons."""

    code = models.CharField(_("组织编码"), max_length=32, unique=True)
    name = models.CharField(_("组织名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganizationKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    member_count = models.PositiveIntegerField(_("党员人数"), default=0)
    latitude = models.FloatField(
        _("纬度"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("经度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    busy_months = models.JSONField(
        _("农忙/牧忙月份"),
        default=list,
        blank=True,
        help_text=_("不宜安排集中授课的月份，如 [5, 6, 9]"),
    )
    secretary = models.CharField(_("书记"), max_length=32, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    scope_rules = ScopeRules(region="region__code", organization="pk")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("基层党组织")
        verbose_name_plural = _("基层党组织")
        ordering = ["region_id", "code"]
        indexes = [
            models.Index(fields=["region", "kind"]),
            # the list's sort by members, either way, at a province's 100,000 rows
            models.Index(fields=["member_count", "id"], name="organization_members_sort"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values), name="organization_kind_valid"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("regions:detail", args=[self.pk])

    @property
    def busy_months_display(self) -> str:
        return "、".join(f"{month}月" for month in self.busy_months) or "—"


class OrganizationTally(models.Model):
    """Active organisations and their members per county and kind (issue #18): a
    province's organisations by kind without reading its 100,000 rows. Kept by
    `regions.rollup`."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganizationKind.choices)
    organizations = models.PositiveIntegerField(_("组织数"), default=0)
    members = models.PositiveBigIntegerField(_("党员人数"), default=0)

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("基层党组织汇总")
        verbose_name_plural = _("基层党组织汇总")
        constraints = [
            models.UniqueConstraint(fields=["county", "kind"], name="organization_tally_key"),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values),
                name="organization_tally_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.kind}: {self.organizations}"
