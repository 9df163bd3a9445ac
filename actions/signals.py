from django.dispatch import Signal

# Sent after an action is created (sender=Action, action=...). The workflow layer
# starts the action's flow from it, so this app never imports the workflow layer.
action_created = Signal()

# Sent after an open action's details change (sender=Action, action=..., fields=the set
# of field names that changed, by=user), inside the change's transaction. The workflow
# layer re-derives the due dates its tasks take from the action (the target date).
action_details_changed = Signal()
