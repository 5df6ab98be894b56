/**
 * The Optimizer base class (torch.optim.Optimizer): parameter groups with per-group options,
 * lazily created per-parameter state, zeroGrad, step, addParamGroup and state dicts in torch's
 * layout. Each optimizer supplies an UpdateRule: its update math as a pure function of
 * (param, grad, state, options), which the class applies under noGrad, writing parameters in place.
 */
import { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { zeros } from '../tensor/creation.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { bool, noExtraArgs, parseArgs, type Args } from '../ops/args.js';

/** The option every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/** Values learning-rate schedulers keep in a group, as torch does ('initial_lr', 'max_lr', ...). */
export interface ScheduleKeys {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A parameter group: its parameters and its full set of options (defaults filled in). */
export type ParamGroup<O> = O & ScheduleKeys & { params: Tensor[] };

/** A parameter group as given by the user: options left out take the optimizer's defaults. */
export type ParamGroupInput<O> = Partial<O> & ScheduleKeys & { params: Iterable<Tensor> | Tensor };

/** What an optimizer accepts: parameters, or parameter groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * A value in a parameter's state: a tensor (moments), a number (step counts), null (no buffer), or
 * a list of tensors or numbers (LBFGS's history, which torch keeps in Python lists).
 */
export type StateValue = Tensor | number | null | Tensor[] | number[];
export type ParamState = Record<string, StateValue>;
/** A rule's state type: like ParamState, but entries that only some options use may be absent. */
export type StateRecord = { [key: string]: StateValue | undefined };

/**
 * An optimizer's state in torch's layout: per-parameter state keyed by the parameter's index
 * (counting through the groups in order) under torch's key names ('exp_avg', 'momentum_buffer'),
 * and the groups' options with 'params' as those indices.
 */
export interface OptimizerStateDict<O = BaseOptions> {
  state: Record<number, ParamState>;
  paramGroups: (Omit<ParamGroup<O>, 'params'> & { params: number[] })[];
}

export interface UpdateResult<S> {
  param: Tensor;
  state: S;
}

/**
 * An optimizer's math. `update` must be pure: it returns the new parameter value and a new state
 * and changes none of its arguments, so it can be checked step by step against PyTorch.
 */
export interface UpdateRule<O, S extends StateRecord> {
  /** The state before the first step (torch's lazy state initialization). */
  init(param: Tensor, options: O): S;
  update(param: Tensor, grad: Tensor, state: S, options: O): UpdateResult<S>;
  /**
   * Optional: the same step done in place (a fused kernel writing the parameter and the state
   * tensors), returning the new state record, or null where it does not apply; the optimizer then
   * falls back to `update`. It must give `update`'s values exactly.
   */
  updateInPlace?(param: Tensor, grad: Tensor, state: S, options: O): S | null;
}

/** After a fused kernel wrote them in place: their storages' versions move on, as an in-place op's do. */
export function markWritten(written: readonly Tensor[]): void {
  for (const t of written) t.storage.version++;
}

export interface ZeroGradOptions {
  /** Set each .grad to null (the default, as in torch 2) instead of filling it with zeros (torch 1.13's default). */
  setToNone?: boolean;
}

/** Throws unless `value` is a number >= 0 (NaN fails too). */
export function checkNonNegative(optimizer: string, option: string, value: unknown, what = 'must be >= 0'): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new Error(`${optimizer}: invalid ${option} ${String(value)}: ${what}`);
  }
}

/** Throws unless `value` lies in [0, high) (or [0, high] when `closed`). */
export function checkUnitRange(optimizer: string, option: string, value: unknown, closed = false, high = 1): void {
  const ok = typeof value === 'number' && value >= 0 && (closed ? value <= high : value < high);
  if (!ok) throw new Error(`${optimizer}: invalid ${option} ${String(value)}: must be in [0, ${high}${closed ? ']' : ')'}`);
}

