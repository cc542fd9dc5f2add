from django.db import transaction

from dangke.accounts.models import Role, RoleAssignment, User


@transaction.atomic
def create_user_with_role(
    username: str,
    *,
    password: str,
    role: Role,
    region,
    full_name: str = "",
    teaching_group=None,
    organization=None,
) -> User:
    user = User.objects.create_user(username=username, password=password, full_name=full_name)
    RoleAssignment.objects.create(
        user=user,
        role=role,
        region=region,
        teaching_group=teaching_group,
        organization=organization,
    )
    return user
