"""Indicator systems: the shipped default, checking a tree, effective weights, copies, and
the plain-data form `engines.scoring` reads.

The seeds' three dimensions are the default (seed 004: 教学内容 — 理论深度/实践价值/案例时效性,
教学方法 — 互动性/趣味性/多媒体运用, 教学效果 — 知识掌握/行为改变/工作影响). 行为改变 and 工作影响
cannot be judged on the day and are asked in the follow-up survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from dangke.evaluation.models import (
    DEFAULT_ROLE_WEIGHTS,
    Indicator,
    IndicatorSystem,
    RaterKind,
    RaterRole,
)
from dangke.regions.models import RegionLevel

# (key, name, weight, children) — children: (key, name, weight, follow_up)
DEFAULT_TREE = (
    ("content", "教学内容", "0.4", (
        ("depth", "理论深度", "0.4", False),
        ("practice", "实践价值", "0.35", False),
        ("timeliness", "案例时效性", "0.25", False),
    )),
    ("method", "教学方法", "0.3", (
        ("interaction", "互动性", "0.4", False),
        ("interest", "趣味性", "0.3", False),
        ("multimedia", "多媒体运用", "0.3", False),
    )),
    ("effect", "教学效果", "0.3", (
        ("mastery", "知识掌握", "0.4", False),
        ("behaviour", "行为改变", "0.3", True),
        ("impact", "工作影响", "0.3", True),
    )),
)  # fmt: skip
DEFAULT_NAME = "党员教育课程评价指标"
# The spec's example: a media observer does not judge knowledge mastery.
NOT_ASKED = {RaterKind.MEDIA: {"mastery"}}
ROLE_WEIGHT_PLACES = Decimal("0.001")  # RaterRole.weight's decimal places
WEIGHT_TOLERANCE = Decimal("0.00005")  # a sibling group typed as 0.3333 ×2 + 0.3334 passes


class TreeError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


@transaction.atomic
def create_default_system(region, year: int, *, actor=None, reason: str = "") -> IndicatorSystem:
    """The seeds' indicator system for a region and year, with the default rater roles, as
    the year's next version; audited with every weight it starts with."""
    system = IndicatorSystem.objects.create(
        name=DEFAULT_NAME,
        region=region,
        year=year,
        description=_("按两份工作报告的三个维度：教学内容、教学方法、教学效果。"),
    )
    position = 0
    for key, name, weight, children in DEFAULT_TREE:
        parent = Indicator.objects.create(
            system=system, key=key, name=name, weight=Decimal(weight), position=position
        )
        position += 1
        for child_key, child_name, child_weight, follow_up in children:
            Indicator.objects.create(
                system=system,
                parent=parent,
                key=child_key,
                name=child_name,
                weight=Decimal(child_weight),
                follow_up=follow_up,
                position=position,
            )
            position += 1
    create_default_roles(system)
    _audit_created(system, actor, reason or _("按默认三维度新建指标体系"))
    return system


def new_system(region, year: int, *, scope, actor) -> IndicatorSystem:
    """The office's new indicator system (the seeds' default) for `region` and `year`."""
    from dangke.evaluation.rules import may_manage_evaluation

    if not may_manage_evaluation(scope, region.code):
        raise PermissionDenied(_("只有所在区划的管理员可以新建指标体系"))
    return create_default_system(region, year, actor=actor)


def create_default_roles(system: IndicatorSystem, campaign=None) -> list[RaterRole]:
    leaves = leaves_of(system)
    on_site = [leaf for leaf in leaves if not leaf.follow_up]
    follow_up = [leaf for leaf in leaves if leaf.follow_up]
    roles = []
    for kind, weight in [*DEFAULT_ROLE_WEIGHTS.items(), (RaterKind.SECRETARY, 0.1)]:
        role = RaterRole.objects.create(
            system=system,
            campaign=campaign,
            kind=kind,
            weight=Decimal(str(weight)),
            min_n=3 if kind == RaterKind.TRAINEE else 1,
        )
        if kind == RaterKind.TRAINEE:
            pass  # asked everything: on the day, then the follow-up
        elif kind == RaterKind.SECRETARY:
            role.asked.set(follow_up)
        else:
            skipped = NOT_ASKED.get(kind, set())
            role.asked.set([leaf for leaf in on_site if leaf.key not in skipped])
        roles.append(role)
    return roles


