"""Order statistics for small and large samples (nearest-rank, so every figure is an observed value)."""

import math
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest observed value with at least `pct`% of values at or below."""
    if not values:
        raise ValueError("percentile of an empty sample")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile_ci(values: Sequence[float], pct: float, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the `pct` percentile: the order statistics at the ranks that
    the binomial count of values below it, B(n, pct/100), reaches at either tail (normal approximation,
    widened outward to whole ranks). A small sample gives its extremes."""
    if not values:
        raise ValueError("percentile of an empty sample")
    ordered = sorted(values)
    n, p = len(ordered), pct / 100
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(n * p * (1 - p))
    low = max(1, math.floor(n * p - half))
    high = min(n, math.ceil(n * p + half) + 1)
    return ordered[low - 1], ordered[high - 1]


def ratio_ci(
    numerator: Sequence[float],
    denominator: Sequence[float],
    statistic: Callable[[Sequence[float]], float],
    confidence: float = 0.95,
    resamples: int = 1000,
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of statistic(numerator) / statistic(denominator): both
    samples resampled with replacement, a fixed seed so a report is reproducible from its raw samples."""
    rng = random.Random(0)  # noqa: S311 - resampling, not secrecy
    ratios = sorted(
        statistic(rng.choices(numerator, k=len(numerator)))
        / statistic(rng.choices(denominator, k=len(denominator)))
        for _ in range(resamples)
    )
    tail = (1 - confidence) / 2
    return ratios[int(tail * resamples)], ratios[min(resamples - 1, math.ceil((1 - tail) * resamples) - 1)]
