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


# ---- lesson 02
def test_table_plot_names_its_colour_bar():
    ax = plot_table(torch.randn(4, 2), value_label="gradient")
    assert ax.figure.axes[-1].get_ylabel() == "gradient"
    assert plot_table(torch.randn(4, 2)).figure.axes[-1].get_ylabel() == "weight value"


def test_gradient_memory_plot_draws_what_it_is_given():
    from course_lib.autograd_lookup import gradient_memory
    from course_lib.plots import plot_gradient_memory

    rows = gradient_memory([10, 1000], num_ids=8, embedding_dim=4)
    ax = plot_gradient_memory(rows)
    dense, sparse = ax.get_lines()
    assert list(dense.get_ydata()) == [r["dense_bytes"] / 1024 for r in rows]
    assert list(sparse.get_ydata()) == [r["sparse_bytes"] / 1024 for r in rows]
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_title()


def test_row_drift_plot_has_a_line_per_optimizer_and_shades_the_batch_steps():
    from course_lib.plots import plot_row_drift

    ax = plot_row_drift({"SGD": [0.2, 0.0, 0.0], "Adam": [0.1, 0.08, 0.07]}, left_after=1)
    assert [line.get_label() for line in ax.get_lines()] == ["SGD", "Adam"]
    assert list(ax.get_lines()[1].get_ydata()) == [0.1, 0.08, 0.07]
    (shade,) = ax.patches
    assert shade.get_x() == 0.5 and ax.get_xlabel() and ax.get_title()


# ---- lesson 06
def test_freezing_costs_plot_draws_each_strategy_against_the_floor():
    from course_lib.plots import plot_freezing_costs

    rows = [{"strategy": "zero_grad", "ms_per_step": 400.0, "optimizer_bytes": 8 * 2**20},
            {"strategy": "partially_frozen", "ms_per_step": 5.0, "optimizer_bytes": 2**20},
            {"strategy": "floor", "ms_per_step": 4.0, "optimizer_bytes": 2**20}]
    ax = plot_freezing_costs(rows)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["zero_grad", "partially_frozen"]
    assert [t.get_text().strip() for t in ax.texts] == ["100x", "1.2x"]
    assert ax.get_xscale() == "log" and ax.get_title() and ax.get_xlabel()
    assert [bar.get_width() for bar in ax.patches] == [400.0, 5.0]
    assert ax.get_lines()[0].get_xdata()[0] == 4.0                      # the floor's dashed line
    ax = plot_freezing_costs(rows, "optimizer_bytes")
    assert [bar.get_width() for bar in ax.patches] == [8.0, 1.0]        # MiB
    with pytest.raises(ValueError, match="metric"):
        plot_freezing_costs(rows, "seconds")
    with pytest.raises(ValueError, match="floor"):
        plot_freezing_costs(rows[:2])
