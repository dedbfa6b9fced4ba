"""A check's result kept in the import's record (JSON), and read back for the page."""

from __future__ import annotations

from datetime import date
from typing import Any

from rekruttering.domain.funnel import Outcome
from rekruttering.domain.import_rows import Field, ParsedRow, Problem, ProblemCode
from rekruttering.imports.service import Preview, RowReport


def _problem(data: dict[str, Any]) -> Problem:
    return Problem(
        Field(data["field"]), ProblemCode(data["code"]), data.get("value", ""), data.get("other")
    )


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "field": problem.field.value,
        "code": problem.code.value,
        "value": problem.value,
        "other": problem.other_row,
    }


def report_dict(report: RowReport) -> dict[str, Any]:
    return {"row": report.row, "problems": [problem_dict(p) for p in report.problems]}


def report_from_dict(data: dict[str, Any]) -> RowReport:
    return RowReport(data["row"], [_problem(p) for p in data["problems"]])


def to_dict(result: Preview) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "problem_rows": result.problem_rows,
        "listed": [report_dict(r) for r in result.listed],
        "new_people": result.new_people,
        "existing_people": result.existing_people,
        "contacts": result.contacts,
        "sample": [
            {
                "first_name": row.first_name,
                "last_name": row.last_name,
                "phone": row.phone,
                "language": row.language,
                "outcome": row.outcome.value if row.outcome else None,
                "occurred_on": row.occurred_on.isoformat() if row.occurred_on else None,
            }
            for row in result.sample
        ],
    }


def from_dict(data: dict[str, Any]) -> Preview:
    return Preview(
        rows=data["rows"],
        problem_rows=data["problem_rows"],
        listed=[RowReport(r["row"], [_problem(p) for p in r["problems"]]) for r in data["listed"]],
        new_people=data["new_people"],
        existing_people=data["existing_people"],
        contacts=data["contacts"],
        sample=[
            ParsedRow(
                first_name=s["first_name"],
                last_name=s["last_name"],
                phone=s["phone"],
                language=s["language"],
                outcome=Outcome(s["outcome"]) if s["outcome"] else None,
                occurred_on=date.fromisoformat(s["occurred_on"]) if s["occurred_on"] else None,
            )
            for s in data["sample"]
        ],
    )
