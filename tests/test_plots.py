import pytest
import torch

from course_lib.plots import plot_lookup_cost, plot_table


def test_lookup_cost_plot_has_both_curves_and_labels():
    rows = [{"vocab_size": v, "gather_ms": 0.01, "one_hot_ms": v / 1e3, "one_hot_mb": v / 1e2} for v in (10, 100)]
    ax = plot_lookup_cost(rows)
    assert len(ax.get_lines()) == 2
    assert ax.get_xscale() == "log" and ax.get_title() and ax.get_ylabel()
    assert list(ax.get_lines()[0].get_xdata()) == [10, 100]


def test_table_plot_outlines_the_highlighted_rows():
    ax = plot_table(torch.randn(5, 3), highlight=[1, 3], row_labels=list("abcde"))
    assert [p.get_y() + 0.5 for p in ax.patches] == [1, 3]
    assert [t.get_text() for t in ax.get_yticklabels()] == list("abcde")
    with pytest.raises(ValueError, match="2-D"):
        plot_table(torch.zeros(3))
