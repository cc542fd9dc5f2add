"""Import sheet for the roster (党员名册), shaped like the national 党员信息管理系统's
export. A re-import updates the roster: members are recognised by 党员编号, else by phone,
else by name within their organisation; those missing from an organisation in the file
are marked as having left (kept for the year's figures), and a member now listed under
another organisation has moved there (组织关系转接) with this year's hours."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dangke.imports import columns as c
from dangke.imports.sheets import ApplyCounts, SheetSpec
from dangke.members.models import Gender, Member, MemberCategory, MemberStatus, PartyPost
from dangke.members.services import BATCH, normalise_phone, refresh_years
from dangke.regions.models import Organization

FOUNDED = datetime.date(1921, 7, 1)
ROSTER_FIELDS = ["name", "gender", "phone", "organization", "region", "post", "category",
                 "joined_on", "number", "status", "left_on"]  # fmt: skip  # fmt: skip


def phone(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = normalise_phone(str(value))
    if len(digits) != 11 or not digits.startswith("1"):
        raise c.CellError(f"「{value}」不是 11 位手机号")
    return digits


def date(value) -> datetime.date:
    """A date as Excel stores it, or written 2001-07-01, 2001/7/1, 2001.7.1 or 20010701."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = str(value).strip()
        if isinstance(value, int | float) or (text.isdigit() and len(text) == 8):
            text = str(int(float(value))) if not text.isdigit() else text
            text = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
        parts = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-")
        parts = parts.replace("日", "").split("-")
        try:
            day = datetime.date(*(int(part) for part in parts))
        except (TypeError, ValueError) as error:
            raise c.CellError(f"「{text}」不是有效日期（如 2001-07-01）") from error
    if day < FOUNDED or day > timezone.localdate():
        raise c.CellError(f"日期 {day.isoformat()} 不可能：应在 1921-07-01 到今天之间")
    return day


