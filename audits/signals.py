"""What the audits app announces; the workflow layer listens (a domain app never imports
``workflows``)."""

from django.dispatch import Signal

# Sent inside the transaction that opened an audit's forms: sender=Audit, audit, forms.
audit_forms_opened = Signal()
