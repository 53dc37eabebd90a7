"""The hand-written baseline of the host benchmarks: what a user would write by hand for the
two graphs, with FastAPI and SQLAlchemy (async; asyncpg or aiosqlite), jsonschema and PyJWT.
Nothing of Orchestrix is imported: its data store, executor and settings cost what they cost.
The checks are the graphs' checks: the same JSON Schemas, emails checked with email-validator.

    todo:   POST /todo    validate, INSERT INTO todos, 201 with the row
    signup: POST /signup  validate, INSERT INTO users (email UNIQUE), sign a JWT, 201

The database is ``BENCH_DATABASE_URL`` (postgresql:// or sqlite:///). Served by uvicorn:

    BENCH_DATABASE_URL=sqlite:///b.db .venv/bin/python -m uvicorn --factory \\
        benchmarks.bench_host_baseline:baseline_app
"""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import jsonschema
import jwt
from email_validator import EmailNotValidError, validate_email
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    event,
    insert,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SIGNUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
        "name": {"type": "string", "maxLength": 100},
    },
}

TODO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "priority": {"type": "string", "enum": ["low", "medium", "high"], "default": "medium"},
        "dueDate": {"type": "string", "format": "date"},
    },
}

metadata = MetaData()
todos = Table(
    "bench_todos",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("due_date", String(10)),
    Column("done", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
users = Table(
    "bench_users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def async_url(url: str) -> str:
    for prefix, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


def make_engine(url: str) -> AsyncEngine:
    """The engine a careful user writes: the same pool and SQLite settings as the host."""
    url = async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10)


#: Formats checked as the host checks them (``email`` with email-validator, as pydantic's
#: ``EmailStr`` does); jsonschema's own email check only looks for an ``@``.
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("email", raises=EmailNotValidError)
def _is_email(value: object) -> bool:
    if isinstance(value, str):
        validate_email(value, check_deliverability=False)
    return True


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        datetime.strptime(value, "%Y-%m-%d")
    return True


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def baseline_app() -> FastAPI:
    """The two endpoints (an ASGI factory for uvicorn)."""
    url = os.environ["BENCH_DATABASE_URL"]
    signup_validator = jsonschema.Draft202012Validator(SIGNUP_SCHEMA, format_checker=FORMATS)
    todo_validator = jsonschema.Draft202012Validator(TODO_SCHEMA, format_checker=FORMATS)
    state: dict[str, Any] = {"secret": secrets.token_urlsafe(32)}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all, checkfirst=True)
        state["engine"] = engine
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    def invalid(errors: list[Any]) -> JSONResponse:
        details = [{"field": ".".join(map(str, e.path)), "message": e.message} for e in errors]
        return JSONResponse({"error": "Validation failed", "details": details}, status_code=400)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/todo")
    async def todo(request: Request) -> JSONResponse:
        body = await request.json()
        errors = list(todo_validator.iter_errors(body))
        if errors:
            return invalid(errors)
        row = {
            "id": str(uuid.uuid4()),
            "title": body["title"],
            "priority": body.get("priority") or "medium",
            "due_date": body.get("dueDate"),
            "done": False,
            "created_at": datetime.now(UTC),
        }
        async with state["engine"].begin() as conn:
            await conn.execute(insert(todos).values(**row))
        return JSONResponse(
            {
                "id": row["id"],
                "title": row["title"],
                "priority": row["priority"],
                "dueDate": row["due_date"],
                "done": False,
                "createdAt": _iso(row["created_at"]),
            },
            status_code=201,
        )

    @app.post("/signup")
    async def signup(request: Request) -> JSONResponse:
        body = await request.json()
        errors = list(signup_validator.iter_errors(body))
        if errors:
            return invalid(errors)
        user_id = str(uuid.uuid4())
        try:
            async with state["engine"].begin() as conn:
                await conn.execute(
                    insert(users).values(
                        id=user_id,
                        email=body["email"],
                        name=body.get("name"),
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            return JSONResponse({"error": "A user with this email already exists"}, 409)
        now = int(time.time())
        token = jwt.encode(
            {"jti": uuid.uuid4().hex, "sub": user_id, "iat": now, "exp": now + 3600},
            state["secret"],
            algorithm="HS256",
        )
        return JSONResponse({"id": user_id, "email": body["email"], "token": token}, 201)

    return app
