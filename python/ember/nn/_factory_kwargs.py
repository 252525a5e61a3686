"""nn.factory_kwargs: the device / dtype / memory_format keywords of a module's constructor,
checked and gathered for the factory functions (ember.empty(..., **factory_kwargs(kwargs)))."""

_SIMPLE_KEYS = {"device", "dtype", "memory_format"}


def factory_kwargs(kwargs):
    """A dict of the factory keywords in `kwargs` (and in its `factory_kwargs` entry); any other
    key, or a key given both ways, is a TypeError."""
    if kwargs is None:
        return {}
    expected = _SIMPLE_KEYS | {"factory_kwargs"}
    if not kwargs.keys() <= expected:
        raise TypeError(f"unexpected kwargs {kwargs.keys() - expected}")
    result = dict(kwargs.get("factory_kwargs", {}))
    for key in _SIMPLE_KEYS:
        if key in kwargs:
            if key in result:
                raise TypeError(f"{key} specified twice, in **kwargs and in factory_kwargs")
            result[key] = kwargs[key]
    return result
