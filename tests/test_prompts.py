"""Soft prompts: init, freezing, mask and label extension, Hugging Face GPT-2, save/load."""
import pytest
import torch

from course_lib.models import TinyLM, TinyLMConfig
from course_lib.prompts import INITS, PromptTunedModel, SoftPrompt, nearest_tokens

V, D, P = 30, 16, 4


def tiny_lm(seed=0):
    torch.manual_seed(seed)
    return TinyLM(TinyLMConfig(vocab_size=V, d_model=D, n_heads=2, max_len=16)).eval()


def gpt2(seed=0):
    import transformers  # a dependency of the course (lesson 07): a missing package fails, never skips

    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=V, n_positions=16, n_embd=D, n_layer=2, n_head=2,
                                     bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(config).eval()


BASES = {"tinylm": tiny_lm, "gpt2": gpt2}


def batch():
    ids = torch.randint(V, (2, 6), generator=torch.Generator().manual_seed(1))
    mask = torch.ones(2, 6, dtype=torch.long)
    mask[1, 4:] = 0                                                      # the second row is padded
    return ids, mask


def test_random_init_is_uniform_in_half_open_unit_interval():
    w = SoftPrompt(200, 50, generator=torch.Generator().manual_seed(0)).weight
    assert w.min() >= -0.5 and w.max() < 0.5 and abs(w.mean()) < 0.02 and w.std() > 0.28


def test_vocab_init_copies_distinct_rows_of_the_table():
    table = torch.randn(V, D)
    w = SoftPrompt(P, D, "vocab", embedding_weight=table, generator=torch.Generator().manual_seed(0)).weight
    rows = [int((table == row).all(dim=1).nonzero()) for row in w]     # each prompt vector is one table row
    assert len(set(rows)) == P and rows != list(range(P))              # not simply the first P rows


@pytest.mark.parametrize("init", ["text", "labels"])
def test_text_and_label_init_repeat_or_cut_the_ids(init):
    table = torch.randn(V, D)
    assert torch.equal(SoftPrompt(5, D, init, embedding_weight=table, init_token_ids=[3, 9]).weight,
                       table[[3, 9, 3, 9, 3]])
    assert torch.equal(SoftPrompt(2, D, init, embedding_weight=table, init_token_ids=torch.tensor([7, 8, 6])).weight,
                       table[[7, 8]])


