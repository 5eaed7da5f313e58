// Calls that reach the whole machine (reboot, kexec, kernel modules, the host's clock) fail with
// EPERM inside the sandbox, as in a container; natively as root the same harmless arguments get
// the kernel's other answers, so the test sees umbra's interception.
import { deepEqual, equal, notEqual } from "node:assert/strict";
import { compile, PID_NAMESPACE, runNative, runNativeWithin, runUmbra, text, UMBRA, umbraTest } from "./_util.ts";

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

for (const time of ["real", "virtual"] as const) {
  umbraTest(
    `CPU-time clocks by pid name sandbox processes and threads, never a host process (${time} time)`,
    async () => {
      const program = await compile("cpu_clocks");
      const host = new Deno.Command("/bin/sleep", { args: ["30"], stdout: "null", stderr: "null" }).spawn();
      try {
        const expected = text(
          "clock_getcpuclockid(child): 0",
          "child's CPU time: 0, more than 1 ms: 1",
          "clock_nanosleep(child's clock, 0): 0",
          "timer_create(child's clock): 0",
          "pthread_getcpuclockid(thread): 0",
          "thread's CPU time: 0",
          "a host process's CPU time: EINVAL",
          "its resolution: EINVAL",
        );
        const argv = [program, String(host.pid)];
        deepEqual(await runNativeWithin(argv, { wrap: PID_NAMESPACE }), {
          code: 0,
          stdout: expected,
          stderr: "",
        });
        const umbra = await runNativeWithin([UMBRA, "exec", `--time=${time}`, "--", ...argv]);
        deepEqual(umbra, { code: 0, stdout: expected, stderr: "" });
      } finally {
        host.kill("SIGKILL");
        await host.status;
      }
    },
  );
}
