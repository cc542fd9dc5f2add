"""Import sheet for teachers (师资)."""

from dangke.courses.categories import CourseCategory
from dangke.faculty.models import (
    Teacher,
    TeacherLevel,
    TeacherSpecialty,
    TeacherStatus,
    TeachingGroup,
)
from dangke.imports import columns as c
from dangke.imports.sheets import ApplyCounts, SheetSpec
from dangke.regions.models import RegionLevel

BATCH = 1000
UPDATED_FIELDS = [
    "name",
    "gender",
    "birth_year",
    "employer",
    "position",
    "phone",
    "level",
    "region",
    "home_latitude",
    "home_longitude",
    "bio",
]
GENDERS = {"男": "男", "女": "女"}


def gender(value):
    value = str(value).strip()
    if value not in GENDERS:
        raise c.CellError("请填写「男」或「女」")
    return value


class TeacherSheet(SheetSpec):
    kind = "teachers"
    title = "师资"
    model = Teacher
    columns = (
        c.Column(
            "师资编号",
            "code",
            c.text(32),
            required=True,
            example="T-511102-001",
            help="本单位内唯一；已存在的编号会更新该师资的资料（状态不会被导入改变）",
        ),
        c.Column("姓名", "name", c.text(32), required=True, example="王红梅"),
        c.Column("性别", "gender", gender, example="女", choices=tuple(GENDERS)),
        c.Column(
            "出生年份",
            "birth_year",
            c.whole_number(1930, 2010),
            example=1978,
            number_range=(1930, 2010),
            whole_number=True,
        ),
        c.Column("工作单位", "employer", c.text(120), example="市中区委党校", width=22),
        c.Column("职务/职称", "position", c.text(64), example="副教授"),
        c.Column(
            "联系电话",
            "phone",
            c.phone_number,
            example="13800000000",
            help="手机号 11 位，或带区号的固定电话，如 0833-2123456",
        ),
        c.Column(
            "师资级别",
            "level",
            c.choice(TeacherLevel),
            required=True,
            example="县级",
            choices=tuple(TeacherLevel.labels),
        ),
        c.Column(
            "区划代码",
            "region",
            c.region_code,
            required=True,
            example="511102",
            help="师资所属的市或县（区）的区划代码，如 5111、511102",
            width=16,
        ),
        c.Column(
            "专长类别",
            "specialties",
            c.choice_list(CourseCategory),
            example="理论教育、地方特色",
            choices=tuple(CourseCategory.labels),
            multiple=True,
            width=22,
            help="可填多个，用顿号分隔：" + "、".join(map(c.source_label, CourseCategory.labels)),
        ),
        c.Column(
            "教研组",
            "groups",
            lambda value: c.split_list(value),
            example="",
            help="所在教研组名称，多个用顿号分隔；须是系统中已有的教研组",
            width=22,
        ),
        c.Column(
            "常驻地纬度", "home_latitude", c.decimal(-90, 90), example=29.58, number_range=(-90, 90)
        ),
        c.Column(
            "常驻地经度",
            "home_longitude",
            c.decimal(-180, 180),
            example=103.76,
            number_range=(-180, 180),
        ),
        c.Column("个人简介", "bio", c.text(2000), example="", width=30),
    )
    notes = (
        "新导入的师资状态为「在库」；已有师资的状态只能在师资页面按流程变更。",
        "区划代码必须在您管理的区域内。",
    )

    def check(self, rows, context, errors):
        # A teacher belongs to a city's or a county's pool, never to a township or village.
        self.check_regions(rows, context, errors, max_level=RegionLevel.COUNTY)
        self.attach_existing(rows, context, errors)
        names = {name for row in rows for name in row.values.get("groups") or ()}
        groups = {}
        for group in TeachingGroup.objects.filter(context.shared_region_q(), name__in=names):
            groups.setdefault(group.name, []).append(group)
        header = self.column_for("groups").header
        for row in rows:
            resolved = []
            for name in row.values.get("groups") or ():
                found = groups.get(name, [])
                if len(found) == 1:
                    resolved.append(found[0].pk)
                elif not found:
                    errors.add(row.number, header, name, f"找不到名为「{name}」的教研组")
                else:
                    errors.add(row.number, header, name, f"有多个名为「{name}」的教研组，无法确定")
            row.values["group_ids"] = resolved
        latitude, longitude = self.column_for("home_latitude"), self.column_for("home_longitude")
        for row in rows:
            if (row.values.get("home_latitude") is None) != (
                row.values.get("home_longitude") is None
            ):
                errors.add(
                    row.number,
                    f"{latitude.header}/{longitude.header}",
                    "",
                    "纬度和经度要么都填，要么都不填",
                )

    def apply(self, rows, context, progress):
        new, changed = [], []
        for row in rows:
            values = {name: row.values[name] for name in UPDATED_FIELDS if name != "region"}
            values["region_id"] = row.values["region"]
            for name in ("gender", "employer", "position", "phone", "bio"):
                values[name] = values[name] or ""
            if row.existing is None:
                teacher = Teacher(code=row.values["code"], status=TeacherStatus.ACTIVE, **values)
                new.append(teacher)
            else:
                for name, value in values.items():
                    setattr(row.existing, name, value)
                changed.append(row.existing)
        total = len(rows)
        for start in range(0, len(new), BATCH):
            Teacher.objects.bulk_create(new[start : start + BATCH])
            progress(start + len(new[start : start + BATCH]), total)
        for start in range(0, len(changed), BATCH):
            Teacher.objects.bulk_update(changed[start : start + BATCH], UPDATED_FIELDS)
            progress(len(new) + start + len(changed[start : start + BATCH]), total)
        self._replace_relations(rows)
        return ApplyCounts(created=len(new), updated=len(changed))

    def _replace_relations(self, rows):
        """Specialties and groups named in the sheet replace the stored ones; an empty cell
        leaves them as they are."""
        pk_of = dict(
            Teacher.objects.filter(code__in=[row.values["code"] for row in rows]).values_list(
                "code", "pk"
            )
        )
        with_specialties = [row for row in rows if row.values.get("specialties")]
        TeacherSpecialty.objects.filter(
            teacher_id__in=[pk_of[row.values["code"]] for row in with_specialties]
        ).delete()
        TeacherSpecialty.objects.bulk_create(
            [
                TeacherSpecialty(teacher_id=pk_of[row.values["code"]], category=category)
                for row in with_specialties
                for category in row.values["specialties"]
            ],
            batch_size=BATCH,
        )
        membership = Teacher.groups.through
        with_groups = [row for row in rows if row.values.get("group_ids")]
        membership.objects.filter(
            teacher_id__in=[pk_of[row.values["code"]] for row in with_groups]
        ).delete()
        membership.objects.bulk_create(
            [
                membership(teacher_id=pk_of[row.values["code"]], teachinggroup_id=group_id)
                for row in with_groups
                for group_id in row.values["group_ids"]
            ],
            batch_size=BATCH,
        )


IMPORT_SHEETS = [TeacherSheet()]
