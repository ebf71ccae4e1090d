import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Imported first by pipeline-server.ts, before anything imports kafkajs.
 *
 * kafkajs is CommonJS. Under Node's own ESM loader a named import from it works only for the names Node's
 * static analysis of its index.js finds (Kafka, Partitioners, logLevel...), not `KafkaJSError`, which
 * src/analytics/bus/kafka-bus.ts imports by name, so Flagstaff with FLAGSTAFF_BUS=kafka fails to start under
 * `npm start` ("The requested module 'kafkajs' does not provide an export named 'KafkaJSError'"); vitest
 * transforms modules and hides it. Until the source is fixed, the benchmark's Flagstaff process loads kafkajs
 * through this hook: an ES module that re-exports every property of kafkajs's `module.exports` (what vitest and
 * bundlers do), so the code under test runs unmodified. Once kafka-bus.ts loads on its own, this changes nothing.
 */
const require = createRequire(import.meta.url);
const kafkajsFile = require.resolve('kafkajs');
const kafkajsUrl = pathToFileURL(kafkajsFile).href;
const names = Object.keys(require('kafkajs') as Record<string, unknown>).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));

/** Whether kafkajs's ESM namespace, as Node's loader builds it, lacks names its CommonJS exports have. */
export const kafkajsNeedsWrapper: boolean = await (async () => {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', `import { KafkaJSError } from ${JSON.stringify(kafkajsUrl)}; if (typeof KafkaJSError !== 'function') process.exit(3);`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();

if (kafkajsNeedsWrapper) {
  const hooks = `
    export async function load(url, context, nextLoad) {
      if (url !== ${JSON.stringify(kafkajsUrl)}) return nextLoad(url, context);
      return {
        format: 'module',
        shortCircuit: true,
        source: "import { createRequire } from 'node:module';" +
          "const exported = createRequire(import.meta.url)(${JSON.stringify(kafkajsFile).replaceAll('"', '\\"')});" +
          "export default exported;" +
          "export const { ${names.join(', ')} } = exported;",
      };
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
