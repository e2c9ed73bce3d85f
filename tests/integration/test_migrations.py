"""The migrations build exactly the schema the code declares (``store/tables/``), so a
column or index added to one and forgotten in the other fails here, not in production."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tierline.store.db import make_engine
from tierline.store.migrate import upgrade
from tierline.store.tables import metadata


def test_the_migrations_match_the_declared_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_the_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    from tierline.store.migrate import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(engine)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        conn.commit()
    upgrade(engine)
    engine.dispose()
