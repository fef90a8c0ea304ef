"""fast_field / fast_form write the markup crispy-forms (bootstrap5) writes, in Python: the
same elements, attributes and text (whitespace and attribute order aside), so labels, error
links (aria-describedby, aria-invalid) and help texts stay as they were."""

from html.parser import HTMLParser

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms

from fallmanagement.core.templatetags.fast_fields import fast_field, fast_form
from fallmanagement.core.widgets import FastSelect


class _Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens = []

    def handle_starttag(self, tag, attrs):
        attrs = [(k, " ".join(sorted((v or "").split())) if k == "class" else v) for k, v in attrs]
        self.tokens.append(("<", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.tokens.append((">", tag))

    def handle_data(self, data):
        if data.strip():
            self.tokens.append(("text", " ".join(data.split())))


def tokens(html) -> list:
    parser = _Tokens()
    parser.feed(str(html))
    return parser.tokens


class Everything(forms.Form):
    name = forms.CharField(label="Name <b>", max_length=30, help_text="Wie im Pass")
    count = forms.IntegerField(label="Anzahl", required=False, min_value=1, max_value=9)
    day = forms.DateField(label="Tag", widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    kind = forms.ChoiceField(label="Art", choices=[("", "alle"), ("a", "A & B"), ("b", "B")])
    fast = forms.ChoiceField(
        label="Schnell", choices=[("x", "X"), ("y", "Y")], widget=FastSelect, required=False
    )
    yes = forms.BooleanField(label="Ja", required=False, help_text="Nur wenn sicher")
    q = forms.CharField(label="Suche", required=False, widget=forms.TextInput({"type": "search"}))
    secret = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Das passt nicht zusammen.")


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"name": "O'Neil <i>", "count": "0", "day": "kein Datum", "kind": "b", "fast": "y"},
        {"name": "", "kind": "zz", "yes": "on", "text": "a < b", "q": "x", "secret": "s"},
    ],
)
def test_every_field_is_written_as_crispy_writes_it(data):
    form = Everything(data)
    form.is_valid()
    for field in form:
        expected = tokens(as_crispy_field(field))
        assert tokens(fast_field(field)) == expected, field.name


@pytest.mark.parametrize("data", [None, {"name": "x", "day": "2026-12-04", "kind": "a"}])
def test_a_whole_form_is_written_as_crispy_writes_it(data):
    form = Everything(data)
    form.is_valid()
    assert tokens(fast_form(form)) == tokens(as_crispy_form(form))


def test_errors_are_linked_and_text_is_escaped():
    form = Everything({"name": "", "kind": "zz"})
    form.is_valid()
    html = str(fast_field(form["name"]))
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert '<div id="id_name_error" class="invalid-feedback">' in html
    assert "Name &lt;b&gt;" in html
    assert "is-invalid" in str(fast_field(form["kind"]))
    assert "&amp;" in str(fast_field(form["kind"]))
