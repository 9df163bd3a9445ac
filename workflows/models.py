from __future__ import annotations

from django.db import models
from viewflow.workflow.models import Task


class TaskDue(models.Model):
    """When a human task should be done by, so "overdue" is an indexed filter rather
    than a computation over every record. Written when the task is created."""

    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="due"
    )
    due_on = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"task {self.task_id} due {self.due_on}"
