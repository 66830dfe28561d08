import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Only when nothing set logging up: inside the app (`make run`, `python app.py`) the app's
# INFO level and handlers stay (the ini's root level WARN would silence every INFO line).
if not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    try:
        # this works with Flask-SQLAlchemy<3 and Alchemical
        return current_app.extensions['migrate'].db.engine
    except (TypeError, AttributeError):
        # this works with Flask-SQLAlchemy>=3
        return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def include_name(name, type_, parent_names):
    """Autogenerate ignores the FTS5 search tables (and their shadow tables): 0004_search owns them."""
    return not (type_ == "table" and name and name.startswith("search_fts_"))


POSTGRES_ONLY_INDEXES = {"ix_search_document_tsv"}  # GIN, created by 0004_search on PostgreSQL
# The drive's search column (generated) and its GIN index, PostgreSQL only (0025_drivesearch):
# not in the model, so that inserts and updates never name it.
DATABASE_ONLY = {("column", "search_tsv"), ("index", "ix_drive_item_search_tsv")}


def include_object(obj, name, type_, reflected, compare_to):
    """Indexes that exist only on PostgreSQL are not differences on SQLite."""
    if (type_, name) in DATABASE_ONLY:
        return False
    if type_ == "index" and name in POSTGRES_ONLY_INDEXES:
        return get_engine().dialect.name == "postgresql"
    return True


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    conf_args.setdefault("include_name", include_name)
    conf_args.setdefault("include_object", include_object)

    connectable = get_engine()

    with connectable.connect() as connection:
        # SQLite: a batch migration recreates a table (copy, DROP, rename); with foreign keys on,
        # that DROP would cascade into, or null, the rows referencing it (SQLite's own ALTER
        # procedure turns them off). The PRAGMA works only outside a transaction.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            before = context.get_context().get_current_heads()
            context.run_migrations()
            # Only when something ran: the check reads every table (each start-up migrates).
            ran = context.get_context().get_current_heads() != before
            if sqlite and ran and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("A migration left rows whose foreign keys point nowhere")
        if sqlite:
            _foreign_keys(connection, on=True)


def _foreign_keys(connection, *, on: bool):
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()  # ends the transaction SQLAlchemy began, so Alembic begins its own


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
