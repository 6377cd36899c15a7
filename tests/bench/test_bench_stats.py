"""The spread `make bench` prints next to its headline ratios: intervals that hold what they claim."""

import random

from tools.bench.stats import median, percentile, percentile_ci, ratio_ci


def test_percentile_interval_brackets_the_estimate_and_narrows_with_more_values() -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible samples, not secrets
    values = [rng.expovariate(1.0) for _ in range(10_000)]
    low, high = percentile_ci(values, 99)
    assert low < percentile(values, 99) < high
    assert low < 4.605 < high  # the exponential's true p99, ln(100)
    small_low, small_high = percentile_ci(values[:1000], 99)
    assert small_high - small_low > high - low


def test_percentile_interval_of_a_tiny_sample_is_its_extremes() -> None:
    assert percentile_ci([3.0, 1.0, 2.0], 50) == (1.0, 3.0)


def test_ratio_interval_covers_the_true_ratio_about_as_often_as_claimed() -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible samples, not secrets
    covered = 0
    for _ in range(40):
        subject = [rng.gauss(200.0, 20.0) for _ in range(15)]
        baseline = [rng.gauss(100.0, 10.0) for _ in range(15)]
        low, high = ratio_ci(subject, baseline, median, resamples=300)
        assert low <= median(subject) / median(baseline) <= high
        covered += low <= 2.0 <= high
    assert covered >= 34  # 95 % nominal; 34 of 40 leaves room for the bootstrap's small-sample optimism
