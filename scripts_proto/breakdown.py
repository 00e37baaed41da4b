"""accuracy by where the sentiment clause sits: python breakdown.py TASK P STEPS"""
import sys, torch
torch.set_num_threads(1)
from course_lib.lm import load_tiny_lm
from course_lib.prompt_tasks import make_task, readout_logits, train_verbalizer
from course_lib.prompts import PromptTunedModel
from course_lib.data import load_sentences
from course_lib import toyworld as tw
base, vocab = load_tiny_lm("data/tinylm.pt")
task, P, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
train = make_task(task, "train", vocab); val = make_task(task, "validation", vocab)
sentw = {w for c in tw.CATEGORIES for w in tw.CATEGORIES[c] if c.startswith(("positive", "negative"))}
sents = load_sentences("validation")
first = torch.tensor([("when" in s.tokens and any(w in sentw for w in s.tokens[:s.tokens.index("when")])) for s in sents])
def report(name, model):
    with torch.no_grad():
        lg = readout_logits(model, val)
    rank = lg[:, val.label_word_ids].argmax(1) == val.labels
    emit = lg.argmax(1) == val.label_word_ids[val.labels]
    print(f"{name}: clause-first ({first.float().mean():.2f} of rows) emit {emit[first].float().mean():.3f} rank {rank[first].float().mean():.3f}"
          f" | clause-last emit {emit[~first].float().mean():.3f} rank {rank[~first].float().mean():.3f}")
report("frozen, no prompt", base)
model = PromptTunedModel(base, P, "vocab", generator=torch.Generator().manual_seed(0))
train_verbalizer(model, train, num_steps=steps, lr=0.03, batch_size=16, seed=0)
report(f"soft prompt P={P} vocab, {steps} steps", model)
