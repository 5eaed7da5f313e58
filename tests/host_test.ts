// Calls that reach the whole machine (reboot, kexec, kernel modules, the host's clock) fail with
// EPERM inside the sandbox, as in a container; natively as root the same harmless arguments get
// the kernel's other answers, so the test sees umbra's interception.
import { equal, notEqual } from "node:assert/strict";
import { compile, runNative, runUmbra, text, umbraTest } from "./_util.ts";

const CALLS = [
  "reboot",
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "clock_settime",
  "settimeofday",
];

for (const linkage of ["dynamic", "static"] as const) {
  umbraTest(`reboot, kexec, module and host-clock calls fail with EPERM inside (${linkage})`, async () => {
    const program = await compile("host_wide", { static: linkage === "static" });
    const umbra = await runUmbra([program]);
    equal(umbra.code, 0, umbra.stderr);
    equal(umbra.stdout, text(...CALLS.map((call) => `${call}: EPERM`)));
    const native = await runNative([program]);
    notEqual(native.stdout, umbra.stdout);
  });
}
