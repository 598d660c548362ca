from typing import Any, Callable, Optional

def encode(points: Any, static_tags: Optional[dict[Any, Any]], default_measurement: Any,
           shapes: dict[Any, Any], low: int, high: int, factor: int,
           slow: Callable[[Any, int], str], as_body: bool) -> Any: ...

def without_byte(data: Any, byte: int, /) -> bytes: ...
