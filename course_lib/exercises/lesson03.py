"""Exercises of notebooks/03_parameters.ipynb."""
from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping

import torch
from torch import nn

from . import Exercise, Incorrect, expect_int, expect_shape, expect_type

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]


def _check_q1(answer) -> None:
    expect_type(answer, (tuple, list, torch.Size), "a shape such as (1, 2, 3)")
    got = tuple(answer)
    if got == (17, 64):
        raise Incorrect("your shape has no leading 1: pos_embedding is stored as (1, N+1, D) so that it "
                        "broadcasts over the batch when added to tokens of shape (B, N+1, D).")
    if got == (1, 16, 64):
        raise Incorrect("your shape counts the patches but not the cls token, which gets a position too.")
    if got in {(1, 65, 64), (1, 64, 64)}:
        raise Incorrect("your shape has one position per 4 x 4 patch; with patch_size=8 there are fewer patches.")
    if got == (1, 1, 64):
        raise Incorrect("that is the shape of the cls token; pos_embedding has one row per token.")
    expect_shape(answer, (1, 17, 64), what="your shape")


q1 = Exercise(
    "q1",
    "A vision transformer for 32 x 32 images with `patch_size=8` and `embedding_dim=64` has a cls "
    "token and one learned position per token. What is the shape of its `pos_embedding`? Answer "
    "with a tuple.",
    check=_check_q1,
    hints=[
        "Count the patches first: how many 8 x 8 patches tile a 32 x 32 image?",
        "TinyViT's is `(1, N + 1, D)`: one row per patch plus one for the cls token, and a leading 1 "
        "for the batch.",
    ],
    solution="answer = (1, (32 // 8) ** 2 + 1, 64)",
    explanation="(32 / 8)^2 = 16 patches plus the cls token make 17 tokens, each with a 64-dim "
                "position vector; the leading 1 broadcasts over the batch.",
)

_Q2_CODE = """```python
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(4, 4) for _ in range(3)]
        self.scale = nn.Parameter(torch.ones(1))
        self.offset = torch.zeros(4, requires_grad=True)
        self.register_buffer("steps", torch.zeros(()))
```"""


def _check_q2(answer) -> None:
    reasons = {
        7: "you counted the weights and biases of the three Linear layers: they sit in a Python list, "
           "which nn.Module never looks inside.",
        8: "you counted the layers in the Python list and the plain tensor attribute; neither is registered.",
        2: "one tensor too many: a plain tensor attribute is not registered (requires_grad or not), and "
           "a buffer is in state_dict() but not in parameters().",
        3: "two tensors too many: only an nn.Parameter (or a registered module's parameters) counts.",
        0: "self.scale is an nn.Parameter assigned to an attribute of the module: that registers it.",
    }
    expect_int(answer, 1, what="your count", mistakes=reasons)


q2 = Exercise(
    "q2",
    "How many tensors does `list(Model().parameters())` hold for this module? Predict it, then check "
    "by running it if you like.\n\n" + _Q2_CODE,
    check=_check_q2,
    hints=[
        "Go attribute by attribute: which of them did section 1 and section 2 find in `parameters()`?",
        "A Python list of layers is not registered (`nn.ModuleList` would be); a plain tensor and a "
        "buffer are never parameters.",
    ],
    solution="answer = 1",
    explanation="Only `scale` is registered as a parameter. The Linear layers sit in a plain list (use "
                "`nn.ModuleList`), `offset` is a plain tensor (use `nn.Parameter`), and `steps` is a "
                "buffer: saved in `state_dict()`, never trained.",
)

_Q3_CODE = """```python
class Scaler(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(3))
        self.register_buffer("mean", torch.zeros(3))
        self.register_buffer("cache", torch.zeros(3), persistent=False)
        self.step = torch.zeros(())
```"""


