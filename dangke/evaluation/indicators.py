"""Indicator systems: the shipped default, checking a tree, effective weights, copies, and
the plain-data form `engines.scoring` reads.

The seeds' three dimensions are the default (seed 004: 教学内容 — 理论深度/实践价值/案例时效性,
教学方法 — 互动性/趣味性/多媒体运用, 教学效果 — 知识掌握/行为改变/工作影响). 行为改变 and 工作影响
cannot be judged on the day and are asked in the follow-up survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
WEIGHT_TOLERANCE = Decimal("0.00005")  # a sibling group typed as 0.3333 ×2 + 0.3334 passes


class TreeError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


@transaction.atomic
def create_default_system(region, year: int) -> IndicatorSystem:
    """The seeds' indicator system for a region and year, with the default rater roles."""
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
    return system


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
        system = IndicatorSystem.objects.filter(region_id=code, year=year).order_by("-id").first()
        if system:
            return system
    owner = region
    while owner.parent_id and owner.level > RegionLevel.COUNTY:
        owner = owner.parent
    return create_default_system(owner, year)


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
def copy_system(system: IndicatorSystem, *, year: int, name: str | None = None):
    """A new, unlocked version of a tree (e.g. next year's), with its default roles."""
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
    return copy
