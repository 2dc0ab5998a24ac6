"""PostgreSQL roles that make the audit trail tamper-proof for the application (docs/deploy.md).

- The owner role owns every table and runs migrations. It may ALTER the audit table.
- The application role (DATABASE_URL of web and workers) has normal rights on every table, but on
  the audit table only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE, and since it is not the
  owner nor a member of the owner role it cannot ALTER TABLE (drop or disable the trigger). It is
  no superuser and has no REPLICATION, so it cannot SET session_replication_role either.
  The audit table's month partitions (migration 0006) grant it nothing: rows are reached only
  through the parent (PostgreSQL checks the parent's rights then), so a partition cannot be
  updated, deleted or truncated directly either.

grant_statements() is what `manage.py audit_db_roles` runs (as a superuser); role_warnings() is
what `manage.py check --deploy` and /healthz report about the role the application connects as.
"""

from __future__ import annotations

import re

from django.db import DatabaseError

AUDIT_TABLE = "care_auditevent"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise ValueError(f"role name {name!r}: use lower-case letters, digits and underscores")
    return name


def ensure_roles(cursor, *, owner: str, app: str, passwords: dict[str, str], schema: str | None = None) -> list[str]:
    """Create or correct both roles and their rights, idempotently. Returns the statements run."""
    owner, app = check_role_name(owner), check_role_name(app)
    if owner == app:
        raise ValueError("the owner and the application role must differ")
    done: list[str] = []

    def run(sql: str, params=None) -> None:
        cursor.execute(sql, params)
        done.append(sql if params is None else sql.replace("%s", "'…'"))

    cursor.execute("SELECT current_database(), current_schema()")
    database, current_schema = cursor.fetchone()
    schema = schema or current_schema
    for role in (owner, app):
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            run(f"CREATE ROLE {ident(role)} {_ATTRIBUTES}")
        run(f"ALTER ROLE {ident(role)} {_ATTRIBUTES}")
        if passwords.get(role):
            run(f"ALTER ROLE {ident(role)} PASSWORD %s", [passwords[role]])
    # The application must not be able to act as the owner.
    cursor.execute(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
        "WHERE g.rolname = %s AND u.rolname = %s",
        [owner, app],
    )
    if cursor.fetchone():
        run(f"REVOKE {ident(owner)} FROM {ident(app)}")

    run(f"GRANT CONNECT, TEMPORARY ON DATABASE {ident(database)} TO {ident(owner)}, {ident(app)}")
    run(f"GRANT CREATE ON DATABASE {ident(database)} TO {ident(owner)}")
    run(f"GRANT USAGE, CREATE ON SCHEMA {ident(schema)} TO {ident(owner)}")
    run(f"REVOKE CREATE ON SCHEMA {ident(schema)} FROM PUBLIC")
    run(f"GRANT USAGE ON SCHEMA {ident(schema)} TO {ident(app)}")

    # Everything of ours in the schema (not objects of extensions) belongs to the owner. Sequences
    # owned by a column follow their table.
    cursor.execute(
        """
        SELECT format('ALTER %%s %%I.%%I OWNER TO %%I',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                      n.nspname, c.relname, %s)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
          -- A partition depends on its parent (auto) but is a table of ours; a partitioned table's key
          -- column depends on the table itself (objsubid > 0), which does not make it a dependent object.
          AND (c.relispartition OR NOT EXISTS (
                SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.objsubid = 0 AND d.deptype IN ('e', 'a', 'i')))
        UNION ALL
        SELECT format('ALTER FUNCTION %%s OWNER TO %%I', p.oid::regprocedure, %s)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = %s AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        """,
        [owner, schema, owner, owner, schema, owner],
    )
    for (statement,) in cursor.fetchall():
        run(statement)

    tables = f"ALL TABLES IN SCHEMA {ident(schema)}"
    run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {ident(app)}")
    run(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {ident(schema)} TO {ident(app)}")
    # Tables that later migrations create (as the owner) get the same rights.
    defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(owner)} IN SCHEMA {ident(schema)}"
    run(f"{defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ident(app)}")
    run(f"{defaults} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {ident(app)}")

    cursor.execute("SELECT to_regclass(%s)", [f"{ident(schema)}.{AUDIT_TABLE}"])
    if cursor.fetchone()[0] is not None:
        audit = f"{ident(schema)}.{ident(AUDIT_TABLE)}"
        run(f"REVOKE ALL ON {audit} FROM PUBLIC, {ident(app)}")
        run(f"GRANT SELECT, INSERT ON {audit} TO {ident(app)}")
        # Month partitions (and detached months): reached only through the parent, never directly.
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname LIKE %s",
            [schema, AUDIT_TABLE + "\\_%"],
        )
        for (partition,) in cursor.fetchall():
            run(f"REVOKE ALL ON {ident(schema)}.{ident(partition)} FROM PUBLIC, {ident(app)}")
    return done


_WARNINGS_SQL = """
SELECT r.rolname, r.rolsuper, r.rolreplication, r.rolbypassrls,
       pg_get_userbyid(c.relowner), pg_has_role(current_user, c.relowner, 'MEMBER'),
       has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'),
       has_table_privilege(c.oid, 'TRUNCATE'), has_table_privilege(c.oid, 'TRIGGER')
FROM pg_roles r, pg_class c
WHERE r.rolname = current_user AND c.oid = to_regclass(%s)
"""


def role_warnings(connection) -> list[str]:
    """What is wrong with the role `connection` uses, for the audit trail. Empty when all is well
    (or when the database is not PostgreSQL, or the audit table does not exist yet)."""
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(_WARNINGS_SQL, [AUDIT_TABLE])
            row = cursor.fetchone()
    except DatabaseError as exc:
        return [f"could not check the database role: {exc.__class__.__name__}"]
    if row is None:
        return []
    role, superuser, replication, bypassrls, owner, owns, *rights = row
    if superuser:
        return [f"the application connects as {role}, a superuser: it can disable the audit trigger and wipe the trail"]
    problems = []
    if owns:
        problems.append(
            f"the application connects as {role}, which owns (or may act as {owner}, the owner of) "
            f"{AUDIT_TABLE}: it can ALTER TABLE, disable the trigger and TRUNCATE"
        )
    if replication or bypassrls:
        problems.append(f"the application role {role} has REPLICATION or BYPASSRLS")
    extra = [name for name, has in zip(("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"), rights, strict=True) if has]
    if extra and not owns:
        problems.append(f"the application role {role} holds {', '.join(extra)} on {AUDIT_TABLE}")
    return problems
