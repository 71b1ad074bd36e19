from django import template

register = template.Library()


@register.filter
def duration_mmss(seconds: object) -> str:
    """62 → "1:02"; 3725 → "1:02:05"."""
    try:
        whole = int(str(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(whole, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
