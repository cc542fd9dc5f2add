"""The editors' page for columns (专栏) and series (系列): list, create, rename, reorder,
archive and restore. Reads are scoped; every change is a call to `dangke.media.catalogue`,
which checks that the editor administers the entry's region."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangke.accounts.scoping import get_visible_or_404
from dangke.media import catalogue
from dangke.media.forms import CatalogueEntryForm, RenameForm


def _model(kind: str):
    try:
        return catalogue.KINDS[kind]
    except KeyError:
        raise Http404 from None


def _report(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def catalogue_page(request):
    can_manage = bool(request.scope.managed_region_codes) or request.user.is_superuser
    sections = []
    for kind, model in catalogue.KINDS.items():
        entries = list(catalogue.listed(model, request.scope))
        for entry in entries:
            entry.can_manage = request.scope.manages_region(entry.region_id)
        sections.append(
            {
                "kind": kind,
                "param": "column" if kind == "columns" else "series",
                "label": catalogue.kind_label(model),
                "entries": entries,
                "form": CatalogueEntryForm(scope=request.scope, prefix=kind)
                if can_manage
                else None,
            }
        )
    return render(request, "media/catalogue.html", {"sections": sections})


@login_required
@require_POST
def entry_create(request, kind):
    model = _model(kind)
    form = CatalogueEntryForm(request.POST, scope=request.scope, prefix=kind)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("media:catalogue")
    try:
        entry = catalogue.create_entry(
            model,
            name=form.cleaned_data["name"],
            region=form.cleaned_data["region"],
            description=form.cleaned_data["description"],
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("已新建%(kind)s「%(name)s」") % {"kind": catalogue.kind_label(model), "name": entry},
        )
    return redirect("media:catalogue")


@login_required
@require_POST
def entry_change(request, kind, pk, action):
    """action: rename, up, down, archive or restore."""
    model = _model(kind)
    entry = get_visible_or_404(model, request.scope, pk=pk)
    try:
        if action == "rename":
            form = RenameForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            catalogue.rename_entry(
                entry,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=request.user,
                scope=request.scope,
            )
            messages.success(request, _("已保存「%(name)s」") % {"name": entry.name})
        elif action in ("up", "down"):
            catalogue.move_entry(entry, action, actor=request.user, scope=request.scope)
        elif action in ("archive", "restore"):
            catalogue.set_archived(
                entry, action == "archive", actor=request.user, scope=request.scope
            )
            done = _("已归档「%(name)s」") if action == "archive" else _("已恢复「%(name)s」")
            messages.success(request, done % {"name": entry.name})
        else:
            raise Http404
    except ValidationError as error:
        _report(request, error)
    return redirect(f"{reverse('media:catalogue')}#{kind}-{entry.pk}")
