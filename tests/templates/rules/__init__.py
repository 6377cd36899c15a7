"""The project's rules for its templates, one module per concern, each with the mutations that break them.

test_templates.py runs every check on the real templates; test_mutations.py applies every mutation to a copy
and expects its check to fail, so that no rule passes by accident.
"""

from tests.templates.rules import (
    api,
    codedeploy_role,
    contracts,
    custom_domain,
    data,
    deployments,
    edge,
    functions,
    iam,
    monitoring,
    stage_deployment,
    tracing,
    waf_capacity,
    waf_query,
    waf_query_arguments,
)
from tests.templates.rules.base import Check, Mutations

MODULES = (
    api,
    functions,
    deployments,
    codedeploy_role,
    iam,
    edge,
    data,
    monitoring,
    contracts,
    stage_deployment,
    waf_query,
    waf_query_arguments,
    waf_capacity,
    custom_domain,
    tracing,
)
CHECKS: list[Check] = [check for module in MODULES for check in module.CHECKS]
MUTATIONS: Mutations = {case: mutation for module in MODULES for case, mutation in module.MUTATIONS.items()}
