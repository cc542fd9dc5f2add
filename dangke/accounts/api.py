from ninja import Router, Schema

router = Router(tags=["账号"])


class RoleOut(Schema):
    role: str
    role_label: str
    region: str


class MeOut(Schema):
    username: str
    name: str
    roles: list[RoleOut]
    region_codes: list[str]


@router.get("/me", response=MeOut, summary="当前用户及其角色")
def me(request):
    assignments = request.user.role_assignments.filter(is_active=True).order_by("role")
    return {
        "username": request.user.username,
        "name": request.user.display_name,
        "roles": [
            {"role": a.role, "role_label": a.get_role_display(), "region": a.region_id}
            for a in assignments
        ],
        "region_codes": list(request.scope.region_codes),
    }
