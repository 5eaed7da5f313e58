// Using umbra as a library: start a shell in a sandbox and wait for it.
// Run: ./.tools/deno/node_modules/deno/deno run -A examples/sandbox.ts
import { describeExitStatus, Sandbox } from "../mod.ts";

await using sandbox = await Sandbox.create();
const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", 'echo "pid $$, parent $PPID"; exit 3'] });
const { pid, name } = await process.started;
console.log(`started ${name} (virtual pid ${pid})`);
console.log(describeExitStatus(await process.exited));
