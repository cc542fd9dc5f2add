"""The edit view shared by the domain apps (each passes its model and form) and the audit
history of an object. Status changes have no shared view: each app's domain functions own
theirs (faculty.lifecycle.decide_status, courses.services.change_library_status)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.audit import form_changes
from dangke.core.models import AuditEntry
from dangke.core.permissions import may
from dangke.core.services import record_audit


def edit_object(request, model, form_class, *, pk=None, perm, title, cancel_url):
    """Create (pk None) or edit one object the user may change; audits the change."""
    obj = get_visible_or_404(model, request.scope, pk=pk) if pk else None
    if not may(request, perm, obj):
        raise PermissionDenied(_("您没有修改此项的权限"))
    form = form_class(
        request.POST or None, request.FILES or None, instance=obj, scope=request.scope
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            action = AuditEntry.Action.UPDATE if obj else AuditEntry.Action.CREATE
            changes = form_changes(form)
            changed = "、".join(change["label"] for change in changes)
            record_audit(
                saved, actor=request.user, action=action, to_value=changed, changes=changes
            )
        messages.success(request, _("已保存：%(name)s") % {"name": saved})
        return redirect(saved.get_absolute_url())
    context = {"form": form, "object": obj, "title": title, "cancel_url": cancel_url}
    return render(request, "core/form.html", context)


def history_of(obj):
    from django.contrib.contenttypes.models import ContentType

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("actor")[:50]


def bad_request(request, exception):
    """handler400: a body over Django's limits (form fields' size, number of fields or
    files) gets the friendly 413 page; any other bad request the app's 400 page."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.views.defaults import bad_request as default_bad_request

    from dangke.core.middleware import too_large

    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return too_large(request)
    return default_bad_request(request, exception, template_name="errors/400.html")
