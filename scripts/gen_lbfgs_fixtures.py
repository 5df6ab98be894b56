#!/usr/bin/env python3
"""Golden trajectories for optim.LBFGS: torch 1.13's torch.optim.LBFGS in float64 on three problems.

Each problem is a closed-form loss that the TypeScript test rebuilds with the same ops:
  rosenbrock  (1 - x0)^2 + 100 (x1 - x0^2)^2, one parameter x of shape [2]
  quadratic   0.5 v^T A v - b^T v with v = x.flatten(), x of shape [2, 3], A symmetric positive definite
  logistic    mean(softplus(z) - y z) + 0.5 lam |w|^2 with z = X w + b, parameters w [3] and b [1]
Every case calls step(closure) several times and records, after each call, the returned loss, the
parameters and the state's counters; after the last call, the whole state (d, t, old_dirs,
old_stps, ro, H_diag, prev_flat_grad, prev_loss). Writes test/fixtures/optim-lbfgs.json.

The history near a minimum is ill-conditioned (y_k are differences of nearly equal gradients), so
each case also records how far its final state moves when the starting point moves by one ulp
(trajectorySensitivity and stateSensitivity, in the test's metric): rounding differences of that
size are not bugs.
"""
import copy
import json
import math

import numpy as np
import torch

from fixture_util import FIX, json_number


def problems():
    rng = np.random.default_rng(11)
    m = rng.normal(0, 1, (6, 6)).round(4)
    a = (m @ m.T + 0.5 * np.eye(6)).round(6)
    quadratic = {
        "params": [{"shape": [2, 3], "init": rng.normal(0, 1, 6).round(4).tolist()}],
        "A": a.reshape(-1).tolist(),
        "b": rng.normal(0, 1, 6).round(4).tolist(),
    }
    x = rng.normal(0, 1, (40, 3)).round(4)
    y = (x @ np.array([1.5, -2.0, 0.5]) + 0.3 + rng.normal(0, 1, 40) > 0).astype(float)
    logistic = {
        "params": [{"shape": [3], "init": [0.0, 0.0, 0.0]}, {"shape": [1], "init": [0.0]}],
        "X": x.reshape(-1).tolist(),
        "y": y.tolist(),
        "lam": 0.01,
    }
    rosenbrock = {"params": [{"shape": [2], "init": [-1.5, 2.0]}]}
    return {"rosenbrock": rosenbrock, "quadratic": quadratic, "logistic": logistic}


def loss_fn(name, problem, params):
    if name == "rosenbrock":
        x = params[0]
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    if name == "quadratic":
        v = params[0].reshape(-1)
        a = torch.tensor(problem["A"], dtype=torch.float64).reshape(6, 6)
        b = torch.tensor(problem["b"], dtype=torch.float64)
        return 0.5 * v.dot(a.mv(v)) - b.dot(v)
    w, bias = params
    x = torch.tensor(problem["X"], dtype=torch.float64).reshape(-1, 3)
    y = torch.tensor(problem["y"], dtype=torch.float64)
    z = x.mv(w) + bias
    return (torch.nn.functional.softplus(z) - y * z).mean() + 0.5 * problem["lam"] * w.dot(w)


SNAKE = {"maxIter": "max_iter", "maxEval": "max_eval", "toleranceGrad": "tolerance_grad",
         "toleranceChange": "tolerance_change", "historySize": "history_size", "lineSearchFn": "line_search_fn"}


def values(t):
    return [json_number(v) for v in t.detach().reshape(-1).tolist()]


def scalar(v):
    return json_number(float(v))


def run(name, problem, options, steps):
    params = [torch.tensor(p["init"], dtype=torch.float64).reshape(p["shape"]).requires_grad_() for p in problem["params"]]
    opt = torch.optim.LBFGS(params, **{SNAKE.get(k, k): v for k, v in options.items()})

    def closure():
        opt.zero_grad()
        loss = loss_fn(name, problem, params)
        loss.backward()
        return loss

    trajectory = []
    for _ in range(steps):
        loss = opt.step(closure)
        s = opt.state[params[0]]
        trajectory.append({"loss": scalar(loss), "params": [v for p in params for v in values(p)],
                           "funcEvals": s["func_evals"], "nIter": s["n_iter"]})
    s = opt.state[params[0]]
    state = {
        "d": values(s["d"]), "t": scalar(s["t"]),
        "old_dirs": [values(v) for v in s["old_dirs"]], "old_stps": [values(v) for v in s["old_stps"]],
        "ro": [scalar(v) for v in s["ro"]], "H_diag": scalar(s["H_diag"]),
        "prev_flat_grad": values(s["prev_flat_grad"]), "prev_loss": scalar(s["prev_loss"]),
    }
    return trajectory, state


