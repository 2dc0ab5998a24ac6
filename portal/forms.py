"""Form helpers shared by every app."""

from django.core.exceptions import ValidationError

from portal.concurrency import StaleEdit


def add_validation_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form: field errors by field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def save_through_service(form, call) -> int | None:
    """Run a service call for a valid form and put its errors on the form.

    Returns None on success, else the status to re-render the form with: 409 for a stale edit
    (someone saved first), 400 for validation errors.
    """
    try:
        call()
    except StaleEdit as exc:
        form.add_error(None, str(exc))
        return 409
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return 400
    return None
