#!/usr/bin/env python3
"""Golden values for src/optim: optimizer trajectories, learning-rate sequences, gradient clipping.

Optimizers: three parameters (shapes [2, 3], [3], [2]) take 20 steps of every optimizer under
every option combination, in float64 and float32. The gradient at step t is a function of the
parameters computed with exact elementwise ops, so the TypeScript test recomputes it bit for bit:
    grad_i = (p_i - target_i) * curvature_i + noise[t][i]
except that the last parameter gets no gradient (None) when t % 3 == 2, which exercises skipped
parameters and lazy state. Writes test/fixtures/optim-<optimizer>.json with the problem, the
parameter values after every step, and (float64) torch's final per-parameter state.

Schedulers: the lr of two parameter groups over 50 steps (test/fixtures/optim-schedulers.json).
Clipping: total norms and clipped gradients (test/fixtures/optim-clip.json).
Needs Debian's python3-torch; the tests only read the JSON.
"""
import itertools
import json
import math

import numpy as np
import torch

from fixture_util import FIX, json_number

STEPS = 20
SHAPES = [[2, 3], [3], [2]]

SNAKE = {
    "weightDecay": "weight_decay", "lrDecay": "lr_decay", "initialAccumulatorValue": "initial_accumulator_value",
    "momentumDecay": "momentum_decay",
}


def values(t):
    """A tensor's elements as JSON numbers; float32 values written as their shortest float32 repr."""
    flat = t.detach().reshape(-1)
    if flat.dtype == torch.float32:
        return [json_number(float(str(np.float32(v)))) for v in flat.tolist()]
    return [json_number(v) for v in flat.tolist()]


def torch_options(options):
    out = {}
    for k, v in options.items():
        out[SNAKE.get(k, k)] = tuple(v) if k == "betas" else v
    return out


def make_problem(seed=7):
    rng = np.random.default_rng(seed)
    params = []
    for shape in SHAPES:
        n = int(np.prod(shape))
        params.append({
            "shape": shape,
            "init": rng.normal(0, 1, n).round(6).tolist(),
            "curvature": rng.uniform(0.5, 2.0, n).round(6).tolist(),
            "target": rng.normal(0, 1, n).round(6).tolist(),
        })
    noise = [[rng.normal(0, 0.3, int(np.prod(s))).round(6).tolist() for s in SHAPES] for _ in range(STEPS)]
    return {"params": params, "noise": noise, "steps": STEPS}


def run_optimizer(problem, case, dtype):
    cls = getattr(torch.optim, case["optimizer"])
    params = [torch.tensor(p["init"], dtype=dtype).reshape(p["shape"]).requires_grad_() for p in problem["params"]]
    curv = [torch.tensor(p["curvature"], dtype=dtype).reshape(p["shape"]) for p in problem["params"]]
    target = [torch.tensor(p["target"], dtype=dtype).reshape(p["shape"]) for p in problem["params"]]
    if case.get("groups"):
        arg = [{"params": [params[i] for i in g["params"]], **torch_options(g["options"])} for g in case["groups"]]
    else:
        arg = params
    opt = cls(arg, **torch_options(case["options"]))
    trajectory = []
    for t in range(STEPS):
        for i, p in enumerate(params):
            if i == 2 and t % 3 == 2:
                p.grad = None
                continue
            noise = torch.tensor(problem["noise"][t][i], dtype=dtype).reshape(p.shape)
            with torch.no_grad():
                p.grad = (p.detach() - target[i]) * curv[i] + noise
        opt.step()
        trajectory.append([v for p in params for v in values(p)])
    state = {}
    for index, s in opt.state_dict()["state"].items():
        entry = {}
        for k, v in s.items():
            if v is None:
                entry[k] = None
            elif isinstance(v, torch.Tensor) and v.dim() > 0:
                entry[k] = values(v)
            else:
                entry[k] = float(v)
        state[str(index)] = entry
    return trajectory, state


def grid(**axes):
    keys = list(axes)
    for combo in itertools.product(*(axes[k] for k in keys)):
        yield {k: v for k, v in zip(keys, combo) if v is not None}


