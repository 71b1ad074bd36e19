"""Parse JSON from outside with a bound on nesting depth.

`json.loads` recurses once per level: 200,000 nested brackets raise RecursionError (a 500), and
any depth a few hundred deep makes every later walk over the value slow or fragile. `loads`
measures the depth first, over the brackets outside strings only, and raises `JSONError` (a
ValueError) for anything that is not JSON, too deep, or not UTF-8.
"""

import json
import re
from typing import Any

MAX_DEPTH = 32

# A JSON string literal, escapes included; removing them leaves only structure and scalars.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


class JSONError(ValueError):
    pass


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in `raw` (brackets inside strings ignored)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode `raw` as JSON, refusing more than `max_depth` levels of nesting."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if nesting_depth(data) > max_depth:
        raise JSONError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise JSONError(f"not valid JSON: {exc}") from None
