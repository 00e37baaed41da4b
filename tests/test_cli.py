"""The command line, run as a user runs it: python -m course_lib ..."""
import subprocess
import sys

import pytest

from course_lib.tools.cli import main
from course_lib.tools.bench import BENCHMARKS, _table, run


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "course_lib", *args], capture_output=True, text=True, timeout=300)


def test_doctor_exits_zero_and_prints_the_report():
    result = _cli("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 9 checks passed" in result.stdout


def test_make_data_check_confirms_the_committed_data():
    result = _cli("make-data", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "byte-identical" in result.stdout


def test_help_lists_the_commands():
    result = _cli("--help")
    for command in ("doctor", "make-data", "notebooks", "bench"):
        assert command in result.stdout


def test_unknown_benchmark_is_refused():
    with pytest.raises(SystemExit, match="unknown benchmark 'nope'; choose from notebooks, threads"):
        run(["nope"])
    assert "notebooks" in BENCHMARKS


def test_bench_table_lines_up():
    text = _table(["notebook", "seconds"], [["00_start_here.ipynb", "3.5"], ["all", "12.0"]])
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1 and lines[1].startswith("---")


def test_notebooks_clean_only_normalises_metadata(tmp_path, capsys):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[0].metadata["ExecuteTime"] = {"start": "now"}
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    assert main(["notebooks", "--clean-only", str(path)]) == 0
    cleaned = nbformat.read(path, as_version=4)
    assert "widgets" not in cleaned.metadata and "ExecuteTime" not in cleaned.cells[0].metadata
    assert cleaned.cells[0].id == "0"


def test_notebooks_refresh_executes_and_numbers_cells(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 20"), nbformat.v4.new_code_cell("x + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    assert main(["notebooks", str(path)]) == 0
    done = nbformat.read(path, as_version=4)
    assert [c.execution_count for c in done.cells] == [1, 2]
    assert done.cells[1].outputs[0]["data"]["text/plain"] == "21"


def test_a_failing_notebook_is_left_untouched(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="99_x.ipynb: CellExecutionError"):
        main(["notebooks", str(path)])
    assert path.read_bytes() == before


def test_thread_benchmark_measures_quiet_and_busy(capsys):
    from course_lib.tools.bench import bench_threads

    rows = bench_threads(thread_counts=(1,), steps=20)
    assert [(r["threads"], r["other core"]) for r in rows] == [(1, "quiet"), (1, "busy")]
    assert all(r["seconds"] > 0 and r["slowest step (ms)"] > 0 for r in rows)
    assert "slowest step (ms)" in capsys.readouterr().out


# ---------------------------------------------------------------- arguments checked before any long work
def _refused(capsys, argv):
    """Run the command in-process; it must stop with status 2 and one line naming the argument."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.fixture
def no_training(monkeypatch):
    """Training or a study run would mean the arguments were not checked first."""
    import course_lib.lm
    import course_lib.prompt_study

    def never(*args, **kwargs):
        raise AssertionError("long work started before the arguments were checked")

    monkeypatch.setattr(course_lib.lm, "pretrain_tiny_lm", never)
    monkeypatch.setattr(course_lib.prompt_study, "run_study", never)


@pytest.mark.parametrize("args, message", [
    (["--steps", "-5"], "--steps must be >= 1; got -5"),
    (["--steps", "0"], "--steps must be >= 1; got 0"),
    (["--seed", "-1"], "--seed must be >= 0; got -1"),
    (["--out", "{tmp}/missing/lm.pt"], "--out {tmp}/missing/lm.pt: the folder {tmp}/missing does not exist"),
    (["--out", "{tmp}"], "--out {tmp} is a folder; give a file path"),
    (["--out", "{tmp}/old.pt"], "--out {tmp}/old.pt exists; pass --force to replace it"),
    (["--out", "/proc/lm.pt"], "--out /proc/lm.pt: cannot write in /proc"),     # refused even as root
])
def test_train_tinylm_checks_its_arguments_before_training(tmp_path, capsys, no_training, args, message):
    (tmp_path / "old.pt").write_bytes(b"a good checkpoint")
    args = [a.format(tmp=tmp_path) for a in args]
    err = _refused(capsys, ["train-tinylm", *args])
    assert err.startswith("python -m course_lib train-tinylm: error: " + message.format(tmp=tmp_path)), err
    assert (tmp_path / "old.pt").read_bytes() == b"a good checkpoint"


@pytest.mark.parametrize("args, message", [
    (["--seeds", "0", "1", "0"], "--seeds 0 1 0: 0 repeats; give each once"),
    (["--seeds", "-2"], "--seeds must be >= 0; got -2"),
    (["--tasks", "topic", "topic"], "--tasks topic topic: topic repeats"),
    (["--out", "{tmp}/missing/study.json"], "--out {tmp}/missing/study.json: the folder {tmp}/missing does not exist"),
    (["--out", "{tmp}"], "--out {tmp} is a folder"),
])
def test_prompt_study_checks_its_arguments_before_running(tmp_path, capsys, no_training, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    err = _refused(capsys, ["prompt-study", *args])
    assert err.startswith("python -m course_lib prompt-study: error: " + message.format(tmp=tmp_path)), err


@pytest.mark.parametrize("command", ["student", "slides", "site"])
def test_output_folders_and_notebook_paths_are_checked_first(tmp_path, capsys, command):
    lesson = "notebooks/00_start_here.ipynb"
    (tmp_path / "a_file").write_text("")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    cases = [
        ([lesson, "--out", f"{tmp_path}/a_file"], f"--out {tmp_path}/a_file is a file; give a folder"),
        ([lesson, "--out", f"{tmp_path}/a_file/deeper"], f"is inside {tmp_path}/a_file, which is a file"),
        ([lesson, "--out", "/proc/course"], "--out /proc/course: cannot write in /proc"),
        ([f"{tmp_path}/nope.ipynb"], f"no such notebook: {tmp_path}/nope.ipynb"),
        ([str(tmp_path)], "(a folder; name the .ipynb files in it)"),
        ([f"{tmp_path}/a_file"], "is not a notebook (.ipynb)"),
        ([f"{tmp_path}/broken.ipynb"], f"{tmp_path}/broken.ipynb is not a readable notebook"),
    ]
    for args, message in cases:
        assert message in _refused(capsys, [command, *args])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "broken.ipynb"]


def test_train_tinylm_force_replaces_whole_or_keeps_the_old_checkpoint(tmp_path, capsys, monkeypatch):
    import torch

    import course_lib.lm
    from course_lib.lm import lm_vocab, load_tiny_lm
    from course_lib.models import TinyLM, TinyLMConfig

    def quick(num_steps, seed):                                         # a stand-in for 2 minutes of training
        torch.manual_seed(seed)
        model = TinyLM(TinyLMConfig(vocab_size=len(lm_vocab()), d_model=16, n_heads=2, n_layers=1, d_ff=32))
        return model.eval(), {"heldout_loss": 6.0, "seconds": 0.0, "num_steps": num_steps}

    monkeypatch.setattr(course_lib.lm, "pretrain_tiny_lm", quick)
    out = tmp_path / "lm.pt"
    assert main(["train-tinylm", "--out", str(out), "--steps", "1"]) == 0
    first = out.read_bytes()
    assert load_tiny_lm(out)[0].config.d_model == 16

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", full_disk)
    with pytest.raises(SystemExit, match=f"cannot write {out}: No space left on device; {out} was left as it was"):
        main(["train-tinylm", "--out", str(out), "--steps", "1", "--seed", "3", "--force"])
    assert out.read_bytes() == first and sorted(p.name for p in tmp_path.iterdir()) == ["lm.pt"]
    monkeypatch.undo()
    monkeypatch.setattr(course_lib.lm, "pretrain_tiny_lm", quick)
    assert main(["train-tinylm", "--out", str(out), "--steps", "1", "--seed", "3", "--force"]) == 0
    assert out.read_bytes() != first


def test_a_trained_file_written_into_data_gets_its_checksum_recorded(tmp_path, monkeypatch):
    """train-tinylm --force and prompt-study write into data/: SHA256SUMS must follow, or doctor fails."""
    import shutil

    from course_lib import data
    from course_lib.tools import cli as cli_module

    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    monkeypatch.setattr(data, "DATA_DIR", copy)
    (copy / "prompt_study.json").write_text('{"rows": []}\n')          # as if prompt-study rewrote it
    assert any("prompt_study.json" in p for p in data.verify_data(copy, trained=True))
    cli_module._record_trained(copy / "prompt_study.json")
    assert data.verify_data(copy, trained=True) == []
    before = (copy / "SHA256SUMS").read_bytes()
    cli_module._record_trained(tmp_path / "tinylm.pt")                   # outside data/: nothing to record
    assert (copy / "SHA256SUMS").read_bytes() == before