def _check_q3(answer) -> None:
    if isinstance(answer, Mapping):
        raise Incorrect("that is the whole dict; answer with its names, e.g. `set(sd)` or `sd.keys()`.")
    if isinstance(answer, Iterable) and not isinstance(answer, (str, bytes, torch.Tensor)):
        answer = list(answer)  # a keys view (`Scaler().state_dict().keys()`) or any other collection of names
    expect_type(answer, (set, frozenset, list, tuple), "a set of names, e.g. {'weight'}")
    if not all(isinstance(a, str) for a in answer):
        raise Incorrect("answer with the names as strings, e.g. {'weight'}.")
    got = set(answer)
    if "cache" in got:
        raise Incorrect("a buffer registered with persistent=False is moved by .to() but not saved in state_dict().")
    if "step" in got:
        raise Incorrect("a plain tensor attribute is invisible to the module: not saved, not moved, not trained.")
    if "weight" not in got:
        raise Incorrect("a parameter is always part of the state_dict.")
    if "mean" not in got:
        raise Incorrect("a (persistent) buffer is saved in the state_dict, though it is not trained.")
    if got != {"weight", "mean"}:
        raise Incorrect(f"{len(got - {'weight', 'mean'})} of your names are not attributes of Scaler.")


q3 = Exercise(
    "q3",
    "Which names appear in `Scaler().state_dict()`? Answer with a set of strings.\n\n" + _Q3_CODE,
    check=_check_q3,
    hints=[
        "`state_dict()` holds what a checkpoint must restore: the parameters, and the buffers that ask to be saved.",
        "`persistent=False` is how a buffer asks *not* to be saved (Hugging Face models register their "
        "`position_ids` that way).",
    ],
    solution='answer = {"weight", "mean"}',
    explanation="Parameters and persistent buffers are saved; a non-persistent buffer follows `.to()` "
                "but is left out of checkpoints; a plain tensor attribute is invisible to the module.",
)


# The parameters of every model q4.inputs() handed out, held weakly: the check accepts an optimizer only
# over one of these models, not over a copy, another model or fresh tensors of the same shapes.
_Q4_HANDED_OUT: list[tuple[weakref.ref, ...]] = []


def _q4_inputs() -> dict:
    torch.manual_seed(4)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 2))
    _Q4_HANDED_OUT[:] = [refs for refs in _Q4_HANDED_OUT if all(r() is not None for r in refs)]
    _Q4_HANDED_OUT.append(tuple(weakref.ref(p) for p in model.parameters()))
    return {"model": model}


def _holds_a_handed_out_model(params) -> bool:
    held = {id(p) for p in params}
    return any(all(r() is not None for r in refs) and {id(r()) for r in refs} == held for refs in _Q4_HANDED_OUT)


def _check_q4(answer) -> None:
    if isinstance(answer, nn.Module):
        raise Incorrect("that is a model; answer with the optimizer that trains it.")
    expect_type(answer, torch.optim.Optimizer, "a torch.optim optimizer")
    if not isinstance(answer, torch.optim.Adam) or isinstance(answer, torch.optim.AdamW):
        raise Incorrect(f"that is torch.optim.{type(answer).__name__}; the question asks for Adam.")
    params = [p for group in answer.param_groups for p in group["params"]]
    shapes = sorted(tuple(p.shape) for p in params)
    if shapes != sorted([(10, 4), (2, 4), (2,)]):
        raise Incorrect(f"your optimizer holds {len(params)} tensor(s) of shapes {shapes}; it should hold "
                        "every parameter of q4.model: the table, the Linear weight and its bias.")
    if not _holds_a_handed_out_model(params):
        raise Incorrect("your optimizer holds tensors of the right shapes, but not q4.model's own parameters (a copy, "
                        "another model or new tensors): its steps would never reach q4.model. Build it from "
                        "q4.model.parameters(), with q4 = ex.q4.inputs().")
    lrs = {group["lr"] for group in answer.param_groups}
    if lrs == {0.001}:
        raise Incorrect("your optimizer uses Adam's default learning rate, 0.001: pass the rate you want.")
    if lrs != {0.01}:
        raise Incorrect(f"your optimizer's learning rate is {sorted(lrs)}; the question asks for 0.01.")


