"""A PNG line chart of the last weeks' answers per service; small numbers are left as gaps."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from digests.texts import Texts


def weekly_chart(
    weeks: Sequence[str], series: Mapping[str, Sequence[int | None]], texts: Texts
) -> bytes:
    """`series`: service name -> answers per week, None where the count is suppressed.

    Its title and axis are in the words of `texts`, as the rest of the digest is.
    """
    # Imported here: matplotlib takes a while to load and only the digest needs it.
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        positions = list(range(len(weeks)))
        for name, counts in series.items():
            values = [float("nan") if c is None else float(c) for c in counts]
            axes.plot(positions, values, marker="o", label=name)
        axes.set_xticks(positions, [w.split("-")[-1] for w in weeks])
        axes.set_ylim(bottom=0)
        axes.set_title(texts("chart"))
        axes.set_ylabel(texts("chart_axis"))
        axes.grid(alpha=0.3)
        if series:
            axes.legend(fontsize="small", loc="upper left")
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)