def optimizer_cases():
    cases = {}
    sgd = [o for o in grid(lr=[0.1], momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                           weightDecay=[0, 0.05], maximize=[False, True])
           if not (o["nesterov"] and (o["momentum"] == 0 or o["dampening"] != 0))]
    cases["SGD"] = (sgd, {"lr": 0.1, "momentum": 0.9}, {"lr": 0.02, "weightDecay": 0.1, "nesterov": True})
    for name in ["Adam", "AdamW"]:
        opts = list(grid(lr=[0.05], weightDecay=[None, 0.1], amsgrad=[False, True], maximize=[False, True]))
        opts += list(grid(lr=[0.05], betas=[[0.8, 0.99]], eps=[1e-3], amsgrad=[False, True]))
        opts.append({})
        cases[name] = (opts, {"lr": 0.05}, {"lr": 0.01, "weightDecay": 0.2, "amsgrad": True})
    opts = list(grid(lr=[0.1], lrDecay=[0, 0.05], weightDecay=[0, 0.05], initialAccumulatorValue=[0, 0.1],
                     maximize=[False, True]))
    opts += [{"lr": 0.1, "eps": 1e-3}, {}]
    cases["Adagrad"] = (opts, {"lr": 0.1}, {"lr": 0.3, "lrDecay": 0.1})
    opts = list(grid(lr=[0.01], momentum=[0, 0.9], centered=[False, True], weightDecay=[0, 0.05],
                     maximize=[False, True]))
    opts += [{"lr": 0.02, "alpha": 0.9, "eps": 1e-3}, {}]
    cases["RMSprop"] = (opts, {"lr": 0.01}, {"lr": 0.03, "momentum": 0.5, "centered": True})
    opts = list(grid(lr=[0.05], weightDecay=[0, 0.05], maximize=[False, True]))
    opts += [{"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-3}, {}]
    cases["Adamax"] = (opts, {"lr": 0.05}, {"lr": 0.1, "weightDecay": 0.1})
    opts = list(grid(lr=[0.05], weightDecay=[0, 0.05], momentumDecay=[None, 0.01]))
    opts += [{"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-3}, {}]
    cases["NAdam"] = (opts, {"lr": 0.05}, {"lr": 0.1, "momentumDecay": 0.02})
    opts = list(grid(lr=[None, 0.5], rho=[0.9, 0.5], weightDecay=[0, 0.05], maximize=[False, True]))
    opts.append({"eps": 1e-3})
    cases["Adadelta"] = (opts, {}, {"lr": 2.0, "rho": 0.7})
    return cases


def write(name, data):
    path = FIX / name
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def gen_optimizers():
    problem = make_problem()
    for name, (option_list, base, group_options) in optimizer_cases().items():
        specs = [{"optimizer": name, "options": o} for o in option_list]
        specs.append({"optimizer": name, "options": base,
                      "groups": [{"params": [0], "options": {}}, {"params": [1, 2], "options": group_options}]})
        out = []
        for spec in specs:
            for dtype, label in [(torch.float64, "float64"), (torch.float32, "float32")]:
                trajectory, state = run_optimizer(problem, spec, dtype)
                case = {**spec, "dtype": label, "trajectory": trajectory}
                if label == "float64":
                    case["state"] = state
                out.append(case)
        write(f"optim-{name.lower()}.json", {"problem": problem, "cases": out})


# ---- schedulers ---------------------------------------------------------------------------------

SCHED_STEPS = 50
LAMBDAS = {
    "poly": lambda t: (1 - t / 60) ** 2,
    "invsqrt": lambda t: 1 / math.sqrt(t + 1),
    "exp95": lambda t: 0.95 ** t,
}


def course_lambda(kind, o):
    T = o.get("decaySteps", 1)
    stair = o.get("staircase", False)

    def progress(t):
        return math.floor(t / T) if stair else t / T

    if kind == "InverseTimeLR":
        return lambda t: 1 / (1 + o["decayRate"] * progress(t))
    if kind == "PowerLR":
        return lambda t: (1 + progress(t)) ** -o["power"]
    if kind == "ExponentialDecayLR":
        return lambda t: o.get("decayRate", 0.1) ** progress(t)
    if kind == "InverseSqrtLR":
        return lambda t: o.get("k", 1) / math.sqrt(progress(t) + 1)
    raise ValueError(kind)


def make_optimizer(spec):
    p1 = torch.zeros(2, requires_grad=True)
    p2 = torch.zeros(3, requires_grad=True)
    cls = getattr(torch.optim, spec["optimizer"])
    groups = [{"params": [p1], "lr": spec["lrs"][0]}, {"params": [p2], "lr": spec["lrs"][1]}]
    return cls(groups, **torch_options(spec.get("options", {})))


def scheduler_case(name, args, options, optimizer=None, metrics=None):
    optimizer = optimizer or {"optimizer": "SGD", "lrs": [0.1, 0.05], "options": {"momentum": 0.9}}
    opt = make_optimizer(optimizer)
    snake = {"stepSize": "step_size", "tMax": "T_max", "etaMin": "eta_min", "startFactor": "start_factor",
             "endFactor": "end_factor", "totalIters": "total_iters", "totalSteps": "total_steps",
             "stepsPerEpoch": "steps_per_epoch", "pctStart": "pct_start", "annealStrategy": "anneal_strategy",
             "cycleMomentum": "cycle_momentum", "baseMomentum": "base_momentum", "maxMomentum": "max_momentum",
             "divFactor": "div_factor", "finalDivFactor": "final_div_factor", "threePhase": "three_phase",
             "thresholdMode": "threshold_mode", "minLr": "min_lr"}
    kw = {snake.get(k, k): v for k, v in options.items()}
    lr_scheduler = torch.optim.lr_scheduler
    if name in ("InverseTimeLR", "PowerLR", "ExponentialDecayLR", "InverseSqrtLR"):
        sched = lr_scheduler.LambdaLR(opt, course_lambda(name, {**args, **options}))
    elif name == "LambdaLR":
        fns = [LAMBDAS[k] for k in args["lambdas"]]
        sched = lr_scheduler.LambdaLR(opt, fns if len(fns) > 1 else fns[0])
    elif name == "ReduceLROnPlateau":
        sched = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    else:
        sched = getattr(lr_scheduler, name)(opt, *args.values(), **kw)

    def momenta():
        out = []
        for g in opt.param_groups:
            out.append(g["betas"][0] if "betas" in g else g.get("momentum", 0))
        return out

    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momenta()]
    for t in range(SCHED_STEPS):
        opt.step()
        if metrics is not None:
            sched.step(metrics[t])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momenta())
    case = {"scheduler": name, "args": args, "options": options, "optimizer": optimizer, "lrs": lrs}
    if name == "OneCycleLR":
        case["momenta"] = moms
    if metrics is not None:
        case["metrics"] = metrics
    return case


def gen_schedulers():
    rng = np.random.default_rng(3)
    loss = [round(float(2.0 * math.exp(-t / 8) + 0.3 + 0.02 * rng.normal()), 6) for t in range(SCHED_STEPS)]
    acc = [round(float(min(0.9, 0.5 + 0.03 * t) + 0.01 * rng.normal()), 6) for t in range(SCHED_STEPS)]
    adam = {"optimizer": "Adam", "lrs": [0.01, 0.002], "options": {"betas": [0.9, 0.99]}}
    cases = [
        scheduler_case("StepLR", {"stepSize": 7}, {"gamma": 0.5}),
        scheduler_case("StepLR", {"stepSize": 10}, {}),
        scheduler_case("MultiStepLR", {"milestones": [5, 12, 12, 30]}, {"gamma": 0.5}),
        scheduler_case("ExponentialLR", {"gamma": 0.9}, {}),
        scheduler_case("LambdaLR", {"lambdas": ["poly"]}, {}),
        scheduler_case("LambdaLR", {"lambdas": ["invsqrt", "exp95"]}, {}),
        scheduler_case("CosineAnnealingLR", {"tMax": 10}, {"etaMin": 0.001}),
        scheduler_case("CosineAnnealingLR", {"tMax": 50}, {}),
        scheduler_case("LinearLR", {}, {}),
        scheduler_case("LinearLR", {}, {"startFactor": 0.25, "endFactor": 0.75, "totalIters": 20}),
        scheduler_case("OneCycleLR", {"maxLr": 1.0}, {"totalSteps": 50}),
        scheduler_case("OneCycleLR", {"maxLr": [1.0, 0.5]},
                       {"totalSteps": 60, "annealStrategy": "linear", "threePhase": True, "pctStart": 0.25}),
        scheduler_case("OneCycleLR", {"maxLr": 0.1}, {"epochs": 5, "stepsPerEpoch": 11, "divFactor": 10.0}, adam),
        scheduler_case("OneCycleLR", {"maxLr": 0.1},
                       {"totalSteps": 50, "cycleMomentum": False, "finalDivFactor": 100.0}),
        scheduler_case("ReduceLROnPlateau", {}, {"patience": 3, "cooldown": 2, "minLr": 0.002, "factor": 0.5},
                       metrics=loss),
        scheduler_case("ReduceLROnPlateau", {}, {"mode": "max", "thresholdMode": "abs", "threshold": 0.01,
                                                 "patience": 2, "minLr": [0.01, 0.0]}, metrics=acc),
        scheduler_case("ReduceLROnPlateau", {}, {"patience": 1, "factor": 0.1, "eps": 1e-3}, metrics=loss),
        scheduler_case("InverseTimeLR", {"decayRate": 0.5}, {}),
        scheduler_case("InverseTimeLR", {"decayRate": 0.5}, {"decaySteps": 5, "staircase": True}),
        scheduler_case("PowerLR", {"decaySteps": 10, "power": 0.5}, {}),
        scheduler_case("PowerLR", {"decaySteps": 10, "power": 2}, {"staircase": True}),
        scheduler_case("ExponentialDecayLR", {"decaySteps": 20}, {}),
        scheduler_case("ExponentialDecayLR", {"decaySteps": 8}, {"decayRate": 0.5, "staircase": True}),
        scheduler_case("InverseSqrtLR", {}, {"k": 0.9}),
        scheduler_case("InverseSqrtLR", {}, {"decaySteps": 3, "staircase": True}),
    ]
    write("optim-schedulers.json", {"steps": SCHED_STEPS, "cases": cases})


# ---- clipping -----------------------------------------------------------------------------------

def gen_clip():
    rng = np.random.default_rng(11)
    grads = [rng.normal(0, 1, int(np.prod(s))).round(6).tolist() for s in SHAPES]
    cases = []
    for dtype, label in [(torch.float64, "float64"), (torch.float32, "float32")]:
        for norm_type in [2, 1, "Infinity", 3, 0.5]:
            for max_norm in [0.5, 100.0]:
                params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in SHAPES]
                for p, g in zip(params, grads):
                    p.grad = torch.tensor(g, dtype=dtype).reshape(p.shape)
                params[1].grad = None if norm_type == 3 else params[1].grad
                nt = math.inf if norm_type == "Infinity" else norm_type
                total = torch.nn.utils.clip_grad_norm_(params, max_norm, nt)
                cases.append({"kind": "norm", "dtype": label, "normType": norm_type, "maxNorm": max_norm,
                              "withoutGrad": [1] if norm_type == 3 else [],
                              "total": json_number(float(total)),
                              "grads": [values(p.grad) if p.grad is not None else None for p in params]})
        for bad in ["Infinity", "NaN"]:
            params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in SHAPES]
            for p, g in zip(params, grads):
                p.grad = torch.tensor(g, dtype=dtype).reshape(p.shape)
            params[0].grad[0, 1] = float(bad)
            total = torch.nn.utils.clip_grad_norm_(params, 1.0)
            cases.append({"kind": "norm", "dtype": label, "normType": 2, "maxNorm": 1.0, "withoutGrad": [],
                          "nonfinite": bad, "total": json_number(float(total)),
                          "grads": [values(p.grad) for p in params]})
        params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in SHAPES]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=dtype).reshape(p.shape)
        torch.nn.utils.clip_grad_value_(params, 0.3)
        cases.append({"kind": "value", "dtype": label, "clipValue": 0.3, "grads": [values(p.grad) for p in params]})
    write("optim-clip.json", {"shapes": SHAPES, "grads": grads, "cases": cases})


if __name__ == "__main__":
    torch.set_default_dtype(torch.float32)
    gen_optimizers()
    gen_schedulers()
    gen_clip()
