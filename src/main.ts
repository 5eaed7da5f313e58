/**
 * The umbra executable. A command that runs programs (`exec`, `run`) needs the policy Worker,
 * whose boot is the longest step of start-up: it starts first, on the other core, while the
 * CLI's modules load here.
 * @module
 */

import { bootPolicyWorker } from "./policy/worker_boot.ts";

/** The commands that open a sandbox. */
const SANDBOX_COMMANDS: ReadonlySet<string> = new Set(["exec", "run"]);

if (import.meta.main) {
  // The command is the first word that is not an option (no global option takes a value).
  if (SANDBOX_COMMANDS.has(Deno.args.find((arg) => !arg.startsWith("-")) ?? "")) bootPolicyWorker();
  const { end, main } = await import("./cli.ts");
  end(await main(Deno.args));
}
