/** Global switches: whether ops record a graph, and anomaly detection. */

let gradEnabled = true;
let anomalyEnabled = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function setGradEnabled(enabled: boolean): void {
  gradEnabled = enabled;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn without recording a graph (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with graph recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/** Turns anomaly detection on or off globally (torch.autograd.set_detect_anomaly). */
export function setDetectAnomaly(enabled: boolean): void {
  anomalyEnabled = enabled;
}

/**
 * Runs fn with anomaly detection: the first op whose output, or whose gradient in a backward
 * pass started inside fn, holds NaN or Inf throws an error naming the op, its input shapes and
 * the line of user code that called it.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = prev;
  }
}
