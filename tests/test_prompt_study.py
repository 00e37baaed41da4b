"""Lesson 07's comparison grid: the methods, one run of each kind, the stored results file, its summary and the CLI."""
import json

import matplotlib
import pytest
import torch

from course_lib import prompt_study
from course_lib.tools.cli import main as cli
from course_lib.lm import load_tiny_lm
from course_lib.plots import plot_prompt_study
from course_lib.prompt_study import METHODS, Method, load_study, run_method, run_study, summarize

TINY_SOFT = Method("soft P=2 vocab", "soft", 2, "vocab", lr=0.03, num_steps=5)


@pytest.fixture(scope="module")
def study():
    return load_study()


@pytest.fixture
def one_thread():
    """The results file was written on one thread; float sums depend on the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_methods_have_unique_names_and_the_lookup_names_the_choices():
    assert len({m.name for m in METHODS}) == len(METHODS)
    assert prompt_study.method("full fine-tuning").kind == "full"
    with pytest.raises(ValueError, match="no method 'soft P=3'.*choose one of"):
        prompt_study.method("soft P=3")


def test_results_file_has_every_method_task_and_seed(study):
    base, _ = load_tiny_lm()
    n_base, D = sum(p.numel() for p in base.parameters()), base.config.d_model
    for task, num_labels in (("sentiment", 2), ("topic", 6)):
        for m in METHODS:
            seeds = sorted(r["seed"] for r in study if (r["task"], r["method"]) == (task, m.name))
            assert seeds == ([0, 1, 2] if m.trained else [None]), (task, m.name)
            row = next(r for r in study if (r["task"], r["method"]) == (task, m.name))
            expected = {"soft": m.num_virtual_tokens * D, "full": n_base, "table": base.config.vocab_size * D,
                        "rows": num_labels * D}.get(m.kind, 0)
            assert row["trainable"] == expected, (task, m.name)
            assert 0 <= row["emit"] <= row["rank"] <= 1


def test_a_stored_row_is_what_running_it_gives(study, one_thread):
    got = run_method("soft P=5 vocab", "sentiment", seed=1)
    stored = next(r for r in study if (r["task"], r["method"], r["seed"]) == ("sentiment", "soft P=5 vocab", 1))
    assert (got["emit"], got["rank"], got["trainable"]) == (stored["emit"], stored["rank"], stored["trainable"])


def test_untrained_methods_match_the_file_and_a_hand_written_suffix_beats_no_prompt(study):
    for name in ("no prompt", "hand-written suffix"):
        got = run_method(name, "sentiment")
        stored = next(r for r in study if (r["task"], r["method"]) == ("sentiment", name))
        assert (got["emit"], got["rank"], got["seed"]) == (stored["emit"], stored["rank"], None)
    assert next(r for r in study if r["method"] == "hand-written suffix")["emit"] > 0.5
    assert next(r for r in study if r["method"] == "no prompt")["emit"] == 0.0


def test_label_word_rows_train_only_those_rows():
    row = run_method(Method("label-word rows", "rows", lr=0.1, num_steps=5), "sentiment")
    trained = row["model"].get_input_embeddings().weight.detach()
    original = load_tiny_lm()[0].get_input_embeddings().weight
    changed = (trained != original).any(dim=1).nonzero().flatten().tolist()
    assert sorted(changed) == sorted(row["vocab"].encode(["bad", "good"]).tolist())


def test_soft_runs_train_only_the_prompt_and_keep_snapshots():
    row = run_method(TINY_SOFT, "topic", snapshot_every=2)
    assert row["trainable"] == 2 * 64
    assert row["history"]["snapshot_steps"] == [0, 2, 4]
    assert torch.equal(row["model"].base_model.wte.weight, load_tiny_lm()[0].wte.weight)


def test_run_study_writes_a_file_load_study_reads(tmp_path):
    out = tmp_path / "study.json"
    lines = []
    rows = run_study(("sentiment",), (0, 1), (METHODS[0], TINY_SOFT), out=out, print_fn=lines.append)
    assert [(r["method"], r["seed"]) for r in rows] == [("no prompt", None), (TINY_SOFT.name, 0), (TINY_SOFT.name, 1)]
    assert load_study(out) == rows and "wrote" in lines[-1]
    assert [p.name for p in tmp_path.iterdir()] == ["study.json"]              # no temporary file left
    assert json.loads(out.read_text())["methods"][1]["num_virtual_tokens"] == 2


def test_load_study_refuses_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m course_lib prompt-study"):
        load_study(tmp_path / "nope.json")
    (tmp_path / "other.json").write_text('{"rows": []}')
    with pytest.raises(ValueError, match="not written by"):
        load_study(tmp_path / "other.json")


def test_summary_and_table_cover_every_method(study):
    summary = summarize(study)
    assert len(summary) == 2 * len(METHODS)
    full = next(s for s in summary if (s["task"], s["method"]) == ("sentiment", "full fine-tuning"))
    emits = [r["emit"] for r in study if (r["task"], r["method"]) == ("sentiment", "full fine-tuning")]
    assert full["n"] == 3 and full["emit_min"] == min(emits) and full["emit_max"] == max(emits)
    table = prompt_study.format_summary(summary, "topic")
    assert all(m.name in table for m in METHODS) and "±" in table


def test_plot_draws_one_point_per_method_and_refuses_bad_arguments(study):
    matplotlib.use("Agg")
    summary = summarize(study)
    ax = plot_prompt_study(summary, "sentiment", chance=0.5)
    assert len(ax.containers) == len(METHODS) and ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="metric must be"):
        plot_prompt_study(summary, "sentiment", "loss")
    with pytest.raises(ValueError, match="no rows for task 'mood'"):
        plot_prompt_study(summary, "mood")


def test_cli_passes_options_through_and_never_overwrites_the_checkpoint(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli(["prompt-study", "--help"])
    assert exit_info.value.code == 0 and "--seeds" in capsys.readouterr().out
    existing = tmp_path / "tinylm.pt"
    existing.write_bytes(b"mine")
    with pytest.raises(SystemExit) as exit_info:
        cli(["train-tinylm", "--out", str(existing)])
    assert exit_info.value.code == 2 and "pass --force" in capsys.readouterr().err
    assert existing.read_bytes() == b"mine"


def test_format_by_task_puts_both_tasks_on_one_line_per_method(study):
    summary = summarize(study)
    table = prompt_study.format_by_task(summary)
    lines = table.splitlines()
    assert len(lines) == 1 + len(METHODS)                                  # a header and one line per method
    assert lines[0].split()[-4:] == ["sentiment", "emit", "topic", "emit"]
    rows_line = next(line for line in lines if line.startswith("label-word rows"))
    assert "128 / 384" in rows_line                                        # 2 and 6 label words of 64 numbers
    full = next(s for s in summary if (s["task"], s["method"]) == ("topic", "soft P=20 labels"))
    assert f"{full['emit_mean']:.3f} ± {full['emit_sd']:.3f}" in table
    assert "rank" in prompt_study.format_by_task(summary, key="rank").splitlines()[0]
    with pytest.raises(ValueError, match="key must be 'emit' or 'rank'; got 'acc'"):
        prompt_study.format_by_task(summary, key="acc")
