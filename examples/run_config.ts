// Using umbra as a library: run a configuration and look at what happened.
// Run: ./.tools/deno/node_modules/deno/deno run -A examples/run_config.ts
import { parseConfig, runConfig } from "../mod.ts";

const config = parseConfig(
  `general:
  stop_time: 1 min
hosts:
  box:
    processes:
      - path: /bin/sh
        args: -c 'sleep 5 & sleep 10; wait; echo done'
`,
  "inline.yaml",
);
const report = await runConfig(config, { dataDirectory: await Deno.makeTempDir() });
for (const process of report.processes) {
  const end = process.exitTime === null ? "still running" : `ended at ${Number(process.exitTime) / 1e9} s`;
  console.log(`${process.name} (parent ${process.parent}): ${end}`);
}
console.log(report.mismatches.length === 0 ? "all as expected" : report.mismatches.join("\n"));
