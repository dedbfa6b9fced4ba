"""A schemathesis run of the JSON API, from its own OpenAPI document, in-process (WSGI).

Every operation gets generated requests, valid and invalid (positive and negative
mode), with a real token; no answer may be a server error, and every answer must
match the document (status code, content type, body schema). Bounded and
deterministic so `make test` runs it in seconds: a fixed number of examples per
operation, derandomised generation, no example database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from rekruttering.models import UserRole

MAX_EXAMPLES = 30

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _data(make: Any) -> tuple[str, dict[str, int]]:
    """A centre with people, an activity and sessions: an admin's token (so adding a
    channel is tried too, not only refused), and real ids."""
    centre = make.centre()
    people = [make.person(centre, first_name=f"Person{n}") for n in range(3)]
    activity = make.activity(centre, name="Språkkafe")
    make.session(activity, datetime(2026, 3, 5, 10, tzinfo=UTC))
    ids = {"person_id": people[0].id, "activity_id": activity.id}
    return make.api_token(centre, make.user(centre, role=UserRole.ADMIN)).plain, ids


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_fuzz_finds_no_server_error(app: Flask, make: Any, mode: GenerationMode) -> None:
    """Generated requests to every operation get documented answers, never a 5xx."""
    token, ids = _data(make)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    headers = {"Authorization": f"Bearer {token}"}
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    strategies = []
    for operation in operations:
        strategies.append(operation.as_strategy(generation_mode=mode))
        path_names = {p.name for p in operation.path_parameters}
        if path_names and mode == GenerationMode.POSITIVE:
            # Random ids are nearly always 404: also aim at objects that exist.
            real = {name: ids[name] for name in path_names}
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))
    for strategy in strategies:

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        run()
