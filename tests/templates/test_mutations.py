"""Each template rule fails when the property it guards is taken away.

Every case mutates a copy of the parsed sources (template.yaml, openapi.yaml, waf.yaml, monitoring.yaml),
translates it again and expects the named check to raise AssertionError. A check that passes on a broken
template would be decoration; this suite is what makes the other one honest.
"""

import pytest

from tests.templates.rules import CHECKS, MUTATIONS
from tests.templates.rules.contracts import check_no_literals
from tests.templates.stack import SOURCE_FILES, load_sources, read, translate


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_check_fails_when_property_removed(case: str) -> None:
    mutate, check = MUTATIONS[case]
    sources = load_sources()
    mutate(sources)
    stack = translate(sources)
    with pytest.raises((AssertionError, KeyError, StopIteration)):
        check(stack)


def test_every_check_has_a_mutation() -> None:
    covered = {check for _, check in MUTATIONS.values()}
    assert set(CHECKS) <= covered, [check.__name__ for check in set(CHECKS) - covered]


@pytest.mark.parametrize(
    "literal",
    ["arn:aws:s3:::bucket", "arn:aws-cn:iam::", "123456789012", "eu-west-1", "us-east-2", "ap-southeast-1"],
)
def test_literal_check_fails_on_literals(literal: str) -> None:
    texts = {name: read(name) for name in SOURCE_FILES}
    texts["template.yaml"] += f"\n# {literal}\n"
    with pytest.raises(AssertionError):
        check_no_literals(texts)
