// Watching a sandbox's events (start, fork, exec, signal, exit) as they happen.
// Run: ./.tools/deno/node_modules/deno/deno run -A examples/events.ts
import { Sandbox } from "../mod.ts";

const sandbox = await Sandbox.create({ events: true, time: "virtual" });
const watching = (async () => {
  for await (const event of sandbox.events()) console.log(event.time.padStart(12), JSON.stringify(event));
})();
const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "sleep 2 & kill -USR1 $!; wait"] });
await process.exited;
await sandbox.close();
await watching;
