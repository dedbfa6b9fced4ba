"""The OpenAPI 3 document of the API, written by hand and kept honest by tests.

tests/test_api_openapi.py checks that every route under /api/v1 is described here
with its parameters (and nothing else is), and the schemathesis run in
tests/test_api_fuzz.py sends generated requests from this document to the app and
checks the answers against it.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.models.outreach import ChannelKind

BASE_PATH = "/api/v1"
MAX_ID = 2**31 - 1


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """An input field that may be null (the same as leaving it out)."""
    return {**schema, "nullable": True}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
DAY = {"type": "string", "format": "date"}
NULLABLE_ID = {"type": "integer", "nullable": True}

PAGING = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
]

COMMON_ERRORS = {
    "400": _error("Bad input: the message, and a message per field"),
    "401": _error("No valid API token"),
    "403": _error("The token does not give access"),
}


def _page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "existing_person_id": {"type": "integer"},
                },
            }
        },
    },
    "Person": {
        "type": "object",
        "required": ["id", "first_name", "last_name", "phone", "language", "anonymised"],
        "properties": {
            "id": {"type": "integer"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "phone": {
                "type": "string",
                "nullable": True,
                "description": "E.164, such as +4791234567",
            },
            "language": {"type": "string"},
            "target_group": {"type": "string", "nullable": True},
            "recruited_by_id": NULLABLE_ID,
            "created_at": TIME,
            "last_activity_at": TIME,
            "anonymised": {"type": "boolean"},
        },
    },
    "Enrolment": {
        "type": "object",
        "required": ["activity_id", "role", "stage", "attendance_count"],
        "properties": {
            "activity_id": {"type": "integer"},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "stage": {"type": "string", "enum": [s.value for s in Stage]},
            "heard_at": NULLABLE_TIME,
            "asked_at": NULLABLE_TIME,
            "showed_up_at": NULLABLE_TIME,
            "regular_at": NULLABLE_TIME,
            "declined_at": NULLABLE_TIME,
            "not_now_at": NULLABLE_TIME,
            "attendance_count": {"type": "integer"},
        },
    },
    "PersonDetail": {
        "allOf": [
            _ref("Person"),
            {
                "type": "object",
                "required": ["enrolments"],
                "properties": {"enrolments": {"type": "array", "items": _ref("Enrolment")}},
            },
        ]
    },
    "PersonInput": {
        "type": "object",
        "required": ["first_name"],
        "additionalProperties": False,
        "description": "Optional fields may be left out or sent as null.",
        "properties": {
            "first_name": {"type": "string", "minLength": 1, "maxLength": 80},
            "last_name": _optional({"type": "string", "maxLength": 80}),
            "phone": _optional(
                {
                    "type": "string",
                    "maxLength": 40,
                    "description": "Any common form: 912 34 567, +47 912 34 567, 0047 …",
                }
            ),
            "language": _optional({"type": "string", "maxLength": 10, "default": "nb"}),
            "target_group": _optional({"type": "string", "maxLength": 40}),
            "recruited_by_id": _optional(ID_SCHEMA),
        },
    },
    "Contact": {
        "type": "object",
        "required": ["id", "person_id", "role", "outcome", "occurred_at"],
        "properties": {
            "id": {"type": "integer"},
            "person_id": {"type": "integer"},
            "activity_id": NULLABLE_ID,
            "channel_id": NULLABLE_ID,
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "outcome": {"type": "string", "enum": [o.value for o in Outcome]},
            "occurred_at": TIME,
            "by_user_id": NULLABLE_ID,
            "recruited_by_id": NULLABLE_ID,
            "follow_up_on": {"type": "string", "format": "date", "nullable": True},
        },
    },
    "ContactInput": {
        "type": "object",
        "required": ["person_id", "outcome"],
        "additionalProperties": False,
        "description": "Optional fields may be left out or sent as null.",
        "properties": {
            "person_id": ID_SCHEMA,
            "outcome": {"type": "string", "enum": [o.value for o in Outcome]},
            "activity_id": _optional(ID_SCHEMA),
            "channel_id": _optional(ID_SCHEMA),
            "role": _optional(
                {
                    "type": "string",
                    "enum": [*(r.value for r in Role), None],
                    "default": "participant",
                }
            ),
            "occurred_at": _optional({**TIME, "description": "With a time zone; default now"}),
            "note": _optional({"type": "string", "maxLength": 2000}),
            "follow_up_on": _optional(DAY),
            "recruited_by_id": _optional(ID_SCHEMA),
            "idempotency_key": _optional(
                {
                    "type": "string",
                    "maxLength": 64,
                    "description": "The same key twice logs one contact (safe retries)",
                }
            ),
        },
    },
    "Activity": {
        "type": "object",
        "required": ["id", "name", "slug", "active"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "target_group": {"type": "string", "nullable": True},
            "capacity": {"type": "integer", "nullable": True},
            "signup_required": {"type": "boolean"},
            "active": {"type": "boolean"},
            "season_start": {"type": "string", "format": "date", "nullable": True},
            "season_end": {"type": "string", "format": "date", "nullable": True},
        },
    },
    "Session": {
        "type": "object",
        "required": ["id", "activity_id", "starts_at", "ends_at", "cancelled"],
        "properties": {
            "id": {"type": "integer"},
            "activity_id": {"type": "integer"},
            "starts_at": TIME,
            "ends_at": TIME,
            "place": {"type": "string"},
            "cancelled": {"type": "boolean"},
        },
    },
    "Channel": {
        "type": "object",
        "required": ["id", "name", "kind", "active"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in ChannelKind]},
            "active": {
                "type": "boolean",
                "description": "False for a retired channel (kept for history)",
            },
            "partner_id": NULLABLE_ID,
            "note": {"type": "string"},
        },
    },
    "ChannelInput": {
        "type": "object",
        "required": ["name", "kind"],
        "additionalProperties": False,
        "properties": {
            "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 120,
                "description": "Unique in the centre in any letter case",
            },
            "kind": {
                "type": "string",
                "enum": [k.value for k in ChannelKind if k != ChannelKind.PARTNER],
                "description": "Partner channels are made by adding a partner",
            },
            "note": _optional({"type": "string", "maxLength": 500}),
        },
    },
    "ChannelList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("Channel")}},
    },
    "PersonPage": _page_of("Person"),
    "SessionPage": _page_of("Session"),
    "ActivityList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("Activity")}},
    },
}

PATHS: dict[str, Any] = {
    "/people": {
        "get": {
            "operationId": "listPeople",
            "summary": "Find people of the token's centre",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "description": "Name, phone in any common form, or language",
                    "schema": {"type": "string", "maxLength": 100},
                },
                *PAGING,
            ],
            "responses": {"200": _json(_ref("PersonPage"), "A page of people"), **COMMON_ERRORS},
        },
        "post": {
            "operationId": "createPerson",
            "summary": "Add a person",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("PersonInput")}},
            },
            "responses": {
                "201": _json(_ref("Person"), "Created"),
                **COMMON_ERRORS,
                "409": _error("A person with this phone exists (see existing_person_id)"),
                "415": _error("The body is not JSON"),
            },
        },
    },
    "/people/{person_id}": {
        "get": {
            "operationId": "getPerson",
            "summary": "One person, with their stage in each activity",
            "parameters": [
                {"name": "person_id", "in": "path", "required": True, "schema": ID_SCHEMA}
            ],
            "responses": {
                "200": _json(_ref("PersonDetail"), "The person"),
                **COMMON_ERRORS,
                "404": _error("No such person in the token's centre"),
            },
        }
    },
    "/contacts": {
        "post": {
            "operationId": "logContact",
            "summary": "Log an outreach contact; moves the person's stage forward",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ContactInput")}},
            },
            "responses": {
                "201": _json(_ref("Contact"), "Logged (or the earlier one, same key)"),
                **COMMON_ERRORS,
                "415": _error("The body is not JSON"),
            },
        }
    },
    "/channels": {
        "get": {
            "operationId": "listChannels",
            "summary": "The centre's channels (the channel_id of a contact)",
            "responses": {"200": _json(_ref("ChannelList"), "All channels"), **COMMON_ERRORS},
        },
        "post": {
            "operationId": "createChannel",
            "summary": "Add a channel (admin tokens only)",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ChannelInput")}},
            },
            "responses": {
                "201": _json(_ref("Channel"), "Created"),
                **COMMON_ERRORS,
                "409": _error("A channel with this name exists (in any letter case)"),
                "415": _error("The body is not JSON"),
            },
        },
    },
    "/activities": {
        "get": {
            "operationId": "listActivities",
            "summary": "The centre's activities",
            "responses": {"200": _json(_ref("ActivityList"), "All activities"), **COMMON_ERRORS},
        }
    },
    "/activities/{activity_id}/sessions": {
        "get": {
            "operationId": "listSessions",
            "summary": "Sessions of an activity, by start time",
            "parameters": [
                {"name": "activity_id", "in": "path", "required": True, "schema": ID_SCHEMA},
                {
                    "name": "from",
                    "in": "query",
                    "required": False,
                    "description": "First day (Oslo), inclusive",
                    "schema": DAY,
                },
                {
                    "name": "to",
                    "in": "query",
                    "required": False,
                    "description": "Last day (Oslo), inclusive",
                    "schema": DAY,
                },
                *PAGING,
            ],
            "responses": {
                "200": _json(_ref("SessionPage"), "A page of sessions"),
                **COMMON_ERRORS,
                "404": _error("No such activity in the token's centre"),
            },
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "rekruttering API",
        "version": "1",
        "description": (
            "People, contacts, channels, activities and sessions of one centre. Authenticate with a "
            "personal API token (made on the API tokens page or with `rekruttering "
            "create-api-token`) sent as `Authorization: Bearer <token>`. Errors are JSON: "
            '`{"error": {"status", "message", "fields"}}`.'
        ),
    },
    "servers": [{"url": BASE_PATH}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
    },
}


def openapi_document() -> dict[str, Any]:
    """A copy of the document (callers may change theirs)."""
    return deepcopy(DOCUMENT)