def system_for(region, year: int) -> IndicatorSystem:
    """The indicator system a new survey in `region` uses: the newest of the region or of
    the nearest region above it for that year, else the seeds' default created for the
    region's top-level ancestor in scope (the city or county that owns the region)."""
    codes = [region.code[:length] for length in (len(region.code), 6, 4, 2) if length]
    for code in dict.fromkeys(codes):
        system = (
            IndicatorSystem.objects.unscoped("systems are rules read along a region chain")
            .filter(region_id=code, year=year)
            .order_by("-id")
            .first()
        )
        if system:
            return system
    owner = region
    while owner.parent_id and owner.level > RegionLevel.COUNTY:
        owner = owner.parent
    return create_default_system(
        owner, year, reason=_("该年度还没有指标体系，发起测评时按默认三维度自动建立")
    )


def leaves_of(system: IndicatorSystem) -> list[Indicator]:
    nodes = list(system.indicators.select_related("parent"))
    parents = {node.parent_id for node in nodes if node.parent_id}
    return [node for node in ordered(nodes) if node.pk not in parents]


def ordered(nodes: list[Indicator]) -> list[Indicator]:
    """Depth-first in position order: each node followed by its children."""
    by_parent: dict[int | None, list[Indicator]] = {}
    for node in sorted(nodes, key=lambda n: (n.position, n.pk)):
        by_parent.setdefault(node.parent_id, []).append(node)
    result: list[Indicator] = []

    def walk(parent_id):
        for node in by_parent.get(parent_id, []):
            result.append(node)
            walk(node.pk)

    walk(None)
    return result


@dataclass(frozen=True)
class TreeRow:
    node: Indicator
    depth: int
    is_leaf: bool
    effective_weight: float  # product of the weights on the path; meaningful for leaves


def tree_rows(system: IndicatorSystem) -> list[TreeRow]:
    nodes = ordered(list(system.indicators.all()))
    by_pk = {node.pk: node for node in nodes}
    parents = {node.parent_id for node in nodes if node.parent_id}
    rows = []
    for node in nodes:
        depth, weight, cursor = 0, float(node.weight), node
        while cursor.parent_id:
            cursor = by_pk[cursor.parent_id]
            weight *= float(cursor.weight)
            depth += 1
        rows.append(TreeRow(node, depth, node.pk not in parents, weight))
    return rows


def tree_errors(nodes: list[Indicator]) -> list[str]:
    """Every reason a tree cannot be used, in Chinese, naming the parent and the sum."""
    errors = []
    if not nodes:
        return [_("指标体系至少需要一个指标")]
    by_parent: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    names = {node.pk: node.name for node in nodes}
    for parent_id, siblings in by_parent.items():
        total = sum((Decimal(node.weight) for node in siblings), Decimal(0))
        if abs(total - 1) > WEIGHT_TOLERANCE:
            where = names.get(parent_id, _("一级指标")) if parent_id else _("一级指标")
            errors.append(
                _("「%(where)s」下各项权重之和为 %(total)s，应为 1")
                % {"where": where, "total": f"{total:.4f}".rstrip("0").rstrip(".")}
            )
    keys = [node.key for node in nodes]
    for key in sorted({key for key in keys if keys.count(key) > 1}):
        errors.append(_("指标代码「%(key)s」重复") % {"key": key})
    for node in nodes:
        if node.pk not in by_parent and node.scale_max <= node.scale_min:
            errors.append(_("「%(name)s」的量表上限须大于下限") % {"name": node.name})
    return errors


