import pytest
import torch

from course_lib.plots import plot_lookup_cost, plot_table


def test_lookup_cost_plot_has_both_curves_and_labels():
    rows = [{"vocab_size": v, "gather_ms": 0.01, "one_hot_ms": v / 1e3} for v in (10, 100)]
    ax = plot_lookup_cost(rows)
    assert len(ax.get_lines()) == 2
    assert ax.get_xscale() == "log" and ax.get_title() and ax.get_ylabel()
    assert list(ax.get_lines()[0].get_xdata()) == [10, 100]


def test_table_plot_outlines_the_highlighted_rows():
    ax = plot_table(torch.randn(5, 3), highlight=[1, 3], row_labels=list("abcde"))
    outlined = [p for p in ax.patches if p.get_gid() == "highlight"]
    assert [round(p.get_y() + p.get_height() / 2) for p in outlined] == [1, 3]
    assert sum(p.get_gid() == "faded" for p in ax.patches) == 3
    assert [t.get_fontweight() for t in ax.get_yticklabels()][:2] == ["normal", "bold"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list("abcde")
    with pytest.raises(ValueError, match="2-D"):
        plot_table(torch.zeros(3))