@pytest.mark.parametrize("kwargs, match", [
    ({"init": "zeros"}, "init must be one of"),
    ({"init": "vocab"}, "needs embedding_weight"),
    ({"init": "vocab", "embedding_weight": torch.randn(V, D + 1)}, r"\(V, 16\)"),
    ({"init": "labels", "embedding_weight": torch.randn(V, D)}, "needs init_token_ids"),
    ({"init": "text", "embedding_weight": torch.randn(V, D), "init_token_ids": [V]}, "ids in 0..29"),
])
def test_bad_init_arguments_name_the_option(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SoftPrompt(P, D, **kwargs)


@pytest.mark.parametrize("name", BASES)
def test_wrapper_freezes_the_base_and_trains_only_p_times_d_numbers(name):
    base = BASES[name]()
    before = {k: v.clone() for k, v in base.state_dict().items()}
    model = PromptTunedModel(base, P)
    assert all(not p.requires_grad for p in base.parameters())
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert len(trainable) == 1 and trainable[0] is model.soft_prompt.weight and trainable[0].numel() == P * D
    ids, mask = batch()
    optimizer = torch.optim.Adam(trainable, lr=0.1)
    prompt_before = model.soft_prompt.weight.detach().clone()
    for _ in range(3):
        optimizer.zero_grad()
        model(ids, attention_mask=mask, labels=ids).loss.backward()
        optimizer.step()
    assert not torch.equal(model.soft_prompt.weight, prompt_before)
    for k, v in base.state_dict().items():
        assert torch.equal(v, before[k]), k


@pytest.mark.parametrize("name", BASES)
def test_logits_equal_the_base_run_on_the_concatenation_by_hand(name):
    base = BASES[name]()
    model = PromptTunedModel(base, P, generator=torch.Generator().manual_seed(0))
    ids, mask = batch()
    out = model(ids, attention_mask=mask, labels=ids)
    prompt = model.soft_prompt.weight.expand(2, -1, -1)                          # (B, P, D)
    embeds = torch.cat([prompt, base.get_input_embeddings()(ids)], dim=1)        # (B, P + T, D)
    by_hand = base(inputs_embeds=embeds, attention_mask=torch.cat([torch.ones(2, P, dtype=torch.long), mask], 1),
                   labels=torch.cat([torch.full((2, P), -100), ids], 1))
    assert out.logits.shape == (2, P + 6, V)
    torch.testing.assert_close(out.logits, by_hand.logits)
    torch.testing.assert_close(out.loss, by_hand.loss)


def test_mask_and_labels_are_extended_with_ones_and_minus_100():
    seen = {}

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(V, D)

        def get_input_embeddings(self):
            return self.emb

        def forward(self, inputs_embeds, attention_mask=None, labels=None):
            seen.update(embeds=inputs_embeds, mask=attention_mask, labels=labels)
            return inputs_embeds

    model = PromptTunedModel(Spy(), P)
    ids, mask = batch()
    model(ids, attention_mask=mask, labels=ids)
    assert seen["embeds"].shape == (2, P + 6, D)
    assert torch.equal(seen["mask"], torch.cat([torch.ones(2, P, dtype=torch.long), mask], 1))
    assert torch.equal(seen["labels"], torch.cat([torch.full((2, P), -100), ids], 1))
    assert seen["mask"].dtype == mask.dtype
    model(ids)
    assert seen["mask"] is None and seen["labels"] is None


def test_save_and_load_round_trip_into_a_fresh_frozen_model(tmp_path):
    model = PromptTunedModel(tiny_lm(), P, generator=torch.Generator().manual_seed(3))
    path = model.save_prompt(tmp_path / "prompt.pt")
    assert path.stat().st_size < 5_000
    state = torch.load(path, weights_only=True)
    assert set(state) == {"format", "weight"}                           # only the prompt, not the base model
    fresh = PromptTunedModel(tiny_lm(), P, generator=torch.Generator().manual_seed(4))
    assert not torch.equal(fresh.soft_prompt.weight, model.soft_prompt.weight)
    fresh.load_prompt(path)
    ids, mask = batch()
    torch.testing.assert_close(fresh(ids, attention_mask=mask).logits, model(ids, attention_mask=mask).logits)


def test_load_refuses_a_prompt_of_the_wrong_shape(tmp_path):
    path = PromptTunedModel(tiny_lm(), 5).save_prompt(tmp_path / "p5.pt")
    model = PromptTunedModel(tiny_lm(), P)
    before = model.soft_prompt.weight.detach().clone()
    with pytest.raises(ValueError, match=r"shape \(5, 16\).*\(4, 16\).*num_virtual_tokens=5"):
        model.load_prompt(path)
    assert torch.equal(model.soft_prompt.weight, before)                # nothing loaded half-way
    torch.save({"weight": torch.zeros(P, D)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a prompt"):
        model.load_prompt(tmp_path / "other.pt")


def test_nearest_tokens_finds_the_rows_a_prompt_was_copied_from():
    table = torch.randn(V, D, generator=torch.Generator().manual_seed(0))
    words = [f"w{i}" for i in range(V)]
    prompt = SoftPrompt(3, D, "text", embedding_weight=table, init_token_ids=[5, 2, 9]).weight
    near = nearest_tokens(prompt, table, words, k=3)
    assert [row[0] for row in near] == ["w5", "w2", "w9"] and all(len(row) == 3 for row in near)
    scored = nearest_tokens(prompt, table, words, k=1, return_scores=True)
    assert scored[0][0][0] == "w5" and scored[0][0][1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="share D"):
        nearest_tokens(prompt[:, :3], table, words)


def test_wrapper_rejects_a_model_without_input_embeddings():
    with pytest.raises(TypeError, match="get_input_embeddings"):
        PromptTunedModel(torch.nn.Linear(3, 3), P)
    assert set(INITS) == {"random", "vocab", "text", "labels"}


def test_generate_keeps_the_prompt_at_every_step_and_stops_at_eos():
    from course_lib.prompts import generate

    torch.manual_seed(0)
    base = TinyLM(TinyLMConfig(vocab_size=12, d_model=16, n_heads=2, max_len=16))
    model = PromptTunedModel(base, 3, generator=torch.Generator().manual_seed(1))
    ids = torch.tensor([[4, 5], [6, 7]])
    out = generate(model, ids, max_new_tokens=5)
    expected = ids
    for _ in range(5):  # by hand: the prompt model on everything so far, every step
        with torch.no_grad():
            expected = torch.cat([expected, model(expected).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(out, expected) and model.training
    first = int(out[0, 2])
    stopped = generate(model, ids[:1], max_new_tokens=5, eos_id=first)
    assert stopped.shape == (1, 3)                          # stopped once every row emitted eos_id
    with pytest.raises(ValueError, match="ids.unsqueeze\\(0\\)"):
        generate(model, ids[0], max_new_tokens=2)
    with pytest.raises(ValueError, match="max_new_tokens must be a positive int"):
        generate(model, ids, max_new_tokens=0)


@pytest.mark.parametrize("name", BASES)
def test_forward_checks_ids_before_any_kernel(name):
    model = PromptTunedModel(BASES[name](), P)
    ids, mask = batch()
    with pytest.raises(IndexError, match=r"input_ids\[0, 1\] is -1, .* num_embeddings=30 .*Negative ids"):
        model(torch.tensor([[3, -1]]))                                  # -1 would silently read the last row
    with pytest.raises(IndexError, match=r"input_ids\[1, 0\] is 30, .* ids must be in 0..29"):
        model(torch.tensor([[3, 4], [30, 2]]))
    with pytest.raises(TypeError, match="got dtype torch.float32"):
        model(ids.float())
    with pytest.raises(ValueError, match=r"for one sentence use ids.unsqueeze\(0\)"):
        model(ids[0])
    with pytest.raises(ValueError, match=r"attention_mask must have the shape of input_ids \(B, T\) = \(2, 6\); "
                                         r"got \(2, 5\)"):
        model(ids, attention_mask=mask[:, :5])
    with pytest.raises(ValueError, match=r"labels must have the shape of input_ids"):
        model(ids, labels=ids[:1])


def test_save_prompt_never_replaces_a_file_unasked_and_never_half_writes(tmp_path, monkeypatch):
    model = PromptTunedModel(tiny_lm(), P, generator=torch.Generator().manual_seed(3))
    path = model.save_prompt(tmp_path / "prompt.pt")
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save_prompt(path)
    with pytest.raises(FileNotFoundError, match="no folder"):
        model.save_prompt(tmp_path / "missing" / "prompt.pt")

    def fail(*args):
        raise OSError(28, "No space left on device")

    with torch.no_grad():
        model.soft_prompt.weight.add_(1.0)
    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError, match=f"cannot write {path}"):
        model.save_prompt(path, overwrite=True)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["prompt.pt"]
    monkeypatch.undo()
    model.save_prompt(path, overwrite=True)
    assert path.read_bytes() != before


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_load_prompt_refuses_non_finite_values_and_names_the_file(tmp_path, bad):
    model = PromptTunedModel(tiny_lm(), P)
    with torch.no_grad():
        model.soft_prompt.weight[1, 2] = bad
    path = model.save_prompt(tmp_path / "diverged.pt")
    fresh = PromptTunedModel(tiny_lm(), P)
    before = fresh.soft_prompt.weight.detach().clone()
    with pytest.raises(ValueError, match=r"diverged.pt has 1 NaN or infinite value"):
        fresh.load_prompt(path)
    assert torch.equal(fresh.soft_prompt.weight, before)


def test_load_prompt_names_the_file_for_garbage_and_missing_files(tmp_path):
    model = PromptTunedModel(tiny_lm(), P)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a torch file at all")
    with pytest.raises(ValueError, match=r"garbage.pt is not a prompt written by PromptTunedModel.save_prompt "
                                         r"\(torch.load: "):
        model.load_prompt(garbage)
    with pytest.raises(FileNotFoundError, match="no prompt file at .*absent.pt"):
        model.load_prompt(tmp_path / "absent.pt")
    torch.save({"format": "course_lib.SoftPrompt", "weight": torch.zeros(P, D, dtype=torch.long)},
               tmp_path / "ints.pt")
    with pytest.raises(ValueError, match="holds torch.int64 values"):
        model.load_prompt(tmp_path / "ints.pt")