def check_tree(system: IndicatorSystem) -> None:
    errors = tree_errors(list(system.indicators.all()))
    if errors:
        raise TreeError(errors)


def indicator_document(system: IndicatorSystem) -> list[dict]:
    """The tree as `engines.scoring` reads it (shared/specs/evaluation.md)."""
    nodes = ordered(list(system.indicators.all()))
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def build(node: Indicator) -> dict:
        item = {"id": node.key, "weight": float(node.weight)}
        if children.get(node.pk):
            item["children"] = [build(child) for child in children[node.pk]]
        else:
            item["scale"] = [node.scale_min, node.scale_max]
        return item

    return [build(node) for node in children.get(None, [])]


@transaction.atomic
def copy_system(system: IndicatorSystem, *, year: int, name: str | None = None, scope, actor):
    """A new, unlocked version of a tree — the way to change a locked one: the same year's
    next version, or next year's first — with its default roles (a campaign's own roles
    stay with the surveys that used them). Audited on the copy, naming its source."""
    from dangke.evaluation.rules import may_manage_evaluation

    if not may_manage_evaluation(scope, system.region_id):
        raise PermissionDenied(_("只有所在区划的管理员可以修改评价设置"))
    copy = IndicatorSystem.objects.create(
        name=name or system.name,
        region=system.region,
        year=year,
        description=system.description,
        follow_up_days=system.follow_up_days,
        follow_up_window_days=system.follow_up_window_days,
        copied_from=system,
    )
    mapping: dict[int, Indicator] = {}
    for node in ordered(list(system.indicators.all())):
        mapping[node.pk] = Indicator.objects.create(
            system=copy,
            parent=mapping[node.parent_id] if node.parent_id else None,
            key=node.key,
            name=node.name,
            weight=node.weight,
            scale_min=node.scale_min,
            scale_max=node.scale_max,
            follow_up=node.follow_up,
            position=node.position,
        )
    for role in system.rater_roles.filter(campaign__isnull=True).prefetch_related("asked"):
        new_role = RaterRole.objects.create(
            system=copy, kind=role.kind, weight=role.weight, min_n=role.min_n
        )
        new_role.asked.set([mapping[leaf.pk] for leaf in role.asked.all()])
    _audit_created(copy, actor, _("复制为新版本"), source=system.full_label, field="copied_from")
    return copy


# --- changes: the one door --------------------------------------------------------------------
# Scores read the tree and the rater roles as they are now, so a system that a survey has used
# must not change under its answers: every change goes through these functions, which check
# who may change it, refuse a locked system (copy it to a new version instead), and audit each
# value changed, old and new.

EDITABLE_FIELDS = ("name", "weight", "scale_min", "scale_max", "follow_up")


class SystemLocked(PermissionDenied):
    def __init__(self):
        super().__init__(_("该指标体系已有测评使用，不能修改；请复制为新版本"))


def ensure_changeable(system: IndicatorSystem, scope) -> None:
    """Raise unless `scope` may change `system` now: before a form is read, and again
    under the row lock by every change below."""
    from dangke.evaluation.rules import may_manage_evaluation

    if not may_manage_evaluation(scope, system.region_id):
        raise PermissionDenied(_("只有所在区划的管理员可以修改评价设置"))
    if system.is_locked:
        raise SystemLocked()


def _open_for_change(system: IndicatorSystem, scope) -> IndicatorSystem:
    """The system's row, locked for this transaction, when `scope` may change it now."""
    current = (
        IndicatorSystem.objects.unscoped("re-read under lock: the system held")
        .select_for_update()
        .get(pk=system.pk)
    )
    ensure_changeable(current, scope)
    return current


def _audit(system, actor, field: str, old, new, reason: str) -> None:
    from dangke.core.models import AuditEntry
    from dangke.core.services import record_audit

    record_audit(
        system, actor=actor, action=AuditEntry.Action.UPDATE, field=field,
        from_value=old, to_value=new, reason=reason,
    )  # fmt: skip


