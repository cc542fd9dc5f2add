"""The scoring basis (计分依据) of a survey: the indicator system's version, its tree and the
rater roles' weights as they were when the survey was opened, kept in `Survey.basis`.

Scores are computed from this snapshot, never from the live rows: a later change to the
system's roles or a campaign's own roles (or moving the lesson to another campaign) cannot
change a published score, and `dangke rescore` reproduces it (issue #25). The snapshot holds
exactly what `engines.scoring` reads of the system — `indicators` and `roles` — plus the
roles as the office set them (the rating forms ask from it) and the version's name.

The follow-up. Effect indicators are asked weeks later, of the same attendees and the
organisation's secretary. Pooled with the day's answers, a follow-up sheet would answer
under half of the weight its role is asked and be excluded by step 1 of the formula; so
each role is split into its on-the-day part and its follow-up part, each asked its own
leaves, with the role's weight shared between them in proportion to the effective weight
of those leaves. The on-the-day trainee part keeps the id `trainee`, so the publish
threshold counts the trainees who rated on the day.

Functions here read only fields and relations, so the data migration that filled the
snapshots of existing surveys could call them with its historical models.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from dangke.evaluation.indicators import indicator_document, tree_rows
from dangke.evaluation.models import RaterKind, full_version_label, version_label

FOLLOW_UP_SUFFIX = ".follow_up"


def engine_role_id(kind: str, follow_up: bool) -> str:
    return f"{kind}{FOLLOW_UP_SUFFIX}" if follow_up else kind


def rater_roles(system, campaign=None) -> list:
    """The roles that rate lessons of `campaign`: its own set, else the system's defaults."""
    roles = system.rater_roles.prefetch_related("asked")
    own = list(roles.filter(campaign=campaign)) if campaign else []
    return own or list(roles.filter(campaign__isnull=True))


def take_basis(system, campaign=None) -> dict:
    """The snapshot a survey of `system` (for a lesson of `campaign`) is scored with."""
    rows = tree_rows(system)
    leaves = [row for row in rows if row.is_leaf]
    weight_of = {row.node.pk: row.effective_weight for row in leaves}
    roles = rater_roles(system, campaign)
    set_roles, engine_roles = [], []
    for role in roles:
        asked = list(role.asked.all()) or [row.node for row in leaves]
        asked_ids = {leaf.pk for leaf in asked}
        set_roles.append(
            {
                "kind": role.kind,
                "weight": str(role.weight),
                "min_n": role.min_n,
                # in tree order, so a form asks them in the order the office sees them
                "asked": [row.node.key for row in leaves if row.node.pk in asked_ids],
            }
        )
        total = sum(weight_of[leaf.pk] for leaf in asked)
        for follow_up in (False, True):
            part = [leaf for leaf in asked if leaf.follow_up == follow_up]
            share = sum(weight_of[leaf.pk] for leaf in part)
            if not part or total <= 0 or share <= 0:
                continue
            engine_roles.append(
                {
                    "id": engine_role_id(role.kind, follow_up),
                    "weight": float(role.weight) * share / total,
                    "min_n": role.min_n,
                    "indicators": [leaf.key for leaf in part],
                }
            )
    own_set = campaign is not None and any(role.campaign_id for role in roles)
    return {
        "system": {
            "id": system.pk,
            "name": system.name,
            "year": system.year,
            "version": system.version,
        },
        "campaign": {"id": campaign.pk, "name": campaign.name} if own_set else None,
        "rater_roles": set_roles,
        "indicators": indicator_document(system),
        "roles": engine_roles,
    }


def survey_basis(survey) -> dict:
    """The basis `survey` (or its on-site survey) is scored with: its snapshot; a survey
    made some other way than `services.open_survey` falls back to the live rows."""
    main = survey.on_site
    if main.basis:
        return main.basis
    campaign = main.lesson.campaign if main.lesson_id else None
    return take_basis(main.system, campaign)


def result_basis(basis: dict) -> dict:
    """What a score result carries of its basis, so exports can name the version."""
    system = basis["system"]
    return {
        "system": system["id"],
        "name": system["name"],
        "year": system["year"],
        "version": system["version"],
        "campaign": basis["campaign"]["name"] if basis.get("campaign") else None,
        # a list, not an object: PostgreSQL's jsonb would reorder an object's keys
        "weights": [[role["kind"], role["weight"]] for role in basis["rater_roles"]],
    }


def basis_citation(basis: dict | None) -> str:
    """「计分依据：《党员教育课程评价指标》2026年版第2版（权重：参训学员 40%、组织方 15%…）」
    from a snapshot or from a result's `basis`; empty for a result computed before results
    carried it."""
    if not basis:
        return ""
    # a snapshot names its system by a dict, a result's basis by its id
    summary = result_basis(basis) if isinstance(basis["system"], dict) else basis
    # Translators: the separator between the rater roles of a list, e.g. 参训学员 40%、专家 20%
    weights = _("、").join(
        f"{_role_name(kind)} {_percent(weight)}" for kind, weight in summary["weights"]
    )
    citation = _("计分依据：%(system)s（权重：%(weights)s）") % {
        "system": full_version_label(summary["name"], summary["year"], summary["version"]),
        "weights": weights,
    }
    if summary.get("campaign"):
        citation += _("，专项活动「%(name)s」的评价主体设置") % {"name": summary["campaign"]}
    return citation


def basis_version(basis: dict | None) -> str:
    """「2026年版第2版」 of a result's `basis`, for a column of many lessons."""
    if not basis:
        return ""
    return version_label(basis["year"], basis["version"])


def _role_name(kind: str) -> str:
    return str(RaterKind(kind).label) if kind in RaterKind.values else kind


def _percent(weight) -> str:
    value = (Decimal(str(weight)) * 100).normalize()
    return f"{value:f}%"
