"""functional_call: a module's forward with some parameters and buffers replaced by given
tensors for the duration of one call (torch.func.functional_call, also reachable as
ember.nn.utils.stateless.functional_call).

The replacements go straight into the owning modules' `_parameters` / `_buffers` tables (a
plain tensor may stand in for a Parameter, which attribute assignment refuses) and the originals
are put back afterwards, even when forward raises.
"""
import contextlib

__all__ = ["functional_call"]


def _owner(module, dotted):
    *path, name = dotted.split(".")
    for part in path:
        module = module._modules[part] if part in module._modules else getattr(module, part)
    return module, name


def _merged(parameter_and_buffer_dicts):
    if isinstance(parameter_and_buffer_dicts, dict):
        return dict(parameter_and_buffer_dicts)
    merged = {}
    for d in parameter_and_buffer_dicts:
        clash = set(merged) & set(d)
        if clash:
            raise ValueError(f"{sorted(clash)} appeared in multiple dictionaries; behavior of functional call is "
                             "ambiguous")
        merged.update(d)
    return merged


def _tied_names(module):
    """{name: every name of the same tensor}, over parameters and buffers shared between modules."""
    by_id = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        by_id.setdefault(id(t), []).append(name)
    return {n: names for names in by_id.values() if len(names) > 1 for n in names}


@contextlib.contextmanager
def _reparametrized(module, replacements, tie_weights, strict):
    known = {n for n, _ in module.named_parameters(remove_duplicate=False)} | \
            {n for n, _ in module.named_buffers(remove_duplicate=False)}
    if strict:
        missing = sorted(known - set(replacements))
        unexpected = sorted(set(replacements) - known)
        if missing or unexpected:
            parts = []
            if unexpected:
                parts.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected) + ".")
            if missing:
                parts.append("Missing key(s): " + ", ".join(repr(k) for k in missing) + ".")
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(parts))
    if tie_weights:
        tied = _tied_names(module)
        for name in list(replacements):
            for other in tied.get(name, ()):
                if other in replacements and replacements[other] is not replacements[name]:
                    raise ValueError(f"functional_call got multiple values for keys {sorted(tied[name])}, which are "
                                     "tied. Consider using tie_weights=False")
                replacements.setdefault(other, replacements[name])
    saved = []
    try:
        for name, value in replacements.items():
            owner, short = _owner(module, name)
            table = owner._parameters if short in owner._parameters else (
                owner._buffers if short in owner._buffers else None)
            if table is None:
                saved.append((owner, short, None, owner.__dict__.get(short, _ABSENT)))
                object.__setattr__(owner, short, value)
            else:
                saved.append((owner, short, table, table[short]))
                table[short] = value
        yield
    finally:
        for owner, short, table, old in reversed(saved):
            if table is not None:
                table[short] = old
            elif old is _ABSENT:
                owner.__dict__.pop(short, None)
            else:
                object.__setattr__(owner, short, old)


_ABSENT = object()


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the parameters and buffers named (by dotted path) in
    `parameter_and_buffer_dicts` (a dict or a sequence of dicts) replaced for this call."""
    replacements = _merged(parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrized(module, replacements, tie_weights, strict):
        return module(*args, **(kwargs or {}))
