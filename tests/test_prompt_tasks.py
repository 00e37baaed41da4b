"""The verbalizer tasks: layout of the ids, the readout position, emit and rank."""
import torch

from course_lib.lm import lm_vocab
from course_lib.models import TinyLM, TinyLMConfig
from course_lib.prompt_tasks import evaluate, make_task, readout_logits, train_verbalizer
from course_lib.prompts import PromptTunedModel

VOCAB = lm_vocab()


def test_task_rows_are_prefix_sentence_suffix_right_padded():
    task = make_task("topic", "validation", VOCAB, prefix=["we"], suffix=["then", "we", "talked", "about"])
    assert len(task) == 600 and task.classes[0] == "animals"
    assert VOCAB.decode(task.label_word_ids) == list(task.classes)
    row, n = task.input_ids[0], int(task.lengths[0])
    assert VOCAB.decode(row[:1]) == ["we"] and VOCAB.decode(row[n - 4:n]) == ["then", "we", "talked", "about"]
    assert (row[n:] == VOCAB.pad_id).all()
    assert torch.bincount(task.labels).tolist() == [100] * 6                # balanced classes


class Constant(torch.nn.Module):
    """A 'language model' whose next-token scores favour one word everywhere."""

    def __init__(self, word_id):
        super().__init__()
        self.scores = torch.nn.Parameter(torch.zeros(len(VOCAB)))
        with torch.no_grad():
            self.scores[word_id] = 1.0

    def forward(self, input_ids, attention_mask=None):
        return type("Out", (), {"logits": self.scores.expand(*input_ids.shape, -1)})


def test_emit_and_rank_count_what_they_say():
    task = make_task("sentiment", "validation", VOCAB)
    good = Constant(VOCAB["good"])                                          # always says "good"
    assert evaluate(good, task) == {"emit": 0.5, "rank": 0.5}
    other = Constant(VOCAB["<eos>"])                                        # says <eos>; ties among label words
    assert evaluate(other, task)["emit"] == 0.0


def test_readout_is_after_the_last_real_token_with_or_without_a_prompt():
    torch.manual_seed(0)
    base = TinyLM(TinyLMConfig(vocab_size=len(VOCAB), d_model=16, n_heads=2)).eval()
    task = make_task("sentiment", "validation", VOCAB).subset(torch.arange(5))
    logits = readout_logits(base, task)                                     # (5, V)
    for i in range(5):
        n = int(task.lengths[i])
        alone = base(input_ids=task.input_ids[i:i + 1, :n]).logits[0, -1]   # the row without padding
        torch.testing.assert_close(logits[i], alone)
    model = PromptTunedModel(base, 3)
    with_prompt = readout_logits(model, task)
    n = int(task.lengths[0])
    torch.testing.assert_close(with_prompt[0], model(task.input_ids[:1, :n]).logits[0, -1])


def test_training_a_prompt_moves_only_the_prompt_and_lowers_the_loss():
    from course_lib.lm import load_tiny_lm

    base, _ = load_tiny_lm()                                                # the shipped checkpoint
    before = {k: v.clone() for k, v in base.state_dict().items()}
    model = PromptTunedModel(base, 2, "vocab", generator=torch.Generator().manual_seed(0))
    task = make_task("sentiment", "train", VOCAB)
    fixed = task.subset(torch.arange(64))

    def loss():
        with torch.no_grad():
            return torch.nn.functional.cross_entropy(readout_logits(model, fixed),
                                                     task.label_word_ids[fixed.labels]).item()

    start = loss()
    history = train_verbalizer(model, task, num_steps=40, lr=0.1, batch_size=16)
    assert len(history["loss"]) == 40 and loss() < start - 1.0              # it learns to emit label words
    assert all(torch.equal(v, before[k]) for k, v in base.state_dict().items())
