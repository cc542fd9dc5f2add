"""The indicator tree (指标体系): validation and the effective weight of each leaf."""

import math
from dataclasses import dataclass

from engines.scoring.errors import ScoringError

DEFAULT_SCALE = (1.0, 5.0)
# Sibling weights are typed by people into a form; 1e-9 forgives float noise, not typos.
WEIGHT_TOLERANCE = 1e-9


def is_number(value) -> bool:
    # bool is an int in Python, but True is not a rating.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Leaf:
    id: str
    path: tuple[str, ...]
    weight: float  # effective weight W: the product of the weights on the path
    lo: float
    hi: float

    @property
    def dimension(self) -> str:
        return self.path[0]

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    def to_percent(self, x: float) -> float:
        return 100.0 * (x - self.lo) / (self.hi - self.lo)


@dataclass(frozen=True)
class IndicatorTree:
    leaves: dict[str, Leaf]  # in document order
    dimensions: tuple[str, ...]  # ids of the top-level nodes

    def explain(self) -> list[dict]:
        return [
            {"id": leaf.id, "path": list(leaf.path), "weight": leaf.weight,
             "scale": [leaf.lo, leaf.hi]}
            for leaf in self.leaves.values()
        ]  # fmt: skip


def parse_indicators(nodes) -> IndicatorTree:
    """Check the whole tree and return its leaves; raise ScoringError listing every problem."""
    errors: list[str] = []
    leaves: dict[str, Leaf] = {}
    seen: set[str] = set()

    def walk(siblings, parent_path: tuple[str, ...], parent_weight: float) -> None:
        where = f"children of {parent_path[-1]!r}" if parent_path else "top-level indicators"
        if not isinstance(siblings, list) or not siblings:
            errors.append(f"{where}: expected a non-empty list")
            return
        total = 0.0
        weights_ok = True
        for position, node in enumerate(siblings):
            label = f"{where}[{position}]"
            if not isinstance(node, dict):
                errors.append(f"{label}: expected an object")
                continue
            node_id = node.get("id")
            if not isinstance(node_id, str) or not node_id:
                errors.append(f"{label}: missing id")
                continue
            label = f"indicator {node_id!r}"
            if node_id in seen:
                errors.append(f"{label}: duplicate id")
            seen.add(node_id)
            weight = node.get("weight")
            if not is_number(weight) or weight < 0:
                errors.append(f"{label}: weight must be a number ≥ 0, got {weight!r}")
                weights_ok = False
                continue
            total += weight
            path = (*parent_path, node_id)
            children = node.get("children")
            if children is not None:
                if "scale" in node:
                    errors.append(f"{label}: a node with children has no scale")
                walk(children, path, parent_weight * weight)
                continue
            scale = node.get("scale", list(DEFAULT_SCALE))
            if (
                not isinstance(scale, list | tuple)
                or len(scale) != 2
                or not all(is_number(v) for v in scale)
                or scale[0] >= scale[1]
            ):
                errors.append(f"{label}: scale must be [lo, hi] with lo < hi, got {scale!r}")
                continue
            leaves[node_id] = Leaf(
                node_id, path, parent_weight * weight, float(scale[0]), float(scale[1])
            )
        if weights_ok and abs(total - 1.0) > WEIGHT_TOLERANCE:
            errors.append(f"{where}: weights sum to {total:.12g}, not 1")

    walk(nodes, (), 1.0)
    if errors:
        raise ScoringError(errors)
    return IndicatorTree(leaves, tuple(node["id"] for node in nodes))