q4 = Exercise(
    "q4",
    "Build an Adam optimizer that trains every parameter of `q4.model` with a learning rate of 0.01 "
    "(`q4 = ex.q4.inputs()`). Answer with the optimizer.",
    check=_check_q4,
    inputs=_q4_inputs,
    hints=[
        "`torch.optim.Adam(params, ...)`: the first argument is an iterable of the tensors to train.",
        "Every torch optimizer calls the learning rate `lr`; `learning_rate=` is Keras' name and raises "
        "a TypeError here.",
    ],
    solution="answer = torch.optim.Adam(q4.model.parameters(), lr=0.01)",
    explanation="`model.parameters()` yields every registered parameter, and `lr` is the argument name "
                "(section 5.1 shows the TypeError that `learning_rate=` raises).",
)


class _TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 3)
        self.head = nn.Linear(3, 2)

    def forward(self, ids):
        return self.head(self.emb(ids))


def _q5_inputs() -> dict:
    torch.manual_seed(5)
    return {"model": _TwoLayers(), "vectors": torch.randn(6, 3)}


def _check_q5(answer) -> None:
    if not callable(answer) or isinstance(answer, nn.Module):
        raise Incorrect("answer with the function itself, e.g. `answer = load` (no parentheses).")
    inputs = _q5_inputs()
    model, vectors = inputs["model"], inputs["vectors"]
    original = vectors.clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)  # built before loading, as in a training script
    tracked = {id(p) for group in optimizer.param_groups for p in group["params"]}
    try:
        answer(model, vectors)
    except RuntimeError as err:
        raise Incorrect(f"your function raised RuntimeError: {err}. Autograd refuses in-place changes to a "
                        "parameter it tracks, unless they happen under torch.no_grad().") from None
    weight = model.emb.weight
    if not torch.equal(weight.detach(), original):
        raise Incorrect("after your function, model.emb.weight does not hold the pretrained vectors.")
    if id(weight) not in tracked:
        raise Incorrect("your function put a new tensor into the model: the optimizer, built earlier, still "
                        "updates the old one, so the loaded vectors would never train.")
    if not weight.requires_grad:
        raise Incorrect("the loaded table is frozen (requires_grad=False); the question asks for a table that trains.")
    optimizer.zero_grad()
    model(torch.tensor([0, 1, 2])).sum().backward()
    optimizer.step()
    if torch.equal(weight.detach(), original):
        raise Incorrect("a training step did not change model.emb.weight.")
    if not torch.equal(vectors, original):
        raise Incorrect("training changed the caller's `vectors` too: your table shares their memory. "
                        "Copy the values in instead.")


q5 = Exercise(
    "q5",
    "A training script builds its optimizer first and loads pretrained vectors afterwards. Write a "
    "function `load(model, vectors)` that puts `vectors` (shape `(6, 3)`) into `model.emb.weight` so "
    "that the optimizer built *before* the call trains them, and the caller's `vectors` stay as they "
    "are. Answer with the function. (`q5 = ex.q5.inputs()` gives a model and vectors to try it on.)",
    check=_check_q5,
    inputs=_q5_inputs,
    hints=[
        "`model.emb.weight = nn.Parameter(vectors)` makes a new Parameter; which tensor does the "
        "optimizer hold?",
        "Change the values of the existing Parameter in place, under `torch.no_grad()` so autograd allows it.",
    ],
    solution="""def load(model, vectors):
    with torch.no_grad():
        model.emb.weight.copy_(vectors)

answer = load""",
    explanation="`copy_` writes into the Parameter the optimizer already holds, so its updates land "
                "where the model reads; copying (rather than sharing) leaves the caller's tensor alone. "
                "`torch.no_grad()` is needed because an in-place change to a leaf that requires grad "
                "would otherwise raise.",
)


