import {
  CACHE_ROUTERS,
  type CacheRouterName,
  type PrefixCacheFile,
  type RouterName,
  type ScenarioFile,
} from './schema.js';
import type { InstanceSpec } from './resolved.js';

type Report = (path: string, message: string) => void;

/** The block size of Mooncake traces' `hash_ids` (github.com/kvcache-ai/Mooncake, FAST'25 traces). */
export const MOONCAKE_BLOCK_TOKENS = 512;

const isCacheRouter = (name: string | undefined): name is CacheRouterName =>
  name !== undefined && (CACHE_ROUTERS as readonly string[]).includes(name);

/**
 * The routers per phase. `router: "prefix-aware"` routes prefill (prefill and mixed
 * instances, where prompts are computed and caches live); a split decode instance
 * receives the prompt's KV with the hand-off, so its phase falls back to
 * `least-work` (**choice**; `decode_router` sets it). A cache router named for decode
 * has been reported (checkPrefixCache): `least-work` stands in so the types close.
 */
export function resolveRouters(s: ScenarioFile['scheduling']): {
  prefill: RouterName | CacheRouterName;
  decode: RouterName;
} {
  const prefill = s.prefill_router ?? s.router;
  const decode = s.decode_router ?? (isCacheRouter(s.router) ? 'least-work' : s.router);
  return { prefill, decode: isCacheRouter(decode) ? 'least-work' : decode };
}

/**
 * `scheduling.prefix_cache` and the `prefix-aware` router: what a schema cannot say,
 * and the part this build does not run yet (the device and host tiers of prefill and
 * mixed instances and the store of split prefill instances run; a store with mixed
 * instances is refused with a message saying so, rather than silently ignored).
 */
export function checkPrefixCache(file: ScenarioFile, instances: readonly InstanceSpec[], report: Report): void {
  const s = file.scheduling;
  const cache = s.prefix_cache;
  const a = file.workload.arrivals;
  const routerFields = [
    ['router', s.router],
    ['prefill_router', s.prefill_router],
    ['decode_router', s.decode_router],
  ] as const;
  for (const [field, name] of routerFields) {
    if (!isCacheRouter(name)) continue;
    if (field === 'decode_router') {
      report(
        'scheduling.decode_router',
        `"${name}" routes prompts to where their prefix is cached (prefill and mixed instances); ` +
          `a decode instance receives the prompt's KV with the hand-off: ` +
          `choose a load-based router`,
      );
    } else if (!cache) {
      report(
        `scheduling.${field}`,
        `"${name}" routes by the prefix blocks each instance's cache holds: it needs scheduling.prefix_cache`,
      );
    }
  }
  const usesCacheRouter = routerFields.some(([, name]) => isCacheRouter(name));
  if (s.prefix_aware && !usesCacheRouter)
    report('scheduling.prefix_aware', 'sets the "prefix-aware" router, which no router field names');
  if (!cache) return;
  if (a.process === 'trace' && a.format === 'mooncake-jsonl' && cache.block_tokens !== MOONCAKE_BLOCK_TOKENS) {
    report(
      'scheduling.prefix_cache.block_tokens',
      `must be ${MOONCAKE_BLOCK_TOKENS} with a Mooncake trace: ` +
        `its hash_ids name ${MOONCAKE_BLOCK_TOKENS}-token blocks, got ${cache.block_tokens}`,
    );
  }
  checkNotRunYet(cache, instances, report);
  if (!instances.some((x) => x.deployment && x.role !== 'decode')) {
    report(
      'scheduling.prefix_cache',
      'caches KV on prefill and mixed instances on the performance model, ' +
        'and this datacenter has none (service-time instances hold no KV)',
    );
  }
  if (cache.store_gbps !== undefined && cache.store_gb === 0) {
    report('scheduling.prefix_cache.store_gbps', 'applies to the datacenter store, which store_gb (0) leaves out');
  }
  if (cache.store_gb > 0 && file.datacenter.network.kv_transfer === 'off') {
    report(
      'scheduling.prefix_cache.store_gb',
      'a datacenter store is fetched over the network, and datacenter.network.kv_transfer is "off"',
    );
  }
}

/**
 * What the serving core does not run yet (issue 20): the datacenter store for mixed
 * (colocated) instances (a split prefill instance fetches from it). Refused, not
 * ignored: a user who asks for it would otherwise read results without it.
 */
function checkNotRunYet(cache: PrefixCacheFile, instances: readonly InstanceSpec[], report: Report): void {
  if (cache.store_gb > 0 && instances.some((x) => x.deployment && x.role === 'mixed')) {
    report(
      'scheduling.prefix_cache.store_gb',
      'the datacenter store is not run by this build yet for mixed (colocated) instances (issue 20: ' +
        'split prefill instances fetch from it)',
    );
  }
}
