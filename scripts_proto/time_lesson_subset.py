"""Wall time of the training the lesson would run live (one seed): python scripts_proto/time_lesson_subset.py"""
import time
t00 = time.perf_counter()
import torch
import course_lib
course_lib.setup(seed=0, quiet=True)
from course_lib.lm import load_tiny_lm
from course_lib.prompt_tasks import evaluate, make_task, train_verbalizer
from course_lib.prompts import PromptTunedModel, nearest_tokens

def tick(label, t, **acc):
    print(f"{label:42s} {time.perf_counter() - t:6.2f} s  {acc}", flush=True)

print("threads", torch.get_num_threads())
t = time.perf_counter(); base, vocab = load_tiny_lm(); tasks = {k: (make_task(k, "train", vocab), make_task(k, "validation", vocab)) for k in ("sentiment", "topic")}; tick("load model + tasks", t)
t = time.perf_counter()
for k, words in (("sentiment", ["because", "it", "was"]), ("topic", ["then", "we", "talked", "about"])):
    tick(f"discrete suffix {k}", t, **evaluate(base, make_task(k, "validation", vocab, suffix=words)))
for k in ("sentiment", "topic"):
    t = time.perf_counter()
    base, _ = load_tiny_lm()
    model = PromptTunedModel(base, 20, "vocab", generator=torch.Generator().manual_seed(0))
    train_verbalizer(model, tasks[k][0], num_steps=600, lr=0.03, batch_size=16, seed=0)
    tick(f"soft P=20 vocab {k} 600 steps + eval", t, **evaluate(model, tasks[k][1]))
    print("   nearest:", [row[:3] for row in nearest_tokens(model.soft_prompt.weight, base.get_input_embeddings().weight, vocab, k=3)[:4]])
t = time.perf_counter()
base, _ = load_tiny_lm()
train_verbalizer(base, tasks["sentiment"][0], num_steps=150, lr=1e-3, batch_size=16, seed=0)
tick("full fine-tuning sentiment 150 steps + eval", t, **evaluate(base, tasks["sentiment"][1]))
print(f"total {time.perf_counter() - t00:.1f} s")