def _check_q6(answer) -> None:
    reasons = {
        129_000: "you counted the shared weight twice: parameters() yields one Parameter once, however many "
                 "layers use it.",
        128_000: "you counted the shared weight twice and left out the bias.",
        64_000: "the head's bias is not tied: it still has its own 1000 numbers.",
    }
    expect_int(answer, 65_000, what="your count", mistakes=reasons)


q6 = Exercise(
    "q6",
    "`emb = nn.Embedding(1000, 64)` and `head = nn.Linear(64, 1000)` (with its bias). After "
    "`head.weight = emb.weight`, how many numbers does "
    "`sum(p.numel() for p in nn.ModuleList([emb, head]).parameters())` count?",
    check=_check_q6,
    hints=[
        "After tying, how many distinct Parameters are there, and what are their shapes?",
        "`parameters()` yields each Parameter object once, even if two modules hold it.",
    ],
    solution="answer = 1000 * 64 + 1000",
    explanation="The tied weight (1000 x 64) is one Parameter, counted once; the head's bias (1000) is "
                "its own. Untied, the two layers would hold 129,000 numbers.",
)


def _check_q7(answer) -> None:
    if not callable(answer) or isinstance(answer, nn.Module):
        raise Incorrect("answer with the function itself, e.g. `answer = freeze` (no parentheses).")
    torch.manual_seed(7)
    emb, head = nn.Embedding(5, 3), nn.Linear(3, 1)
    optimizer = torch.optim.AdamW([*emb.parameters(), *head.parameters()], lr=0.1)  # momentum and weight decay
    ids = torch.tensor([0, 1, 2])

    def step():
        optimizer.zero_grad(set_to_none=False)
        head(emb(ids)).sum().backward()
        optimizer.step()

    step()
    step()
    head(emb(ids)).sum().backward()          # a gradient is left in emb.weight.grad ...
    try:
        answer(emb.weight)                   # ... when the table is frozen
    except Exception as err:  # any error in the learner's function becomes the message
        raise Incorrect(f"your function raised {type(err).__name__}: {err}") from None
    frozen, head_before = emb.weight.detach().clone(), head.weight.detach().clone()
    optimizer.step()                         # the step that the last backward() was for
    for _ in range(3):
        step()
    if emb.weight.requires_grad:
        raise Incorrect("after your function, the table still requires grad: every backward() computes a "
                        "gradient for it, and the optimizer applies it.")
    if not torch.equal(emb.weight.detach(), frozen):
        raise Incorrect("the table no longer requires grad, but it still moved: a .grad tensor is left for the "
                        "optimizer (the stale one, or the zeros of zero_grad(set_to_none=False)), and AdamW's "
                        "momentum and weight decay act on it.")
    if torch.equal(head.weight.detach(), head_before):
        raise Incorrect("the table stays, but the rest of the model stopped training too; freeze only the table.")


q7 = Exercise(
    "q7",
    "An AdamW optimizer (it has momentum and weight decay) already holds `emb.weight`, the last "
    "`backward()` left a gradient in `emb.weight.grad`, and the training loop calls "
    "`optimizer.zero_grad(set_to_none=False)`. Write a function `freeze(weight)` after which no "
    "`optimizer.step()` moves `weight`, while the rest of the model keeps training. Answer with the "
    "function.",
    check=_check_q7,
    hints=[
        "Section 5.3: what does an optimizer do with a Parameter whose `.grad` is a tensor, and with one "
        "whose `.grad` is `None`?",
        "Two lines: stop autograd from computing new gradients for it, and throw away the one it already has.",
    ],
    solution="""def freeze(weight):
    weight.requires_grad_(False)
    weight.grad = None

answer = freeze""",
    explanation="`requires_grad_(False)` stops `backward()` from computing new gradients for the table; "
                "`weight.grad = None` drops the one already there. With no `.grad`, `zero_grad(set_to_none="
                "False)` has nothing to zero and every optimizer skips the Parameter: no step, no momentum, "
                "no weight decay.",
)
