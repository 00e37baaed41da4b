"""accuracy curve of one soft-prompt config: python curve.py TASK P INIT LR BATCH STEPS EVERY SEED"""
import sys, time, torch
torch.set_num_threads(1)
import torch.nn.functional as F
from course_lib.lm import load_tiny_lm
from course_lib.prompt_tasks import make_task, evaluate, readout_logits
from course_lib.prompts import PromptTunedModel
task, P, init, lr, B, steps, every, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
ckpt = sys.argv[9] if len(sys.argv) > 9 else "data/tinylm.pt"
base, vocab = load_tiny_lm(ckpt)
train, val = make_task(task, "train", vocab), make_task(task, "validation", vocab)
model = PromptTunedModel(base, P, init, init_token_ids=train.label_word_ids, generator=torch.Generator().manual_seed(seed))
opt = torch.optim.Adam([model.soft_prompt.weight], lr=lr)
gen = torch.Generator().manual_seed(seed)
t_train = 0; out = []
for step in range(1, steps + 1):
    t = time.perf_counter()
    b = train.subset(torch.randint(len(train), (B,), generator=gen))
    loss = F.cross_entropy(readout_logits(model, b), train.label_word_ids[b.labels])
    opt.zero_grad(); loss.backward(); opt.step()
    t_train += time.perf_counter() - t
    if step % every == 0:
        a = evaluate(model, val)
        out.append(f"{step}:{a['emit']:.3f}/{a['rank']:.3f}")
print(f"{task} P={P} {init} lr={lr} B={B} seed={seed} train_s={t_train:.1f} ms/step={1000*t_train/steps:.1f} | " + " ".join(out), flush=True)