def weight_changes(system: IndicatorSystem) -> list[dict]:
    """Every weight of `system` — each indicator's, then each default rater role's — as the
    audit log's list of changes of a new system (label, to)."""
    changes = [
        {"label": _("%(name)s（%(key)s）权重") % {"name": row.node.name, "key": row.node.key},
         "from": "", "to": str(row.node.weight)}
        for row in tree_rows(system)
    ]  # fmt: skip
    for role in system.rater_roles.filter(campaign__isnull=True):
        changes.append(
            {"label": _("%(role)s权重") % {"role": role.get_kind_display()}, "from": "",
             "to": str(role.weight)}
        )  # fmt: skip
    return changes


def _audit_created(system, actor, reason: str, *, source: str = "", field="version") -> None:
    from dangke.core.models import AuditEntry
    from dangke.core.services import record_audit

    record_audit(
        system, actor=actor, action=AuditEntry.Action.CREATE, field=field,
        from_value=source, to_value=system.full_label, reason=reason,
        changes=weight_changes(system),
    )  # fmt: skip


@transaction.atomic
def edit_tree(system: IndicatorSystem, edited: list[Indicator], *, scope, actor) -> int:
    """Save the typed names, weights, scales and follow-up flags of `edited` (the system's
    nodes, changed in memory) when every sibling group adds up to 1; returns how many values
    changed. Raises TreeError with every problem, SystemLocked, or PermissionDenied."""
    system = _open_for_change(system, scope)
    stored = {node.pk: node for node in system.indicators.all()}
    if {node.pk for node in edited} != set(stored):
        raise TreeError([_("指标已被他人修改，请刷新后重试")])
    errors = tree_errors(edited)
    if errors:
        raise TreeError(errors)
    changed = 0
    for node in edited:
        before = stored[node.pk]
        fields = [f for f in EDITABLE_FIELDS if getattr(before, f) != getattr(node, f)]
        if not fields:
            continue
        node.save(update_fields=fields)
        for field in fields:
            _audit(system, actor, f"{node.key}.{field}", getattr(before, field),
                   getattr(node, field), _("修改指标与权重"))  # fmt: skip
        changed += len(fields)
    return changed


@transaction.atomic
def add_indicator(
    system: IndicatorSystem, *, parent: Indicator | None, key: str, name: str, scope, actor
) -> Indicator:
    """A new indicator of weight 0 under `parent` (the office then balances its group)."""
    system = _open_for_change(system, scope)
    if not name or not key or not key.replace("_", "").isalnum() or not key.isascii():
        raise TreeError([_("请填写指标名称和英文代码（字母、数字、下划线）")])
    if system.indicators.filter(key=key).exists():
        raise TreeError([_("指标代码「%(key)s」已存在") % {"key": key}])
    if parent is not None and parent.system_id != system.pk:
        raise TreeError([_("上级指标不属于该指标体系")])
    last = system.indicators.order_by("-position").first()
    node = Indicator.objects.create(
        system=system, parent=parent, key=key, name=name, weight=Decimal(0),
        position=(last.position + 1) if last else 0,
    )  # fmt: skip
    _audit(system, actor, key, "", f"{name}（0）", _("添加指标"))
    return node


@transaction.atomic
def remove_indicator(system: IndicatorSystem, node: Indicator, *, scope, actor) -> None:
    """Delete an indicator and those below it."""
    system = _open_for_change(system, scope)
    if node.system_id != system.pk:
        raise TreeError([_("该指标不属于该指标体系")])
    removed = _with_descendants(node, list(system.indicators.all()))
    old = "、".join(f"{item.name}（{item.weight}）" for item in removed)
    _audit(system, actor, node.key, old, "", _("删除指标及其下级"))
    node.delete()


