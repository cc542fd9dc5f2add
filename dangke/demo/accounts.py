"""The demo accounts: one user of each role, bound to rows of the demo data.

`ensure_demo_accounts` may run any number of times: it creates what is missing, rebinds
roles that point elsewhere (after `dangke demo --reset`, say) and never duplicates a user.
Passwords of existing users are left alone unless asked to reset them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dangke.accounts.models import Role, RoleAssignment, User
from dangke.accounts.services import create_user_with_role
from dangke.demo.builder import DemoError, scale_present
from dangke.faculty.models import Teacher, TeacherLevel, TeacherStatus, TeachingGroup
from dangke.regions.models import Organization, OrganizationKind, Region

DEMO_PASSWORD = "dangke-demo"


@dataclass
class DemoAccount:
    username: str
    full_name: str
    role: Role
    region: Region
    scope: str  # what the account sees, in words
    teaching_group: TeachingGroup | None = None
    organization: Organization | None = None
    teacher: Teacher | None = None
    created: bool = False


def demo_account_plan() -> list[DemoAccount]:
    """The accounts for the demo data in the database (the city if present, else the county)."""
    if scale_present("city"):
        city, county_a, county_b = (
            Region.objects.get(code=code) for code in ("5111", "511102", "511123")
        )
        home = city
    elif scale_present("county"):
        city, county_a = Region.objects.get(code="6322"), Region.objects.get(code="632222")
        county_b, home = None, county_a
    else:
        raise DemoError("还没有演示数据：请先运行 dangke demo")
    group = TeachingGroup.objects.filter(region=home).order_by("pk").first()
    teachers = Teacher.objects.filter(
        region=county_a,
        level=TeacherLevel.COUNTY,
        status=TeacherStatus.ACTIVE,
        courses__isnull=False,
    ).order_by("code")
    teacher = teachers.filter(employer__endswith="党校").first() or teachers.first()
    organization = (
        Organization.objects.filter(
            region__code__startswith=county_a.code,
            kind__in=[OrganizationKind.VILLAGE, OrganizationKind.COMMUNITY],
            parent__isnull=True,
        )
        .order_by("code")
        .first()
    )
    if group is None or teacher is None or organization is None:
        raise DemoError(
            "演示数据不完整（缺少教研组、师资或基层党组织）：请运行 dangke demo --reset"
        )
    plan = [
        DemoAccount("city-admin", "周建华", Role.REGION_ADMIN, city, f"{city.name}（全域）"),
        DemoAccount("county-a", "李红梅", Role.REGION_ADMIN, county_a, county_a.name),
    ]
    if county_b is not None:
        plan.append(DemoAccount("county-b", "王志强", Role.REGION_ADMIN, county_b, county_b.name))
    plan += [
        DemoAccount("organiser", "陈晓东", Role.ORGANISER, home, f"{home.name}（党校）"),
        DemoAccount(
            "group-leader",
            "刘文静",
            Role.GROUP_LEADER,
            home,
            group.name,
            teaching_group=group,
        ),
        DemoAccount(
            "teacher",
            teacher.name,
            Role.TEACHER,
            county_a,
            f"本人（{teacher.employer}）",
            teacher=teacher,
        ),
        DemoAccount(
            "liaison",
            organization.contact_name or "张丽",
            Role.LIAISON,
            county_a,
            organization.name,
            organization=organization,
        ),
        DemoAccount("judge", "赵明远", Role.JUDGE, home, f"{home.name}（擂台赛评审）"),
    ]
    from dangke.demo.province import PROVINCE, province_present

    if province_present():  # the province around the city (dangke/demo/province.py)
        province = Region.objects.get(code=PROVINCE)
        plan.insert(
            0,
            DemoAccount(
                "province-admin", "吴国平", Role.REGION_ADMIN, province, f"{province.name}（全省）"
            ),
        )
    if county_b is not None:  # the city demo lists counsellors (dangke/care/demo.py)
        plan.append(
            DemoAccount("counsellor", "孙慧敏", Role.COUNSELLOR, home, "向本人申请的一对一辅导")
        )
    ally = _allied_city()
    if county_b is not None and ally is not None:  # dangke/demo/alliance.py
        plan.append(
            DemoAccount(
                "ally-admin", "刘晓燕", Role.REGION_ADMIN, ally, f"{ally.name}（协作联盟牵头单位）"
            )
        )
    return plan


def _allied_city() -> Region | None:
    """眉山, when the city demo built its alliance with 乐山."""
    from dangke.demo.alliance import ALLY_ROOT

    if not Teacher.objects.filter(region__code__startswith=ALLY_ROOT).exists():
        return None
    return Region.objects.filter(code=ALLY_ROOT).first()


@transaction.atomic
def ensure_demo_accounts(*, reset_passwords: bool = False) -> list[DemoAccount]:
    accounts = demo_account_plan()
    for account in accounts:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = create_user_with_role(
                account.username,
                password=DEMO_PASSWORD,
                role=account.role,
                region=account.region,
                full_name=account.full_name,
                teaching_group=account.teaching_group,
                organization=account.organization,
            )
            account.created = True
        else:
            _sync_user(user, account, reset_passwords)
        if account.teacher is not None:
            Teacher.objects.filter(user=user).exclude(pk=account.teacher.pk).update(user=None)
            Teacher.objects.filter(pk=account.teacher.pk).update(user=user)
    from dangke.care.demo import bind_demo_accounts

    bind_demo_accounts(accounts)
    from dangke.contests.demo import bind_demo_judge

    bind_demo_judge(accounts)
    return accounts


def _sync_user(user: User, account: DemoAccount, reset_password: bool) -> None:
    changed = []
    if user.full_name != account.full_name:
        user.full_name = account.full_name
        changed.append("full_name")
    if not user.is_active:
        user.is_active = True
        changed.append("is_active")
    if reset_password:
        user.set_password(DEMO_PASSWORD)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    wanted = (
        account.role,
        account.region.code,
        account.teaching_group.pk if account.teaching_group else None,
        account.organization.pk if account.organization else None,
    )
    assignments = list(user.role_assignments.all())
    current = [
        (a.role, a.region_id, a.teaching_group_id, a.organization_id, a.is_active)
        for a in assignments
    ]
    if current != [(*wanted, True)]:
        user.role_assignments.all().delete()
        RoleAssignment.objects.create(
            user=user,
            role=account.role,
            region=account.region,
            teaching_group=account.teaching_group,
            organization=account.organization,
        )
