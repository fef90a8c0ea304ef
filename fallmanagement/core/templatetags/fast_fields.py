"""`{{ field|fast_field }}` and `{{ form|fast_form }}`: crispy-forms' bootstrap5 markup for one
field or a whole form, written in Python.

`as_crispy_field` renders about a dozen nested templates per field (0.5–2 ms each); on the
list pages the filter forms cost more than the rest of the page. This filter writes the same
markup for the fields filter forms use (text, number, date, search, select and a single
checkbox): the label bound to the input, required marker, error block linked by Django's
`aria-describedby`/`aria-invalid`, help text. Anything else (radio buttons, multiple
checkboxes, files, fieldsets) still goes through crispy.
"""

from html import escape

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms, template
from django.utils.safestring import SafeData, mark_safe

from ..widgets import FastSelect, html_attrs

register = template.Library()

_CRISPY_ONLY = (
    forms.RadioSelect,
    forms.CheckboxSelectMultiple,
    forms.SelectMultiple,
    forms.FileInput,
    forms.MultiWidget,
)


def _text(value) -> str:
    return value if isinstance(value, SafeData) else escape(str(value))


def _errors(field) -> str:
    if not field.errors:
        return ""
    items = "".join(
        f'<p id="error_{n}_{field.auto_id}"><strong>{_text(error)}</strong></p>'
        for n, error in enumerate(field.errors, start=1)
    )
    return f'<div id="{field.auto_id}_error" class="invalid-feedback">{items}</div>'


def _help(field) -> str:
    if not field.help_text:
        return ""
    return f'<div id="{field.auto_id}_helptext" class="form-text">{field.help_text}</div>'


class _PythonRendered:
    """An <input> or <textarea> widget written in Python instead of its two templates, with
    the same context (`get_context`) and markup; everything else comes from the widget."""

    def __init__(self, widget):
        self._widget = widget

    def __getattr__(self, name):
        return getattr(self._widget, name)

    def render(self, name, value, attrs=None, renderer=None):
        widget = self._widget.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        if isinstance(self._widget, forms.Textarea):
            text = escape(str(value)) if value else ""
            return mark_safe(  # noqa: S308 - name, attributes and text are escaped
                f'<textarea name="{escape(name)}"{html_attrs(widget["attrs"])}>\n{text}</textarea>'
            )
        shown = f' value="{escape(str(value))}"' if value is not None else ""
        return mark_safe(  # noqa: S308 - name, value and attributes are escaped
            f'<input type="{widget["type"]}" name="{escape(name)}"{shown}'
            f"{html_attrs(widget['attrs'])}>"
        )


def _widget(field, css: str) -> str:
    # The classes crispy gives: the widget's own, its class name, the Bootstrap class.
    widget = field.field.widget
    name = type(widget).__name__.lower()
    own = widget.attrs.get("class", "")
    classes = own if name in own else f"{own} {name}".strip()
    for extra in (css, "is-invalid") if field.errors else (css,):
        if extra not in classes.split():
            classes += " " + extra
    if isinstance(widget, (forms.widgets.Input, forms.Textarea)) and not isinstance(
        widget, forms.FileInput
    ):
        return str(field.as_widget(widget=_PythonRendered(widget), attrs={"class": classes}))
    if type(widget) is forms.Select:
        # Same <select>, its options written in Python instead of one template each.
        fast = FastSelect(attrs=widget.attrs)
        fast.choices = widget.choices
        fast.is_required = widget.is_required
        return str(field.as_widget(widget=fast, attrs={"class": classes}))
    return str(field.as_widget(attrs={"class": classes}))


@register.filter
def fast_field(field):
    widget = field.field.widget
    if field.is_hidden:
        return str(field)
    if isinstance(widget, _CRISPY_ONLY) or getattr(field, "use_fieldset", False):
        return as_crispy_field(field)
    required = field.field.required
    marker = '<span class="asteriskField">*</span>' if required else ""
    required_class = " requiredField" if required else ""
    label = _text(field.label)
    if isinstance(widget, forms.CheckboxInput):
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<div class="mb-3"><div id="div_{field.auto_id}" class="form-check">'
            f"{_widget(field, 'form-check-input')}"
            f'<label for="{field.id_for_label}" class="form-check-label{required_class}">'
            f"{label}{marker}</label>{_errors(field)}{_help(field)}</div></div>"
        )
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    label_html = (
        f'<label for="{field.id_for_label}" class="form-label{required_class}">'
        f"{label}{marker}</label>"
        if field.label
        else ""
    )
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div id="div_{field.auto_id}" class="mb-3">{label_html}'
        f"{_widget(field, css)}{_errors(field)}{_help(field)}</div>"
    )


@register.filter
def fast_form(form):
    """`{{ form|crispy }}` in Python: the non-field errors, then every field as `fast_field`."""
    if not isinstance(form, forms.BaseForm):  # formsets: crispy
        return as_crispy_form(form)
    parts = []
    errors = form.non_field_errors()
    if errors:
        items = "".join(f"<li>{_text(error)}</li>" for error in errors)
        parts.append(
            f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>'
        )
    parts.extend(fast_field(field) for field in form)
    return mark_safe("".join(parts))  # noqa: S308 - fast_field and _text escape
