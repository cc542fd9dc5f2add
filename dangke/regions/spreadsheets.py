"""Import sheet for grassroots Party organisations (基层党组织)."""

from dangke.imports import columns as c
from dangke.imports.sheets import ApplyCounts, SheetSpec
from dangke.regions import rollup
from dangke.regions.models import Organization, OrganizationKind, RegionLevel

BATCH = 1000
UPDATED_FIELDS = [
    "name",
    "kind",
    "region",
    "member_count",
    "latitude",
    "longitude",
    "busy_months",
    "secretary",
    "contact_name",
    "contact_phone",
]


class OrganizationSheet(SheetSpec):
    kind = "organizations"
    title = "基层党组织"
    model = Organization
    columns = (
        c.Column(
            "组织编码",
            "code",
            c.text(32),
            required=True,
            example="O-511102-0001",
            help="本单位内唯一；已存在的编码会更新该组织",
        ),
        c.Column(
            "组织名称", "name", c.text(120), required=True, example="篦子街社区党支部", width=28
        ),
        c.Column(
            "类型",
            "kind",
            c.choice(OrganizationKind),
            required=True,
            example="社区",
            choices=tuple(OrganizationKind.labels),
        ),
        c.Column(
            "区划代码",
            "region",
            c.region_code,
            required=True,
            example="511102001001",
            help="所在乡镇（街道）或村（社区）的统计用区划代码，9 或 12 位",
            width=16,
        ),
        c.Column(
            "上级组织编码",
            "parent",
            c.text(32),
            example="",
            help="可填本表中其他行的编码，或系统中已有的组织编码",
        ),
        c.Column(
            "党员人数",
            "member_count",
            c.whole_number(0, 100_000),
            example=35,
            number_range=(0, 100_000),
            whole_number=True,
        ),
        c.Column("纬度", "latitude", c.decimal(-90, 90), example=29.5521, number_range=(-90, 90)),
        c.Column(
            "经度", "longitude", c.decimal(-180, 180), example=103.7656, number_range=(-180, 180)
        ),
        c.Column(
            "农忙月份",
            "busy_months",
            c.months,
            example="5、6、9",
            help="不宜集中授课的月份，用顿号或逗号分隔，如 5、6、9",
        ),
        c.Column("书记", "secretary", c.text(32), example="张三"),
        c.Column("联系人", "contact_name", c.text(32), example="李四"),
        c.Column("联系电话", "contact_phone", c.text(32), example="13800000000"),
    )
    notes = ("区划代码必须在您管理的区域内。同一文件中编码不能重复。",)

    def check(self, rows, context, errors):
        self.check_regions(rows, context, errors, min_level=RegionLevel.COUNTY)
        self.attach_existing(rows, context, errors)
        self._check_parents(rows, context, errors)
        latitude, longitude = self.column_for("latitude"), self.column_for("longitude")
        for row in rows:
            if (row.values.get("latitude") is None) != (row.values.get("longitude") is None):
                errors.add(
                    row.number,
                    f"{latitude.header}/{longitude.header}",
                    "",
                    "纬度和经度要么都填，要么都不填",
                )

    def _check_parents(self, rows, context, errors):
        parent_in_file = {
            row.values["code"]: row.values.get("parent") for row in rows if row.values.get("code")
        }
        wanted = {parent for parent in parent_in_file.values() if parent}
        visible = set(
            Organization.objects.visible_to(context.scope)
            .filter(code__in=wanted - parent_in_file.keys())
            .values_list("code", flat=True)
        )
        header = self.column_for("parent").header
        for row in rows:
            parent = row.values.get("parent")
            if not parent:
                continue
            if parent == row.values.get("code"):
                errors.add(row.number, header, parent, "上级组织不能是自己")
            elif parent not in parent_in_file and parent not in visible:
                errors.add(row.number, header, parent, f"找不到编码为「{parent}」的上级组织")
            elif _leads_back(row.values.get("code"), parent, parent_in_file):
                errors.add(row.number, header, parent, "上级组织关系形成了循环")

    def apply(self, rows, context, progress):
        """Rows are written in waves, parents before their children, so every parent has
        its primary key when a child is written and no second pass is needed."""
        pk_of = dict(
            Organization.objects.filter(
                code__in={row.values["parent"] for row in rows if row.values.get("parent")}
            ).values_list("code", "pk")
        )
        pending, done, counts = list(rows), 0, ApplyCounts()
        while pending:
            wave = [
                row
                for row in pending
                if not row.values.get("parent") or row.values["parent"] in pk_of
            ]
            if not wave:  # check() refuses cycles, so this means a bug, not bad input
                raise RuntimeError("上级组织关系无法解析")
            written = set(map(id, wave))
            pending = [row for row in pending if id(row) not in written]
            created, updated = self._write(wave, pk_of)
            counts.created += created
            counts.updated += updated
            done += len(wave)
            progress(done, len(rows))
        return counts

    def _write(self, rows, pk_of):
        new, changed, changed_with_parent = [], [], []
        for row in rows:
            values = {
                "name": row.values["name"],
                "kind": row.values["kind"],
                "region_id": row.values["region"],
                "member_count": row.values["member_count"] or 0,
                "latitude": row.values["latitude"],
                "longitude": row.values["longitude"],
                "busy_months": row.values["busy_months"] or [],
                "secretary": row.values["secretary"] or "",
                "contact_name": row.values["contact_name"] or "",
                "contact_phone": row.values["contact_phone"] or "",
            }
            parent = row.values.get("parent")
            if parent:
                values["parent_id"] = pk_of[parent]
            if row.existing is None:
                new.append(Organization(code=row.values["code"], **values))
            else:
                for name, value in values.items():
                    setattr(row.existing, name, value)
                (changed_with_parent if parent else changed).append(row.existing)
        # The organisations rollup's counties, as they were before (a row may move county)
        # and as they are after; bulk writes pass the model's signals by.
        rollup.organizations_changed(
            organization.pk for organization in [*changed, *changed_with_parent]
        )
        for start in range(0, len(new), BATCH):
            Organization.objects.bulk_create(new[start : start + BATCH])
        for objects, fields in (
            (changed, UPDATED_FIELDS),
            (changed_with_parent, [*UPDATED_FIELDS, "parent"]),
        ):
            for start in range(0, len(objects), BATCH):
                Organization.objects.bulk_update(objects[start : start + BATCH], fields)
        pk_of.update((organization.code, organization.pk) for organization in new)
        pk_of.update((organization.code, organization.pk) for organization in changed)
        pk_of.update((organization.code, organization.pk) for organization in changed_with_parent)
        rollup.organizations_changed(
            organization.pk for organization in [*new, *changed, *changed_with_parent]
        )
        return len(new), len(changed) + len(changed_with_parent)


def _leads_back(code, parent, parent_in_file) -> bool:
    """True when following parents inside the file from `parent` comes back to `code`."""
    seen = set()
    while parent and parent in parent_in_file and parent not in seen:
        if parent == code:
            return True
        seen.add(parent)
        parent = parent_in_file[parent]
    return parent == code


IMPORT_SHEETS = [OrganizationSheet()]
