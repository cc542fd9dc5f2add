"""The pages: every list, detail, export and edit answers only within the user's scope."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dangke.core.models import AuditEntry
from dangke.courses.models import Courseware
from dangke.faculty.models import ProposalKind, ProposalStatus, StatusProposal, TeacherStatus

LISTS = {
    "teachers": ("/faculty/", "teacher_a", "teacher_b", "name"),
    "organizations": ("/organizations/", "org_a", "org_b", "name"),
    "courses": ("/courses/", "course_a", "course_b", "title"),
}


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def exported(client, url, **params):
    response = client.get(url, {**params, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("kind", LISTS)
def test_each_county_admin_sees_only_their_county(client, world, kind):
    url, mine, theirs, label = LISTS[kind]
    a, b = getattr(world, mine), getattr(world, theirs)
    client.force_login(world.county_a_admin)
    html = page(client, url)
    assert getattr(a, label) in html and getattr(b, label) not in html
    rows = exported(client, url)
    assert any(a.code in row for row in rows) and not any(b.code in row for row in rows)
    assert client.get(f"{url}{b.pk}/").status_code == 404
    assert client.get(f"{url}{a.pk}/").status_code == 200
    client.force_login(world.city_admin)
    html = page(client, url)
    assert getattr(a, label) in html and getattr(b, label) in html


def test_a_teacher_and_a_liaison_see_only_their_own(client, world):
    client.force_login(world.teacher_user)
    assert world.teacher_a.name in page(client, "/faculty/")
    assert world.city_teacher.name not in page(client, "/faculty/")
    assert client.get(f"/organizations/{world.org_a.pk}/").status_code == 404
    client.force_login(world.liaison)
    assert world.org_a.name in page(client, "/organizations/")
    assert world.org_b.name not in page(client, "/organizations/")
    assert client.get(f"/faculty/{world.teacher_a.pk}/").status_code == 404


def test_export_holds_exactly_the_filtered_rows_across_pages(client, world, settings):
    settings.DANGKE_PAGE_SIZE = 1
    client.force_login(world.city_admin)
    rows = exported(client, "/faculty/", level="county", sort="-name")
    assert rows[0][:2] == ("师资编号", "姓名")
    assert [row[1] for row in rows[1:]] == sorted(
        [world.teacher_a.name, world.teacher_b.name], reverse=True
    )
    assert "共 2 条" in page(client, "/faculty/", level="county")


def test_sorting_accepts_only_listed_columns(client, world):
    client.force_login(world.city_admin)
    by_code = page(client, "/faculty/", sort="code")
    assert by_code.index("T-A-001") < by_code.index("T-B-001")
    by_code_desc = page(client, "/faculty/", sort="-code")
    assert by_code_desc.index("T-B-001") < by_code_desc.index("T-A-001")
    # An unknown field (or one that would leak through a relation) falls back to the default.
    assert page(client, "/faculty/", sort="user__password").index("T-A-001") < by_code.index(
        "T-B-001"
    )


def test_htmx_filter_returns_the_table_only(client, world):
    client.force_login(world.city_admin)
    response = client.get(
        "/courses/",
        {"category": "policy"},
        headers={"HX-Request": "true", "HX-Target": "list-table"},
    )
    html = response.content.decode()
    assert "<html" not in html and world.course_b.title in html and world.course_a.title not in html


@pytest.mark.parametrize("user", ["liaison", "teacher_user", "organiser", "county_b_admin"])
def test_only_the_regions_admin_may_edit(client, world, user):
    client.force_login(getattr(world, user))
    expected = {404} if user in ("liaison", "county_b_admin") else {403, 404}
    assert client.get(f"/faculty/{world.teacher_a.pk}/edit/").status_code in expected
    response = client.post(
        f"/faculty/{world.teacher_a.pk}/status/", {"status": "warning", "reason": "x"}
    )
    assert response.status_code in expected
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.ACTIVE


def test_admin_edits_a_teacher_and_the_change_is_audited(client, world):
    client.force_login(world.county_a_admin)
    response = client.post(
        f"/faculty/{world.teacher_a.pk}/edit/",
        {
            "code": "T-A-001",
            "name": "王红梅",
            "level": "county",
            "region": "511102",
            "employer": "市中区委党校",
            "max_travel_km": 60,
            "specialties": ["theory", "local"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.employer == "市中区委党校"
    assert sorted(world.teacher_a.specialties.values_list("category", flat=True)) == [
        "local",
        "theory",
    ]
    assert AuditEntry.objects.filter(object_id=str(world.teacher_a.pk), action="update").exists()


def test_region_field_offers_only_managed_regions(client, world):
    client.force_login(world.county_a_admin)
    response = client.post(
        f"/faculty/{world.teacher_a.pk}/edit/",
        {"code": "T-A-001", "name": "王红梅", "level": "county", "region": "511123",
         "max_travel_km": 80},
    )  # fmt: skip
    assert response.status_code == 200
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.region_id == "511102"


def test_status_change_goes_through_the_service_with_a_reason(client, world):
    client.force_login(world.county_a_admin)
    url = f"/faculty/{world.teacher_a.pk}/status/"
    client.post(url, {"status": "warning", "reason": "上半年授课不足 2 次"})
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.WARNING
    entry = AuditEntry.objects.get(
        content_type__model="teacher", object_id=str(world.teacher_a.pk), action="status"
    )
    assert (entry.from_value, entry.to_value, entry.actor) == ("在库", "预警", world.county_a_admin)
    assert "上半年授课不足 2 次" in page(client, f"/faculty/{world.teacher_a.pk}/")
    # the decision is recorded as a confirmed proposal, like a rule's
    proposal = StatusProposal.objects.get(teacher=world.teacher_a)
    assert (proposal.kind, proposal.status) == (ProposalKind.WARNING, ProposalStatus.CONFIRMED)
    # 预警 cannot jump to 候选: refused, nothing changes.
    response = client.post(url, {"status": "candidate", "reason": "试试"}, follow=True)
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.WARNING
    assert "不能从「预警」变更为「候选」" in response.content.decode()


def test_no_teacher_is_put_into_rectification_without_a_plan_and_deadline(client, world):
    client.force_login(world.county_a_admin)
    url = f"/faculty/{world.teacher_a.pk}/status/"
    response = client.post(url, {"status": "rectifying", "reason": "评价偏低"}, follow=True)
    assert "整改须有整改计划和期限" in response.content.decode()
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.ACTIVE
    assert not AuditEntry.objects.filter(action="status", content_type__model="teacher").exists()
    data = {"status": "rectifying", "reason": "评价偏低", "plan": "参加授课技巧专题培训",
            "deadline": "2027-03-31"}  # fmt: skip
    client.post(url, data)
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.RECTIFYING
    proposal = StatusProposal.objects.get(teacher=world.teacher_a, kind=ProposalKind.RECTIFY)
    assert proposal.plan == "参加授课技巧专题培训" and str(proposal.deadline) == "2027-03-31"


def test_every_teacher_status_edge_has_one_door():
    from dangke.faculty import lifecycle
    from dangke.faculty.models import PROPOSAL_TARGET, Teacher

    edges = {(a, b) for a, targets in Teacher.STATUS_TRANSITIONS.items() for b in targets}
    doors = set(lifecycle.EDGE_KINDS) | {lifecycle.RETURN_AS_CANDIDATE}
    assert edges == doors
    for (_origin, target), kind in lifecycle.EDGE_KINDS.items():
        assert PROPOSAL_TARGET[kind] == target


def test_every_course_status_edge_has_one_door():
    from dangke.courses import services
    from dangke.courses.models import Course

    edges = {(a, b) for a, targets in Course.STATUS_TRANSITIONS.items() for b in targets}
    assert edges == services.LIBRARY_EDGES | services.RECTIFICATION_EDGES
    assert not services.LIBRARY_EDGES & services.RECTIFICATION_EDGES


def upload_courseware(client, course, name, content):
    return client.post(
        f"/courses/{course.pk}/courseware/",
        {"file": SimpleUploadedFile(name, content), "note": "第一版"},
        follow=True,
    )


def test_courseware_must_be_what_its_name_says(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.county_a_admin)
    fake = upload_courseware(client, world.course_a, "课件.pdf", b"just some text")
    assert "文件内容与扩展名「.pdf」不符" in fake.content.decode()
    assert not Courseware.objects.exists()
    upload_courseware(client, world.course_a, "课件.pdf", b"%PDF-1.7\n...")
    upload_courseware(client, world.course_a, "课件.pdf", b"%PDF-1.7\n... v2")
    assert list(world.course_a.courseware.values_list("version", flat=True)) == [2, 1]


def test_oversized_courseware_is_refused(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.COURSEWARE_MAX_BYTES = 1024
    client.force_login(world.county_a_admin)
    response = upload_courseware(client, world.course_a, "大.pdf", b"%PDF-" + b"x" * 2048)
    assert "文件太大" in response.content.decode()
    assert not Courseware.objects.exists()


def test_outline_editor_saves_knowledge_points(client, world):
    client.force_login(world.county_a_admin)
    form = {
        "outline-TOTAL_FORMS": 2, "outline-INITIAL_FORMS": 0,
        "outline-0-position": 1, "outline-0-title": "为什么", "outline-0-planned_minutes": 30,
        "outline-1-position": 2, "outline-1-title": "怎么做", "outline-1-planned_minutes": 60,
    }  # fmt: skip
    response = client.post(f"/courses/{world.course_a.pk}/outline/", form)
    assert response.status_code == 302
    assert list(world.course_a.outline.values_list("title", "planned_minutes")) == [
        ("为什么", 30),
        ("怎么做", 60),
    ]


def test_region_switcher_narrows_and_refuses_foreign_regions(client, world):
    client.force_login(world.city_admin)
    client.post("/accounts/region/", {"region": "511123", "next": "/faculty/"})
    html = page(client, "/faculty/")
    assert world.teacher_b.name in html and world.teacher_a.name not in html
    client.force_login(world.county_a_admin)
    assert client.post("/accounts/region/", {"region": "511123"}).status_code == 404
    assert world.teacher_b.name not in page(client, "/faculty/")


def test_english_is_the_second_locale(client, world):
    client.force_login(world.city_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = page(client, "/")
    assert "Dashboard" in html and "Teachers" in html


def test_pages_load_only_local_assets(client, world):
    client.force_login(world.city_admin)
    html = page(client, "/")
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, "the shell loads its scripts and styles"
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_login_page_and_dashboard_for_every_role(client, world):
    assert "登录" in page(client, "/accounts/login/")
    for user in ("city_admin", "organiser", "group_leader", "teacher_user", "liaison", "judge"):
        client.force_login(getattr(world, user))
        assert "工作台" in page(client, "/")


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client, world):
    client.force_login(world.city_admin)
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "工作台" in html and "Dashboard" not in html
