"""What a run shows: the progress bar on stderr while it runs, the table at the end, and the
roofline plot (matplotlib, imported only when a plot is asked for)."""
import shutil
import sys
import time


class Progress:
    """A one-line text bar on stderr, redrawn in place on a terminal; elsewhere (a log, a pipe) a
    line each time another twentieth of the work is done."""

    def __init__(self, total, stream=None, width=24):
        self.total, self.done, self.width = max(1, total), 0, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.t0 = time.perf_counter()
        self._last_bucket = -1

    def start(self, label):
        """Shows what is running now."""
        if self.tty:
            self._draw(label)

    def advance(self, label=""):
        self.done += 1
        bucket = self.done * 20 // self.total
        if self.tty:
            self._draw(label)
        elif bucket != self._last_bucket or self.done == self.total:
            self._last_bucket = bucket
            self._draw(label, end="\n")

    def close(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, label, end=""):
        filled = self.done * self.width // self.total
        elapsed = int(time.perf_counter() - self.t0)
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done:4d}/{self.total} "
                f"{100 * self.done // self.total:3d}%  {elapsed // 60}:{elapsed % 60:02d}  {label}")
        if self.tty:  # one terminal row, or the carriage return would not reach the line's start
            cols = shutil.get_terminal_size().columns - 1
            line = "\r" + line[:cols].ljust(cols)
        self.stream.write(line + end)
        self.stream.flush()


# ---- the table ------------------------------------------------------------------------------------

