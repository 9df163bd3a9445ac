from django.dispatch import Signal

# Sent after an action is created (sender=Action, action=...). The workflow layer
# starts the action's flow from it, so this app never imports the workflow layer.
action_created = Signal()