export function checkBetas(optimizer: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new Error(`${optimizer}: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
  }
  checkUnitRange(optimizer, 'betas[0]', betas[0]);
  checkUnitRange(optimizer, 'betas[1]', betas[1]);
}

function isTensorIterable(x: unknown): x is Iterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.iterator in x;
}

/** The base of every optimizer: subclasses give their name, defaults, option checks and UpdateRule. */
export abstract class Optimizer<O extends BaseOptions = BaseOptions, S extends StateRecord = StateRecord> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created at a parameter's first step. */
  readonly state = new Map<Tensor, S>();

  /**
   * @param name the optimizer's name, used in error messages
   * @param defaults options for groups that do not set them (each group is validated once filled in)
   * @param rule the optimizer's update math
   */
  protected constructor(
    readonly name: string,
    params: Params<O>,
    readonly defaults: O,
    private readonly rule: UpdateRule<O, S>,
  ) {
    if (params instanceof Tensor || !isTensorIterable(params)) {
      throw new Error(
        `${name}: params must be an iterable of Tensors or of parameter groups ({ params, ...options }), got ` +
          (params instanceof Tensor ? 'a single Tensor (wrap it in an array)' : String(params)),
      );
    }
    const list: unknown[] = [...params];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const groups = (list[0] instanceof Tensor ? [{ params: list }] : list) as ParamGroupInput<O>[];
    for (const group of groups) this.addParamGroup(group);
  }

  /** Checks one group's options; throws an error naming the optimizer and the option. */
  protected abstract validate(options: O): void;

  /** Adds a group of parameters (for example unfrozen layers when fine-tuning), with its own options. */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (typeof group !== 'object' || group === null || !('params' in group)) {
      throw new Error(`${this.name}.addParamGroup: a parameter group must be an object { params, ...options }, got ${String(group)}`);
    }
    const where = `group ${this.paramGroups.length}`;
    const given: unknown = group.params;
    if (given instanceof Set) {
      throw new Error(`${this.name}: the parameters of ${where} are a Set, whose order is not stable; use an array`);
    }
    if (!(given instanceof Tensor) && !isTensorIterable(given)) {
      throw new Error(`${this.name}: the params of ${where} must be a Tensor or an iterable of Tensors, got ${String(given)}`);
    }
    const params: unknown[] = given instanceof Tensor ? [given] : [...given];
    if (params.length === 0) throw new Error(`${this.name}: ${where} has an empty parameter list`);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) {
        throw new Error(`${this.name}: parameter ${i} of ${where} is not a Tensor but ${p === null ? 'null' : typeof p}`);
      }
      if (!p.isLeaf) {
        throw new Error(`${this.name}: parameter ${i} of ${where} is not a leaf tensor (it was computed by '${p.gradFn!.name}'); optimize the leaves`);
      }
      if (!isFloat(p.dtype)) {
        throw new Error(`${this.name}: parameter ${i} of ${where} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
      }
    });
    const tensors = params as Tensor[];
    if (new Set(tensors).size !== tensors.length) {
      throw new Error(`${this.name}: ${where} contains the same parameter more than once`);
    }
    const existing = new Set(this.paramGroups.flatMap((g) => g.params));
    if (tensors.some((p) => existing.has(p))) {
      throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
    }
    const filled = { ...this.defaults, ...group, params: tensors } as ParamGroup<O>;
    this.validate(filled);
    this.paramGroups.push(filled);
  }

  /** Clears the gradients of every parameter. */
  zeroGrad(...args: Args<[setToNone: boolean], ZeroGradOptions>): void {
    const { setToNone = true } = parseArgs(`${this.constructor.name}.zeroGrad`, args, { setToNone: bool });
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) {
          p.grad = null;
        } else {
          const grad = p.grad.isLeaf ? p.grad.requiresGrad_(false) : p.grad.detach();
          noGrad(() => grad.zero_());
          p.grad = grad;
        }
      }
    }
  }

  /**
   * Updates every parameter that has a gradient. A closure, if given, is run first with gradients
   * on (it should zero the gradients, compute the loss and call backward) and its result returned.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          if (!sameShape(grad.shape, p.shape)) {
            throw new Error(`${this.name}.step: a parameter of shape ${shapeStr(p.shape)} has a gradient of shape ${shapeStr(grad.shape)}`);
          }
          const state = this.state.get(p) ?? this.rule.init(p, group);
          const updated = this.rule.updateInPlace?.(p, grad, state, group) ?? null;
          if (updated !== null) {
            this.state.set(p, updated);
            continue;
          }
          const result = this.rule.update(p, grad, state, group);
          p.copy_(result.param);
          this.state.set(p, result.state);
        }
      }
    });
    return loss;
  }

  /**
   * The state in torch's layout (see OptimizerStateDict). Tensors in it are copies, so later
   * steps (which may update state tensors in place) do not change a saved dict.
   */
  stateDict(): OptimizerStateDict<O> {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      const ids = params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return { ...copyOptions(options), params: ids } as OptimizerStateDict<O>['paramGroups'][number];
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: ParamState = {};
      for (const [key, value] of Object.entries(s)) {
        if (value !== undefined) entry[key] = copyStateValue(value);
      }
      state[i] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state from stateDict() of the same optimizer type (same option names) with the same
   * group sizes. Every group's options and every parameter's state (names, kinds, shapes) are checked
   * before anything changes, so a failed load leaves the optimizer as it was. State tensors are
   * copied and cast to their parameter's dtype; a one-element tensor where a count is kept (torch's
   * tensor `step`) becomes a number; group options are replaced.
   */
  loadStateDict(dict: OptimizerStateDict<O>, ...extra: []): void {
    const where = `${this.name}.loadStateDict`;
    noExtraArgs(where, extra, 'one state dict');
    if (typeof dict !== 'object' || dict === null || !Array.isArray(dict.paramGroups) || typeof dict.state !== 'object' || dict.state === null) {
      throw new Error(`${where}: expected { state, paramGroups } as returned by stateDict()`);
    }
    const saved = dict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${where}: the state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, { param: Tensor; group: ParamGroup<O> }>();
    const groups = saved.map((g, gi) => {
      const own = this.paramGroups[gi]!.params;
      if (typeof g !== 'object' || g === null || !Array.isArray(g.params) || g.params.length !== own.length) {
        throw new Error(
          `${where}: parameter group ${gi} has ${Array.isArray(g?.params) ? g.params.length : 'no'} parameters in the state dict ` +
            `but ${own.length} in the optimizer`,
        );
      }
      const { params: ids, ...options } = g;
      this.checkOptionNames(where, gi, options);
      const group = { ...this.defaults, ...copyOptions(options), params: own } as ParamGroup<O>;
      this.validate(group);
      ids.forEach((id, k) => byIndex.set(id, { param: own[k]!, group }));
      return group;
    });
    const newState = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(dict.state)) {
      const target = byIndex.get(Number(key));
      if (target === undefined) throw new Error(`${where}: state for parameter ${key}, which no parameter group lists`);
      newState.set(target.param, this.loadParamState(`${where}: parameter ${key}`, entry, target.param, target.group));
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }

  /** A saved group must carry this optimizer's options (another optimizer's dict names others). */
  private checkOptionNames(where: string, gi: number, options: object): void {
    const names = (o: object): string[] =>
      Object.entries(o).filter(([k, v]) => v !== undefined && !SCHEDULE_KEYS.has(k)).map(([k]) => k).sort();
    const own = names(this.defaults);
    const got = names(options);
    const extra = got.filter((k) => !own.includes(k));
    const missing = own.filter((k) => !got.includes(k));
    if (extra.length > 0 || missing.length > 0) {
      throw new Error(
        `${where}: parameter group ${gi} of the state dict has the options ${got.join(', ')} but ${this.name} has ${own.join(', ')}` +
          `${extra.length > 0 ? ` (unknown: ${extra.join(', ')})` : ''}${missing.length > 0 ? ` (missing: ${missing.join(', ')})` : ''}` +
          `; was it saved from another optimizer?`,
      );
    }
  }

  /**
   * One parameter's saved state, checked against the state this optimizer's rule starts from (the
   * same names; a tensor of the parameter's shape where the rule keeps one, a count where it counts).
   */
  protected loadParamState(where: string, entry: unknown, p: Tensor, group: ParamGroup<O>): S {
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: the state must be an object, got ${String(entry)}`);
    // The rule's initial state for a one-element stand-in (init may move its parameter's memory) shows the names and kinds.
    const expected = noGrad(() => this.rule.init(zeros([1], { dtype: p.dtype }), group)) as StateRecord;
    const names = Object.keys(expected).filter((k) => expected[k] !== undefined);
    const extra = Object.keys(entry).filter((k) => !names.includes(k));
    const missing = names.filter((k) => !(k in entry));
    if (extra.length > 0 || missing.length > 0) {
      throw new Error(
        `${where}: the state has ${Object.keys(entry).join(', ') || 'no entries'} but ${this.name} keeps ${names.join(', ')}` +
          `; was it saved from another optimizer, or with other options?`,
      );
    }
    const copy: ParamState = {};
    for (const [name, value] of Object.entries(entry as Record<string, unknown>)) {
      const want = expected[name];
      if (typeof want === 'number') {
        if (typeof value === 'number') copy[name] = value;
        else if (value instanceof Tensor && value.numel() === 1) copy[name] = value.item();
        else throw new Error(`${where}: state '${name}' must be a number, got ${describe(value)}`);
      } else if (value === null && want === null) {
        copy[name] = null;
      } else if (value instanceof Tensor) {
        if (!sameShape(value.shape, p.shape)) {
          throw new Error(`${where}: state '${name}' has shape ${shapeStr(value.shape)} but the parameter has shape ${shapeStr(p.shape)}`);
        }
        if (!isFloat(value.dtype)) {
          throw new Error(`${where}: state '${name}' has dtype ${value.dtype}; optimizer state tensors are floating point`);
        }
        copy[name] = noGrad(() => value.to(p.dtype).clone());
      } else {
        throw new Error(`${where}: state '${name}' must be a Tensor${want === null ? ' or null' : ''}, got ${describe(value)}`);
      }
    }
    return copy as S;
  }

  /** Creates a parameter's state now rather than at its first step (Adagrad does so, as in torch). */
  protected initState(p: Tensor, group: ParamGroup<O>): void {
    this.state.set(p, this.rule.init(p, group));
  }
}

/** The keys learning-rate schedulers add to groups (ScheduleKeys), which any optimizer may carry. */
const SCHEDULE_KEYS: ReadonlySet<string> = new Set(['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum']);

/** A snapshot of a state value: tensors cloned, lists copied. */
function copyStateValue(value: StateValue): StateValue {
  if (value instanceof Tensor) return noGrad(() => value.clone());
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === 'number') ? [...(value as number[])] : (value as Tensor[]).map((t) => noGrad(() => t.clone()));
  }
  return value;
}

function describe(value: unknown): string {
  return value === null ? 'null' : value instanceof Tensor ? `a tensor of shape ${shapeStr(value.shape)}` : typeof value;
}

/** A copy of plain option values (numbers, booleans, strings, arrays of them such as betas). */
function copyOptions<T extends object>(options: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) out[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  return out as T;
}
