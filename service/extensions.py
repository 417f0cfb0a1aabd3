"""Flask extensions, created unbound so that nothing touches an app at import time."""

from __future__ import annotations

from typing import Any

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention that Alembic can diff."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LupaApi(Api):  # type: ignore[misc]
    """flask-smorest Api whose documented error shape is our problem+json."""

    def _register_error_handlers(self) -> None:
        # service.errors registers the one error handler; none from flask-smorest.
        return None


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = LupaApi()


class RedisHolder:
    """Holds the optional Redis client; `client` is None when no Redis is configured."""

    def __init__(self) -> None:
        self.client: Any = None

    def init_app(self, app: Any) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            import redis

            self.client = redis.Redis.from_url(
                url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=10
            )
        else:
            self.client = None
        app.extensions["lupa_redis"] = self


redis_holder = RedisHolder()
