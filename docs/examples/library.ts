// The README's library example; test/package/library-example.test.ts runs it from the
// repository's root and checks what it prints.
import { InputError, loadScenario, runScenario } from 'splitsim';

// An M/M/4 → M/M/4 tandem: Poisson arrivals at 3.2/s, exponential service times
// (mean 0.5 s prefill, 1 s decode), 4 servers each.
const scenario = loadScenario('scenarios/queueing/mm4-tandem.json');
const { summary } = runScenario(scenario, { seed: 7 });
console.log(`requests ${summary.requests}: ${summary.completed} completed, ${summary.rejected} rejected, ${summary.unfinished} unfinished`);
console.log(`prefill busy ${summary.prefill_util}, decode busy ${summary.decode_util}, TTFT p99 ${summary.ttft_p99_s} s`);

// Bad input throws an InputError listing every problem with its field path.
try {
  loadScenario('scenarios/queueing/no-such-file.json');
} catch (err) {
  if (!(err instanceof InputError)) throw err;
  for (const p of err.problems) console.log(`${p.file}: ${p.path || '(file)'}: ${p.message}`);
}
