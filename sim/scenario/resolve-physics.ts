import {
  type Deployment,
  fewestDevices,
  fits,
  HARDWARE,
  type HardwareSpec,
  MODELS,
  type ModelArch,
  type Precision,
  type Speculative,
  usableBytes,
  weightBytes,
  KV_RESERVE_FRAC,
  MAX_DEVICES,
} from '../physics/index.js';
import { hardwareFields, type InlineHardware, type InlineModel } from './physics-schema.js';
import { didYouMean, formatPath } from './problems.js';

type Report = (path: string, message: string) => void;

export function resolveModel(
  model: string | InlineModel | undefined,
  report: Report,
  path = 'model',
): ModelArch | undefined {
  if (model === undefined) return undefined;
  if (typeof model !== 'string') return checkInlineModel(model, report) ? model : undefined;
  const found = MODELS[model];
  if (!found)
    report(
      path,
      `unknown model '${model}'${didYouMean(model, Object.keys(MODELS))}; catalog: ${Object.keys(MODELS).join(', ')}`,
    );
  return found;
}

/**
 * Grouped-query attention shares each key/value head among heads ÷ kv_heads query heads
 * (Ainslie et al. 2023), so kv_heads cannot exceed heads and must divide it; every
 * catalog model satisfies this (Llama 3.1: 32, 64, 128 heads over 8 KV heads).
 * heads × head_dim is deliberately not required to equal hidden: real models differ
 * (Mistral NeMo 12B: 32 × 128 = 4096 over hidden 5120; Gemma 7B: 16 × 256 over 3072),
 * and the arithmetic (sim/physics/model.ts) sizes the Q and O projections as
 * hidden × heads × head_dim, which is right for them too.
 */
function checkInlineModel(model: InlineModel, report: Report): boolean {
  if (model.kv_heads > model.heads) {
    report(
      'model.kv_heads',
      `must be at most heads (${model.heads}): each key/value head serves one or more query heads, got ${model.kv_heads}`,
    );
    return false;
  }
  if (model.heads % model.kv_heads !== 0) {
    report(
      'model.kv_heads',
      `must divide heads (${model.heads}) so that each key/value head serves the same number of query heads (grouped-query attention), got ${model.kv_heads}`,
    );
    return false;
  }
  return true;
}

/** A catalog id, or an inline entry merged over its `base` and checked as a whole. */
export function resolveHardware(hw: string | InlineHardware, path: string, report: Report): HardwareSpec | undefined {
  if (typeof hw === 'string') {
    const found = HARDWARE[hw];
    if (!found)
      report(
        path,
        `unknown hardware '${hw}'${didYouMean(hw, Object.keys(HARDWARE))}; catalog: ${Object.keys(HARDWARE).join(', ')}`,
      );
    return found;
  }
  const { base, ...fields } = hw;
  let start: Partial<HardwareSpec> = {};
  if (base !== undefined) {
    const found = HARDWARE[base];
    if (!found) {
      report(
        `${path}.base`,
        `unknown hardware '${base}'${didYouMean(base, Object.keys(HARDWARE))}; catalog: ${Object.keys(HARDWARE).join(', ')}`,
      );
      return undefined;
    }
    start = found;
  }
  const merged = {
    ...start,
    ...fields,
    efficiency: { ...start.efficiency, ...fields.efficiency },
    overhead: { ...start.overhead, ...fields.overhead },
    wafer: start.wafer || fields.wafer ? { ...start.wafer, ...fields.wafer } : undefined,
    sources: { ...start.sources, ...fields.sources },
  };
  const parsed = hardwareFields.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = formatPath(issue.path);
      const message =
        issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined
          ? `is required for inline hardware without a 'base'`
          : issue.message;
      report(where ? `${path}.${where}` : path, message);
    }
    return undefined;
  }
  const spec = parsed.data as HardwareSpec;
  if (spec.model === 'wafer-pipeline' && !spec.wafer)
    report(`${path}.wafer`, 'is required for a wafer-pipeline model (layer_s, hop_s)');
  return spec;
}

/**
 * The replica of a physics-driven node group: its devices given, or the fewest that
 * fit. With speculative decoding the draft's weights must fit beside the target's
 * (sizing picks the fewest devices that hold both).
 */
export function resolveDeployment(
  model: ModelArch,
  hardware: HardwareSpec,
  precision: Precision,
  devices: number | undefined,
  path: string,
  report: Report,
  speculative?: Speculative,
): Deployment | undefined {
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  const need = weightBytes(model, precision);
  const draft = speculative?.draft;
  const draftPath = `${path}.speculative.draft_model`;
  const draftMessage = (d: ModelArch, held: string) =>
    `${d.id} (${gb(weightBytes(d, precision))} of weights) does not fit beside ${model.id} (${gb(need)}) ${held} ` +
    `with ${KV_RESERVE_FRAC * 100}% kept for KV cache`;
  if (devices === undefined) {
    const d = fewestDevices(model, hardware, precision);
    if (d === undefined) {
      report(
        `${path}.hardware`,
        `${model.id} (${gb(need)} of weights) fits on no replica of up to ${MAX_DEVICES} ${hardware.id} devices`,
      );
      return undefined;
    }
    if (!draft) return { model, hardware, devices: d, precision };
    const both = fewestDevices(model, hardware, precision, draft);
    if (both === undefined) {
      report(draftPath, draftMessage(draft, `on any replica of up to ${MAX_DEVICES} ${hardware.id} devices`));
      return undefined;
    }
    return { model, hardware, devices: both, precision, speculative };
  }
  if (hardware.shape_devices && devices % hardware.shape_devices !== 0) {
    report(
      `${path}.devices`,
      `must be a multiple of ${hardware.shape_devices} (${hardware.id} chips per instance), got ${devices}`,
    );
    return undefined;
  }
  if (!fits(model, hardware, precision, devices)) {
    const fewest = fewestDevices(model, hardware, precision);
    report(
      `${path}.devices`,
      `${devices} × ${hardware.id} hold ${gb(usableBytes(hardware, devices))} usable; ${model.id} needs ${gb(need)} of weights ` +
        `plus ${KV_RESERVE_FRAC * 100}% kept for KV cache${fewest ? ` (fewest that fit: ${fewest})` : ''}`,
    );
    return undefined;
  }
  if (draft && !fits(model, hardware, precision, devices, draft)) {
    const fewest = fewestDevices(model, hardware, precision, draft);
    report(
      draftPath,
      `${draftMessage(draft, `on ${devices} × ${hardware.id} (${gb(usableBytes(hardware, devices))} usable)`)}${fewest ? `; fewest devices that hold both: ${fewest}` : ''}`,
    );
    return undefined;
  }
  return draft ? { model, hardware, devices, precision, speculative } : { model, hardware, devices, precision };
}
