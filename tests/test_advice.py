"""Course suggestions and teacher warnings in the pages and the API: what each role sees,
and that county-a never sees county-b's organisations or teachers."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dangke.accounts.models import ApiToken
from dangke.faculty.models import Quota, TeacherLevel, TeacherStatus

pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def quota(world):
    return Quota.objects.create(
        region=world.city,
        year=2026,
        level=TeacherLevel.COUNTY,
        min_lessons=6,
        min_hours=Decimal("12"),
        min_score=Decimal("80"),
        min_responses=0,
    )


def login(client, user):
    client.force_login(user)
    return client


def api(client, user, path):
    token = ApiToken.issue(user)
    return client.get(path, headers={"authorization": f"Bearer {token}"})


def test_the_liaison_sees_suggestions_with_reasons_in_the_menu(client, world):
    page = login(client, world.liaison).get("/delivery/menu/").content.decode()
    panel = page[page.index('id="suggestions"') :]
    assert "为「张公桥社区党委」推荐的课程" in panel
    assert world.course_a.title in panel
    assert "本组织近两年未学过「理论教育」" in panel
    assert "本县有 1 位师资可讲" in panel
    assert world.course_b.title not in panel  # county-b's course is not on its menu


def test_the_office_sees_an_organisations_suggestions_only_in_its_county(client, world):
    login(client, world.county_a_admin)
    assert client.get(f"/advice/organizations/{world.org_a.pk}/suggestions/").status_code == 200
    assert client.get(f"/advice/organizations/{world.org_b.pk}/suggestions/").status_code == 404


def test_county_gaps_list_the_organisations_without_a_category(client, world):
    login(client, world.county_a_admin)
    page = client.get("/advice/gaps/?category=party_spirit").content.decode()
    assert "今年尚未学过「党性教育」的组织（1 个）" in page
    assert world.org_a.name in page and world.org_b.name not in page
    export = client.get("/advice/gaps/?category=party_spirit&export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert rows[1][:2] == ("O-A-001", "张公桥社区党委")
    assert len(rows) == 2


def test_a_liaison_has_no_county_gaps_page(client, world):
    assert login(client, world.liaison).get("/advice/gaps/").status_code == 404


def test_the_suggestions_endpoint_answers_404_outside_the_scope(client, world):
    found = api(client, world.county_a_admin, f"/api/v1/suggestions?organization={world.org_a.pk}")
    assert found.status_code == 200
    assert found.json()["suggestions"][0]["title"] == world.course_a.title
    hidden = api(client, world.county_a_admin, f"/api/v1/suggestions?organization={world.org_b.pk}")
    assert hidden.status_code == 404


def test_warnings_list_and_export_are_scoped(client, world, quota):
    login(client, world.county_a_admin)
    page = client.get("/advice/warnings/").content.decode()
    assert "王红梅" in page and "李建国" not in page
    assert "按目前进度年末课时将差 12 小时（预计 0 / 12）" in page
    export = client.get("/advice/warnings/?level=warn&export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert [row[0] for row in rows[1:]] == ["王红梅"]
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.status == TeacherStatus.ACTIVE  # advice never changes a status


def test_the_warnings_endpoint_is_scoped(client, world, quota):
    rows = api(client, world.county_b_admin, "/api/v1/warnings").json()
    assert [row["teacher"] for row in rows] == ["李建国"]
    assert rows[0]["level"] == "warn"
    hidden = api(client, world.county_b_admin, f"/api/v1/warnings?teacher={world.teacher_a.pk}")
    assert hidden.status_code == 404


def test_the_teacher_sees_their_own_warning_and_what_would_help(client, world, quota):
    page = login(client, world.teacher_user).get("/").content.decode()
    card = page[page.index('id="early-warnings"') :]
    assert "按目前进度年末课时将差 12 小时" in card
    assert "查看待排点单，与教研组长商量增加送课" in card
    assert "李建国" not in page


def test_the_group_leader_sees_only_the_groups_teachers(client, world, quota):
    world.city_teacher.level = TeacherLevel.COUNTY
    world.city_teacher.save(update_fields=["level"])
    page = login(client, world.group_leader).get("/advice/warnings/").content.decode()
    assert "张志强" in page
    assert "王红梅" not in page and "李建国" not in page


def test_the_offices_dashboard_card_counts_only_its_county(client, world, quota):
    page = login(client, world.county_a_admin).get("/").content.decode()
    card = page[page.index('id="early-warnings"') :]
    card = card[: card.index("</div></div>")]
    assert "预警 <strong>1</strong> 人，关注 0 人" in card
    assert "王红梅" in card and "李建国" not in card


def test_a_warning_level_outside_the_list_is_refused(client, world, quota):
    assert api(client, world.county_a_admin, "/api/v1/warnings?level=all").status_code == 422


def test_the_office_card_shows_the_first_warnings_of_the_list_and_counts_them_all(world, quota):
    """The card words only the few it shows (a province's pool may hold thousands of warned
    teachers): the same rows, in the same order, as the head of the full list."""
    from dangke.accounts.scoping import scope_for_user
    from dangke.advice.services import CARD_ROWS, warnings_card, warnings_for
    from dangke.faculty.models import Teacher

    for n in range(CARD_ROWS + 3):  # more warned than the card shows, names out of pk order
        Teacher.objects.create(
            code=f"T-X-{n:03d}",
            name=f"测试师资{(CARD_ROWS + 3 - n):02d}",
            region=world.county_a,
            level=TeacherLevel.COUNTY,
            status=TeacherStatus.ACTIVE,
        )
    for user in (world.city_admin, world.county_a_admin, world.county_b_admin):
        scope = scope_for_user(user)
        full = warnings_for(scope)
        card = warnings_card(scope)["warning_card"]
        assert [(r.teacher.pk, r.level, r.evidence, r.helps) for r in card["rows"]] == [
            (r.teacher.pk, r.level, r.evidence, r.helps) for r in full[:CARD_ROWS]
        ], user.username
        assert card["warn"] == sum(r.level == "warn" for r in full)
        assert card["watch"] == sum(r.level == "watch" for r in full)
    assert len(warnings_for(scope_for_user(world.city_admin))) > CARD_ROWS
