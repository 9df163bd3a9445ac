"""Issue 13: ``TaskDue`` carries what the task lists filter on, with partial indexes on
open tasks that serve each list in the order it is shown (see ``workflows.models``).

Existing tasks are copied over in two statements (plain SQL that SQLite and PostgreSQL
both run): the human tasks' rows are updated, and the human tasks without a due date
get a row."""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

QUEUED = models.Q(("owner__isnull", True), ("status", "NEW"))
HELD = models.Q(("held", True))
OPEN = models.Q(("is_open", True))

COPY = """
UPDATE workflows_taskdue SET
  status = (SELECT t.status FROM viewflow_task t WHERE t.id = workflows_taskdue.task_id),
  owner_id = (SELECT t.owner_id FROM viewflow_task t WHERE t.id = workflows_taskdue.task_id),
  owner_permission = (SELECT t.owner_permission FROM viewflow_task t
                      WHERE t.id = workflows_taskdue.task_id),
  owner_permission_obj_pk = (SELECT t.owner_permission_obj_pk FROM viewflow_task t
                             WHERE t.id = workflows_taskdue.task_id),
  created = (SELECT t.created FROM viewflow_task t WHERE t.id = workflows_taskdue.task_id),
  sort_on = due_on
"""
FLAGS = """
UPDATE workflows_taskdue SET
  held = (status IN ('ASSIGNED', 'STARTED')),
  is_open = (status IN ('NEW', 'ASSIGNED', 'STARTED'))
"""
ADD_UNDATED = """
INSERT INTO workflows_taskdue
  (task_id, due_on, sort_on, status, owner_id, owner_permission, owner_permission_obj_pk, created)
SELECT t.id, NULL, %s, t.status, t.owner_id, t.owner_permission, t.owner_permission_obj_pk,
       t.created
FROM viewflow_task t
WHERE t.flow_task_type = 'HUMAN'
  AND NOT EXISTS (SELECT 1 FROM workflows_taskdue d WHERE d.task_id = t.id)
"""


def copy_tasks(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(COPY)
        cursor.execute(ADD_UNDATED, [datetime.date(9999, 12, 31)])
        cursor.execute(FLAGS)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_sweep_run"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="taskdue",
            name="due_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="sort_on",
            field=models.DateField(default=datetime.date(9999, 12, 31)),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="status",
            field=models.CharField(default="NEW", max_length=50),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="owner_permission",
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="owner_permission_obj_pk",
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="created",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="held",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="taskdue",
            name="is_open",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(copy_tasks, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=QUEUED,
                fields=["owner_permission", "owner_permission_obj_pk", "sort_on", "task"],
                name="wf_due_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=QUEUED, fields=["sort_on", "task"], name="wf_due_queue_walk_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=HELD, fields=["owner", "sort_on", "task"], name="wf_due_inbox_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=HELD, fields=["owner", "due_on", "task"], name="wf_due_inbox_late_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=QUEUED,
                fields=["owner_permission", "owner_permission_obj_pk", "due_on", "task"],
                name="wf_due_queue_late_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=OPEN,
                fields=["owner_permission", "owner_permission_obj_pk", "sort_on", "task"],
                name="wf_due_team_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=OPEN,
                fields=["sort_on", "task"],
                name="wf_due_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="taskdue",
            index=models.Index(
                condition=QUEUED, fields=["due_on", "task"], name="wf_due_queue_late_walk_idx"
            ),
        ),
    ]
