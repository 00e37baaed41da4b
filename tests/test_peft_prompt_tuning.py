"""PEFT's prompt tuning and the course's PromptTunedModel compute the same thing (lesson 07, "The same prompt with PEFT").

Both wrap one GPT-2 built from a small config (nothing downloaded); the same prompt vectors are copied
into both, and everything that follows must be equal bit for bit on the CPU.
"""
import warnings

import peft  # the "hf" extra, which `make test` and CI install: a missing package fails, never skips
import pytest
import torch
import transformers

from course_lib.prompts import PromptTunedModel

V, D, T = 30, 16, 6


def gpt2(seed=0):
    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=V, n_positions=32, n_embd=D, n_layer=2, n_head=2,
                                     bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(config).eval()


def peft_prompt_tuning(base, num_virtual_tokens, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # transformers 5 renamed an attribute PEFT 0.21 still reads
        config = peft.PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=num_virtual_tokens, **kwargs)
        return peft.get_peft_model(base, config)


def peft_weight(model):
    return model.prompt_encoder["default"].embedding.weight                 # (P, D)


def wrapped_twice(num_virtual_tokens, init="random"):
    """One GPT-2 wrapped by PromptTunedModel and by PEFT, PEFT's prompt overwritten with ours."""
    base = gpt2()
    ours = PromptTunedModel(base, num_virtual_tokens, init, generator=torch.Generator().manual_seed(0))
    theirs = peft_prompt_tuning(base, num_virtual_tokens)
    with torch.no_grad():
        peft_weight(theirs).copy_(ours.soft_prompt.weight)
    return base, ours, theirs


def padded_batch():
    ids = torch.randint(1, V, (3, T), generator=torch.Generator().manual_seed(1))
    mask = torch.ones(3, T, dtype=torch.long)
    mask[1, 4:] = 0                                                          # right-padded rows
    mask[2, 2:] = 0
    ids = ids.masked_fill(mask == 0, 0)
    return ids, mask, ids.masked_fill(mask == 0, -100)


@pytest.mark.parametrize("num_virtual_tokens, init", [(1, "random"), (4, "vocab"), (8, "random")])
def test_the_same_prompt_gives_the_same_logits_loss_and_gradient_bit_for_bit(num_virtual_tokens, init):
    P = num_virtual_tokens
    _, ours, theirs = wrapped_twice(P, init)
    ids, mask, labels = padded_batch()
    a = ours(ids, attention_mask=mask, labels=labels)
    b = theirs(input_ids=ids, attention_mask=mask, labels=labels)
    assert a.logits.shape == b.logits.shape == (3, P + T, V)                # both return the P prompt positions too
    assert torch.equal(a.logits, b.logits)                                   # every position, padded ones included
    assert torch.equal(a.loss, b.loss)
    a.loss.backward()
    b.loss.backward()
    assert ours.soft_prompt.weight.grad.abs().sum() > 0
    assert torch.equal(ours.soft_prompt.weight.grad, peft_weight(theirs).grad)


def test_both_put_the_prompt_first_at_positions_0_to_p_minus_1_with_a_visible_mask():
    P = 4
    base, ours, theirs = wrapped_twice(P)
    ids, mask, _ = padded_batch()
    prompt = ours.soft_prompt.weight.unsqueeze(0).expand(3, -1, -1)          # (B, P, D)
    by_hand = base(inputs_embeds=torch.cat([prompt, base.get_input_embeddings()(ids)], dim=1),
                   attention_mask=torch.cat([torch.ones(3, P, dtype=torch.long), mask], dim=1),
                   position_ids=torch.arange(P + T).unsqueeze(0))            # the prompt at 0 .. P-1
    with torch.no_grad():
        assert torch.equal(theirs(input_ids=ids, attention_mask=mask).logits, by_hand.logits)
        assert torch.equal(ours(ids, attention_mask=mask).logits, by_hand.logits)


def test_peft_drops_position_ids_with_a_warning():
    _, _, theirs = wrapped_twice(4)
    ids, mask, _ = padded_batch()
    with torch.no_grad():
        plain = theirs(input_ids=ids, attention_mask=mask).logits
        with pytest.warns(UserWarning, match="Position ids are not supported"):
            shifted = theirs(input_ids=ids, attention_mask=mask, position_ids=torch.arange(T).unsqueeze(0) + 5).logits
    assert torch.equal(plain, shifted)


def test_both_freeze_the_whole_base_and_train_only_p_times_d_numbers():
    P = 5
    base, ours, theirs = wrapped_twice(P)
    assert not any(p.requires_grad for p in base.parameters())
    assert [n for n, p in ours.named_parameters() if p.requires_grad] == ["soft_prompt.weight"]
    assert [n for n, p in theirs.named_parameters() if p.requires_grad] == ["prompt_encoder.default.embedding.weight"]
    assert peft_weight(theirs).shape == ours.soft_prompt.weight.shape == (P, D)
    assert theirs.peft_config["default"].token_dim == D                       # read from the model's config


def test_peft_inits_random_from_the_standard_normal_and_sample_vocab_from_table_rows():
    normal = peft_weight(peft_prompt_tuning(gpt2(), 200))                     # nn.Embedding's own init, N(0, 1)
    assert 0.95 < normal.std() < 1.05 and abs(normal.mean()) < 0.05 and normal.abs().max() > 2
    ours = PromptTunedModel(gpt2(), 200, generator=torch.Generator().manual_seed(0)).soft_prompt.weight
    assert ours.min() >= -0.5 and ours.max() < 0.5                            # the course's U(-0.5, 0.5)
    base = gpt2()
    torch.manual_seed(0)
    sampled = peft_weight(peft_prompt_tuning(base, 20, prompt_tuning_init="SAMPLE_VOCAB")).detach()
    table = base.get_input_embeddings().weight                                # (V, D)
    assert (sampled[:, None] == table[None]).all(dim=-1).any(dim=-1).all()    # every vector is a row of the table
