"""Indexes on viewflow's task table that serve exactly our inbox and queue filters.

viewflow's own migrations do not index ``owner_permission`` or
``owner_permission_obj_pk``; the queue filters on both plus ``status``, the inbox on
``owner`` plus ``status``. Plain SQL works on SQLite and PostgreSQL alike.
"""

from django.db import migrations

QUEUE = "wf_task_queue_idx"
INBOX = "wf_task_inbox_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {QUEUE} ON viewflow_task "
            "(owner_permission, owner_permission_obj_pk, status)",
            f"DROP INDEX IF EXISTS {QUEUE}",
        ),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INBOX} ON viewflow_task (owner_id, status)",
            f"DROP INDEX IF EXISTS {INBOX}",
        ),
    ]