def _with_descendants(node: Indicator, nodes: list[Indicator]) -> list[Indicator]:
    """`node` and every node below it, in tree order."""
    inside = {node.pk}
    for item in ordered(nodes):  # a parent comes before its children
        if item.parent_id in inside:
            inside.add(item.pk)
    return [item for item in ordered(nodes) if item.pk in inside]


@dataclass(frozen=True)
class RoleSetting:
    weight: Decimal
    min_n: int
    asked: frozenset[int]  # leaf ids; empty means every leaf


@transaction.atomic
def set_roles(
    system: IndicatorSystem, settings: dict[int, RoleSetting], *, campaign=None, scope, actor
) -> int:
    """Each rater role's weight, minimum answers and the leaves it is asked, for the system's
    defaults or a campaign's own set; returns how many values changed."""
    system = _open_for_change(system, scope)
    roles = {role.pk: role for role in system.rater_roles.filter(campaign=campaign)}
    if set(settings) != set(roles):
        raise TreeError([_("评价主体已被他人修改，请刷新后重试")])
    leaves = frozenset(leaf.pk for leaf in leaves_of(system))
    errors = []
    for pk, setting in settings.items():
        label = roles[pk].get_kind_display()
        if setting.min_n < 1:
            errors.append(_("「%(role)s」的最少答卷数须为正整数") % {"role": label})
        if not Decimal(0) <= setting.weight <= Decimal(1):
            errors.append(_("「%(label)s」的权重须在 0 到 1 之间") % {"label": label})
        elif setting.weight != setting.weight.quantize(ROLE_WEIGHT_PLACES):
            # stored with three places: a fourth would be rounded away unseen
            errors.append(_("「%(label)s」的权重最多三位小数") % {"label": label})
        if not setting.asked <= leaves:
            errors.append(_("「%(role)s」询问的指标不属于该体系") % {"role": label})
    if errors:
        raise TreeError(errors)
    changed = 0
    # A campaign's own set is named, so its entries are not read as the defaults'.
    whose = _("专项活动「%(name)s」") % {"name": campaign.name} if campaign else ""
    for pk, setting in settings.items():
        role = roles[pk]
        asked = setting.asked or leaves
        before_asked = frozenset(role.asked.values_list("pk", flat=True)) or leaves
        weight = setting.weight.quantize(ROLE_WEIGHT_PLACES)
        for field, old, new in (
            ("weight", role.weight, weight),
            ("min_n", role.min_n, setting.min_n),
        ):
            if old != new:
                _audit(system, actor, f"{role.kind}.{field}", old, new,
                       whose + _("修改评价主体权重"))  # fmt: skip
                changed += 1
        role.weight, role.min_n = weight, setting.min_n
        role.save(update_fields=["weight", "min_n"])
        if asked != before_asked:
            _audit(system, actor, f"{role.kind}.asked", _asked_label(before_asked, leaves),
                   _asked_label(asked, leaves), whose + _("修改评价主体询问的指标"))  # fmt: skip
            role.asked.set([] if asked == leaves else asked)  # none stored: every leaf
            changed += 1
    return changed


def _asked_label(asked: frozenset[int], leaves: frozenset[int]) -> str:
    return _("全部") if asked == leaves else _("%(n)s 项") % {"n": len(asked)}


@transaction.atomic
def create_campaign_roles(system: IndicatorSystem, campaign, *, scope, actor) -> list[RaterRole]:
    """A campaign's own set of rater roles, copied from the defaults (not on a used system:
    its surveys were scored with the defaults)."""
    from dangke.core.models import AuditEntry
    from dangke.core.services import record_audit

    system = _open_for_change(system, scope)
    roles = create_default_roles(system, campaign)
    record_audit(
        system, actor=actor, action=AuditEntry.Action.UPDATE, field="campaign",
        to_value=campaign.name, reason=_("为专项活动建立评价主体设置"),
        changes=[
            {"label": _("%(role)s权重") % {"role": role.get_kind_display()}, "from": "",
             "to": str(role.weight)}
            for role in roles
        ],
    )  # fmt: skip
    return roles
