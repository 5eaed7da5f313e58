// Calls that reach the whole machine (reboot, kexec, kernel modules, the host's clock) fail inside the
// sandbox: its root holds capabilities over the sandbox's own namespaces only, as in a container.
// The reference is the same program, natively, in namespaces made as umbra makes them; natively
// as root without them, the same harmless arguments get other answers, so the test sees the boundary.
import { deepEqual, equal, notEqual } from "node:assert/strict";
import { compile, nativeHost, runNative, runNativeWithin, runUmbra, text, UMBRA, umbraTest } from "./_util.ts";

for (const linkage of ["dynamic", "static"] as const) {
  umbraTest(`reboot, kexec, module and host-clock calls fail inside, as in a container (${linkage})`, async () => {
    const program = await compile("host_wide", { static: linkage === "static" });
    const umbra = await runUmbra([program]);
    equal(umbra.code, 0, umbra.stderr);
    const reference = await runNativeWithin([program], { wrap: await nativeHost() });
    equal(umbra.stdout, reference.stdout);
    const lines = umbra.stdout.trim().split("\n");
    equal(lines.length, 8);
    for (const line of lines) notEqual(line.split(": ")[1], "0", line);
    notEqual((await runNative([program])).stdout, umbra.stdout);
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
        deepEqual(await runNativeWithin(argv, { wrap: await nativeHost() }), {
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
