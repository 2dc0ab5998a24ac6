"""The audit trail: an append-only row for every read and write of a patient's data.

Rows are written by portal/audit.py, called from the access layer (portal/access.py and the
view/API helpers built on it), never by hand in views. Rows cannot be changed or deleted: the
model refuses, the admin offers no such permission, and on PostgreSQL a trigger refuses UPDATE
and DELETE (migration 0002). Users and patients with audit rows are therefore deactivated,
never deleted (PROTECT). Every row is hash-chained to the one before it (portal/care/audit_chain.py),
so an edit or deletion made behind the trigger's back (as the table owner) is found by
`manage.py verify_audit`; `manage.py audit_db_roles` creates database roles for which the
application cannot make such changes at all (docs/deploy.md). On PostgreSQL the table is
range-partitioned by month of `at` (migration 0006, portal/care/audit_partitions.py).
"""

import contextlib
from types import SimpleNamespace

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from psycopg import pq

from portal.bulk_rows import unnest_insert_sql
from portal.care import audit_chain


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    CREATE = "create", pgettext_lazy("audit action", "Created")  # not the education "Created" (a page)
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    PRINT = "print", _("Printed")
    DENIED = "denied", _("Access denied")
    BREAK_GLASS = "break_glass", _("Broke the glass")
    CONFLICT = "conflict", _("Stale edit refused")
    # Account events (no patient).
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKOUT = "lockout", _("Locked out")
    LOGOUT = "logout", _("Signed out")
    TIMEOUT = "timeout", _("Session timed out")
    MFA_ENROLLED = "mfa_enrolled", _("Enrolled two-step verification")
    MFA_VERIFIED = "mfa_verified", _("Passed two-step verification")
    MFA_FAILED = "mfa_failed", _("Failed two-step verification")
    MFA_RECOVERY_USED = "mfa_recovery", _("Used a recovery code")
    PASSWORD_RESET = "password_reset", _("Password reset")


class AuditPurpose(models.TextChoices):
    NORMAL = "normal", _("Care team / family")
    BREAK_GLASS = "break_glass", _("Break the glass")
    ADMIN = "admin", _("Site administration")
    SYSTEM = "system", _("System")


_OPEN = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


def _multi_statement(connection) -> bool:
    """Does this connection's cursor send several statements with parameters in one query? Yes with
    psycopg's client-side binding, Django's default; not with OPTIONS server_side_binding."""
    return connection.settings_dict["OPTIONS"].get("server_side_binding") is not True


class AuditEventQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """One INSERT as before, with the batch's hash chain computed under the chain lock."""
        objs = list(objs)
        using = self._db or router.db_for_write(self.model)
        with transaction.atomic(using=using, savepoint=False):
            audit_chain.link(objs, table=self.model._meta.db_table, using=using)
            return super().bulk_create(objs, *args, **kwargs)

    def append(self, rows: list[dict]) -> None:
        """Rows (dicts of the chained FIELDS) in one INSERT, chained as bulk_create chains them.

        On PostgreSQL the rows travel as one array per column (INSERT ... SELECT FROM unnest):
        on a list page of 25 children, bulk_create's per-object work (model instances, field
        preparation) cost more than the statement itself. Elsewhere: bulk_create.
        """
        if not rows:
            return
        using = self._db or router.db_for_write(self.model)
        connection = connections[using]
        if connection.vendor != "postgresql":
            self.bulk_create([self.model(**row) for row in rows])
            return
        events = [SimpleNamespace(**row) for row in rows]
        columns = [*audit_chain.FIELDS, "prev_hash", "row_hash"]
        # A list page's rows differ only in the child: the values they share travel once, not once a row.
        same = [name for name in audit_chain.FIELDS if all(row[name] == rows[0][name] for row in rows)]
        each = [name for name in columns if name not in same]
        fields = {name: self.model._meta.get_field(name) for name in columns}
        same_fields = {fields[name] for name in same}
        # The chain head moves in the same statement (a data-modifying CTE): one round trip less.
        insert = unnest_insert_sql(self.model, list(fields.values()), connection, same=same_fields)
        sql = f"WITH head AS ({audit_chain.HEAD_UPSERT}) {insert}"

        def params(last: str) -> list:
            return [last, *(rows[0][name] for name in same), *([getattr(e, name) for e in events] for name in each)]

        if connection.get_autocommit() and not connection.in_atomic_block and _multi_statement(connection):
            self._append_in_own_transaction(connection, events, sql, params)
            return
        with transaction.atomic(using=using, savepoint=False):
            last = audit_chain.link(events, table=self.model._meta.db_table, using=using, move_head=False)
            with connection.cursor() as cursor:
                cursor.execute(sql, params(last))

    def _append_in_own_transaction(self, connection, events, sql: str, params) -> None:
        """The rows' own transaction in two round trips, so the chain's lock is held briefly.

        Outside any transaction (a page's audit rows, written after its reads), atomic() would cost
        four: BEGIN, the lock and head, the INSERT, COMMIT, with the lock held across the last three
        and the Python between them; under load the other web workers queued on it. Here
        "BEGIN; lock; read head" is one simple query and "INSERT ...; COMMIT" another (the client-side
        binding cursor sends several statements with parameters), with only the hashing between them.
        A failure in either (e.g. a foreign key refused at COMMIT) rolls the transaction back.
        """
        with connection.cursor() as cursor:
            try:
                cursor.execute("BEGIN; " + audit_chain.lock_and_read_head(connection))
                cursor.nextset()  # the lock's result
                cursor.nextset()  # the head's
                last = audit_chain.chain(events, audit_chain.head_hash(cursor, connection, self.model._meta.db_table))
                cursor.execute(f"{sql}; COMMIT", params(last))
            except BaseException:
                if connection.connection.info.transaction_status in _OPEN:
                    with contextlib.suppress(Exception):  # the first error is the one to report
                        cursor.execute("ROLLBACK")
                raise

    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No index of their own on user and patient: (user, at) and (patient, at) below lead with them
    # and serve every lookup by either; a list page writes 25 rows, and each index is a write per row.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,
    )
    user_email = models.CharField(max_length=254, blank=True, help_text=_("As typed, for failed sign-ins."))
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=16, choices=AuditPurpose.choices, default=AuditPurpose.NORMAL)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True, help_text=_("URL path only; never a query string."))
    detail = models.CharField(max_length=300, blank=True, help_text=_("No health details."))
    # The hash chain (portal/care/audit_chain.py; `manage.py verify_audit` checks it).
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["user", "-at"]),
            models.Index(fields=["action", "-at"]),
            models.Index(fields=["user_email", "-at"], name="care_audite_user_em_idx"),  # search by email
            # A user's newest row of one kind (the kept worklist's "my last look"), however many
            # rows of other kinds (a list page writes one per child) the user wrote since.
            models.Index(fields=["user", "action", "-at"], name="care_audit_user_action_idx"),
        ]
        default_permissions = ("add", "view")
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.user_email or self.user_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("The audit trail is append-only.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            audit_chain.link([self], table=self._meta.db_table, using=using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class AuditArchive(models.Model):
    """A month of the trail detached after the retention period (portal/care/audit_partitions.py).

    The detached table stays in the database under its own name until it is archived and dropped.
    `boundary_hashes` are the row hashes of its rows at the id boundary with what remains, so
    `verify_audit` accepts the remaining chain's first links into the archived month.
    """

    partition = models.CharField(max_length=63, unique=True)
    first_day = models.DateField()
    rows = models.BigIntegerField()
    last_id = models.BigIntegerField(null=True)
    boundary_hashes = models.JSONField(default=list)
    detached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_day"]
        default_permissions = ("view",)
        verbose_name = _("archived audit month")

    def __str__(self) -> str:
        return self.partition


class AuditChainHead(models.Model):
    """The hash of the newest row of the trail, kept by audit_chain.link() in the inserting transaction.

    Reading the newest row of the partitioned table itself (ORDER BY id DESC LIMIT 1) makes
    PostgreSQL plan a scan of every monthly partition for every audited request: about 1.8 ms at 80
    months. This one row answers in constant time. It is a shortcut, not evidence: verify_audit
    walks the table, and a head that disagrees with the table (rows deleted behind the application)
    only makes the next row's link fail verification, as the deletion itself would.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    row_hash = models.CharField(max_length=64)

    class Meta:
        db_table = audit_chain.HEAD_TABLE
        default_permissions = ()

    def __str__(self) -> str:
        return self.row_hash


class RecordViewCount(models.Model):
    """How many audit rows of action VIEW each user has written, counted by a trigger on the audit
    trail (migration 0013), so every way of writing a row counts.

    The kept worklist's "new results since my last look" changes when I open a record; its key reads
    this count (one primary-key read) instead of asking the trail for my views of the day, a question
    whose plan depended on statistics of a table that grows by millions of rows a day (it once walked
    every row written since midnight). Not a foreign key: the count never waits on the user's row.
    """

    user_id = models.BigIntegerField(primary_key=True)
    views = models.BigIntegerField()

    class Meta:
        db_table = "care_recordviewcount"
        verbose_name = _("record view count")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.views}"
