"""What the audits app announces; the workflow layer listens (a domain app never imports
``workflows``)."""

from django.dispatch import Signal

# Sent inside the transaction that opened an audit's forms: sender=Audit, audit, forms.
audit_forms_opened = Signal()

# Sent inside the transaction in which the audit lead named the auditor who completes a
# form (``services.form_assign``): sender=AuditForm, form, by. The workflow layer passes
# the form's open task to them.
audit_form_assigned = Signal()
