"""Writes the lists of supported ops into docs/onnx.md, between its generated-list markers, from
ember.onnx's registry (the exporters by family, the importers by domain).

    PYTHONPATH=python python tools/onnx_op_lists.py          # rewrite the lists
    PYTHONPATH=python python tools/onnx_op_lists.py --check  # exit 1 if docs/onnx.md is stale

tests/test_onnx_docs.py runs the check, so a new exporter or importer is documented.
"""
import argparse
import collections
import os
import sys

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "onnx.md")
BEGIN, END = "<!-- begin generated op lists -->", "<!-- end generated op lists -->"
_FAMILIES = [("elementwise", "Elementwise, comparisons, logic"), ("reduce", "Reductions, scans, softmax"),
             ("shape", "Views, reshaping, joining, copies"), ("indexing", "Indexing"),
             ("creation", "Creation (sizes read from traced tensors)"), ("linalg", "Matrix products"),
             ("nn", "Neural-network functions"), ("rnn", "Recurrent ops")]


def lists():
    import ember.onnx
    import ember.onnx.importer  # noqa: F401  (fills the import table)
    from ember.onnx.registry import EXPORTERS, IMPORTERS
    by_family = collections.defaultdict(list)
    for name, fn in EXPORTERS.items():
        by_family[fn.__module__.rsplit(".", 1)[1]].append(name)
    lines = [BEGIN, "", f"### Exported ember ops ({len(EXPORTERS)})", ""]
    known = {f for f, _ in _FAMILIES}
    for family, title in _FAMILIES + [(f, f) for f in sorted(set(by_family) - known)]:
        names = sorted(by_family.get(family, []), key=lambda n: (n.startswith("Tensor."), n))
        if names:
            lines.append(f"- **{title}**: " + ", ".join(f"`{n}`" for n in names))
    domains = collections.defaultdict(list)
    for domain, op_type in IMPORTERS:
        domains[domain].append(op_type)
    lines += ["", f"### Imported ONNX ops ({len(IMPORTERS)})", ""]
    for domain in sorted(domains):
        label = "default domain (ai.onnx)" if domain == "" else domain
        lines.append(f"- **{label}**: " + ", ".join(sorted(domains[domain])))
    lines += ["", END]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with open(DOC) as f:
        text = f.read()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    updated = text[:start] + lists() + text[end:]
    if args.check:
        if updated != text:
            print("docs/onnx.md's op lists are stale: run tools/onnx_op_lists.py")
            sys.exit(1)
        return
    with open(DOC, "w") as f:
        f.write(updated)


if __name__ == "__main__":
    main()
