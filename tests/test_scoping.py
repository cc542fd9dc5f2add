"""Every object kind, seen by every fixed user: nobody sees another region's rows."""

import pytest
from django.http import Http404

from dangke.accounts.scoping import get_visible_or_404, scope_for_user
from dangke.core.services import change_status
from dangke.core.status import ProtectedStatusError, StatusTransitionError
from dangke.courses.models import Course
from dangke.faculty.models import Teacher, TeacherStatus, TeachingGroup
from dangke.regions.models import Organization, Region


def visible(model, user):
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def test_county_admins_see_only_their_county(world):
    for model, in_a, in_b in (
        (Teacher, world.teacher_a, world.teacher_b),
        (Organization, world.org_a, world.org_b),
        (Course, world.course_a, world.course_b),
    ):
        seen_by_a = visible(model, world.county_a_admin)
        seen_by_b = visible(model, world.county_b_admin)
        assert in_a.pk in seen_by_a and in_b.pk not in seen_by_a, model
        assert in_b.pk in seen_by_b and in_a.pk not in seen_by_b, model


def test_city_admin_sees_both_counties_and_the_city_pool(world):
    assert visible(Teacher, world.city_admin) == {
        world.teacher_a.pk,
        world.teacher_b.pk,
        world.city_teacher.pk,
    }
    assert visible(Organization, world.city_admin) == {world.org_a.pk, world.org_b.pk}


def test_county_admin_does_not_see_city_pool(world):
    assert world.city_teacher.pk not in visible(Teacher, world.county_a_admin)


def test_teacher_sees_self_and_own_courses_only(world):
    assert visible(Teacher, world.teacher_user) == {world.teacher_a.pk}
    assert visible(Course, world.teacher_user) == {world.course_a.pk}
    assert visible(Organization, world.teacher_user) == set()


def test_liaison_sees_own_organization_only(world):
    assert visible(Organization, world.liaison) == {world.org_a.pk}
    assert visible(Teacher, world.liaison) == set()


def test_group_leader_sees_group_members_and_courses(world):
    assert visible(Teacher, world.group_leader) == {world.city_teacher.pk}
    assert visible(Course, world.group_leader) == {world.course_b.pk}
    assert visible(TeachingGroup, world.group_leader) == {world.group.pk}


def test_regions_are_scoped_by_subtree(world):
    seen = visible(Region, world.county_a_admin)
    assert "511102001001" in seen and "511123100201" not in seen and "5111" not in seen


def test_region_switcher_narrows_but_never_widens(world):
    narrowed = scope_for_user(world.city_admin, active_region=world.county_b.code)
    assert set(Teacher.objects.visible_to(narrowed).values_list("pk", flat=True)) == {
        world.teacher_b.pk
    }
    widened = scope_for_user(world.county_a_admin, active_region=world.city.code)
    assert world.teacher_b.pk not in set(
        Teacher.objects.visible_to(widened).values_list("pk", flat=True)
    )


def test_outside_scope_is_404(world):
    with pytest.raises(Http404):
        get_visible_or_404(Teacher, world.county_a_admin, pk=world.teacher_b.pk)
    assert (
        get_visible_or_404(Teacher, world.county_b_admin, pk=world.teacher_b.pk) == world.teacher_b
    )


def test_status_changes_only_through_service_and_are_audited(world):
    teacher = Teacher.objects.get(pk=world.teacher_a.pk)
    teacher.status = TeacherStatus.EXITED
    with pytest.raises(ProtectedStatusError):
        teacher.save()
    teacher = Teacher.objects.get(pk=world.teacher_a.pk)
    entry = change_status(
        teacher, TeacherStatus.WARNING, actor=world.county_a_admin, reason="上半年授课不足"
    )
    assert Teacher.objects.get(pk=teacher.pk).status == TeacherStatus.WARNING
    assert (entry.from_value, entry.to_value, entry.reason, entry.actor) == (
        "在库",
        "预警",
        "上半年授课不足",
        world.county_a_admin,
    )
    assert entry.region_code == world.county_a.code
    with pytest.raises(StatusTransitionError):
        change_status(teacher, TeacherStatus.CANDIDATE, actor=world.county_a_admin, reason="x")