class MemberSheet(SheetSpec):
    kind = "members"
    title = "党员名册"
    model = Member
    key_field = "number"
    columns = (
        c.Column("姓名", "name", c.text(32), required=True, example="张三"),
        c.Column("性别", "gender", c.choice(Gender), example="男", choices=("男", "女")),
        c.Column(
            "手机号",
            "phone",
            phone,
            example="13800000000",
            width=16,
            help="用于扫码签到时找到本人；列表中只显示前三位和后四位",
        ),
        c.Column(
            "所在党组织",
            "organization",
            c.text(120),
            required=True,
            width=28,
            example="张公桥社区党委",
            help="组织名称或组织编码",
        ),
        c.Column(
            "党内职务",
            "post",
            c.choice(PartyPost),
            example="无",
            choices=("书记", "副书记", "委员", "无"),
        ),
        c.Column(
            "人员类别",
            "category",
            c.choice(MemberCategory),
            example="正式党员",
            choices=("正式党员", "预备党员"),
        ),
        c.Column("入党日期", "joined_on", date, example="2001-07-01"),
        c.Column(
            "党员编号", "number", c.text(32), example="", help="有则填写；重新导入时据此识别同一人"
        ),
    )
    notes = (
        "不收集身份证号。同一文件中手机号、党员编号不能重复。",
        "重新导入时：文件中某组织的名册以本次为准，未出现的党员标记为「已离开」（保留本年度学时）；"
        "出现在其他组织下的党员视为组织关系转接，本年度学时随人转移。",
    )

    def check(self, rows, context, errors):
        self._resolve_organizations(rows, context, errors)
        self._check_duplicate_phones(rows, errors)
        self._attach_members(rows, context)

    def _resolve_organizations(self, rows, context, errors):
        header = self.column_for("organization").header
        usable = Organization.objects.filter(is_active=True)
        if not context.scope.is_superuser:
            managed = Organization.objects.none()
            for code in context.scope.managed_region_codes:
                managed |= usable.filter(region__code__startswith=code)
            usable = managed
        wanted = {row.values["organization"] for row in rows if row.values.get("organization")}
        by_code = {o.code: o for o in usable.filter(code__in=wanted)}
        by_name: dict[str, list] = {}
        for organization in usable.filter(name__in=wanted):
            by_name.setdefault(organization.name, []).append(organization)
        for row in rows:
            key = row.values.get("organization")
            if not key:
                continue
            named = by_name.get(key, [])
            if key in by_code:
                row.values["organization"] = by_code[key]
            elif len(named) == 1:
                row.values["organization"] = named[0]
            elif named:
                errors.add(row.number, header, key, "有多个同名党组织，请改填组织编码")
                row.values["organization"] = None
            else:
                errors.add(row.number, header, key, "找不到该党组织（或不在您管理的范围内）")
                row.values["organization"] = None

    def _check_duplicate_phones(self, rows, errors):
        header = self.column_for("phone").header
        first: dict[str, int] = {}
        for row in rows:
            number = row.values.get("phone")
            if not number:
                continue
            if number in first:
                errors.add(row.number, header, number, f"手机号重复：与第 {first[number]} 行相同")
            else:
                first[number] = row.number

    def _attach_members(self, rows, context):
        known = Member.objects.all()
        if not context.scope.is_superuser:
            managed = Member.objects.none()
            for code in context.scope.managed_region_codes:
                managed |= known.filter(region__code__startswith=code)
            known = managed
        numbers = {row.values["number"] for row in rows if row.values.get("number")}
        phones = {row.values["phone"] for row in rows if row.values.get("phone")}
        names = {row.values["name"] for row in rows if row.values.get("name")}
        by_number, by_phone, by_name = {}, {}, {}
        for member in known.filter(
            any_of(number__in=numbers, phone__in=phones, name__in=names)
        ).select_related("organization"):
            if member.number:
                by_number[member.number] = member
            if member.phone:
                by_phone.setdefault(member.phone, member)
            by_name.setdefault((member.name, member.organization_id), member)
        taken = set()
        for row in rows:
            organization = row.values.get("organization")
            candidates = (
                by_number.get(row.values.get("number") or ""),
                by_phone.get(row.values.get("phone") or ""),
                by_name.get((row.values.get("name"), getattr(organization, "pk", None))),
            )
            member = next((m for m in candidates if m is not None and m.pk not in taken), None)
            if member is not None:
                taken.add(member.pk)
                row.existing = member

    def apply(self, rows, context, progress):
        today = timezone.localdate()
        new, changed, moved = [], [], 0
        for done, row in enumerate(rows, start=1):
            organization = row.values["organization"]
            values = {
                "name": row.values["name"],
                "gender": row.values["gender"] or "",
                "phone": row.values["phone"] or "",
                "organization": organization,
                "region_id": organization.region_id,
                "post": row.values["post"] or PartyPost.NONE,
                "category": row.values["category"] or MemberCategory.FULL,
                "joined_on": row.values["joined_on"],
                "number": row.values["number"] or "",
                "status": MemberStatus.ACTIVE,
                "left_on": None,
            }
            member = row.existing
            if member is None:
                new.append(Member(**values))
            else:
                moved += member.organization_id != organization.pk
                if any(getattr(member, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(member, name, value)
                    changed.append(member)
            if done % 1000 == 0:
                progress(done, len(rows))
        Member.objects.bulk_create(new, batch_size=BATCH)
        Member.objects.bulk_update(changed, ROSTER_FIELDS, batch_size=BATCH)
        kept = {row.existing.pk for row in rows if row.existing is not None}
        organizations = {row.values["organization"].pk for row in rows}
        gone = list(
            Member.objects.filter(organization_id__in=organizations, status=MemberStatus.ACTIVE)
            .exclude(pk__in=kept)
            .exclude(pk__in=[m.pk for m in new])
            .values_list("pk", flat=True)
        )
        Member.objects.filter(pk__in=gone).update(
            status=MemberStatus.LEFT, left_on=today, updated_at=timezone.now()
        )
        refresh_years([m.pk for m in new] + [m.pk for m in changed] + gone, today.year)
        progress(len(rows), len(rows))
        counts = ApplyCounts(created=len(new), updated=len(changed))
        counts.note = (
            f"未变 {len(kept) - len(changed)}，组织关系转入 {moved}，"
            f"离开 {len(gone)}（已标记，保留本年度学时）"
        )
        return counts


def any_of(**lookups):
    from django.db.models import Q

    condition = Q(pk__in=[])
    for lookup, values in lookups.items():
        if values:
            condition |= Q(**{lookup: values})
    return condition


IMPORT_SHEETS = [MemberSheet()]
