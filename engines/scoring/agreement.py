"""Agreement between raters: Shrout & Fleiss (1979) intraclass correlations."""

from engines.scoring.errors import ScoringError
from engines.scoring.indicators import is_number


def _ratio(numerator: float, denominator: float) -> float | None:
    # All targets rated alike leaves nothing to correlate: undefined, not 0 or 1.
    return numerator / denominator if denominator != 0 else None


def icc(matrix: list[list[float | None]]) -> dict:
    """The six ICCs of a targets × raters matrix (two-way ANOVA, Shrout & Fleiss 1979).

    Rows are targets (lessons, contestants), columns raters (judges). A row with a missing
    rating (None) is dropped whole, since the two-way model needs a complete table.
    ICC1/ICC1k: one-way random; ICC2/ICC2k: two-way random, absolute agreement;
    ICC3/ICC3k: two-way mixed, consistency. The *k forms are the reliability of the mean
    of the k raters.
    """
    if not isinstance(matrix, list) or not all(isinstance(row, list) for row in matrix):
        raise ScoringError("matrix: expected a list of rows")
    widths = {len(row) for row in matrix}
    if len(widths) > 1:
        raise ScoringError(f"matrix: rows have different lengths {sorted(widths)}")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value is not None and not is_number(value):
                raise ScoringError(f"matrix[{i}][{j}]: expected a number or None, got {value!r}")
    rows = [[float(v) for v in row] for row in matrix if None not in row]
    n = len(rows)
    k = len(rows[0]) if rows else (widths.pop() if widths else 0)
    if n < 2 or k < 2:
        raise ScoringError(f"matrix: need at least 2 complete targets and 2 raters, got {n}×{k}")

    grand = sum(map(sum, rows)) / (n * k)
    row_means = [sum(row) / k for row in rows]
    col_means = [sum(row[j] for row in rows) / n for j in range(k)]
    ss_total = sum((v - grand) ** 2 for row in rows for v in row)
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    bms = ss_rows / (n - 1)  # between targets
    jms = ss_cols / (k - 1)  # between judges
    wms = (ss_total - ss_rows) / (n * (k - 1))  # within targets
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))  # residual
    return {
        "ICC1": _ratio(bms - wms, bms + (k - 1) * wms),
        "ICC2": _ratio(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC3": _ratio(bms - ems, bms + (k - 1) * ems),
        "ICC1k": _ratio(bms - wms, bms),
        "ICC2k": _ratio(bms - ems, bms + (jms - ems) / n),
        "ICC3k": _ratio(bms - ems, bms),
        "n_targets": n,
        "n_raters": k,
        "mean_squares": {"between_targets": bms, "between_raters": jms,
                         "within_targets": wms, "residual": ems},
    }  # fmt: skip
