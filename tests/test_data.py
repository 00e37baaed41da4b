"""data/: committed files match their checksums and regenerate byte for byte; loaders; safety."""
import shutil
import subprocess

import pytest

from course_lib import data, toyworld
from course_lib.tools import make_data
from course_lib.vocab import Vocab

ALL_FILES = (*data.FILES, "SHA256SUMS")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A data set generated into an empty folder."""
    out = tmp_path_factory.mktemp("fresh")
    make_data.make_data(out)
    return out


@pytest.fixture
def scratch(fresh, tmp_path):
    """A copy of the fresh data set that a test may damage."""
    out = tmp_path / "data"
    shutil.copytree(fresh, out)
    return out


# ----------------------------------------------------------------- the committed data/
def test_committed_data_matches_its_checksums():
    assert data.DATA_DIR.is_dir(), "data/ is missing: run `python -m course_lib make-data`"
    assert data.verify_data(data.DATA_DIR) == []


def test_regenerated_data_is_byte_identical_to_committed_data(fresh):
    """The checksum test: make-data on any machine writes exactly the committed bytes."""
    written = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert written == sorted(ALL_FILES)
    for rel in data.FILES:
        assert (fresh / rel).read_bytes() == (data.DATA_DIR / rel).read_bytes(), rel
    # the committed SHA256SUMS also lists the trained files, which a fresh folder lacks
    committed = (data.DATA_DIR / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    assert (fresh / "SHA256SUMS").read_text(encoding="ascii").splitlines() == [
        line for line in committed if line.split("  ", 1)[1] not in data.TRAINED]
    assert make_data.check_reproducible(data.DATA_DIR) == []


def test_sha256sums_is_in_sha256sum_format(fresh):
    lines = (fresh / "SHA256SUMS").read_bytes().decode("ascii").split("\n")
    assert lines[-1] == ""  # ends with a newline
    paths = [line.split("  ", 1)[1] for line in lines[:-1]]
    assert paths == sorted(data.FILES)
    if shutil.which("sha256sum") is None:
        pytest.skip("no sha256sum program here; the format was checked above")
    run = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=fresh, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_text_files_are_utf8_lf_single_spaced(fresh):
    for rel in ALL_FILES:
        raw = (fresh / rel).read_bytes()
        raw.decode("utf-8")
        assert raw.endswith(b"\n") and b"\r" not in raw, rel
    corpus = (fresh / "toyworld/corpus.txt").read_text(encoding="utf-8")
    assert "  " not in corpus and "\n\n" not in corpus and not corpus.startswith(" ")


def test_data_is_small(fresh):
    assert sum((fresh / rel).stat().st_size for rel in ALL_FILES) < 3_000_000


def test_no_temporary_files_are_left(fresh):
    assert not [p for p in fresh.rglob("*.tmp")]


# ----------------------------------------------------------------- nothing a user wrote is overwritten
def test_edited_file_is_not_overwritten_without_force(scratch):
    corpus = scratch / "toyworld/corpus.txt"
    corpus.write_text("my own corpus\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"toyworld/corpus\.txt.*force=True"):
        make_data.make_data(scratch)
    assert corpus.read_text(encoding="utf-8") == "my own corpus\n"  # untouched
    assert data.verify_data(scratch) != []


def test_force_replaces_edited_files(scratch):
    (scratch / "toyworld/corpus.txt").write_text("my own corpus\n", encoding="utf-8")
    (scratch / "README.md").write_text("notes\n", encoding="utf-8")
    make_data.make_data(scratch, force=True)
    assert data.verify_data(scratch) == []
    assert make_data.check_reproducible(scratch) == []


def test_file_with_its_recorded_checksum_is_regenerated_freely(scratch):
    """A stale generated file (older generator, checksum still recorded) is not a user's edit."""
    old = b"an older corpus\n"
    (scratch / "toyworld/corpus.txt").write_bytes(old)
    sums = (scratch / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    sums = [f"{data.sha256(old)}  toyworld/corpus.txt" if line.endswith("  toyworld/corpus.txt")
            else line for line in sums]
    (scratch / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="ascii")
    assert data.verify_data(scratch) == []
    make_data.make_data(scratch)  # no force needed
    assert make_data.check_reproducible(scratch) == []


def test_unrecorded_differing_file_is_not_overwritten(tmp_path):
    (tmp_path / "toyworld").mkdir()
    (tmp_path / "toyworld/vocab.json").write_text("{}\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"toyworld/vocab\.json"):
        make_data.make_data(tmp_path)
    assert not (tmp_path / "SHA256SUMS").exists()


def test_rerun_on_up_to_date_data_needs_no_force(scratch):
    paths = make_data.make_data(scratch)
    assert [p.relative_to(scratch).as_posix() for p in paths] == list(ALL_FILES)


# ----------------------------------------------------------------- verify_data finds problems
def test_verify_data_reports_each_kind_of_problem(scratch):
    assert data.verify_data(scratch) == []
    (scratch / "toyworld/vocab.json").unlink()
    (scratch / "toyworld/sentences.tsv").write_text("text\n", encoding="utf-8")
    problems = data.verify_data(scratch)
    assert any("toyworld/vocab.json is missing" in p for p in problems)
    assert any("toyworld/sentences.tsv does not match its checksum" in p for p in problems)
    assert len(problems) == 2

    lines = (scratch / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    kept = [line for line in lines if not line.endswith("README.md")] + ["not a checksum line"]
    (scratch / "SHA256SUMS").write_text("\n".join(kept) + "\n", encoding="ascii")
    problems = data.verify_data(scratch)
    assert any("README.md is not listed" in p for p in problems)
    assert any("line 6 is not '<sha256>  <path>'" in p for p in problems)

    (scratch / "SHA256SUMS").unlink()
    assert data.verify_data(scratch) == [
        "data/SHA256SUMS is missing; `python -m course_lib make-data` regenerates it"]


def test_check_reproducible_names_the_differing_file(scratch):
    path = scratch / "toyworld/corpus.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "a changed line\n"
    path.write_text("".join(lines), encoding="utf-8")
    (scratch / "toyworld/vocab.json").unlink()
    problems = make_data.check_reproducible(scratch)
    assert len(problems) == 2
    assert "data/toyworld/corpus.txt differs from a fresh generation (first at line 3" in problems[0]
    assert problems[1] == "data/toyworld/vocab.json is missing"


# ----------------------------------------------------------------- loaders
@pytest.fixture(scope="module")
def generated():
    corpus = [list(s.tokens) for s in toyworld.generate(data.CORPUS_TOKENS, seed=data.SEED)]
    sentences = {split: toyworld.labelled(n, split=split, seed=data.SEED)
                 for split, n in data.SPLIT_SIZES.items()}
    return corpus, sentences


@pytest.mark.parametrize("where", ["committed", "absent"])
def test_loaders_return_what_generation_gives(where, generated, tmp_path):
    data_dir = data.DATA_DIR if where == "committed" else tmp_path / "no-data-here"
    corpus, sentences = generated
    assert data.load_corpus(data_dir) == corpus
    for split in data.SPLIT_SIZES:
        assert data.load_sentences(split, data_dir) == sentences[split]
    assert data.load_ground_truth(data_dir) == toyworld.ground_truth()
    assert data.load_vocab(data_dir) == Vocab.from_tokens(corpus)
    assert not (tmp_path / "no-data-here").exists()  # the fallback writes nothing


def test_loader_refuses_an_edited_file_unless_verify_is_false(scratch):
    path = scratch / "toyworld/corpus.txt"
    path.write_text("my own corpus\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"corpus\.txt does not match .*--force.*verify=False"):
        data.load_corpus(scratch)
    assert data.load_corpus(scratch, verify=False) == [["my", "own", "corpus"]]


def test_loader_in_a_broken_data_folder_says_how_to_fix_it(scratch):
    (scratch / "toyworld/sentences.tsv").unlink()
    with pytest.raises(FileNotFoundError, match=r"sentences\.tsv is missing; `python -m course_lib"):
        data.load_sentences("train", scratch)
    with pytest.raises(ValueError, match="split must be one of .*; got 'dev'"):
        data.load_sentences("dev", scratch)


def test_loader_names_a_bad_tsv_line(scratch):
    path = scratch / "toyworld/sentences.tsv"
    path.write_text("text\ttopic\tsentiment\tsplit\nno tabs here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2 is not a row of"):
        data.load_sentences("train", scratch, verify=False)


def test_public_names_are_sorted():
    assert data.__all__ == sorted(data.__all__)


# ----------------------------------------------------------------- every file the lessons read, wherever installed
def test_committed_checksums_cover_the_trained_files_too():
    """SHA256SUMS lists lesson 07's model and results beside the generated files."""
    sums, problems = data.read_checksums(data.DATA_DIR)
    assert problems == [] and set(sums) == {*data.FILES, *data.TRAINED}
    assert data.verify_data(data.DATA_DIR, trained=True) == []


def test_data_dir_is_the_repository_folder_here_and_the_package_data_in_a_wheel():
    # In the repository (and an editable install) there is no course_lib/_data: pyproject.toml
    # maps data/ onto it only when a wheel is built (tests/test_packaging.py installs one).
    assert not data.PACKAGED_DATA_DIR.exists()
    assert data.DATA_DIR == data.REPO_DATA_DIR == data.REPO_DATA_DIR.parent / "data"


@pytest.fixture
def shipped(tmp_path):
    """A copy of the committed data/, trained files included, that a test may damage."""
    out = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, out)
    return out


@pytest.mark.parametrize("rel", sorted(data.TRAINED))
def test_a_missing_trained_file_is_named_with_the_command_that_re_creates_it(shipped, rel):
    (shipped / rel).unlink()
    assert data.verify_data(shipped, trained=True) == [f"data/{rel} is missing; `{data.TRAINED[rel]}` re-creates it"]


def test_trained_files_are_required_even_when_the_checksums_do_not_list_them(shipped):
    (shipped / "tinylm.pt").unlink()
    make_data.make_data(shipped)                           # records only what is there
    assert data.verify_data(shipped) == []                 # a make-data folder needs no trained files...
    assert data.verify_data(shipped, trained=True) == [    # ...the lessons do
        "data/tinylm.pt is missing; `python -m course_lib train-tinylm --force` re-creates it"]
    shutil.copyfile(data.DATA_DIR / "tinylm.pt", shipped / "tinylm.pt")
    assert data.verify_data(shipped, trained=True) == [
        "data/tinylm.pt is not listed in SHA256SUMS; `python -m course_lib make-data` records it"]


def test_a_changed_trained_file_says_how_to_restore_it_or_record_it(shipped):
    (shipped / "prompt_study.json").write_text("[]\n", encoding="utf-8")
    (problem,) = data.verify_data(shipped, trained=True)
    assert problem.startswith("data/prompt_study.json does not match its checksum")
    assert "`python -m course_lib prompt-study` re-creates it" in problem and "make-data` records" in problem
    assert make_data.check_reproducible(shipped) != []     # SHA256SUMS no longer describes the folder
    make_data.make_data(shipped)                           # a deliberate re-run: record the new checksum
    assert data.verify_data(shipped, trained=True) == [] and make_data.check_reproducible(shipped) == []


def test_make_data_check_copies_trained_files_and_compares_their_checksums():
    """`make-data --check` stays byte-identical with the trained files listed in SHA256SUMS."""
    assert make_data.check_reproducible(data.DATA_DIR) == []
    assert data.build_files()[data.CHECKSUMS] != (data.DATA_DIR / data.CHECKSUMS).read_bytes()
    assert data.build_files(trained_from=data.DATA_DIR)[data.CHECKSUMS] == (data.DATA_DIR / data.CHECKSUMS).read_bytes()


def test_messages_name_a_folder_outside_the_repository_by_its_path(tmp_path):
    folder = tmp_path / "_data"
    shutil.copytree(data.DATA_DIR, folder)
    (folder / "tinylm.pt").unlink()
    assert data.verify_data(folder, trained=True) == [
        f"{folder}/tinylm.pt is missing; `python -m course_lib train-tinylm --force` re-creates it"]