def vector_error(actual, expected):
    """max |a - e| / max(max |e|, 1e-3): a vector's error relative to its scale."""
    a, e = np.array(actual, dtype=float), np.array(expected, dtype=float)
    return float(np.max(np.abs(a - e)) / max(np.max(np.abs(e)), 1e-3)) if e.size else 0.0


def state_error(actual, expected):
    if len(actual["old_dirs"]) != len(expected["old_dirs"]):
        return math.inf
    errors = [vector_error(actual[k], expected[k]) for k in ["d", "prev_flat_grad", "ro"]]
    errors += [vector_error([actual[k]], [expected[k]]) for k in ["t", "H_diag", "prev_loss"]]
    for key in ["old_dirs", "old_stps"]:
        errors += [vector_error(a, e) for a, e in zip(actual[key], expected[key])]
    return max(errors)


def trajectory_error(actual, expected):
    return max(vector_error([a["loss"]] + a["params"], [e["loss"]] + e["params"]) for a, e in zip(actual, expected))


def sensitivity(name, problem, options, steps, trajectory, state):
    """How much the trajectory and the final state move when the start's first coordinate moves by one ulp."""
    moved = copy.deepcopy(problem)
    init = moved["params"][0]["init"]
    init[0] = float(np.nextafter(init[0], math.inf))
    moved_trajectory, moved_state = run(name, moved, options, steps)
    return float("%.2e" % trajectory_error(moved_trajectory, trajectory)), float("%.2e" % state_error(moved_state, state))


CASES = [
    # (problem, options, step() calls)
    ("rosenbrock", {"maxIter": 10}, 2),
    ("rosenbrock", {"lr": 0.2, "maxIter": 10}, 3),
    ("rosenbrock", {"lineSearchFn": "strong_wolfe"}, 4),
    ("rosenbrock", {"lr": 0.5, "maxIter": 5, "historySize": 2, "lineSearchFn": "strong_wolfe"}, 4),
    ("rosenbrock", {"lr": 0.1, "maxIter": 7, "maxEval": 5, "historySize": 3}, 4),
    ("quadratic", {}, 3),
    ("quadratic", {"lineSearchFn": "strong_wolfe"}, 3),
    ("quadratic", {"maxIter": 3, "historySize": 2}, 4),
    ("logistic", {}, 3),
    ("logistic", {"lineSearchFn": "strong_wolfe", "maxIter": 6}, 3),
    ("logistic", {"lr": 0.8, "maxIter": 4, "toleranceGrad": 1e-3, "toleranceChange": 1e-5, "historySize": 3}, 3),
    # The zoom's rarer branches: moving away from the bracket's ends, the old high end becoming the
    # low end. (25 extrapolations without a bracket, or a bracket below the tolerance, happen at
    # tiny step sizes, where the branch taken depends on the last bit of the loss: no fixture.)
    ("rosenbrock", {"lineSearchFn": "strong_wolfe", "lr": 5}, 2),
    ("logistic", {"lineSearchFn": "strong_wolfe", "lr": 1000}, 2),
]


def main():
    torch.set_default_dtype(torch.float64)
    probs = problems()
    cases = []
    for name, options, steps in CASES:
        problem = probs[name]
        trajectory, state = run(name, problem, options, steps)
        trajectory_sensitivity, state_sensitivity = sensitivity(name, problem, options, steps, trajectory, state)
        case = {"problem": name, "options": options, "trajectory": trajectory, "state": state,
                "trajectorySensitivity": trajectory_sensitivity, "stateSensitivity": state_sensitivity}
        cases.append(case)
    path = FIX / "optim-lbfgs.json"
    path.write_text(json.dumps({"problems": probs, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
