from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from reports.figures import Panel

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context: Context, panel: Panel, part: str) -> SafeString:
    """One part of a panel ("cards" or "details"), rendered like an include with the panel's context on top."""
    name = getattr(panel, part)
    if not name:
        return SafeString("")
    assert context.template is not None
    partial = context.template.engine.get_template(name)
    with context.render_context.push_state(partial, isolated_context=False), context.push(panel.context):
        return SafeString(partial.render(context))
