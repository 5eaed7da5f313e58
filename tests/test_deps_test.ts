// scripts/test_deps.sh, which the test command runs first: silent when every package the tests need is there; when
// some are missing and it cannot install them (not root, or no apt-get), one line naming them and exit 1.
import { deepEqual } from "node:assert/strict";
import { ROOT, runNative, umbraTest } from "./_util.ts";

const SCRIPT = `${ROOT}scripts/test_deps.sh`;

umbraTest("test_deps.sh says nothing when the tests have what they need", async () => {
  deepEqual(await runNative(["bash", SCRIPT]), { code: 0, stdout: "", stderr: "" });
});

umbraTest("test_deps.sh names the missing packages in one line when it cannot install them", async () => {
  const bin = await Deno.makeTempDir();
  try {
    // A PATH with gcc and pgrep but no gdb, Chromium, strace or apt-get, and an id that says who runs it.
    const wrap = (name: string, body: string) =>
      Deno.writeTextFile(`${bin}/${name}`, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    await wrap("gcc", 'exec /usr/bin/gcc "$@"');
    await wrap("pgrep", 'exec /usr/bin/pgrep "$@"');
    for (const uid of ["1000", "0"]) {
      await wrap("id", `echo ${uid}`);
      const result = await runNative(["/bin/bash", SCRIPT], { env: { PATH: bin, CHROMIUM: "chromium" } });
      deepEqual(result, {
        code: 1,
        stdout: "",
        stderr:
          "umbra test: missing packages the tests need: chromium gdb strace (as root: apt-get install chromium gdb strace)\n",
      }, `uid ${uid}`);
    }
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});
