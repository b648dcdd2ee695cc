import { NAMES, KEY_VALUE_KEYS } from '../support/scenario.js';
import { percentiles, type ReportRow } from '../support/report.js';
import { errorCounts, type RunData } from './checker.js';

/**
 * Store watch, after the faults healed and a quiet period: every watcher's view (each worker's
 * `changes()` over the prefix, and its `keyValue()` of the first keys) must equal the store.
 *
 * - `divergent_keys`: keys where a watcher's view differs from the store (value or version, or
 *   present in one and not the other), summed over watchers;
 * - `version_regressions`: emissions whose version was not greater than an earlier one of the
 *   same key in the same watcher.
 *
 * Failover: from the end of each fault to the moment every worker's `keyValue()` saw the write
 * the runner made right after it.
 */
export function checkStore(data: RunData): ReportRow {
  let divergent = 0;
  const store = data.store;
  for (const report of data.reports) {
    const keys = new Set([...store.keys(), ...Object.keys(report.changesView)]);
    for (const key of keys) {
      const seen = report.changesView[key];
      const item = store.get(key);
      if (seen?.version !== item?.version || seen?.value !== item?.value) divergent++;
    }
    for (let n = 0; n < KEY_VALUE_KEYS; n++) {
      const key = `${NAMES.store}k${n}`;
      const seen = report.keyValueViews[key] ?? undefined;
      const item = store.get(key);
      if (seen?.version !== item?.version || seen?.value !== item?.value) divergent++;
    }
  }
  return {
    fault: data.fault.name,
    primitive: 'store',
    operations: data.reports.reduce((sum, report) => sum + report.writes, 0),
    violations: {
      divergent_keys: divergent,
      version_regressions: data.reports.reduce((sum, report) => sum + report.versionRegressions, 0),
    },
    failover_ms: percentiles(data.probes),
    observed: { 'keys at the end': store.size, ...errorCounts(data, 'store: ') },
  };
}
