// Identity syscalls, differential against native Linux: the relations a program sees between
// its ids hold the same under umbra, and the absolute ids are the sandbox's (1000, init 1).
import { deepEqual } from "node:assert/strict";
import { compile, fields, runNative, runUmbra, umbraTest, withoutLines } from "./_util.ts";

for (const linkage of ["dynamic", "static"] as const) {
  umbraTest(`identity syscalls match Linux in a ${linkage} C program`, async () => {
    const program = await compile("ids", { static: linkage === "static" });
    const native = await runNative([program]);
    const umbra = await runUmbra([program]);
    deepEqual(umbra.stderr, "");
    deepEqual(withoutLines(umbra.stdout, "self "), withoutLines(native.stdout, "self "));
    deepEqual(umbra.code, native.code);
    deepEqual(fields(umbra.stdout, "self "), { pid: 1000, ppid: 1, pgrp: 1, sid: 1 });
  });
}

umbraTest("sh sees pid 1000 with the sandbox init as parent", async () => {
  const result = await runUmbra(["/bin/sh", "-c", "echo $$ $PPID"]);
  deepEqual(result, { code: 0, stdout: "1000 1\n", stderr: "" });
});

umbraTest("a child of sh gets the next pid and sh as parent", async () => {
  const result = await runUmbra(["/bin/sh", "-c", 'sh -c "echo \\$\\$ \\$PPID"; echo $$']);
  deepEqual(result.stdout, "1001 1000\n1000\n");
});

umbraTest("bash: $$, $PPID, $BASHPID in a subshell, and wait on a background job", async () => {
  const script = 'echo $$ $PPID; ( echo $BASHPID ); sleep 0.05 & wait $!; echo "waited $?"';
  const native = await runNative(["bash", "-c", script]);
  const umbra = await runUmbra(["bash", "-c", script]);
  deepEqual(umbra.stdout, "1000 1\n1001\nwaited 0\n");
  deepEqual(native.stdout.split("\n").slice(2), umbra.stdout.split("\n").slice(2));
});

umbraTest("python3 sees virtual ids through os and subprocess", async () => {
  const script = [
    "import os, subprocess",
    "print(os.getpid(), os.getppid(), os.getpgrp(), os.getsid(0))",
    "out = subprocess.run(['/bin/sh', '-c', 'echo $PPID'], capture_output=True, text=True).stdout",
    "print(out.strip() == str(os.getpid()))",
  ].join("\n");
  const result = await runUmbra(["/usr/bin/python3", "-c", script]);
  deepEqual(result.stdout, "1000 1 1 1\nTrue\n");
});

umbraTest("exit status and death by signal pass through like a shell's", async () => {
  deepEqual((await runUmbra(["/bin/sh", "-c", "exit 42"])).code, 42);
  deepEqual((await runUmbra(["/bin/sh", "-c", "kill -TERM $$"])).code, 143);
});
