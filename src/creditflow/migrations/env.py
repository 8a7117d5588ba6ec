"""Alembic environment: runs migrations on the engine handed over by creditflow.db."""

from alembic import context

from creditflow.schema import metadata

config = context.config


def run_migrations() -> None:
    """Run the migrations on the engine in the Alembic config attributes."""
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