def seconds(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _mib(nbytes):
    return "-" if nbytes is None else f"{nbytes / (1 << 20):.1f} MiB"


def _cell(entry):
    if entry is None:
        return "-"
    if "error" in entry:
        return "error"
    return seconds(entry["median_s"])


def _spread(entry):
    if not entry or "error" in entry or not entry["median_s"]:
        return "-"
    return f"±{100 * entry['iqr_s'] / entry['median_s']:.0f}%"


def _rate(entry, peak_shares=False):
    if not entry or "error" in entry:
        return "-"
    gflops, gbps = entry.get("gflops"), entry.get("gbps")
    if gflops is not None and (gbps is None or peak_shares or entry.get("bound") == "compute"):
        return f"{gflops:.1f} GFLOP/s"
    return "-" if gbps is None else f"{gbps:.1f} GB/s"


def _roof(entry):
    """The share of the roofline; for GEMM-like cases, of the FMA peak on all cores and on one."""
    if not entry or "error" in entry:
        return "-"
    if entry.get("all_cores_peak_share") is not None:
        return (f"{100 * entry['all_cores_peak_share']:.0f}% of peak "
                f"(1-core {100 * entry['one_core_peak_share']:.0f}%)")
    if entry.get("roofline_share") is None:
        return "-"
    return f"{100 * entry['roofline_share']:.0f}%"


def _ratio(case):
    if case.get("ratio") is None:
        return "-"
    return f"{case['ratio']:.2f} ({case['best_peer']})"


def table(cases, libs):
    """Markdown tables, one per suite, of the cases as run.py records them."""
    lines = []
    ops = [c for c in cases if c["suite"] == "ops"]
    models = [c for c in cases if c["suite"] == "models"]
    if ops:
        peers = [lib for lib in libs if lib != "ember" and any(lib in c["results"] for c in ops)]
        head = ["case", "ember", "spread"] + peers + ["peer/ember", "ember rate", "roofline"]
        rows = []
        for c in ops:
            e = c["results"].get("ember")
            rows.append([c["name"] + (" [check failed]" if (c.get("check") or "").startswith("failed") else ""),
                         _cell(e), _spread(e)] + [_cell(c["results"].get(p)) for p in peers]
                        + [_ratio(c), _rate(e, c.get("peak_shares")), _roof(e)])
        lines += _markdown(head, rows)
    if models:
        if lines:
            lines.append("")
        peers = [lib for lib in libs if lib != "ember" and any(lib in c["results"] for c in models)]
        head = ["model step", "ember", "spread"] + peers + ["peer/ember", "ember +memory"] + [
            f"{p} +memory" for p in peers]
        rows = []
        for c in models:
            e = c["results"].get("ember")
            rows.append([c["name"], _cell(e), _spread(e)] + [_cell(c["results"].get(p)) for p in peers]
                        + [_ratio(c), _mib((e or {}).get("step_memory_bytes"))]
                        + [_mib((c["results"].get(p) or {}).get("step_memory_bytes")) for p in peers])
        lines += _markdown(head, rows)
    return "\n".join(lines)


def _markdown(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]


# ---- the plot -------------------------------------------------------------------------------------

def plot(path, cases, roofline, title):
    """A roofline of the cases with a flop count (achieved GFLOP/s against flops per byte, under
    the measured bandwidth and FMA peak), beside the share of the bandwidth that the streaming
    cases (bytes, no flop count) reach."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    markers = {"ember": ("o", "tab:red"), "torch": ("s", "tab:blue"), "numpy": ("^", "tab:green")}
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(15, 7), gridspec_kw={"width_ratios": [3, 2]})
    bw = (roofline.get("bandwidth") or {}).get("gbps")
    peak = (roofline.get("peak") or {}).get("float32") or {}
    flop_cases = [c for c in cases if c.get("flops") and c.get("bytes")]
    intensities = [c["flops"] / c["bytes"] for c in flop_cases] or [1.0]
    lo, hi = min(intensities) / 2, max(intensities) * 2
    if bw and peak:  # show the ridge, where the bandwidth stops limiting
        lo, hi = min(lo, peak["one_core_gflops"] / bw / 4), max(hi, peak["gflops"] / bw * 4)
        import numpy as np
        x = np.geomspace(lo, hi, 200)
        ax.plot(x, np.minimum(x * bw, peak["gflops"]), "k-",
                label=f"roofline: {bw:.0f} GB/s, {peak['gflops']:.0f} GFLOP/s ({peak['threads']} cores)")
        ax.plot(x, np.minimum(x * bw, peak["one_core_gflops"]), "k:",
                label=f"one core: {peak['one_core_gflops']:.0f} GFLOP/s")
    for lib, (marker, color) in markers.items():
        pts = [(c["flops"] / c["bytes"], c["results"][lib]["gflops"], c["name"]) for c in flop_cases
               if lib in c["results"] and c["results"][lib].get("gflops")]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, color=color, label=lib, alpha=0.8)
            if lib == "ember":
                for xi, yi, name in pts:
                    if xi > 1:  # label the compute-side cases; the streaming ones crowd the left edge
                        ax.annotate(name, (xi, yi), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (flop / byte, each operand moved once)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")

    stream = [c for c in cases if c.get("bytes") and not c.get("flops") and c["results"].get("ember", {}).get("gbps")]
    stream += [c for c in cases if c.get("flops") and c.get("bytes") and c["flops"] / c["bytes"] < 1
               and c["results"].get("ember", {}).get("gbps")]
    if bw and stream:
        names = [c["name"] for c in stream]
        for offset, lib in ((-0.2, "ember"), (0.2, "torch"), (0.4, "numpy")):
            vals = [(c["results"].get(lib) or {}).get("gbps") or 0 for c in stream]
            if any(vals):
                bars.barh([i + offset for i in range(len(stream))], [100 * v / bw for v in vals], height=0.2,
                          color=markers[lib][1], label=lib)
        bars.set_yticks(range(len(stream)))
        bars.set_yticklabels(names, fontsize=6)
        bars.invert_yaxis()
        bars.axvline(100, color="k", lw=0.8)
        bars.set_xlabel(f"% of the copy bandwidth, {bw:.0f} GB/s (above 100%: in cache)")
        bars.legend(fontsize=8)
    else:
        bars.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
