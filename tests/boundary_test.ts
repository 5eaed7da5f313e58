// Escapes through ptrace, process_vm_readv and seccomp listeners fail inside the sandbox and leave
// the host process alone.
import { deepEqual, equal } from "node:assert/strict";
import { compile, runUmbra, umbraTest } from "./_util.ts";

umbraTest("ptrace, process_vm_readv and a seccomp listener cannot reach or escape to a host process", async () => {
  const program = await compile("escape_ptrace");
  const host = new Deno.Command("/bin/sleep", { args: ["30"] }).spawn();
  try {
    const result = await runUmbra([program, String(host.pid)]);
    deepEqual(result.stdout.trim().split("\n"), [
      "seize host: -1 ESRCH",
      "attach host: -1 ESRCH",
      "traceme: -1 EPERM",
      "vm_readv host: -1 ESRCH",
      "listener: -1 EBUSY",
    ]);
    const status = await Deno.readTextFile(`/proc/${host.pid}/status`);
    equal(/^TracerPid:\s+0$/m.test(status), true, "the host process must not be traced");
  } finally {
    host.kill("SIGKILL");
    await host.status;
  }
});
