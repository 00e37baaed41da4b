"""TinyLM: the Hugging Face calling convention, causality, masks, and the shipped checkpoint."""
import pytest
import torch
import torch.nn.functional as F

from course_lib.models import TinyLM, TinyLMConfig

V, D = 30, 16


@pytest.fixture
def model():
    torch.manual_seed(0)
    return TinyLM(TinyLMConfig(vocab_size=V, d_model=D, n_heads=2, max_len=12)).eval()


def test_ids_and_embeds_doors_agree(model):
    ids = torch.randint(V, (3, 7))
    by_ids = model(input_ids=ids).logits
    by_embeds = model(inputs_embeds=model.get_input_embeddings()(ids)).logits
    assert by_ids.shape == (3, 7, V)
    torch.testing.assert_close(by_ids, by_embeds)


def test_loss_is_shifted_inside_and_ignores_minus_100(model):
    ids = torch.randint(V, (2, 6))
    labels = ids.clone()
    labels[0, 3] = -100
    out = model(input_ids=ids, labels=labels)
    logits = out.logits[:, :-1].reshape(-1, V)             # position t predicts token t + 1
    expected = F.cross_entropy(logits, labels[:, 1:].reshape(-1), ignore_index=-100)
    torch.testing.assert_close(out.loss, expected)
    assert model(input_ids=ids).loss is None


def test_causal_a_later_token_changes_no_earlier_logit(model):
    ids = torch.randint(V, (1, 8))
    changed = ids.clone()
    changed[0, 5] = (ids[0, 5] + 1) % V
    a, b = model(input_ids=ids).logits, model(input_ids=changed).logits
    torch.testing.assert_close(a[:, :5], b[:, :5])
    assert not torch.allclose(a[:, 5:], b[:, 5:])


def test_padding_masked_keys_are_ignored(model):
    ids = torch.randint(V, (1, 8))
    mask = torch.ones(1, 8, dtype=torch.long)
    mask[0, 2] = 0                                          # hide position 2 from every later query
    other = ids.clone()
    other[0, 2] = (ids[0, 2] + 1) % V
    a = model(input_ids=ids, attention_mask=mask).logits
    b = model(input_ids=other, attention_mask=mask).logits
    torch.testing.assert_close(a[:, 3:], b[:, 3:])
    assert torch.isfinite(model(input_ids=ids, attention_mask=torch.zeros_like(mask)).logits).all()
    torch.testing.assert_close(model(input_ids=ids, attention_mask=torch.ones_like(mask)).logits,
                               model(input_ids=ids).logits)


def test_output_layer_is_tied_to_the_token_table(model):
    assert model.lm_head.weight is model.get_input_embeddings().weight


@pytest.mark.parametrize("kwargs, match", [
    ({}, "exactly one of input_ids"),
    ({"input_ids": torch.zeros(1, 13, dtype=torch.long)}, "max_len=12"),
    ({"input_ids": torch.tensor([[1, V]])}, "num_embeddings=30"),
    ({"inputs_embeds": torch.zeros(1, 3, D + 1)}, r"inputs_embeds must have shape \(B, T, 16\)"),
    ({"input_ids": torch.zeros(2, 3, dtype=torch.long), "labels": torch.zeros(2, 4, dtype=torch.long)}, "labels must"),
])
def test_bad_input_gets_a_clear_message(model, kwargs, match):
    with pytest.raises((ValueError, IndexError), match=match):
        model(**kwargs)


def test_config_rejects_bad_sizes():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        TinyLMConfig(d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="vocab_size must be a positive int"):
        TinyLMConfig(vocab_size=0)


def test_checkpoint_round_trip(tmp_path, model):
    from course_lib.lm import load_tiny_lm, save_tiny_lm
    from course_lib.vocab import Vocab

    vocab = Vocab(["<pad>", "<unk>"] + [f"w{i}" for i in range(V - 2)])
    path = save_tiny_lm(tmp_path / "lm.pt", model, vocab, {"heldout_loss": 1.0})
    assert set(torch.load(path, weights_only=True)) >= {"config", "state_dict", "tokens"}
    loaded, loaded_vocab = load_tiny_lm(path)
    ids = torch.randint(V, (2, 5))
    torch.testing.assert_close(loaded(input_ids=ids).logits, model(input_ids=ids).logits)
    assert loaded_vocab == vocab and loaded.lm_head.weight is loaded.wte.weight


