"""The busiest routes read their own requests; FastAPI still documents them from their signatures.

Per request, FastAPI matches the path against every route of every included router (twice for
the router that has it), reads the body, parses its content type, solves the endpoint's
dependency tree (cache keys, scopes, security schemes, one coroutine per dependency) and
validates each parameter: on the sync push and the check-in that cost more CPU than all of the
route's own work but the database. Such an endpoint gets a *reader* (:func:`reads`): a function
of the request that resolves the same parameters with the same dependency functions and models
(the helpers here), and calls the endpoint with them. :func:`first_routes` makes a plain route
of each reader, which the app tries before any other; the endpoint's own route stays where it
was declared, for the OpenAPI document. A reader's paths must be matched by no other route with
its methods (they are tried first).

What a reader answers is what FastAPI would: a body that is not JSON is ``json_invalid``, a body
or parameter that does not validate is a :class:`RequestValidationError` located as FastAPI
locates it (``("body", ...)``, ``("query", name)``), and the dependencies raise their own errors.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match, Route
from starlette.types import Scope

T = TypeVar("T")
Reader = Callable[[Request], Coroutine[Any, Any, Response]]
Errors = list[dict[str, Any]]

_READERS: dict[Callable[..., Any], Reader] = {}


def reads(endpoint: Callable[..., Awaitable[Response]]) -> Callable[[Reader], Reader]:
    """Register the decorated function as ``endpoint``'s reader."""

    def register(reader: Reader) -> Reader:
        _READERS[endpoint] = reader
        return reader

    return register


class ReaderRoute(Route):
    """A reader's route. It names itself in the scope, as FastAPI's routes do (the metrics label
    requests by the matched route's path template)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            child["route"] = self
        return match, child


def first_routes(prefix: str, routers: Iterable[APIRouter]) -> list[Route]:
    """A route for each endpoint of ``routers`` (included under ``prefix``) that has a reader."""
    found = [r for router in routers for r in router.routes if isinstance(r, APIRoute) and r.endpoint in _READERS]
    return [
        ReaderRoute(prefix + r.path, _READERS[r.endpoint], methods=sorted(r.methods or ()), include_in_schema=False)
        for r in found
    ]


class Missing:
    """No body was sent."""


MISSING = Missing()


def _is_json(content_type: str | None) -> bool:
    """FastAPI's test: ``application/json`` or ``application/*+json``, parameters ignored."""
    if not content_type:
        return False
    main, _, sub = content_type.partition(";")[0].strip().lower().partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def read_json(request: Request) -> Any:
    """The body as FastAPI reads a JSON body: the standard ``json`` module (which lets a lone
    surrogate through, for the domain's text rule to refuse), :data:`MISSING` when empty, and
    the raw bytes when the content type is not JSON (they then fail validation, as in FastAPI)."""
    raw = await request.body()
    if not raw:
        return MISSING
    if not _is_json(request.headers.get("content-type")):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**error, "ctx": {"error": exc.msg}}], body=exc.doc) from exc
    except (ValueError, RecursionError) as exc:  # not UTF-8 (nor UTF-16/32), or nested too deep
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc


def validated(adapter: TypeAdapter[T], value: Any, loc: tuple[str, ...], errors: Errors) -> T | None:
    """``value`` validated by ``adapter`` as FastAPI validates a parameter, or None with its errors
    (located under ``loc``) added to ``errors``."""
    try:
        return adapter.validate_python(value, from_attributes=True)
    except ValidationError as exc:
        errors.extend({**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False))
        return None


def body_value(adapter: TypeAdapter[T], value: Any, errors: Errors, *, required: bool) -> T | None:
    """A body read by :func:`read_json`, validated as FastAPI validates a lone body parameter."""
    if value is MISSING:
        if required:
            errors.append({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
        return None
    return validated(adapter, value, ("body",), errors)


def query_value(request: Request, name: str, adapter: TypeAdapter[T], errors: Errors) -> T | None:
    """An optional query parameter (the last of its name, as FastAPI takes it), or None when absent."""
    text = request.query_params.get(name)
    return None if text is None else validated(adapter, text, ("query", name), errors)


def raise_errors(errors: Errors) -> None:
    if errors:
        raise RequestValidationError(errors)
