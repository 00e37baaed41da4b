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