def test_shipped_checkpoint_predicts_the_corpus():
    from course_lib.lm import CHECKPOINT, load_tiny_lm

    model, vocab = load_tiny_lm(CHECKPOINT)
    assert CHECKPOINT.stat().st_size < 3_000_000
    ids = vocab.encode("<eos> we ate soup for".split())[None]            # (1, 5)
    next_word = vocab.decode(model(input_ids=ids).logits[0, -1].topk(5).indices)
    from course_lib.toyworld import CATEGORIES
    assert set(next_word) & set(CATEGORIES["meals"]), next_word


def _checkpoint(tmp_path, model):
    from course_lib.lm import save_tiny_lm
    from course_lib.vocab import Vocab

    vocab = Vocab(["<pad>", "<unk>"] + [f"w{i}" for i in range(V - 2)])
    return save_tiny_lm(tmp_path / "lm.pt", model, vocab)


@pytest.mark.parametrize("damage, match", [
    (lambda c: c["config"].pop("d_ff"), r"config does not match TinyLMConfig: missing \['d_ff'\]"),
    (lambda c: c["config"].update(width=3), r"config does not match TinyLMConfig: unknown \['width'\]"),
    (lambda c: c["config"].update(n_heads=3), "d_model=16 must be divisible by n_heads=3"),
    (lambda c: c["tokens"].pop(), f"vocabulary has {V - 1} words but its config says vocab_size={V}"),
    (lambda c: c.update(tokens="w0 w1"), "tokens must be a list of words; got str"),
    (lambda c: c["state_dict"]["wte.weight"].__setitem__((3, 1), float("nan")),
     r"state_dict\['wte.weight'\] has 1 NaN or infinite value"),
    (lambda c: c["state_dict"].pop("ln_f.bias"), "Missing key.*ln_f.bias"),
    (lambda c: c["state_dict"].update({"wte.weight": torch.zeros(V, D + 1)}), "size mismatch for wte.weight"),
    (lambda c: c.update(format="other"), "not a TinyLM checkpoint written by course_lib.lm.save_tiny_lm"),
])
def test_load_checks_what_it_loads_and_names_the_file(tmp_path, model, damage, match):
    from course_lib.lm import load_tiny_lm

    path = _checkpoint(tmp_path, model)
    ckpt = torch.load(path, weights_only=True)
    damage(ckpt)
    torch.save(ckpt, path)
    with pytest.raises(ValueError, match=match) as caught:
        load_tiny_lm(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and message.endswith(
        f"re-create it with `python -m course_lib train-tinylm --out {path} --force` (about 2 min)")
    assert "\n" not in message


def test_load_names_the_file_for_garbage_and_truncated_checkpoints(tmp_path, model):
    from course_lib.lm import load_tiny_lm

    path = _checkpoint(tmp_path, model)
    path.write_bytes(path.read_bytes()[:2000])                          # a half-written file
    with pytest.raises(ValueError, match=r"lm.pt: not a readable TinyLM checkpoint \(torch.load: "):
        load_tiny_lm(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"lm.pt: not a readable TinyLM checkpoint"):
        load_tiny_lm(path)


def test_save_never_replaces_unasked_and_a_failed_write_keeps_the_old_checkpoint(tmp_path, model, monkeypatch):
    from course_lib.lm import load_tiny_lm, save_tiny_lm

    path = _checkpoint(tmp_path, model)
    before = path.read_bytes()
    _, vocab = load_tiny_lm(path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_tiny_lm(path, model, vocab)

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError, match=f"cannot write {path}: No space left on device"):
        save_tiny_lm(path, model, vocab, {"run": 2}, overwrite=True)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["lm.pt"]
