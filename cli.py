"""CLI commands for operators and scripts (`flask --app app ...`)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from errors import ServiceError
from transactions import unit_of_work


def _fail(exc: ServiceError) -> None:
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}" + (f" ({details})" if details else ""))


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(department_cli)
    app.cli.add_command(seed_cmd)
    app.cli.add_command(setup_cmd)
    from ops.backup_cli import backup_cli
    from ops.cli import status_cmd

    app.cli.add_command(status_cmd)
    app.cli.add_command(backup_cli)


@click.command("setup", help="Apply the migrations and install the standard processes (once per "
               "release; safe to run again).")
@with_appcontext
def setup_cmd() -> None:
    from flask_migrate import upgrade

    from engine.install import install_standard_processes

    upgrade()
    with unit_of_work():
        installed = install_standard_processes()
    click.echo("Database up to date; standard processes "
               + (f"installed: {', '.join(installed)}" if installed else "already installed"))


@click.group("user", help="Manage users.")
def user_cli() -> None:
    pass


@user_cli.command("create")
@click.argument("email")
@click.option("--password", required=True)
@click.option("--admin", is_flag=True, help="Make the user a portal administrator.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--position", default="")
@click.option("--department", default=None, help="Department name or id.")
def create_user_cmd(email: str, password: str, admin: bool, first_name: str, last_name: str,
                    position: str, department: str | None) -> None:
    from org.services.departments import find_department
    from org.services.users import create_user

    dep_id = None
    if department:
        dep = find_department(department)
        if dep is None:
            raise click.ClickException(f"No department {department!r}; create it first")
        dep_id = dep.id
    try:
        with unit_of_work():
            user = create_user(email, password, actor=None, first_name=first_name, last_name=last_name,
                               position=position, is_admin=admin, department_id=dep_id)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created user {user.id} <{user.email}>{' (administrator)' if admin else ''}")


@user_cli.command("set-password")
@click.argument("email")
@click.option("--password", default=None, help="The new password (asked twice when omitted).")
def set_password_cmd(email: str, password: str | None) -> None:
    """Set a person's password; their sessions and API tokens end."""
    from org.services.passwords import set_password
    from org.services.users import find_user

    user = find_user(email)
    if user is None or str(email).isdigit():
        raise click.ClickException(f"No user with the e-mail {email!r}")
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work():
            set_password(user.id, password, actor=None)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Password set for user {user.id} <{user.email}>; their sessions and API tokens ended.")


@click.group("department", help="Manage departments.")
def department_cli() -> None:
    pass


@department_cli.command("create")
@click.argument("name")
@click.option("--parent", default=None, help="Parent department name or id.")
@click.option("--head", default=None, help="E-mail or id of the department head.")
def create_department_cmd(name: str, parent: str | None, head: str | None) -> None:
    from org.services.departments import create_department, find_department
    from org.services.users import find_user

    parent_id = head_id = None
    if parent:
        dep = find_department(parent)
        if dep is None:
            raise click.ClickException(f"No department {parent!r}")
        parent_id = dep.id
    if head:
        user = find_user(head)
        if user is None:
            raise click.ClickException(f"No user {head!r}")
        head_id = user.id
    try:
        with unit_of_work():
            dep = create_department(name, actor=None, parent_id=parent_id, head_id=head_id)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created department {dep.id} {dep.name!r} ({dep.path})")


@click.command("seed-demo", help="Load demo data (only into an empty database).")
def seed_cmd() -> None:
    from demo import seed_demo_data

    with unit_of_work():
        outcome = seed_demo_data()
    click.echo(outcome)
