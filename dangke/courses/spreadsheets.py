"""Import sheet for the course library (课程库)."""

from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseSeries, CourseStatus
from dangke.faculty.models import Teacher, TeachingGroup
from dangke.imports import columns as c
from dangke.imports.sheets import ApplyCounts, SheetSpec
from dangke.regions.models import RegionLevel

BATCH = 1000
UPDATED_FIELDS = [
    "title",
    "category",
    "region",
    "teaching_group",
    "series",
    "duration_minutes",
    "summary",
]


class CourseSheet(SheetSpec):
    kind = "courses"
    title = "课程"
    model = Course
    columns = (
        c.Column(
            "课程编号",
            "code",
            c.text(32),
            required=True,
            example="C-511102-001",
            help="本单位内唯一；已存在的编号会更新该课程（状态不会被导入改变）",
        ),
        c.Column(
            "课程名称",
            "title",
            c.text(200),
            required=True,
            example="坚持党建引领激活村级治理新动能",
            width=36,
        ),
        c.Column(
            "课程类别",
            "category",
            c.choice(CourseCategory),
            required=True,
            example="理论教育",
            choices=tuple(CourseCategory.labels),
        ),
        c.Column(
            "区划代码",
            "region",
            c.region_code,
            required=True,
            example="511102",
            help="开发该课程的市或县（区）的区划代码",
            width=16,
        ),
        c.Column(
            "教研组",
            "group",
            c.text(64),
            example="",
            help="负责该课程的教研组名称，须是系统中已有的教研组",
        ),
        c.Column(
            "课程群组",
            "series",
            c.text(120),
            example="嘉州红色文化",
            help="课程所属系列或品牌；该区划下没有同名群组时自动新建",
        ),
        c.Column(
            "授课教师编号",
            "teachers",
            c.code_list(32),
            example="T-511102-001",
            help="能讲授该课程的师资编号，多个用顿号分隔；须是系统中已有的师资",
            width=22,
        ),
        c.Column(
            "课时(分钟)",
            "duration_minutes",
            c.whole_number(10, 600),
            example=90,
            number_range=(10, 600),
            whole_number=True,
        ),
        c.Column("课程简介", "summary", c.text(4000), example="", width=40),
    )
    notes = (
        "新导入的课程状态为「上架」；已有课程的状态只能在课程页面按流程变更。",
        "授课教师编号可填本地区或上级地区的师资。",
    )

    def check(self, rows, context, errors):
        self.check_regions(rows, context, errors, max_level=RegionLevel.COUNTY)
        self.attach_existing(rows, context, errors)
        self._resolve_groups(rows, context, errors)
        self._resolve_teachers(rows, context, errors)

    def _resolve_groups(self, rows, context, errors):
        names = {row.values["group"] for row in rows if row.values.get("group")}
        found: dict[str, list[int]] = {}
        for pk, name in TeachingGroup.objects.filter(
            context.shared_region_q(), name__in=names
        ).values_list("pk", "name"):
            found.setdefault(name, []).append(pk)
        header = self.column_for("group").header
        for row in rows:
            name = row.values.get("group")
            row.values["group_id"] = None
            if not name:
                continue
            if len(found.get(name, ())) == 1:
                row.values["group_id"] = found[name][0]
            elif name in found:
                errors.add(row.number, header, name, f"有多个名为「{name}」的教研组，无法确定")
            else:
                errors.add(row.number, header, name, f"找不到名为「{name}」的教研组")

    def _resolve_teachers(self, rows, context, errors):
        codes = {code for row in rows for code in row.values.get("teachers") or ()}
        usable = context.scope.q_for(Teacher) | context.shared_region_q()
        pk_of = dict(Teacher.objects.filter(usable, code__in=codes).values_list("code", "pk"))
        header = self.column_for("teachers").header
        for row in rows:
            row.values["teacher_ids"] = []
            for code in row.values.get("teachers") or ():
                if code in pk_of:
                    row.values["teacher_ids"].append(pk_of[code])
                else:
                    errors.add(row.number, header, code, f"找不到编号为「{code}」的师资")

    def apply(self, rows, context, progress):
        series_of = self._series(rows)
        new, changed = [], []
        for row in rows:
            values = {
                "title": row.values["title"],
                "category": row.values["category"],
                "region_id": row.values["region"],
                "teaching_group_id": row.values["group_id"],
                "series": series_of.get((row.values["region"], row.values.get("series"))),
                "duration_minutes": row.values["duration_minutes"] or 90,
                "summary": row.values["summary"] or "",
            }
            if row.existing is None:
                new.append(Course(code=row.values["code"], status=CourseStatus.LISTED, **values))
            else:
                for name, value in values.items():
                    setattr(row.existing, name, value)
                changed.append(row.existing)
        total = len(rows)
        for start in range(0, len(new), BATCH):
            Course.objects.bulk_create(new[start : start + BATCH])
            progress(start + len(new[start : start + BATCH]), total)
        for start in range(0, len(changed), BATCH):
            Course.objects.bulk_update(changed[start : start + BATCH], UPDATED_FIELDS)
            progress(len(new) + start + len(changed[start : start + BATCH]), total)
        self._replace_teachers(rows)
        return ApplyCounts(created=len(new), updated=len(changed))

    def _series(self, rows):
        wanted = {
            (row.values["region"], row.values["series"]) for row in rows if row.values.get("series")
        }
        existing = {
            (series.region_id, series.name): series
            for series in CourseSeries.objects.filter(
                region_id__in={region for region, _ in wanted}, name__in={n for _, n in wanted}
            )
        }
        missing = [CourseSeries(region_id=r, name=n) for r, n in wanted - existing.keys()]
        CourseSeries.objects.bulk_create(missing)
        existing.update({(series.region_id, series.name): series for series in missing})
        return existing

    def _replace_teachers(self, rows):
        """Teachers named in the sheet replace the stored list; an empty cell keeps it."""
        with_teachers = [row for row in rows if row.values.get("teacher_ids")]
        pk_of = dict(
            Course.objects.filter(
                code__in=[row.values["code"] for row in with_teachers]
            ).values_list("code", "pk")
        )
        link = Course.teachers.through
        link.objects.filter(course_id__in=pk_of.values()).delete()
        link.objects.bulk_create(
            [
                link(course_id=pk_of[row.values["code"]], teacher_id=teacher_id)
                for row in with_teachers
                for teacher_id in row.values["teacher_ids"]
            ],
            batch_size=BATCH,
        )


IMPORT_SHEETS = [CourseSheet()]
